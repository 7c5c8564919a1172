package fcos

import (
	"context"
	"errors"
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

// testDistro is the configuration crawlers.FedoraCoreOS() holds (the
// config file is in package crawlers, which imports this one).
func testDistro() *Distribution {
	return &Distribution{
		ID: "fedora-coreos", Kernels: matrixgen.Fedora, MirrorKey: "fedora-coreos", HeadersKey: "koji-fedora-files",
		Streams: []string{"stable", "testing", "next"}, Others: []string{"rawhide"},
		Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64},
	}
}

// server serves the fixtures, counting requests per path; paths in gone
// answer 404.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
	gone map[string]bool
}

func serve(t *testing.T, gone ...string) *server {
	t.Helper()
	s := &server{hits: map[string]int{}, gone: map[string]bool{}}
	for _, g := range gone {
		s.gone["/"+g] = true
	}
	files := http.FileServer(http.Dir(fixtures))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		gone := s.gone[r.URL.Path]
		s.mu.Unlock()
		if gone {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) plan(t *testing.T, d *Distribution, releases []string, builds int, arches ...matrixgen.Arch) *source.Plan {
	t.Helper()
	p, err := d.Plan(context.Background(), fetch.New(fetch.Options{Retries: -1}), source.PlanRequest{
		Releases: releases, Arches: arches,
		Mirrors: map[string]string{"fedora-coreos": s.URL, "koji-fedora-files": "https://kojipkgs.fedoraproject.org"},
		Options: source.Options{FCOSBuilds: builds},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func releases(p *source.Plan) []string {
	var out []string
	for _, j := range p.Jobs {
		out = append(out, j.Info().Release+" "+string(j.Info().Arch)+" "+j.Info().DistroVersion)
	}
	return out
}

func TestPlan(t *testing.T) {
	s := serve(t)
	p := s.plan(t, testDistro(), nil, 0, matrixgen.X86_64, matrixgen.RISCV64)
	want := []string{
		"stable/44.20260707.3.1 x86_64 44", "stable/44.20260621.3.1 x86_64 44", "stable/44.20260607.3.1 x86_64 44",
		"stable/43.20260413.3.2 x86_64 43", "stable/43.20260105.3.0 x86_64 43",
		"testing/44.20260720.2.1 x86_64 44", "testing/44.20260707.2.1 x86_64 44", "testing/44.20260621.2.1 x86_64 44",
		"next/44.20260802.1.1 x86_64 44", "next/44.20260426.1.1 x86_64 44",
	}
	if got := releases(p); !slices.Equal(got, want) || len(p.Failures) != 0 || len(p.Matched) != 0 {
		t.Errorf("jobs\n%s\nwant\n%s\nfailures %v", strings.Join(got, "\n"), strings.Join(want, "\n"), p.Failures)
	}
	for _, j := range p.Jobs {
		if j.Info().Distro != "fedora-coreos" || j.Info().Distribution != "fedora" || j.Info().Sources != 1 {
			t.Errorf("job info %+v", j.Info())
		}
	}

	// --fcos-builds 2: the two newest of each stream, nothing older read.
	s = serve(t)
	p = s.plan(t, testDistro(), []string{"stable", "next"}, 2, matrixgen.AArch64)
	want = []string{"stable/44.20260707.3.1 aarch64 44", "stable/44.20260621.3.1 aarch64 44", "next/44.20260802.1.1 aarch64 44", "next/44.20260426.1.1 aarch64 44"}
	if got := releases(p); !slices.Equal(got, want) || !slices.Equal(p.Matched, []string{"stable", "next"}) {
		t.Errorf("jobs %v, matched %v; want %v", got, p.Matched, want)
	}
	if s.hits["/"+BuildsPath("testing")] != 0 {
		t.Error("testing's builds.json read though not asked for")
	}
	// The configuration's Newest when the request says nothing.
	d := testDistro()
	d.Newest = 1
	if got := releases(s.plan(t, d, []string{"testing"}, 0, matrixgen.X86_64)); !slices.Equal(got, []string{"testing/44.20260720.2.1 x86_64 44"}) {
		t.Errorf("Newest 1: %v", got)
	}
}

// A build without the arch is skipped on it, not failed.
func TestPlanBuildArches(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"schema-version": "1.0.0", "builds": [{"id": "44.20260707.3.1", "arches": ["x86_64", "aarch64"]}, {"id": "44.20260621.3.1", "arches": ["x86_64"]}]}`))
	}))
	defer srv.Close()
	s := &server{Server: srv}
	got := releases(s.plan(t, testDistro(), []string{"stable"}, 0, matrixgen.X86_64, matrixgen.AArch64))
	want := []string{"stable/44.20260707.3.1 x86_64 44", "stable/44.20260707.3.1 aarch64 44", "stable/44.20260621.3.1 x86_64 44"}
	if !slices.Equal(got, want) {
		t.Errorf("jobs %v, want %v", got, want)
	}
}

// A stream's builds.json that fails is a plan failure per arch, naming it,
// with no distro version (it covers every Fedora kernel the stream may
// have shipped); the other streams are planned.
func TestPlanFailure(t *testing.T) {
	s := serve(t, BuildsPath("testing"))
	p := s.plan(t, testDistro(), nil, 1, matrixgen.X86_64, matrixgen.AArch64)
	var failed []string
	for _, f := range p.Failures {
		var he *fetch.HTTPError
		if !errors.As(f.Err, &he) || he.StatusCode != http.StatusNotFound || f.URL != s.URL+"/"+BuildsPath("testing") || f.Job.DistroVersion != "" || f.Job.Distribution != "fedora" {
			t.Errorf("failure %+v", f)
		}
		failed = append(failed, f.Job.Release+" "+string(f.Job.Arch))
	}
	if !slices.Equal(failed, []string{"testing x86_64", "testing aarch64"}) {
		t.Errorf("failures %v", failed)
	}
	want := []string{"stable/44.20260707.3.1 x86_64 44", "stable/44.20260707.3.1 aarch64 44", "next/44.20260802.1.1 x86_64 44", "next/44.20260802.1.1 aarch64 44"}
	if got := releases(p); !slices.Equal(got, want) {
		t.Errorf("jobs %v, want %v", got, want)
	}
}

func TestPlanStreams(t *testing.T) {
	d := testDistro()
	_, err := d.Plan(context.Background(), nil, source.PlanRequest{Releases: []string{"stabel"}, Arches: []matrixgen.Arch{matrixgen.X86_64}})
	var ue *matrixgen.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "fedora-coreos/stabel") || !strings.Contains(err.Error(), "stable, testing, next, rawhide") {
		t.Errorf("err = %v, want a usage error listing the streams", err)
	}
	// No arch it crawls: nothing fetched (the nil Fetcher would panic).
	if p, err := d.Plan(context.Background(), nil, source.PlanRequest{Arches: []matrixgen.Arch{matrixgen.AArch64_64k}}); err != nil || len(p.Jobs)+len(p.Failures) != 0 {
		t.Errorf("aarch64+64k: %+v, %v", p, err)
	}
}

// TestPlanDiscover: with --discover, a stream the configuration does not
// list is asked for by name: one whose builds.json the host serves is
// discovered and planned, one it answers 404 for is not this
// distribution's (no failure, not matched), and a name that is no path
// segment is never asked for.
func TestPlanDiscover(t *testing.T) {
	s := serve(t)
	d := testDistro()
	d.Streams, d.Others = []string{"stable"}, nil
	p, err := d.Plan(context.Background(), fetch.New(fetch.Options{Retries: -1}), source.PlanRequest{
		Releases: []string{"next", "stabel", "../x", "stable"}, Arches: []matrixgen.Arch{matrixgen.X86_64},
		Mirrors: map[string]string{"fedora-coreos": s.URL}, Options: source.Options{Discover: true, FCOSBuilds: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Discovered, []string{"next"}) || !slices.Equal(p.Matched, []string{"stable", "next"}) || len(p.Failures) != 0 {
		t.Errorf("discovered %v, matched %v, failures %v", p.Discovered, p.Matched, p.Failures)
	}
	if got, want := releases(p), []string{"stable/44.20260707.3.1 x86_64 44", "next/44.20260802.1.1 x86_64 44"}; !slices.Equal(got, want) {
		t.Errorf("jobs %v, want %v", got, want)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hits["/"+BuildsPath("stabel")] != 1 {
		t.Errorf("stabel was not asked for: %v", s.hits)
	}
	for path := range s.hits {
		if strings.Contains(path, "x/builds") {
			t.Errorf("asked for %s", path)
		}
	}
}

func TestCrawlJob(t *testing.T) {
	s := serve(t)
	p := s.plan(t, testDistro(), []string{"stable"}, 4, matrixgen.AArch64)
	j := p.Jobs[3] // 43.20260413.3.2
	var events []source.Event
	res := j.Crawl(context.Background(), fetch.New(fetch.Options{Retries: -1}), func(e source.Event) { events = append(events, e) })
	url := s.URL + "/" + CommitMetaPath("stable", "43.20260413.3.2", "aarch64")
	if len(res.Kernels) != 1 || len(res.Warnings) != 0 || res.DistroVersion != "43" || len(events) != 1 || events[0].URL != url {
		t.Fatalf("result %+v, events %+v", res, events)
	}
	k := res.Kernels[0]
	want := matrixgen.Kernel{Distribution: "fedora", DistroVersion: "43", Arch: matrixgen.AArch64, Release: "6.19.12-200.fc43.aarch64",
		Headers: []string{"https://kojipkgs.fedoraproject.org/packages/kernel/6.19.12/200.fc43/aarch64/kernel-devel-6.19.12-200.fc43.aarch64.rpm"},
		Source:  url, Origin: "fedora-coreos"}
	if k.Key() != want.Key() || !slices.Equal(k.Headers, want.Headers) || k.Source != want.Source || k.Origin != want.Origin {
		t.Errorf("kernel %+v, want %+v", k, want)
	}
	if len(res.Sources) != 1 || res.Sources[0].Kernels != 1 || res.Sources[0].Err != nil || res.Sources[0].URL != url {
		t.Errorf("sources %+v", res.Sources)
	}
}

// A commitmeta.json whose kernel the domain refuses (its arch contradicts
// the directory's) is named in a warning; one that names no kernel of the
// arch fails the source.
func TestCrawlJobRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, body, warn, fail string
	}{
		{"kernel of another arch beside", `{"rpmostree.rpmdb.pkglist": [["kernel", "0", "7.1.3", "200.fc44", "aarch64"]]}`, "", "names no kernel or kernel-core package of arch x86_64 (kernel packages: [kernel-7.1.3-200.fc44.aarch64])"},
		{"no kernel", `{"rpmostree.rpmdb.pkglist": [["podman", "5", "5.6.0", "1.fc44", "x86_64"]]}`, "", "names no kernel or kernel-core package"},
		{"a release the domain refuses", `{"rpmostree.rpmdb.pkglist": [["kernel", "0", "7.1.3", "200.el9", "x86_64"]]}`, "7.1.3-200.el9.x86_64", ""},
		{"not JSON", `<html>`, "", "not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "builds.json") {
					w.Write([]byte(`{"builds": [{"id": "44.20260707.3.1", "arches": ["x86_64"]}]}`))
					return
				}
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			s := &server{Server: srv}
			p := s.plan(t, testDistro(), []string{"stable"}, 0, matrixgen.X86_64)
			res := p.Jobs[0].Crawl(context.Background(), fetch.New(fetch.Options{Retries: -1}), nil)
			if len(res.Kernels) != 0 {
				t.Errorf("kernels %v", res.Kernels)
			}
			err := res.Sources[0].Err
			switch {
			case tc.fail != "":
				if err == nil || !strings.Contains(err.Error(), tc.fail) || !strings.Contains(err.Error(), srv.URL+"/"+CommitMetaPath("stable", "44.20260707.3.1", "x86_64")) || !res.Failed() {
					t.Errorf("err = %v, want %q naming the URL", err, tc.fail)
				}
			default:
				if err != nil || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], tc.warn) || !strings.Contains(res.Warnings[0], "refused") {
					t.Errorf("err %v, warnings %v", err, res.Warnings)
				}
			}
		})
	}
}
