package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/jsonpos"
	"github.com/matrixgen/matrixgen/kernelsfile"
)

// TestHelperProcess is not a test: it runs the CLI in a child process
// (os/exec's pattern), for tests that need separate processes.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("MATRIXGEN_HELPER_PROCESS") != "1" {
		t.Skip("runs only as a child of another test")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(context.Background(), args, systemIO()))
}

func cliProcess(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "MATRIXGEN_HELPER_PROCESS=1")
	return cmd
}

// TestAddKernelParallelProcesses: add-kernel run by 20 processes at once,
// each adding its own kernel to one kernels.json: every one says "added" and
// every kernel is in the file (without the lock, writers overwrote each
// other's additions).
func TestAddKernelParallelProcesses(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kernels.json")
	os.WriteFile(p, []byte("{}\n"), 0o644)
	const n = 20
	cmds := make([]*exec.Cmd, n)
	outs := make([]strings.Builder, n)
	for i := range n {
		cmds[i] = cliProcess(t, "add-kernel", "--kernels", p, "--target", "debian", "--arch", "x86_64", "--release", fmt.Sprintf("6.1.0-%d-amd64", 100+i), "--distro-version", "12")
		cmds[i].Stderr = &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil || !strings.Contains(outs[i].String(), "added debian/12/x86_64/6.1.0-") {
			t.Errorf("process %d: %v: %s", i, err, outs[i].String())
		}
	}
	ks, err := kernelsfile.Read(p)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, k := range ks {
		have[k.Release] = true
	}
	for i := range n {
		if r := fmt.Sprintf("6.1.0-%d-amd64", 100+i); !have[r] {
			t.Errorf("%s lost", r)
		}
	}
}

// TestAddKernelFiles: the symlink, stale-temp and empty --kernels cases
// through the CLI.
func TestAddKernelFiles(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "shared-kernels.json")
	os.WriteFile(target, []byte("{}\n"), 0o644)
	link := filepath.Join(dir, "kernels.json")
	os.Symlink("shared-kernels.json", link)
	stale := filepath.Join(dir, ".shared-kernels.json.tmp-4242")
	os.WriteFile(stale, []byte(`{"x86_64": [`), 0o644)

	r := runCLI(t, "", nil, "add-kernel", "--kernels", link, "--target", "debian", "--arch", "x86_64", "--release", "6.1.0-28-amd64")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("kernels.json replaced: %v, %v", fi.Mode(), err)
	}
	want := "{\n  \"x86_64\": [\n    {\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\", \"distroversion\": \"12\"}\n  ]\n}\n"
	if got, _ := os.ReadFile(target); string(got) != want {
		t.Errorf("link target =\n%s\nwant\n%s", got, want)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temp file not removed: %v", err)
	}

	for _, tt := range []struct{ kernels, want string }{
		{"", "matrixgen: --kernels is empty: give the kernels.json to update\n"},
		{"-", "matrixgen: --kernels -: add-kernel updates a file in place; give its path\n"},
	} {
		r = runCLI(t, "", nil, "add-kernel", "--kernels", tt.kernels, "--target", "debian", "--arch", "x86_64", "--release", "6.1.0-28-amd64")
		if r.code != 2 || r.stderr != tt.want {
			t.Errorf("--kernels %q: exit %d, stderr %q; want 2 and %q", tt.kernels, r.code, r.stderr, tt.want)
		}
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error(`add-kernel created a file named "-"`)
	}
}

// TestFilesTranscripts: exit codes, messages and stdin for diff, validate,
// add-kernel and the root command, as whole-CLI transcripts.
func TestFilesTranscripts(t *testing.T) {
	old, err := os.ReadFile("testdata/old.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
	}{
		// diff --exit-code: 1 means "differ", so a failed read is 5 (it was 1).
		{"diff-exit-code-missing", []string{"diff", "--exit-code", "testdata/old.json", "testdata/nope.json"}, "", 5},
		{"diff-missing", []string{"diff", "testdata/old.json", "testdata/nope.json"}, "", 1},
		{"diff-exit-code-malformed", []string{"diff", "--exit-code", "testdata/truncated.json", "testdata/old.json"}, "", 5},
		{"diff-exit-code-stdin", []string{"diff", "--exit-code", "-", "testdata/old.json"}, string(old), 0},
		{"diff-both-stdin", []string{"diff", "-", "-"}, "", 2},
		{"diff-empty-arg", []string{"diff", "", "testdata/old.json"}, "", 2},
		{"diff-help", []string{"diff", "--help"}, "", 0},
		// Typed usage errors: unknown commands, extra arguments, missing flags.
		{"unknown-command-suggest", []string{"valdiate", "x.json"}, "", 2},
		{"crawl-extra-arg", []string{"crawl", "bookworm"}, "", 2},
		{"help-unknown", []string{"help", "valdiate"}, "", 2},
		{"help-unknown-sub", []string{"help", "pr", "add-kernal"}, "", 2},
		{"help-sub", []string{"help", "pr", "add-kernel"}, "", 0},
		{"validate-no-args", []string{"validate"}, "", 2},
		{"add-kernel-missing-flag", []string{"add-kernel", "--target", "debian", "--arch", "x86_64"}, "", 2},
		// An invalid release and an invalid arch on the command line: both usage errors.
		{"add-kernel-invalid-release", []string{"add-kernel", "--kernels", "testdata/nope.json", "--target", "debian", "--arch", "x86_64", "--release", "6.1.0-28-é", "--distro-version", "12"}, "", 2},
		{"add-kernel-invalid-arch", []string{"add-kernel", "--kernels", "testdata/nope.json", "--target", "debian", "--arch", "sparc", "--release", "6.1.0-28-amd64", "--distro-version", "12"}, "", 2},
		{"matrix-empty-kernels", []string{"matrix", "--kernels", "", "--driver-version", "1"}, "", 2},
		// validate: every problem, at file:line:col; a truncated file is at
		// its end whichever command reads it (it was 1:1 in matrix, 2:1 in validate).
		{"validate-every-problem", []string{"validate", "testdata/many-problems.json", "testdata/truncated.json", "testdata/kernels.json"}, "", 1},
		{"matrix-truncated", []string{"matrix", "--kernels", "testdata/truncated.json"}, "", 1},
		{"validate-stdin", []string{"validate", "-"}, string(old), 0},
		{"validate-missing", []string{"validate", "testdata/nope.json", "testdata/old.json"}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { transcript(t, tt.name, tt.stdin, tt.code, tt.args...) })
	}
}

// TestExitCode: codes come from types, never from message text.
func TestExitCode(t *testing.T) {
	invalid := &matrixgen.InvalidError{Field: "arch", Value: "sparc", Reason: "unknown"}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain", errors.New("boom"), 1},
		{"text that looks like usage", errors.New(`unknown command "x" for "matrixgen"; accepts 2 arg(s); required flag(s) "a" not set`), 1},
		{"typed usage", usageErr("--x: bad"), 2},
		{"wrapped typed", fmt.Errorf("ctx: %w", matrixgen.Exit(matrixgen.ExitPartial, nil)), 3},
		{"invalid flag value, marked by the command", matrixgen.AsUsage(fmt.Errorf("--arch: %w", invalid)), 2},
		// An invalid value carries no code: where it came from decides,
		// and only the command knows that (a diff --json entry is 1).
		{"invalid value in a file without position", fmt.Errorf("added.json: added[0]: %w", invalid), 1},
		{"package usage error", fmt.Errorf("plan: %w", &matrixgen.UsageError{Option: "release", Msg: `"x": unknown`}), 2},
		{"invalid file entry", &jsonpos.Error{File: "k.json", Line: 2, Col: 3, Err: invalid}, 1},
		{"underivable", &matrixgen.UnderivableError{Target: "ubuntu", Release: "6.8.0-1-generic", Reason: "ambiguous"}, 1},
	}
	for _, tt := range tests {
		if got := matrixgen.ExitCodeOf(tt.err); got != tt.want {
			t.Errorf("%s: matrixgen.ExitCodeOf(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

// TestVersionFlag: --version prints the build (internal/buildinfo).
func TestVersionFlag(t *testing.T) {
	r := runCLI(t, "", nil, "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "matrixgen version ") {
		t.Errorf("--version: exit %d, %q", r.code, r.stdout)
	}
}

// TestHelpListsExitCodes: every command's help says its exit codes.
func TestHelpListsExitCodes(t *testing.T) {
	for _, c := range []string{"", "diff", "validate", "crawl", "add-kernel"} {
		args := []string{"--help"}
		if c != "" {
			args = []string{c, "--help"}
		}
		r := runCLI(t, "", nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Exit codes") || !strings.Contains(r.stdout, "2  usage error") {
			t.Errorf("matrixgen %s --help: exit %d, no exit codes:\n%s", c, r.code, r.stdout)
		}
	}
}
