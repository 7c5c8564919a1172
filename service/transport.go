package service

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// GitHubTransport counts every HTTP attempt to GitHub, retries and
// rate-limited answers included: give it to the GitHub client as its
// innermost transport and to Config.Collectors. A rate-limited answer is
// a 403 or 429 with x-ratelimit-remaining: 0 or a retry-after header (what
// GitHub documents for primary and secondary limits); the client above
// waits and retries, so each counts as one wait.
type GitHubTransport struct {
	Next      http.RoundTripper // default http.DefaultTransport
	requests  *prometheus.CounterVec
	rateLimit prometheus.Counter
}

// NewGitHubTransport returns a counting transport over next.
func NewGitHubTransport(next http.RoundTripper) *GitHubTransport {
	if next == nil {
		next = http.DefaultTransport
	}
	return &GitHubTransport{
		Next: next,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "matrixgen_github_http_requests_total", Help: "HTTP attempts to the GitHub API by method and status code (0: no answer).",
		}, []string{"method", "code"}),
		rateLimit: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "matrixgen_github_rate_limit_waits_total", Help: "GitHub answers that were a primary or secondary rate limit, each followed by a wait.",
		}),
	}
}

func (t *GitHubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Next.RoundTrip(req)
	code := 0
	if resp != nil {
		code = resp.StatusCode
		if (code == http.StatusForbidden || code == http.StatusTooManyRequests) &&
			(resp.Header.Get("X-Ratelimit-Remaining") == "0" || resp.Header.Get("Retry-After") != "") {
			t.rateLimit.Inc()
		}
	}
	t.requests.WithLabelValues(req.Method, strconv.Itoa(code)).Inc()
	return resp, err
}

// Describe and Collect make it a prometheus.Collector.
func (t *GitHubTransport) Describe(ch chan<- *prometheus.Desc) {
	t.requests.Describe(ch)
	t.rateLimit.Describe(ch)
}

func (t *GitHubTransport) Collect(ch chan<- prometheus.Metric) {
	t.requests.Collect(ch)
	t.rateLimit.Collect(ch)
}
