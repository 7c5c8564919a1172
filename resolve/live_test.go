package resolve

import (
	"context"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// TestLive resolves, with --verify, one current Fedora kernel (one the default crawl finds
// on the mirrors today: answered by the repo link) and one aged out of
// every mirror (4.19.16-200.fc28, on Fedora Koji's archive volume: answered by Koji). It
// never runs in `make test`:
//
//	MATRIXGEN_LIVE=1 go test -run TestLive -v ./resolve
func TestLive(t *testing.T) {
	if os.Getenv("MATRIXGEN_LIVE") != "1" {
		t.Skip("set MATRIXGEN_LIVE=1 to ask the real mirrors and Koji")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	f := fetch.New(fetch.Options{})
	rep, err := crawlers.Run(ctx, f, crawlers.Request{Table: distros.All(), Distros: []string{"fedora"}, Arches: []matrixgen.Arch{matrixgen.X86_64}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Kernels) == 0 {
		t.Fatalf("the Fedora crawl found no kernel: %v", rep.Failures)
	}
	current := rep.Kernels[len(rep.Kernels)-1].Release // any kernel the mirrors carry today
	tests := []struct {
		release, link, urlHas string
	}{
		{current, LinkRepo, current},
		{"4.19.16-200.fc28.x86_64", LinkKoji, "/vol/"},
	}
	for _, tc := range tests {
		res, err := Resolve(ctx, f, distros.All(), Request{Target: "fedora", Release: tc.release, Arch: matrixgen.X86_64, Verify: true, LinkTimeout: 5 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Found() || *res.Link != tc.link || !res.Verified || len(res.URLs) == 0 || !strings.Contains(res.URLs[0], tc.urlHas) {
			t.Errorf("%s: %+v, want verified by %s with a URL containing %q", tc.release, res, tc.link, tc.urlHas)
		}
		t.Logf("%s: %s %s %v (tried %d)", tc.release, *res.Link, res.Source, res.URLs, len(res.Tried))
	}
}
