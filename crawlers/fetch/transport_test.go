package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestRetry(t *testing.T) {
	type answer struct {
		status     int
		retryAfter string
	}
	tests := []struct {
		name        string
		answers     []answer // the last one repeats
		retries     int
		wantStatus  int // 0: success
		wantReqs    int64
		wantRetries int64
	}{
		{name: "500,500,200", answers: []answer{{status: 500}, {status: 500}, {status: 200}}, wantReqs: 3, wantRetries: 2},
		{name: "404 is not retried", answers: []answer{{status: 404}}, wantStatus: 404, wantReqs: 1},
		{name: "403 is not retried", answers: []answer{{status: 403}, {status: 200}}, wantStatus: 403, wantReqs: 1},
		{name: "429 Retry-After 0", answers: []answer{{status: 429, retryAfter: "0"}, {status: 200}}, wantReqs: 2, wantRetries: 1},
		{name: "408 then 200", answers: []answer{{status: 408}, {status: 200}}, wantReqs: 2, wantRetries: 1},
		{name: "503 every time", answers: []answer{{status: 503}}, retries: 3, wantStatus: 503, wantReqs: 4, wantRetries: 3},
		{name: "429 every time stays visible", answers: []answer{{status: 429, retryAfter: "0"}}, retries: 2, wantStatus: 429, wantReqs: 3, wantRetries: 2},
		{name: "no retries configured", answers: []answer{{status: 502}, {status: 200}}, retries: -1, wantStatus: 502, wantReqs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int64
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				a := tt.answers[min(i, len(tt.answers)-1)]
				if a.retryAfter != "" {
					w.Header().Set("Retry-After", a.retryAfter)
				}
				w.WriteHeader(a.status)
				w.Write([]byte("body"))
			})
			c := newTestClient(t, Options{Retries: tt.retries})
			url := srv.URL + "/dists/x/InRelease"
			b, err := c.Get(context.Background(), Request{URL: url})
			if tt.wantStatus == 0 {
				if err != nil || string(b) != "body" {
					t.Fatalf("Get(%s) = %q, %v; want \"body\"", tt.name, b, err)
				}
			} else {
				var he *HTTPError
				if !errors.As(err, &he) || he.StatusCode != tt.wantStatus {
					t.Fatalf("Get(%s) error = %v; want *HTTPError with %d", tt.name, err, tt.wantStatus)
				}
				wantURL(t, err, url)
			}
			st := c.Stats()
			if st.Requests != tt.wantReqs || n.Load() != tt.wantReqs || st.Retries != tt.wantRetries {
				t.Errorf("%s: Stats.Requests=%d (server saw %d) Retries=%d; want %d and %d", tt.name, st.Requests, n.Load(), st.Retries, tt.wantReqs, tt.wantRetries)
			}
			if wantFail := int64(min(tt.wantStatus, 1)); st.Failures != wantFail {
				t.Errorf("%s: Stats.Failures=%d, want %d", tt.name, st.Failures, wantFail)
			}
		})
	}
}

func TestRetryConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/Packages.xz"
	l.Close()
	c := newTestClient(t, Options{Retries: 2})
	_, err = c.Get(context.Background(), Request{URL: url})
	wantURL(t, err, url)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %v: want ECONNREFUSED", err)
	}
	if !strings.Contains(err.Error(), "3 attempts") {
		t.Errorf("error %q does not say how many attempts were made", err)
	}
	if st := c.Stats(); st.Requests != 3 || st.Retries != 2 || st.Failures != 1 {
		t.Errorf("Stats = %+v, want 3 requests, 2 retries, 1 failure", st)
	}
}

// roundTripFunc is a base transport in the test process, for tests that need to know
// exactly when the client is done with a response.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// closeSignal is a response body that closes done when the client closes it: the retry
// transport closes a retryable response just before it starts to wait.
type closeSignal struct {
	io.Reader
	once sync.Once
	done chan struct{}
}

func (c *closeSignal) Close() error {
	c.once.Do(func() { close(c.done) })
	return nil
}

// firstRetryWait answers every attempt with 503 and retryAfter (if any), cancels the
// request once the client has closed the first answer and is waiting to retry, and
// returns the error: it names the wait the client chose. No clock decides the outcome.
func firstRetryWait(t *testing.T, o Options, retryAfter string) (Stats, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	closed := make(chan struct{})
	var once sync.Once
	o.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body := &closeSignal{Reader: strings.NewReader("busy"), done: make(chan struct{})}
		once.Do(func() {
			go func() {
				<-body.done
				cancel()
			}()
			close(closed)
		})
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: 503, Status: "503 Service Unavailable", Header: h, Body: body, Request: r}, nil
	})
	c := newTestClient(t, o)
	_, err := c.Get(ctx, Request{URL: "http://mirror.test/dists/x/InRelease"})
	<-closed
	return c.Stats(), err
}

// The wait before a retry is the backoff, or Retry-After (seconds or an HTTP date, read
// with the injected clock) capped at Backoff.Max; cancelling ends the wait at once.
func TestRetryWait(t *testing.T) {
	now := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	hour := Backoff{Base: time.Hour, Factor: 2, Max: 2 * time.Hour}
	tests := []struct {
		name       string
		backoff    Backoff
		retryAfter string
		want       string
	}{
		{"backoff alone", hour, "", "waiting 1h0m0s to retry after attempt 1 (503 Service Unavailable)"},
		{"Retry-After seconds win over the backoff", Backoff{Base: time.Millisecond, Factor: 2, Max: time.Hour}, "2", "waiting 2s to retry"},
		{"Retry-After capped by Max", Backoff{Base: time.Millisecond, Factor: 2, Max: 150 * time.Millisecond}, "3600", "waiting 150ms to retry"},
		{"Retry-After date, by the injected clock", hour, now.Add(90 * time.Second).Format(http.TimeFormat), "waiting 1m30s to retry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := firstRetryWait(t, Options{Backoff: tt.backoff, Now: func() time.Time { return now }}, tt.retryAfter)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to say %q", err, tt.want)
			}
			wantURL(t, err, "http://mirror.test/dists/x/InRelease")
			if st.Requests != 1 || st.Retries != 1 {
				t.Errorf("Stats = %+v, want 1 request and the 1 retry it was waiting for", st)
			}
		})
	}
}

func TestHeaderTimeout(t *testing.T) {
	tests := []struct {
		name     string
		hangs    int64 // attempts that hang before headers
		retries  int
		timeout  time.Duration
		wantErr  bool
		wantReqs int64
	}{
		// The timeout must fire once and then let an answer through: long enough for a
		// loopback answer on a loaded machine, short enough to wait out once.
		{name: "hang once then answer", hangs: 1, retries: 2, timeout: 2 * time.Second, wantReqs: 2},
		// Only timeouts here: tiny.
		{name: "hang every time", hangs: 100, retries: 1, timeout: 20 * time.Millisecond, wantErr: true, wantReqs: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int64
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) <= tt.hangs {
					hang(r)
					return
				}
				w.Write([]byte("ok"))
			})
			c := newTestClient(t, Options{Retries: tt.retries, HeaderTimeout: tt.timeout})
			url := srv.URL + "/Release"
			_, err := c.Get(context.Background(), Request{URL: url})
			if tt.wantErr {
				wantURL(t, err, url)
				var te *TimeoutError
				if !errors.As(err, &te) || te.Phase != "headers" || te.After != tt.timeout {
					t.Errorf("%s: error %v, want a *TimeoutError for headers after %v", tt.name, err, tt.timeout)
				}
			} else if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			// Attempts counted by the client: a tiny timeout may fire before the server
			// has read the request.
			if st := c.Stats(); st.Requests != tt.wantReqs || st.Retries != tt.wantReqs-1 {
				t.Errorf("%s: Stats = %+v, want %d requests", tt.name, st, tt.wantReqs)
			}
		})
	}
}

func TestContextCancelStopsWithoutRetry(t *testing.T) {
	t.Run("while waiting for headers", func(t *testing.T) {
		arrived := make(chan struct{}, 1)
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			hang(r)
		})
		c := newTestClient(t, Options{Retries: 4})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-arrived // cancel once the request is at the server, not on a timer
			cancel()
		}()
		// With the test client's 5s header timeout and 4 retries, a cancel that did not
		// stop the request would show as a *TimeoutError and 5 requests.
		_, err := c.Get(ctx, Request{URL: srv.URL + "/x"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		wantURL(t, err, srv.URL+"/x")
		if st := c.Stats(); st.Requests != 1 || st.Retries != 0 {
			t.Errorf("Stats = %+v, want 1 request and no retry", st)
		}
	})
	// While backing off: TestRetryWait cancels during a one-hour wait.
}

func TestStalledBody(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write(make([]byte, 100))
		w.(http.Flusher).Flush()
		hang(r)
	})
	// The timeout must fire, but only after the 100 bytes sent before the stall have been
	// read: long enough for them to cross loopback on a loaded machine.
	const idle = time.Second
	c := newTestClient(t, Options{IdleTimeout: idle})
	url := srv.URL + "/Packages"
	resp, err := c.Open(context.Background(), Request{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 4096)
	var got int
	for err == nil {
		var n int
		n, err = resp.Body.Read(buf)
		got += n
	}
	wantURL(t, err, url)
	var te *TimeoutError
	if !errors.As(err, &te) || te.Phase != "body" || te.After != idle {
		t.Errorf("error %v, want a *TimeoutError for the body after %v", err, idle)
	}
	if got != 100 {
		t.Errorf("read %d bytes before the stall, want 100", got)
	}
	if st := c.Stats(); st.Failures != 1 || st.Retries != 0 {
		t.Errorf("Stats = %+v, want 1 failure, no retry", st)
	}
}

// The idle timeout measures the wait for bytes, not the caller's own pace: a caller that
// pauses longer than the timeout between Reads of a body already sent still reads it all.
// The timeout is generous for the Reads (the bytes are on loopback); the pause, the
// caller's own time, is half as long again.
func TestSlowReaderIsNotStalled(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 2000)) })
	const idle = time.Second
	c := newTestClient(t, Options{IdleTimeout: idle})
	resp, err := c.Open(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 1000)
	total := 0
	for paused := false; ; {
		n, err := resp.Body.Read(buf)
		total += n
		if err != nil {
			if err != io.EOF {
				t.Fatalf("read after %d bytes: %v", total, err)
			}
			break
		}
		if !paused {
			time.Sleep(idle + idle/2) // the caller's pace, not a wait for the server
			paused = true
		}
	}
	if total != 2000 {
		t.Errorf("read %d bytes, want 2000", total)
	}
}

// The limits hold: the server never sees more requests at once than the limit, and it does
// see the limit reached. Each handler waits until the limit is in flight (a barrier, not a
// sleep), so reaching it is certain and a limit that let more through would show.
func TestConcurrencyLimits(t *testing.T) {
	tests := []struct {
		name        string
		perHost     int
		concurrency int
		want        int64
	}{
		{name: "per host", perHost: 2, concurrency: 8, want: 2},
		{name: "global", perHost: 10, concurrency: 3, want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inFlight, peak atomic.Int64
			reached := make(chan struct{})
			var once sync.Once
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				n := inFlight.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				if n == tt.want {
					once.Do(func() { close(reached) })
				}
				select {
				case <-reached:
				case <-r.Context().Done():
				}
				inFlight.Add(-1)
				w.Write([]byte("ok"))
			})
			c := newTestClient(t, Options{PerHost: tt.perHost, Concurrency: tt.concurrency})
			var wg sync.WaitGroup
			errs := make(chan error, 10)
			for i := 0; i < 10; i++ {
				wg.Go(func() {
					_, err := c.Get(context.Background(), Request{URL: srv.URL + "/f" + strconv.Itoa(i)})
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			select {
			case <-reached:
			default:
				t.Errorf("the server never had %d requests in flight", tt.want)
			}
			if p := peak.Load(); p != tt.want {
				t.Errorf("PerHost=%d Concurrency=%d: server saw at most %d requests at once, want %d", tt.perHost, tt.concurrency, p, tt.want)
			}
		})
	}
}

// A slot is held until the body is closed, and waiting for one respects the context.
func TestSlotHeldUntilClose(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	c := newTestClient(t, Options{PerHost: 1})
	first, err := c.Open(context.Background(), Request{URL: srv.URL + "/a"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, Request{URL: srv.URL + "/b"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Get while the first body is open: %v, want context.DeadlineExceeded", err)
	}
	first.Body.Close()
	if _, err := c.Get(context.Background(), Request{URL: srv.URL + "/b"}); err != nil {
		t.Fatalf("second Get after Close: %v", err)
	}
}

func TestUserAgentAndAcceptEncoding(t *testing.T) {
	tests := []struct{ set, want string }{
		{"", "matrixgen"},
		{"matrixgen/1.2 (+ci)", "matrixgen/1.2 (+ci)"},
	}
	for _, tt := range tests {
		var ua, ae string
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			ua, ae = r.Header.Get("User-Agent"), r.Header.Get("Accept-Encoding")
		})
		c := newTestClient(t, Options{UserAgent: tt.set})
		if _, err := c.Get(context.Background(), Request{URL: srv.URL}); err != nil {
			t.Fatal(err)
		}
		if ua != tt.want {
			t.Errorf("UserAgent %q: server saw %q, want %q", tt.set, ua, tt.want)
		}
		if ae != "identity" {
			t.Errorf("Accept-Encoding = %q, want identity (checksums are over bytes as served)", ae)
		}
	}
}

func TestStatsPerHost(t *testing.T) {
	a := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("12345")) })
	var n atomic.Int64
	b := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/missing":
			http.NotFound(w, r)
		case n.Add(1) == 1:
			w.WriteHeader(500)
		default:
			w.Write([]byte("abc"))
		}
	})
	c := newTestClient(t, Options{})
	ctx := context.Background()
	for _, url := range []string{a.URL + "/1", a.URL + "/2", b.URL + "/ok"} {
		if _, err := c.Get(ctx, Request{URL: url}); err != nil {
			t.Fatalf("Get(%s): %v", url, err)
		}
	}
	if _, err := c.Get(ctx, Request{URL: b.URL + "/missing"}); err == nil {
		t.Fatal("Get(/missing) succeeded")
	}
	st := c.Stats()
	hostA, hostB := a.Listener.Addr().String(), b.Listener.Addr().String()
	want := map[string]HostStats{
		hostA: {Requests: 2, Bytes: 10},
		hostB: {Requests: 3, Bytes: 3, Retries: 1, Failures: 1},
	}
	for host, w := range want {
		if got := st.Hosts[host]; got != w {
			t.Errorf("Stats.Hosts[%s] = %+v, want %+v", host, got, w)
		}
	}
	if len(st.Hosts) != 2 {
		t.Errorf("Stats.Hosts has %d hosts, want 2: %+v", len(st.Hosts), st.Hosts)
	}
	if st.Requests != 5 || st.Bytes != 13 || st.Retries != 1 || st.Failures != 1 || st.NotModified != 0 {
		t.Errorf("Stats totals = %+v", st)
	}
	j, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"requests":5`, `"bytes":13`, `"not_modified":0`, `"retries":1`, `"failures":1`, `"hosts":{`} {
		if !strings.Contains(string(j), key) {
			t.Errorf("Stats JSON %s lacks %s", j, key)
		}
	}
}

func TestHTTPError(t *testing.T) {
	for code, want := range map[int]bool{408: true, 429: true, 500: true, 503: true, 599: true, 400: false, 404: false, 410: false, 304: false} {
		if got := (&HTTPError{StatusCode: code}).Temporary(); got != want {
			t.Errorf("HTTPError{%d}.Temporary() = %v, want %v", code, got, want)
		}
	}
	e := &HTTPError{Method: "GET", URL: "http://h/dists/x/InRelease", StatusCode: 404, Status: "404 Not Found"}
	if got, want := e.Error(), "GET http://h/dists/x/InRelease: unexpected status 404 Not Found"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
