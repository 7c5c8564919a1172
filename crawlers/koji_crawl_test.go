package crawlers

import (
	"context"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/koji"
	"github.com/matrixgen/matrixgen/crawlers/koji/kojitest"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// kojiFedora is the fake Fedora hub of the crawl --koji tests: Fedora 41 builds in every
// state, one the mirror still has (6.17.8) and one of another release.
func kojiFedora() []kojitest.Build {
	devel := func(id int64) []kojitest.RPM {
		return []kojitest.RPM{{ID: id, Name: "kernel-devel", Arch: "x86_64"}, {ID: id + 1, Name: "kernel-core", Arch: "x86_64"}, {ID: id + 2, Name: "kernel-devel", Arch: "aarch64"}}
	}
	return []kojitest.Build{
		{ID: 200, Name: "kernel", Version: "6.16.8", Release: "100.fc41", State: koji.Complete, CompletionTS: 1757000000, RPMs: devel(2000)},
		{ID: 201, Name: "kernel", Version: "6.16.9", Release: "100.fc41", State: koji.Deleted, CompletionTS: 1757100000, RPMs: devel(2010)},
		{ID: 202, Name: "kernel", Version: "6.16.10", Release: "100.fc41", State: koji.Failed},
		{ID: 199, Name: "kernel", Version: "6.16.6", Release: "100.fc41", State: koji.Complete, CompletionTS: 1756000000, Volume: "fedora_koji_archive02", RPMs: devel(1990)},
		{ID: 204, Name: "kernel", Version: "6.17.8", Release: "100.fc41", State: koji.Complete, CompletionTS: 1763000000, RPMs: devel(2040)},
		{ID: 205, Name: "kernel", Version: "6.16.11", Release: "100.fc41", State: koji.Building},
		{ID: 206, Name: "kernel", Version: "6.15.0", Release: "200.fc42", State: koji.Complete, CompletionTS: 1764000000, RPMs: devel(2060)},
		{ID: 207, Name: "kernel", Version: "6.16.12", Release: "100.fc41", State: koji.Canceled},
	}
}

// TestCrawlKoji: crawl --koji adds exactly the COMPLETE Fedora 41 builds the mirrors lack,
// marked koji, newest first within the bound; DELETED, FAILED, CANCELED and BUILDING
// builds never count, nor another release's.
func TestCrawlKoji(t *testing.T) {
	const files = "http://files.invalid/koji" // checked by value only
	tests := []struct {
		name      string
		opts      source.KojiOptions
		want      map[string]string // release → headers URL, koji kernels only
		wantPages []map[string]koji.Value
	}{
		{name: "default: the newest 10", opts: source.KojiOptions{},
			want: map[string]string{
				"6.16.8-100.fc41.x86_64": files + "/packages/kernel/6.16.8/100.fc41/x86_64/kernel-devel-6.16.8-100.fc41.x86_64.rpm",
				"6.16.6-100.fc41.x86_64": files + "/vol/fedora_koji_archive02/packages/kernel/6.16.6/100.fc41/x86_64/kernel-devel-6.16.6-100.fc41.x86_64.rpm",
			},
			wantPages: []map[string]koji.Value{{"limit": int64(10), "order": "-build_id"}}},
		{name: "newest 1: the newest COMPLETE build is on the mirror", opts: source.KojiOptions{Newest: 1},
			want:      map[string]string{},
			wantPages: []map[string]koji.Value{{"limit": int64(1), "order": "-build_id"}}},
		{name: "newest 2", opts: source.KojiOptions{Newest: 2},
			want:      map[string]string{"6.16.8-100.fc41.x86_64": files + "/packages/kernel/6.16.8/100.fc41/x86_64/kernel-devel-6.16.8-100.fc41.x86_64.rpm"},
			wantPages: []map[string]koji.Value{{"limit": int64(2), "order": "-build_id"}}},
		{name: "since a date", opts: source.KojiOptions{Since: time.Unix(1756500000, 0)},
			want:      map[string]string{"6.16.8-100.fc41.x86_64": files + "/packages/kernel/6.16.8/100.fc41/x86_64/kernel-devel-6.16.8-100.fc41.x86_64.rpm"},
			wantPages: []map[string]koji.Value{{"limit": int64(50), "order": "-build_id"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newDistroServer(t)
			hub := &kojitest.Hub{T: t, Packages: map[string]int64{"kernel": 8}, Builds: kojiFedora()}
			hubSrv := httptest.NewServer(hub)
			t.Cleanup(hubSrv.Close)
			mirrors := s.mirrors()
			mirrors["koji-fedora"], mirrors["koji-fedora-files"] = hubSrv.URL+"/kojihub", files
			opts := tc.opts
			rep, err := Run(context.Background(), rpmClient(t, t.TempDir()), Request{Table: distros.All(), Distros: []string{"fedora"}, Releases: []string{"fedora/41"},
				Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: mirrors, Koji: &opts})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Failures) > 0 {
				t.Fatalf("failures: %v", rep.Failures)
			}
			got := map[string]string{}
			mirrored := 0
			for _, k := range rep.Kernels {
				if k.Origin != matrixgen.OriginKoji {
					mirrored++
					continue
				}
				if len(k.Headers) != 1 || k.DistroVersion != "41" || k.Distribution != "fedora" {
					t.Errorf("koji kernel %+v", k)
				}
				got[k.Release] = k.Headers[0]
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("koji kernels %v\nwant %v", got, tc.want)
			}
			if mirrored != 3 { // releases/41 has 6.11.4; updates/41 6.16.7 and 6.17.8
				t.Errorf("%d kernels from the mirrors, want 3", mirrored)
			}
			var pages []map[string]koji.Value
			for _, c := range hub.Calls() {
				if c.Method != "listBuilds" {
					continue
				}
				if c.Args["state"] != int64(1) || c.Args["pattern"] != "kernel-*.fc41" || c.Args["packageID"] != int64(8) {
					t.Errorf("listBuilds %v: want COMPLETE kernel-*.fc41 builds of package 8", c.Args)
				}
				if !tc.opts.Since.IsZero() && c.Args["completeAfter"] != float64(tc.opts.Since.Unix()) {
					t.Errorf("listBuilds completeAfter %v, want %d", c.Args["completeAfter"], tc.opts.Since.Unix())
				}
				pages = append(pages, c.Args["queryOpts"].(map[string]koji.Value))
			}
			if !reflect.DeepEqual(pages, tc.wantPages) {
				t.Errorf("listBuilds pages %v, want %v", pages, tc.wantPages)
			}
		})
	}
}

// TestCrawlKojiPaging: with only a date bound, listBuilds is paged with offsets until a
// short page, never one call for every build.
func TestCrawlKojiPaging(t *testing.T) {
	s := newDistroServer(t)
	var builds []kojitest.Build
	for i := int64(0); i < 120; i++ {
		builds = append(builds, kojitest.Build{ID: 1000 + i, Name: "kernel", Version: "6.10." + strconv.FormatInt(i, 10), Release: "100.fc41", State: koji.Complete, CompletionTS: 1750000000 + float64(i),
			RPMs: []kojitest.RPM{{ID: 5000 + i, Name: "kernel-devel", Arch: "x86_64"}}})
	}
	hub := &kojitest.Hub{T: t, Packages: map[string]int64{"kernel": 8}, Builds: builds}
	hubSrv := httptest.NewServer(hub)
	t.Cleanup(hubSrv.Close)
	mirrors := s.mirrors()
	mirrors["koji-fedora"], mirrors["koji-fedora-files"] = hubSrv.URL+"/kojihub", "http://files.invalid"
	rep, err := Run(context.Background(), rpmClient(t, t.TempDir()), Request{Table: distros.All(), Distros: []string{"fedora"}, Releases: []string{"fedora/41"},
		Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: mirrors, Koji: &source.KojiOptions{Since: time.Unix(1750000000, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range rep.Kernels {
		if k.Origin == matrixgen.OriginKoji {
			n++
		}
	}
	if n != 119 { // completed after the bound: all but the first
		t.Errorf("%d koji kernels, want 119", n)
	}
	var offsets []int64
	for _, c := range hub.Calls() {
		if c.Method == "listBuilds" {
			q := c.Args["queryOpts"].(map[string]koji.Value)
			off, _ := q["offset"].(int64)
			offsets = append(offsets, off)
		}
	}
	sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
	if !reflect.DeepEqual(offsets, []int64{0, 50, 100}) {
		t.Errorf("listBuilds offsets %v, want 0, 50, 100", offsets)
	}
}

// TestCrawlKojiHostileHub: a hub that ignores the offset repeats its first page
// forever (1,250 calls in 60 s at the default --koji-newest 10, when that page holds
// no COMPLETE build). The hub's source now fails at the first page that lists nothing
// new, naming the hub and the method, after a bounded number of calls; the mirrors'
// sources of the release are unaffected. The fake answers a fault after MaxCalls, so
// the unbounded client ends too, with its count.
func TestCrawlKojiHostileHub(t *testing.T) {
	complete := func(n int) []kojitest.Build {
		var bs []kojitest.Build
		for i := int64(0); i < int64(n); i++ {
			bs = append(bs, kojitest.Build{ID: 1000 + i, Name: "kernel", Version: "6.10." + strconv.FormatInt(i, 10), Release: "100.fc41", State: koji.Complete,
				CompletionTS: 1750000000 + float64(i), RPMs: []kojitest.RPM{{ID: 5000 + i, Name: "kernel-devel", Arch: "x86_64"}}})
		}
		return bs
	}
	tests := []struct {
		name   string
		hub    func() *kojitest.Hub
		opts   source.KojiOptions
		offset string // the repeated page's offset, in the error
	}{
		{
			// Full pages of 50, each the same: the date bound never stops it.
			name: "ignores the offset, --koji-since", hub: func() *kojitest.Hub { return &kojitest.Hub{IgnoreOffset: true, Builds: complete(60)} },
			opts: source.KojiOptions{Since: time.Unix(1740000000, 0)}, offset: "offset 50",
		},
		{
			// The default newest 10: the hub also ignores the state filter, and its
			// newest 10 builds are FAILED, so no page ever adds a COMPLETE one.
			name: "ignores the offset and the state, default newest", opts: source.KojiOptions{}, offset: "offset 10",
			hub: func() *kojitest.Hub {
				bs := complete(12)
				for i := 2; i < 12; i++ {
					bs[i].State = koji.Failed
				}
				return &kojitest.Hub{IgnoreOffset: true, IgnoreState: true, Builds: bs}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newDistroServer(t)
			hub := tc.hub()
			hub.T, hub.Packages, hub.MaxCalls = t, map[string]int64{"kernel": 8}, 1000
			hubSrv := httptest.NewServer(hub)
			t.Cleanup(hubSrv.Close)
			mirrors := s.mirrors()
			mirrors["koji-fedora"], mirrors["koji-fedora-files"] = hubSrv.URL+"/kojihub", "http://files.invalid"
			opts := tc.opts
			rep, err := Run(context.Background(), rpmClient(t, t.TempDir()), Request{Table: distros.All(), Distros: []string{"fedora"}, Releases: []string{"fedora/41"},
				Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: mirrors, Koji: &opts})
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			for _, c := range hub.Calls() {
				if c.Method == "listBuilds" {
					calls++
				}
			}
			if calls != 2 {
				t.Errorf("%d listBuilds calls, want 2 (the first page, and its repeat)", calls)
			}
			if len(rep.Failures) != 1 {
				t.Fatalf("failures %v, want the hub's", rep.Failures)
			}
			f := rep.Failures[0]
			msg := f.Err.Error()
			if f.Source != "koji-fedora" || !strings.Contains(msg, hubSrv.URL+"/kojihub") || !strings.Contains(msg, "listBuilds") ||
				!strings.Contains(msg, "ignores the offset") || !strings.Contains(msg, tc.offset) {
				t.Errorf("failure %s %q: want the hub, listBuilds and the repeated page at %s", f.Source, msg, tc.offset)
			}
			mirrored := 0
			for _, k := range rep.Kernels {
				if k.Origin == matrixgen.OriginKoji {
					t.Errorf("koji kernel %s from a failed hub", k.Release)
				}
				if !k.CarriedOver {
					mirrored++
				}
			}
			if mirrored != 3 { // releases/41 and updates/41, as in TestCrawlKoji
				t.Errorf("%d kernels from the mirrors, want 3", mirrored)
			}
		})
	}
}

// TestCrawlKojiPageCap: a hub that answers full pages of builds it never listed
// before, forever, is cut at rpm.MaxKojiPages pages with an error that names the
// bounds. The endless hub answers minimal FAILED builds (a fresh id each), which
// keeps the 5,000 builds this takes cheap to decode.
func TestCrawlKojiPageCap(t *testing.T) {
	s := newDistroServer(t)
	var listBuilds atomic.Int64
	hubSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, _, err := koji.DecodeCall(r.Body)
		if err != nil {
			t.Errorf("endless hub: %v", err)
			return
		}
		var v any = int64(8) // getPackageID
		if method == "listBuilds" {
			n := listBuilds.Add(1)
			if n > 1000 {
				w.Write(kojitest.MarshalFault(1000, "endless hub: more than 1000 calls"))
				return
			}
			page := []any{}
			for i := range int64(rpm.KojiPage) {
				page = append(page, map[string]koji.Value{"build_id": n*1000 + i, "state": int64(koji.Failed)})
			}
			v = page
		}
		b, err := kojitest.MarshalResponse(v)
		if err != nil {
			t.Errorf("endless hub: %v", err)
		}
		w.Write(b)
	}))
	t.Cleanup(hubSrv.Close)
	mirrors := s.mirrors()
	mirrors["koji-fedora"], mirrors["koji-fedora-files"] = hubSrv.URL+"/kojihub", "http://files.invalid"
	rep, err := Run(context.Background(), rpmClient(t, t.TempDir()), Request{Table: distros.All(), Distros: []string{"fedora"}, Releases: []string{"fedora/41"},
		Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: mirrors, Koji: &source.KojiOptions{Since: time.Unix(1, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	if n := listBuilds.Load(); n != rpm.MaxKojiPages {
		t.Errorf("%d listBuilds calls, want %d", n, rpm.MaxKojiPages)
	}
	if len(rep.Failures) != 1 || !strings.Contains(rep.Failures[0].Err.Error(), "--koji-since") {
		t.Errorf("failures %v, want the hub's, naming the bounds", rep.Failures)
	}
}

// TestCrawlKojiHubTimeout: each hub has its own deadline in crawl, as resolve's links
// do: a hub that never answers fails its source, named with the deadline, and the
// release's mirror sources are kept.
func TestCrawlKojiHubTimeout(t *testing.T) {
	s := newDistroServer(t)
	hub := &kojitest.Hub{T: t, Hang: true}
	hubSrv := httptest.NewServer(hub)
	t.Cleanup(hubSrv.Close)
	mirrors := s.mirrors()
	mirrors["koji-fedora"], mirrors["koji-fedora-files"] = hubSrv.URL+"/kojihub", "http://files.invalid"
	rep, err := Run(context.Background(), rpmClient(t, t.TempDir()), Request{Table: distros.All(), Distros: []string{"fedora"}, Releases: []string{"fedora/41"},
		Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: mirrors, Koji: &source.KojiOptions{Timeout: tinyHub}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 1 || rep.Failures[0].Source != "koji-fedora" || !strings.Contains(rep.Failures[0].Err.Error(), "timed out after "+tinyHub.String()) {
		t.Fatalf("failures %v, want koji-fedora timed out after %s", rep.Failures, tinyHub)
	}
	if len(rep.Kernels) != 3 {
		t.Errorf("%d kernels, want the mirrors' 3", len(rep.Kernels))
	}
}

// tinyHub is the hub deadline of a test whose hub never answers.
const tinyHub = 50 * time.Millisecond
