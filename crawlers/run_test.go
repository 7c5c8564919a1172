package crawlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xi2/xz"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/deb"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// mirrorsDir holds real, byte-identical archive metadata laid out as on a
// mirror (see fixtures/README.md).
const mirrorsDir = "../fixtures/mirrors"

// testNow is before the Debian InRelease files' Valid-Until (27 Nov 2026).
var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// URL paths of the fixtures, as the fault server serves them.
const (
	bpoInRelease = "/debian/dists/bookworm-backports/InRelease"
	bpoAmd64     = "/debian/dists/bookworm-backports/main/binary-amd64/Packages.xz"
	secInRelease = "/debian-security/dists/bookworm-security/InRelease"
	secAmd64     = "/debian-security/dists/bookworm-security/main/binary-amd64/Packages.xz"
	secArm64     = "/debian-security/dists/bookworm-security/main/binary-arm64/Packages.xz"
	nobleRelease = "/ubuntu/dists/noble-security/InRelease"
	nobleAmd64   = "/ubuntu/dists/noble-security/main/binary-amd64/Packages.xz"
)

// ---------------------------------------------------------------------------
// The fault-injecting mirror.

type faultKind int

const (
	faultStatus500    faultKind = iota // 500 for the first n requests (n < 0: always), then the file
	faultHang                          // no headers until the client gives up
	faultStall                         // headers and the first 16 KiB (at most half) of the body, then nothing
	faultTruncate                      // Content-Length of the whole, half the body, connection dropped
	faultCorrupt                       // the whole file with one byte changed at offset (< 0: from the end)
	faultBadSignature                  // an InRelease with one byte of its signed text changed
	faultRedirectLoop                  // 302 to itself
	faultEndless                       // zeros forever, with no Content-Length
	faultEndlessTail                   // the real file, then zeros forever, with no Content-Length
	fault404                           // Not Found
)

type fault struct {
	kind   faultKind
	n      int   // faultStatus500
	offset int64 // faultCorrupt
}

// faultServer serves mirrorsDir and applies a fault to chosen URL paths. It
// records every path asked for.
type faultServer struct {
	*httptest.Server
	files  http.Handler
	faults map[string]fault
	bodies map[string][]byte // the fixture of each faulted path, with the fault's change made

	mu    sync.Mutex
	hits  map[string]int
	paths []string
}

// newFaultServer starts a server that applies faults (by URL path).
func newFaultServer(t *testing.T, faults map[string]fault) *faultServer {
	t.Helper()
	s := &faultServer{files: http.FileServer(http.Dir(mirrorsDir)), faults: faults, bodies: map[string][]byte{}, hits: map[string]int{}}
	for p, f := range faults {
		switch f.kind {
		case faultStatus500, faultHang, faultRedirectLoop, faultEndless, fault404:
			continue // no body, or the file server's
		}
		data, err := os.ReadFile(filepath.Join(mirrorsDir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatalf("fault on %s: %v", p, err)
		}
		switch f.kind {
		case faultCorrupt:
			off := f.offset
			if off < 0 {
				off += int64(len(data))
			}
			data[off] ^= 0x01
		case faultBadSignature:
			// The first hex digit of the first SHA256 entry: inside the signed
			// text, so the signature no longer verifies, while the file keeps
			// its clearsigned shape.
			i := bytes.Index(data, []byte("\nSHA256:\n "))
			if i < 0 || bytes.Index(data, []byte("-----BEGIN PGP SIGNATURE-----")) < i {
				t.Fatalf("fault on %s: no signed SHA256 list", p)
			}
			i += len("\nSHA256:\n ")
			if data[i] == '0' {
				data[i] = '1'
			} else {
				data[i] = '0'
			}
		}
		s.bodies[p] = data
	}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

// maxHold bounds how long a hanging or stalled handler waits for the client
// to give up, so that a client that never does cannot wedge Close.
const maxHold = 10 * time.Second

func (s *faultServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	s.mu.Lock()
	hit := s.hits[p]
	s.hits[p]++
	s.paths = append(s.paths, p)
	s.mu.Unlock()
	f, ok := s.faults[p]
	if !ok {
		s.files.ServeHTTP(w, r)
		return
	}
	ctx := r.Context()
	data := s.bodies[p]
	switch f.kind {
	case faultStatus500:
		if f.n < 0 || hit < f.n {
			http.Error(w, "injected failure", http.StatusInternalServerError)
			return
		}
		s.files.ServeHTTP(w, r)
	case faultHang:
		hold(ctx)
	case faultStall, faultTruncate:
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		if f.kind == faultTruncate {
			_, _ = w.Write(data[:len(data)/2])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // drops the connection; net/http logs nothing for it
		}
		// A stall 16 KiB in: past the magic bytes the client peeks at, and
		// little for the client to decode under -race before it waits.
		_, _ = w.Write(data[:min(len(data)/2, 16<<10)])
		w.(http.Flusher).Flush()
		hold(ctx)
	case faultCorrupt, faultBadSignature:
		w.Header().Set("Content-Length", strconv.Itoa(len(data))) // as a mirror does
		_, _ = w.Write(data)
	case faultRedirectLoop:
		http.Redirect(w, r, p, http.StatusFound)
	case faultEndless, faultEndlessTail:
		w.WriteHeader(http.StatusOK)
		if _, err := w.Write(data); err != nil { // nil for faultEndless
			return
		}
		zeros := make([]byte, 32<<10)
		for ctx.Err() == nil {
			if _, err := w.Write(zeros); err != nil {
				return // the client hung up
			}
		}
	case fault404:
		http.NotFound(w, r)
	}
}

func (s *faultServer) hitCount(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[p]
}

func (s *faultServer) requested() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.paths)
}

func hold(ctx context.Context) {
	t := time.NewTimer(maxHold)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// ---------------------------------------------------------------------------
// The crawl under test.

// testTable is Debian and Ubuntu reduced to the suites the fixtures hold:
// bookworm-backports (amd64 only) and bookworm-security (amd64, arm64) for
// Debian, noble-security (amd64) for Ubuntu.
func testTable(base string) []source.Distribution {
	// The real configuration (hooks, keyrings), with the fixtures' suites.
	debian := distros.Debian()
	debian.Table = []deb.TableRelease{{Codename: "bookworm", Version: "12", Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}}}
	debian.Defaults = map[string]string{"debian": base + "/debian", "debian-security": base + "/debian-security"}
	debian.Suites = func(c string, a matrixgen.Arch) []deb.SuiteRef {
		sec := deb.SuiteRef{Name: c + "-security", MirrorKey: "debian-security"}
		if a == matrixgen.X86_64 {
			return []deb.SuiteRef{{Name: c + "-backports", MirrorKey: "debian"}, sec}
		}
		return []deb.SuiteRef{sec}
	}
	ubuntu := distros.Ubuntu()
	ubuntu.Table = []deb.TableRelease{{Codename: "noble", Version: "24.04", Arches: []matrixgen.Arch{matrixgen.X86_64}}}
	ubuntu.Defaults = map[string]string{"ubuntu": base + "/ubuntu"}
	ubuntu.Suites = func(c string, _ matrixgen.Arch) []deb.SuiteRef {
		return []deb.SuiteRef{{Name: c + "-security", MirrorKey: "ubuntu"}}
	}
	return []source.Distribution{debian, ubuntu}
}

// Timeouts of the test clients. generous is for requests a test expects to
// succeed: far above anything a loaded 2-core machine under -race takes, so
// it never fires. tiny is only for the requests a test expects to time out
// (a hanging or stalling fault), so those fail fast. A test never depends on
// a healthy request beating a short deadline.
const (
	generous = 30 * time.Second
	tiny     = 50 * time.Millisecond
)

// testClientWith retries twice, 1-5 ms apart, with the given timeouts.
func testClientWith(header, idle time.Duration) *fetch.Client {
	return fetch.New(fetch.Options{
		Retries:       2,
		Backoff:       fetch.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond},
		HeaderTimeout: header,
		IdleTimeout:   idle,
	})
}

// testClient is the client for requests expected to succeed or fail by
// status or content, never by a timeout.
func testClient() *fetch.Client { return testClientWith(generous, generous) }

// faultClients returns, for each hanging or stalling fault, a client whose
// timeout for that phase only is tiny: headers for a hang, body reads for a
// stall. Every other request of the crawl goes through testClient.
func faultClients(faults map[string]fault) map[string]*fetch.Client {
	out := map[string]*fetch.Client{}
	for p, f := range faults {
		switch f.kind {
		case faultHang:
			out[p] = testClientWith(tiny, generous)
		case faultStall:
			out[p] = testClientWith(generous, tiny)
		}
	}
	return out
}

func testRequest(base string, now time.Time) Request {
	return Request{
		Table:  testTable(base),
		Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64},
		Now:    func() time.Time { return now },
	}
}

// normalized replaces the server URL in a kernel's URLs, so that crawls
// served by different test servers compare equal.
func normalized(k matrixgen.Kernel, base string) matrixgen.Kernel {
	k.Headers = slices.Clone(k.Headers)
	for i, u := range k.Headers {
		k.Headers[i] = strings.Replace(u, base, "SRV", 1)
	}
	k.Source = strings.Replace(k.Source, base, "SRV", 1)
	return k
}

// crawl is a finished crawl and the server it ran against.
type crawl struct {
	rep   *Report
	base  string // the server's URL
	stats fetch.Stats
}

var (
	baselineOnce sync.Once
	baselineRun  crawl
	baselineErr  error
)

// baseline is the healthy crawl, run once per test binary. Its backports
// index goes through the client's own xz decoder; the others are decoded by
// this test's (see memoFetcher), which the independent reading needs anyway.
func baseline(t *testing.T) crawl {
	t.Helper()
	baselineOnce.Do(func() {
		var wg sync.WaitGroup
		for _, p := range allPackages {
			wg.Go(func() { _, _ = decoded(p) }) // in parallel where there are cores
		}
		srv := httptest.NewServer(http.FileServer(http.Dir(mirrorsDir)))
		defer srv.Close()
		client := testClient() // no fault here: generous timeouts
		rep, err := Run(context.Background(), memoFetcher{client, nil, nil}, testRequest(srv.URL, testNow))
		baselineRun, baselineErr = crawl{rep, srv.URL, client.Stats()}, err
		wg.Wait()
	})
	if baselineErr != nil {
		t.Fatalf("baseline crawl: %v", baselineErr)
	}
	return baselineRun
}

// baselineKernels is the baseline's kernels with its server URL normalized.
func baselineKernels(t *testing.T) []matrixgen.Kernel {
	t.Helper()
	b := baseline(t)
	if len(b.rep.Failures) > 0 {
		t.Fatalf("baseline crawl failed: %v", b.rep.Failures)
	}
	var out []matrixgen.Kernel
	for _, k := range b.rep.Kernels {
		out = append(out, normalized(k, b.base))
	}
	return out
}

// ---------------------------------------------------------------------------
// An independent reading of the fixtures: xz-decoded here with another xz
// package than the crawler's, and scanned line by line, with no code of
// crawlers/deb.

var allPackages = []string{bpoAmd64, secAmd64, secArm64, nobleAmd64}

type decodedFile struct {
	once sync.Once
	raw  []byte
	text []byte
	err  error
}

var decodedFiles = func() map[string]*decodedFile {
	m := map[string]*decodedFile{}
	for _, p := range allPackages {
		m[p] = &decodedFile{}
	}
	return m
}()

// decoded returns a fixture Packages.xz (by URL path) as served and decoded.
func decoded(p string) (*decodedFile, error) {
	d, ok := decodedFiles[p]
	if !ok {
		return nil, errors.New("no fixture " + p + " in allPackages")
	}
	d.once.Do(func() {
		if d.raw, d.err = os.ReadFile(filepath.Join(mirrorsDir, filepath.FromSlash(p))); d.err != nil {
			return
		}
		zr, err := xz.NewReader(bytes.NewReader(d.raw), 0)
		if err != nil {
			d.err = err
			return
		}
		d.text, d.err = io.ReadAll(zr)
	})
	return d, d.err
}

type rawStanza struct{ pkg, arch, version, filename, depends string }

// rawStanzas returns the linux-* stanzas of a fixture Packages.xz (by URL path).
func rawStanzas(t *testing.T, p string) []rawStanza {
	t.Helper()
	d, err := decoded(p)
	if err != nil {
		t.Fatalf("xz %s: %v", p, err)
	}
	var out []rawStanza
	var cur rawStanza
	flush := func() {
		if strings.HasPrefix(cur.pkg, "linux-") {
			out = append(out, cur)
		}
		cur = rawStanza{}
	}
	for line := range strings.Lines(string(d.text)) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			flush()
			continue
		}
		key, val, ok := strings.Cut(line, ": ")
		if !ok || strings.HasPrefix(line, " ") {
			continue
		}
		switch key {
		case "Package":
			cur.pkg = val
		case "Architecture":
			cur.arch = val
		case "Version":
			cur.version = val
		case "Filename":
			cur.filename = val
		case "Depends":
			cur.depends = val
		}
	}
	flush()
	return out
}

// memoFetcher reuses decoding. A Packages.xz is fetched through the real
// client (request, retries, timeouts, size and SHA256 checks) but, when its
// bytes are exactly the fixture's, answered with the text this test decoded
// once: decoding xz costs seconds per file under -race, and the tests crawl
// the same files many times. Paths in direct (the faulted ones, and one
// healthy index per crawl) take the client's own decompression path.
//
// A path in byPath goes through that client instead (see faultClients).
type memoFetcher struct {
	*fetch.Client
	direct []string
	byPath map[string]*fetch.Client
}

// clientFor returns the client for rawURL: its own from byPath, or the shared one.
func (m memoFetcher) clientFor(rawURL string) *fetch.Client {
	if u, err := url.Parse(rawURL); err == nil {
		if c, ok := m.byPath[u.Path]; ok {
			return c
		}
	}
	return m.Client
}

func (m memoFetcher) Get(ctx context.Context, req fetch.Request) ([]byte, error) {
	return m.clientFor(req.URL).Get(ctx, req)
}

func (m memoFetcher) Open(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, err
	}
	if c, ok := m.byPath[u.Path]; ok {
		return c.Open(ctx, req)
	}
	if _, ok := decodedFiles[u.Path]; !ok || !req.Decompress || slices.Contains(m.direct, u.Path) {
		return m.Client.Open(ctx, req)
	}
	raw := req
	raw.Decompress = false
	resp, err := m.Client.Open(ctx, raw)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body) // verified against req.SHA256 and req.Size at EOF
	if err != nil {
		return nil, err
	}
	d, err := decoded(u.Path)
	if err != nil || !bytes.Equal(b, d.raw) {
		return m.Client.Open(ctx, req) // not the fixture's bytes: decode them for real
	}
	return &fetch.Response{URL: req.URL, Body: io.NopCloser(bytes.NewReader(d.text))}, nil
}

func keys(m map[string]fault) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

var headersRE = regexp.MustCompile(`^linux-headers-(\d+\.\d+\.\d+\S*)$`)

// wantReleases maps each kernel release the Packages files hold for debArch
// to its stanza: flavored linux-headers packages only.
func wantReleases(t *testing.T, debArch string, paths ...string) map[string]rawStanza {
	t.Helper()
	out := map[string]rawStanza{}
	for _, p := range paths {
		for _, st := range rawStanzas(t, p) {
			m := headersRE.FindStringSubmatch(st.pkg)
			if m == nil || st.arch != debArch {
				continue
			}
			r := m[1]
			if strings.HasSuffix(r, "-common") || strings.Contains(r, "-common-") {
				continue
			}
			if last := r[strings.LastIndexByte(r, '-')+1:]; strings.Trim(last, "0123456789") == "" {
				continue // Ubuntu's unflavored tree, e.g. linux-headers-6.8.0-41
			}
			if _, dup := out[r]; dup {
				t.Fatalf("%s: %s listed twice; the test assumes one upload per release", p, st.pkg)
			}
			out[r] = st
		}
	}
	return out
}

// kernelsOf selects the kernels of one distribution and arch, by release.
func kernelsOf(ks []matrixgen.Kernel, distro string, arch matrixgen.Arch) map[string]matrixgen.Kernel {
	out := map[string]matrixgen.Kernel{}
	for _, k := range ks {
		if k.Distribution == distro && k.Arch == arch {
			out[k.Release] = k
		}
	}
	return out
}

// diffSets says which names only one side has, or "" when the sets are equal.
func diffSets[A, B any](got map[string]A, want map[string]B) string {
	var missing, extra []string
	for r := range want {
		if _, ok := got[r]; !ok {
			missing = append(missing, r)
		}
	}
	for r := range got {
		if _, ok := want[r]; !ok {
			extra = append(extra, r)
		}
	}
	if len(missing)+len(extra) == 0 {
		return ""
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return "missing " + strings.Join(missing, " ") + "; unexpected " + strings.Join(extra, " ")
}

// ---------------------------------------------------------------------------

func TestRunBaseline(t *testing.T) {
	b := baseline(t)
	rep, srvURL := b.rep, b.base
	for _, f := range rep.Failures {
		t.Errorf("failure on healthy mirrors: %v", f)
	}
	for _, w := range rep.Warnings {
		t.Errorf("warning on complete fixtures (every companion is in the same suite): %s", w)
	}
	if rep.Sources != 4 {
		t.Errorf("Sources = %d, want 4 (bookworm-backports amd64, bookworm-security amd64 and arm64, noble-security amd64)", rep.Sources)
	}
	if rep.CarriedOver != 0 {
		t.Errorf("CarriedOver = %d with nothing failed and no Previous", rep.CarriedOver)
	}
	if st := b.stats; st.Retries != 0 {
		t.Errorf("Stats().Retries = %d on a healthy server", st.Retries)
	}
	if !slices.IsSortedFunc(rep.Kernels, matrixgen.Compare) {
		t.Errorf("Kernels are not in matrixgen.Compare order")
	}

	cases := []struct {
		distro, version string
		arch            matrixgen.Arch
		packages        []string
		suites          map[string]string // Packages path → the Source of its kernels
	}{
		{matrixgen.Debian, "12", matrixgen.X86_64, []string{bpoAmd64, secAmd64}, map[string]string{
			bpoAmd64: srvURL + "/debian/dists/bookworm-backports", secAmd64: srvURL + "/debian-security/dists/bookworm-security"}},
		{matrixgen.Debian, "12", matrixgen.AArch64, []string{secArm64}, map[string]string{
			secArm64: srvURL + "/debian-security/dists/bookworm-security"}},
		{matrixgen.Ubuntu, "24.04", matrixgen.X86_64, []string{nobleAmd64}, map[string]string{
			nobleAmd64: srvURL + "/ubuntu/dists/noble-security"}},
	}
	total := 0
	for _, c := range cases {
		want := wantReleases(t, c.arch.Deb(), c.packages...)
		got := kernelsOf(rep.Kernels, c.distro, c.arch)
		total += len(want)
		if len(want) == 0 {
			t.Fatalf("%s %s: the fixtures list no kernels; the test is broken", c.distro, c.arch)
		}
		if d := diffSets(got, want); d != "" {
			t.Errorf("%s %s: kernel set differs from the raw stanzas of %v: %s", c.distro, c.arch, c.packages, d)
		}
		for _, p := range c.packages {
			for r := range wantReleases(t, c.arch.Deb(), p) {
				if k, ok := got[r]; ok && k.Source != c.suites[p] {
					t.Errorf("%s %s %s: Source = %q, want %q", c.distro, c.arch, r, k.Source, c.suites[p])
				}
			}
		}
		for r, k := range got {
			st := want[r]
			if k.DistroVersion != c.version {
				t.Errorf("%s %s %s: DistroVersion = %q, want %q", c.distro, c.arch, r, k.DistroVersion, c.version)
			}
			if k.CarriedOver {
				t.Errorf("%s %s %s: CarriedOver on a healthy crawl", c.distro, c.arch, r)
			}
			if err := k.Validate(); err != nil {
				t.Errorf("%s %s %s: Validate: %v", c.distro, c.arch, r, err)
			}
			if len(k.Headers) == 0 || !strings.HasSuffix(k.Headers[0], "/"+st.filename) {
				t.Errorf("%s %s %s: Headers[0] should be its own package %s; Headers = %q", c.distro, c.arch, r, st.filename, k.Headers)
			}
			for _, u := range k.Headers {
				if !strings.HasPrefix(u, srvURL+"/") || !strings.HasSuffix(u, ".deb") {
					t.Errorf("%s %s %s: header URL %q is not a .deb on the test server %s", c.distro, c.arch, r, u, srvURL)
				}
			}
			// Every headers or kbuild package the stanza depends on is among the
			// URLs (the fixtures hold them all, in the same suite).
			for _, rel := range strings.Split(st.depends, ",") {
				name, _, _ := strings.Cut(strings.TrimSpace(rel), " ")
				if !strings.HasPrefix(name, "linux-") || !(strings.Contains(name, "headers-") || strings.HasPrefix(name, "linux-kbuild-")) {
					continue
				}
				if !slices.ContainsFunc(k.Headers, func(u string) bool { return strings.Contains(u, "/"+name+"_") }) {
					t.Errorf("%s %s %s: depends on %s, which is not in Headers %q", c.distro, c.arch, r, name, k.Headers)
				}
			}
		}
	}
	if len(rep.Kernels) != total {
		t.Errorf("%d kernels, want %d: some distro/arch outside the fixtures was reported", len(rep.Kernels), total)
	}

	byKey := map[string]matrixgen.Kernel{}
	for _, k := range rep.Kernels {
		byKey[k.Key().String()] = k
	}
	kernel := func(key string) matrixgen.Kernel {
		t.Helper()
		k, ok := byKey[key]
		if !ok {
			t.Fatalf("no kernel %s", key)
		}
		return k
	}
	exactHeaders := func(key string, want ...string) {
		t.Helper()
		got := kernel(key).Headers
		for i := range want {
			want[i] = srvURL + want[i]
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: Headers\n got %q\nwant %q", key, got, want)
		}
	}
	// Debian: the flavored package, its -common tree by exact version, and
	// linux-kbuild-6.1 by >= (one upload of it in the suite).
	exactHeaders("debian/12/x86_64/6.1.0-56-amd64",
		"/debian-security/pool/updates/main/l/linux/linux-headers-6.1.0-56-amd64_6.1.192-2_amd64.deb",
		"/debian-security/pool/updates/main/l/linux/linux-headers-6.1.0-56-common_6.1.192-2_all.deb",
		"/debian-security/pool/updates/main/l/linux/linux-kbuild-6.1_6.1.192-2_amd64.deb")
	// An rt kernel takes the tree its Depends names: -common-rt, not -common.
	exactHeaders("debian/12/x86_64/6.12.117+deb12-rt-amd64",
		"/debian-security/pool/updates/main/l/linux-6.12/linux-headers-6.12.117+deb12-rt-amd64_6.12.117-1~deb12u1_amd64.deb",
		"/debian-security/pool/updates/main/l/linux-6.12/linux-headers-6.12.117+deb12-common-rt_6.12.117-1~deb12u1_all.deb",
		"/debian-security/pool/updates/main/l/linux-6.12/linux-kbuild-6.12.117+deb12_6.12.117-1~deb12u1_amd64.deb")
	if k := kernel("debian/12/x86_64/6.1.0-56-rt-amd64"); k.Flavor != "rt" || slices.ContainsFunc(k.Headers, func(u string) bool { return strings.Contains(u, "-common_") }) {
		t.Errorf("6.1.0-56-rt-amd64: Flavor %q, Headers %q: want rt, with -common-rt and not -common", k.Flavor, k.Headers)
	}
	if k := kernel("debian/12/x86_64/6.12.95+deb12-cloud-amd64"); k.Flavor != "cloud" || k.Source != srvURL+"/debian/dists/bookworm-backports" {
		t.Errorf("6.12.95+deb12-cloud-amd64: Flavor %q Source %q: want cloud from bookworm-backports", k.Flavor, k.Source)
	}
	if k := kernel("debian/12/aarch64/6.12.117+deb12-arm64-16k"); k.Arch != matrixgen.AArch64 || k.KernelVersion != "" {
		t.Errorf("6.12.117+deb12-arm64-16k: Arch %q KernelVersion %q", k.Arch, k.KernelVersion)
	}

	// Ubuntu: flavors that share a prefix are distinct kernels, each with its
	// own upload number and its own per-flavor headers tree.
	ubuntu := []struct {
		release, flavor, kernelVersion, tree string
	}{
		{"6.8.0-149-generic", "generic", "149", "linux-headers-6.8.0-149_"},
		{"6.8.0-1046-nvidia", "nvidia", "49", "linux-nvidia-headers-6.8.0-1046_"},
		{"6.8.0-1046-nvidia-lowlatency", "nvidia-lowlatency", "49.1", "linux-nvidia-lowlatency-headers-6.8.0-1046_"},
		{"6.8.0-1046-azure", "azure", "52", "linux-azure-headers-6.8.0-1046_"},
		{"6.8.0-1046-azure-fde", "azure-fde", "53", "linux-azure-fde-headers-6.8.0-1046_"},
		{"6.17.0-1022-azure", "azure", "22", "linux-azure-6.17-headers-6.17.0-1022_"},
		{"6.14.0-1014-azure-fde", "azure-fde", "14~24.04.1", "linux-azure-fde-6.14-headers-6.14.0-1014_"},
	}
	for _, u := range ubuntu {
		k := kernel("ubuntu/24.04/x86_64/" + u.release)
		if k.Flavor != u.flavor || k.KernelVersion != u.kernelVersion {
			t.Errorf("%s: Flavor %q KernelVersion %q, want %q %q", u.release, k.Flavor, k.KernelVersion, u.flavor, u.kernelVersion)
		}
		if len(k.Headers) != 2 || !strings.Contains(k.Headers[1], "/"+u.tree) {
			t.Errorf("%s: Headers %q: want its own package and %s*", u.release, k.Headers, u.tree)
		}
	}
	if a, f := kernel("ubuntu/24.04/x86_64/6.8.0-1046-azure"), kernel("ubuntu/24.04/x86_64/6.8.0-1046-azure-fde"); slices.Equal(a.Headers, f.Headers) {
		t.Errorf("azure and azure-fde share Headers %q", a.Headers)
	}
}

// failWant is one source a fault must fail, and only it.
type failWant struct {
	arch  matrixgen.Arch
	suite string
	path  string // of Failure.URL on the test server
}

func TestRunFaults(t *testing.T) {
	base := baselineKernels(t)
	asHTTP := func(code int) func(error) string {
		return func(err error) string {
			var he *fetch.HTTPError
			if !errors.As(err, &he) || he.StatusCode != code {
				return "want a *fetch.HTTPError with status " + strconv.Itoa(code)
			}
			return ""
		}
	}
	asTimeout := func(phase string) func(error) string {
		return func(err error) string {
			var te *fetch.TimeoutError
			if !errors.As(err, &te) || te.Phase != phase {
				return "want a *fetch.TimeoutError in phase " + phase
			}
			return ""
		}
	}
	is := func(target error) func(error) string {
		return func(err error) string {
			if !errors.Is(err, target) {
				return "want errors.Is " + target.Error()
			}
			return ""
		}
	}
	checksum := func(err error) string {
		var ce *fetch.ChecksumError
		if !errors.As(err, &ce) || ce.Got == ce.Want || ce.Algorithm != "sha256" {
			return "want a *fetch.ChecksumError (sha256, got != want)"
		}
		return ""
	}
	// A byte changed early in a compressed index trips the xz decoder long
	// before the body ends; fetch then drains the raw stream so the digest
	// is checked and the typed verdict comes back, with the decoder's error.
	corruptEarly := func(err error) string {
		var ce *fetch.ChecksumError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "decompressing xz") {
			return "want a *fetch.ChecksumError joined with the xz decoding error"
		}
		return ""
	}
	badSignature := func(err error) string {
		var se *deb.SignatureError
		if !errors.As(err, &se) || !errors.Is(err, deb.ErrBadSignature) {
			return "want a *deb.SignatureError wrapping deb.ErrBadSignature"
		}
		return ""
	}
	expired := func(err error) string {
		var ee *deb.ExpiredError
		if !errors.As(err, &ee) || !ee.Now.After(ee.ValidUntil) {
			return "want a *deb.ExpiredError with Now after ValidUntil"
		}
		return ""
	}
	format := func(err error) string {
		var fe *fetch.FormatError
		if !errors.As(err, &fe) || fe.Want != "xz" {
			return "want a *fetch.FormatError wanting xz"
		}
		return ""
	}
	sizeCap := func(limit int64) func(error) string {
		return func(err error) string {
			var se *fetch.SizeError
			if !errors.As(err, &se) || se.Limit != limit || se.Decompressed {
				return "want a *fetch.SizeError over the raw limit " + strconv.FormatInt(limit, 10)
			}
			return ""
		}
	}
	sizeMismatch := func(err error) string {
		var se *fetch.SizeError
		if !errors.As(err, &se) || se.Want <= 0 || se.Got <= se.Want {
			return "want a *fetch.SizeError over the size the InRelease lists"
		}
		return ""
	}
	secBoth := []failWant{
		{matrixgen.X86_64, "bookworm-security", secInRelease},
		{matrixgen.AArch64, "bookworm-security", secInRelease},
	}

	cases := []struct {
		name   string
		faults map[string]fault
		now    time.Time // zero: testNow
		want   []failWant
		check  func(error) string // "" when the error is the right one
		hits   map[string]int     // requests a path must have seen (retries)
	}{
		{
			name:   "500 always on security amd64 Packages.xz",
			faults: map[string]fault{secAmd64: {kind: faultStatus500, n: -1}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-security", secAmd64}},
			check:  asHTTP(http.StatusInternalServerError),
			hits:   map[string]int{secAmd64: 3}, // 1 + Retries
		},
		{
			name:   "500 always on backports InRelease",
			faults: map[string]fault{bpoInRelease: {kind: faultStatus500, n: -1}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-backports", bpoInRelease}},
			check:  asHTTP(http.StatusInternalServerError),
			hits:   map[string]int{bpoInRelease: 3},
		},
		{
			name:   "no headers from security amd64 Packages.xz",
			faults: map[string]fault{secAmd64: {kind: faultHang}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-security", secAmd64}},
			check:  asTimeout("headers"),
			hits:   map[string]int{secAmd64: 3}, // header timeouts are retried
		},
		{
			name:   "body stalls after 16 KiB of backports Packages.xz",
			faults: map[string]fault{bpoAmd64: {kind: faultStall}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-backports", bpoAmd64}},
			check:  asTimeout("body"),
		},
		{
			name:   "body stalls after 16 KiB of noble InRelease",
			faults: map[string]fault{nobleRelease: {kind: faultStall}},
			want:   []failWant{{matrixgen.X86_64, "noble-security", nobleRelease}},
			check:  asTimeout("body"),
		},
		{
			name:   "connection dropped halfway through backports Packages.xz",
			faults: map[string]fault{bpoAmd64: {kind: faultTruncate}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-backports", bpoAmd64}},
			check:  is(io.ErrUnexpectedEOF),
		},
		{
			name:   "connection dropped halfway through backports InRelease",
			faults: map[string]fault{bpoInRelease: {kind: faultTruncate}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-backports", bpoInRelease}},
			check:  is(io.ErrUnexpectedEOF),
		},
		{
			// The last byte (the footer's magic) is only read with the end of
			// the body, where the digest is checked: a ChecksumError.
			name:   "last byte changed in backports Packages.xz",
			faults: map[string]fault{bpoAmd64: {kind: faultCorrupt, offset: -1}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-backports", bpoAmd64}},
			check:  checksum,
		},
		{
			name:   "one byte changed early in security arm64 Packages.xz",
			faults: map[string]fault{secArm64: {kind: faultCorrupt, offset: 4096}},
			want:   []failWant{{matrixgen.AArch64, "bookworm-security", secArm64}},
			check:  corruptEarly,
		},
		{
			name:   "signed text changed in security InRelease",
			faults: map[string]fault{secInRelease: {kind: faultBadSignature}},
			want:   secBoth, // one InRelease, read by the amd64 and the arm64 crawl
			check:  badSignature,
		},
		{
			name:   "signed text changed in noble InRelease",
			faults: map[string]fault{nobleRelease: {kind: faultBadSignature}},
			want:   []failWant{{matrixgen.X86_64, "noble-security", nobleRelease}},
			check:  badSignature,
		},
		{
			name:  "security expired, backports not yet",
			now:   time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC), // between 00:12:41 and 02:11:10
			want:  secBoth,
			check: expired,
		},
		{
			name: "both Debian suites expired; Ubuntu has no Valid-Until",
			now:  time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			want: []failWant{
				{matrixgen.X86_64, "bookworm-backports", bpoInRelease},
				{matrixgen.X86_64, "bookworm-security", secInRelease},
				{matrixgen.AArch64, "bookworm-security", secInRelease},
			},
			check: expired,
		},
		{
			name:   "redirect loop on backports InRelease",
			faults: map[string]fault{bpoInRelease: {kind: faultRedirectLoop}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-backports", bpoInRelease}},
			check:  is(fetch.ErrTooManyRedirects),
			hits:   map[string]int{bpoInRelease: 10}, // the request and 9 redirects; the 10th is refused
		},
		{
			name:   "redirect loop on security amd64 Packages.xz",
			faults: map[string]fault{secAmd64: {kind: faultRedirectLoop}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-security", secAmd64}},
			check:  is(fetch.ErrTooManyRedirects),
		},
		{
			// Garbage is refused by its first bytes, not read forever.
			name:   "endless zeros for security amd64 Packages.xz",
			faults: map[string]fault{secAmd64: {kind: faultEndless}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-security", secAmd64}},
			check:  format,
		},
		{
			// The right bytes, then more: stopped at the size the InRelease lists.
			name:   "endless tail after backports Packages.xz",
			faults: map[string]fault{bpoAmd64: {kind: faultEndlessTail}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-backports", bpoAmd64}},
			check:  sizeMismatch,
		},
		{
			// An InRelease has no listed size: the crawler's 16 MiB cap stops it.
			name:   "endless zeros for backports InRelease",
			faults: map[string]fault{bpoInRelease: {kind: faultEndless}},
			want:   []failWant{{matrixgen.X86_64, "bookworm-backports", bpoInRelease}},
			check:  sizeCap(16 << 20),
		},
		{
			name:   "404 for noble InRelease",
			faults: map[string]fault{nobleRelease: {kind: fault404}},
			want:   []failWant{{matrixgen.X86_64, "noble-security", nobleRelease}},
			check:  asHTTP(http.StatusNotFound),
			hits:   map[string]int{nobleRelease: 1}, // a 404 is not retried
		},
		{
			name:   "404 for security arm64 Packages.xz",
			faults: map[string]fault{secArm64: {kind: fault404}},
			want:   []failWant{{matrixgen.AArch64, "bookworm-security", secArm64}},
			check:  asHTTP(http.StatusNotFound),
			hits:   map[string]int{secArm64: 1},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newFaultServer(t, c.faults)
			now := c.now
			if now.IsZero() {
				now = testNow
			}
			// A fault that held the crawl would end in maxHold with an error
			// of the wrong kind, which c.check reports: no wall-clock bound.
			fc := faultClients(c.faults)
			rep, err := Run(context.Background(), memoFetcher{testClient(), keys(c.faults), fc}, testRequest(srv.URL, now))
			if err != nil {
				t.Fatalf("Run returned an error for a source failure: %v", err)
			}
			failed := map[string]bool{} // "arch suite"
			for _, w := range c.want {
				i := slices.IndexFunc(rep.Failures, func(f Failure) bool { return f.Job.Arch == w.arch && f.Source == w.suite })
				if i < 0 {
					t.Errorf("no failure for %s %s; failures: %v", w.arch, w.suite, rep.Failures)
					continue
				}
				f := rep.Failures[i]
				failed[string(w.arch)+" "+w.suite] = true
				if f.URL != srv.URL+w.path {
					t.Errorf("%s %s: failure URL %q, want %q", w.arch, w.suite, f.URL, srv.URL+w.path)
				}
				if f.Err == nil {
					t.Errorf("%s %s: failure with a nil Err", w.arch, w.suite)
					continue
				}
				if !strings.Contains(f.Err.Error(), srv.URL+w.path) {
					t.Errorf("%s %s: error %q does not name the URL %s", w.arch, w.suite, f.Err, srv.URL+w.path)
				}
				if msg := c.check(f.Err); msg != "" {
					t.Errorf("%s %s: %s; got %T: %v", w.arch, w.suite, msg, f.Err, f.Err)
				}
			}
			if len(rep.Failures) != len(c.want) {
				t.Errorf("%d failures, want %d: %v", len(rep.Failures), len(c.want), rep.Failures)
			}
			for p, n := range c.hits {
				got := srv.hitCount(p)
				if client, ok := fc[p]; ok {
					// A tiny timeout can fire before the server has read the
					// request, so count the attempts where they are made.
					got = int(client.Stats().Requests)
				}
				if got != n {
					t.Errorf("%s requested %d times, want %d", p, got, n)
				}
			}
			// Every kernel of a healthy source is there, exactly as in the
			// baseline; none of a failed source is (no half-read index is used).
			want := map[string]matrixgen.Kernel{}
			for _, k := range base {
				suite := k.Source[strings.LastIndexByte(k.Source, '/')+1:]
				if !failed[string(k.Arch)+" "+suite] {
					want[k.Key().String()] = k
				}
			}
			got := map[string]matrixgen.Kernel{}
			for _, k := range rep.Kernels {
				got[k.Key().String()] = normalized(k, srv.URL)
			}
			if d := diffSets(got, want); d != "" {
				t.Errorf("kernels of the healthy sources: %s", d)
			}
			for key, k := range got {
				if w, ok := want[key]; ok && !kernelEqual(k, w) {
					t.Errorf("%s differs from the baseline:\n got %+v\nwant %+v", key, k, w)
				}
			}
			if rep.CarriedOver != 0 {
				t.Errorf("CarriedOver = %d without Previous", rep.CarriedOver)
			}
		})
	}
}

func kernelEqual(a, b matrixgen.Kernel) bool { return reflect.DeepEqual(a, b) }

func TestRunRetriesThenSucceeds(t *testing.T) {
	base := baselineKernels(t)
	srv := newFaultServer(t, map[string]fault{bpoAmd64: {kind: faultStatus500, n: 2}})
	client := testClient()
	rep, err := Run(context.Background(), memoFetcher{client, nil, nil}, testRequest(srv.URL, testNow))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, f := range rep.Failures {
		t.Errorf("failure after two 500s and a success: %v", f)
	}
	if n := srv.hitCount(bpoAmd64); n != 3 {
		t.Errorf("%s requested %d times, want 3 (two 500s, then 200)", bpoAmd64, n)
	}
	if st := client.Stats(); st.Retries < 2 {
		t.Errorf("Stats().Retries = %d, want >= 2", st.Retries)
	}
	if len(rep.Kernels) != len(base) {
		t.Fatalf("%d kernels, want the baseline's %d", len(rep.Kernels), len(base))
	}
	for i, k := range rep.Kernels {
		if k := normalized(k, srv.URL); !kernelEqual(k, base[i]) {
			t.Errorf("kernel %d:\n got %+v\nwant %+v", i, k, base[i])
		}
	}
}

func TestRunCarriesOver(t *testing.T) {
	base := baselineKernels(t)
	srv := newFaultServer(t, map[string]fault{secAmd64: {kind: fault404}})
	// Previous as the last crawl wrote it, with this server's URLs.
	var previous []matrixgen.Kernel
	for _, k := range base {
		k.Headers = slices.Clone(k.Headers)
		for i, u := range k.Headers {
			k.Headers[i] = strings.Replace(u, "SRV", srv.URL, 1)
		}
		k.Source = strings.Replace(k.Source, "SRV", srv.URL, 1)
		previous = append(previous, k)
	}
	secOnly := map[string]matrixgen.Kernel{} // bookworm amd64 kernels only security had
	for _, k := range previous {
		if k.Arch == matrixgen.X86_64 && strings.HasSuffix(k.Source, "/bookworm-security") {
			secOnly[k.Key().String()] = k
		}
	}
	if len(secOnly) == 0 {
		t.Fatal("the baseline has no bookworm-security amd64 kernels; the test is broken")
	}

	for _, withPrevious := range []bool{true, false} {
		req := testRequest(srv.URL, testNow)
		if withPrevious {
			req.Previous = previous
		}
		rep, err := Run(context.Background(), memoFetcher{testClient(), nil, nil}, req)
		if err != nil {
			t.Fatalf("Previous %v: Run: %v", withPrevious, err)
		}
		if len(rep.Failures) != 1 || rep.Failures[0].URL != srv.URL+secAmd64 {
			t.Fatalf("Previous %v: failures %v, want only %s", withPrevious, rep.Failures, secAmd64)
		}
		got := map[string]matrixgen.Kernel{}
		for _, k := range rep.Kernels {
			if _, dup := got[k.Key().String()]; dup {
				t.Errorf("Previous %v: %s reported twice", withPrevious, k.Key())
			}
			got[k.Key().String()] = k
		}
		carried := 0
		for key, k := range got {
			_, only := secOnly[key]
			switch {
			case k.CarriedOver && !only:
				t.Errorf("Previous %v: %s carried over, but its source did not fail", withPrevious, key)
			case !k.CarriedOver && only:
				t.Errorf("Previous %v: %s not marked carried over, but its only source failed", withPrevious, key)
			}
			if k.CarriedOver {
				carried++
			}
		}
		if !withPrevious {
			for key := range secOnly {
				if _, ok := got[key]; ok {
					t.Errorf("without Previous: %s reported though its only source failed", key)
				}
			}
			if rep.CarriedOver != 0 || len(got) != len(previous)-len(secOnly) {
				t.Errorf("without Previous: CarriedOver %d, %d kernels; want 0, %d", rep.CarriedOver, len(got), len(previous)-len(secOnly))
			}
			continue
		}
		for key, want := range secOnly {
			k, ok := got[key]
			if !ok {
				t.Errorf("with Previous: %s not carried over", key)
				continue
			}
			want.CarriedOver = true
			if !kernelEqual(k, want) {
				t.Errorf("with Previous: %s:\n got %+v\nwant %+v", key, k, want)
			}
		}
		if rep.CarriedOver != len(secOnly) || carried != len(secOnly) {
			t.Errorf("with Previous: Report.CarriedOver %d, %d kernels marked; want %d", rep.CarriedOver, carried, len(secOnly))
		}
		if len(got) != len(previous) {
			t.Errorf("with Previous: %d kernels, want the %d of the last crawl", len(got), len(previous))
		}
		if !slices.IsSortedFunc(rep.Kernels, matrixgen.Compare) {
			t.Errorf("with Previous: Kernels are not in matrixgen.Compare order")
		}
	}
}

func TestRunUsageErrors(t *testing.T) {
	const base = "http://127.0.0.1:9" // never dialled: plan refuses first
	cases := []struct {
		name string
		edit func(*Request)
		want string // in the message
	}{
		{"unknown distro", func(r *Request) { r.Distros = []string{"fedora"} }, `"fedora"`},
		{"unknown release", func(r *Request) { r.Releases = []string{"duke"} }, `"duke"`},
		{"release of another distro", func(r *Request) { r.Distros = []string{"ubuntu"}; r.Releases = []string{"bookworm"} }, `"bookworm"`},
		{"unknown mirror key", func(r *Request) { r.Mirrors = map[string]string{"debain": base} }, "debain"},
		{"64k arch", func(r *Request) { r.Arches = []matrixgen.Arch{matrixgen.AArch64_64k} }, "aarch64+64k"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := testRequest(base, testNow)
			c.edit(&req)
			rep, err := Run(context.Background(), testClient(), req)
			var ue *matrixgen.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Run = %v, %v; want a *matrixgen.UsageError", rep, err)
			}
			// The package names its option in its own words; the CLI
			// words it as a flag.
			if ue.Option == "" || strings.Contains(ue.Error(), "--") {
				t.Errorf("%q (option %q): want an option and no flag named", ue.Error(), ue.Option)
			}
			if ue.ExitCode() != 2 {
				t.Errorf("ExitCode = %d, want 2 (usage)", ue.ExitCode())
			}
			if rep != nil {
				t.Errorf("a report with a usage error: %+v", rep)
			}
			if !strings.Contains(ue.Msg, c.want) {
				t.Errorf("message %q does not name %s", ue.Msg, c.want)
			}
		})
	}
}

func TestRunUbuntuRouting(t *testing.T) {
	cases := []struct {
		arch matrixgen.Arch
		want []string // InRelease paths, sorted
	}{
		{matrixgen.AArch64, []string{
			"/ports/dists/noble-security/InRelease", "/ports/dists/noble-updates/InRelease", "/ports/dists/noble/InRelease"}},
		{matrixgen.RISCV64, []string{
			"/ports/dists/noble-security/InRelease", "/ports/dists/noble-updates/InRelease", "/ports/dists/noble/InRelease"}},
		{matrixgen.X86_64, []string{
			"/archive/dists/noble-updates/InRelease", "/archive/dists/noble/InRelease", "/security/dists/noble-security/InRelease"}},
	}
	for _, c := range cases {
		t.Run(string(c.arch), func(t *testing.T) {
			srv := newFaultServer(t, nil) // none of these paths exist: every request is a 404
			req := Request{Table: distros.All(),
				Distros:  []string{"ubuntu"}, // the real table, crawlers.Ubuntu
				Releases: []string{"noble"},
				Arches:   []matrixgen.Arch{c.arch},
				Mirrors: map[string]string{
					"ubuntu": srv.URL + "/archive", "ubuntu-security": srv.URL + "/security", "ubuntu-ports": srv.URL + "/ports",
				},
				Now: func() time.Time { return testNow },
			}
			rep, err := Run(context.Background(), testClient(), req)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := srv.requested()
			sort.Strings(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("requested %q, want %q", got, c.want)
			}
			var urls []string
			for _, f := range rep.Failures {
				var he *fetch.HTTPError
				if !errors.As(f.Err, &he) || he.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %v, want a 404 *fetch.HTTPError", f.URL, f.Err)
				}
				if f.Job.Distro != matrixgen.Ubuntu || f.Job.Release != "noble" || f.Job.Arch != c.arch {
					t.Errorf("failure %+v: want ubuntu noble %s", f, c.arch)
				}
				if !strings.HasSuffix(f.URL, "/dists/"+f.Source+"/InRelease") {
					t.Errorf("failure URL %s is not the InRelease of its suite %s", f.URL, f.Source)
				}
				urls = append(urls, strings.TrimPrefix(f.URL, srv.URL))
			}
			sort.Strings(urls)
			if !slices.Equal(urls, c.want) {
				t.Errorf("failures name %q, want %q", urls, c.want)
			}
			if len(rep.Kernels) != 0 || rep.Sources != 3 {
				t.Errorf("%d kernels from %d sources, want 0 from 3", len(rep.Kernels), rep.Sources)
			}
		})
	}
}

// TestRunFetchesInReleaseOnce: bookworm-security is crawled for amd64 and
// arm64, but its InRelease is fetched and verified once per run, so both
// arches see the same snapshot of the mirror.
func TestRunFetchesInReleaseOnce(t *testing.T) {
	srv := newFaultServer(t, nil)
	rep, err := Run(context.Background(), testClient(), testRequest(srv.URL, testNow))
	if err != nil || len(rep.Failures) > 0 {
		t.Fatalf("Run = %v, %v", err, rep.Failures)
	}
	if n := srv.hitCount(secInRelease); n != 1 {
		t.Errorf("%s fetched %d times, want 1", secInRelease, n)
	}
	if n := srv.hitCount(secAmd64) + srv.hitCount(secArm64); n != 2 {
		t.Errorf("Packages fetched %d times, want one per arch (2)", n)
	}
}

// TestRunDiscover: Run crawls what --discover found and names it; the
// discovered suites fail here (no InRelease), each named, and nothing stops.
func TestRunDiscover(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"bookworm", "duke"} {
		os.MkdirAll(filepath.Join(dir, "debian", "dists", d), 0o755)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	rep, err := Run(context.Background(), fetch.New(fetch.Options{Retries: -1}), Request{Table: distros.All(),
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
	if _, err := Run(context.Background(), fetch.New(fetch.Options{Retries: -1}), Request{Table: distros.All(),
		Distros: []string{"debian"}, Discover: true, Releases: []string{"nosuch"},
		Mirrors: map[string]string{"debian": srv.URL + "/debian", "debian-security": srv.URL + "/debian-security"},
	}); err == nil || !strings.Contains(err.Error(), `release "nosuch": not a release of debian, nor a discovered one`) {
		t.Errorf("unknown release with --discover: %v", err)
	}
}
