package secret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if got, err := Read("--token-file", write("t", "  s3cret  \nsecond line\n")); err != nil || got != "s3cret" {
		t.Errorf("Read = %q, %v", got, err)
	}
	if got, err := Read("--token-file", ""); err != nil || got != "" {
		t.Errorf("no file: %q, %v", got, err)
	}
	if _, err := Read("--token-file", write("e", "\n")); err == nil || !strings.Contains(err.Error(), "--token-file "+dir+"/e: empty") {
		t.Errorf("empty: %v", err)
	}
	if _, err := Read("--token-file", filepath.Join(dir, "none")); err == nil || !strings.HasPrefix(err.Error(), "--token-file: ") {
		t.Errorf("missing: %v", err)
	}
}
