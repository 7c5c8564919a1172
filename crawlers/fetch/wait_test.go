package fetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestOnWait: every retry's wait is reported before it sleeps, with the
// attempt, the wait (Retry-After honoured) and the reason, so a progress
// display can say why nothing moves.
func TestOnWait(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	var mu sync.Mutex
	var waits []Wait
	c := New(Options{Retries: 3, Backoff: Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond}, OnWait: func(w Wait) {
		mu.Lock()
		waits = append(waits, w)
		mu.Unlock()
	}})
	body, err := c.Get(context.Background(), Request{URL: srv.URL + "/f?token=secret"})
	if err != nil || string(body) != "ok" {
		t.Fatalf("Get = %q, %v", body, err)
	}
	if len(waits) != 2 {
		t.Fatalf("waits = %+v, want 2", waits)
	}
	if w := waits[0]; w.Attempt != 1 || w.Reason != "503 Service Unavailable" || w.For <= 0 || w.For > 5*time.Millisecond {
		t.Errorf("first wait = %+v", w)
	}
	if w := waits[1]; w.Attempt != 2 || w.Reason != "429 Too Many Requests" || w.For != 0 {
		t.Errorf("second wait = %+v (Retry-After: 0)", w)
	}
	for _, w := range waits {
		if w.URL != srv.URL+"/f?token=REDACTED" {
			t.Errorf("wait URL %q is not redacted", w.URL)
		}
	}
}
