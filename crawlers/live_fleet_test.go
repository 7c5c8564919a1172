package crawlers

import (
	"context"
	"maps"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/crawlers/distros"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// TestLiveFleet crawls the real default mirrors of the cloud-fleet rpm-md distributions
// (Azure Linux and CBL-Mariner, Photon OS, openSUSE Leap/SLES, Alibaba Cloud Linux): every
// repository of every default release on x86_64 and aarch64, each of which must answer and
// hold at least one kernel. It reads the repositories with each distribution's own
// configuration, at the format level: until their distribution table entries land (see
// FLEET-TABLE.md) the domain refuses their kernels, and TestLive, which crawls All(), does
// not include them. It never runs in `make test`:
//
//	MATRIXGEN_LIVE=1 go test -run TestLiveFleet -v ./crawlers
//
// Mirrors can be overridden as for TestLive: MATRIXGEN_MIRROR_<KEY>, e.g.
// MATRIXGEN_MIRROR_PHOTON=https://packages-prod.broadcom.com/photon.
// liveFleetRelease is the shape each release's kernels must have (FLEET-TABLE.md's version
// rules): a mapping rule gone wrong on the real metadata shows here.
var liveFleetRelease = map[string]*regexp.Regexp{
	"azurelinux 3.0": regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+-[0-9]+\.azl3$`),
	"azurelinux 2.0": regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+-[0-9]+\.cm2$`),
	"photon 5.0":     regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+\.ph5(-(esx|rt|aws|secure))?$`),
	"photon 4.0":     regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+\.ph4(-(esx|rt|aws|secure))?$`),
	"opensuse 15.6":  regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-150600(\.[0-9]+)+-(default|azure|rt|64kb)$`),
	"opensuse 15.5":  regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-150500(\.[0-9]+)+-(default|azure|rt|64kb)$`),
	"alinux 3":       regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-[0-9.]+\.al8\.(x86_64|aarch64)$`),
}

func TestLiveFleet(t *testing.T) {
	if os.Getenv("MATRIXGEN_LIVE") != "1" {
		t.Skip("set MATRIXGEN_LIVE=1 to crawl the real mirrors")
	}
	for _, d := range []*rpm.Distribution{distros.AzureLinux(), distros.Photon(), distros.OpenSUSE(), distros.Alinux()} {
		t.Run(d.ID, func(t *testing.T) {
			mirrors := maps.Clone(d.Defaults)
			for k := range mirrors {
				if v := os.Getenv("MATRIXGEN_MIRROR_" + envKey(k)); v != "" {
					mirrors[k] = v
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			defer cancel()
			client := fetch.New(fetch.Options{})
			defer client.CloseIdleConnections()
			for _, rel := range d.Table {
				for _, a := range d.Arches {
					n := 0
					for _, ref := range d.Repos(rpm.Rel{Name: rel}, string(a)) {
						base := mirrors[ref.MirrorKey] + "/" + ref.Path
						res, err := rpm.CrawlRepo(ctx, client, rpm.Repo{Base: base, Arch: a, Distribution: d.Kernels, Packages: d.Packages, Hosts: []string{mirrors[ref.MirrorKey]}})
						if err != nil {
							t.Errorf("%s %s %s: %v", rel, a, ref.Name, err)
							continue
						}
						for _, w := range res.Warnings {
							t.Logf("%s %s %s: warning: %s", rel, a, ref.Name, w)
						}
						for _, k := range res.Kernels {
							t.Logf("%s %s %s: %s %v", rel, a, ref.Name, k.Release, k.Headers)
							if re := liveFleetRelease[d.ID+" "+rel]; !re.MatchString(k.Release) {
								t.Errorf("%s %s %s: kernel %s does not match %s", rel, a, ref.Name, k.Release, re)
							}
						}
						n += len(res.Kernels)
					}
					if n == 0 {
						t.Errorf("%s %s: no kernels", rel, a)
					}
				}
			}
		})
	}
}
