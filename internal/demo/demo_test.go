package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scripted answers each command with the result its function gives.
type scripted func(args []string) Result

func (s scripted) Run(_ context.Context, args []string) Result { return s(args) }
func (s scripted) Start(context.Context, []string) (Process, error) {
	return nil, os.ErrInvalid
}

// TestRunNamesTheFailingStep: a step whose exit code or result is not the
// expected one ends the demo with an error naming it, and no later step
// runs. (The whole loop succeeding is cmd/matrixgen's TestDemo.)
func TestRunNamesTheFailingStep(t *testing.T) {
	tests := []struct {
		name   string
		cli    func(dir string) scripted
		want   string
		ran    int
		output string
	}{
		{"exit code", func(string) scripted {
			return func([]string) Result { return Result{Code: 1, Stderr: "matrixgen: every source failed\n"} }
		}, "step 1 (crawl): exit 1, want 3", 1, "2> matrixgen: every source failed"},
		{"expected code, wrong result", func(string) scripted {
			return func([]string) Result { return Result{Code: 3} } // list.json never written
		}, "step 1 (crawl): open ", 1, ""},
		{"a later step", func(dir string) scripted {
			return func(args []string) Result {
				if args[0] == "crawl" {
					list := `{"debian":[{"kernelrelease":"` + nodeKernel + `"}],"fedora":[{"kernelrelease":"` + kojiKernel + `"}],"amazonlinux2023":[{}]}`
					if err := os.WriteFile(filepath.Join(dir, "list.json"), []byte(list), 0o644); err != nil {
						t.Fatal(err)
					}
					return Result{Code: 3}
				}
				return Result{Code: 0, Stdout: `{"link":"url","urls":[],"verified":false}`}
			}
		}, "step 2 (resolve): want the Koji link", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var out bytes.Buffer
			rep, err := Run(context.Background(), Options{CLI: tt.cli(dir), Fixtures: "../../fixtures", Kernels: "../../kernels.json", Dir: dir, Out: &out})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q\n%s", err, tt.want, out.String())
			}
			if rep == nil || len(rep.Steps) != tt.ran {
				t.Fatalf("report %+v, want %d steps", rep, tt.ran)
			}
			if !strings.Contains(out.String(), tt.output) || strings.Contains(out.String(), "steps passed") {
				t.Errorf("printout lacks %q or claims success:\n%s", tt.output, out.String())
			}
		})
	}
}

// TestRunFixturesMissing: run from outside the repository, the demo says
// where it looked.
func TestRunFixturesMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := Run(context.Background(), Options{CLI: scripted(nil), Fixtures: dir, Kernels: "../../kernels.json", Dir: dir, Out: &bytes.Buffer{}})
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "mirrors") {
		t.Errorf("error %v, want it to name %s and mirrors", err, dir)
	}
}

// TestBinary drives a real executable (sh) as the demo drives matrixgen:
// exit codes, both streams, no GitHub or service token from the
// environment, a background process stopped as Ctrl-C stops it, and a
// binary that cannot start.
func TestBinary(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	t.Setenv("GITHUB_TOKEN", "ghp_real")
	t.Setenv("MATRIXGEN_TOKEN", "real")
	b := Binary{Path: sh}
	r := b.Run(context.Background(), []string{"-c", `echo "${GITHUB_TOKEN-none} ${MATRIXGEN_TOKEN-none}"; echo oops >&2; exit 3`})
	if r.Code != 3 || r.Stdout != "none none\n" || r.Stderr != "oops\n" {
		t.Errorf("Run: %+v", r)
	}

	p, err := b.Start(context.Background(), []string{"-c", `trap 'echo bye >&2; exit 0' INT; echo up >&2; while :; do sleep 0.05; done`})
	if err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(p.Stderr(), "up") {
		select {
		case <-p.Exited():
			t.Fatalf("exited: %+v", p.Stop())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if r := p.Stop(); r.Code != 0 || r.Stderr != "up\nbye\n" {
		t.Errorf("Stop: %+v", r)
	}

	r = Binary{Path: filepath.Join(t.TempDir(), "nonexistent")}.Run(context.Background(), nil)
	if r.Code != -1 || !strings.Contains(r.Stderr, "nonexistent") {
		t.Errorf("missing binary: %+v", r)
	}
}

// TestPrintout: command lines name the demo's directory $DEMO and the
// mirror flags $MIRRORS, and quote what a shell would split; excerpts
// keep the start of stdout, the warnings and errors of stderr, and its
// tail.
func TestPrintout(t *testing.T) {
	var out bytes.Buffer
	d := &demo{Options: Options{Dir: "/tmp/d1", Out: &out}, fakes: &Fakes{DebMirror: "http://deb", RPMMirror: "http://rpm", KojiHub: "http://hub/kojihub", KojiFiles: "http://files"}}
	args := append([]string{"crawl", "--out", "/tmp/d1/list.json", "--seen-in", "Koji (a crawl)", "--seen-in", "it's"}, d.mirrorArgs()...)
	want := `matrixgen crawl --out $DEMO/list.json --seen-in 'Koji (a crawl)' --seen-in 'it'\''s' $MIRRORS`
	if got := d.commandLine(args); got != want {
		t.Errorf("commandLine:\n got %s\nwant %s", got, want)
	}
	if got := d.commandLine([]string{"resolve", "--mirror", "debian=http://deb/debian"}); got != "matrixgen resolve --mirror debian=http://deb/debian" {
		t.Errorf("a part of the mirror flags is not $MIRRORS: %s", got)
	}

	var stdout, stderr []string
	for i := 1; i <= 9; i++ {
		stdout = append(stdout, fmt.Sprintf("out %d", i))
	}
	stderr = append(stderr, "time=2026-12-07T06:43:15.363Z level=INFO msg=noise in /tmp/d1/x",
		"time=2026-12-07T06:43:15.363Z level=ERROR msg=\"source failed\" "+strings.Repeat("x", 200),
		"level=WARN msg=w")
	for i := 1; i <= 6; i++ {
		stderr = append(stderr, fmt.Sprintf("tail %d", i))
	}
	d.excerpt(strings.Join(stdout, "\n")+"\n", strings.Join(stderr, "\n")+"\n")
	wantLines := []string{
		"  1> out 1", "  1> out 2", "  1> out 3", "  1> out 4", "  1> out 5", "  1> out 6", "  1> … (3 more lines)",
		"  2> … (3 earlier lines; their first warnings and errors:)",
		`  2> level=ERROR msg="source failed" ` + strings.Repeat("x", excerptWidth-1-len(`level=ERROR msg="source failed" `)) + "…",
		"  2> level=WARN msg=w",
		"  2> tail 1", "  2> tail 2", "  2> tail 3", "  2> tail 4", "  2> tail 5", "  2> tail 6",
	}
	if got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("excerpt:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantLines, "\n"))
	}
}
