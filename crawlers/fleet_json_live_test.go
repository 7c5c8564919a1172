package crawlers

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"github.com/matrixgen/matrixgen/crawlers/fcos"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// TestLiveFlatcar and TestLiveFedoraCoreOS crawl the real hosts of the two
// JSON-sourced distributions with their default channels / streams and
// arches. They never run in `make test`:
//
//	MATRIXGEN_LIVE=1 go test -run 'TestLiveFlatcar|TestLiveFedoraCoreOS' -v ./crawlers
//
// (mirrors overridable as in TestLive, MATRIXGEN_MIRROR_FLATCAR, ...).
func TestLiveFlatcar(t *testing.T) {
	rep := liveCrawl(t, distros.Flatcar())
	if len(rep.Kernels) < 100 || len(rep.Warnings) > 0 {
		t.Errorf("%d kernels, warnings %v: the four channels list hundreds of releases, each a kernel", len(rep.Kernels), rep.Warnings)
	}
	for _, k := range rep.Kernels {
		if !strings.HasSuffix(k.Release, "-flatcar") || len(k.Headers) != 1 || !strings.HasSuffix(k.Headers[0], "/flatcar_developer_container.bin.bz2") {
			t.Errorf("kernel %+v", k)
		}
	}
}

func TestLiveFedoraCoreOS(t *testing.T) {
	rep := liveCrawl(t, distros.FedoraCoreOS())
	for _, c := range rep.Counts {
		if c.Kernels == 0 {
			t.Errorf("%s %s: no kernels", c.Distro, c.Arch)
		}
	}
	for _, k := range rep.Kernels {
		if k.Distribution != matrixgen.Fedora || k.Origin != fcos.Origin || !strings.Contains(k.Release, ".fc") || len(k.Headers) != 1 {
			t.Errorf("kernel %+v", k)
		}
	}
}

func liveCrawl(t *testing.T, d source.Distribution) *Report {
	t.Helper()
	if os.Getenv("MATRIXGEN_LIVE") != "1" {
		t.Skip("set MATRIXGEN_LIVE=1 to crawl the real hosts")
	}
	table := []source.Distribution{d}
	mirrors := map[string]string{}
	for _, k := range MirrorKeys(table) {
		if v := os.Getenv("MATRIXGEN_MIRROR_" + envKey(k)); v != "" {
			mirrors[k] = v
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	client := fetch.New(fetch.Options{})
	rep, err := Run(ctx, client, Request{Table: table, Mirrors: mirrors, Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}})
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, k := range rep.Kernels {
		per[string(k.Arch)+"/"+k.DistroVersion]++
	}
	s := client.Stats()
	t.Logf("%s: %d kernels %v; %d sources, %d failed; %d requests, %d bytes", d.Name(), len(rep.Kernels), per, rep.Sources, len(rep.Failures), s.Requests, s.Bytes)
	for _, f := range rep.Failures {
		t.Errorf("source failed: %v", f)
	}
	return rep
}
