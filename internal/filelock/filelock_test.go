package filelock

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// TestLock: a held lock makes a second Lock wait until its context ends;
// once released, the lock can be taken again.
func TestLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".kernels.json.lock")
	unlock, err := Lock(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		u, err := Lock(ctx, p)
		if err == nil {
			u()
		}
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock of a held lock = %v, want context.Canceled", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock, err = Lock(context.Background(), p)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	unlock()
}
