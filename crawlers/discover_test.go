package crawlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// TestDiscover serves a dists/ directory listing (http.FileServer writes
// the same <a href="name/"> HTML a mirror's autoindex does).
func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"bookworm", "bookworm-updates", "trixie", "bullseye", "stable", "sid", "duke", "trixie-security"} {
		os.MkdirAll(filepath.Join(dir, "debian", "dists", d), 0o755)
	}
	os.WriteFile(filepath.Join(dir, "debian", "dists", "README"), []byte("x"), 0o644)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()

	found, err := discover(context.Background(), nil, srv.URL+"/debian", Debian())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bullseye", "duke"}; !slices.Equal(found, want) {
		t.Errorf("discover = %v, want %v (table releases, pockets and aliases left out)", found, want)
	}

	if _, err := discover(context.Background(), nil, srv.URL+"/nope", Debian()); err == nil || !strings.Contains(err.Error(), srv.URL+"/nope/dists/") {
		t.Errorf("missing listing: %v", err)
	}

	// Run crawls what it discovered and names it; the discovered suites fail
	// here (no InRelease), each named, and nothing stops.
	rep, err := Run(context.Background(), fetch.New(fetch.Options{Retries: -1}), Request{
		Distros: []string{"debian"}, Discover: true, Arches: []matrixgen.Arch{matrixgen.X86_64},
		Releases: []string{"duke"},
		Mirrors:  map[string]string{"debian": srv.URL + "/debian", "debian-security": srv.URL + "/debian-security"},
		Now:      func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rep.Discovered, "debian/duke") {
		t.Errorf("Discovered = %v", rep.Discovered)
	}
	if len(rep.Failures) != 4 || !strings.Contains(rep.Failures[0].URL, "/dists/duke") {
		t.Errorf("failures = %v", rep.Failures)
	}
}
