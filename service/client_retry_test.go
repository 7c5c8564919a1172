package service

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/internal/transport"
)

// TestClientRetry: the client's retries ride on the shared retry layer:
// which answers are retried, how long each pause is (Retry-After, in
// seconds or as an HTTP date, on any retried answer), and that it gives up
// at the deadline instead of sleeping past it.
func TestClientRetry(t *testing.T) {
	type ans struct {
		code       int
		retryAfter string
	}
	tests := []struct {
		name      string
		answers   []ans // then 200
		deadline  time.Duration
		wantSlept []time.Duration
		wantErr   string
	}{
		{name: "503 with Retry-After seconds", answers: []ans{{503, "7"}}, wantSlept: []time.Duration{7 * time.Second}},
		{name: "429 with Retry-After as an HTTP date", answers: []ans{{429, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}}, deadline: 2 * time.Hour},
		{name: "502 with Retry-After is honoured too", answers: []ans{{502, "9"}}, wantSlept: []time.Duration{9 * time.Second}},
		{name: "501 is not retried", answers: []ans{{501, ""}}, wantErr: "501 Not Implemented"},
		{name: "400 is a refusal, not retried", answers: []ans{{400, ""}}, wantErr: "400 Bad Request"},
		{name: "a wait past the deadline gives up", answers: []ans{{503, "3600"}}, deadline: time.Minute, wantErr: "gave up after 1 attempts at the deadline: 503 Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			n := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				i := n
				n++
				mu.Unlock()
				if i < len(tt.answers) {
					if a := tt.answers[i].retryAfter; a != "" {
						w.Header().Set("Retry-After", a)
					}
					w.WriteHeader(tt.answers[i].code)
					_, _ = w.Write([]byte(`{"error":"no"}`))
					return
				}
				_, _ = w.Write([]byte(`{"build_id":"b1","status":"queued"}`))
			}))
			defer srv.Close()
			var slept []time.Duration
			var logs []string
			c := &Client{Server: srv.URL, Retry: &Retry{Base: time.Second, Max: 30 * time.Second,
				Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil },
				Log:   func(m string) { logs = append(logs, m) }}}
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			st, err := c.Submit(ctx, Request{Distribution: "ubuntu"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
			} else if err != nil || st.BuildID != "b1" {
				t.Fatalf("Submit = %+v, %v", st, err)
			}
			if strings.Contains(tt.name, "HTTP date") {
				// An hour from now, to the second: what the date says, not the backoff.
				if len(slept) != 1 || slept[0] < 58*time.Minute || slept[0] > time.Hour {
					t.Errorf("slept %v, want about an hour", slept)
				}
			} else if !slices.Equal(slept, tt.wantSlept) {
				t.Errorf("slept %v, want %v", slept, tt.wantSlept)
			}
			if len(logs) != len(slept) {
				t.Errorf("%d log lines for %d pauses: %q", len(logs), len(slept), logs)
			}
			if strings.Contains(tt.name, "deadline") {
				var gu *transport.GaveUpError
				if !errors.As(err, &gu) {
					t.Errorf("want a *transport.GaveUpError, got %T", err)
				}
			}
		})
	}
}

// TestClientRetryStopsOnPermanentFailures: a failure no wait can mend is
// not retried until the deadline: it is the error at once, with no pause
// (a scheme net/http has no transport for fails before any dial; the TLS
// server is on loopback, with a certificate the client does not trust).
func TestClientRetryStopsOnPermanentFailures(t *testing.T) {
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"build_id":"b1","status":"queued"}`))
	}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	for _, tt := range []struct{ name, server, wantErr string }{
		{"a scheme net/http lacks", "ftp://127.0.0.1:1", "unsupported protocol scheme"},
		{"a certificate that does not verify", tlsSrv.URL, "certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var slept []time.Duration
			c := &Client{Server: tt.server, Retry: &Retry{Base: time.Second, Max: 30 * time.Second,
				Sleep: func(_ context.Context, d time.Duration) error {
					slept = append(slept, d)
					return errors.New("the test's sleeper: no pause wanted")
				}}}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := c.Submit(ctx, Request{Distribution: "ubuntu"})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || len(slept) != 0 {
				t.Errorf("err %v after %d pauses, want %q at once", err, len(slept), tt.wantErr)
			}
		})
	}
}

// TestClientRetryAfterAttemptDeadline: an attempt that outlives the
// client's per-attempt timeout (a service that accepts but does not answer
// while it restarts) is retried, as a refused connection is.
func TestClientRetryAfterAttemptDeadline(t *testing.T) {
	var mu sync.Mutex
	n := 0
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			// Hung until the client gives up on the attempt (or the test ends).
			_, _ = io.ReadAll(r.Body)
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		_, _ = w.Write([]byte(`{"build_id":"b1","status":"queued"}`))
	}))
	defer srv.Close()
	defer close(release)
	var slept []time.Duration
	c := &Client{Server: srv.URL, HTTP: &http.Client{Timeout: 50 * time.Millisecond}, Retry: &Retry{Base: time.Second, Max: 30 * time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := c.Submit(ctx, Request{Distribution: "ubuntu"})
	if err != nil || st.BuildID != "b1" || len(slept) != 1 {
		t.Errorf("Submit = %+v, %v after %d pauses; want b1 after one retry", st, err, len(slept))
	}
}
