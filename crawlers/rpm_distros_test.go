package crawlers

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/internal/compresstest"
	"github.com/matrixgen/matrixgen/internal/rpmfixture"
)

// distrosRoot is fixtures/rpm/distros: one mirror tree per --mirror key of
// the RPM distributions (see fixtures/rpm/README.md).
const distrosRoot = "../fixtures/rpm/distros"

// rpmKeys are the --mirror keys of the seven RPM distributions, each a
// folder of distrosRoot.
var rpmKeys = []string{"fedora", "fedora-archive", "centos-stream", "amazonlinux2", "amazonlinux2023",
	"al2023-livepatch", "rocky", "rocky-vault", "almalinux", "almalinux-vault", "oracle"}

var rpmDistros = []string{"fedora", "centos", "amazonlinux2", "amazonlinux2023", "rocky", "almalinux", "oracle"}

var allArches = []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64, matrixgen.AArch64_64k}

// manifestLine is one package the generator made: fixtures/rpm/distros/MANIFEST.
type manifestLine struct {
	key, rel, repo, basearch string
	name, version, release   string
	arch                     string
	path                     string // under distrosRoot
}

// readManifest reads root's MANIFEST (distrosRoot, fleetRoot): key release
// repo arch name version release arch path, one package a line.
func readManifest(t *testing.T, root string) []manifestLine {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "MANIFEST"))
	if err != nil {
		t.Fatalf("%v (run the fixtures/rpm/generate-*.sh that makes it)", err)
	}
	defer f.Close()
	var ls []manifestLine
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		fs := strings.Fields(s.Text())
		if len(fs) != 9 {
			t.Fatalf("MANIFEST:%d: %d fields, want 9: %q", n, len(fs), s.Text())
		}
		ls = append(ls, manifestLine{fs[0], fs[1], fs[2], fs[3], fs[4], fs[5], fs[6], fs[7], fs[8]})
	}
	if err := s.Err(); err != nil || len(ls) == 0 {
		t.Fatalf("MANIFEST: %v, %d lines", err, len(ls))
	}
	return ls
}

// distroServer serves distrosRoot (rpmfixture: mirror.list bodies name the
// server itself). Paths in
// gone answer 404, paths in status answer that status; bodies replaces a
// path's body. Requests are counted per path.
type distroServer struct {
	srv    *httptest.Server
	mu     sync.Mutex
	hits   map[string]int
	gone   map[string]bool
	status map[string]int
	bodies map[string]string
}

func newDistroServer(t *testing.T) *distroServer {
	t.Helper()
	s := &distroServer{hits: map[string]int{}, gone: map[string]bool{}, status: map[string]int{}, bodies: map[string]string{}}
	s.srv = rpmfixture.Serve(t, distrosRoot, func(w http.ResponseWriter, r *http.Request) bool {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		gone := s.gone[r.URL.Path]
		status := s.status[r.URL.Path]
		body, replaced := s.bodies[r.URL.Path]
		s.mu.Unlock()
		switch {
		case gone:
			http.NotFound(w, r)
		case status != 0:
			http.Error(w, http.StatusText(status), status)
		case replaced:
			io.WriteString(w, body)
		default:
			return false
		}
		return true
	})
	return s
}

func (s *distroServer) mirrors() map[string]string {
	m := map[string]string{}
	for _, k := range rpmKeys {
		m[k] = s.srv.URL + "/" + k
	}
	return m
}

func (s *distroServer) hitCount(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[p]
}

func (s *distroServer) resetHits() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits = map[string]int{}
}

// hitsMatching sums the requests for paths that match re.
func (s *distroServer) hitsMatching(re *regexp.Regexp) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]int{}
	for p, n := range s.hits {
		if re.MatchString(p) {
			m[p] = n
		}
	}
	return m
}

// rpmClient is patient: the fixtures are many small repositories on a
// loaded machine, and these tests are about outcomes, not timeouts.
func rpmClient(t *testing.T, cacheDir string) *fetch.Client {
	t.Helper()
	c := fetch.New(fetch.Options{
		Retries:       2,
		Backoff:       fetch.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond},
		HeaderTimeout: 30 * time.Second,
		IdleTimeout:   30 * time.Second,
		CacheDir:      cacheDir,
	})
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// wantKernel is a kernel as the oracle expects it, keyed by "arch release".
type wantKernel struct {
	Distribution, Version string
	Headers               []string
	Origin                string
}

var (
	amazonSeriesDevel = regexp.MustCompile(`^kernel[0-9]+\.[0-9]+-devel$`)
	livepatchPkg      = regexp.MustCompile(`^kernel-livepatch-([0-9][0-9.]*-[0-9][0-9.]*)$`)
)

// oracle computes the kernels a crawl must find, from MANIFEST alone, with
// plain string rules: a headers package (kernel-devel, kernel-uek-devel,
// kernel<series>-devel, and kernel-64k-devel for aarch64+64k only) of the
// repository's arch is the kernel version-release.arch (+64k); a
// kernel-livepatch-<kver>-<krel> package is the kernel <kver>-<krel>.amzn2023.arch,
// with the headers of core's package for it, or none. sel says which lines
// the crawl reads, and their distro version.
func oracle(t *testing.T, lines []manifestLine, base, distribution string, arches []matrixgen.Arch, sel func(manifestLine) (string, bool)) map[string]wantKernel {
	t.Helper()
	want := map[string]wantKernel{}
	relOf := map[string]string{}
	var patches []string
	patchVersion := map[string]string{}
	for _, a := range arches {
		basearch := string(a)
		if a == matrixgen.AArch64_64k {
			basearch = "aarch64"
		}
		for _, l := range lines {
			version, ok := sel(l)
			if !ok || l.basearch != basearch || l.arch != basearch {
				continue
			}
			is64k := l.name == "kernel-64k-devel"
			headers := l.name == "kernel-devel" || l.name == "kernel-uek-devel" || amazonSeriesDevel.MatchString(l.name) || is64k
			if headers && is64k == (a == matrixgen.AArch64_64k) {
				rel := l.version + "-" + l.release + "." + l.arch
				if is64k {
					rel += "+64k"
				}
				k := string(a) + " " + rel
				if w, dup := want[k]; dup {
					// Two releases of one distro version (AL2023's) may share a
					// kernel: one kernel, both packages' headers. Within one
					// release the fixture would be ambiguous.
					if relOf[k] == l.rel {
						t.Fatalf("MANIFEST has %s twice in release %s: the fixture is ambiguous", k, l.rel)
					}
					if h := base + "/" + l.path; !slices.Contains(w.Headers, h) {
						w.Headers = append(w.Headers, h) // a blobstore names one package once
					}
					want[k] = w
					continue
				}
				relOf[k] = l.rel
				want[k] = wantKernel{distribution, version, []string{base + "/" + l.path}, ""}
			}
			if m := livepatchPkg.FindStringSubmatch(l.name); m != nil && a != matrixgen.AArch64_64k {
				k := string(a) + " " + m[1] + ".amzn2023." + l.arch
				patches = append(patches, k)
				patchVersion[k] = version
			}
		}
	}
	for _, k := range patches {
		w, ok := want[k]
		if !ok {
			w = wantKernel{distribution, patchVersion[k], []string{}, ""}
		}
		w.Origin = matrixgen.OriginLivepatch
		want[k] = w
	}
	return want
}

func gotKernels(t *testing.T, ks []matrixgen.Kernel) map[string]wantKernel {
	t.Helper()
	got := map[string]wantKernel{}
	for _, k := range ks {
		key := string(k.Arch) + " " + k.Release
		if _, dup := got[key]; dup {
			t.Errorf("kernel %s crawled twice", key)
		}
		h := k.Headers
		if h == nil {
			h = []string{"<nil>"} // the output must say [] for "no headers", never omit them
		}
		got[key] = wantKernel{k.Distribution, k.DistroVersion, h, k.Origin}
	}
	return got
}

func compareKernels(t *testing.T, got, want map[string]wantKernel) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("missing kernel %s (%+v)", k, w)
		case g.Distribution != w.Distribution || g.Version != w.Version || g.Origin != w.Origin || !sameSet(g.Headers, w.Headers):
			t.Errorf("kernel %s:\n got %+v\nwant %+v", k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected kernel %s (%+v)", k, g)
		}
	}
}

// sameSet compares header lists in any order ([] and nil differ).
func sameSet(a, b []string) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// major is a release's distro version by the plain rule: up to its first dot.
func major(rel string) string {
	m, _, _ := strings.Cut(rel, ".")
	return m
}

func keyIs(keys ...string) func(l manifestLine) bool {
	return func(l manifestLine) bool { return slices.Contains(keys, l.key) }
}

func TestRPMDistroFixtures(t *testing.T) {
	lines := readManifest(t, distrosRoot)
	tests := []struct {
		name         string
		req          Request
		distribution string
		sel          func(manifestLine) (string, bool)
		warnings     []string // substrings, each in some warning
	}{
		{
			name: "fedora newest 3", req: Request{Table: distros.All(), Distros: []string{"fedora"}}, distribution: "fedora",
			sel: func(l manifestLine) (string, bool) {
				return l.rel, l.key == "fedora" && (l.rel == "40" || l.rel == "41" || l.rel == "42")
			},
		},
		{
			name: "fedora/38 from the archive", req: Request{Table: distros.All(), Distros: []string{"fedora"}, Releases: []string{"fedora/38"}}, distribution: "fedora",
			sel: func(l manifestLine) (string, bool) { return l.rel, l.key == "fedora-archive" && l.rel == "38" },
		},
		{
			name: "centos", req: Request{Table: distros.All(), Distros: []string{"centos"}}, distribution: "centos",
			sel: func(l manifestLine) (string, bool) { return "stream" + l.rel, l.key == "centos-stream" },
		},
		{
			name: "amazonlinux2", req: Request{Table: distros.All(), Distros: []string{"amazonlinux2"}}, distribution: "amazonlinux",
			sel: func(l manifestLine) (string, bool) { return "2", l.key == "amazonlinux2" },
		},
		{
			name: "amazonlinux2023 latest with livepatch", req: Request{Table: distros.All(), Distros: []string{"amazonlinux2023"}}, distribution: "amazonlinux",
			sel: func(l manifestLine) (string, bool) {
				return "2023", l.key == "al2023-livepatch" || l.key == "amazonlinux2023" && l.rel == "latest"
			},
			warnings: []string{"live-patched kernel 6.1.12-19.43.amzn2023.x86_64: core no longer has its kernel-devel",
				"live-patched kernel 6.1.170-213.321.amzn2023.aarch64: core no longer has its kernel-devel"},
		},
		{
			name: "amazonlinux2023 named release", req: Request{Table: distros.All(), Distros: []string{"amazonlinux2023"}, Releases: []string{"amazonlinux2023/2022.0.20220628"}}, distribution: "amazonlinux",
			sel: func(l manifestLine) (string, bool) {
				return "2023", l.key == "al2023-livepatch" || l.key == "amazonlinux2023" && l.rel == "2022.0.20220628"
			},
			warnings: []string{"live-patched kernel 6.1.174-217.345.amzn2023.x86_64: core no longer has its kernel-devel"},
		},
		{
			name: "rocky", req: Request{Table: distros.All(), Distros: []string{"rocky"}}, distribution: "rocky",
			sel: func(l manifestLine) (string, bool) { return major(l.rel), l.key == "rocky" },
		},
		{
			name: "rocky --vault", req: Request{Table: distros.All(), Distros: []string{"rocky"}, Vault: true}, distribution: "rocky",
			sel: func(l manifestLine) (string, bool) { return major(l.rel), keyIs("rocky", "rocky-vault")(l) },
		},
		{
			name: "rocky/9.4 from the vault", req: Request{Table: distros.All(), Distros: []string{"rocky"}, Releases: []string{"rocky/9.4"}}, distribution: "rocky",
			sel: func(l manifestLine) (string, bool) { return "9", l.key == "rocky-vault" && l.rel == "9.4" },
		},
		{
			name: "centos/stream10", req: Request{Table: distros.All(), Distros: []string{"centos"}, Releases: []string{"centos/stream10"}}, distribution: "centos",
			sel: func(l manifestLine) (string, bool) { return "stream10", l.key == "centos-stream" && l.rel == "10" },
		},
		{
			name: "almalinux", req: Request{Table: distros.All(), Distros: []string{"almalinux"}}, distribution: "almalinux",
			sel: func(l manifestLine) (string, bool) { return major(l.rel), l.key == "almalinux" },
		},
		{
			name: "almalinux --vault", req: Request{Table: distros.All(), Distros: []string{"almalinux"}, Vault: true}, distribution: "almalinux",
			sel: func(l manifestLine) (string, bool) { return major(l.rel), keyIs("almalinux", "almalinux-vault")(l) },
		},
		{
			name: "oracle", req: Request{Table: distros.All(), Distros: []string{"ol"}}, distribution: "oracle",
			sel: func(l manifestLine) (string, bool) { return l.rel, l.key == "oracle" },
		},
	}
	hrefs := primaryHrefs(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDistroServer(t)
			req := tt.req
			req.Arches, req.Mirrors = allArches, s.mirrors()
			rep, err := Run(context.Background(), rpmClient(t, ""), req)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Failures {
				t.Errorf("failure: %v", f)
			}
			want := oracle(t, lines, s.srv.URL, tt.distribution, allArches, tt.sel)
			if len(want) == 0 {
				t.Fatal("the oracle expects no kernels: the selection matches nothing in MANIFEST")
			}
			compareKernels(t, gotKernels(t, rep.Kernels), want)
			// Every header URL names a package a primary of the tree lists.
			for _, k := range rep.Kernels {
				for _, h := range k.Headers {
					if p := strings.TrimPrefix(h, s.srv.URL); !hrefs[p] {
						t.Errorf("%s: header URL %s is in no primary of the fixture tree", k.Release, h)
					}
				}
			}
			for _, w := range tt.warnings {
				if !slices.ContainsFunc(rep.Warnings, func(s string) bool { return strings.Contains(s, w) }) {
					t.Errorf("no warning contains %q; warnings:\n%s", w, strings.Join(rep.Warnings, "\n"))
				}
			}
			// One count per distribution × arch asked for, 0 kernels included.
			name := tt.req.Distros[0]
			if name == "ol" {
				name = "oracle"
			}
			for _, a := range allArches {
				n := 0
				for k := range want {
					if strings.HasPrefix(k, string(a)+" ") {
						n++
					}
				}
				i := slices.IndexFunc(rep.Counts, func(c Count) bool { return c.Distro == name && c.Arch == a })
				if i < 0 || rep.Counts[i].Kernels != n || rep.Counts[i].Failures != 0 {
					t.Errorf("count for %s %s: %+v, want %d kernels", name, a, rep.Counts, n)
				}
			}
		})
	}
}

// TestRPMDistroFixturesFedoraListing checks the default releases come from
// the newest three entries of the releases/ listing: 39 is listed and
// complete, and never read.
func TestRPMDistroFixturesFedoraListing(t *testing.T) {
	s := newDistroServer(t)
	rep, err := Run(context.Background(), rpmClient(t, ""), Request{Table: distros.All(), Distros: []string{"fedora"}, Arches: allArches, Mirrors: s.mirrors()})
	if err != nil || len(rep.Failures) > 0 {
		t.Fatal(err, rep.Failures)
	}
	if n := s.hitCount("/fedora/releases/"); n != 1 {
		t.Errorf("releases/ listing read %d times, want 1", n)
	}
	if h := s.hitsMatching(regexp.MustCompile(`/(39|38)/`)); len(h) > 0 {
		t.Errorf("default crawl read releases beyond the newest three: %v", h)
	}
	if h := s.hitsMatching(regexp.MustCompile(`^/fedora-archive/`)); len(h) > 0 {
		t.Errorf("default crawl read the archive: %v", h)
	}
	// --discover adds the rest of the listing, and says so.
	rep, err = Run(context.Background(), rpmClient(t, ""), Request{Table: distros.All(), Distros: []string{"fedora"}, Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: s.mirrors(), Discover: true})
	if err != nil || len(rep.Failures) > 0 {
		t.Fatal(err, rep.Failures)
	}
	if !slices.Contains(rep.Discovered, "fedora/39") && !slices.Contains(rep.Discovered, "39") {
		t.Errorf("discovered %v, want 39", rep.Discovered)
	}
	if !slices.ContainsFunc(rep.Kernels, func(k matrixgen.Kernel) bool { return k.Release == "6.5.6-300.fc39.x86_64" && k.DistroVersion == "39" }) {
		t.Errorf("--discover did not crawl 39")
	}
}

// TestRPMDistroFixturesLivepatchFallback: the regional mirror.list is read
// only when the CDN form answers 404, and the source fails only when both do.
func TestRPMDistroFixturesLivepatchFallback(t *testing.T) {
	lines := readManifest(t, distrosRoot)
	const cdn, regional = "/al2023-livepatch/mirrors/latest/x86_64/mirror.list", "/al2023-livepatch/mirrors/al2023/x86_64/mirror.list"
	arches := []matrixgen.Arch{matrixgen.X86_64}
	sel := func(l manifestLine) (string, bool) {
		return "2023", l.key == "al2023-livepatch" || l.key == "amazonlinux2023" && l.rel == "latest"
	}
	tests := []struct {
		name          string
		gone          []string
		broken        string // answers 500
		cdn, regional int    // requests expected
		failed        string // the failed source's URL
	}{
		{"CDN answers", nil, "", 1, 0, ""},
		{"CDN 404, regional answers", []string{cdn}, "", 1, 1, ""},
		{"both 404", []string{cdn, regional}, "", 1, 1, regional},
		// Only a 404 means "not this form": a failing CDN is a failure
		// (retried: 1 + 2 attempts), not a reason to read another list.
		{"CDN 500", nil, cdn, 3, 0, cdn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDistroServer(t)
			for _, p := range tt.gone {
				s.gone[p] = true
			}
			if tt.broken != "" {
				s.status[tt.broken] = http.StatusInternalServerError
			}
			rep, err := Run(context.Background(), rpmClient(t, ""), Request{Table: distros.All(), Distros: []string{"amazonlinux2023"}, Arches: arches, Mirrors: s.mirrors()})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.hitCount(cdn); got != tt.cdn {
				t.Errorf("CDN mirror.list requested %d times, want %d", got, tt.cdn)
			}
			if got := s.hitCount(regional); got != tt.regional {
				t.Errorf("regional mirror.list requested %d times, want %d", got, tt.regional)
			}
			want := oracle(t, lines, s.srv.URL, "amazonlinux", arches, sel)
			if tt.failed == "" {
				if len(rep.Failures) > 0 {
					t.Fatalf("failures: %v", rep.Failures)
				}
				compareKernels(t, gotKernels(t, rep.Kernels), want)
				return
			}
			if len(rep.Failures) != 1 || rep.Failures[0].Source != "kernel-livepatch" || rep.Failures[0].URL != s.srv.URL+tt.failed {
				t.Fatalf("failures = %v, want kernel-livepatch %s", rep.Failures, tt.failed)
			}
			for _, k := range rep.Kernels {
				if k.Origin == matrixgen.OriginLivepatch {
					t.Errorf("livepatch kernel %s with the livepatch repository down", k.Release)
				}
			}
		})
	}
}

// TestRPMDistroFixturesFailures: a repository that should exist and does
// not answer, or a mirror.list that names nothing usable, is a named
// failure; the other repositories' kernels are still there.
func TestRPMDistroFixturesFailures(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // a host that refuses connections
	tests := []struct {
		name    string
		distro  string
		gone    string
		body    map[string]string
		source  string // the failed source
		url     string // its URL, under the server
		errText string
		lost    string // a kernel that must be missing
		kept    string // a kernel of another repository that must be there
	}{
		{
			name: "repomd 404", distro: "rocky", gone: "/rocky/9/AppStream/x86_64/os/repodata/repomd.xml",
			source: "AppStream", url: "/rocky/9/AppStream/x86_64/os/repodata/repomd.xml", errText: "404",
			lost: "5.14.0-503.14.1.el9_5.x86_64", kept: "4.18.0-553.el8_10.x86_64",
		},
		{
			name: "whole repository gone", distro: "oracle", gone: "/oracle/OL9/UEKR8/x86_64/repodata/repomd.xml",
			source: "UEKR8", url: "/oracle/OL9/UEKR8/x86_64/repodata/repomd.xml", errText: "404",
			lost: "6.12.0-103.40.4.2.el9uek.x86_64", kept: "5.15.0-208.159.3.2.el9uek.x86_64",
		},
		{
			name: "mirror.list 404", distro: "amazonlinux2", gone: "/amazonlinux2/extras/kernel-5.10/latest/x86_64/mirror.list",
			source: "extras/kernel-5.10/latest", url: "/amazonlinux2/extras/kernel-5.10/latest/x86_64/mirror.list", errText: "404",
			lost: "5.10.240-238.955.amzn2.x86_64", kept: "5.4.296-213.399.amzn2.x86_64",
		},
		{
			name: "mirror.list empty", distro: "amazonlinux2", body: map[string]string{"/amazonlinux2/core/latest/x86_64/mirror.list": "\n\n"},
			source: "core/latest", url: "/amazonlinux2/core/latest/x86_64/mirror.list", errText: "empty mirror.list",
			lost: "4.14.355-277.643.amzn2.x86_64", kept: "4.14.33-59.37.amzn2.x86_64",
		},
		{
			name: "mirror.list names a dead host", distro: "amazonlinux2023",
			body:   map[string]string{"/amazonlinux2023/mirrors/latest/x86_64/mirror.list": deadURL + "/al2023/core/guids/x/$basearch/\n"},
			source: "core", url: "", errText: deadURL,
			lost: "6.1.158-180.294.amzn2023.x86_64", kept: "6.1.12-19.43.amzn2023.x86_64",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDistroServer(t)
			if tt.gone != "" {
				s.gone[tt.gone] = true
			}
			for p, b := range tt.body {
				s.bodies[p] = b
			}
			rep, err := Run(context.Background(), rpmClient(t, ""), Request{Table: distros.All(), Distros: []string{tt.distro}, Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: s.mirrors()})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Failures) != 1 {
				t.Fatalf("failures = %v, want exactly one", rep.Failures)
			}
			f := rep.Failures[0]
			if f.Source != tt.source || tt.url != "" && f.URL != s.srv.URL+tt.url || !strings.Contains(f.Error(), tt.errText) {
				t.Errorf("failure = %q (source %q, URL %q), want source %q, URL %s, containing %q", f.Error(), f.Source, f.URL, tt.source, s.srv.URL+tt.url, tt.errText)
			}
			i := slices.IndexFunc(rep.Counts, func(c Count) bool { return c.Distro == tt.distro && c.Arch == matrixgen.X86_64 })
			if i < 0 || rep.Counts[i].Failures != 1 {
				t.Errorf("counts = %+v, want 1 failure for %s x86_64", rep.Counts, tt.distro)
			}
			has := func(rel string) bool {
				return slices.ContainsFunc(rep.Kernels, func(k matrixgen.Kernel) bool { return k.Release == rel })
			}
			if has(tt.lost) {
				t.Errorf("%s crawled although its repository failed", tt.lost)
			}
			if !has(tt.kept) {
				t.Errorf("%s of a healthy repository is missing", tt.kept)
			}
		})
	}
}

// TestRPMDistroFixturesAllSeven crawls every default repository of the
// seven RPM distributions, on every arch, with a cache; a second run over
// the unchanged tree reuses every repository's kernels and fetches no primary.
func TestRPMDistroFixturesAllSeven(t *testing.T) {
	lines := readManifest(t, distrosRoot)
	s := newDistroServer(t)
	cache := t.TempDir()
	req := Request{Table: distros.All(), Distros: rpmDistros, Arches: allArches, Mirrors: s.mirrors()}
	rep, err := Run(context.Background(), rpmClient(t, cache), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Failures {
		t.Errorf("failure: %v", f)
	}
	// Every default repository, from MANIFEST: Fedora 40-42 (2 per arch),
	// CentOS 9-10 (2), AL2 (6), AL2023 core latest + livepatch (2), Rocky,
	// Alma 8-10 (2), Oracle 8-10 (2 + UEK: 2, 2, 1); × 2 repository arches,
	// and aarch64+64k reads the aarch64 ones again.
	repos := map[string]bool{}
	for _, l := range lines {
		def := false
		switch l.key {
		case "fedora":
			def = l.rel != "39"
		case "amazonlinux2023":
			def = l.rel == "latest"
		case "centos-stream", "amazonlinux2", "al2023-livepatch", "rocky", "almalinux", "oracle":
			def = true
		}
		if def {
			repos[l.key+"/"+l.repo] = true
		}
	}
	aarch64Repos := 0
	for r := range repos {
		// Amazon Linux ships no 64k-page kernels (the table's arches): its
		// aarch64 repositories are not read again for aarch64+64k.
		if strings.Contains(r, "aarch64") && !strings.HasPrefix(r, "amazonlinux") && !strings.HasPrefix(r, "al2023") {
			aarch64Repos++
		}
	}
	if wantSources := len(repos) + aarch64Repos; rep.Sources != wantSources {
		t.Errorf("%d sources crawled, want %d (%d repositories, %d read again for aarch64+64k)", rep.Sources, wantSources, len(repos), aarch64Repos)
	}
	if len(rep.Counts) != len(rpmDistros)*len(allArches) {
		t.Errorf("counts = %+v, want one per distribution × arch", rep.Counts)
	}
	total := 0
	for _, c := range rep.Counts {
		total += c.Kernels
	}
	if total != len(rep.Kernels) || total == 0 {
		t.Errorf("counts add up to %d, report has %d kernels", total, len(rep.Kernels))
	}
	first := rep.Kernels

	// Warm: unchanged digests, so no primary is fetched or parsed again.
	s.resetHits()
	rep, err = Run(context.Background(), rpmClient(t, cache), req)
	if err != nil || len(rep.Failures) > 0 {
		t.Fatal(err, rep.Failures)
	}
	if rep.Reused != rep.Sources || rep.Sources == 0 {
		t.Errorf("warm crawl reused %d of %d sources, want all", rep.Reused, rep.Sources)
	}
	if h := s.hitsMatching(regexp.MustCompile(`primary\.`)); len(h) > 0 {
		t.Errorf("warm crawl fetched primaries: %v", h)
	}
	if !slices.EqualFunc(first, rep.Kernels, func(a, b matrixgen.Kernel) bool {
		return a.Release == b.Release && a.Arch == b.Arch && a.DistroVersion == b.DistroVersion && slices.Equal(a.Headers, b.Headers) && a.Origin == b.Origin
	}) {
		t.Errorf("warm crawl found other kernels than the cold one")
	}
}

// primaryHrefs reads every primary of the fixture tree (XML in any of its
// compressions, or the primary_db of a repository that has only that) with
// decoders of its own, and returns each package's path under the server.
func primaryHrefs(t *testing.T) map[string]bool {
	t.Helper()
	hrefs := map[string]bool{}
	reData := regexp.MustCompile(`(?s)<data type="(primary|primary_db)">.*?<location href="([^"]+)"`)
	reLoc := regexp.MustCompile(`<location (?:xml:base="[^"]*" )?href="([^"]+)"`)
	err := filepath.WalkDir(distrosRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Name() != "repomd.xml" {
			return err
		}
		repoDir := filepath.Dir(filepath.Dir(p))
		rel, _ := filepath.Rel(distrosRoot, repoDir)
		urlDir := "/" + filepath.ToSlash(rel) + "/"
		md, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		recs := map[string]string{}
		for _, m := range reData.FindAllStringSubmatch(string(md), -1) {
			recs[m[1]] = m[2]
		}
		if href, ok := recs["primary"]; ok {
			data, err := decodeFile(filepath.Join(repoDir, filepath.FromSlash(href)))
			if err != nil {
				return fmt.Errorf("%s: %w", href, err)
			}
			for _, m := range reLoc.FindAllStringSubmatch(string(data), -1) {
				hrefs[path.Join(urlDir, m[1])] = true
			}
			return nil
		}
		href, ok := recs["primary_db"]
		if !ok {
			return fmt.Errorf("%s: no primary record", p)
		}
		data, err := decodeFile(filepath.Join(repoDir, filepath.FromSlash(href)))
		if err != nil {
			return err
		}
		db := filepath.Join(t.TempDir(), "primary.sqlite")
		if err := os.WriteFile(db, data, 0o644); err != nil {
			return err
		}
		conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
		if err != nil {
			return err
		}
		defer conn.Close()
		rows, err := conn.Query(`SELECT location_href FROM packages`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				return err
			}
			hrefs[path.Join(urlDir, h)] = true
		}
		return rows.Err()
	})
	if err != nil || len(hrefs) == 0 {
		t.Fatalf("reading the fixture primaries: %v (%d hrefs)", err, len(hrefs))
	}
	return hrefs
}

func decodeFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return compresstest.Decompress(p, f)
}

// TestRPMDistroFixturesAL2023Releases crawls two AL2023 releases at once
// (as --discover does with every release releasemd.xml lists): both have
// distro version 2023 and the livepatch repository is read with each, so
// the same kernel comes from two jobs. It is one kernel, with the headers
// of whichever core has them.
func TestRPMDistroFixturesAL2023Releases(t *testing.T) {
	lines := readManifest(t, distrosRoot)
	arches := []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}
	sel := func(l manifestLine) (string, bool) {
		return "2023", l.key == "al2023-livepatch" || l.key == "amazonlinux2023"
	}
	for _, req := range []Request{
		{Releases: []string{"amazonlinux2023/latest", "amazonlinux2023/2022.0.20220628", "amazonlinux2023/2022.0.20220531"}},
		{Releases: []string{"amazonlinux2023/2022.0.20220531", "amazonlinux2023/2022.0.20220628", "amazonlinux2023/latest"}},
		{Discover: true}, // latest and every release releasemd.xml lists
	} {
		t.Run(fmt.Sprintf("%s discover=%v", strings.Join(req.Releases, ","), req.Discover), func(t *testing.T) {
			s := newDistroServer(t)
			req.Distros, req.Arches, req.Mirrors, req.Table = []string{"amazonlinux2023"}, arches, s.mirrors(), distros.All()
			rep, err := Run(context.Background(), rpmClient(t, ""), req)
			if err != nil || len(rep.Failures) > 0 {
				t.Fatal(err, rep.Failures)
			}
			if req.Discover && len(rep.Discovered) != 2 {
				t.Errorf("discovered %v, want the two releases releasemd.xml lists", rep.Discovered)
			}
			want := oracle(t, lines, s.srv.URL, "amazonlinux", arches, sel)
			compareKernels(t, gotKernels(t, rep.Kernels), want)
			for _, a := range arches {
				n := 0
				for k := range want {
					if strings.HasPrefix(k, string(a)+" ") {
						n++
					}
				}
				i := slices.IndexFunc(rep.Counts, func(c Count) bool { return c.Distro == "amazonlinux2023" && c.Arch == a })
				if i < 0 || rep.Counts[i].Kernels != n {
					t.Errorf("counts %+v, want %d kernels on %s", rep.Counts, n, a)
				}
			}
		})
	}
}

// TestDedupe: one kernel per key, whichever jobs found it, with the counts
// and the carried-over total following.
func TestDedupe(t *testing.T) {
	k := func(rel, origin string, carried bool, headers ...string) matrixgen.Kernel {
		return matrixgen.Kernel{Distribution: "amazonlinux", DistroVersion: "2023", Arch: matrixgen.X86_64, Release: rel, Origin: origin, CarriedOver: carried, Headers: headers}
	}
	const r1, r2 = "6.1.174-217.345.amzn2023.x86_64", "6.1.12-19.43.amzn2023.x86_64"
	tests := []struct {
		name        string
		in          []matrixgen.Kernel
		carried     int // rep.CarriedOver before
		want        []matrixgen.Kernel
		wantCount   int
		wantCarried int
	}{
		{"no duplicates", []matrixgen.Kernel{k(r1, "", false, "a"), k(r2, "", false, "b")}, 0,
			[]matrixgen.Kernel{k(r1, "", false, "a"), k(r2, "", false, "b")}, 2, 0},
		{"livepatch without headers, then core's", []matrixgen.Kernel{k(r1, "livepatch", false), k(r1, "", false, "a")}, 0,
			[]matrixgen.Kernel{k(r1, "livepatch", false, "a")}, 1, 0},
		{"core's, then livepatch's", []matrixgen.Kernel{k(r1, "livepatch", false, "a"), k(r1, "livepatch", false)}, 0,
			[]matrixgen.Kernel{k(r1, "livepatch", false, "a")}, 1, 0},
		{"headers united", []matrixgen.Kernel{k(r1, "", false, "a"), k(r1, "", false, "b", "a")}, 0,
			[]matrixgen.Kernel{k(r1, "", false, "a", "b")}, 1, 0},
		{"carried, then seen", []matrixgen.Kernel{k(r1, "", true, "old"), k(r1, "", false, "new")}, 1,
			[]matrixgen.Kernel{k(r1, "", false, "new")}, 1, 0},
		{"seen, then carried", []matrixgen.Kernel{k(r1, "", false, "new"), k(r1, "", true, "old")}, 1,
			[]matrixgen.Kernel{k(r1, "", false, "new")}, 1, 0},
		{"carried twice", []matrixgen.Kernel{k(r1, "", true, "a"), k(r1, "", true, "a")}, 2,
			[]matrixgen.Kernel{k(r1, "", true, "a")}, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Count{Kernels: len(tt.in)}
			owner := make([]*Count, len(tt.in))
			for i := range owner {
				owner[i] = c
			}
			headers := make([][]string, len(tt.in))
			for i, k := range tt.in {
				headers[i] = slices.Clone(k.Headers)
			}
			rep := &Report{Kernels: tt.in, CarriedOver: tt.carried}
			got := dedupe(rep, owner)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("dedupe =\n%+v\nwant\n%+v", got, tt.want)
			}
			if c.Kernels != tt.wantCount || rep.CarriedOver != tt.wantCarried {
				t.Errorf("count %d, carried over %d; want %d, %d", c.Kernels, rep.CarriedOver, tt.wantCount, tt.wantCarried)
			}
			for i, k := range tt.in {
				if !slices.Equal(k.Headers, headers[i]) {
					t.Errorf("input %d's headers changed: %v, were %v", i, k.Headers, headers[i])
				}
			}
		})
	}
}
