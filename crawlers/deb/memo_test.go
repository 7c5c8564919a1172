package deb

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestStanzasOncePerRun: identical indices are read once per run, whichever
// suite asks first; a failure is not shared (the other suite reads its own).
func TestStanzasOncePerRun(t *testing.T) {
	m := NewReleaseMemo()
	var loads atomic.Int32
	want := []Stanza{{Package: "linux-headers-6.1.0-28-amd64"}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			st, reused, err := m.stanzas("abc", func() ([]Stanza, bool, error) {
				loads.Add(1)
				return want, false, nil
			})
			if err != nil || reused || len(st) != 1 || st[0].Package != want[0].Package {
				t.Errorf("stanzas = %v, %v, %v", st, reused, err)
			}
		})
	}
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Errorf("loaded %d times, want 1", n)
	}

	boom := errors.New("mirror down")
	if _, _, err := m.stanzas("def", func() ([]Stanza, bool, error) { return nil, false, boom }); !errors.Is(err, boom) {
		t.Fatalf("failure = %v", err)
	}
	st, _, err := m.stanzas("def", func() ([]Stanza, bool, error) { return want, false, nil })
	if err != nil || len(st) != 1 {
		t.Errorf("after a failure another suite reads its own: %v, %v", st, err)
	}
}
