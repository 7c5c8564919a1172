package fetch

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/matrixgen/matrixgen/internal/compresstest"
)

// open reads a whole response and reports whether it came from the cache.
func open(t *testing.T, c *Client, req Request) ([]byte, bool, error) {
	t.Helper()
	resp, err := c.Open(context.Background(), req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, resp.FromCache, err
}

func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestConditionalGet(t *testing.T) {
	body := []byte("Origin: Ubuntu\nSuite: noble-security\n")
	const lastMod = "Thu, 20 Nov 2025 10:00:00 GMT"
	tests := []struct {
		name     string
		file     mirrorFile
		inm, ims string // the validators the second request must carry
	}{
		{name: "ETag", file: mirrorFile{body: body, etag: `"v1"`}, inm: `"v1"`},
		{name: "Last-Modified", file: mirrorFile{body: body, lastMod: lastMod}, ims: lastMod},
		{name: "both", file: mirrorFile{body: body, etag: `W/"v1"`, lastMod: lastMod}, inm: `W/"v1"`, ims: lastMod},
		{name: "chunked", file: mirrorFile{body: body, etag: `"v1"`, chunked: true}, inm: `"v1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cache")
			m, srv := newMirror(t, map[string]mirrorFile{"/InRelease": tt.file})
			c := newTestClient(t, Options{CacheDir: dir})
			req := Request{URL: srv.URL + "/InRelease", SHA256: sha(body), Size: int64(len(body))}

			got, fromCache, err := open(t, c, req)
			if err != nil || fromCache || !bytes.Equal(got, body) {
				t.Fatalf("%s: first GET = %q, FromCache %v, %v", tt.name, got, fromCache, err)
			}
			if files := cacheFiles(t, dir); len(files) != 2 {
				t.Fatalf("%s: cache holds %v, want the body and its metadata", tt.name, files)
			}
			got, fromCache, err = open(t, c, req)
			if err != nil || !fromCache || !bytes.Equal(got, body) {
				t.Fatalf("%s: second GET = %q, FromCache %v, %v; want the cached body", tt.name, got, fromCache, err)
			}
			h := m.headers()
			if len(h) != 2 {
				t.Fatalf("%s: server saw %d requests, want 2", tt.name, len(h))
			}
			if h[0].Get("If-None-Match") != "" || h[0].Get("If-Modified-Since") != "" {
				t.Errorf("%s: first request was conditional: %v", tt.name, h[0])
			}
			if h[1].Get("If-None-Match") != tt.inm || h[1].Get("If-Modified-Since") != tt.ims {
				t.Errorf("%s: second request sent If-None-Match %q If-Modified-Since %q, want %q %q", tt.name,
					h[1].Get("If-None-Match"), h[1].Get("If-Modified-Since"), tt.inm, tt.ims)
			}
			st := c.Stats()
			if st.NotModified != 1 || st.Bytes != int64(len(body)) || st.Requests != 2 || st.Failures != 0 {
				t.Errorf("%s: Stats = %+v, want 1 not-modified and Bytes %d (the first GET only)", tt.name, st, len(body))
			}
		})
	}
}

func TestCacheReplacesChangedFile(t *testing.T) {
	dir := t.TempDir()
	v1, v2 := []byte("version one\n"), []byte("version two, longer\n")
	m, srv := newMirror(t, map[string]mirrorFile{"/Release": {body: v1, etag: `"1"`}})
	c := newTestClient(t, Options{CacheDir: dir})
	url := srv.URL + "/Release"
	if got, _, err := open(t, c, Request{URL: url}); err != nil || !bytes.Equal(got, v1) {
		t.Fatalf("GET v1 = %q, %v", got, err)
	}
	m.set("/Release", mirrorFile{body: v2, etag: `"2"`})
	got, fromCache, err := open(t, c, Request{URL: url})
	if err != nil || fromCache || !bytes.Equal(got, v2) {
		t.Fatalf("GET after a change = %q, FromCache %v, %v; want v2 from the server", got, fromCache, err)
	}
	want := []string{cacheKey(url) + ".json", cacheKey(url) + "." + sha(v2)}
	sort.Strings(want)
	if files := cacheFiles(t, dir); !equal(files, want) {
		t.Errorf("cache holds %v, want only the new entry %v", files, want)
	}
	if got, fromCache, err = open(t, c, Request{URL: url}); err != nil || !fromCache || !bytes.Equal(got, v2) {
		t.Errorf("third GET = %q, FromCache %v, %v; want v2 from the cache", got, fromCache, err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCacheNotPopulatedByFailedReads(t *testing.T) {
	body := bytes.Repeat([]byte("Package: linux-image-6.1.0-28-amd64\n"), 2000)
	tests := []struct {
		name string
		req  func(url string) Request
		read func(rc io.Reader) error
	}{
		{
			name: "checksum mismatch",
			req:  func(url string) Request { return Request{URL: url, SHA256: sha([]byte("other"))} },
			read: func(r io.Reader) error { _, err := io.ReadAll(r); return err },
		},
		{
			name: "over the size cap",
			req:  func(url string) Request { return Request{URL: url, MaxBytes: 1000} },
			read: func(r io.Reader) error { _, err := io.ReadAll(r); return err },
		},
		{
			name: "closed before EOF",
			req:  func(url string) Request { return Request{URL: url} },
			read: func(r io.Reader) error {
				_, err := r.Read(make([]byte, 100))
				if err == nil {
					err = errors.New("stopped early")
				}
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			m, srv := newMirror(t, map[string]mirrorFile{"/Packages": {body: body, etag: `"p"`, chunked: true}})
			c := newTestClient(t, Options{CacheDir: dir})
			url := srv.URL + "/Packages"
			resp, err := c.Open(context.Background(), tt.req(url))
			if err != nil {
				t.Fatalf("%s: Open: %v", tt.name, err)
			}
			if err := tt.read(resp.Body); err == nil {
				t.Fatalf("%s: the read succeeded", tt.name)
			}
			resp.Body.Close()
			if files := cacheFiles(t, dir); len(files) != 0 {
				t.Errorf("%s: the cache holds %v after a failed read", tt.name, files)
			}
			if _, fromCache, err := open(t, c, Request{URL: url}); err != nil || fromCache {
				t.Errorf("%s: next GET: FromCache %v, %v; want a fresh download", tt.name, fromCache, err)
			}
			if h := m.headers(); h[1].Get("If-None-Match") != "" {
				t.Errorf("%s: the next request was conditional (If-None-Match %q)", tt.name, h[1].Get("If-None-Match"))
			}
		})
	}
}

func TestCorruptedCacheEntry(t *testing.T) {
	dir := t.TempDir()
	body := []byte("Origin: Debian\n")
	_, srv := newMirror(t, map[string]mirrorFile{"/InRelease": {body: body, etag: `"v"`}})
	c := newTestClient(t, Options{CacheDir: dir})
	url := srv.URL + "/InRelease"
	if _, _, err := open(t, c, Request{URL: url}); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, cacheKey(url)+"."+sha(body))
	bad := bytes.Clone(body)
	bad[0] = 'X'
	if err := os.WriteFile(data, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	_, fromCache, err := open(t, c, Request{URL: url})
	var ce *ChecksumError
	if !errors.As(err, &ce) || ce.File != data || ce.Want != sha(body) || !fromCache {
		t.Fatalf("GET of a tampered cache entry: FromCache %v, %v; want a *ChecksumError naming %s", fromCache, err, data)
	}
	wantURL(t, err, url)
}

// A mirror that changes a file but not its ETag would answer 304 forever; a request that
// names a digest the cached copy does not have asks unconditionally.
func TestCacheSkippedForAnotherDigest(t *testing.T) {
	dir := t.TempDir()
	v1, v2 := []byte("one\n"), []byte("two\n")
	m, srv := newMirror(t, map[string]mirrorFile{"/Release": {body: v1, etag: `"same"`}})
	c := newTestClient(t, Options{CacheDir: dir})
	url := srv.URL + "/Release"
	if _, _, err := open(t, c, Request{URL: url, SHA256: sha(v1)}); err != nil {
		t.Fatal(err)
	}
	m.set("/Release", mirrorFile{body: v2, etag: `"same"`})
	got, fromCache, err := open(t, c, Request{URL: url, SHA256: sha(v2)})
	if err != nil || fromCache || !bytes.Equal(got, v2) {
		t.Fatalf("GET with the new digest = %q, FromCache %v, %v; want v2 from the server", got, fromCache, err)
	}
	if h := m.headers(); h[1].Get("If-None-Match") != "" {
		t.Errorf("the request for another digest was conditional")
	}
}

func TestCacheWithDecompression(t *testing.T) {
	dir := t.TempDir()
	plain := stanzas(t)
	gz := compresstest.Gzip(t, plain)
	_, srv := newMirror(t, map[string]mirrorFile{"/Packages.gz": {body: gz, etag: `"gz"`}})
	c := newTestClient(t, Options{CacheDir: dir})
	req := Request{URL: srv.URL + "/Packages.gz", Decompress: true, SHA256: sha(gz)}
	for i, wantCache := range []bool{false, true} {
		got, fromCache, err := open(t, c, req)
		if err != nil || fromCache != wantCache || !bytes.Equal(got, plain) {
			t.Fatalf("GET #%d: %d bytes, FromCache %v, %v; want %d decompressed bytes, FromCache %v", i+1, len(got), fromCache, err, len(plain), wantCache)
		}
	}
	// The cache keeps the bytes as served.
	cached, err := os.ReadFile(filepath.Join(dir, cacheKey(req.URL)+"."+sha(gz)))
	if err != nil || !bytes.Equal(cached, gz) {
		t.Errorf("cached copy: %d bytes, %v; want the %d gzip bytes", len(cached), err, len(gz))
	}
}

// Without ETag or Last-Modified an entry could never be revalidated, so none is written.
func TestNoValidatorNoCacheEntry(t *testing.T) {
	dir := t.TempDir()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) })
	c := newTestClient(t, Options{CacheDir: dir})
	if _, err := c.Get(context.Background(), Request{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	if files := cacheFiles(t, dir); len(files) != 0 {
		t.Errorf("cache holds %v for a response without validators", files)
	}
}
