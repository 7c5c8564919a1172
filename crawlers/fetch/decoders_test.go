package fetch

import (
	"context"
	"io"
	"net/http"
	"os"
	"runtime"
	"testing"
)

// packagesXZ is a real Packages.xz: like every Debian and Ubuntu index, its block declares
// xz -6's 8 MiB dictionary, however small the index.
func packagesXZ(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../fixtures/mirrors/debian/dists/bookworm-backports/main/binary-amd64/Packages.xz")
	if err != nil {
		t.Fatal(err)
	}
	if w, ok := xzDictSize(b); !ok || w != 8<<20 {
		t.Fatalf("fixture declares a %d-byte dictionary, want 8 MiB", w)
	}
	return b
}

func openXZ(t *testing.T, c *Client, url string) *Response {
	t.Helper()
	resp, err := c.Open(context.Background(), Request{URL: url, Decompress: true})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestXZDecodersReused: indexes decoded one after another reuse one decoder and its
// dictionary. A new decoder per index allocated 8 MiB per Packages.xz (14 in a cold crawl
// of bookworm, trixie, jammy and noble: 89% of its allocations).
func TestXZDecodersReused(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops a random quarter of the decoders put back")
	}
	data := packagesXZ(t)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(data) })
	c := newTestClient(t, Options{})
	read := func() {
		resp := openXZ(t, c, srv.URL+"/Packages.xz")
		if n, err := io.Copy(io.Discard, resp.Body); err != nil || n != 1906411 {
			t.Fatalf("decoded %d bytes, %v; want 1906411", n, err)
		}
		resp.Body.Close()
	}
	read() // the first decoder and its dictionary
	const n = 8
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		read()
	}
	runtime.ReadMemStats(&after)
	// The index itself is 1.9 MB decoded and 0.3 MB raw; up to two more dictionaries are allowed
	// for garbage collections that empty the pool. A new decoder each time:
	// >= 64 MiB.
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(3*8<<20); got > limit {
		t.Errorf("%d indexes decoded one after another allocated %d MiB, want at most %d MiB (one dictionary per index is %d MiB)", n, got>>20, limit>>20, n*8)
	}
}

// TestDecodersBounded: Options.Decoders bounds the xz (and zstd) streams decoded at once,
// and so their dictionaries: a crawl decoded up to PerHost (4) or Concurrency (8) indexes
// at once on 2 cores, 8 MiB each. A body holds its decoder until Close.
func TestDecodersBounded(t *testing.T) {
	data := packagesXZ(t)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(data) })
	c := newTestClient(t, Options{Decoders: 2})
	a := openXZ(t, c, srv.URL+"/a/Packages.xz")
	b := openXZ(t, c, srv.URL+"/b/Packages.xz")
	if c.decoders.TryAcquire(1) {
		t.Fatal("a third decoder while two bodies are open, with Decoders: 2")
	}
	a.Body.Close()
	if !c.decoders.TryAcquire(1) {
		t.Fatal("Close did not give back its decoder")
	}
	c.decoders.Release(1)
	b.Body.Close()
	if got := New(Options{}).opts.Decoders; got != max(2, runtime.GOMAXPROCS(0)) {
		t.Errorf("default Decoders = %d, want GOMAXPROCS (%d), at least 2", got, runtime.GOMAXPROCS(0))
	}
}
