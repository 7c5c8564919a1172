package crawlers

import (
	"context"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"os"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// TestLive crawls the real mirrors of every distribution of distros.All()
// with their default releases and arches.
// It never runs in `make test`:
//
//	MATRIXGEN_LIVE=1 go test -run TestLive -v ./crawlers
//
// Mirrors can be overridden with MATRIXGEN_MIRROR_<KEY> (KEY upper-cased,
// "-" as "_"), e.g. MATRIXGEN_MIRROR_DEBIAN=https://deb.example/debian.
func TestLive(t *testing.T) {
	if os.Getenv("MATRIXGEN_LIVE") != "1" {
		t.Skip("set MATRIXGEN_LIVE=1 to crawl the real mirrors")
	}
	mirrors := map[string]string{}
	for _, k := range MirrorKeys(distros.All()) {
		if v := os.Getenv("MATRIXGEN_MIRROR_" + envKey(k)); v != "" {
			mirrors[k] = v
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	client := fetch.New(fetch.Options{})
	start := time.Now()
	rep, err := Run(ctx, client, Request{Table: distros.All(), Mirrors: mirrors})
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, k := range rep.Kernels {
		per[k.Distribution+"/"+k.DistroVersion]++
	}
	s := client.Stats()
	t.Logf("%d kernels %v; %d sources, %d failed; %d requests, %d bytes, %d retries; %s",
		len(rep.Kernels), per, rep.Sources, len(rep.Failures), s.Requests, s.Bytes, s.Retries, time.Since(start).Round(time.Second))
	for _, f := range rep.Failures {
		t.Errorf("source failed: %v", f)
	}
	for _, w := range rep.Warnings {
		t.Log("warning:", w)
	}
	// Every distribution × arch asked for found kernels.
	for _, c := range rep.Counts {
		if c.Kernels == 0 {
			t.Errorf("%s %s: no kernels", c.Distro, c.Arch)
		}
	}
}

func envKey(k string) string {
	b := []byte(k)
	for i, c := range b {
		switch {
		case c == '-':
			b[i] = '_'
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
