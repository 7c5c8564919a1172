package kernelsfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/filelock"
)

func debianKernel(t *testing.T, n int) matrixgen.Kernel {
	t.Helper()
	k, err := matrixgen.Make(matrixgen.Spec{Target: "debian", Arch: matrixgen.X86_64, Release: fmt.Sprintf("6.1.0-%d-amd64", n), DistroVersion: "12"})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func addKernel(k matrixgen.Kernel) UpdateFunc {
	return func(ks []matrixgen.Kernel) ([]matrixgen.Kernel, bool, error) {
		ks, added := Add(ks, k)
		return ks, added, nil
	}
}

// TestUpdateConcurrent: 20 writers adding distinct kernels at once all
// land; without the lock, read-modify-write loses some.
func TestUpdateConcurrent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kernels.json")
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = Update(context.Background(), p, addKernel(debianKernel(t, 100+i))) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	ks, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, k := range ks {
		got[k.Release] = true
	}
	for i := range n {
		if r := fmt.Sprintf("6.1.0-%d-amd64", 100+i); !got[r] {
			t.Errorf("kernel %s lost (file has %d of %d)", r, len(ks), n)
		}
	}
	if len(ks) != n {
		t.Errorf("file has %d kernels, want %d", len(ks), n)
	}
}

// TestUpdateSymlink: a symlinked kernels.json stays a link; its target
// gets the kernel, and the lock sits beside the target.
func TestUpdateSymlink(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "real"), 0o755)
	target := filepath.Join(dir, "real", "kernels.json")
	if err := os.WriteFile(target, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "kernels.json")
	if err := os.Symlink("real/kernels.json", link); err != nil {
		t.Fatal(err)
	}
	k := debianKernel(t, 28)
	if err := Update(context.Background(), link, addKernel(k)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("kernels.json is no longer a symlink: %v %v", fi.Mode(), err)
	}
	want := "{\n  \"x86_64\": [\n    {\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\", \"distroversion\": \"12\"}\n  ]\n}\n"
	if data, _ := os.ReadFile(target); string(data) != want {
		t.Errorf("target =\n%s\nwant\n%s", data, want)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 {
		t.Errorf("target mode %v, want 0600 kept", fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(dir, "real", ".kernels.json.lock")); err != nil {
		t.Errorf("lock not beside the target: %v", err)
	}
}

// TestUpdateRemovesStaleTemp: the temp file a killed writer left is removed
// by the next writer; other files that merely look alike stay.
func TestUpdateRemovesStaleTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "kernels.json")
	stale := filepath.Join(dir, ".kernels.json.tmp-123456")
	other := filepath.Join(dir, ".list.json.tmp-123456")
	for _, f := range []string{stale, other} {
		if err := os.WriteFile(f, []byte("half a file"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Update(context.Background(), p, addKernel(debianKernel(t, 28))); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp %s still there (%v)", stale, err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file's temp was removed: %v", err)
	}
}

// TestUpdateWaitsForLock: a held lock makes Update wait, and a cancelled
// context ends the wait with the context's error and no write.
func TestUpdateWaitsForLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kernels.json")
	unlock, err := filelock.Lock(context.Background(), LockPath(p))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Update(ctx, p, addKernel(debianKernel(t, 28))) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Update under a held lock with a cancelled context = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file written without the lock: %v", err)
	}
	// Released, the next Update goes through.
	unlock()
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := Update(ctx, p, addKernel(debianKernel(t, 28))); err != nil {
		t.Fatal(err)
	}
}

// TestUpdateRefusesBadFile: a kernels.json that does not parse is not
// overwritten; the error names the file.
func TestUpdateRefusesBadFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kernels.json")
	os.WriteFile(p, []byte(`{"x86_64": [`), 0o644)
	err := Update(context.Background(), p, addKernel(debianKernel(t, 28)))
	if err == nil {
		t.Fatal("Update on a truncated file succeeded")
	}
	if data, _ := os.ReadFile(p); string(data) != `{"x86_64": [` {
		t.Errorf("truncated file overwritten: %q", data)
	}
}

// TestUpdateNoChangeTakesNoLock: a kernel already present changes nothing
// and leaves no lock file (the repo's own kernels.json gets none in tests).
func TestUpdateNoChangeTakesNoLock(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "kernels.json")
	k := debianKernel(t, 28)
	if err := Write(context.Background(), p, []matrixgen.Kernel{k}); err != nil {
		t.Fatal(err)
	}
	os.Remove(LockPath(p))
	before, _ := os.ReadFile(p)
	calls := 0
	err := Update(context.Background(), p, func(ks []matrixgen.Kernel) ([]matrixgen.Kernel, bool, error) {
		calls++
		ks, added := Add(ks, k)
		return ks, added, nil
	})
	if err != nil || calls != 1 {
		t.Fatalf("Update = %v after %d calls, want nil after 1", err, calls)
	}
	if _, err := os.Stat(LockPath(p)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file created for a no-op (%v)", err)
	}
	if after, _ := os.ReadFile(p); string(after) != string(before) {
		t.Errorf("file rewritten by a no-op")
	}
}
