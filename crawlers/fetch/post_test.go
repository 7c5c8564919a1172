package fetch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPostRetry: a POST is sent once unless marked Idempotent; an idempotent one is retried
// on 503 with its whole body each time, and never goes through the cache.
func TestPostRetry(t *testing.T) {
	const call = "<?xml version='1.0'?>\n<methodCall><methodName>getBuild</methodName></methodCall>"
	tests := []struct {
		name       string
		idempotent bool
		fails      int // 503s before the 200
		wantCalls  int
		wantStatus int // 0: success
	}{
		{"idempotent retried", true, 2, 3, 0},
		{"not idempotent sent once", false, 2, 1, http.StatusServiceUnavailable},
		{"idempotent first try", true, 0, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var bodies []string
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies = append(bodies, r.Method+" "+r.Header.Get("Content-Type")+" "+string(b))
				n := len(bodies)
				mu.Unlock()
				if _, sent := r.Header["Idempotency-Key"]; sent {
					t.Errorf("the Idempotency-Key marker reached the server")
				}
				w.Header().Set("ETag", `"x"`)
				if n <= tc.fails {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				io.WriteString(w, "answer")
			})
			c := newTestClient(t, Options{CacheDir: t.TempDir()})
			got, err := c.Get(context.Background(), Request{URL: srv.URL + "/kojihub", Method: http.MethodPost, Body: []byte(call), ContentType: "text/xml", Idempotent: tc.idempotent})
			var he *HTTPError
			switch {
			case tc.wantStatus != 0:
				if !errors.As(err, &he) || he.StatusCode != tc.wantStatus || he.Method != http.MethodPost {
					t.Fatalf("err = %v, want a POST HTTPError %d", err, tc.wantStatus)
				}
			case err != nil:
				t.Fatal(err)
			case string(got) != "answer":
				t.Fatalf("body %q", got)
			}
			if len(bodies) != tc.wantCalls {
				t.Fatalf("server saw %d requests, want %d", len(bodies), tc.wantCalls)
			}
			for i, b := range bodies {
				if b != "POST text/xml "+call {
					t.Errorf("request %d = %q, want the whole call again", i+1, b)
				}
			}
			if tc.wantStatus == 0 {
				// A second call is sent again: a POST is never answered from the cache.
				if _, err := c.Get(context.Background(), Request{URL: srv.URL + "/kojihub", Method: http.MethodPost, Body: []byte(call), Idempotent: tc.idempotent}); err != nil {
					t.Fatal(err)
				}
				if len(bodies) != tc.wantCalls+1 {
					t.Fatalf("second POST: server saw %d requests, want %d", len(bodies), tc.wantCalls+1)
				}
			}
		})
	}
}

// TestRange: a 206 is accepted and marked Partial; a server that ignores Range answers 200
// with the whole file and Partial is false; GETs without Range are unchanged.
func TestRange(t *testing.T) {
	const file = "0123456789abcdef"
	tests := []struct {
		name        string
		honourRange bool
		rng         string
		wantPartial bool
		wantBody    string
	}{
		{"honoured", true, "bytes=2-5", true, "2345"},
		{"ignored", false, "bytes=2-5", false, file},
		{"no range", true, "", false, file},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if !tc.honourRange {
					r.Header.Del("Range")
				}
				w.Header().Set("ETag", `"f"`)
				http.ServeContent(w, r, "f.rpm", time.Unix(1700000000, 0), strings.NewReader(file))
			})
			c := newTestClient(t, Options{CacheDir: t.TempDir()})
			resp, err := c.Open(context.Background(), Request{URL: srv.URL + "/f.rpm", Range: tc.rng})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.wantBody || resp.Partial != tc.wantPartial {
				t.Fatalf("body %q partial %v, want %q %v", b, resp.Partial, tc.wantBody, tc.wantPartial)
			}
		})
	}
}

// TestPostErrorsNameThePost: every error of a POST's body (a cap, a size,
// a checksum) names the POST, not a GET the client never sent.
func TestPostErrorsNameThePost(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 4<<10))
	})
	tests := []struct {
		name string
		opts Options
		req  Request
	}{
		{"over the cap", Options{MaxBytes: 1 << 10}, Request{}},
		{"size mismatch", Options{}, Request{Size: 10}},
		{"checksum mismatch", Options{}, Request{SHA256: strings.Repeat("0", 64)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, tc.opts)
			req := tc.req
			req.URL, req.Method, req.Body = srv.URL+"/kojihub", http.MethodPost, []byte("<methodCall/>")
			_, err := c.Get(context.Background(), req)
			if err == nil || !strings.HasPrefix(err.Error(), "POST "+srv.URL+"/kojihub: ") {
				t.Fatalf("err = %v, want one naming the POST", err)
			}
		})
	}
}
