package githubsvc

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/matrixgen/matrixgen/github/githubtest"
)

// answer is a RoundTripper that answers every request with one canned
// response: no listener, nothing dialled.
type answer struct {
	code   int
	header http.Header
	body   string
}

func (a answer) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.code, Header: a.header, Body: io.NopCloser(strings.NewReader(a.body)), Request: req}, nil
}

// TestCountingTransportRateLimits: the rate-limit counter counts what the
// GitHub client waits on and retries (github.RateLimited, GitHub's "Rate
// limits for the REST API" rules), no more and no less: a secondary limit
// without retry-after and a bare 429 are waits too; a 403 whose message
// names no limit is a permission problem, never retried, whatever its
// headers. Every answer is counted by method and code, and its body stays
// readable for go-github.
func TestCountingTransportRateLimits(t *testing.T) {
	fault := func(f githubtest.Fault) answer { return answer{f.Status, f.Header, f.Body} }
	tests := []struct {
		name    string
		ans     answer
		limited bool
	}{
		{"primary limit", fault(githubtest.PrimaryLimit(time.Unix(1700000000, 0))), true},
		{"secondary 403 with retry-after", fault(githubtest.SecondaryLimit(403, 60)), true},
		{"secondary 403 without retry-after", fault(githubtest.SecondaryLimit(403, 0)), true},
		{"secondary 429 without retry-after", fault(githubtest.SecondaryLimit(429, 0)), true},
		{"bare 429", answer{429, http.Header{}, `{"message":"Too Many Requests"}`}, true},
		{"403 permission, retry-after sent", answer{403, http.Header{"Retry-After": {"60"}}, `{"message":"Resource not accessible by integration"}`}, false},
		{"403 permission", answer{403, http.Header{}, `{"message":"Must have admin rights to Repository."}`}, false},
		{"502", fault(githubtest.BadGateway()), false},
		{"200", answer{200, http.Header{}, `{}`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := newCountingTransport(tt.ans)
			req, _ := http.NewRequest(http.MethodPost, "https://api.github.invalid/repos/acme/drivers/actions/workflows/b.yml/dispatches", nil)
			resp, err := ct.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if string(body) != tt.ans.body {
				t.Errorf("body %q after counting, want %q", body, tt.ans.body)
			}
			want := 0.0
			if tt.limited {
				want = 1
			}
			if got := value(t, ct.rateLimit); got != want {
				t.Errorf("rate-limit waits %v, want %v", got, want)
			}
			if got := value(t, ct.requests.WithLabelValues("POST", strconv.Itoa(tt.ans.code))); got != 1 {
				t.Errorf("requests{POST,%d} %v, want 1", tt.ans.code, got)
			}
		})
	}
}

// value is a counter's value, as /metrics would show it.
func value(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 || len(mfs[0].GetMetric()) != 1 {
		t.Fatalf("gather: %v %v", mfs, err)
	}
	return mfs[0].GetMetric()[0].GetCounter().GetValue()
}
