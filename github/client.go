package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	gh "github.com/google/go-github/v93/github"

	"github.com/matrixgen/matrixgen/internal/secret"
)

// DefaultURL is the API of github.com; GitHub Enterprise Server serves it
// at https://HOST/api/v3/.
const DefaultURL = "https://api.github.com/"

// Clock is the time source and the sleeper of every wait, injected so
// tests run rate-limit waits in no time.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, whichever is first.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Options configure a Client. The zero value talks to github.com with no
// token, real time and the defaults below.
type Options struct {
	// BaseURL is the API root (default DefaultURL; GitHub Enterprise:
	// https://HOST/api/v3/).
	BaseURL string
	// Token is sent as "Authorization: Bearer" to BaseURL's host only.
	Token string
	// Transport is the innermost RoundTripper (default http.DefaultTransport).
	Transport http.RoundTripper
	// Timeout bounds each HTTP attempt, reading the body included
	// (default 30s). Rate-limit waits are outside it.
	Timeout time.Duration
	// WriteInterval is the pause between two writes (POST, PATCH, PUT,
	// DELETE), which are sent one at a time. Default 0; GitHub asks for 1s
	// between bulk writes ("Best practices for using the REST API").
	WriteInterval time.Duration
	// Retry bounds retries; zero fields take DefaultRetry's.
	Retry RetryPolicy
	// Logger gets one line per wait, with its reason (default: discard).
	Logger *slog.Logger
	// Clock defaults to real time.
	Clock Clock
}

// Client is a GitHub REST client with matrixgen's rate-limit policy.
type Client struct {
	gh       *gh.Client
	clock    Clock
	logger   *slog.Logger
	hasToken bool
}

// New builds a Client. The transport chain, inner to outer: the caller's
// transport, a per-attempt timeout, the token (own host only), the
// rate-limit and retry policy with serialised writes.
func New(opts Options) (*Client, error) {
	base := opts.BaseURL
	if base == "" {
		base = DefaultURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("github url %q: want http(s)://host/[path/]", opts.BaseURL)
	}
	if strings.ContainsAny(opts.Token, "\r\n ") {
		// Never echo the token: name the problem only.
		return nil, errors.New("github token: contains whitespace or a line break")
	}
	clock := opts.Clock
	if clock == nil {
		clock = realClock{}
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	inner := opts.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	var rt http.RoundTripper = &timeoutTransport{next: inner, timeout: timeout}
	if opts.Token != "" {
		rt = &authTransport{next: rt, token: opts.Token, host: u.Host, scheme: u.Scheme}
	}
	rt = newRateTransport(rt, opts.Retry.withDefaults(), opts.WriteInterval, clock, logger)
	c, err := gh.NewClient(gh.WithTransport(rt), gh.WithURLs(&base, &base), gh.WithDisableRateLimitCheck(), gh.WithUserAgent("matrixgen"))
	if err != nil {
		return nil, fmt.Errorf("github client: %w", err)
	}
	return &Client{gh: c, clock: clock, logger: logger, hasToken: opts.Token != ""}, nil
}

// API is the underlying go-github client, for calls this package does not wrap.
func (c *Client) API() *gh.Client { return c.gh }

// TokenFrom picks the token: the file's first line when file is set (a
// file that is unreadable or empty is an error), else $GITHUB_TOKEN.
// Neither the token nor any part of it appears in an error.
func TokenFrom(file string, getenv func(string) string) (string, error) {
	if file != "" {
		return secret.Read("--github-token-file", file)
	}
	return strings.TrimSpace(getenv("GITHUB_TOKEN")), nil
}

// authTransport attaches the token to requests for the API's own scheme
// and host. A redirect elsewhere (release asset downloads go to a storage
// host) passes through here again as a new request and gets no token.
type authTransport struct {
	next         http.RoundTripper
	token        string
	host, scheme string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.host || req.URL.Scheme != t.scheme {
		if req.Header.Get("Authorization") == "" {
			return t.next.RoundTrip(req)
		}
		req = req.Clone(req.Context())
		req.Header.Del("Authorization")
		return t.next.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(req)
}

// timeoutTransport bounds one attempt, from sending to closing the body.
type timeoutTransport struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (t *timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
