package validate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"x86_64": [{"target": "debian", "kernelrelease": "6.12.95+deb12-amd64", "distroversion": "12"}]}`+"\n")
	bad := write("bad.json", `{"x86_64": [{"target": "debian", "kernelrelease": "6.1.0-28-amd64", "distroversion": "13"}]}`+"\n")
	var out, errOut bytes.Buffer
	if err := Files(context.Background(), []string{good}, strings.NewReader(""), &out, &errOut); err != nil || out.String() != good+": valid kernels\n" || errOut.Len() != 0 {
		t.Errorf("good: %v; stdout %q; stderr %q", err, out.String(), errOut.String())
	}
	out.Reset()
	err := Files(context.Background(), []string{bad, filepath.Join(dir, "nosuch.json"), good}, strings.NewReader(""), &out, &errOut)
	var ee *matrixgen.ExitError
	if !errors.As(err, &ee) || ee.Code != matrixgen.ExitFailure || ee.Err != nil {
		t.Errorf("bad files: %v, want a silent exit 1", err)
	}
	for _, want := range []string{bad + ":1:", `distroversion "13"`, bad + ": invalid kernels: 1 problem\n", "matrixgen: ", "nosuch.json"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if out.String() != good+": valid kernels\n" {
		t.Errorf("the good file after the bad ones: stdout %q", out.String())
	}
}

// TestFilesRefusesSpecs: an empty spec or stdin named twice is a usage
// error before anything is read (the good file is never reported).
func TestFilesRefusesSpecs(t *testing.T) {
	good := filepath.Join(t.TempDir(), "good.json")
	if err := os.WriteFile(good, []byte(`{"x86_64": []}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, specs := range [][]string{{good, ""}, {good, "-", "-"}} {
		var out, errOut bytes.Buffer
		err := Files(context.Background(), specs, strings.NewReader(""), &out, &errOut)
		if matrixgen.ExitCodeOf(err) != matrixgen.ExitUsage || out.Len() != 0 || errOut.Len() != 0 {
			t.Errorf("%q: %v (exit %d), stdout %q, stderr %q; want a usage error and nothing read", specs, err, matrixgen.ExitCodeOf(err), out.String(), errOut.String())
		}
	}
}
