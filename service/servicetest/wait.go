package servicetest

import (
	"testing"
	"time"
)

// WaitFor polls cond until it holds. The 30 s deadline only bounds a hang:
// what a test asserts is the state reached, never how fast.
func WaitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
