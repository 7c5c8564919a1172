package inputs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/output"
)

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	old := write("old.json", `{"x86_64": [{"target": "debian", "kernelrelease": "6.1.0-28-amd64", "distroversion": "12"}]}`+"\n")
	// crawl output: one entry whose release is invalid is skipped and named.
	cur := write("list.json", `{"debian": [`+
		`{"kernelversion": "1", "kernelrelease": "6.12.95+deb12-amd64", "target": "debian", "distroversion": "12", "headers": []},`+
		`{"kernelversion": "1", "kernelrelease": "../x", "target": "debian", "distroversion": "12", "headers": []}]}`+"\n")
	var errOut bytes.Buffer
	d, partial, err := Compare(context.Background(), old, cur, strings.NewReader(""), &errOut)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Added) != 1 || d.Added[0].Release != "6.12.95+deb12-amd64" || len(d.Removed) != 1 || d.Removed[0].Release != "6.1.0-28-amd64" {
		t.Errorf("diff %+v", d)
	}
	if !partial || !strings.Contains(errOut.String(), "matrixgen: skipped:") || !strings.Contains(errOut.String(), "../x") {
		t.Errorf("partial %v; stderr %q", partial, errOut.String())
	}
	errOut.Reset()
	d, partial, err = Compare(context.Background(), old, old, strings.NewReader(""), &errOut)
	if err != nil || partial || !d.Empty() || errOut.Len() != 0 {
		t.Errorf("same sides: %+v, %v, %v, %q", d, partial, err, errOut.String())
	}
	if _, _, err := Compare(context.Background(), old, filepath.Join(dir, "nosuch.json"), strings.NewReader(""), &errOut); err == nil || !strings.Contains(err.Error(), "nosuch.json") {
		t.Errorf("a missing side: %v", err)
	}
}

// TestDiffOptions: the exit codes diff gives: partial and differing sides
// are silent, trouble is 5 only with ExitCode, and sides no diff can read
// are usage errors before anything is read.
func TestDiffOptions(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.json", `{"x86_64": [{"target": "debian", "kernelrelease": "6.12.95+deb12-amd64", "distroversion": "12"}]}`+"\n")
	b := write("b.json", `{"x86_64": []}`+"\n")
	missing := filepath.Join(dir, "nosuch.json")
	for _, tt := range []struct {
		opts DiffOptions
		code int
	}{
		{DiffOptions{Old: a, New: a, Format: output.Text, ExitCode: true}, matrixgen.ExitOK},
		{DiffOptions{Old: a, New: b, Format: output.Text}, matrixgen.ExitOK},
		{DiffOptions{Old: a, New: b, Format: output.JSON, ExitCode: true}, matrixgen.ExitFailure},
		{DiffOptions{Old: missing, New: b, Format: output.Text}, matrixgen.ExitFailure},
		{DiffOptions{Old: missing, New: b, Format: output.Text, ExitCode: true}, matrixgen.ExitTrouble},
		{DiffOptions{Old: Stdin, New: Stdin, Format: output.Text, ExitCode: true}, matrixgen.ExitUsage},
		{DiffOptions{Old: a, New: "", Format: output.Text, ExitCode: true}, matrixgen.ExitUsage},
	} {
		var out, errOut bytes.Buffer
		err := tt.opts.Diff(context.Background(), strings.NewReader(""), &out, &errOut, false)
		if code := matrixgen.ExitCodeOf(err); code != tt.code {
			t.Errorf("%+v: exit %d (%v), want %d", tt.opts, code, err, tt.code)
		}
	}
}
