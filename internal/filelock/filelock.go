package filelock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// pollEvery is how often a waiting Lock retries: the lock is held for one
// read-modify-write of a small file, so waits are short.
const pollEvery = 10 * time.Millisecond

// ErrUnsupported is returned where the platform has no flock.
var ErrUnsupported = errors.ErrUnsupported

// Lock takes an exclusive lock on the file at path, creating it if needed,
// and waits until it gets it or ctx ends. The lock is released by unlock,
// or by the kernel when the process dies (kill -9 included), so a crashed
// writer never leaves a lock behind. The lock file itself stays: removing
// it would let two processes hold "the" lock on two different files.
func Lock(ctx context.Context, path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			return func() error {
				uerr := unlockFile(f)
				if cerr := f.Close(); uerr == nil {
					uerr = cerr
				}
				return uerr
			}, nil
		}
		t := time.NewTimer(pollEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, ctx.Err())
		case <-t.C:
		}
	}
}
