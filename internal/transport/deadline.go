package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// DeadlineError is a request that did not end within its total deadline:
// headers that never came, or a body too large or too slow to read in time.
type DeadlineError struct {
	Method  string // "" for GET
	URL     string // redacted
	After   time.Duration
	Bytes   int64         // body bytes read when it passed
	Elapsed time.Duration // since the request started
}

func (e *DeadlineError) Error() string {
	m := e.Method
	if m == "" {
		m = http.MethodGet
	}
	if e.Bytes == 0 {
		return fmt.Sprintf("%s %s: no answer within the request deadline of %v (%v elapsed)", m, e.URL, e.After, e.Elapsed.Round(time.Millisecond))
	}
	return fmt.Sprintf("%s %s: request deadline of %v passed after %d bytes of the body in %v: too large or too slow", m, e.URL, e.After, e.Bytes, e.Elapsed.Round(time.Millisecond))
}

// Timeout reports true, as net.Error does for timeouts.
func (e *DeadlineError) Timeout() bool { return true }

// ErrDeadline is the cause of a request context ended by its total
// deadline (context.Cause).
var ErrDeadline = errors.New("request deadline")

type deadlineKey struct{}

// WithDeadline gives the requests made with ctx a Deadline of d where d is
// longer than the layer's own (an upload, whose body takes as long to send
// as it is big).
func WithDeadline(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, deadlineKey{}, d)
}

// Deadline bounds a request from sending it to closing its body. Under a
// Retry it bounds each attempt; over one, the whole request.
type Deadline struct {
	Next  http.RoundTripper
	After time.Duration // <= 0: none (unless the context sets one, WithDeadline)
	Now   func() time.Time
}

func (t *Deadline) RoundTrip(req *http.Request) (*http.Response, error) {
	after := t.After
	if v, ok := req.Context().Value(deadlineKey{}).(time.Duration); ok && v > after {
		after = v
	}
	if after <= 0 {
		return t.Next.RoundTrip(req)
	}
	now := t.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	parent := req.Context()
	ctx, cancel := context.WithTimeoutCause(parent, after, ErrDeadline)
	resp, err := t.Next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if parent.Err() == nil && errors.Is(context.Cause(ctx), ErrDeadline) {
			return nil, &DeadlineError{Method: req.Method, URL: Redact(req.URL), After: after, Elapsed: now().Sub(start)}
		}
		return nil, err
	}
	resp.Body = &deadlineBody{ReadCloser: resp.Body, cancel: cancel, ctx: ctx, parent: parent, req: req, after: after, start: start, now: now}
	return resp, nil
}

type deadlineBody struct {
	io.ReadCloser
	cancel      context.CancelFunc
	ctx, parent context.Context
	req         *http.Request
	after       time.Duration
	start       time.Time
	now         func() time.Time
	n           int64
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF && b.parent.Err() == nil && errors.Is(context.Cause(b.ctx), ErrDeadline) {
		err = &DeadlineError{Method: b.req.Method, URL: Redact(b.req.URL), After: b.after, Bytes: b.n, Elapsed: b.now().Sub(b.start)}
	}
	return n, err
}

func (b *deadlineBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
