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

// rateTransport applies the policy: waits and retries for rate limits, 5xx
// and refused connections, each wait logged with its reason; writes one at a time, spaced by
// interval.
type rateTransport struct {
	next     http.RoundTripper
	policy   RetryPolicy
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

func newRateTransport(next http.RoundTripper, p RetryPolicy, interval time.Duration, clock Clock, logger *slog.Logger) *rateTransport {
	return &rateTransport{next: next, policy: p, interval: interval, clock: clock, logger: logger}
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

func (t *rateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if isWrite(req.Method) {
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
	}
	secondary := 0
	for attempt := 1; ; attempt++ {
		if attempt > 1 && req.Body != nil && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(ctx)
			req.Body = body
		}
		resp, err := t.next.RoundTrip(req)
		if err != nil {
			// A refused connection never reached GitHub (a proxy or the
			// Enterprise host restarting): retried as a 5xx is, writes
			// included, since nothing was sent.
			if !errors.Is(err, syscall.ECONNREFUSED) || attempt >= t.policy.Attempts {
				return nil, err
			}
			wait := min(t.policy.Backoff<<(attempt-1), t.policy.MaxBackoff)
			t.logger.Warn("github: waiting", "method", req.Method, "url", redacted(req), "wait", wait.String(), "attempt", attempt, "reason", "connection refused: backing off")
			if err := t.clock.Sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		wait, reason, isSecondary := t.classify(resp, attempt, secondary)
		if wait == 0 {
			return resp, nil
		}
		if isSecondary {
			secondary++
		}
		if wait > t.policy.MaxWait {
			resp.Body.Close()
			return nil, &RateLimitError{Method: req.Method, URL: redacted(req), Reason: reason, Wait: wait}
		}
		if attempt >= t.policy.Attempts {
			// Keep GitHub's own answer visible after the last attempt.
			t.logger.Warn("github: giving up", "method", req.Method, "url", redacted(req), "attempts", attempt, "reason", reason)
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		t.logger.Warn("github: waiting", "method", req.Method, "url", redacted(req), "wait", wait.String(), "attempt", attempt, "reason", reason)
		if err := t.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// hourlyBudget waits, with writeMu held, until one more write fits in the
// sliding hour, and records it.
func (t *rateTransport) hourlyBudget(req *http.Request) error {
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

// classify says how long to wait before retrying resp (0: do not retry)
// and why.
func (t *rateTransport) classify(resp *http.Response, attempt, secondaries int) (time.Duration, string, bool) {
	code := resp.StatusCode
	retryAfter := func() (time.Duration, bool) {
		s := resp.Header.Get("Retry-After")
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if s == "" || err != nil || n < 0 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	switch {
	case code == http.StatusForbidden || code == http.StatusTooManyRequests:
		if resp.Header.Get("X-Ratelimit-Remaining") == "0" {
			reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64)
			if err != nil {
				return t.policy.SecondaryWait, fmt.Sprintf("primary rate limit (%d, x-ratelimit-remaining 0, no usable x-ratelimit-reset)", code), false
			}
			at := time.Unix(reset, 0).UTC()
			// One second past the reset: GitHub's clock and ours differ.
			wait := at.Sub(t.clock.Now()) + time.Second
			if wait < time.Second {
				wait = time.Second
			}
			return wait, fmt.Sprintf("primary rate limit (%d, x-ratelimit-remaining 0): resets at %s", code, at.Format(time.RFC3339)), false
		}
		msg := peekMessage(resp)
		if strings.Contains(strings.ToLower(msg), "secondary rate limit") {
			if d, ok := retryAfter(); ok {
				return max(d, time.Second), fmt.Sprintf("secondary rate limit (%d): retry-after %s", code, d), true
			}
			wait := min(t.policy.SecondaryWait<<secondaries, t.policy.MaxWait)
			return wait, fmt.Sprintf("secondary rate limit (%d), no retry-after: backing off", code), true
		}
		if code == http.StatusTooManyRequests {
			// 429 is a rate limit whatever its message: treat it as a
			// secondary one.
			if d, ok := retryAfter(); ok {
				return max(d, time.Second), fmt.Sprintf("429: retry-after %s", d), true
			}
			return min(t.policy.SecondaryWait<<secondaries, t.policy.MaxWait), "429, no retry-after: backing off", true
		}
		// A plain 403 is a permission problem: retrying cannot help.
		return 0, "", false
	case code >= 500 && code <= 599 && code != http.StatusNotImplemented:
		if d, ok := retryAfter(); ok {
			return max(d, time.Second), fmt.Sprintf("%d %s: retry-after %s", code, http.StatusText(code), d), false
		}
		wait := min(t.policy.Backoff<<(attempt-1), t.policy.MaxBackoff)
		return wait, fmt.Sprintf("%d %s: backing off", code, http.StatusText(code)), false
	}
	return 0, "", false
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
