package rpm

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/internal/compresstest"
)

const (
	al2023Core = "/al2023/core/guids/6fa961924efb6adb4f0d1cbd8c2ab9cd9ad33d4f8eb2a1c36f0a2a39bbc07c80/x86_64/"
	al2023LP   = "/al2023/kernel-livepatch/guids/8fba5c982700fd6aef466dcb6d4603ccf71ee96bfcbc11b955bc1898cb93f2c7/x86_64/"
	al2Core    = "/al2/2/core/2.0/x86_64/4f1b1a1d8b0e3c7e6a5d2c9b8a7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5/"
)

// primaryFile finds the primary XML a fixture repository's repomd names (by a string scan).
func primaryFile(t *testing.T, base string) (string, []byte) {
	t.Helper()
	md := string(fixture(t, "mirror"+base+"repodata/repomd.xml"))
	i := strings.Index(md, `<data type="primary">`)
	if i < 0 {
		return "", nil
	}
	j := strings.Index(md[i:], `href="`) + i + len(`href="`)
	href := md[j : j+strings.IndexByte(md[j:], '"')]
	return href, decompress(t, href, fixture(t, "mirror"+base+href))
}

// TestCrawlFixtures crawls every fixture repository and compares with the oracle, and with
// the releases written out by hand from generate.sh (so that a wrong oracle shows too).
func TestCrawlFixtures(t *testing.T) {
	m := newTestMirror(t)
	c := newClient(t)
	tests := []struct {
		name      string
		base      string
		arch      matrixgen.Arch
		livepatch bool
		noRPMs    bool     // the rpm files are not in the fixture tree (real metadata, xml:base elsewhere)
		want      []string // releases in Vercmp order
		hosts     []string // Repo.Hosts
	}{
		{name: "fedora 42 zstd", base: "/fedora/releases/42/Everything/x86_64/os/", arch: matrixgen.X86_64, want: []string{"6.14.0-63.fc42.x86_64"}},
		{name: "fedora 41 updates gzip", base: "/fedora/updates/41/Everything/x86_64/", arch: matrixgen.X86_64, want: []string{"6.11.4-301.fc41.x86_64", "6.17.8-100.fc41.x86_64"}},
		{name: "centos stream 9 real excerpt gzip", base: "/centos/9-stream/AppStream/x86_64/os/", arch: matrixgen.X86_64, noRPMs: true,
			want: []string{"5.14.0-533.el9.x86_64", "5.14.0-536.el9.x86_64", "5.14.0-539.el9.x86_64", "5.14.0-542.el9.x86_64", "5.14.0-547.el9.x86_64"}},
		{name: "centos stream 9 on aarch64: none", base: "/centos/9-stream/AppStream/x86_64/os/", arch: matrixgen.AArch64, want: []string{}},
		{name: "centos stream 10 xz aarch64", base: "/centos/10-stream/AppStream/aarch64/os/", arch: matrixgen.AArch64, want: []string{"6.12.0-55.el10.aarch64", "6.12.0-124.el10.aarch64"}},
		{name: "centos stream 10 xz aarch64+64k", base: "/centos/10-stream/AppStream/aarch64/os/", arch: matrixgen.AArch64_64k, want: []string{"6.12.0-55.el10.aarch64+64k", "6.12.0-124.el10.aarch64+64k"}},
		{name: "rocky 9 bzip2", base: "/rocky/9/AppStream/x86_64/os/", arch: matrixgen.X86_64, want: []string{"5.14.0-503.14.1.el9_5.x86_64"}},
		{name: "oracle getPackage, no uname-r provide", base: "/oracle/OL9/UEKR7/x86_64/", arch: matrixgen.X86_64, want: []string{"5.15.0-208.159.3.2.el9uek.x86_64"}},
		{name: "xml:base", base: "/koji/repos/el9-build/latest/x86_64/", arch: matrixgen.X86_64, noRPMs: true, want: []string{"5.14.0-547.el9.x86_64"}, hosts: []string{"koji.invalid"}},
		{name: "al2023 blobstore, kernel6.12-devel", base: al2023Core, arch: matrixgen.X86_64, want: []string{"6.1.153-175.280.amzn2023.x86_64", "6.12.46-66.121.amzn2023.x86_64"}},
		{name: "al2023 livepatch", base: al2023LP, arch: matrixgen.X86_64, livepatch: true, want: []string{"6.1.150-174.273.amzn2023.x86_64", "6.1.153-175.280.amzn2023.x86_64", "6.12.22-27.96.amzn2023.x86_64"}},
		{name: "createrepo_c zstd sample (real, no kernel)", base: "/createrepo_c-zstd-sample/", arch: matrixgen.X86_64, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Repo{Base: m.url(tt.base), Arch: tt.arch, Distribution: "centos", Hosts: tt.hosts}
			if tt.livepatch {
				r.Packages = Livepatches()
			}
			res, err := CrawlRepo(context.Background(), c, r)
			if err != nil {
				t.Fatalf("CrawlRepo(%s): %v", tt.base, err)
			}
			got := []string{}
			for _, k := range res.Kernels {
				got = append(got, k.Release)
				if k.Arch != tt.arch || k.Source != m.url(tt.base) || k.Distribution != "centos" || k.DistroVersion != "" {
					t.Errorf("kernel %s: arch %s source %s distribution %q distroversion %q", k.Release, k.Arch, k.Source, k.Distribution, k.DistroVersion)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("releases = %q, want %q", got, tt.want)
			}
			href, xml := primaryFile(t, tt.base)
			if xml != nil {
				want := oracleKernels(xml, m.url(tt.base), tt.arch, tt.livepatch)
				if gotMap := kernelMap(res.Kernels); !reflect.DeepEqual(gotMap, want) {
					t.Errorf("kernels = %v, oracle says %v", gotMap, want)
				}
				if res.IndexURL != m.url(tt.base+href) {
					t.Errorf("IndexURL = %s, want %s", res.IndexURL, m.url(tt.base+href))
				}
			}
			if tt.name == "xml:base" && !reflect.DeepEqual(res.Kernels[0].Headers, []string{"https://koji.invalid/kojifiles/packages/kernel/5.14.0/547.el9/x86_64/kernel-devel-5.14.0-547.el9.x86_64.rpm"}) {
				t.Errorf("xml:base headers = %q", res.Kernels[0].Headers)
			}
			if len(res.Warnings) != 0 {
				t.Errorf("warnings: %q", res.Warnings)
			}
			// Every header URL names a file the mirror has.
			for _, k := range res.Kernels {
				if tt.livepatch != (len(k.Headers) == 0) {
					t.Errorf("kernel %s: headers %q (livepatch %v)", k.Release, k.Headers, tt.livepatch)
				}
				for _, u := range k.Headers {
					if tt.noRPMs {
						continue
					}
					resp, err := http.Get(u)
					if err != nil {
						t.Errorf("header URL %s: %v", u, err)
						continue
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						t.Errorf("header URL %s: %s", u, resp.Status)
					}
				}
			}
		})
	}
}

// TestCrawlPrimaryDB: a repomd with only *_db records (as Amazon's) is read through SQLite;
// the expected kernels come from the rpm files of the fixture's blobstore.
func TestCrawlPrimaryDB(t *testing.T) {
	m := newTestMirror(t)
	res, err := CrawlRepo(context.Background(), newClient(t), Repo{Base: m.url(al2Core), Arch: matrixgen.X86_64})
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(mirrorRoot, "al2/blobstore/*/kernel-devel-*.rpm"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no kernel-devel rpm in the al2 fixture: %v", err)
	}
	want := map[string][]string{}
	for _, f := range files {
		rel := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "kernel-devel-"), ".rpm")
		sha := filepath.Base(filepath.Dir(f))
		want[rel] = []string{m.url("/al2/blobstore/" + sha + "/" + filepath.Base(f))}
	}
	if got := kernelMap(res.Kernels); !reflect.DeepEqual(got, want) {
		t.Errorf("kernels = %v, want %v", got, want)
	}
	if !strings.HasSuffix(res.IndexURL, "/repodata/primary.sqlite.bz2") || m.hits[al2Core+"repodata/primary.sqlite.bz2"] != 1 {
		t.Errorf("IndexURL = %s, hits %v", res.IndexURL, m.hits)
	}
	if got := []string{res.Kernels[0].Release, res.Kernels[1].Release}; got[0] != "4.14.355-275.570.amzn2.x86_64" {
		t.Errorf("order = %q, want 4.14 first", got)
	}
}

// TestPrimaryPreferredOverDB: with both records, only the primary XML is fetched.
func TestPrimaryPreferredOverDB(t *testing.T) {
	md, err := ParseRepomd(strings.NewReader(string(fixture(t, "real/fedora-32/repomd.xml"))), "f32")
	if err != nil {
		t.Fatal(err)
	}
	p := md.Primary()
	if p == nil || p.Type != "primary" || !strings.HasSuffix(p.Href, "-primary.xml.gz") {
		t.Fatalf("Primary() = %+v, want the primary .xml.gz record", p)
	}
	md, err = ParseRepomd(strings.NewReader(string(fixture(t, "real/amazonlinux/vuls-repomd_noupdateinfo.xml"))), "al")
	if err != nil {
		t.Fatal(err)
	}
	if p := md.Primary(); p == nil || p.Type != "primary_db" || p.Href != "repodata/primary.sqlite.gz" || p.OpenSize != 102400 {
		t.Fatalf("Primary() = %+v, want primary_db repodata/primary.sqlite.gz", p)
	}
}

// TestCrawlFaults injects failures and checks the typed errors and that they name the URL.
func TestCrawlFaults(t *testing.T) {
	base := "/fedora/updates/41/Everything/x86_64/"
	href, _ := primaryFile(t, base)
	raw := fixture(t, "mirror"+base+href)
	zbase := "/fedora/releases/42/Everything/x86_64/os/"
	zhref, _ := primaryFile(t, zbase)
	zraw := fixture(t, "mirror"+zbase+zhref)
	corrupt := append([]byte(nil), raw...)
	corrupt[len(corrupt)/2] ^= 0x40 // same size, one byte changed
	tests := []struct {
		name  string
		base  string
		path  string
		h     http.HandlerFunc
		check func(t *testing.T, err error)
		url   string
	}{
		{name: "repomd 404", base: base, path: base + "repodata/repomd.xml", h: http.NotFound, url: base + "repodata/repomd.xml",
			check: func(t *testing.T, err error) { wantStatus(t, err, 404) }},
		{name: "primary 404", base: base, path: base + href, h: http.NotFound, url: base + href,
			check: func(t *testing.T, err error) { wantStatus(t, err, 404) }},
		{name: "primary 500 after retries", base: base, path: base + href, h: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }, url: base + href,
			check: func(t *testing.T, err error) { wantStatus(t, err, 500) }},
		{name: "checksum mismatch", base: base, path: base + href, h: serveBytes(corrupt), url: base + href,
			check: func(t *testing.T, err error) {
				var ce *fetch.ChecksumError
				if !errors.As(err, &ce) || ce.Decompressed || ce.Got != sha256hex(corrupt) || ce.Want != sha256hex(raw) || ce.Bytes != int64(len(corrupt)) {
					t.Fatalf("%v, want a raw *fetch.ChecksumError", err)
				}
				for _, s := range []string{ce.Got, ce.Want} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("%q does not show %s", err, s)
					}
				}
			}},
		{name: "truncated zstd", base: zbase, path: zbase + zhref, h: serveBytes(zraw[:len(zraw)-20]), url: zbase + zhref,
			check: func(t *testing.T, err error) {
				var se *fetch.SizeError
				var ce *fetch.ChecksumError
				if !errors.As(err, &se) && !errors.As(err, &ce) {
					t.Fatalf("%v, want a *fetch.SizeError or *fetch.ChecksumError", err)
				}
			}},
		{name: "html for zstd", base: zbase, path: zbase + zhref, h: serveBytes([]byte("<html>gone</html>")), url: zbase + zhref,
			check: func(t *testing.T, err error) {
				var se *fetch.SizeError
				var fe *fetch.FormatError
				if !errors.As(err, &se) && !errors.As(err, &fe) {
					t.Fatalf("%v, want a size or format error", err)
				}
			}},
		{name: "garbage repomd", base: base, path: base + "repodata/repomd.xml", h: serveBytes([]byte("<html><body>Not Found</body></html>")), url: base + "repodata/repomd.xml",
			check: func(t *testing.T, err error) {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("%v, want a *ParseError", err)
				}
			}},
		{name: "repomd without primary", base: base, path: base + "repodata/repomd.xml",
			h:   serveBytes([]byte(`<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1</revision><data type="primary_zck"><location href="repodata/x-primary.xml.zck"/></data></repomd>`)),
			url: base + "repodata/repomd.xml",
			check: func(t *testing.T, err error) {
				var ne *NoPrimaryError
				if !errors.As(err, &ne) || !reflect.DeepEqual(ne.Types, []string{"primary_zck"}) {
					t.Fatalf("%v, want a *NoPrimaryError listing primary_zck", err)
				}
			}},
		{name: "sha1 checksum", base: base, path: base + "repodata/repomd.xml",
			h:   serveBytes([]byte(`<repomd><data type="primary"><checksum type="sha">da39a3ee5e6b4b0d3255bfef95601890afd80709</checksum><location href="repodata/primary.xml.gz"/></data></repomd>`)),
			url: base + "repodata/repomd.xml",
			check: func(t *testing.T, err error) {
				var ce *ChecksumTypeError
				if !errors.As(err, &ce) || ce.Algo != "sha" {
					t.Fatalf("%v, want a *ChecksumTypeError", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestMirror(t)
			m.fault(tt.path, tt.h)
			res, err := CrawlRepo(context.Background(), newClient(t), Repo{Base: m.url(tt.base), Arch: matrixgen.X86_64})
			wantIndex := ""
			if !strings.HasSuffix(tt.url, "repomd.xml") {
				wantIndex = m.url(tt.url)
			}
			if res == nil || res.Kernels != nil || res.RepomdURL != m.url(tt.base+"repodata/repomd.xml") || res.IndexURL != wantIndex {
				t.Errorf("result %+v with error %v, want the URLs reached (index %q) and no kernels", res, err, wantIndex)
			}
			tt.check(t, err)
			if !strings.Contains(err.Error(), m.url(tt.url)) {
				t.Errorf("error %q does not name %s", err, m.url(tt.url))
			}
		})
	}
}

// TestCrawlOpenChecksumMismatch: the raw bytes match repomd's checksum but decompress to
// something else than its open-checksum.
func TestCrawlOpenChecksumMismatch(t *testing.T) {
	base := "/fedora/updates/41/Everything/x86_64/"
	href, plain := primaryFile(t, base)
	other := []byte(strings.Replace(string(plain), "6.11.4", "6.11.5", -1))
	gz := compresstest.Gzip(t, other)
	md := string(fixture(t, "mirror"+base+"repodata/repomd.xml"))
	md = strings.Replace(md, sha256hex(fixture(t, "mirror"+base+href)), sha256hex(gz), 1)
	md = replaceSize(md, len(fixture(t, "mirror"+base+href)), len(gz))
	m := newTestMirror(t)
	m.fault(base+"repodata/repomd.xml", serveBytes([]byte(md)))
	m.fault(base+href, serveBytes(gz))
	_, err := CrawlRepo(context.Background(), newClient(t), Repo{Base: m.url(base), Arch: matrixgen.X86_64})
	var ce *fetch.ChecksumError
	if !errors.As(err, &ce) || !ce.Decompressed || ce.Got != sha256hex(other) || ce.Want != sha256hex(plain) || ce.Bytes != int64(len(other)) {
		t.Fatalf("CrawlRepo: %v, want an open-checksum *fetch.ChecksumError", err)
	}
	for _, s := range []string{sha256hex(other), sha256hex(plain), "decompressed", m.url(base + href)} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%q does not show %s", err, s)
		}
	}
}

// TestCrawlReuse: an unchanged digest skips the index.
func TestCrawlReuse(t *testing.T) {
	base := "/fedora/updates/41/Everything/x86_64/"
	href, _ := primaryFile(t, base)
	m := newTestMirror(t)
	c := newClient(t)
	first, err := CrawlRepo(context.Background(), c, Repo{Base: m.url(base), Arch: matrixgen.X86_64})
	if err != nil {
		t.Fatal(err)
	}
	want := "sha256:" + sha256hex(fixture(t, "mirror"+base+href))
	if first.Digest != want {
		t.Fatalf("Digest = %s, want %s", first.Digest, want)
	}
	var asked string
	second, err := CrawlRepo(context.Background(), c, Repo{Base: m.url(base), Arch: matrixgen.X86_64, Reuse: func(d string) ([]matrixgen.Kernel, bool) {
		asked = d
		return first.Kernels, d == first.Digest
	}})
	if err != nil || !second.Reused || asked != want || !reflect.DeepEqual(second.Kernels, first.Kernels) {
		t.Fatalf("second crawl: %+v, %v (asked %s)", second, err, asked)
	}
	if n := m.hits[base+href]; n != 1 {
		t.Errorf("primary fetched %d times, want once", n)
	}
}

// TestInvalidReleaseWarns: a release that fails validation is a warning naming the package.
func TestInvalidReleaseWarns(t *testing.T) {
	xml := `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="1">
<package type="rpm"><name>kernel-devel</name><arch>x86_64</arch><version epoch="0" ver="6.1" rel="1.el9"/><location href="k.rpm"/>
<format><rpm:provides><rpm:entry name="kernel-devel-uname-r" flags="EQ" epoch="0" ver="6.1" rel="1.el9;rm -rf"/></rpm:provides></format></package>
</metadata>`
	c := &collector{repo: Repo{Base: "http://m/", Arch: matrixgen.X86_64, Packages: Headers()}, res: &Result{IndexURL: "http://m/p.xml"}}
	if _, err := ScanPrimary(strings.NewReader(xml), "p.xml", Headers().Match, func(p *Package) error { c.add(p); return nil }); err != nil {
		t.Fatal(err)
	}
	if ks := c.kernels(); len(ks) != 0 {
		t.Errorf("kernels %v, want none", ks)
	}
	if len(c.res.Warnings) != 1 || !strings.Contains(c.res.Warnings[0], "kernel-devel-6.1-1.el9.x86_64") || !strings.Contains(c.res.Warnings[0], "http://m/p.xml") {
		t.Errorf("warnings %q, want one naming the index and the package", c.res.Warnings)
	}
}

func wantStatus(t *testing.T, err error, code int) {
	t.Helper()
	var he *fetch.HTTPError
	if !errors.As(err, &he) || he.StatusCode != code {
		t.Fatalf("%v, want a *fetch.HTTPError %d", err, code)
	}
}

func replaceSize(md string, old, new int) string {
	return strings.Replace(md, "<size>"+itoa(old)+"</size>", "<size>"+itoa(new)+"</size>", 1)
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCrawlPrimaryDBNotSQLite: a verified primary_db that is not an SQLite file fails the
// repository with an error naming the URL; the temp file is removed.
func TestCrawlPrimaryDBNotSQLite(t *testing.T) {
	garbage := []byte(strings.Repeat("not a database\n", 100))
	gz := compresstest.Gzip(t, garbage)
	md := `<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1</revision><data type="primary_db">
  <checksum type="sha256">` + sha256hex(gz) + `</checksum><open-checksum type="sha256">` + sha256hex(garbage) + `</open-checksum>
  <location href="repodata/primary.sqlite.gz" /><size>` + itoa(len(gz)) + `</size><open-size>` + itoa(len(garbage)) + `</open-size></data></repomd>`
	m := newTestMirror(t)
	m.fault("/db/repodata/repomd.xml", serveBytes([]byte(md)))
	m.fault("/db/repodata/primary.sqlite.gz", serveBytes(gz))
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	_, err := CrawlRepo(context.Background(), newClient(t), Repo{Base: m.url("/db/"), Arch: matrixgen.X86_64})
	if err == nil || !strings.Contains(err.Error(), m.url("/db/repodata/primary.sqlite.gz")) || !strings.Contains(err.Error(), "primary_db") {
		t.Fatalf("CrawlRepo: %v, want a primary_db error naming the URL", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
		t.Errorf("temp files left: %q", left)
	}
}

func TestCrawlRepoArch(t *testing.T) {
	for _, a := range []matrixgen.Arch{"", "amd64", "arm64"} {
		if _, err := CrawlRepo(context.Background(), nil, Repo{Base: "http://m/", Arch: a}); err == nil || !strings.Contains(err.Error(), "http://m/") {
			t.Errorf("CrawlRepo with arch %q: %v, want an error naming the repository", a, err)
		}
	}
}
