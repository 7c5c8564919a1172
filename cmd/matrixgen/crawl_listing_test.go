package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/koji/kojitest"
	"github.com/matrixgen/matrixgen/falco"
	"github.com/matrixgen/matrixgen/internal/rpmfixture"
)

// listingServer serves the RPM fixtures; a path set with fail answers that
// status, every time.
type listingServer struct {
	url    string
	mu     sync.Mutex
	failed map[string]int
}

func newListingServer(t *testing.T) *listingServer {
	s := &listingServer{failed: map[string]int{}}
	srv := rpmfixture.Serve(t, "../../fixtures/rpm/distros", func(w http.ResponseWriter, r *http.Request) bool {
		s.mu.Lock()
		code := s.failed[r.URL.Path]
		s.mu.Unlock()
		if code != 0 {
			// A 503 is retried; Retry-After 0 keeps the test fast.
			w.Header().Set("Retry-After", "0")
			http.Error(w, http.StatusText(code), code)
			return true
		}
		return false
	})
	s.url = srv.URL
	return s
}

func (s *listingServer) fail(path string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failed[path] = code
}

// args crawls distros on x86_64 from the fixtures, without a cache.
func (s *listingServer) args(distros string, more ...string) []string {
	args := []string{"crawl", "--distro", distros, "--no-cache"}
	for _, k := range []string{"fedora", "fedora-archive", "rocky", "rocky-vault"} {
		args = append(args, "--mirror", k+"="+s.url+"/"+k)
	}
	return append(args, more...)
}

// kernelsOf reads a list.json and counts a distribution's kernels and how
// many of them are carried over.
func kernelsOf(t *testing.T, path, distribution string) (n, carried int) {
	t.Helper()
	ks, probs, err := falco.ReadFile(path, matrixgen.X86_64)
	if err != nil || len(probs) > 0 {
		t.Fatalf("%s: %v %v", path, err, probs)
	}
	for _, k := range ks {
		if k.Distribution != distribution {
			continue
		}
		n++
		if k.CarriedOver {
			carried++
		}
	}
	return n, carried
}

// TestCrawlListingFails: Fedora's releases/ listing answers 404 or 503.
// Before, list.json was rewritten with no Fedora kernel (9 → 0), nothing
// was carried over even with --previous, and the summary said "1 of 0
// sources failed". Now the listing is a named failed source of fedora
// x86_64, its 9 kernels are carried over (from --previous, or from the
// output being replaced), the summary counts it, and the exit code is 3.
// Rocky's vault listing failing keeps Rocky's kernels the same way.
func TestCrawlListingFails(t *testing.T) {
	for _, tt := range []struct {
		name     string
		distros  string
		more     []string
		path     string // the listing that fails
		code     int
		previous bool // --previous, else the output being replaced
		distro   string
		kernels  int // the distribution's kernels, before and after
		carried  int
		row      string // its summary row: kernels, sources, failed
		sources  string // "1 of N sources failed"
	}{
		{name: "fedora releases/ 404 with --previous", distros: "fedora,rocky", path: "/fedora/releases/", code: http.StatusNotFound, previous: true,
			distro: "fedora", kernels: 9, carried: 9, row: "9 1 1", sources: "1 of 7 sources failed"},
		{name: "fedora releases/ 503 with --previous", distros: "fedora,rocky", path: "/fedora/releases/", code: http.StatusServiceUnavailable, previous: true,
			distro: "fedora", kernels: 9, carried: 9, row: "9 1 1", sources: "1 of 7 sources failed"},
		{name: "fedora releases/ 503, the output replaced", distros: "fedora,rocky", path: "/fedora/releases/", code: http.StatusServiceUnavailable,
			distro: "fedora", kernels: 9, carried: 9, row: "9 1 1", sources: "1 of 7 sources failed"},
		{name: "rocky vault listing 503 with --previous", distros: "rocky", more: []string{"--vault"}, path: "/rocky-vault/", code: http.StatusServiceUnavailable, previous: true,
			distro: "rocky", kernels: 7, carried: 2, row: "7 7 1", sources: "1 of 7 sources failed"},
		{name: "rocky vault listing 404, the output replaced", distros: "rocky", more: []string{"--vault"}, path: "/rocky-vault/", code: http.StatusNotFound,
			distro: "rocky", kernels: 7, carried: 2, row: "7 7 1", sources: "1 of 7 sources failed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newListingServer(t)
			dir := t.TempDir()
			first, out := filepath.Join(dir, "previous.json"), filepath.Join(dir, "list.json")
			if !tt.previous {
				first = out
			}
			if r := runCLI(t, "", nil, s.args(tt.distros, append(tt.more, "--out", first)...)...); r.code != 0 {
				t.Fatalf("healthy crawl: exit %d\n%s", r.code, r.stderr)
			}
			if n, _ := kernelsOf(t, first, tt.distro); n != tt.kernels {
				t.Fatalf("healthy crawl: %d %s kernels, want %d", n, tt.distro, tt.kernels)
			}
			s.fail(tt.path, tt.code)
			args := append(tt.more, "--out", out)
			if tt.previous {
				args = append(args, "--previous", first)
			}
			r := runCLI(t, "", nil, s.args(tt.distros, args...)...)
			if r.code != 3 {
				t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
			}
			if n, c := kernelsOf(t, out, tt.distro); n != tt.kernels || c != tt.carried {
				t.Errorf("%s: %d kernels, %d carried over; want %d and %d\n%s", tt.distro, n, c, tt.kernels, tt.carried, r.stderr)
			}
			if !strings.Contains(r.stderr, "url="+s.url+tt.path) || !strings.Contains(r.stderr, fmt.Sprint(tt.code)) {
				t.Errorf("stderr does not name the listing %s and its status:\n%s", s.url+tt.path, r.stderr)
			}
			row := regexp.MustCompile(`(?m)^` + tt.distro + ` +x86_64 +([0-9]+) +([0-9]+) +([0-9]+)$`).FindStringSubmatch(r.stderr)
			if row == nil || strings.Join(row[1:], " ") != tt.row {
				t.Errorf("summary row %q, want %s x86_64 %s\n%s", row, tt.distro, tt.row, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.sources) {
				t.Errorf("stderr does not say %q:\n%s", tt.sources, r.stderr)
			}
		})
	}

	// Fedora alone: its only source, the listing, failed, and no kernel of
	// the arch was seen: the output is not replaced at all (exit 1), as for
	// any arch whose every source failed. Before, it became {}.
	t.Run("fedora alone, the output replaced", func(t *testing.T) {
		s := newListingServer(t)
		out := filepath.Join(t.TempDir(), "list.json")
		if r := runCLI(t, "", nil, s.args("fedora", "--out", out)...); r.code != 0 {
			t.Fatalf("healthy crawl: exit %d\n%s", r.code, r.stderr)
		}
		before, _ := os.ReadFile(out)
		s.fail("/fedora/releases/", http.StatusNotFound)
		r := runCLI(t, "", nil, s.args("fedora", "--out", out)...)
		if r.code != 1 || !strings.Contains(r.stderr, "nothing written") {
			t.Errorf("exit %d, want 1 saying nothing was written\n%s", r.code, r.stderr)
		}
		if after, _ := os.ReadFile(out); !bytes.Equal(after, before) {
			t.Errorf("list.json replaced:\n%s", after)
		}
		if n, _ := kernelsOf(t, out, "fedora"); n != 9 {
			t.Errorf("%d fedora kernels, want 9", n)
		}
	})
}

// TestCrawlKojiTimeoutFlag: --koji-timeout bounds each hub in crawl, as
// --link-timeout does in resolve: a hub that never answers fails its
// source, named with the deadline, and the mirrors' kernels are written.
func TestCrawlKojiTimeoutFlag(t *testing.T) {
	s := newListingServer(t)
	hub := httptest.NewServer(&kojitest.Hub{T: t, Hang: true})
	t.Cleanup(hub.Close)
	out := filepath.Join(t.TempDir(), "list.json")
	r := runCLI(t, "", nil, s.args("fedora", "--release", "fedora/41", "--koji", "--koji-timeout", "100ms", "--out", out,
		"--mirror", "koji-fedora="+hub.URL+"/kojihub", "--mirror", "koji-fedora-files=http://files.invalid")...)
	if r.code != 3 || !strings.Contains(r.stderr, "source=koji-fedora") || !strings.Contains(r.stderr, "timed out after 100ms") {
		t.Fatalf("exit %d, want 3 naming koji-fedora timed out after 100ms\n%s", r.code, r.stderr)
	}
	if n, _ := kernelsOf(t, out, "fedora"); n != 3 {
		t.Errorf("%d fedora kernels, want the mirrors' 3", n)
	}
}
