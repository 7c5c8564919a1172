package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// TestCrawlOutputsCheckedFirst: an output the crawl could not write is a
// usage error before any request. Before, `--stats /tmp` crawled, wrote
// the list, then failed with exit 1 ("nothing written").
func TestCrawlOutputsCheckedFirst(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	keyring := "../../crawlers/keyrings/debian-archive-keyring.gpg"

	dir := t.TempDir()
	aFile := filepath.Join(dir, "a-file")
	os.WriteFile(aFile, []byte("x"), 0o644)
	treeWithFile := filepath.Join(dir, "tree")
	os.MkdirAll(treeWithFile, 0o755)
	os.WriteFile(filepath.Join(treeWithFile, "x86_64"), []byte("x"), 0o644)
	treeWithDir := filepath.Join(dir, "tree2")
	os.MkdirAll(filepath.Join(treeWithDir, "x86_64", "list.json"), 0o755)
	readOnly := filepath.Join(dir, "ro")
	os.Mkdir(readOnly, 0o555)

	tests := []struct {
		name string
		args []string
		want string
		root bool // meaningful when run as root (root writes anywhere)
	}{
		{"--stats a directory", []string{"--out", filepath.Join(dir, "list.json"), "--stats", dir}, "--stats " + dir + ": cannot be written: " + dir + " is a directory", true},
		{"--out a directory", []string{"--out", dir}, "--out " + dir + ": cannot be written: " + dir + " is a directory", true},
		{"--out in a missing directory", []string{"--out", filepath.Join(dir, "nope", "list.json")}, "--out " + filepath.Join(dir, "nope", "list.json") + ": cannot be written: directory " + filepath.Join(dir, "nope") + " does not exist", true},
		{"--stats in a missing directory", []string{"--stats", filepath.Join(dir, "nope", "stats.json")}, "--stats " + filepath.Join(dir, "nope", "stats.json") + ": cannot be written: directory", true},
		{"--stats under a file", []string{"--stats", filepath.Join(aFile, "stats.json")}, "--stats " + filepath.Join(aFile, "stats.json") + ": cannot be written: " + aFile + " is not a directory", true},
		{"--out-dir a file", []string{"--out-dir", aFile}, "--out-dir " + aFile + ": cannot be written: " + aFile + " is a file, not a directory", true},
		{"--out-dir under a file", []string{"--out-dir", filepath.Join(aFile, "out")}, "--out-dir " + filepath.Join(aFile, "out") + ": cannot be written: " + filepath.Join(aFile, "out") + ": " + aFile + " is a file", true},
		{"--out-dir whose arch is a file", []string{"--out-dir", treeWithFile}, filepath.Join(treeWithFile, "x86_64") + " is a file, not a directory", true},
		{"--out-dir whose list.json is a directory", []string{"--out-dir", treeWithDir}, filepath.Join(treeWithDir, "x86_64", "list.json") + " is a directory", true},
		{"--cache-dir a file", []string{"--cache-dir", aFile}, "--cache-dir " + aFile + ": cannot be written: " + aFile + " is a file, not a directory", true},
		{"--out and --stats the same file", []string{"--out", filepath.Join(dir, "same.json"), "--stats", filepath.Join(dir, "same.json")}, "same.json: the same file as the output", true},
		{"--out in a read-only directory", []string{"--out", filepath.Join(readOnly, "list.json")}, "cannot create a file in " + readOnly, false},
		{"--out-dir in a read-only directory", []string{"--out-dir", filepath.Join(readOnly, "out")}, "cannot create a file in " + readOnly, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.root && os.Geteuid() == 0 {
				t.Skip("root may write in a read-only directory")
			}
			before, _ := os.ReadDir(dir)
			requests.Store(0)
			cache := filepath.Join(t.TempDir(), "cache")
			args := crawlArgs(srv.URL, keyring, append([]string{"--cache-dir", cache}, tt.args...)...)
			if strings.HasPrefix(tt.name, "--cache-dir") {
				args = slices.DeleteFunc(args, func(a string) bool { return a == "--no-cache" }) // the cache is used
			}
			r := runCLI(t, "", nil, args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.want)
			}
			if n := requests.Load(); n != 0 {
				t.Errorf("%d requests made before the outputs were checked", n)
			}
			if after, _ := os.ReadDir(dir); len(after) != len(before) {
				t.Errorf("the check left files: %v, was %v", after, before)
			}
			if _, err := os.Stat(cache); !os.IsNotExist(err) {
				t.Errorf("cache directory created (%v)", err)
			}
		})
	}

	// Outputs that can be written pass: a new --out-dir two levels deep
	// (made by the crawl), a --stats replacing a file. The crawl then runs.
	t.Run("writable outputs", func(t *testing.T) {
		requests.Store(0)
		out := filepath.Join(t.TempDir(), "a", "b")
		stats := filepath.Join(t.TempDir(), "stats.json")
		os.WriteFile(stats, []byte("{}"), 0o644)
		r := runCLI(t, "", nil, crawlArgs(srv.URL, keyring, "--out-dir", out, "--stats", stats)...)
		if r.code == 2 || requests.Load() == 0 {
			t.Errorf("exit %d after %d requests; want the crawl to run\n%s", r.code, requests.Load(), r.stderr)
		}
	})
}
