package transport

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/sync/semaphore"
)

// Limit bounds requests in flight, per host:port and overall. A slot is
// held from before the request is sent until its body is closed, or until
// the attempt fails.
type Limit struct {
	next    http.RoundTripper
	global  *semaphore.Weighted
	perHost int64

	mu    sync.Mutex
	hosts map[string]*semaphore.Weighted
}

// NewLimit allows global requests in flight overall and perHost to one
// host:port.
func NewLimit(next http.RoundTripper, global, perHost int) *Limit {
	return &Limit{
		next:    next,
		global:  semaphore.NewWeighted(int64(max(global, 1))),
		perHost: int64(max(perHost, 1)),
		hosts:   make(map[string]*semaphore.Weighted),
	}
}

func (t *Limit) host(key string) *semaphore.Weighted {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.hosts[key]
	if !ok {
		s = semaphore.NewWeighted(t.perHost)
		t.hosts[key] = s
	}
	return s
}

func (t *Limit) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	host := t.host(HostKey(req.URL))
	// The host slot first: waiting for a busy host must not hold a global
	// slot that requests to other hosts could use.
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

// HostKey is host:port, the port filled in from the scheme, for limits and
// counters.
func HostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// UserAgent sets User-Agent on requests that have none.
type UserAgent struct {
	Next http.RoundTripper
	UA   string
}

func (t *UserAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context()) // a RoundTripper must not change its argument
		req.Header.Set("User-Agent", t.UA)
	}
	return t.Next.RoundTrip(req)
}

// Count calls Attempt for every request that reaches it: under a Retry,
// every attempt.
type Count struct {
	Next    http.RoundTripper
	Attempt func(*http.Request)
}

func (t *Count) RoundTrip(req *http.Request) (*http.Response, error) {
	t.Attempt(req)
	return t.Next.RoundTrip(req)
}

// Redact hides a password and query values that look like credentials,
// such as signed URLs, so that errors and logs can show the URL.
func Redact(u *url.URL) string {
	c := *u
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			lk := strings.ToLower(k)
			for _, s := range []string{"token", "sig", "key", "secret", "credential", "password", "auth"} {
				if strings.Contains(lk, s) {
					q[k] = []string{"REDACTED"}
					changed = true
					break
				}
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.Redacted()
}
