package deb

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// TestDiscover serves a dists/ directory listing (http.FileServer writes
// the same <a href="name/"> HTML a mirror's autoindex does), read through
// the fetch layer's transport (its counters see the request).
func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"bookworm", "bookworm-updates", "trixie", "bullseye", "stable", "sid", "duke", "trixie-security"} {
		os.MkdirAll(filepath.Join(dir, "debian", "dists", d), 0o755)
	}
	os.WriteFile(filepath.Join(dir, "debian", "dists", "README"), []byte("x"), 0o644)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()

	client := fetch.New(fetch.Options{Retries: -1})
	table := []TableRelease{{Codename: "bookworm"}, {Codename: "trixie"}}
	found, err := discover(context.Background(), client, srv.URL+"/debian/dists/", table)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bullseye", "duke"}; !slices.Equal(found, want) {
		t.Errorf("discover = %v, want %v (table releases, pockets and aliases left out)", found, want)
	}
	if n := client.Stats().Requests; n != 1 {
		t.Errorf("listing made %d requests through the fetch layer, want 1", n)
	}
	if _, err := discover(context.Background(), client, srv.URL+"/nope/dists/", table); err == nil || !strings.Contains(err.Error(), srv.URL+"/nope/dists/") {
		t.Errorf("missing listing: %v", err)
	}
}
