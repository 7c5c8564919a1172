package service

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	requests        *prometheus.CounterVec
	dedupeHits      prometheus.Counter
	dispatchLatency prometheus.Histogram
	buildDuration   *prometheus.HistogramVec
	ghRequests      *prometheus.CounterVec
}

// newMetrics registers the service's metrics on reg (one registry per
// Service, so tests can run several). Labels are low-cardinality: route
// and code, GitHub operation and outcome, build state; never a kernel.
func newMetrics(reg *prometheus.Registry, s *Service) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "matrixgen_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		dedupeHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "matrixgen_build_dedupe_hits_total", Help: "POST /build requests answered with an existing build of the same key.",
		}),
		dispatchLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "matrixgen_dispatch_latency_seconds", Help: "Time from a build's request to its workflow dispatch.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		buildDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "matrixgen_build_duration_seconds", Help: "Time from dispatch to the build's end, by final state.",
			Buckets: []float64{30, 60, 120, 300, 600, 900, 1800, 3600},
		}, []string{"state"}),
		ghRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "matrixgen_github_requests_total", Help: "Calls to GitHub by operation and outcome (ok, error, rate_limited).",
		}, []string{"op", "outcome"}),
	}
	reg.MustRegister(m.requests, m.dedupeHits, m.dispatchLatency, m.buildDuration, m.ghRequests,
		&stateCollector{s: s}, collectors.NewGoCollector())
	return m
}

var buildsDesc = prometheus.NewDesc("matrixgen_builds", "Build records by state.", []string{"state"}, nil)

// stateCollector counts build records by state at scrape time: the
// database, shared by every replica, is the truth.
type stateCollector struct{ s *Service }

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- buildsDesc }
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.s.be.countByState(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(buildsDesc, err)
		return
	}
	for _, st := range []string{StateQueued, StateInProgress, StateDone, StateError, StateTimedOut} {
		ch <- prometheus.MustNewConstMetric(buildsDesc, prometheus.GaugeValue, float64(counts[st]), st)
	}
}
