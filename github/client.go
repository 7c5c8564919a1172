package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	gh "github.com/google/go-github/v93/github"

	"github.com/matrixgen/matrixgen/internal/transport"

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
	return transport.Sleep(ctx, d)
}

// Options configure a Client. The zero value talks to github.com with no
// token, real time and the defaults below.
type Options struct {
	// BaseURL is the API root (default DefaultURL; GitHub Enterprise:
	// https://HOST/api/v3/).
	BaseURL string
	// UploadURL is where release assets are uploaded (default: derived
	// from BaseURL by UploadURLFor).
	UploadURL string
	// Token is sent as "Authorization: Bearer" to the hosts of BaseURL and
	// UploadURL only.
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
	// WritesPerHour caps the writes sent in any sliding hour (default 0:
	// no cap). GitHub's secondary limits allow "no more than 500
	// content-generating requests per hour" ("Rate limits for the REST
	// API", "About secondary rate limits"); WriteInterval alone cannot keep
	// under that without slowing every small run.
	WritesPerHour int
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
	timeout  time.Duration // per attempt (Options.Timeout)
	hasToken bool
}

// New builds a Client. The transport chain, inner to outer: the caller's
// transport, a per-attempt timeout, the token (own hosts only), the
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
	upload := opts.UploadURL
	if upload == "" {
		upload = UploadURLFor(base)
	}
	if !strings.HasSuffix(upload, "/") {
		upload += "/"
	}
	up, err := url.Parse(upload)
	if err != nil || (up.Scheme != "http" && up.Scheme != "https") || up.Host == "" {
		return nil, fmt.Errorf("github upload url %q: want http(s)://host/[path/]", upload)
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
	// A deadline per attempt, from sending to closing the body.
	var rt http.RoundTripper = &transport.Deadline{Next: inner, After: timeout}
	if opts.Token != "" {
		rt = &authTransport{next: rt, token: opts.Token, hosts: []hostKey{{u.Scheme, u.Host}, {up.Scheme, up.Host}}}
	}
	rate := newRateTransport(rt, opts.Retry.withDefaults(), opts.WriteInterval, max(opts.WritesPerHour, 0), clock, logger)
	c, err := gh.NewClient(gh.WithTransport(rate), gh.WithURLs(&base, &upload), gh.WithDisableRateLimitCheck(), gh.WithUserAgent("matrixgen"))
	if err != nil {
		return nil, fmt.Errorf("github client: %w", err)
	}
	return &Client{gh: c, clock: clock, logger: logger, timeout: timeout, hasToken: opts.Token != ""}, nil
}

// UploadURLFor is the upload root that goes with the API root base:
// "https://api.github.com/" uploads to "https://uploads.github.com/" (the
// upload_url of every release names that host: "Create a release" in
// GitHub's REST docs); a host named api.X (GitHub Enterprise Cloud with
// data residency, api.SUBDOMAIN.ghe.com) uploads to uploads.X; GitHub
// Enterprise Server serves its API at https://HOST/api/v3/ and uploads at
// https://HOST/api/uploads/ (go-github's WithEnterpriseURLs makes the same
// pair). Any other root gets "api/uploads/" appended, as on a Server whose
// API root was given without /api/v3/.
func UploadURLFor(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	switch {
	case strings.HasPrefix(u.Host, "api."):
		u.Host = "uploads." + strings.TrimPrefix(u.Host, "api.")
	case strings.HasSuffix(u.Path, "/api/v3/"):
		u.Path = strings.TrimSuffix(u.Path, "v3/") + "uploads/"
	default:
		u.Path += "api/uploads/"
	}
	u.RawPath = ""
	return u.String()
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

// authTransport attaches the token to requests for the API's and the
// upload root's own scheme and host. A redirect elsewhere (release asset
// downloads go to a storage host) passes through here again as a new
// request and gets no token.
type authTransport struct {
	next  http.RoundTripper
	token string
	hosts []hostKey
}

type hostKey struct{ scheme, host string }

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !slices.Contains(t.hosts, hostKey{req.URL.Scheme, req.URL.Host}) {
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

// withAttemptTimeout gives the requests made with ctx d per attempt when
// d is longer than the client's timeout (an upload, whose body takes as
// long to send as it is big).
func withAttemptTimeout(ctx context.Context, d time.Duration) context.Context {
	return transport.WithDeadline(ctx, d)
}
