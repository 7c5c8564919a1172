package crawlers

import (
	"context"
	"maps"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

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

// TestLiveFleet crawls the real default mirrors of each cloud-fleet rpm-md distribution
// (Azure Linux and CBL-Mariner, Photon OS, openSUSE Leap/SLES, Alibaba Cloud Linux) as
// `crawl --distro NAME --arch x86_64,aarch64` does: no source may fail, every
// default release must hold kernels on both arches, each with a header URL and the shape of
// its release (FLEET-TABLE.md's version rules), and none may be refused by the domain. It
// never runs in `make test`:
//
//	MATRIXGEN_LIVE=1 go test -run TestLiveFleet -v ./crawlers
//
// Mirrors can be overridden as for TestLive: MATRIXGEN_MIRROR_<KEY>, e.g.
// MATRIXGEN_MIRROR_PHOTON=https://packages-prod.broadcom.com/photon.
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
			arches := []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}
			rep, err := Run(ctx, client, Request{Table: distros.All(), Distros: []string{d.ID}, Arches: arches, Mirrors: mirrors})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Failures {
				t.Errorf("source failed: %v", f)
			}
			for _, w := range rep.Warnings {
				t.Logf("warning: %s", w)
				if strings.Contains(w, "refused") {
					t.Errorf("a kernel the domain refuses: the uname -r rule or the table is wrong: %s", w)
				}
			}
			per := map[string]int{}
			for _, k := range rep.Kernels {
				per[k.DistroVersion+" "+string(k.Arch)]++
				t.Logf("%s %s %s %v", k.DistroVersion, k.Arch, k.Release, k.Headers)
				if re := liveFleetRelease[d.ID+" "+k.DistroVersion]; re == nil || !re.MatchString(k.Release) {
					t.Errorf("%s %s: kernel %s does not match %v", k.DistroVersion, k.Arch, k.Release, re)
				}
				if len(k.Headers) == 0 {
					t.Errorf("%s %s: kernel %s has no header URL", k.DistroVersion, k.Arch, k.Release)
				}
			}
			for _, rel := range d.Table {
				for _, a := range arches {
					if per[rel+" "+string(a)] == 0 { // each one's releases are its versions
						t.Errorf("%s %s: no kernels", rel, a)
					}
				}
			}
		})
	}
}
