package ghactions

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestWriteOutputs(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out")
	os.WriteFile(p, []byte("earlier=1\n"), 0o644)
	if err := WriteOutputs(p, []Output{{"matrix", `{"include":[]}`}, {"count", "0"}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	re := regexp.MustCompile(`(?s)^earlier=1\nmatrix<<(MATRIXGEN_[0-9a-f]{16})\n\{"include":\[\]\}\n(MATRIXGEN_[0-9a-f]{16})\ncount<<(MATRIXGEN_[0-9a-f]{16})\n0\n(MATRIXGEN_[0-9a-f]{16})\n$`)
	m := re.FindStringSubmatch(string(data))
	if m == nil || m[1] != m[2] || m[3] != m[4] {
		t.Fatalf("GITHUB_OUTPUT content:\n%s", data)
	}
}

func TestTable(t *testing.T) {
	got := Table([]string{"a", "b"}, [][]string{{"x|y", "z"}})
	want := "| a | b |\n| --- | --- |\n| x\\|y | z |\n"
	if got != want {
		t.Errorf("Table = %q, want %q", got, want)
	}
	if !strings.HasPrefix(got, "| a") {
		t.Error("no header")
	}
}
