package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/falco"
)

// crawlArgs crawls Debian bookworm from the signed test mirror at url.
func crawlArgs(url, keyring string, more ...string) []string {
	return append([]string{"crawl", "--distro", "debian", "--release", "bookworm", "--keyring", keyring, "--now", fixtureNow, "--no-cache",
		"--mirror", "debian=" + url + "/debian", "--mirror", "debian-security=" + url + "/debian-security"}, more...)
}

// writeArm64List writes a one-kernel aarch64 list.json, as a previous
// crawl of a mirror that had arm64 would have.
func writeArm64List(t *testing.T, path string) []byte {
	t.Helper()
	k, err := matrixgen.Make(matrixgen.Spec{Target: "debian", Arch: matrixgen.AArch64, Release: "6.1.0-28-arm64", DistroVersion: "12"})
	if err != nil {
		t.Fatal(err)
	}
	k.Headers = []string{"http://127.0.0.1:1/debian/pool/main/l/linux/linux-headers-6.1.0-28-arm64_6.1.119-1_arm64.deb"}
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := falco.WriteFile(path, []matrixgen.Kernel{k}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	return data
}

// TestCrawlNeverEmptiesAnArch: the test mirror has no arm64 indices, so
// every aarch64 source fails while x86_64 succeeds. The aarch64 list.json
// of the previous crawl must not become {} (it did: 21,546 → 3 bytes).
func TestCrawlNeverEmptiesAnArch(t *testing.T) {
	mirror, keyring := signedMirror(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(mirror)))
	t.Cleanup(srv.Close)

	for _, tt := range []struct {
		name     string
		previous bool
	}{
		{"the output being replaced is the previous crawl", false},
		{"an explicit --previous without aarch64", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			arm := falco.TreePath(out, matrixgen.AArch64)
			before := writeArm64List(t, arm)
			args := crawlArgs(srv.URL, keyring, "--arch", "x86_64,aarch64", "--out-dir", out)
			if tt.previous {
				args = append(args, "--previous", t.TempDir())
			}
			r := runCLI(t, "", nil, args...)
			if r.code != 3 {
				t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
			}
			if after, _ := os.ReadFile(arm); !bytes.Equal(after, before) {
				t.Errorf("aarch64 list.json replaced:\n%s\nwas\n%s", after, before)
			}
			if !strings.Contains(r.stderr, `msg="every source of this arch failed: output not written" arch=aarch64 path=`+arm+" kept=true") {
				t.Errorf("stderr does not name the kept file:\n%s", r.stderr)
			}
			if x86, _, _ := falco.ReadFile(falco.TreePath(out, matrixgen.X86_64), ""); len(x86) != 30 {
				t.Errorf("x86_64 has %d kernels, want 30", len(x86))
			}
		})
	}

	// Part of an arch fails (the security archive is down): without
	// --previous its kernels are carried over from the output being
	// replaced, and stderr says from where.
	t.Run("partial failure carries over from the output", func(t *testing.T) {
		out := t.TempDir()
		if r := runCLI(t, "", nil, crawlArgs(srv.URL, keyring, "--out-dir", out)...); r.code != 0 {
			t.Fatalf("first crawl: exit %d\n%s", r.code, r.stderr)
		}
		r := runCLI(t, "", nil, crawlArgs(srv.URL, keyring, "--out-dir", out, "--mirror", "debian-security="+srv.URL+"/nowhere")...)
		if r.code != 3 {
			t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
		}
		ks, _, err := falco.ReadFile(falco.TreePath(out, matrixgen.X86_64), "")
		carried := 0
		for _, k := range ks {
			if k.CarriedOver {
				carried++
			}
		}
		if err != nil || len(ks) != 30 || carried != 27 {
			t.Errorf("%d kernels, %d carried over (%v); want 30 and 27", len(ks), carried, err)
		}
		if !strings.Contains(r.stderr, `carried over from the existing output (marked carried_over)" path=`+out+" kernels=27") {
			t.Errorf("stderr does not say where kernels were carried over from:\n%s", r.stderr)
		}
	})

	t.Run("every source failed, one arch", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "list.json")
		before := []byte(`{"debian": [`) // unreadable: nothing to carry over, and still not replaced
		os.WriteFile(out, before, 0o644)
		r := runCLI(t, "", nil, crawlArgs(srv.URL, keyring, "--arch", "aarch64", "--out", out)...)
		if r.code != 1 || !strings.Contains(r.stderr, "nothing written") || !strings.Contains(r.stderr, "cannot carry over") {
			t.Errorf("exit %d, want 1 saying nothing was written\n%s", r.code, r.stderr)
		}
		if after, _ := os.ReadFile(out); !bytes.Equal(after, before) {
			t.Errorf("output replaced: %q", after)
		}
	})
}

// TestCrawlInterrupted: Ctrl-C during a crawl (the context ends while the
// security mirror hangs) writes what finished, names the unfinished
// source, and exits 3. Before, everything already crawled was lost.
func TestCrawlInterrupted(t *testing.T) {
	mirror, keyring := signedMirror(t)
	files := http.FileServer(http.Dir(mirror))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cache := t.TempDir()
	var once sync.Once
	var srv *httptest.Server
	hang := "/debian-security/dists/bookworm-security/InRelease"
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != hang {
			files.ServeHTTP(w, r)
			return
		}
		// The user presses Ctrl-C once the other suites are done: a suite's
		// index is memoised (by its digest) only after it was read and
		// parsed whole; two suites with identical indices share one memo.
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for !parsedAll(cache, mirror, "bookworm", "bookworm-updates", "bookworm-backports") {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
		once.Do(cancel)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)

	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	ios := &ioStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr, Getenv: func(string) string { return "" }}
	args := crawlArgs(srv.URL, keyring, "--out-dir", out, "--cache-dir", cache)
	args = slices.DeleteFunc(args, func(a string) bool { return a == "--no-cache" })
	code := run(ctx, args, ios)
	if code != 3 {
		t.Fatalf("interrupted crawl: exit %d, want 3\n%s", code, stderr.String())
	}
	for _, want := range []string{"matrixgen: interrupted: ", "what finished is written", srv.URL + hang, "context canceled"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	ks, probs, err := falco.ReadFile(falco.TreePath(out, matrixgen.X86_64), "")
	if err != nil || len(probs) > 0 {
		t.Fatal(err, probs)
	}
	// bookworm-backports finished: its 3 kernels are written; the security
	// archive's 27 were never seen (see fixtures/README.md).
	if len(ks) != 3 || ks[0].Release != "6.12.95+deb12-amd64" {
		t.Errorf("after the interrupt: %d kernels %v, want backports' 3", len(ks), ks)
	}
}

// cachedAll says whether the fetch cache in dir holds the Packages.xz of
// every suite: cache entries are committed only after the whole body.
// parsedAll says whether the crawl has read and parsed the Packages index
// of every suite: each index's memo (keyed by its SHA256) is in the cache.
func parsedAll(cache, mirror string, suites ...string) bool {
	for _, s := range suites {
		data, err := os.ReadFile(filepath.Join(mirror, "debian", "dists", s, "main", "binary-amd64", "Packages.xz"))
		if err != nil {
			return false
		}
		sum := sha256.Sum256(data)
		if _, err := os.Stat(filepath.Join(cache, "memo", "deb-stanzas-v1-"+hex.EncodeToString(sum[:])+".json")); err != nil {
			return false
		}
	}
	return true
}

// TestCrawlUsageBeforeSideEffects: refused requests exit 2 and create no
// cache directory; non-positive timeouts are refused.
func TestCrawlUsageBeforeSideEffects(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"zero timeout", []string{"--timeout", "0s"}, "--timeout 0s: want a positive duration"},
		{"negative timeout", []string{"--timeout", "-5m"}, "--timeout -5m0s: want a positive duration"},
		{"unknown distro", []string{"--distro", "gentoo"}, `--distro "gentoo": unknown`},
		{"unknown release", []string{"--release", "hamm"}, `--release "hamm": not a release`},
		{"bad arch", []string{"--arch", "sparc"}, `arch "sparc"`},
		{"extra argument", []string{"bookworm"}, `unknown command "bookworm" for "matrixgen crawl" (see 'matrixgen crawl --help')`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := filepath.Join(t.TempDir(), "cache")
			r := runCLI(t, "", nil, append([]string{"crawl", "--cache-dir", cache}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.want)
			}
			if _, err := os.Stat(cache); !os.IsNotExist(err) {
				t.Errorf("cache directory created by a refused request (%v)", err)
			}
		})
	}
}

// TestCrawlTimeout: --timeout ends a crawl whose mirror never answers; the
// message names the flag, every source is named as failed, nothing is
// written (nothing finished), and the exit code is 1.
func TestCrawlTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(srv.Close)
	out := filepath.Join(t.TempDir(), "list.json")
	r := runCLI(t, "", nil, crawlArgs(srv.URL, "../../crawlers/keyrings/debian-archive-keyring.gpg", "--timeout", "1s", "--out", out)...)
	if r.code != 1 || !strings.Contains(r.stderr, "matrixgen: --timeout 1s reached before any source finished (4 unfinished); nothing written") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if strings.Count(r.stderr, `msg="source failed"`) != 4 {
		t.Errorf("want 4 sources named as failed:\n%s", r.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output written: %v", err)
	}
}

// TestCrawlShowsRetryWaits: a rate-limited request is visible as it waits
// (a slog line naming the URL, the attempt and the reason), rather than a
// crawl that looks hung; the crawl then succeeds.
func TestCrawlShowsRetryWaits(t *testing.T) {
	mirror, keyring := signedMirror(t)
	files := http.FileServer(http.Dir(mirror))
	var limitedOnce atomic.Bool
	limited := "/debian/dists/bookworm/InRelease"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == limited && limitedOnce.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	r := runCLI(t, "", nil, crawlArgs(srv.URL, keyring, "--out", filepath.Join(t.TempDir(), "list.json"))...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `msg="waiting to retry"`) || !strings.Contains(r.stderr, `reason="429 Too Many Requests"`) || !strings.Contains(r.stderr, "attempt=1") || !strings.Contains(r.stderr, "url="+srv.URL+limited) {
		t.Errorf("no visible retry wait:\n%s", r.stderr)
	}
}
