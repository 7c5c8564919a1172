package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// TimeoutError is one attempt that got no response headers within
// Timeout.Header, or a body Read that waited longer than Timeout.Idle for
// bytes. Retry's DefaultPolicy retries the first.
type TimeoutError struct {
	Phase string // "headers" or "body"
	After time.Duration
}

const (
	phaseHeaders = "headers"
	phaseBody    = "body"
)

func (e *TimeoutError) Error() string {
	if e.Phase == phaseBody {
		return fmt.Sprintf("body stalled: no bytes for %v", e.After)
	}
	return fmt.Sprintf("no response headers after %v", e.After)
}

// Timeout reports true, as net.Error does for timeouts.
func (e *TimeoutError) Timeout() bool { return true }

// Timeout bounds one attempt's wait for headers and the wait of each body
// Read. Both fire by cancelling the attempt's context with a *TimeoutError
// as the cause. Time the caller spends between Reads does not count.
type Timeout struct {
	Next   http.RoundTripper
	Header time.Duration // <= 0: none
	Idle   time.Duration // <= 0: none
}

func (t *Timeout) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := context.WithCancelCause(parent)
	var timer *time.Timer
	if t.Header > 0 {
		timer = time.AfterFunc(t.Header, func() {
			cancel(&TimeoutError{Phase: phaseHeaders, After: t.Header})
		})
	}
	resp, err := t.Next.RoundTrip(req.WithContext(ctx))
	fired := timer != nil && !timer.Stop()
	if err == nil && fired && parent.Err() == nil {
		// The headers came as the timer fired: the context is (being)
		// cancelled, so the body is unusable. The timer's func may not have
		// run cancel yet, so context.Cause can still be nil: name the
		// timeout directly rather than return a nil response and nil error.
		resp.Body.Close()
		resp, err = nil, &TimeoutError{Phase: phaseHeaders, After: t.Header}
	}
	if err != nil {
		if te := timeoutCause(parent, ctx); te != nil {
			err = te
		}
		cancel(nil)
		return nil, err
	}
	resp.Body = &idleBody{rc: resp.Body, parent: parent, ctx: ctx, cancel: cancel, idle: t.Idle}
	return resp, nil
}

// timeoutCause returns the *TimeoutError that cancelled ctx, unless the
// caller's own context ended: then its error wins.
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

// idleBody arms a timer around each Read: a Read that waits longer than
// idle cancels the attempt and fails with a *TimeoutError. Close releases
// the attempt's context.
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
