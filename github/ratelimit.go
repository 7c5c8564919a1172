package github

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/matrixgen/matrixgen/internal/transport"
)

// RetryPolicy bounds how long and how often a call is retried. GitHub
// documents the rules ("Rate limits for the REST API"): a primary limit is
// 403 or 429 with x-ratelimit-remaining 0, lifted at x-ratelimit-reset; a
// secondary limit is 403 or 429 whose message says so, lifted after
// retry-after seconds or, without that header, "at least one minute",
// growing on repeats.
type RetryPolicy struct {
	// Attempts per call, the first included (default 6).
	Attempts int
	// Backoff is the first wait after a 5xx, doubled on each retry up to
	// MaxBackoff (defaults 1s and 1m).
	Backoff, MaxBackoff time.Duration
	// SecondaryWait is the first wait after a secondary limit that sends
	// no retry-after, doubled on each repeat (default 1m, GitHub's minimum).
	SecondaryWait time.Duration
	// MaxWait is the longest single wait; a primary limit that resets
	// later fails the call instead (default 1h, one whole primary window).
	MaxWait time.Duration
}

// DefaultRetry is the policy zero fields take: 6 attempts, 5xx backoff
// from 1s to 1m, secondary waits from 1m, no wait over 1h.
func DefaultRetry() RetryPolicy {
	return RetryPolicy{Attempts: 6, Backoff: time.Second, MaxBackoff: time.Minute, SecondaryWait: time.Minute, MaxWait: time.Hour}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetry()
	if p.Attempts <= 0 {
		p.Attempts = d.Attempts
	}
	if p.Backoff <= 0 {
		p.Backoff = d.Backoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = d.MaxBackoff
	}
	if p.SecondaryWait <= 0 {
		p.SecondaryWait = d.SecondaryWait
	}
	if p.MaxWait <= 0 {
		p.MaxWait = d.MaxWait
	}
	return p
}

// RateLimitError is a limit whose wait exceeds RetryPolicy.MaxWait, or
// that outlasted every attempt.
type RateLimitError struct {
	Method, URL string
	Reason      string
	Wait        time.Duration // what GitHub asked for
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s %s: %s: would wait %s, more than allowed", e.Method, e.URL, e.Reason, e.Wait.Round(time.Second))
}

// newRateTransport stacks the GitHub policy on next: writes one at a time,
// spaced by interval and within the hourly budget (writeGate, outside), and
// the shared retry layer with GitHub's rate-limit classification (inside),
// each wait logged with its reason.
func newRateTransport(next http.RoundTripper, p RetryPolicy, interval time.Duration, perHour int, clock Clock, logger *slog.Logger) http.RoundTripper {
	retry := &transport.Retry{
		Next:     next,
		Attempts: p.Attempts,
		// 5xx and refused connections: Backoff doubled up to MaxBackoff, no jitter.
		Backoff: transport.Backoff{Base: p.Backoff, Factor: 2, Max: p.MaxBackoff},
		Policy:  rateLimitPolicy(p),
		// GitHub's writes are retried too: a limit or a 5xx answer means the
		// write was not done, and a refused connection sent nothing.
		Replay: func(*http.Request) bool { return true },
		Now:    clock.Now,
		Sleep:  clock.Sleep,
		OnWait: func(w transport.Wait) {
			logger.Warn("github: waiting", "method", w.Method, "url", redacted(w.Request), "wait", w.For.String(), "attempt", w.Attempt, "reason", w.Reason)
		},
		OnGiveUp: func(w transport.Wait) {
			// GitHub's own answer stays visible after the last attempt.
			logger.Warn("github: giving up", "method", w.Method, "url", redacted(w.Request), "attempts", w.Attempt, "reason", w.Reason)
		},
	}
	return &writeGate{next: retry, interval: interval, perHour: perHour, clock: clock, logger: logger}
}

// writeGate lets writes through one at a time, spaced by interval, at most
// perHour in any sliding hour. Reads pass straight through.
type writeGate struct {
	next     http.RoundTripper
	interval time.Duration
	clock    Clock
	logger   *slog.Logger

	writeMu   sync.Mutex // held for a whole write, retries included
	lastWrite time.Time
	// perHour caps the writes started in any sliding hour (0: no cap);
	// recent holds the start times of the last hour's writes, oldest first.
	perHour int
	recent  []time.Time
}

func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// redacted is the URL for logs and errors: no query (it may carry a signed
// download token) and no user info.
func redacted(req *http.Request) string {
	u := *req.URL
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	return u.String()
}

func (t *writeGate) RoundTrip(req *http.Request) (*http.Response, error) {
	if !isWrite(req.Method) {
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	if !t.lastWrite.IsZero() && t.interval > 0 {
		if d := t.lastWrite.Add(t.interval).Sub(t.clock.Now()); d > 0 {
			if err := t.clock.Sleep(ctx, d); err != nil {
				return nil, err
			}
		}
	}
	if err := t.hourlyBudget(req); err != nil {
		return nil, err
	}
	defer func() { t.lastWrite = t.clock.Now() }()
	return t.next.RoundTrip(req)
}

// hourlyBudget waits, with writeMu held, until one more write fits in the
// sliding hour, and records it.
func (t *writeGate) hourlyBudget(req *http.Request) error {
	if t.perHour <= 0 {
		return nil
	}
	now := t.clock.Now()
	drop := func() {
		i := 0
		for i < len(t.recent) && !t.recent[i].After(now.Add(-time.Hour)) {
			i++
		}
		t.recent = t.recent[i:]
	}
	drop()
	if len(t.recent) >= t.perHour {
		wait := t.recent[len(t.recent)-t.perHour].Add(time.Hour).Sub(now)
		t.logger.Info("github: waiting", "method", req.Method, "url", redacted(req), "wait", wait.String(),
			"reason", fmt.Sprintf("hourly write budget: %d writes started in the last hour, the most allowed", len(t.recent)))
		if err := t.clock.Sleep(req.Context(), wait); err != nil {
			return err
		}
		now = t.clock.Now()
		drop()
	}
	t.recent = append(t.recent, now)
	return nil
}

// rateLimitPolicy is GitHub's retry policy over the shared retry layer: a
// refused connection (it never reached GitHub: a proxy or the Enterprise
// host restarting) is retried as a 5xx is; a limit whose wait passes
// MaxWait ends the call with a *RateLimitError.
func rateLimitPolicy(p RetryPolicy) transport.Policy {
	return func(a transport.Attempt) transport.Decision {
		if a.Err != nil {
			if !errors.Is(a.Err, syscall.ECONNREFUSED) {
				return transport.Decision{}
			}
			return transport.Decision{Retry: true, Wait: a.Delay, Reason: "connection refused: backing off"}
		}
		wait, reason, isSecondary := classify(p, a.Response, a.Delay, a.Now, a.Repeats(classSecondary))
		if wait == 0 {
			return transport.Decision{}
		}
		if wait > p.MaxWait {
			return transport.Decision{Err: &RateLimitError{Method: a.Request.Method, URL: redacted(a.Request), Reason: reason, Wait: wait}}
		}
		d := transport.Decision{Retry: true, Wait: wait, Reason: reason}
		if isSecondary {
			d.Class = classSecondary
		}
		return d
	}
}

// classSecondary counts secondary limits: each repeat without retry-after
// waits twice as long.
const classSecondary = "secondary"

// classify says how long to wait before retrying resp (0: do not retry)
// and why; backoff is the shared layer's delay for a 5xx.
func classify(p RetryPolicy, resp *http.Response, backoff time.Duration, now time.Time, secondaries int) (time.Duration, string, bool) {
	code := resp.StatusCode
	retryAfter := func() (time.Duration, bool) {
		// delay-seconds or an HTTP-date (RFC 9110 §10.2.3); GitHub's
		// "Rate limits for the REST API" documents the seconds form.
		return transport.RetryAfter(resp.Header.Get("Retry-After"), now)
	}
	switch limitOf(resp) {
	case primaryLimit:
		reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64)
		if err != nil {
			return p.SecondaryWait, fmt.Sprintf("primary rate limit (%d, x-ratelimit-remaining 0, no usable x-ratelimit-reset)", code), false
		}
		at := time.Unix(reset, 0).UTC()
		// One second past the reset: GitHub's clock and ours differ.
		wait := at.Sub(now) + time.Second
		if wait < time.Second {
			wait = time.Second
		}
		return wait, fmt.Sprintf("primary rate limit (%d, x-ratelimit-remaining 0): resets at %s", code, at.Format(time.RFC3339)), false
	case secondaryLimit:
		what := fmt.Sprintf("secondary rate limit (%d)", code)
		if code == http.StatusTooManyRequests && !secondaryMessage(resp) {
			what = "429" // a rate limit whatever its message: treated as a secondary one
		}
		if d, ok := retryAfter(); ok {
			return max(d, time.Second), fmt.Sprintf("%s: retry-after %s", what, d), true
		}
		return min(p.SecondaryWait<<secondaries, p.MaxWait), what + ", no retry-after: backing off", true
	}
	if code >= 500 && code <= 599 && code != http.StatusNotImplemented {
		if d, ok := retryAfter(); ok {
			return max(d, time.Second), fmt.Sprintf("%d %s: retry-after %s", code, http.StatusText(code), d), false
		}
		return backoff, fmt.Sprintf("%d %s: backing off", code, http.StatusText(code)), false
	}
	return 0, "", false
}

// limit is what kind of rate limit an answer is.
type limit int

const (
	notLimited limit = iota
	primaryLimit
	secondaryLimit
)

// limitOf classes an answer as GitHub documents it ("Rate limits for the
// REST API"): a 403 or 429 with x-ratelimit-remaining 0 is the primary
// limit; one whose message says "secondary rate limit" is a secondary
// one, and so is any 429, whatever its message. A plain 403 is a
// permission problem, not a limit.
func limitOf(resp *http.Response) limit {
	code := resp.StatusCode
	switch {
	case code != http.StatusForbidden && code != http.StatusTooManyRequests:
		return notLimited
	case resp.Header.Get("X-Ratelimit-Remaining") == "0":
		return primaryLimit
	case code == http.StatusTooManyRequests || secondaryMessage(resp):
		return secondaryLimit
	}
	return notLimited
}

// RateLimited reports whether resp is one of GitHub's rate-limit answers,
// primary or secondary, as the client's retry policy classes it: the one
// the client waits on and retries (for counting them). It leaves the body
// readable.
func RateLimited(resp *http.Response) bool { return limitOf(resp) != notLimited }

// secondaryMessage: the answer's message names a secondary rate limit.
func secondaryMessage(resp *http.Response) bool {
	return strings.Contains(strings.ToLower(peekMessage(resp)), "secondary rate limit")
}

// peekMessage reads the "message" of a JSON error body and puts the body
// back for go-github to decode.
func peekMessage(resp *http.Response) string {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), resp.Body), resp.Body}
	var body struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &body) != nil {
		return string(data)
	}
	return body.Message
}
