package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var now0 = time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)

// answer is one scripted answer of a test server: a status and headers, or
// a dropped connection.
type answer struct {
	status int
	header map[string]string
	drop   bool
}

// script serves answers in turn (the last one again once they run out) and
// records what it received.
type script struct {
	mu      sync.Mutex
	answers []answer
	got     []string // method path body
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.got = append(s.got, r.Method+" "+r.URL.Path+" "+string(b))
	a := s.answers[min(len(s.got), len(s.answers))-1]
	s.mu.Unlock()
	if a.drop {
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
		return
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, "body")
}

func serve(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestRetry(t *testing.T) {
	ok := answer{status: 200}
	tests := []struct {
		name      string
		answers   []answer
		method    string
		body      string
		mark      bool // MarkIdempotent
		replayAll bool // a Replay that says yes to every request (the GitHub client's)
		noGetBody bool // a body net/http cannot send again (a plain io.Reader)
		attempts  int
		policy    Policy
		wantSlept []time.Duration
		wantReqs  int
		wantCode  int    // 0: an error
		wantErr   string // substring
	}{
		{name: "ok at once", answers: []answer{ok}, wantReqs: 1, wantCode: 200},
		{name: "503 then ok: the backoff", answers: []answer{{status: 503}, {status: 503}, ok},
			wantSlept: []time.Duration{time.Second, 2 * time.Second}, wantReqs: 3, wantCode: 200},
		{name: "Retry-After seconds win over the backoff", answers: []answer{{status: 429, header: map[string]string{"Retry-After": "7"}}, ok},
			wantSlept: []time.Duration{7 * time.Second}, wantReqs: 2, wantCode: 200},
		{name: "Retry-After as an HTTP date", answers: []answer{{status: 503, header: map[string]string{"Retry-After": "Thu, 20 Nov 2025 10:00:20 GMT"}}, ok},
			wantSlept: []time.Duration{20 * time.Second}, wantReqs: 2, wantCode: 200},
		{name: "Retry-After capped by the backoff's Max", answers: []answer{{status: 503, header: map[string]string{"Retry-After": "3600"}}, ok},
			wantSlept: []time.Duration{time.Minute}, wantReqs: 2, wantCode: 200},
		{name: "attempts used up: the last answer as is", answers: []answer{{status: 502}}, attempts: 3,
			wantSlept: []time.Duration{time.Second, 2 * time.Second}, wantReqs: 3, wantCode: 502},
		{name: "404 is not retried", answers: []answer{{status: 404}}, wantReqs: 1, wantCode: 404},
		{name: "a dropped connection is retried", answers: []answer{{drop: true}, ok},
			wantSlept: []time.Duration{time.Second}, wantReqs: 2, wantCode: 200},
		{name: "dropped every time: the error, with the attempts", answers: []answer{{drop: true}}, attempts: 2,
			wantSlept: []time.Duration{time.Second}, wantReqs: 2, wantErr: "gave up after 2 attempts"},
		{name: "a POST is sent once", answers: []answer{{status: 503}, ok}, method: "POST", body: "x", wantReqs: 1, wantCode: 503},
		{name: "a POST marked idempotent is retried with its body", answers: []answer{{status: 503}, ok}, method: "POST", body: "x", mark: true,
			wantSlept: []time.Duration{time.Second}, wantReqs: 2, wantCode: 200},
		{name: "a body that cannot be sent again is sent once, whatever Replay says", answers: []answer{{status: 503}, ok}, method: "POST", body: "x",
			replayAll: true, noGetBody: true, wantReqs: 1, wantCode: 503},
		{name: "Replay says yes and GetBody can resend it: retried with its body", answers: []answer{{status: 503}, ok}, method: "POST", body: "x",
			replayAll: true, wantSlept: []time.Duration{time.Second}, wantReqs: 2, wantCode: 200},
		{name: "a policy's error ends the call", answers: []answer{{status: 503}},
			policy: func(a Attempt) Decision { return Decision{Err: errors.New("refused by policy")} }, wantReqs: 1, wantErr: "refused by policy"},
		{name: "a policy counts repeats of a class", answers: []answer{{status: 403}, {status: 403}, {status: 403}, ok},
			policy: func(a Attempt) Decision {
				if a.Response == nil || a.Response.StatusCode != 403 {
					return Decision{}
				}
				return Decision{Retry: true, Class: "limit", Reason: "403", Wait: time.Duration(a.Repeats("limit")+1) * time.Minute}
			},
			wantSlept: []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute}, wantReqs: 4, wantCode: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{answers: tt.answers}
			url := serve(t, s)
			var slept []time.Duration
			var waits []Wait
			attempts := tt.attempts
			if attempts == 0 {
				attempts = 5
			}
			// No keep-alive: net/http itself resends a GET whose reused connection drops.
			rt := &Retry{Next: &http.Transport{DisableKeepAlives: true}, Attempts: attempts, Backoff: Backoff{Base: time.Second, Max: time.Minute},
				Policy: tt.policy, Now: func() time.Time { return now0 },
				Sleep:  func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil },
				OnWait: func(w Wait) { waits = append(waits, w) }}
			method := tt.method
			if method == "" {
				method = "GET"
			}
			req, _ := http.NewRequest(method, url+"/f?token=secret", strings.NewReader(tt.body))
			if tt.body == "" {
				req.Body, req.GetBody = nil, nil
			}
			if tt.mark {
				MarkIdempotent(req)
			}
			if tt.replayAll {
				rt.Replay = func(*http.Request) bool { return true }
			}
			if tt.noGetBody {
				req.GetBody = nil
			}
			resp, err := rt.RoundTrip(req)
			if resp != nil {
				resp.Body.Close()
			}
			switch {
			case tt.wantCode == 0 && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err %v, want one saying %q", err, tt.wantErr)
			case tt.wantCode != 0 && (err != nil || resp.StatusCode != tt.wantCode):
				t.Fatalf("resp %v err %v, want status %d", resp, err, tt.wantCode)
			}
			if !slices.Equal(slept, tt.wantSlept) {
				t.Errorf("slept %v, want %v", slept, tt.wantSlept)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.got) != tt.wantReqs {
				t.Errorf("%d requests, want %d: %q", len(s.got), tt.wantReqs, s.got)
			}
			for _, g := range s.got {
				if g != method+" /f "+tt.body {
					t.Errorf("the server got %q", g)
				}
			}
			for _, w := range waits {
				if strings.Contains(w.URL, "secret") || w.Reason == "" {
					t.Errorf("wait %+v: want a redacted URL and a reason", w)
				}
			}
		})
	}
}

// TestRetryStopAtDeadline: with StopAtDeadline, a wait that would end past
// the context's deadline is not slept: a *GaveUpError names the last
// failure.
func TestRetryStopAtDeadline(t *testing.T) {
	url := serve(t, &script{answers: []answer{{status: 503, header: map[string]string{"Retry-After": "600"}}}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	slept := 0
	rt := &Retry{Next: http.DefaultTransport, Attempts: 10, StopAtDeadline: true,
		Sleep: func(context.Context, time.Duration) error { slept++; return nil }}
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	_, err := rt.RoundTrip(req)
	var gu *GaveUpError
	if !errors.As(err, &gu) || gu.Attempts != 1 || !strings.Contains(err.Error(), "503 Service Unavailable") || slept != 0 {
		t.Fatalf("err %v after %d sleeps, want a *GaveUpError naming the 503, no sleep", err, slept)
	}
}

// blocker answers after release is closed; its body writes one chunk and
// then blocks the same way.
func blocker(release chan struct{}, headersFirst bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if headersFirst {
			_, _ = io.WriteString(w, "chunk")
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name      string
		layer     Timeout
		headers   bool // the server sends headers and a chunk, then stalls
		wantPhase string
	}{
		{"no headers in time", Timeout{Header: 50 * time.Millisecond}, false, "headers"},
		{"a stalled body", Timeout{Header: time.Minute, Idle: 50 * time.Millisecond}, true, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			url := serve(t, blocker(release, tt.headers))
			tt.layer.Next = http.DefaultTransport
			req, _ := http.NewRequest("GET", url, nil)
			resp, err := tt.layer.RoundTrip(req)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			var te *TimeoutError
			if !errors.As(err, &te) || te.Phase != tt.wantPhase || !Temporary(err) {
				t.Fatalf("err %v, want a retryable *TimeoutError in phase %s", err, tt.wantPhase)
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	tests := []struct {
		name      string
		after     time.Duration
		ctx       time.Duration // WithDeadline, 0: none
		headers   bool
		wantBytes int64
		wantErr   bool
	}{
		{name: "no answer in time", after: 50 * time.Millisecond, wantErr: true},
		{name: "a body that does not end in time", after: 50 * time.Millisecond, headers: true, wantErr: true, wantBytes: 5},
		{name: "a longer deadline for one request", after: 50 * time.Millisecond, ctx: time.Hour, headers: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			url := serve(t, blocker(release, tt.headers))
			defer close(release)
			ctx := context.Background()
			if tt.ctx > 0 {
				ctx = WithDeadline(ctx, tt.ctx)
			}
			layer := &Deadline{Next: http.DefaultTransport, After: tt.after}
			req, _ := http.NewRequestWithContext(ctx, "GET", url+"/x?sig=abc", nil)
			resp, err := layer.RoundTrip(req)
			if !tt.wantErr {
				// The per-request deadline is an hour: the first chunk arrives, the
				// layer's own 50ms does not cut it.
				if err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 5)
				if _, err := io.ReadFull(resp.Body, buf); err != nil {
					t.Fatalf("read: %v", err)
				}
				resp.Body.Close()
				return
			}
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			var de *DeadlineError
			// Temporary: under a Retry (the service's and GitHub's clients) an
			// attempt that outlived its deadline is worth another one.
			if !errors.As(err, &de) || de.Bytes != tt.wantBytes || strings.Contains(err.Error(), "abc") || !Temporary(err) {
				t.Fatalf("err %v, want a temporary *DeadlineError after %d bytes, the URL redacted", err, tt.wantBytes)
			}
		})
	}
}

func TestLimit(t *testing.T) {
	tests := []struct {
		name            string
		global, perHost int
		hosts           int // distinct servers
		want            int32
	}{
		{"one per host", 8, 1, 1, 1},
		{"two per host", 8, 2, 1, 2},
		{"global bound over two hosts", 3, 2, 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inFlight, peak atomic.Int32
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := inFlight.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond) // lets others pile up; asserts no timing
				inFlight.Add(-1)
			})
			var urls []string
			for range tt.hosts {
				urls = append(urls, serve(t, h))
			}
			rt := NewLimit(http.DefaultTransport, tt.global, tt.perHost)
			var wg sync.WaitGroup
			for i := range 12 {
				wg.Go(func() {
					req, _ := http.NewRequest("GET", urls[i%len(urls)], nil)
					resp, err := rt.RoundTrip(req)
					if err != nil {
						t.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				})
			}
			wg.Wait()
			if peak.Load() > tt.want {
				t.Errorf("%d requests in flight at once, want at most %d", peak.Load(), tt.want)
			}
		})
	}
}

func TestUserAgentAndCount(t *testing.T) {
	var uas []string
	var mu sync.Mutex
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uas = append(uas, r.UserAgent())
		mu.Unlock()
	}))
	counted := map[string]int{}
	rt := &UserAgent{UA: "matrixgen-test", Next: &Count{Next: http.DefaultTransport, Attempt: func(r *http.Request) { counted[HostKey(r.URL)]++ }}}
	for _, ua := range []string{"", "caller/1"} {
		req, _ := http.NewRequest("GET", url, nil)
		if ua != "" {
			req.Header.Set("User-Agent", ua)
		}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if req.Header.Get("User-Agent") != ua {
			t.Errorf("the caller's request was changed")
		}
	}
	if !slices.Equal(uas, []string{"matrixgen-test", "caller/1"}) {
		t.Errorf("user agents %q", uas)
	}
	port := url[strings.LastIndex(url, ":")+1:]
	if _, err := strconv.Atoi(port); err != nil || counted["127.0.0.1:"+port] != 2 {
		t.Errorf("counted %v", counted)
	}
}
