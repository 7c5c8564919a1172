package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/matrix"
	"github.com/matrixgen/matrixgen/schedule"
	"github.com/matrixgen/matrixgen/schemas"
)

// checkGolden compares a transcript with testdata/NAME.golden; -update
// rewrites it.
func checkGolden(t *testing.T, name string, args []string, r result) {
	t.Helper()
	got := fmt.Sprintf("$ matrixgen %s\nexit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	golden := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("transcript differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", golden, got, want)
	}
}

// TestMatrixContractTranscripts records the matrix and compat runs that
// collisions, flag values, --built and plans decide (issue 6, sections 3-4).
func TestMatrixContractTranscripts(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		// Collisions: refused, naming the builds and the template.
		{"matrix-collision-axis", []string{"matrix", "--kernels", "testdata/old.json", "--axis", "nvlink=nvf1.0,nvf1.1", "--artifact-template", "{{.KernelRelease}}"}, 1},
		{"matrix-collision-compat", []string{"matrix", "--kernels", "testdata/series.json", "--driver-version", "570.1", "--artifact", "compat-version"}, 1},
		{"matrix-compat-axis", []string{"matrix", "--kernels", "testdata/old.json", "--target", "ubuntu", "--driver-version", "2.4.1", "--axis", "nvlink=nvf1.0,nvf1.1", "--artifact", "compat-version"}, 0},
		{"matrix-axis-template", []string{"matrix", "--kernels", "testdata/old.json", "--target", "ubuntu", "--axis", "nvlink=nvf1.0,nvf1.1", "--artifact-template", `{{.Package}}_{{.KernelRelease}}_{{axis "nvlink"}}.ko.xz`}, 0},
		{"matrix-axis-template-unknown", []string{"matrix", "--kernels", "testdata/old.json", "--target", "ubuntu", "--axis", "nvlink=nvf1.0", "--artifact-template", `{{.KernelRelease}}_{{axis "nvlnk"}}`}, 1},
		// Flag values: repeated or empty ones are usage errors.
		{"matrix-driver-twice", []string{"matrix", "--kernels", "testdata/old.json", "--driver-version", "570.1", "--driver-version", "570.1"}, 2},
		{"matrix-axis-value-twice", []string{"matrix", "--kernels", "testdata/old.json", "--axis", "nv=a,a"}, 2},
		{"matrix-driver-empty", []string{"matrix", "--kernels", "testdata/old.json", "--driver-version", ""}, 2},
		{"matrix-axis-value-empty", []string{"matrix", "--kernels", "testdata/old.json", "--axis", "nv=a,"}, 2},
		{"matrix-driver-shell", []string{"matrix", "--kernels", "testdata/old.json", "--driver-version", "$(reboot)"}, 2},
		{"compat-driver-empty", []string{"compat", "--kernels", "testdata/old.json", "--driver-version", ""}, 2},
		{"compat-axis-twice", []string{"compat", "--kernels", "testdata/old.json", "--axis", "nv=a", "--axis", "nv=b"}, 2},
		// --built: a missing file is an error unless --built-optional.
		{"matrix-built-missing", []string{"matrix", "--kernels", "testdata/old.json", "--built", "testdata/nope.txt"}, 1},
		{"matrix-built-optional", []string{"matrix", "--kernels", "testdata/old.json", "--target", "ubuntu", "--built", "testdata/nope.txt", "--built-optional"}, 0},
		{"matrix-built-optional-alone", []string{"matrix", "--kernels", "testdata/old.json", "--built-optional"}, 2},
		// Plans.
		{"matrix-from-plan", []string{"matrix", "--from-plan", "../../schemas/examples/plan.json", "--chunk", "2"}, 0},
		{"matrix-from-plan-bad-chunk", []string{"matrix", "--from-plan", "../../schemas/examples/plan.json", "--chunk", "3"}, 2},
		{"matrix-from-plan-tampered", []string{"matrix", "--from-plan", "testdata/plan-tampered.json", "--chunk", "1"}, 1},
		{"matrix-from-plan-missing", []string{"matrix", "--from-plan", "testdata/nope.json", "--chunk", "1"}, 1},
		{"matrix-from-plan-no-chunk", []string{"matrix", "--from-plan", "../../schemas/examples/plan.json"}, 2},
		{"matrix-from-plan-and-kernels", []string{"matrix", "--from-plan", "../../schemas/examples/plan.json", "--chunk", "1", "--driver-version", "1"}, 2},
		{"matrix-chunk-without-plan", []string{"matrix", "--kernels", "testdata/old.json", "--chunk", "1"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", nil, tt.args...)
			if r.code != tt.code {
				t.Errorf("matrixgen %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), r.code, tt.code, r.stdout, r.stderr)
			}
			checkGolden(t, tt.name, tt.args, r)
		})
	}
}

// writeKernels writes a kernels.json of n Ubuntu 24.04 kernels.
func writeKernels(t testing.TB, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("{\n  \"x86_64\": [\n")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `    {"target": "ubuntu", "kernelrelease": "6.8.0-%d-generic", "distroversion": "24.04"}`, i)
	}
	b.WriteString("\n  ]\n}\n")
	p := filepath.Join(t.TempDir(), "kernels.json")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// stepOutputs parses a $GITHUB_OUTPUT file (heredoc form).
func stepOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)([A-Za-z_]+)<<(MATRIXGEN_[0-9a-f]{16})\n(.*?)\n(MATRIXGEN_[0-9a-f]{16})\n`)
	out := map[string]string{}
	rest := string(data)
	for _, m := range re.FindAllStringSubmatch(rest, -1) {
		if m[2] != m[4] {
			t.Fatalf("delimiters differ in %s", m[0])
		}
		out[m[1]] = m[3]
	}
	if got := len(re.ReplaceAllString(rest, "")); got != 0 {
		t.Fatalf("GITHUB_OUTPUT holds text outside outputs:\n%s", data)
	}
	return out
}

func actionsEnv(t *testing.T) map[string]string {
	dir := t.TempDir()
	return map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(dir, "out"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary")}
}

func TestGitHubOutputs(t *testing.T) {
	env := actionsEnv(t)
	r := runCLI(t, "", env, "matrix", "--kernels", "testdata/kernels.json", "--driver-version", "1.0", "--axis", "nvlink=nvf1.0,nvf1.1")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	out := stepOutputs(t, env["GITHUB_OUTPUT"])
	want := map[string]string{"count": "26", "has_builds": "true", "chunk_size": "256", "chunks": "[1]", "matrix": strings.TrimSuffix(r.stdout, "\n")}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Errorf("outputs\n%v\nwant\n%v", out, want)
	}
	sum, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	head := "### matrixgen: 26 builds\n\n| distribution | version | arch | kernel | driver | nvlink | artifact |\n| --- | --- | --- | --- | --- | --- | --- |\n" +
		"| debian | 12 | aarch64 | `6.1.0-56-arm64` | 1.0 | nvf1.0 | `driver-debian-12-6.1.0-56-arm64_1.0+nvf1.0_arm64.deb` |\n"
	if !strings.HasPrefix(string(sum), head) || strings.Count(string(sum), "\n| ") != 28 {
		t.Errorf("summary:\n%s", sum)
	}

	// Nothing to build with --allow-empty: has_builds=false for the job guard.
	env = actionsEnv(t)
	r = runCLI(t, "", env, "matrix", "--kernels", "testdata/kernels.json", "--target", "oracle", "--allow-empty")
	out = stepOutputs(t, env["GITHUB_OUTPUT"])
	want = map[string]string{"count": "0", "has_builds": "false", "chunk_size": "256", "chunks": "[]", "matrix": `{"include":[]}`}
	if r.code != 0 || fmt.Sprint(out) != fmt.Sprint(want) {
		t.Errorf("empty run: exit %d, outputs %v, want %v", r.code, out, want)
	}
}

// TestGitHubOutputsChunked: above one matrix the contract stays usable: no
// partial matrix output, chunk ids for a matrix over chunks, and the plan
// the chunk jobs select from; without --plan-out the step fails loudly.
func TestGitHubOutputsChunked(t *testing.T) {
	kernels := writeKernels(t, 300)
	env := actionsEnv(t)
	plan := filepath.Join(t.TempDir(), "plan.json")
	r := runCLI(t, "", env, "matrix", "--kernels", kernels, "--driver-version", "1", "--plan-out", plan)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	out := stepOutputs(t, env["GITHUB_OUTPUT"])
	want := map[string]string{"count": "300", "has_builds": "true", "chunk_size": "256", "chunks": "[1,2]"}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Errorf("outputs %v, want %v", out, want)
	}
	written, _ := os.ReadFile(plan)
	if r.stdout != string(written) {
		t.Error("stdout is not the plan --plan-out wrote")
	}
	if kind, err := schemas.ValidateAny(written); kind != schemas.Plan || err != nil {
		t.Errorf("plan: %s, %v", kind, err)
	}
	if want := "matrixgen: 300 builds in 2 matrices of up to 256 from 300 kernels: stdout holds the plan; select one with --from-plan FILE --chunk N\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}

	// The simple workflow at this size: an error, and nothing written.
	env = actionsEnv(t)
	r = runCLI(t, "", env, "matrix", "--kernels", kernels, "--driver-version", "1")
	if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "::error title=matrixgen::300 builds need 2 matrices of up to 256 jobs, and one matrix output cannot hold them: use the chunked workflow") {
		t.Errorf("without --plan-out: exit %d, stdout %d bytes, stderr %s", r.code, len(r.stdout), r.stderr)
	}
	if _, err := os.Stat(env["GITHUB_OUTPUT"]); err == nil {
		t.Error("GITHUB_OUTPUT written by a failed step")
	}
}

// TestFromPlanRoundTrip: the chunks selected from a plan, joined, are the
// builds of the unchunked matrix, in order.
func TestFromPlanRoundTrip(t *testing.T) {
	args := []string{"matrix", "--kernels", "testdata/kernels.json", "--driver-version", "1", "--driver-version", "2", "--axis", "nvlink=a,b"}
	whole := runCLI(t, "", nil, args...)
	if whole.code != 0 {
		t.Fatalf("exit %d: %s", whole.code, whole.stderr)
	}
	var want struct{ Include []json.RawMessage }
	if err := json.Unmarshal([]byte(whole.stdout), &want); err != nil || len(want.Include) != 52 {
		t.Fatalf("%d entries, %v", len(want.Include), err)
	}
	for _, size := range []string{"1", "7", "52", "256"} {
		plan := filepath.Join(t.TempDir(), "plan.json")
		env := actionsEnv(t)
		r := runCLI(t, "", env, append(args, "--chunk-size", size, "--plan-out", plan)...)
		if r.code != 0 {
			t.Fatalf("size %s: exit %d: %s", size, r.code, r.stderr)
		}
		var ids []int
		if err := json.Unmarshal([]byte(stepOutputs(t, env["GITHUB_OUTPUT"])["chunks"]), &ids); err != nil {
			t.Fatal(err)
		}
		var got []json.RawMessage
		for _, id := range ids {
			env := actionsEnv(t)
			c := runCLI(t, "", env, "matrix", "--from-plan", plan, "--chunk", fmt.Sprint(id))
			if c.code != 0 {
				t.Fatalf("size %s chunk %d: exit %d: %s", size, id, c.code, c.stderr)
			}
			var m struct{ Include []json.RawMessage }
			if err := json.Unmarshal([]byte(c.stdout), &m); err != nil {
				t.Fatal(err)
			}
			if out := stepOutputs(t, env["GITHUB_OUTPUT"]); out["matrix"] != strings.TrimSuffix(c.stdout, "\n") || out["count"] != fmt.Sprint(len(m.Include)) || out["has_builds"] != "true" {
				t.Errorf("size %s chunk %d: outputs %v", size, id, out)
			}
			got = append(got, m.Include...)
		}
		if fmt.Sprintf("%s", got) != fmt.Sprintf("%s", want.Include) {
			t.Errorf("size %s: %d chunks give %d entries that differ from the whole matrix's %d", size, len(ids), len(got), len(want.Include))
		}
	}
}

// TestTamperedPlanRefused edits a plan the tool wrote, one byte at a time
// in different places: each edit is refused.
func TestTamperedPlanRefused(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "plan.json")
	r := runCLI(t, "", nil, "matrix", "--kernels", "testdata/kernels.json", "--driver-version", "1", "--chunk-size", "4", "--plan-out", plan)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	good, _ := os.ReadFile(plan)
	for _, edit := range []struct{ old, new, msg string }{
		{`"artifact":"driver-debian-12-6.1.0-56-arm64_1_arm64.deb"`, `"artifact":"driver-debian-12-6.1.0-56-arm64_2_arm64.deb"`, "sha256 mismatch"},
		{`"chunk_size": 4`, `"chunk_size": 5`, "sha256 mismatch"},
		{`"base_image":"debian:12"`, `"base_image":"evil:12"`, "sha256 mismatch"},
		{`"count": 13`, `"count": 12`, "count 12 and chunks 4 do not match the 13 builds"},
	} {
		if !bytes.Contains(good, []byte(edit.old)) {
			t.Fatalf("the plan holds no %s", edit.old)
		}
		bad := filepath.Join(t.TempDir(), "plan.json")
		os.WriteFile(bad, bytes.Replace(good, []byte(edit.old), []byte(edit.new), 1), 0o644)
		r := runCLI(t, "", nil, "matrix", "--from-plan", bad, "--chunk", "1")
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "--from-plan "+bad+": "+edit.msg) {
			t.Errorf("edit %s: exit %d, stdout %q, stderr %s", edit.new, r.code, r.stdout, r.stderr)
		}
	}
}

// TestGitHubOutputSizes measures what the README states: the bytes a run
// of 10 and of 10,000 builds writes to $GITHUB_OUTPUT (planning step and
// one chunk step) and to $GITHUB_STEP_SUMMARY. Run with -v to see them.
func TestGitHubOutputSizes(t *testing.T) {
	for _, n := range []int{10, 10_000} {
		kernels := writeKernels(t, n)
		plan := filepath.Join(t.TempDir(), "plan.json")
		env := actionsEnv(t)
		r := runCLI(t, "", env, "matrix", "--kernels", kernels, "--driver-version", "570.1", "--plan-out", plan)
		if r.code != 0 {
			t.Fatalf("%d: exit %d: %s", n, r.code, r.stderr)
		}
		planOut, _ := os.Stat(env["GITHUB_OUTPUT"])
		planSum, _ := os.Stat(env["GITHUB_STEP_SUMMARY"])
		planFile, _ := os.Stat(plan)
		chunkEnv := actionsEnv(t)
		if c := runCLI(t, "", chunkEnv, "matrix", "--from-plan", plan, "--chunk", "1"); c.code != 0 {
			t.Fatalf("%d: chunk 1: exit %d: %s", n, c.code, c.stderr)
		}
		chunkOut, _ := os.Stat(chunkEnv["GITHUB_OUTPUT"])
		chunkSum, _ := os.Stat(chunkEnv["GITHUB_STEP_SUMMARY"])
		t.Logf("%6d builds: plan step GITHUB_OUTPUT %d bytes, summary %d bytes; plan.json %d bytes; chunk 1 GITHUB_OUTPUT %d bytes, summary %d bytes",
			n, planOut.Size(), planSum.Size(), planFile.Size(), chunkOut.Size(), chunkSum.Size())
		const limit = 1_000_000 // GitHub: 1 MB per job output
		for what, size := range map[string]int64{"plan step output": planOut.Size(), "chunk step output": chunkOut.Size()} {
			if size >= limit/4 {
				t.Errorf("%d builds: %s is %d bytes, want well under GitHub's %d", n, what, size, limit)
			}
		}
		for what, size := range map[string]int64{"plan step summary": planSum.Size(), "chunk step summary": chunkSum.Size()} {
			if size > 256<<10 {
				t.Errorf("%d builds: %s is %d bytes, over the 256 KiB cap", n, what, size)
			}
		}
		if n == 10 && !strings.Contains(mustRead(t, env["GITHUB_OUTPUT"]), "matrix<<") {
			t.Error("10 builds: no plain matrix output for the simple workflow")
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestUnwritableStepFiles(t *testing.T) {
	for _, v := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
		env := actionsEnv(t)
		env[v] = filepath.Join(t.TempDir(), "missing-dir", "file")
		r := runCLI(t, "", env, "matrix", "--kernels", "testdata/old.json")
		if r.code != 1 || !strings.HasPrefix(r.stderr, "matrixgen: $"+v+": open "+env[v]+": no such file or directory") {
			t.Errorf("%s unwritable: exit %d, stderr %q", v, r.code, r.stderr)
		}
	}
}

// TestMatrixStdoutValidates: `matrixgen matrix > m.json && matrixgen
// validate m.json` works at every size: stdout is always one document.
func TestMatrixStdoutValidates(t *testing.T) {
	for _, tt := range []struct {
		args []string
		kind schemas.Kind
	}{
		{[]string{"matrix", "--kernels", "testdata/kernels.json"}, schemas.Matrix},
		{[]string{"matrix", "--kernels", "testdata/kernels.json", "--driver-version", "1", "--driver-version", "2", "--axis", "nvlink=a,b", "--artifact", "precompiled-image"}, schemas.Matrix},
		{[]string{"matrix", "--kernels", "testdata/kernels.json", "--chunk-size", "5"}, schemas.Plan},
		{[]string{"matrix", "--kernels", "testdata/old.json", "--target", "rocky", "--allow-empty"}, schemas.Matrix},
		{[]string{"matrix", "--from-plan", "../../schemas/examples/plan.json", "--chunk", "1"}, schemas.Matrix},
	} {
		r := runCLI(t, "", nil, tt.args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, r.code, r.stderr)
		}
		if kind, err := schemas.ValidateAny([]byte(r.stdout)); kind != tt.kind || err != nil {
			t.Errorf("%v: stdout is %q, %v; want a valid %s", tt.args, kind, err, tt.kind)
		}
		m := filepath.Join(t.TempDir(), "m.json")
		os.WriteFile(m, []byte(r.stdout), 0o644)
		if v := runCLI(t, "", nil, "validate", m); v.code != 0 || v.stdout != m+": valid "+string(tt.kind)+"\n" {
			t.Errorf("%v | validate: exit %d, %q %q", tt.args, v.code, v.stdout, v.stderr)
		}
	}
}

// TestNewCmdMatrixPlanFlags checks the plan flags' parsing alone.
func TestNewCmdMatrixPlanFlags(t *testing.T) {
	var got *schedule.Options
	var fromPlan string
	var chunk int
	cmd := newCmdMatrix(&ioStreams{}, func(o *schedule.Options, f string, c int) error { got, fromPlan, chunk = o, f, c; return nil })
	cmd.SetArgs([]string{"--from-plan", "p.json", "--chunk", "3"})
	cmd.SetOut(&bytes.Buffer{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if fromPlan != "p.json" || chunk != 3 {
		t.Errorf("parsed %q %d", fromPlan, chunk)
	}
	cmd = newCmdMatrix(&ioStreams{}, func(o *schedule.Options, f string, c int) error { got, fromPlan, chunk = o, f, c; return nil })
	cmd.SetArgs([]string{"--built", "b.txt", "--built-optional", "--plan-out", "plan.json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Built != "b.txt" || !got.BuiltOptional || got.PlanOut != "plan.json" || fromPlan != "" {
		t.Errorf("parsed %+v", got)
	}
}

// largestWrite records stdout and the largest single write to it.
type largestWrite struct {
	bytes.Buffer
	largest int
}

func (w *largestWrite) Write(b []byte) (int, error) {
	w.largest = max(w.largest, len(b))
	return w.Buffer.Write(b)
}

// TestPlanStreamed: above one chunk, stdout and --plan-out get the plan
// through a 64 KiB buffer, never as one document held in memory (for
// 100,000 kernels × 2 drivers that document is 58 MB: it was most of the
// command's growth in peak memory), and both are the same bytes.
func TestPlanStreamed(t *testing.T) {
	kernels := writeKernels(t, 1500)
	plan := filepath.Join(t.TempDir(), "plan.json")
	var out largestWrite
	var errOut bytes.Buffer
	ios := &ioStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	if code := run(context.Background(), []string{"matrix", "--kernels", kernels, "--driver-version", "1", "--driver-version", "2", "--plan-out", plan}, ios); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	written, err := os.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(written) {
		t.Error("stdout is not the plan --plan-out wrote")
	}
	p, err := matrix.ParsePlan(written)
	if err != nil || len(p.Entries) != 3000 {
		t.Fatalf("plan: %d builds, %v", len(p.Entries), err)
	}
	if len(written) < 512<<10 || out.largest > 64<<10 {
		t.Errorf("a %d-byte plan written in pieces of up to %d bytes: want at most 64 KiB", len(written), out.largest)
	}
}

// TestFromPlanContradictoryKernel: --from-plan puts every build's kernel
// through the constructor: a plan edited to build a .fc42 release under
// Fedora 41, with its digest, names and cache keys recomputed, is refused
// (exit 1) naming the build, and nothing is printed.
func TestFromPlanContradictoryKernel(t *testing.T) {
	ks := []matrixgen.Kernel{
		{Distribution: "fedora", DistroVersion: "42", Arch: matrixgen.X86_64, Release: "6.14.0-100.fc42.x86_64"},
		{Distribution: "fedora", DistroVersion: "41", Arch: matrixgen.X86_64, Release: "6.14.0-100.fc42.x86_64"}, // not through Make
	}
	es, err := matrix.Build(ks, matrix.Options{DriverVersions: []string{"1"}})
	if err != nil {
		t.Fatal(err)
	}
	plan := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(plan, matrix.NewPlan(es, nil, 1).AppendJSON(nil), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", nil, "matrix", "--from-plan", plan, "--chunk", "1")
	want := "--from-plan " + plan + `: builds[1]: invalid: distroversion "41": contradicts the release: 6.14.0-100.fc42.x86_64 is fedora 42`
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stdout %q, stderr %s; want exit 1 and %s", r.code, r.stdout, r.stderr, want)
	}
}
