package crawlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// BenchmarkCrawlSnapshot crawls a real archive snapshot built by
// ../shared/bench/make-mirror.sh DIR, served on loopback:
//
//	MATRIXGEN_MIRROR_DIR=DIR go test -run '^$' -bench CrawlSnapshot ./crawlers
//
// Each iteration is a cold crawl (no cache) of bookworm, trixie, jammy and
// noble with their pockets, amd64.
func BenchmarkCrawlSnapshot(b *testing.B) {
	dir := os.Getenv("MATRIXGEN_MIRROR_DIR")
	if dir == "" {
		b.Skip("MATRIXGEN_MIRROR_DIR not set (build one with ../shared/bench/make-mirror.sh)")
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	now := time.Now()
	if s := os.Getenv("MATRIXGEN_NOW"); s != "" {
		now, _ = time.Parse(time.RFC3339, s)
	}
	req := Request{
		Releases: []string{"bookworm", "trixie", "jammy", "noble"},
		Mirrors: map[string]string{
			"debian": srv.URL + "/debian", "debian-security": srv.URL + "/debian-security",
			"ubuntu": srv.URL + "/ubuntu", "ubuntu-security": srv.URL + "/ubuntu", "ubuntu-ports": srv.URL + "/empty",
		},
		Now: func() time.Time { return now },
	}
	for b.Loop() {
		rep, err := Run(context.Background(), fetch.New(fetch.Options{}), req)
		if err != nil || len(rep.Failures) > 0 {
			b.Fatalf("crawl: %v %v", err, rep.Failures)
		}
		b.ReportMetric(float64(len(rep.Kernels)), "kernels")
	}
}
