package fetch

import "sync"

// Stats counts a Client's work. Hosts is keyed by host:port (the port filled in from the
// scheme when the URL has none).
type Stats struct {
	Requests    int64                `json:"requests"`     // HTTP attempts sent
	Bytes       int64                `json:"bytes"`        // raw body bytes received from the network, not from the cache
	NotModified int64                `json:"not_modified"` // 304 answers served from the cache
	Retries     int64                `json:"retries"`      // attempts after a failed one
	Failures    int64                `json:"failures"`     // Open/Get calls that ended in error, including while reading
	MemoHits    int64                `json:"memo_hits"`    // indices whose verified digest was unchanged: not fetched or parsed again
	Hosts       map[string]HostStats `json:"hosts"`
}

// HostStats is Stats for one host:port. Requests and Retries count against the host that
// was asked (after redirects); the other counters against the host of Request.URL.
type HostStats struct {
	Requests    int64 `json:"requests"`
	Bytes       int64 `json:"bytes"`
	NotModified int64 `json:"not_modified"`
	Retries     int64 `json:"retries"`
	Failures    int64 `json:"failures"`
}

func (s *HostStats) plus(d HostStats) {
	s.Requests += d.Requests
	s.Bytes += d.Bytes
	s.NotModified += d.NotModified
	s.Retries += d.Retries
	s.Failures += d.Failures
}

type statsRecorder struct {
	mu    sync.Mutex
	total HostStats
	memos int64
	hosts map[string]*HostStats
}

func (r *statsRecorder) memoHit() {
	r.mu.Lock()
	r.memos++
	r.mu.Unlock()
}

func newStatsRecorder() *statsRecorder {
	return &statsRecorder{hosts: make(map[string]*HostStats)}
}

func (r *statsRecorder) add(host string, d HostStats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total.plus(d)
	if host == "" {
		return // a URL too broken to name a host still counts in the totals
	}
	h, ok := r.hosts[host]
	if !ok {
		h = new(HostStats)
		r.hosts[host] = h
	}
	h.plus(d)
}

func (r *statsRecorder) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Stats{
		Requests:    r.total.Requests,
		Bytes:       r.total.Bytes,
		NotModified: r.total.NotModified,
		Retries:     r.total.Retries,
		Failures:    r.total.Failures,
		MemoHits:    r.memos,
		Hosts:       make(map[string]HostStats, len(r.hosts)),
	}
	for k, v := range r.hosts {
		s.Hosts[k] = *v
	}
	return s
}
