package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckWriteAndDir: the checks refuse what Write (or MkdirAll then
// Write) would fail on, accept what it would do, and leave nothing behind.
func TestCheckWriteAndDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	os.Symlink(filepath.Join(dir, "missing", "target"), filepath.Join(dir, "dangling-into-missing"))
	os.Symlink(filepath.Join(dir, "new-target"), filepath.Join(dir, "dangling"))
	os.Symlink(dir, filepath.Join(dir, "to-dir"))

	for _, tt := range []struct {
		name, path, want string // want "" = accepted
	}{
		{"existing file", file, ""},
		{"new file", filepath.Join(dir, "new"), ""},
		{"dangling symlink: its target is created", filepath.Join(dir, "dangling"), ""},
		{"a directory", dir, "is a directory"},
		{"a symlink to a directory", filepath.Join(dir, "to-dir"), "is a directory"},
		{"missing parent", filepath.Join(dir, "missing", "x"), "does not exist"},
		{"dangling symlink into a missing directory", filepath.Join(dir, "dangling-into-missing"), "does not exist"},
		{"parent is a file", filepath.Join(file, "x"), "is not a directory"},
	} {
		t.Run("CheckWrite "+tt.name, func(t *testing.T) {
			err := CheckWrite(tt.path)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("CheckWrite(%s) = %v, want %q", tt.path, err, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		name, path, want string
	}{
		{"existing directory", dir, ""},
		{"to be made, two levels", filepath.Join(dir, "a", "b"), ""},
		{"a file", file, "is a file, not a directory"},
		{"under a file", filepath.Join(file, "a", "b"), file + " is a file"},
	} {
		t.Run("CheckDir "+tt.name, func(t *testing.T) {
			err := CheckDir(tt.path)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("CheckDir(%s) = %v, want %q", tt.path, err, tt.want)
			}
		})
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "dangling dangling-into-missing file to-dir" {
		t.Errorf("the checks left %v", names)
	}
}
