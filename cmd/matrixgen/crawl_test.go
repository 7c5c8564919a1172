package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/matrixgen/matrixgen/falco"
	"github.com/matrixgen/matrixgen/internal/compresstest"
	"github.com/matrixgen/matrixgen/internal/rpmfixture"
	"github.com/matrixgen/matrixgen/schemas"
)

// fixtureNow is inside the Valid-Until of the recorded InRelease files.
const fixtureNow = "2026-11-21T12:00:00Z"

// signedMirror builds a Debian mirror with every suite the crawler asks
// for, from the real bookworm-security and bookworm-backports Packages.xz,
// signed with a key made here; it returns the directory and the public
// keyring's path.
func signedMirror(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	ent, err := openpgp.NewEntity("matrixgen test", "", "test@example.invalid", &packet.Config{RSABits: 2048, Time: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	empty := compresstest.Xz(t, nil)
	suites := map[string]struct{ mirror, packages string }{
		"bookworm":           {"debian", ""},
		"bookworm-updates":   {"debian", ""},
		"bookworm-backports": {"debian", "../../fixtures/mirrors/debian/dists/bookworm-backports/main/binary-amd64/Packages.xz"},
		"bookworm-security":  {"debian-security", "../../fixtures/mirrors/debian-security/dists/bookworm-security/main/binary-amd64/Packages.xz"},
	}
	for suite, s := range suites {
		pk := empty
		if s.packages != "" {
			if pk, err = os.ReadFile(s.packages); err != nil {
				t.Fatal(err)
			}
		}
		d := filepath.Join(dir, s.mirror, "dists", suite)
		os.MkdirAll(filepath.Join(d, "main", "binary-amd64"), 0o755)
		os.WriteFile(filepath.Join(d, "main", "binary-amd64", "Packages.xz"), pk, 0o644)
		sum := sha256.Sum256(pk)
		release := fmt.Sprintf("Origin: Debian\nSuite: %s\nCodename: %s\nVersion: 12\nDate: Sat, 21 Nov 2026 00:00:00 UTC\nValid-Until: Sat, 28 Nov 2026 00:00:00 UTC\nArchitectures: amd64\nComponents: main\nSHA256:\n %s %d main/binary-amd64/Packages.xz\n",
			suite, suite, hex.EncodeToString(sum[:]), len(pk))
		var signed bytes.Buffer
		// Signed "before" the crawl's clock, as a real archive's InRelease is.
		w, err := clearsign.Encode(&signed, ent.PrivateKey, &packet.Config{Time: func() time.Time { return time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(release))
		w.Close()
		os.WriteFile(filepath.Join(d, "InRelease"), signed.Bytes(), 0o644)
	}
	var pub bytes.Buffer
	aw, _ := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	ent.Serialize(aw)
	aw.Close()
	keyring := filepath.Join(dir, "test-keyring.asc")
	os.WriteFile(keyring, pub.Bytes(), 0o644)
	return dir, keyring
}

// countingServer serves dir and counts the body bytes it sends.
func countingServer(t *testing.T, dir string) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	fs := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.ServeHTTP(countingWriter{w, &n}, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.ResponseWriter.Write(p)
}

func TestCrawlCLI(t *testing.T) {
	mirror, keyring := signedMirror(t)
	srv, sent := countingServer(t, mirror)
	out := t.TempDir()
	cache := t.TempDir()
	args := []string{"crawl", "--distro", "debian", "--release", "bookworm", "--keyring", keyring, "--now", fixtureNow,
		"--mirror", "debian=" + srv.URL + "/debian", "--mirror", "debian-security=" + srv.URL + "/debian-security",
		"--cache-dir", cache, "--out-dir", out, "--stats", filepath.Join(out, "stats.json")}

	r := runCLI(t, "", nil, args...)
	if r.code != 0 {
		t.Fatalf("crawl: exit %d\n%s", r.code, r.stderr)
	}
	list := filepath.Join(out, "x86_64", "list.json")
	data, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate(schemas.Crawl, data); err != nil {
		t.Fatalf("crawl output not schema-valid: %v", err)
	}
	ks, probs, err := falco.ReadFile(list, "")
	if err != nil || len(probs) > 0 {
		t.Fatal(err, probs)
	}
	// bookworm-security has 4 old-ABI × 3 flavors and 5 new-ABI × 3 flavors;
	// backports adds 6.12.95+deb12 × 3 (see fixtures/README.md).
	if len(ks) != 4*3+5*3+3 {
		t.Errorf("crawled %d kernels, want 30", len(ks))
	}
	for _, want := range []string{"DISTRO  ARCH    KERNELS  SOURCES  FAILED", "debian  x86_64  30       4        0", "30 kernels (0 carried over), 4 sources, 0 failed, 0 unchanged since the last run; 7 requests"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stderr)
		}
	}
	var stats struct {
		Requests      int64          `json:"requests"`
		Retries       int64          `json:"retries"`
		Sources       int64          `json:"sources"`
		FailedSources int64          `json:"failed_sources"`
		Hosts         map[string]any `json:"hosts"`
	}
	statsData, _ := os.ReadFile(filepath.Join(out, "stats.json"))
	if err := json.Unmarshal(statsData, &stats); err != nil {
		t.Fatalf("stats.json: %v\n%s", err, statsData)
	}
	// 7 requests: 4 InRelease, 3 Packages.xz: bookworm and bookworm-updates
	// list the same (empty) index, read once per run whichever suite comes
	// first (retries, if a loaded machine made any, are counted apart).
	if stats.Requests-stats.Retries != 7 || len(stats.Hosts) == 0 || stats.Sources != 4 || stats.FailedSources != 0 {
		t.Errorf("stats = %+v from\n%s", stats, statsData)
	}

	// A second run over an unchanged mirror costs the InRelease 304s only:
	// the Packages indices its signed digests list are unchanged, so they
	// are neither requested nor parsed again (their kept stanzas are reused).
	first := sent.Load()
	sent.Store(0)
	r = runCLI(t, "", nil, args...)
	again, _ := os.ReadFile(list)
	if r.code != 0 || !bytes.Equal(again, data) {
		t.Fatalf("second crawl: exit %d, output changed: %v\n%s", r.code, !bytes.Equal(again, data), r.stderr)
	}
	if second := sent.Load(); second*20 > first {
		t.Errorf("second run received %d bytes, first %d: want under 5%%", second, first)
	}
	if second := sent.Load(); second != 0 {
		t.Errorf("second run received %d bytes, want 0", second)
	}
	if !strings.Contains(r.stderr, "4 sources, 0 failed, 4 unchanged since the last run; 4 requests, 0 B received, 4 not modified (cache)") {
		t.Errorf("second run summary:\n%s", r.stderr)
	}

	// The security archive goes down: its kernels are carried over from the
	// previous output, the failure is named, and the exit code says partial.
	os.RemoveAll(filepath.Join(mirror, "debian-security"))
	r = runCLI(t, "", nil, append(args, "--no-cache", "--previous", out)...)
	if r.code != 3 {
		t.Fatalf("crawl with dead security mirror: exit %d, want 3\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, srv.URL+"/debian-security/dists/bookworm-security/InRelease") || !strings.Contains(r.stderr, "404") {
		t.Errorf("failure not named with URL and status:\n%s", r.stderr)
	}
	ks2, _, _ := falco.ReadFile(list, "")
	carried := 0
	for _, k := range ks2 {
		if k.CarriedOver {
			carried++
		}
	}
	if len(ks2) != 30 || carried != 27 {
		t.Errorf("after outage: %d kernels, %d carried over; want 30 and 27", len(ks2), carried)
	}

	// Without --previous the outage loses those kernels from this run, and says so.
	r = runCLI(t, "", nil, append(args[:len(args)-4], "--no-cache", "--out", filepath.Join(out, "nocarry.json"))...)
	ks3, _, _ := falco.ReadFile(filepath.Join(out, "nocarry.json"), "")
	if r.code != 3 || len(ks3) != 3 {
		t.Errorf("without --previous: exit %d, %d kernels; want 3 and 3", r.code, len(ks3))
	}
}

func TestCrawlCLIRealFixtures(t *testing.T) {
	// The recorded archives, verified with the embedded keyrings: the suites
	// the fixtures lack fail with 404s (named), the others are written.
	srv := httptest.NewServer(http.FileServer(http.Dir("../../fixtures/mirrors")))
	t.Cleanup(srv.Close)
	out := filepath.Join(t.TempDir(), "list.json")
	r := runCLI(t, "", nil, "crawl", "--release", "bookworm,noble", "--now", fixtureNow, "--no-cache", "--out", out,
		"--mirror", "debian="+srv.URL+"/debian", "--mirror", "debian-security="+srv.URL+"/debian-security",
		"--mirror", "ubuntu="+srv.URL+"/ubuntu", "--mirror", "ubuntu-security="+srv.URL+"/ubuntu")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3 (partial)\n%s", r.code, r.stderr)
	}
	for _, missing := range []string{"/debian/dists/bookworm/InRelease", "/debian/dists/bookworm-updates/InRelease", "/ubuntu/dists/noble/InRelease", "/ubuntu/dists/noble-updates/InRelease"} {
		if !strings.Contains(r.stderr, srv.URL+missing) {
			t.Errorf("failure for %s not named:\n%s", missing, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, "4 of 7 sources failed") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	ks, _, err := falco.ReadFile(out, "")
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, k := range ks {
		per[k.Distribution+"/"+k.DistroVersion]++
	}
	// 311 flavored headers in noble-security (see fixtures/README.md).
	if per["debian/12"] != 30 || per["ubuntu/24.04"] != 311 {
		t.Errorf("kernels per distro = %v, want debian/12:30 ubuntu/24.04:311", per)
	}

	// Past Valid-Until the Debian sources are refused, as apt does, unless asked not to.
	late := "2026-12-01T00:00:00Z"
	r = runCLI(t, "", nil, "crawl", "--distro", "debian", "--release", "bookworm", "--now", late, "--no-cache", "--out", out,
		"--mirror", "debian="+srv.URL+"/debian", "--mirror", "debian-security="+srv.URL+"/debian-security")
	if r.code != 1 || !strings.Contains(r.stderr, "Valid-Until") || !strings.Contains(r.stderr, "nothing written") {
		t.Errorf("expired: exit %d\n%s", r.code, r.stderr)
	}
	r = runCLI(t, "", nil, "crawl", "--distro", "debian", "--release", "bookworm", "--now", late, "--check-valid-until=false", "--no-cache", "--out", out,
		"--mirror", "debian="+srv.URL+"/debian", "--mirror", "debian-security="+srv.URL+"/debian-security")
	if r.code != 3 || !strings.Contains(r.stderr, "30 kernels") {
		t.Errorf("--check-valid-until=false: exit %d\n%s", r.code, r.stderr)
	}
}

func TestCrawlCLIUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"crawl", "--distro", "gentoo"}, `--distro "gentoo": unknown`},
		{[]string{"crawl", "--release", "hamm"}, `--release "hamm": not a release`},
		{[]string{"crawl", "--mirror", "nope=http://127.0.0.1:1"}, "--mirror nope: unknown key"},
		{[]string{"crawl", "--mirror", "debian"}, "want KEY=http(s)://URL"},
		{[]string{"crawl", "--arch", "sparc"}, `arch "sparc"`},
		{[]string{"crawl", "--arch", "x86_64,aarch64", "--out", "x.json"}, "2 arches need --out-dir"},
		{[]string{"crawl", "--arch", "x86_64,riscv64"}, "2 arches need --out-dir"},
		{[]string{"crawl", "--out", "a", "--out-dir", "b"}, "exclude each other"},
		{[]string{"crawl", "--now", "yesterday"}, "--now"},
		{[]string{"crawl", "--keyring", "/nonexistent.gpg"}, "/nonexistent.gpg"},
	}
	for _, tt := range tests {
		r := runCLI(t, "", nil, tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

// TestCrawlCLIRPMDistros crawls the seven RPM distributions from their
// fixture trees (fixtures/rpm/distros, one folder per --mirror key) on
// every arch: exit 0, every list.json schema-valid, the summary naming
// every distribution × arch; then a repository that answers 404 is a
// named failure and exit 3.
func TestCrawlCLIRPMDistros(t *testing.T) {
	var gone atomic.Value // a path answered 404
	gone.Store("")
	srv := rpmfixture.Serve(t, "../../fixtures/rpm/distros", func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == gone.Load().(string) {
			http.NotFound(w, r)
			return true
		}
		return false
	})
	distros := []string{"fedora", "centos", "amazonlinux2", "amazonlinux2023", "rocky", "almalinux", "oracle"}
	out, cache := t.TempDir(), t.TempDir()
	args := []string{"crawl", "--distro", strings.Join(distros, ","), "--arch", "x86_64,aarch64,aarch64+64k",
		"--out-dir", out, "--cache-dir", cache}
	for _, k := range []string{"fedora", "fedora-archive", "centos-stream", "amazonlinux2", "amazonlinux2023",
		"al2023-livepatch", "rocky", "rocky-vault", "almalinux", "almalinux-vault", "oracle"} {
		args = append(args, "--mirror", k+"="+srv.URL+"/"+k)
	}

	r := runCLI(t, "", nil, args...)
	if r.code != 0 {
		t.Fatalf("crawl: exit %d\n%s", r.code, r.stderr)
	}
	falcoKey := map[string]string{"oracle": "ol"}
	for _, arch := range []string{"x86_64", "aarch64", "aarch64+64k"} {
		data, err := os.ReadFile(filepath.Join(out, arch, "list.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas.Validate(schemas.Crawl, data); err != nil {
			t.Errorf("%s/list.json not schema-valid: %v", arch, err)
		}
		var list map[string][]struct {
			KernelRelease string   `json:"kernelrelease"`
			Headers       []string `json:"headers"`
			Source        string   `json:"source"`
		}
		if err := json.Unmarshal(data, &list); err != nil {
			t.Fatal(err)
		}
		// A line per distribution × arch, 0 kernels included, and no failure.
		for _, d := range distros {
			row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(d) + ` +` + regexp.QuoteMeta(arch) + ` +([0-9]+) +[0-9]+ +0$`)
			m := row.FindStringSubmatch(r.stderr)
			if m == nil {
				t.Errorf("summary has no row for %s %s:\n%s", d, arch, r.stderr)
				continue
			}
			key := d
			if k, ok := falcoKey[d]; ok {
				key = k
			}
			if n := fmt.Sprint(len(list[key])); m[1] != n {
				t.Errorf("summary says %s %s has %s kernels, %s/list.json has %s", d, arch, m[1], arch, n)
			}
		}
		// Only the EL distributions ship kernel-64k-devel (see fixtures/rpm/generate-distros.sh).
		if arch == "aarch64+64k" {
			for key, entries := range list {
				if key != "centos" && key != "rocky" && key != "almalinux" && len(entries) > 0 {
					t.Errorf("aarch64+64k: %s has %d kernels, want none", key, len(entries))
				}
				for _, e := range entries {
					if !strings.HasSuffix(e.KernelRelease, ".aarch64+64k") {
						t.Errorf("aarch64+64k: %s %s", key, e.KernelRelease)
					}
				}
			}
			if len(list["centos"]) != 4 {
				t.Errorf("aarch64+64k: centos has %d kernels, want 4 (2 per stream)", len(list["centos"]))
			}
		}
		// Live-patched kernels are marked; core's headers where core has them, none otherwise.
		if arch == "x86_64" {
			want := map[string]int{"6.1.174-217.345.amzn2023.x86_64": 1, "6.12.58-82.121.amzn2023.x86_64": 1, "6.1.12-19.43.amzn2023.x86_64": 0, "6.1.170-213.321.amzn2023.x86_64": 0}
			for _, e := range list["amazonlinux2023"] {
				n, ok := want[e.KernelRelease]
				if !ok {
					if e.Source != "" {
						t.Errorf("%s: source %q, want none", e.KernelRelease, e.Source)
					}
					continue
				}
				delete(want, e.KernelRelease)
				if e.Source != "livepatch" || len(e.Headers) != n || e.Headers == nil {
					t.Errorf("%s: source %q, headers %v; want livepatch and %d", e.KernelRelease, e.Source, e.Headers, n)
				}
			}
			if len(want) > 0 {
				t.Errorf("livepatch kernels missing from list.json: %v", want)
			}
		}
	}

	// Warm: every repository's digest is unchanged, nothing is parsed again.
	r = runCLI(t, "", nil, args...)
	if r.code != 0 || !regexp.MustCompile(`([0-9]+) sources, 0 failed, ([0-9]+) unchanged since the last run`).MatchString(r.stderr) {
		t.Fatalf("warm crawl: exit %d\n%s", r.code, r.stderr)
	}
	m := regexp.MustCompile(`([0-9]+) sources, 0 failed, ([0-9]+) unchanged since the last run`).FindStringSubmatch(r.stderr)
	if m[1] != m[2] {
		t.Errorf("warm crawl: %s sources, %s unchanged; want all unchanged\n%s", m[1], m[2], r.stderr)
	}

	// A repository that should exist answers 404: named, exit 3.
	const missing = "/oracle/OL9/UEKR8/x86_64/repodata/repomd.xml"
	gone.Store(missing)
	r = runCLI(t, "", nil, append(args, "--no-cache")...)
	if r.code != 3 || !strings.Contains(r.stderr, srv.URL+missing) || !strings.Contains(r.stderr, "404") {
		t.Errorf("crawl with %s gone: exit %d, want 3 naming it\n%s", missing, r.code, r.stderr)
	}
}
