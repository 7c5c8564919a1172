package inputs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
