package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/semaphore"
)

// The layers below are stacked by New, inner to outer: count, timeouts, limit, retry,
// user agent. Each does one thing and passes everything else through.

// countTransport counts the attempts that reach the base transport.
type countTransport struct {
	next  http.RoundTripper
	stats *statsRecorder
}

func (t *countTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.stats.add(hostKey(req.URL), HostStats{Requests: 1})
	return t.next.RoundTrip(req)
}

// timeoutTransport bounds the wait for headers per attempt and the wait of each body Read.
// Both fire by cancelling the attempt's context with a *TimeoutError as the cause.
type timeoutTransport struct {
	next   http.RoundTripper
	header time.Duration // <= 0: none
	idle   time.Duration // <= 0: none
}

func (t *timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := context.WithCancelCause(parent)
	var timer *time.Timer
	if t.header > 0 {
		timer = time.AfterFunc(t.header, func() {
			cancel(&TimeoutError{Phase: phaseHeaders, After: t.header})
		})
	}
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	fired := timer != nil && !timer.Stop()
	if err == nil && fired && parent.Err() == nil {
		// The headers came as the timer fired: the context is (being)
		// cancelled, so the body is unusable. The timer's func may not have
		// run cancel yet, so context.Cause can still be nil: name the
		// timeout directly rather than return a nil response and nil error.
		resp.Body.Close()
		resp, err = nil, &TimeoutError{Phase: phaseHeaders, After: t.header}
	}
	if err != nil {
		if te := timeoutCause(parent, ctx); te != nil {
			err = te
		}
		cancel(nil)
		return nil, err
	}
	resp.Body = &idleBody{rc: resp.Body, parent: parent, ctx: ctx, cancel: cancel, idle: t.idle}
	return resp, nil
}

// timeoutCause returns the *TimeoutError that cancelled ctx, unless the caller's own context
// ended: then its error wins.
func timeoutCause(parent, ctx context.Context) *TimeoutError {
	if parent.Err() != nil {
		return nil
	}
	var te *TimeoutError
	if errors.As(context.Cause(ctx), &te) {
		return te
	}
	return nil
}

// idleBody arms a timer around each Read: a Read that waits longer than idle cancels the
// attempt and fails with a *TimeoutError. Close releases the attempt's context.
type idleBody struct {
	rc     io.ReadCloser
	parent context.Context
	ctx    context.Context
	cancel context.CancelCauseFunc
	idle   time.Duration
	timer  *time.Timer
}

func (b *idleBody) Read(p []byte) (int, error) {
	if b.idle > 0 {
		if b.timer == nil {
			b.timer = time.AfterFunc(b.idle, func() {
				b.cancel(&TimeoutError{Phase: phaseBody, After: b.idle})
			})
		} else {
			b.timer.Reset(b.idle)
		}
	}
	n, err := b.rc.Read(p)
	if b.timer != nil {
		b.timer.Stop()
	}
	if err != nil && err != io.EOF {
		if te := timeoutCause(b.parent, b.ctx); te != nil {
			err = te
		}
	}
	return n, err
}

func (b *idleBody) Close() error {
	if b.timer != nil {
		b.timer.Stop()
	}
	err := b.rc.Close()
	b.cancel(nil)
	return err
}

// limitTransport bounds requests in flight, per host:port and overall. A slot is held from
// before the request is sent until its body is closed, or until the attempt fails.
type limitTransport struct {
	next    http.RoundTripper
	global  *semaphore.Weighted
	perHost int64

	mu    sync.Mutex
	hosts map[string]*semaphore.Weighted
}

func newLimitTransport(next http.RoundTripper, global, perHost int) *limitTransport {
	return &limitTransport{
		next:    next,
		global:  semaphore.NewWeighted(int64(global)),
		perHost: int64(perHost),
		hosts:   make(map[string]*semaphore.Weighted),
	}
}

func (t *limitTransport) host(key string) *semaphore.Weighted {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.hosts[key]
	if !ok {
		s = semaphore.NewWeighted(t.perHost)
		t.hosts[key] = s
	}
	return s
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	host := t.host(hostKey(req.URL))
	// The host slot first: waiting for a busy host must not hold a global slot that
	// requests to other hosts could use.
	if err := host.Acquire(ctx, 1); err != nil {
		return nil, fmt.Errorf("waiting for a slot for %s: %w", req.URL.Host, err)
	}
	if err := t.global.Acquire(ctx, 1); err != nil {
		host.Release(1)
		return nil, fmt.Errorf("waiting for a slot: %w", err)
	}
	release := sync.OnceFunc(func() {
		t.global.Release(1)
		host.Release(1)
	})
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releaseBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

type releaseBody struct {
	io.ReadCloser
	release func()
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// retryTransport retries GETs, and requests marked idempotent (Request.Idempotent: a nil
// Idempotency-Key header, net/http's convention), that failed before headers or got 408,
// 429 or 5xx. Once the
// attempts are used up the last response is returned as is, so the caller sees the status.
type retryTransport struct {
	next    http.RoundTripper
	retries int
	backoff Backoff
	now     func() time.Time
	stats   *statsRecorder
	onWait  func(Wait)
}

// Wait is a retry about to sleep: shown so that progress does not look hung.
type Wait struct {
	URL     string        // redacted
	Attempt int           // the attempt that failed, from 1
	For     time.Duration // how long until the next attempt
	Reason  string        // the failure: a status ("503 Service Unavailable", "429 ...") or an error
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !replayable(req) {
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		send := req
		if attempt > 0 && req.Body != nil && req.GetBody != nil {
			// The last attempt consumed the body: send a fresh copy.
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			send = req.Clone(ctx)
			send.Body = body
		}
		resp, err := t.next.RoundTrip(send)
		if ctx.Err() != nil {
			// The caller gave up: never retry, whatever the failure looked like.
			if err == nil {
				return resp, nil
			}
			return nil, err
		}
		var wait time.Duration
		var last string
		switch {
		case err != nil:
			if !retryableError(err) {
				return nil, err
			}
			if attempt >= t.retries {
				if attempt == 0 {
					return nil, err
				}
				return nil, fmt.Errorf("%w (gave up after %d attempts)", err, attempt+1)
			}
			wait, last = t.backoff.delay(attempt), err.Error()
		case temporaryStatus(resp.StatusCode):
			if attempt >= t.retries {
				return resp, nil
			}
			wait = t.backoff.delay(attempt)
			if d, ok := retryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
				wait = min(d, t.backoff.Max)
			}
			last = resp.Status
			drainClose(resp.Body)
		default:
			return resp, nil
		}
		t.stats.add(hostKey(req.URL), HostStats{Retries: 1})
		if t.onWait != nil {
			t.onWait(Wait{URL: redact(req.URL), Attempt: attempt + 1, For: wait, Reason: last})
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("waiting %v to retry after attempt %d (%s): %w", wait, attempt+1, last, err)
		}
	}
}

// replayable: a GET, or a request whose body can be sent again and that is marked
// idempotent.
func replayable(req *http.Request) bool {
	if req.Method == http.MethodGet || req.Method == "" {
		return true
	}
	if _, ok := req.Header[idempotencyKey]; !ok {
		return false
	}
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP date (RFC 9110 10.2.3).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		switch {
		case secs < 0:
			return 0, true
		case secs > maxSecs:
			return time.Duration(1<<63 - 1), true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryableError reports whether a failure before headers is worth another attempt:
// timeouts, refused or reset connections, and connections closed before the answer.
func retryableError(err error) bool {
	var he *HostError
	if errors.As(err, &he) {
		return false
	}
	var te *TimeoutError
	if errors.As(err, &te) {
		return true
	}
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return !dnsErr.IsNotFound
	}
	for _, target := range []error{io.EOF, io.ErrUnexpectedEOF, syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE} {
		if errors.Is(err, target) {
			return true
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

// userAgentTransport sets User-Agent on requests that have none.
type userAgentTransport struct {
	next http.RoundTripper
	ua   string
}

func (t *userAgentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context()) // a RoundTripper must not change its argument
		req.Header.Set("User-Agent", t.ua)
	}
	return t.next.RoundTrip(req)
}

// drainClose reads a little of an unwanted body so the connection can be reused, then closes it.
func drainClose(rc io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, rc, 4<<10)
	rc.Close()
}

// deadlineTransport gives each request a total deadline, from sending it to closing its
// body, for callers of Client.Transport (Client.Open has its own, with a typed error).
type deadlineTransport struct {
	next  http.RoundTripper
	after time.Duration
}

func (t *deadlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeoutCause(req.Context(), t.after, errRequestDeadline)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if req.Context().Err() == nil && errors.Is(context.Cause(ctx), errRequestDeadline) {
			return nil, &DeadlineError{Method: req.Method, URL: redact(req.URL), After: t.after, Elapsed: time.Since(start)}
		}
		return nil, err
	}
	resp.Body = &deadlineBody{ReadCloser: resp.Body, cancel: cancel, ctx: ctx, parent: req.Context(), req: req, after: t.after, start: start}
	return resp, nil
}

type deadlineBody struct {
	io.ReadCloser
	cancel      context.CancelFunc
	ctx, parent context.Context
	req         *http.Request
	after       time.Duration
	start       time.Time
	n           int64
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF && b.parent.Err() == nil && errors.Is(context.Cause(b.ctx), errRequestDeadline) {
		err = &DeadlineError{Method: b.req.Method, URL: redact(b.req.URL), After: b.after, Bytes: b.n, Elapsed: time.Since(b.start)}
	}
	return n, err
}

func (b *deadlineBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
