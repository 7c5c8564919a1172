package flatcar

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// testDistro is the configuration crawlers.Flatcar() holds (the config file
// is in package crawlers, which imports this one).
func testDistro() *Distribution {
	return &Distribution{
		ID: "flatcar", Kernels: "flatcar", MirrorKey: "flatcar",
		Defaults: map[string]string{"flatcar": "https://www.flatcar.org/releases-json"},
		Channels: []string{"stable", "beta", "alpha", "lts"},
		Others:   []string{"edge", "lts-2021"},
		DevContainer: func(channel, board, version string) string {
			return "https://" + channel + ".release.flatcar-linux.net/" + board + "/" + version + "/flatcar_developer_container.bin.bz2"
		},
	}
}

func serve(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(fixtures)))
	t.Cleanup(srv.Close)
	return srv
}

func plan(t *testing.T, srv *httptest.Server, releases []string, arches ...matrixgen.Arch) *source.Plan {
	t.Helper()
	p, err := testDistro().Plan(context.Background(), fetch.New(fetch.Options{Retries: -1}), source.PlanRequest{
		Releases: releases, Arches: arches, Mirrors: map[string]string{"flatcar": srv.URL},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantFound is the expected kernels of a channel file on an arch, from the
// independent reading: every release that lists the arch, as
// "<distro version> <uname -r> <header URL>".
func wantFound(t *testing.T, file string, arch matrixgen.Arch) []string {
	t.Helper()
	var out []string
	for _, r := range independent(t, readFixture(t, file)) {
		if slices.Contains(r.Arches, arch) {
			board := map[matrixgen.Arch]string{matrixgen.X86_64: "amd64-usr", matrixgen.AArch64: "arm64-usr"}[arch]
			out = append(out, fmt.Sprintf("%s %s-flatcar https://%s.release.flatcar-linux.net/%s/%s/flatcar_developer_container.bin.bz2", r.Version, r.Kernel, r.Channel, board, r.Version))
		}
	}
	slices.Sort(out)
	return out
}

func gotFound(j *job) []string {
	var out []string
	for _, f := range j.found() {
		out = append(out, f.DistroVersion+" "+f.Release+" "+f.Header)
	}
	slices.Sort(out)
	return out
}

func TestPlanAndCrawl(t *testing.T) {
	srv := serve(t)
	p := plan(t, srv, []string{"stable", "edge", "lts-2021"}, matrixgen.X86_64, matrixgen.AArch64, matrixgen.RISCV64)
	if len(p.Failures) != 0 || !slices.Equal(p.Matched, []string{"stable", "edge", "lts-2021"}) {
		t.Fatalf("failures %v, matched %v", p.Failures, p.Matched)
	}
	files := map[string]string{"stable": "releases-stable.json", "edge": "releases-edge.json", "lts-2021": "releases-lts-2021.json"}
	var jobs []string
	total := 0
	for _, sj := range p.Jobs {
		j := sj.(*job)
		info := j.Info()
		jobs = append(jobs, info.Release+"/"+string(info.Arch))
		if info.Distro != "flatcar" || info.Distribution != "flatcar" || info.DistroVersion != "" || info.Sources != 1 {
			t.Errorf("job info %+v", info)
		}
		if j.url != srv.URL+"/"+files[j.channel] {
			t.Errorf("%s: url %s", info, j.url)
		}
		got, want := gotFound(j), wantFound(t, files[j.channel], j.arch)
		if !slices.Equal(got, want) {
			t.Errorf("%s: found\n%s\nwant\n%s", info, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		total += len(got)
	}
	// riscv64: Flatcar ships none, so no job; lts-2021 ships amd64 only, so
	// its arm64 job finds nothing.
	wantJobs := []string{"stable/x86_64", "stable/aarch64", "edge/x86_64", "edge/aarch64", "lts-2021/x86_64", "lts-2021/aarch64"}
	if !slices.Equal(jobs, wantJobs) {
		t.Errorf("jobs %v, want %v", jobs, wantJobs)
	}
	// 7 + 6 stable, 27 + 6 edge, 21 + 0 LTS.
	if total != 67 {
		t.Errorf("%d kernels found, want 67", total)
	}
	// Two real examples, spelled out.
	for _, w := range []string{
		"4593.2.5 6.12.102-flatcar https://stable.release.flatcar-linux.net/arm64-usr/4593.2.5/flatcar_developer_container.bin.bz2",
		"2605.32.1 5.4.210-flatcar https://lts.release.flatcar-linux.net/amd64-usr/2605.32.1/flatcar_developer_container.bin.bz2",
	} {
		if !slices.ContainsFunc(p.Jobs, func(sj source.Job) bool { return slices.Contains(gotFound(sj.(*job)), w) }) {
			t.Errorf("no job found %q", w)
		}
	}

	// Crawl: each found kernel through the domain's constructor.
	for _, sj := range p.Jobs {
		j := sj.(*job)
		var events []source.Event
		res := j.Crawl(context.Background(), nil, func(e source.Event) { events = append(events, e) })
		if len(res.Sources) != 1 || res.Sources[0].URL != j.url || res.Sources[0].Err != nil || len(events) != 1 {
			t.Errorf("%s: sources %+v, events %+v", j.Info(), res.Sources, events)
		}
		want := gotFound(j)
		var got []string
		for _, k := range res.Kernels {
			if len(k.Headers) != 1 || k.Distribution != "flatcar" || k.Arch != j.arch || k.Source != j.url {
				t.Errorf("%s: kernel %+v", j.Info(), k)
			}
			got = append(got, k.DistroVersion+" "+k.Release+" "+k.Headers[0])
		}
		slices.Sort(got)
		if !slices.Equal(got, want) || len(res.Warnings) != 0 {
			t.Errorf("%s: kernels\n%s\nwant\n%s\nwarnings %v", j.Info(), strings.Join(got, "\n"), strings.Join(want, "\n"), res.Warnings)
		}
	}
}

// TestPlanFailures: a channel list that fails is a plan failure per arch,
// naming the file and URL, and covering every Flatcar version (the runner
// carries the arch's previous Flatcar kernels over); the other channels
// are still planned. The default channels are stable, beta, alpha, lts.
func TestPlanFailures(t *testing.T) {
	srv := serve(t)
	p := plan(t, srv, nil, matrixgen.X86_64, matrixgen.AArch64)
	var failed []string
	for _, f := range p.Failures {
		var he *fetch.HTTPError
		if !errors.As(f.Err, &he) || he.StatusCode != http.StatusNotFound || f.URL != srv.URL+"/"+f.Source || f.Job.DistroVersion != "" || f.Job.Distribution != "flatcar" {
			t.Errorf("failure %+v", f)
		}
		failed = append(failed, f.Job.Release+"/"+string(f.Job.Arch)+" "+f.Source)
	}
	want := []string{"beta/x86_64 releases-beta.json", "beta/aarch64 releases-beta.json", "alpha/x86_64 releases-alpha.json", "alpha/aarch64 releases-alpha.json", "lts/x86_64 releases-lts.json", "lts/aarch64 releases-lts.json"}
	if !slices.Equal(failed, want) {
		t.Errorf("failures %v, want %v", failed, want)
	}
	if len(p.Jobs) != 2 || p.Jobs[0].Info().Release != "stable" || len(p.Matched) != 0 {
		t.Errorf("jobs %d (%v), matched %v; want stable's two", len(p.Jobs), p.Jobs, p.Matched)
	}

	// A list that is not one fails the same way, naming the field.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"4593.2.5": {"channel": "stable", "architectures": ["amd64"], "major_software": {}}}`)
	}))
	defer bad.Close()
	p = plan(t, bad, []string{"stable"}, matrixgen.X86_64)
	var pe *ParseError
	if len(p.Failures) != 1 || !errors.As(p.Failures[0].Err, &pe) || pe.Field != "major_software.kernel" || pe.Name != bad.URL+"/releases-stable.json" || len(p.Jobs) != 0 {
		t.Errorf("failures %v, jobs %d", p.Failures, len(p.Jobs))
	}
}

// TestPlanDiscover: with --discover, a channel the configuration does not
// list is asked for by name: one whose list the host serves is discovered
// and planned, one it answers 404 for is not Flatcar's (no failure, not
// matched), and a name that is no file name is never asked for.
func TestPlanDiscover(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	files := http.FileServer(http.Dir(fixtures))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	d := testDistro()
	d.Channels, d.Others = []string{"stable"}, nil
	p, err := d.Plan(context.Background(), fetch.New(fetch.Options{Retries: -1}), source.PlanRequest{
		Releases: []string{"edge", "nightly", "../x", "Edge"}, Arches: []matrixgen.Arch{matrixgen.X86_64},
		Mirrors: map[string]string{"flatcar": srv.URL}, Options: source.Options{Discover: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Discovered, []string{"edge"}) || !slices.Equal(p.Matched, []string{"edge"}) || len(p.Failures) != 0 || len(p.Jobs) != 1 {
		t.Fatalf("discovered %v, matched %v, failures %v, %d jobs", p.Discovered, p.Matched, p.Failures, len(p.Jobs))
	}
	if got, want := gotFound(p.Jobs[0].(*job)), wantFound(t, "releases-edge.json", matrixgen.X86_64); !slices.Equal(got, want) {
		t.Errorf("found\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(asked, []string{"/releases-edge.json", "/releases-nightly.json"}) {
		t.Errorf("asked for %v", asked)
	}
}

func TestPlanChannels(t *testing.T) {
	d := testDistro()
	_, err := d.Plan(context.Background(), nil, source.PlanRequest{Releases: []string{"nightly"}, Arches: []matrixgen.Arch{matrixgen.X86_64}})
	var ue *matrixgen.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "flatcar/nightly") || !strings.Contains(err.Error(), "stable, beta, alpha, lts, edge, lts-2021") {
		t.Errorf("err = %v, want a usage error listing the channels", err)
	}
	// --discover passes open names to every distribution: not ours, not an error.
	p, err := d.Plan(context.Background(), nil, source.PlanRequest{Releases: []string{"nightly"}, Arches: []matrixgen.Arch{matrixgen.RISCV64}, Options: source.Options{Discover: true}})
	if err != nil || len(p.Matched) != 0 || len(p.Jobs) != 0 {
		t.Errorf("discover: %+v, %v", p, err)
	}
	// No arch Flatcar ships: nothing is fetched (the nil Fetcher would panic).
	if p, err := d.Plan(context.Background(), nil, source.PlanRequest{Arches: []matrixgen.Arch{matrixgen.RISCV64, matrixgen.AArch64_64k}}); err != nil || len(p.Jobs)+len(p.Failures) != 0 {
		t.Errorf("riscv64: %+v, %v", p, err)
	}
}
