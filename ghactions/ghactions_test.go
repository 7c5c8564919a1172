package ghactions

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen/matrix"
)

// outputs parses a $GITHUB_OUTPUT file written in the heredoc form.
func outputs(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)([A-Za-z_]+)<<(MATRIXGEN_[0-9a-f]{16})\n(.*?)\n(MATRIXGEN_[0-9a-f]{16})\n`)
	got := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(string(data), -1) {
		if m[2] != m[4] {
			t.Fatalf("delimiters differ: %s", m[0])
		}
		got[m[1]] = m[3]
	}
	return got
}

func TestWriteOutputs(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out")
	os.WriteFile(p, []byte("earlier=1\n"), 0o644)
	var log bytes.Buffer
	s := Step{OutputPath: p, Actions: true, Log: &log}
	if err := s.WriteOutputs([]Output{{"matrix", `{"include":[]}`}, {"count", "0"}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	re := regexp.MustCompile(`(?s)^earlier=1\nmatrix<<(MATRIXGEN_[0-9a-f]{16})\n\{"include":\[\]\}\n(MATRIXGEN_[0-9a-f]{16})\ncount<<(MATRIXGEN_[0-9a-f]{16})\n0\n(MATRIXGEN_[0-9a-f]{16})\n$`)
	m := re.FindStringSubmatch(string(data))
	if m == nil || m[1] != m[2] || m[3] != m[4] {
		t.Fatalf("GITHUB_OUTPUT content:\n%s", data)
	}
	if log.Len() != 0 {
		t.Errorf("small outputs warned: %s", log.String())
	}
}

func TestOutputSizeLimits(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		err     string
		warning string
	}{
		{"small", 1000, "", ""},
		{"over half", MaxOutputBytes / 2, "", "::warning title=matrixgen::output matrix is 500000 bytes, over half of GitHub's 1000000-byte limit per output: lower --chunk-size\n"},
		{"over the limit", MaxOutputBytes + 1, "$GITHUB_OUTPUT: output matrix is 1000001 bytes, over GitHub's 1000000-byte limit per output", ""},
	}
	for _, tt := range tests {
		p := filepath.Join(t.TempDir(), "out")
		var log bytes.Buffer
		err := Step{OutputPath: p, Actions: true, Log: &log}.WriteOutputs([]Output{{"matrix", strings.Repeat("x", tt.size)}})
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.err)
			}
			if _, statErr := os.Stat(p); statErr == nil {
				t.Errorf("%s: refused output still written", tt.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if log.String() != tt.warning {
			t.Errorf("%s: log %q, want %q", tt.name, log.String(), tt.warning)
		}
	}
}

// TestUnwritableFilesNameTheVariable: a path alone does not say which of
// the runner's files is broken.
func TestUnwritableFilesNameTheVariable(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "no-such-dir", "file")
	if err := (Step{OutputPath: bad}).WriteOutputs([]Output{{"a", "b"}}); err == nil || !strings.HasPrefix(err.Error(), "$GITHUB_OUTPUT: open "+bad) {
		t.Errorf("GITHUB_OUTPUT: %v", err)
	}
	if err := (Step{SummaryPath: bad}).AppendSummary("x"); err == nil || !strings.HasPrefix(err.Error(), "$GITHUB_STEP_SUMMARY: open "+bad) {
		t.Errorf("GITHUB_STEP_SUMMARY: %v", err)
	}
}

func TestAnnotations(t *testing.T) {
	var log bytes.Buffer
	Step{Actions: true, Log: &log}.Warning("100% full\nsecond line\r")
	Step{Actions: true, Log: &log}.Error("stop")
	Step{Log: &log}.Warning("outside actions")
	want := "::warning title=matrixgen::100%25 full%0Asecond line%0D\n::error title=matrixgen::stop\nmatrixgen: warning: outside actions\n"
	if log.String() != want {
		t.Errorf("log %q, want %q", log.String(), want)
	}
}

func TestTable(t *testing.T) {
	rows := [][]string{{"x|y", "z"}}
	got, shown := CappedTable([]string{"a", "b"}, len(rows), func(i int) []string { return rows[i] }, -1)
	want := "| a | b |\n| --- | --- |\n| x\\|y | z |\n"
	if got != want || shown != 1 {
		t.Errorf("CappedTable, no budget = %q, %d rows; want %q, 1", got, shown, want)
	}
}

func TestCappedTable(t *testing.T) {
	row := func(i int) []string { return []string{fmt.Sprint(i)} }
	head := "| n |\n| --- |\n"
	tests := []struct {
		budget, shown int
		want          string
	}{
		{-1, 3, head + "| 0 |\n| 1 |\n| 2 |\n"},
		{len(head) + 6, 1, head + "| 0 |\n"},
		{len(head) + 5, 0, head},
	}
	for _, tt := range tests {
		got, shown := CappedTable([]string{"n"}, 3, row, tt.budget)
		if got != tt.want || shown != tt.shown {
			t.Errorf("budget %d: %q (%d shown), want %q (%d)", tt.budget, got, shown, tt.want, tt.shown)
		}
	}
}

func entries(n int, axes ...string) []matrix.Entry {
	es := make([]matrix.Entry, n)
	for i := range es {
		rel := fmt.Sprintf("6.8.0-%d-generic", i)
		es[i] = matrix.Entry{Distribution: "ubuntu", DistroVersion: "24.04", KernelRelease: rel, Architecture: "x86_64", DriverVersion: "1", BaseImage: "ubuntu:24.04", Artifact: "a-" + rel}
		for _, a := range axes {
			es[i].Axes = append(es[i].Axes, matrix.AxisValue{Name: a, Value: "v" + a})
		}
		es[i].CacheKey = matrix.CacheKey(rel, "x86_64", "ubuntu", "24.04", "1", es[i].Axes)
	}
	return es
}

func TestPublishPlan(t *testing.T) {
	tests := []struct {
		name     string
		n, size  int
		planFile string
		want     map[string]string // outputs; matrix checked apart
		matrix   bool
		err      error
		log      string
	}{
		{"empty", 0, 256, "", map[string]string{"count": "0", "has_builds": "false", "chunk_size": "256", "chunks": "[]"}, true, nil, ""},
		{"one chunk", 3, 256, "", map[string]string{"count": "3", "has_builds": "true", "chunk_size": "256", "chunks": "[1]"}, true, nil, ""},
		{"exactly one chunk", 4, 4, "", map[string]string{"count": "4", "has_builds": "true", "chunk_size": "4", "chunks": "[1]"}, true, nil, ""},
		{"chunked with a plan", 9, 4, "plan.json", map[string]string{"count": "9", "has_builds": "true", "chunk_size": "4", "chunks": "[1,2,3]"}, false, nil, ""},
		{"chunked without a plan", 9, 4, "", nil, false, ErrNeedsPlan, "::error title=matrixgen::9 builds need 3 matrices of up to 4 jobs"},
		{"more chunks than a matrix runs", 300, 1, "plan.json", nil, false, nil, "::error title=matrixgen::300 builds make 300 chunks of 1, and a matrix over chunks runs at most 256"},
		{"near the chunk limit", 200, 1, "plan.json", map[string]string{"count": "200", "has_builds": "true", "chunk_size": "1"}, false, nil, "::warning title=matrixgen::200 chunks: a matrix over chunks runs at most 256 jobs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var log bytes.Buffer
			s := Step{OutputPath: filepath.Join(dir, "out"), SummaryPath: filepath.Join(dir, "sum"), Actions: true, Log: &log}
			es := entries(tt.n)
			p := matrix.NewPlan(es, nil, tt.size)
			err := PublishPlan(s, p, tt.planFile)
			if !strings.HasPrefix(log.String(), tt.log) {
				t.Errorf("log %q, want it to start with %q", log.String(), tt.log)
			}
			if tt.want == nil {
				if err == nil || (tt.err != nil && !errors.Is(err, tt.err)) {
					t.Errorf("PublishPlan = %v, want an error (%v)", err, tt.err)
				}
				if _, statErr := os.Stat(s.OutputPath); statErr == nil {
					t.Error("outputs written on failure")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := outputs(t, s.OutputPath)
			m, hasMatrix := got["matrix"]
			delete(got, "matrix")
			if tt.name == "near the chunk limit" {
				delete(got, "chunks")
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("outputs %v, want %v", got, tt.want)
			}
			if hasMatrix != tt.matrix {
				t.Errorf("matrix output present: %v, want %v", hasMatrix, tt.matrix)
			}
			if hasMatrix && m != string(matrix.AppendJSON(nil, es)) {
				t.Errorf("matrix output %s", m)
			}
		})
	}
}

// TestSummary: one column per axis, and a cap with a note of what it
// leaves out when the builds do not fit.
func TestSummary(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	s := Step{SummaryPath: filepath.Join(dir, "sum"), Actions: true, Log: &log}
	p := matrix.NewPlan(entries(2, "nvlink"), []matrix.Axis{{Name: "nvlink"}}, 256)
	if err := PublishPlan(s, p, ""); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(s.SummaryPath)
	want := "### matrixgen: 2 builds\n\n" +
		"| distribution | version | arch | kernel | driver | nvlink | artifact |\n| --- | --- | --- | --- | --- | --- | --- |\n" +
		"| ubuntu | 24.04 | x86_64 | `6.8.0-0-generic` | 1 | vnvlink | `a-6.8.0-0-generic` |\n" +
		"| ubuntu | 24.04 | x86_64 | `6.8.0-1-generic` | 1 | vnvlink | `a-6.8.0-1-generic` |\n\n"
	if string(got) != want {
		t.Errorf("summary\n%s\nwant\n%s", got, want)
	}

	// 10,000 builds: the summary stays under the budget and says what it left out.
	os.Remove(s.SummaryPath)
	log.Reset()
	p = matrix.NewPlan(entries(10_000), nil, 256)
	if err := PublishPlan(s, p, "plan.json"); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(s.SummaryPath)
	rows := strings.Count(string(got), "\n| ubuntu |")
	note := fmt.Sprintf("%d of 10000 builds are not shown: the summary is capped at 262144 bytes (GitHub allows 1048576 per step); the plan or the matrix output lists them all", 10_000-rows)
	if len(got) > SummaryBudget || rows < 1000 || rows >= 10_000 || !strings.Contains(string(got), "\n"+note+"\n") {
		t.Errorf("summary of 10,000 builds: %d bytes, %d rows; tail %q", len(got), rows, got[max(0, len(got)-300):])
	}
	if log.String() != "::warning title=matrixgen::step summary: "+note+"\n" {
		t.Errorf("log %q", log.String())
	}

	// A summary file that is nearly full leaves less room.
	os.WriteFile(s.SummaryPath, bytes.Repeat([]byte("x"), MaxSummaryBytes-100_000), 0o644)
	if err := PublishPlan(s, p, "plan.json"); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(s.SummaryPath)
	if fi.Size() > MaxSummaryBytes {
		t.Errorf("summary grew to %d bytes, over GitHub's %d", fi.Size(), MaxSummaryBytes)
	}
}

func TestPublishChunk(t *testing.T) {
	dir := t.TempDir()
	s := Step{OutputPath: filepath.Join(dir, "out"), SummaryPath: filepath.Join(dir, "sum")}
	p := matrix.NewPlan(entries(9), nil, 4)
	c, err := p.Chunk(3)
	if err != nil {
		t.Fatal(err)
	}
	if err := PublishChunk(s, p, 3, c); err != nil {
		t.Fatal(err)
	}
	got := outputs(t, s.OutputPath)
	want := map[string]string{"matrix": string(matrix.AppendJSON(nil, entries(9)[8:])), "count": "1", "has_builds": "true"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("outputs %v, want %v", got, want)
	}
	sum, _ := os.ReadFile(s.SummaryPath)
	if !strings.HasPrefix(string(sum), "### matrixgen: chunk 3 of 3: 1 build\n\n| distribution |") {
		t.Errorf("summary %q", sum)
	}
}
