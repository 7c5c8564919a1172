package crawlers

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
	"github.com/matrixgen/matrixgen/falco"
)

// TestFinish: what a crawl writes and how it ends, per arch: an arch whose
// every source failed keeps its old list.json (never emptied), the rest is
// written, and the exit class is 0, 3 (partial) or 1 (nothing written).
func TestFinish(t *testing.T) {
	x86 := matrixgen.Kernel{Distribution: "debian", Arch: matrixgen.X86_64, Release: "6.1.0-28-amd64", DistroVersion: "12"}
	arm := matrixgen.Kernel{Distribution: "debian", Arch: matrixgen.AArch64, Release: "6.1.0-28-arm64", DistroVersion: "12"}
	fail := func(a matrixgen.Arch) Failure {
		return Failure{Job: source.JobInfo{Distro: "debian", Release: "bookworm", Arch: a}, Source: "Packages", URL: "http://127.0.0.1:9/x", Err: errors.New("down")}
	}
	both := []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}
	tests := []struct {
		name        string
		rep         *Report
		interrupted string
		wrote       []matrixgen.Arch // list.json rewritten
		kept        []matrixgen.Arch // list.json left as it was
		code        int              // 0: Err is nil
		msg         string
	}{
		{"every source fine", &Report{Kernels: []matrixgen.Kernel{x86, arm}, Sources: 2}, "", both, nil, 0, ""},
		{"one arch's every source failed", &Report{Kernels: []matrixgen.Kernel{x86}, Sources: 2, Failures: []Failure{fail(matrixgen.AArch64)}}, "",
			[]matrixgen.Arch{matrixgen.X86_64}, []matrixgen.Arch{matrixgen.AArch64}, ExitPartial, "1 of 2 sources failed (named above); output written"},
		{"every source failed", &Report{Sources: 2, Failures: []Failure{fail(matrixgen.X86_64), fail(matrixgen.AArch64)}}, "",
			nil, both, ExitNothingWritten, "every source failed (2); nothing written"},
		{"interrupted before anything finished", &Report{Sources: 2, Failures: []Failure{fail(matrixgen.X86_64), fail(matrixgen.AArch64)}, Interrupted: errors.New("stop")}, "interrupted",
			nil, both, ExitNothingWritten, "interrupted before any source finished (2 unfinished); nothing written"},
		{"interrupted after some finished", &Report{Kernels: []matrixgen.Kernel{x86, arm}, Sources: 3, Failures: []Failure{fail(matrixgen.X86_64)}, Interrupted: errors.New("stop")}, "the timeout reached",
			both, nil, ExitPartial, "the timeout reached: 1 of 3 sources unfinished or failed (named above); what finished is written"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			old := []byte("old\n")
			for _, a := range both {
				p := falco.TreePath(dir, a)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, old, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var log, summary bytes.Buffer
			out := &Output{Dir: dir, Stats: filepath.Join(dir, "stats.json"), Summary: &summary, Log: newTestLogger(&log)}
			o, err := out.Finish(tt.rep, both, fetch.Stats{Requests: 7}, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range tt.wrote {
				if data, _ := os.ReadFile(falco.TreePath(dir, a)); bytes.Equal(data, old) {
					t.Errorf("%s: not written", a)
				}
			}
			for _, a := range tt.kept {
				if data, _ := os.ReadFile(falco.TreePath(dir, a)); !bytes.Equal(data, old) {
					t.Errorf("%s: every source failed, yet its list.json was replaced by %q", a, data)
				}
				if !strings.Contains(log.String(), `output not written" arch=`+string(a)+" ") {
					t.Errorf("%s kept but not said so; log:\n%s", a, log.String())
				}
			}
			if len(o.Kept) != len(tt.kept) || o.Wrote != (len(tt.wrote) > 0) {
				t.Errorf("Outcome = %+v, want wrote %v, kept %v", o, tt.wrote, tt.kept)
			}
			err = o.Err(tt.interrupted)
			var oe *OutcomeError
			switch {
			case tt.code == 0 && err != nil:
				t.Errorf("Err = %v, want nil", err)
			case tt.code != 0 && (!errors.As(err, &oe) || oe.ExitCode() != tt.code || err.Error() != tt.msg):
				t.Errorf("Err = %v, want exit %d %q", err, tt.code, tt.msg)
			}
			stats, _ := os.ReadFile(filepath.Join(dir, "stats.json"))
			if !strings.Contains(string(stats), `"requests": 7`) || !strings.Contains(summary.String(), "DISTRO") {
				t.Errorf("stats %s, summary %q", stats, summary.String())
			}
		})
	}
}

// TestOutputPrevious: without a previous crawl named, the output being
// replaced is the previous crawl; one that cannot be read is a warning.
func TestOutputPrevious(t *testing.T) {
	dir := t.TempDir()
	k := matrixgen.Kernel{Distribution: "debian", Arch: matrixgen.X86_64, Release: "6.1.0-28-amd64", DistroVersion: "12", Headers: []string{"http://127.0.0.1:9/h.deb"}}
	file := filepath.Join(dir, "list.json")
	if err := falco.WriteFile(file, []matrixgen.Kernel{k}); err != nil {
		t.Fatal(err)
	}
	arches := []matrixgen.Arch{matrixgen.X86_64}
	out := &Output{File: file}
	prev, err := out.Previous("", arches)
	if err != nil || len(prev) != 1 || prev[0].Release != k.Release || out.implicit != file {
		t.Errorf("Previous = %v, %v (implicit %q); want the output being replaced", prev, err, out.implicit)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	out = &Output{File: bad, Log: newTestLogger(&log)}
	if prev, err := out.Previous("", arches); err != nil || prev != nil || !strings.Contains(log.String(), "cannot carry over") {
		t.Errorf("unreadable output: Previous = %v, %v; log %q", prev, err, log.String())
	}
	if _, err := out.Previous(bad, arches); err == nil {
		t.Error("an unreadable previous crawl that was named: no error")
	}
}

// TestOutputCheck: an output that cannot be written is a usage error naming
// the option, in the package's words (no flag).
func TestOutputCheck(t *testing.T) {
	dir := t.TempDir()
	same := filepath.Join(dir, "same.json")
	for _, tt := range []struct {
		out    Output
		cache  string
		option string
	}{
		{Output{File: dir}, "", "out"},
		{Output{File: same, Stats: same}, "", "stats"},
		{Output{Stats: filepath.Join(dir, "nope", "s.json")}, "", "stats"},
		{Output{}, same + "/x", "cache-dir"},
	} {
		if tt.option == "cache-dir" {
			if err := os.WriteFile(same, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			tt.cache = same
		}
		err := tt.out.Check([]matrixgen.Arch{matrixgen.X86_64}, tt.cache)
		var ue *matrixgen.UsageError
		if !errors.As(err, &ue) || ue.Option != tt.option || strings.Contains(ue.Msg, "--") {
			t.Errorf("Check(%+v, %q) = %v, want a usage error for %s", tt.out, tt.cache, err, tt.option)
		}
	}
}

func newTestLogger(w *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
