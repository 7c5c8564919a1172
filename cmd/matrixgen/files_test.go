package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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

	r = runCLI(t, "", nil, "add-kernel", "--kernels", "", "--target", "debian", "--arch", "x86_64", "--release", "6.1.0-28-amd64")
	if r.code != 2 || r.stderr != "matrixgen: --kernels is empty: give the kernels.json to update\n" {
		t.Errorf("--kernels '': exit %d, stderr %q", r.code, r.stderr)
	}
}
