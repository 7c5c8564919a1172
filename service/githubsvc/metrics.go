package githubsvc

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/matrixgen/matrixgen/github"
)

// countingTransport counts every HTTP attempt to GitHub, retries and
// rate-limited answers included: Serve gives it to the GitHub client as its
// innermost transport and to the service's collectors. A rate-limited
// answer is one github.RateLimited classes so (a primary or secondary
// limit, as GitHub documents them): the one the client waits on and
// retries, so each counts as one wait.
type countingTransport struct {
	next      http.RoundTripper // default http.DefaultTransport
	requests  *prometheus.CounterVec
	rateLimit prometheus.Counter
}

// newCountingTransport returns a counting transport over next.
func newCountingTransport(next http.RoundTripper) *countingTransport {
	if next == nil {
		next = http.DefaultTransport
	}
	return &countingTransport{
		next: next,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "matrixgen_github_http_requests_total", Help: "HTTP attempts to the GitHub API by method and status code (0: no answer).",
		}, []string{"method", "code"}),
		rateLimit: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "matrixgen_github_rate_limit_waits_total", Help: "GitHub answers that were a primary or secondary rate limit, each followed by a wait.",
		}),
	}
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	code := 0
	if resp != nil {
		code = resp.StatusCode
		if github.RateLimited(resp) {
			t.rateLimit.Inc()
		}
	}
	t.requests.WithLabelValues(req.Method, strconv.Itoa(code)).Inc()
	return resp, err
}

// Describe and Collect make it a prometheus.Collector.
func (t *countingTransport) Describe(ch chan<- *prometheus.Desc) {
	t.requests.Describe(ch)
	t.rateLimit.Describe(ch)
}

func (t *countingTransport) Collect(ch chan<- prometheus.Metric) {
	t.requests.Collect(ch)
	t.rateLimit.Collect(ch)
}
