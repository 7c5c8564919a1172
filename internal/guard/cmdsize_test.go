package guard

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cmdMaxLines bounds cmd/matrixgen's non-test Go (issue 14, section 2):
// the CLI is wiring (flags → a package's options → one call → the exit
// code), so policy that grows it belongs in a package instead.
const cmdMaxLines = 1500

// TestCmdIsWiring counts the lines of cmd/matrixgen's non-test Go files,
// as `find cmd/matrixgen -name '*.go' ! -name '*_test.go' | xargs wc -l`
// does, and refuses more than cmdMaxLines.
func TestCmdIsWiring(t *testing.T) {
	dir := filepath.Join(moduleRoot(t), "cmd", "matrixgen")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		total += bytes.Count(data, []byte("\n"))
	}
	if total > cmdMaxLines {
		t.Errorf("cmd/matrixgen has %d lines of non-test Go, more than %d: move policy into its package, leaving flags → options → one call → exit code", total, cmdMaxLines)
	}
}
