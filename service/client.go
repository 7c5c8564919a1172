package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/transport"
)

// This file is the client side of the API: what a node's loader
// (matrixgen request-build) uses to ask for its kernel's build.

// ParseOSRelease reads ID and VERSION_ID (os-release(5): KEY=VALUE, the
// value optionally quoted) and maps them to a distribution and version.
func ParseOSRelease(r io.Reader, name string) (distribution, version string, err error) {
	vals := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return "", "", fmt.Errorf("%s:%d: want KEY=VALUE, got %q", name, n, line)
		}
		if v != "" && (v[0] == '"' || v[0] == '\'') {
			if len(v) < 2 || v[len(v)-1] != v[0] {
				return "", "", fmt.Errorf("%s:%d: %s: unterminated quote", name, n, k)
			}
			v = v[1 : len(v)-1]
		}
		vals[k] = v
	}
	if err := sc.Err(); err != nil {
		return "", "", fmt.Errorf("%s: %w", name, err)
	}
	// os-release(5): ID and VERSION_ID hold lowercase letters, digits
	// and "._-" only (VERSION_ID may have capitals in the wild).
	for _, k := range append([]string{"ID"}, matrixgen.OSReleaseVersionKeys(vals["ID"])...) {
		if strings.IndexFunc(vals[k], func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
		}) >= 0 {
			return "", "", fmt.Errorf("%s: %s=%q: want letters, digits and . _ - only", name, k, vals[k])
		}
	}
	id := vals["ID"]
	// The distribution table maps the ID and trims VERSION_ID to the
	// version builds are per (9.4 → 9; CentOS Stream's 9 → stream9).
	// The table says which key holds the version (RHCOS:
	// OPENSHIFT_VERSION, then VERSION_ID).
	versionID := ""
	for _, k := range matrixgen.OSReleaseVersionKeys(id) {
		if versionID = vals[k]; versionID != "" {
			break
		}
	}
	distribution, version, ok := matrixgen.FromOSRelease(id, versionID)
	if !ok {
		return "", "", fmt.Errorf("%s: ID=%q is not a distribution matrixgen builds for (%s)", name, id, strings.Join(matrixgen.OSReleaseIDs(), ", "))
	}
	return distribution, version, nil
}

// Client talks to a build service.
type Client struct {
	Server string       // base URL, e.g. http://builds.internal:8080
	Token  string       // bearer token for POST, "" for none
	HTTP   *http.Client // nil: 30s timeout
	// Retry, when set, rides out a service that is down, restarting or
	// overloaded: refused connections, dropped connections, 5xx and 429
	// are retried with backoff until the context's deadline (Wait's
	// deadline for status polls). nil: one attempt per call.
	Retry *Retry
}

// Retry is the backoff of a Client, on the shared retry layer
// (internal/transport): Base doubled on each retry up to Max, with equal
// jitter (each pause is between half and all of that), except that an
// answer with Retry-After waits what the service asks. It retries until
// the call's deadline and gives up (a *transport.GaveUpError, naming the
// last failure) rather than sleep past it.
type Retry struct {
	Base, Max time.Duration // defaults 1s and 30s
	// Log gets one line per retry: what failed and how long the pause is.
	Log func(msg string)
	// Sleep waits d or until ctx is done (default: a timer); tests
	// replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// layer is r as a transport layer over next.
func (r *Retry) layer(next http.RoundTripper) http.RoundTripper {
	base, maxd := r.Base, r.Max
	if base <= 0 {
		base = time.Second
	}
	if maxd <= 0 {
		maxd = 30 * time.Second
	}
	return &transport.Retry{
		Next:     next,
		Attempts: math.MaxInt, // until the deadline
		// Equal jitter: replicas restarted together are not polled in step.
		Backoff:        transport.Backoff{Base: base, Factor: 2, Max: maxd, Jitter: 0.5},
		Policy:         servicePolicy,
		Sleep:          r.Sleep,
		StopAtDeadline: true,
		OnWait: func(w transport.Wait) {
			if r.Log != nil {
				r.Log(fmt.Sprintf("%s %s: %s; retrying in %s", w.Method, w.URL, w.Reason, w.For.Round(time.Millisecond)))
			}
		},
	}
}

// servicePolicy retries what may pass by itself: the service unreachable
// (refused, reset, timed out: down or restarting; a name that does not
// resolve yet, as while a node boots), 5xx other than 501, 408 and 429. A
// redirect, another 4xx, a malformed answer, and a failure no wait can
// mend (a certificate that does not verify, a scheme net/http lacks) are
// not retried.
func servicePolicy(a transport.Attempt) transport.Decision {
	if a.Err != nil {
		var dnsErr *net.DNSError
		if errors.Is(a.Err, context.Canceled) || !transport.Temporary(a.Err) && !errors.As(a.Err, &dnsErr) {
			return transport.Decision{}
		}
		return transport.Decision{Retry: true, Wait: a.Delay, Reason: a.Err.Error()}
	}
	if code := a.Response.StatusCode; !transport.TemporaryStatus(code) || code == http.StatusNotImplemented {
		return transport.Decision{}
	}
	wait := a.Delay
	if d, ok := transport.RetryAfter(a.Response.Header.Get("Retry-After"), a.Now); ok && d > 0 {
		wait = d
	}
	return transport.Decision{Retry: true, Wait: wait, Reason: a.Response.Status}
}

// RefusedError is the service refusing a request (400): the field and rule
// are in Message.
type RefusedError struct {
	Method, URL, Status, Message string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s %s: %s: %s", e.Method, e.URL, e.Status, e.Message)
}

// StatusError is any other error answer of the service.
type StatusError struct {
	Method, URL, Status string
	Code                int
	Message             string
	Location            string        // of a 3xx
	RetryAfter          time.Duration // of a 429 or 503; 0 when none
}

func (e *StatusError) Error() string {
	if e.Location != "" {
		return fmt.Sprintf("%s %s: %s to %s: not followed", e.Method, e.URL, e.Status, e.Location)
	}
	return fmt.Sprintf("%s %s: %s: %s", e.Method, e.URL, e.Status, e.Message)
}

// RedirectError is a redirect answered to a POST: never followed, so the
// request and its bearer token go to the server given and nowhere else.
type RedirectError struct {
	Method, URL, Status, Location string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s %s: answered %s to %s: a redirect on %s is not followed (the bearer token would go with it); give the service's own URL as --server", e.Method, e.URL, e.Status, e.Location, e.Method)
}

// errAnswer marks a 2xx answer that is not a build status.
var errAnswer = errors.New("not a build status")

// Submit asks for the build of req. POST /build is idempotent (one build
// per key), so with Retry it is sent again after any transient failure.
func (c *Client) Submit(ctx context.Context, req Request) (Status, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return Status{}, err
	}
	return c.call(ctx, "POST", "/build", body)
}

// Get is a build's status.
func (c *Client) Get(ctx context.Context, id string) (Status, error) {
	return c.call(ctx, "GET", "/status/"+url.PathEscape(id), nil)
}

// errWaitTimeout is Wait reaching its deadline before the build ended.
var errWaitTimeout = errors.New("deadline reached before the build ended")

// IsWaitTimeout says whether err is Wait giving up at its deadline.
func IsWaitTimeout(err error) bool { return errors.Is(err, errWaitTimeout) }

// Wait polls st's build until it ends (done, error, timed_out) or deadline
// passes, pausing backoff, doubling up to maxBackoff. onChange, when set,
// is called when the state changes. With c.Retry, a service that is
// unreachable or answers 5xx meanwhile (a restart) is polled again until
// the deadline. It returns the last status seen.
func (c *Client) Wait(ctx context.Context, st Status, deadline time.Time, backoff, maxBackoff time.Duration, onChange func(Status)) (Status, error) {
	pause := backoff
	for {
		switch st.Status {
		case StateDone, StateError, StateTimedOut:
			return st, nil
		}
		if time.Now().Add(pause).After(deadline) {
			return st, errWaitTimeout
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*2, maxBackoff)
		pctx, cancel := context.WithDeadline(ctx, deadline)
		next, err := c.Get(pctx, st.BuildID)
		cancel()
		var gu *transport.GaveUpError
		if errors.As(err, &gu) || err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return st, fmt.Errorf("%w (%v)", errWaitTimeout, err)
		}
		if err != nil {
			return st, err
		}
		if next.Status != st.Status && onChange != nil {
			onChange(next)
		}
		st = next
	}
}

// httpClient is c.HTTP (or the default) refusing to follow a redirect
// of a POST; with Retry, its timeout bounds each attempt and the retry
// layer sits on its transport.
func (c *Client) httpClient() *http.Client {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	cp := *hc
	if c.Retry != nil {
		next := cp.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		if cp.Timeout > 0 {
			next = &transport.Deadline{Next: next, After: cp.Timeout}
		}
		cp.Transport, cp.Timeout = c.Retry.layer(next), 0
	}
	next := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if first := via[0]; first.Method != http.MethodGet && first.Method != http.MethodHead {
			st := ""
			if req.Response != nil {
				st = req.Response.Status
			}
			return &RedirectError{Method: first.Method, URL: first.URL.String(), Status: st, Location: req.URL.String()}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cp
}

// call sends one request to the service; a 400 is a *RefusedError, any
// other error answer a *StatusError.
func (c *Client) call(ctx context.Context, method, path string, body []byte) (Status, error) {
	hc := c.httpClient()
	u := strings.TrimRight(c.Server, "/") + path
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return Status{}, fmt.Errorf("server URL: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == "POST" {
		transport.MarkIdempotent(req) // POST /build is idempotent: one build per key
	}
	if c.Token != "" && method == "POST" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := hc.Do(req)
	var re *RedirectError
	if errors.As(err, &re) {
		return Status{}, re
	}
	if err != nil {
		return Status{}, err // *url.Error: names the method and URL
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Status{}, &url.Error{Op: method, URL: u, Err: err}
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		_ = json.Unmarshal(raw, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(raw))
		}
		if resp.StatusCode == http.StatusBadRequest {
			return Status{}, &RefusedError{Method: method, URL: u, Status: resp.Status, Message: e.Error}
		}
		se := &StatusError{Method: method, URL: u, Status: resp.Status, Code: resp.StatusCode, Message: e.Error}
		if resp.StatusCode < 400 {
			se.Location = resp.Header.Get("Location")
		}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			se.RetryAfter, _ = transport.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return Status{}, se
	}
	var st Status
	if err := json.Unmarshal(raw, &st); err != nil {
		return Status{}, fmt.Errorf("%s %s: answer: %w: %w", method, u, errAnswer, err)
	}
	if st.BuildID == "" {
		return Status{}, fmt.Errorf("%s %s: answer holds no build_id: %w", method, u, errAnswer)
	}
	return st, nil
}

// CheckArtifactURL refuses an artifact_url that is not an absolute http(s)
// URL, or that holds whitespace or control characters: request-build
// prints it for a loader to download, and a line break in it would forge
// a second line of output.
func CheckArtifactURL(s string) error {
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }); i >= 0 {
		return fmt.Errorf("artifact_url %q: holds whitespace or a control character at byte %d", s, i)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("artifact_url %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("artifact_url %q: want an absolute http or https URL", s)
	}
	return nil
}
