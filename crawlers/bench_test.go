package crawlers

import (
	"context"
	"github.com/matrixgen/matrixgen/crawlers/distros"
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
// or by ../fixtures/make-mirror-snapshot.py from the recorded fixtures (offline; signed
// with its own key: MATRIXGEN_MIRROR_KEYRING=DIR/keyring.gpg). Either holds bookworm,
// trixie, jammy and noble with their pockets, amd64:
//   - cold: each iteration starts with an empty cache directory;
//   - warm: each iteration reuses the cache of a crawl of the same,
//     unchanged mirror: InRelease answers 304, and every Packages index its
//     signed digest lists is taken from the memo, neither fetched nor parsed.
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
	req := Request{Table: distros.All(),
		Releases: []string{"bookworm", "trixie", "jammy", "noble"},
		Mirrors: map[string]string{
			"debian": srv.URL + "/debian", "debian-security": srv.URL + "/debian-security",
			"ubuntu": srv.URL + "/ubuntu", "ubuntu-security": srv.URL + "/ubuntu", "ubuntu-ports": srv.URL + "/empty",
		},
		Now: func() time.Time { return now },
	}
	if k := os.Getenv("MATRIXGEN_MIRROR_KEYRING"); k != "" {
		req.KeyringFiles = []string{k}
	}
	crawl := func(b *testing.B, cache string) *Report {
		rep, err := Run(context.Background(), fetch.New(fetch.Options{CacheDir: cache}), req)
		if err != nil || len(rep.Failures) > 0 {
			b.Fatalf("crawl: %v %v", err, rep.Failures)
		}
		return rep
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			rep := crawl(b, b.TempDir())
			b.ReportMetric(float64(len(rep.Kernels)), "kernels")
		}
	})
	b.Run("warm", func(b *testing.B) {
		cache := b.TempDir()
		first := crawl(b, cache)
		for b.Loop() {
			rep := crawl(b, cache)
			if len(rep.Kernels) != len(first.Kernels) || rep.Reused != rep.Sources {
				b.Fatalf("warm crawl: %d kernels (cold %d), %d of %d sources reused", len(rep.Kernels), len(first.Kernels), rep.Reused, rep.Sources)
			}
			b.ReportMetric(float64(len(rep.Kernels)), "kernels")
		}
	})
}
