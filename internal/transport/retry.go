package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// IdempotencyKey is the header net/http treats as marking a request
// replayable: a nil value (MarkIdempotent) is not sent, but lets Retry
// retry a method other than GET.
const IdempotencyKey = "Idempotency-Key"

// MarkIdempotent marks req as safe to send again (net/http's convention:
// a nil Idempotency-Key header), for calls the server documents as
// idempotent.
func MarkIdempotent(req *http.Request) { req.Header[IdempotencyKey] = nil }

// Replayable is Retry's default: a GET or HEAD, or a request marked
// idempotent whose body can be sent again.
func Replayable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, "":
		return true
	}
	if _, ok := req.Header[IdempotencyKey]; !ok {
		return false
	}
	return rewindable(req)
}

// rewindable: req's body, if any, can be sent again (GetBody). A Replay
// may say any request is safe to repeat, but a body already read cannot
// be: it would go out empty or cut short.
func rewindable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// Wait is a retry about to sleep, for logs and counters: shown so that
// progress does not look hung.
type Wait struct {
	Method  string
	URL     string        // redacted
	Request *http.Request // the request being retried
	Attempt int           // the attempt that failed, from 1
	For     time.Duration // how long until the next attempt; 0 when giving up
	Reason  string        // the failure: a status ("503 Service Unavailable") or an error
}

// Attempt is one attempt's outcome, as a Policy sees it.
type Attempt struct {
	Request  *http.Request
	Response *http.Response // nil when Err is set
	Err      error
	N        int           // from 1
	Delay    time.Duration // the Backoff's wait for this retry
	Now      time.Time     // the Retry's clock, for Retry-After dates
	classes  map[string]int
}

// Repeats is how many earlier attempts of this call a Policy classed as
// class (GitHub's secondary limits back off more on each repeat).
func (a Attempt) Repeats(class string) int { return a.classes[class] }

// Decision is a Policy's answer about one attempt.
type Decision struct {
	Retry  bool
	Wait   time.Duration // before the next attempt (a.Delay, or what the server asked)
	Reason string        // for Wait.Reason
	Class  string        // counted for Attempt.Repeats
	// Err ends the call with this error (the response, if any, is closed).
	Err error
}

// Policy decides whether and when an attempt is retried.
type Policy func(a Attempt) Decision

// DefaultPolicy retries a failure before headers that Temporary accepts,
// and 408, 429 and 5xx answers, after the backoff's delay or the answer's
// Retry-After, capped at maxWait (<= 0: no cap).
func DefaultPolicy(maxWait time.Duration) Policy {
	return func(a Attempt) Decision {
		if a.Err != nil {
			if !Temporary(a.Err) {
				return Decision{}
			}
			return Decision{Retry: true, Wait: a.Delay, Reason: a.Err.Error()}
		}
		if !TemporaryStatus(a.Response.StatusCode) {
			return Decision{}
		}
		wait := a.Delay
		if d, ok := RetryAfter(a.Response.Header.Get("Retry-After"), a.Now); ok {
			wait = d
			if maxWait > 0 {
				wait = min(d, maxWait)
			}
		}
		return Decision{Retry: true, Wait: wait, Reason: a.Response.Status}
	}
}

// TemporaryStatus: 408, 429 and every 5xx are worth another attempt.
func TemporaryStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 && code <= 599
}

// Temporary reports whether a failure before headers is worth another
// attempt: timeouts (an attempt's Timeout or Deadline included), refused
// or reset connections, connections closed before the answer. A
// host-policy refusal, a certificate that does not verify and a name that
// does not exist are not.
func Temporary(err error) bool {
	var he *HostError
	if errors.As(err, &he) {
		return false
	}
	var te *TimeoutError
	var de *DeadlineError
	if errors.As(err, &te) || errors.As(err, &de) {
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

// GaveUpError is Retry (with StopAtDeadline) giving up because the next
// wait would pass the request context's deadline.
type GaveUpError struct {
	Attempts int
	Reason   string // the last failure
	Err      error  // the last failure, when it was an error rather than an answer
}

func (e *GaveUpError) Error() string {
	return fmt.Sprintf("gave up after %d attempts at the deadline: %s", e.Attempts, e.Reason)
}

func (e *GaveUpError) Unwrap() error { return e.Err }

// Retry sends a replayable request again when its Policy says so. Once the
// attempts are used up, the last answer is returned as is (the caller sees
// the status), or the last error, saying how many attempts were made.
type Retry struct {
	Next     http.RoundTripper
	Attempts int // the first included; <= 1 means no retry
	Backoff  Backoff
	Policy   Policy                                     // nil: DefaultPolicy(Backoff.Max)
	Replay   func(*http.Request) bool                   // nil: Replayable; a body without GetBody is sent once whatever it says
	Now      func() time.Time                           // nil: time.Now
	Sleep    func(context.Context, time.Duration) error // nil: a timer, ended by the context
	OnWait   func(Wait)                                 // before each wait; may be called concurrently
	OnGiveUp func(Wait)                                 // when the attempts are used up on an answer
	// StopAtDeadline gives up with a *GaveUpError when the next wait would
	// end after the request context's deadline, rather than sleep into it.
	StopAtDeadline bool
}

func (t *Retry) RoundTrip(req *http.Request) (*http.Response, error) {
	replay := t.Replay
	if replay == nil {
		replay = Replayable
	}
	if t.Attempts <= 1 || !replay(req) || !rewindable(req) {
		return t.Next.RoundTrip(req)
	}
	policy := t.Policy
	if policy == nil {
		policy = DefaultPolicy(t.Backoff.Max)
	}
	now := t.Now
	if now == nil {
		now = time.Now
	}
	ctx := req.Context()
	classes := map[string]int{}
	for n := 1; ; n++ {
		send := req
		if n > 1 && req.Body != nil && req.Body != http.NoBody && req.GetBody != nil {
			// The last attempt consumed the body: send a fresh copy.
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			send = req.Clone(ctx)
			send.Body = body
		}
		resp, err := t.Next.RoundTrip(send)
		if ctx.Err() != nil {
			// The caller gave up: never retry, whatever the failure looked like.
			if err == nil {
				return resp, nil
			}
			return nil, err
		}
		d := policy(Attempt{Request: req, Response: resp, Err: err, N: n, Delay: t.Backoff.Delay(n - 1), Now: now(), classes: classes})
		if d.Err != nil {
			if resp != nil {
				DrainClose(resp.Body)
			}
			return nil, d.Err
		}
		if !d.Retry {
			return resp, err
		}
		if d.Class != "" {
			classes[d.Class]++
		}
		w := Wait{Method: req.Method, URL: Redact(req.URL), Request: req, Attempt: n, For: d.Wait, Reason: d.Reason}
		if n >= t.Attempts {
			if err != nil {
				if n == 1 {
					return nil, err
				}
				return nil, fmt.Errorf("%w (gave up after %d attempts)", err, n)
			}
			if t.OnGiveUp != nil {
				w.For = 0
				t.OnGiveUp(w)
			}
			return resp, nil
		}
		if dl, ok := ctx.Deadline(); ok && t.StopAtDeadline && now().Add(d.Wait).After(dl) {
			if resp != nil {
				DrainClose(resp.Body)
			}
			return nil, &GaveUpError{Attempts: n, Reason: d.Reason, Err: err}
		}
		if resp != nil {
			DrainClose(resp.Body)
		}
		if t.OnWait != nil {
			t.OnWait(w)
		}
		sleep := t.Sleep
		if sleep == nil {
			sleep = Sleep
		}
		if err := sleep(ctx, d.Wait); err != nil {
			return nil, fmt.Errorf("waiting %v to retry after attempt %d (%s): %w", d.Wait, n, d.Reason, err)
		}
	}
}

// Sleep waits d, or until ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
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

// DrainClose reads a little of an unwanted body so the connection can be
// reused, then closes it.
func DrainClose(rc io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, rc, 4<<10)
	rc.Close()
}
