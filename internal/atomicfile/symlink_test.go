package atomicfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestWriteThroughSymlink: writing to a symlink (or a chain of them)
// replaces the final target and leaves every link in place; a dangling link
// creates the file it names.
func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "data"), 0o755)
	target := filepath.Join(dir, "data", "kernels.json")
	os.WriteFile(target, []byte("old"), 0o640)
	os.Symlink("data/kernels.json", filepath.Join(dir, "mid.json"))
	os.Symlink(filepath.Join(dir, "mid.json"), filepath.Join(dir, "kernels.json"))
	os.Symlink("nowhere.json", filepath.Join(dir, "dangling.json"))

	tests := []struct{ write, file, want string }{
		{"kernels.json", "data/kernels.json", "new"},
		{"dangling.json", "nowhere.json", "created"},
	}
	for _, tt := range tests {
		if err := Write(filepath.Join(dir, tt.write), []byte(tt.want)); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, tt.file)); string(got) != tt.want {
			t.Errorf("write %s: %s holds %q, want %q", tt.write, tt.file, got, tt.want)
		}
		if fi, err := os.Lstat(filepath.Join(dir, tt.write)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("write %s replaced the link (%v)", tt.write, err)
		}
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Errorf("target mode %v, want 0640 kept", fi.Mode().Perm())
	}
	if fi, _ := os.Lstat(filepath.Join(dir, "mid.json")); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the middle link of the chain was replaced")
	}
}

func TestResolveLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.Symlink(b, a)
	os.Symlink(a, b)
	if _, err := Resolve(a); err == nil {
		t.Error("Resolve of a symlink loop succeeded")
	}
	if err := Write(a, []byte("x")); err == nil {
		t.Error("Write through a symlink loop succeeded")
	}
}

func TestTempFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "kernels.json")
	for _, f := range []string{".kernels.json.tmp-1", ".kernels.json.tmp-22", ".kernels.json.lock", ".list.json.tmp-1", "kernels.json"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	got, err := TempFiles(p)
	want := []string{filepath.Join(dir, ".kernels.json.tmp-1"), filepath.Join(dir, ".kernels.json.tmp-22")}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("TempFiles = %v, %v; want %v", got, err, want)
	}
}
