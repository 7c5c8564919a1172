package crawlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"github.com/matrixgen/matrixgen/crawlers/fcos"
	"github.com/matrixgen/matrixgen/crawlers/source"
	"github.com/matrixgen/matrixgen/falco"
	"github.com/matrixgen/matrixgen/schemas"
)

// fleetServer serves fixtures/ (flatcar/ and fedora-coreos/ are laid out as
// their hosts serve them); paths in gone answer 404.
func fleetServer(t *testing.T, gone ...string) *httptest.Server {
	t.Helper()
	files := http.FileServer(http.Dir("../fixtures"))
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if slices.Contains(gone, r.URL.Path) {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFleetJSONConfigs(t *testing.T) {
	fl, fc := distros.Flatcar(), distros.FedoraCoreOS()
	if got := fl.Mirrors(); !maps.Equal(got, map[string]string{"flatcar": "https://www.flatcar.org/releases-json"}) {
		t.Errorf("flatcar mirrors %v", got)
	}
	if got := fc.Mirrors(); !maps.Equal(got, map[string]string{"fedora-coreos": "https://builds.coreos.fedoraproject.org", "koji-fedora-files": "https://kojipkgs.fedoraproject.org"}) {
		t.Errorf("fedora-coreos mirrors %v", got)
	}
	if fl.Name() != "flatcar" || !slices.Equal(fl.Releases(), []string{"stable", "beta", "alpha", "lts"}) {
		t.Errorf("flatcar %s %v", fl.Name(), fl.Releases())
	}
	if fc.Name() != "fedora-coreos" || !slices.Equal(fc.Releases(), []string{"stable", "testing", "next"}) || fc.Newest != 10 || fc.Kernels != matrixgen.Fedora {
		t.Errorf("fedora-coreos %s %v newest %d kernels %s", fc.Name(), fc.Releases(), fc.Newest, fc.Kernels)
	}
	// The header URLs a crawl emits are the real hosts' (fixtures only
	// stand in for the list hosts).
	if u := fl.DevContainer("stable", "arm64-usr", "4593.2.5"); u != "https://stable.release.flatcar-linux.net/arm64-usr/4593.2.5/flatcar_developer_container.bin.bz2" {
		t.Errorf("developer container %s", u)
	}
}

// fcosKernels lists a crawl's kernels as "<arch> <distro version> <release>
// <stream>/<build>" (or "carried"), checking each one's fields.
func fcosKernels(t *testing.T, rep *Report, base string) []string {
	t.Helper()
	var out []string
	for _, k := range rep.Kernels {
		if k.CarriedOver {
			out = append(out, fmt.Sprintf("%s %s %s carried", k.Arch, k.DistroVersion, k.Release))
			continue
		}
		v, r, _ := strings.Cut(strings.TrimSuffix(k.Release, "."+string(k.Arch)), "-")
		wantHeader := fmt.Sprintf("https://kojipkgs.fedoraproject.org/packages/kernel/%s/%s/%s/kernel-devel-%s.rpm", v, r, k.Arch, k.Release)
		if k.Distribution != "fedora" || k.Origin != fcos.Origin || !slices.Equal(k.Headers, []string{wantHeader}) {
			t.Errorf("kernel %+v: want fedora, origin fedora-coreos, headers [%s]", k, wantHeader)
		}
		// Source is the commitmeta.json of the first build that ships it:
		// streams in the order asked, each newest first.
		rest, ok := strings.CutPrefix(k.Source, base+"/prod/streams/")
		ship, _, _ := strings.Cut(strings.TrimSuffix(rest, "/"+string(k.Arch)+"/commitmeta.json"), "/builds/")
		if !ok {
			t.Errorf("%s: source %s", k.Release, k.Source)
		}
		_, build, _ := strings.Cut(rest, "/builds/")
		build, _, _ = strings.Cut(build, "/")
		// The kernel names them too (crawl output's stream and build).
		if k.Stream != ship || k.Build != build {
			t.Errorf("%s %s: stream %q build %q, its source names %s/%s", k.Arch, k.Release, k.Stream, k.Build, ship, build)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s/%s", k.Arch, k.DistroVersion, k.Release, ship, build))
	}
	return out
}

// TestCrawlFedoraCoreOS: the three default streams' builds give exactly
// the five Fedora kernels they boot on each arch, each once, under Fedora
// 43 or 44 (from .fcNN), marked fedora-coreos, with Koji's kernel-devel and
// the build that ships it; the output is valid crawl output.
func TestCrawlFedoraCoreOS(t *testing.T) {
	srv := fleetServer(t)
	base := srv.URL + "/fedora-coreos"
	rep, err := Run(context.Background(), testClient(), Request{
		Table: []source.Distribution{distros.FedoraCoreOS()}, Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64},
		Mirrors: map[string]string{"fedora-coreos": base},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 0 || len(rep.Warnings) != 0 || rep.Sources != 20 || rep.CarriedOver != 0 {
		t.Fatalf("failures %v, warnings %v, %d sources, %d carried over", rep.Failures, rep.Warnings, rep.Sources, rep.CarriedOver)
	}
	var want []string
	for _, a := range []string{"aarch64", "x86_64"} {
		want = append(want,
			a+" 43 6.17.12-300.fc43."+a+" stable/43.20260105.3.0",
			a+" 43 6.19.12-200.fc43."+a+" stable/43.20260413.3.2",
			a+" 44 7.0.7-200.fc44."+a+" next/44.20260426.1.1",
			a+" 44 7.0.8-200.fc44."+a+" stable/44.20260621.3.1",
			a+" 44 7.1.3-200.fc44."+a+" stable/44.20260707.3.1",
		)
	}
	if got := fcosKernels(t, rep, base); !slices.Equal(got, want) {
		t.Errorf("kernels\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range rep.Counts {
		if c.Kernels != 5 || c.Sources != 10 || c.Failures != 0 {
			t.Errorf("count %+v, want 5 kernels from 10 sources", c)
		}
	}
	data, err := falco.Marshal(rep.Kernels)
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate(schemas.Crawl, data); err != nil {
		t.Errorf("crawl output is not valid crawl output: %v\n%.600s", err, data)
	}
	if !strings.Contains(string(data), `"source": "fedora-coreos",
      "stream": "stable",
      "build": "44.20260707.3.1"`) {
		t.Errorf("output does not say fedora-coreos:\n%.600s", data)
	}
}

// TestCrawlFedoraCoreOSBuilds: --fcos-builds bounds the builds read per stream.
func TestCrawlFedoraCoreOSBuilds(t *testing.T) {
	srv := fleetServer(t)
	base := srv.URL + "/fedora-coreos"
	rep, err := Run(context.Background(), testClient(), Request{
		Table: []source.Distribution{distros.FedoraCoreOS()}, Arches: []matrixgen.Arch{matrixgen.X86_64},
		Mirrors: map[string]string{"fedora-coreos": base}, FCOSBuilds: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"x86_64 44 7.0.7-200.fc44.x86_64 next/44.20260426.1.1",
		"x86_64 44 7.0.8-200.fc44.x86_64 stable/44.20260621.3.1",
		"x86_64 44 7.1.3-200.fc44.x86_64 stable/44.20260707.3.1",
	}
	if got := fcosKernels(t, rep, base); !slices.Equal(got, want) || rep.Sources != 6 {
		t.Errorf("%d sources, kernels\n%s\nwant\n%s", rep.Sources, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCrawlFedoraCoreOSFailures: a build whose commitmeta.json fails and a
// stream whose builds.json fails are named, the rest is crawled, and the
// previous crawl's kernels they cover are carried over: the failed build's
// Fedora version on its arch, every Fedora kernel on the failed stream's.
func TestCrawlFedoraCoreOSFailures(t *testing.T) {
	failedBuild := "/fedora-coreos/" + fcos.CommitMetaPath("stable", "43.20260413.3.2", "x86_64")
	failedStream := "/fedora-coreos/" + fcos.BuildsPath("next")
	srv := fleetServer(t, failedBuild, failedStream)
	base := srv.URL + "/fedora-coreos"
	previous := []matrixgen.Kernel{
		{Distribution: "fedora", DistroVersion: "43", Arch: matrixgen.X86_64, Release: "6.19.12-200.fc43.x86_64", Headers: []string{"https://kojipkgs.fedoraproject.org/packages/kernel/6.19.12/200.fc43/x86_64/kernel-devel-6.19.12-200.fc43.x86_64.rpm"}, Origin: fcos.Origin},
		{Distribution: "fedora", DistroVersion: "44", Arch: matrixgen.AArch64, Release: "7.0.7-200.fc44.aarch64", Headers: []string{"https://kojipkgs.fedoraproject.org/packages/kernel/7.0.7/200.fc44/aarch64/kernel-devel-7.0.7-200.fc44.aarch64.rpm"}, Origin: fcos.Origin},
	}
	rep, err := Run(context.Background(), testClient(), Request{
		Table: []source.Distribution{distros.FedoraCoreOS()}, Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64},
		Mirrors: map[string]string{"fedora-coreos": base}, Previous: previous,
	})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range rep.Failures {
		failed = append(failed, fmt.Sprintf("%s %s %s", f.Job.Release, f.Job.Arch, strings.TrimPrefix(f.URL, srv.URL)))
	}
	slices.Sort(failed)
	wantFailed := []string{
		"next aarch64 " + failedStream,
		"next x86_64 " + failedStream,
		"stable/43.20260413.3.2 x86_64 " + failedBuild,
	}
	if !slices.Equal(failed, wantFailed) {
		t.Errorf("failures\n%s\nwant\n%s", strings.Join(failed, "\n"), strings.Join(wantFailed, "\n"))
	}
	want := []string{
		"aarch64 43 6.17.12-300.fc43.aarch64 stable/43.20260105.3.0",
		"aarch64 43 6.19.12-200.fc43.aarch64 stable/43.20260413.3.2",
		"aarch64 44 7.0.7-200.fc44.aarch64 carried",
		"aarch64 44 7.0.8-200.fc44.aarch64 stable/44.20260621.3.1",
		"aarch64 44 7.1.3-200.fc44.aarch64 stable/44.20260707.3.1",
		"x86_64 43 6.17.12-300.fc43.x86_64 stable/43.20260105.3.0",
		"x86_64 43 6.19.12-200.fc43.x86_64 carried",
		"x86_64 44 7.0.8-200.fc44.x86_64 stable/44.20260621.3.1",
		"x86_64 44 7.1.3-200.fc44.x86_64 stable/44.20260707.3.1",
	}
	if got := fcosKernels(t, rep, base); !slices.Equal(got, want) || rep.CarriedOver != 2 {
		t.Errorf("%d carried over, kernels\n%s\nwant\n%s", rep.CarriedOver, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// flatcarFixture reads a fixture release list independently of
// crawlers/flatcar: every release as "<arch> <release> <uname -r> <header>",
// on each arch it lists (amd64, arm64).
func flatcarFixture(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../fixtures/flatcar/releases-json", file))
	if err != nil {
		t.Fatal(err)
	}
	var list map[string]struct {
		Channel       string   `json:"channel"`
		Architectures []string `json:"architectures"`
		MajorSoftware struct {
			Kernel []string `json:"kernel"`
		} `json:"major_software"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	var out []string
	for version, r := range list {
		if strings.HasPrefix(version, "current") {
			continue // the newest release again
		}
		for _, a := range r.Architectures {
			arch, board := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[a], a+"-usr"
			out = append(out, fmt.Sprintf("%s %s %s-flatcar https://%s.release.flatcar-linux.net/%s/%s/flatcar_developer_container.bin.bz2",
				arch, version, r.MajorSoftware.Kernel[0], r.Channel, board, version))
		}
	}
	return out
}

// TestCrawlFlatcar: the channels asked for, through the runner, give
// exactly the fixture lists' releases on each arch they list: the Flatcar
// release as distro version, <kernel>-flatcar as release, the release's
// developer container as header source, and nothing else.
func TestCrawlFlatcar(t *testing.T) {
	srv := fleetServer(t)
	rep, err := Run(context.Background(), testClient(), Request{
		Table: []source.Distribution{distros.Flatcar()}, Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64},
		Releases: []string{"flatcar/stable", "flatcar/edge", "flatcar/lts-2021"},
		Mirrors:  map[string]string{"flatcar": srv.URL + "/flatcar/releases-json"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 0 || len(rep.Warnings) != 0 || rep.Sources != 6 {
		t.Fatalf("failures %v, warnings %v, %d sources", rep.Failures, rep.Warnings, rep.Sources)
	}
	var want []string
	for _, f := range []string{"releases-stable.json", "releases-edge.json", "releases-lts-2021.json"} {
		want = append(want, flatcarFixture(t, f)...)
	}
	slices.Sort(want)
	// 7 + 6 stable, 27 + 6 edge, 21 LTS (amd64 only).
	if len(want) != 67 {
		t.Fatalf("the fixtures list %d kernels, want 67", len(want))
	}
	var got []string
	for _, k := range rep.Kernels {
		if k.Distribution != "flatcar" || k.Flavor != "" || k.Origin != "" || len(k.Headers) != 1 {
			t.Errorf("kernel %+v", k)
			continue
		}
		got = append(got, fmt.Sprintf("%s %s %s %s", k.Arch, k.DistroVersion, k.Release, k.Headers[0]))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("kernels\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Real pairs, as a node prints them (uname -r) and the release list says.
	for _, w := range []string{"x86_64 4593.2.5 6.12.102-flatcar", "aarch64 4593.2.0 6.12.81-flatcar", "x86_64 1688.5.3 4.14.32-flatcar"} {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w+" ") }) {
			t.Errorf("no kernel %s", w)
		}
	}
}

// TestCrawlFleetDiscover: with --discover, a channel or stream the
// configurations do not list is asked for by name and crawled when the host
// has it (named in the report as discovered); a name neither host has is
// still a usage error.
func TestCrawlFleetDiscover(t *testing.T) {
	srv := fleetServer(t)
	fl, fc := distros.Flatcar(), distros.FedoraCoreOS()
	fl.Others = nil // as if edge were a channel the configuration does not know yet
	fc.Streams, fc.Others = []string{"stable"}, nil
	mirrors := map[string]string{"flatcar": srv.URL + "/flatcar/releases-json", "fedora-coreos": srv.URL + "/fedora-coreos"}
	rep, err := Run(context.Background(), testClient(), Request{
		Table: []source.Distribution{fl, fc}, Arches: []matrixgen.Arch{matrixgen.X86_64},
		Releases: []string{"edge", "fedora-coreos/next"}, Discover: true, Mirrors: mirrors, FCOSBuilds: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Discovered, []string{"flatcar/edge", "fedora-coreos/next"}) || len(rep.Failures) != 0 {
		t.Fatalf("discovered %v, failures %v", rep.Discovered, rep.Failures)
	}
	per := map[string]int{}
	for _, k := range rep.Kernels {
		per[k.Distribution]++
	}
	// edge: 27 amd64 releases; next's newest build boots 7.1.3.
	if per["flatcar"] != 27 || per["fedora"] != 1 {
		t.Errorf("kernels per distribution %v, want 27 flatcar and 1 fedora", per)
	}
	_, err = Run(context.Background(), testClient(), Request{
		Table: []source.Distribution{fl, fc}, Arches: []matrixgen.Arch{matrixgen.X86_64},
		Releases: []string{"nightly"}, Discover: true, Mirrors: mirrors,
	})
	var ue *matrixgen.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "nightly") {
		t.Errorf("nightly: %v, want a usage error naming it", err)
	}
}

// TestDedupeFedoraCoreOS: a kernel Fedora's updates repository and Fedora
// CoreOS builds both carry is one kernel, marked fedora-coreos with the
// stream and build of the first build that ships it, with both header
// sources.
func TestDedupeFedoraCoreOS(t *testing.T) {
	k, err := matrixgen.Make(matrixgen.Spec{Target: "fedora", Arch: matrixgen.X86_64, Release: "7.1.3-200.fc44.x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	repo, stable, next := k, k, k
	repo.Headers = []string{"https://dl.fedoraproject.org/pub/fedora/linux/updates/44/Everything/x86_64/Packages/k/kernel-devel-7.1.3-200.fc44.x86_64.rpm"}
	koji := "https://kojipkgs.fedoraproject.org/packages/kernel/7.1.3/200.fc44/x86_64/kernel-devel-7.1.3-200.fc44.x86_64.rpm"
	stable.Headers, stable.Origin, stable.Stream, stable.Build = []string{koji}, matrixgen.OriginFedoraCoreOS, "stable", "44.20260707.3.1"
	next.Headers, next.Origin, next.Stream, next.Build = []string{koji}, matrixgen.OriginFedoraCoreOS, "next", "44.20260802.1.1"
	rep := &Report{Kernels: []matrixgen.Kernel{repo, stable, next}}
	out := dedupe(rep, make([]*Count, 3))
	if len(out) != 1 {
		t.Fatalf("%d kernels: %+v", len(out), out)
	}
	got := out[0]
	if got.Origin != matrixgen.OriginFedoraCoreOS || got.Stream != "stable" || got.Build != "44.20260707.3.1" || !slices.Equal(got.Headers, []string{repo.Headers[0], koji}) {
		t.Errorf("kernel %+v", got)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}
