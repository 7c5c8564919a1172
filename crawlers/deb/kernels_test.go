package deb

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

func TestParseDepends(t *testing.T) {
	got := parseDepends("linux-base (>= 4.12~), linux-headers-6.12.117+deb12-common (= 6.12.117-1~deb12u1), linux-image-6.12.117+deb12-amd64 (= 6.12.117-1~deb12u1) | linux-image-6.12.117+deb12-amd64-unsigned (= 6.12.117-1~deb12u1), linux-kbuild-6.12.117+deb12, gcc-12:any [amd64]")
	want := []dep{
		{"linux-base", ">=", "4.12~"},
		{"linux-headers-6.12.117+deb12-common", "=", "6.12.117-1~deb12u1"},
		{"linux-image-6.12.117+deb12-amd64", "=", "6.12.117-1~deb12u1"},
		{"linux-kbuild-6.12.117+deb12", "", ""},
		{"gcc-12", "", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("parseDepends = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("dep %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestFlavoredRelease(t *testing.T) {
	tests := []struct {
		pkg, pkgArch, index string
		want                string
	}{
		{"linux-headers-6.1.0-56-amd64", "amd64", "amd64", "6.1.0-56-amd64"},
		{"linux-headers-6.1.0-56-rt-amd64", "amd64", "amd64", "6.1.0-56-rt-amd64"},
		{"linux-headers-6.12.117+deb12-arm64-16k", "arm64", "arm64", "6.12.117+deb12-arm64-16k"},
		{"linux-headers-6.8.0-1046-nvidia-lowlatency", "amd64", "amd64", "6.8.0-1046-nvidia-lowlatency"},
		{"linux-headers-6.1.0-56-common", "all", "amd64", ""},
		{"linux-headers-6.1.0-56-common-rt", "all", "amd64", ""},
		{"linux-headers-6.8.0-41", "all", "amd64", ""},            // Ubuntu's unflavored common headers
		{"linux-headers-6.12-amd64", "amd64", "amd64", ""},        // meta package
		{"linux-headers-amd64", "amd64", "amd64", ""},             // meta package
		{"linux-aws-headers-6.8.0-1069", "all", "amd64", ""},      // per-flavor common tree
		{"linux-headers-6.1.0-56-amd64", "amd64", "arm64", ""},    // another arch's package
		{"linux-headers-generic-hwe-24.04", "amd64", "amd64", ""}, // meta package
		{"linux-headers-6.8.0-51-generic", "amd64", "amd64", "6.8.0-51-generic"},
	}
	for _, tt := range tests {
		got, ok := flavoredRelease(&Stanza{Package: tt.pkg, Architecture: tt.pkgArch}, tt.index)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("flavoredRelease(%s, %s in %s index) = %q, %v; want %q", tt.pkg, tt.pkgArch, tt.index, got, ok, tt.want)
		}
	}
}

func FuzzParseDepends(f *testing.F) {
	f.Add("linux-headers-6.1.0-56-common (= 6.1.192-2), linux-kbuild-6.1 (>= 6.1.192-2), linux-compiler-gcc-12-x86")
	f.Add("a | b, c:any (<< 2) [amd64], ")
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range parseDepends(s) {
			// Property: a name never carries the syntax around it.
			if strings.ContainsAny(d.name, ",|(") || strings.Contains(d.name, " ") {
				t.Fatalf("parseDepends(%q) gave name %q", s, d.name)
			}
		}
	})
}

// TestAssembleWarnings: a kernel whose companion is missing is kept with
// the headers found and a warning naming what is missing; a Debian release
// whose marker names another Debian version than its suite is kept under
// the suite's version, with a warning.
func TestAssembleWarnings(t *testing.T) {
	sec := Suite{Name: "bookworm-security", Mirror: "http://m/debian-security"}
	pool := &suitePool{suite: sec, stanzas: []Stanza{
		{Package: "linux-headers-6.1.0-56-amd64", Version: "6.1.192-2", Architecture: "amd64",
			Filename: "pool/updates/main/l/linux/linux-headers-6.1.0-56-amd64_6.1.192-2_amd64.deb",
			Depends:  "linux-headers-6.1.0-56-common (= 6.1.192-2), linux-kbuild-6.1 (>= 6.1.192-2), linux-compiler-gcc-12-x86"},
		{Package: "linux-kbuild-6.1", Version: "6.1.192-2", Architecture: "amd64",
			Filename: "pool/updates/main/l/linux/linux-kbuild-6.1_6.1.192-2_amd64.deb"},
		{Package: "linux-headers-6.12.107+deb13-amd64", Version: "6.12.107-1", Architecture: "amd64",
			Filename: "pool/main/l/linux/linux-headers-6.12.107+deb13-amd64_6.12.107-1_amd64.deb"},
	}}
	spec := Spec{Distribution: "debian", Codename: "bookworm", DistroVersion: "12", Arch: "x86_64", Suites: []Suite{sec}}
	res := &Result{Spec: spec, Suites: make([]SuiteResult, 1)}
	assemble(spec, []*suitePool{pool}, res)
	// The +deb13 kernel in a bookworm suite contradicts its suite: refused
	// (it would be built in a Debian 12 container), and named.
	if len(res.Kernels) != 1 || res.Suites[0].Kernels != 2 {
		t.Fatalf("kernels = %+v", res.Kernels)
	}
	k := res.Kernels[0]
	if k.Release != "6.1.0-56-amd64" || k.DistroVersion != "12" || len(k.Headers) != 2 || !strings.HasSuffix(k.Headers[1], "linux-kbuild-6.1_6.1.192-2_amd64.deb") {
		t.Errorf("kernel with a missing companion = %+v", k)
	}
	all := strings.Join(res.Warnings, "\n")
	for _, want := range []string{"companion linux-headers-6.1.0-56-common (= 6.1.192-2) not found", `6.12.107+deb13-amd64 in bookworm-security: refused: invalid: suite "bookworm-security": is Debian 12 but release 6.12.107+deb13-amd64 says Debian 13`} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	if len(res.Warnings) != 2 {
		t.Errorf("%d warnings, want 2:\n%s", len(res.Warnings), all)
	}
}

// TestCrawlReleaseNeedsKeyring: there is no unverified path; a crawl
// without a keyring fails each suite, naming its InRelease.
func TestCrawlReleaseNeedsKeyring(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir(fixtureRoot + "/mirrors")))
	defer srv.Close()
	spec := Spec{Distribution: "debian", Codename: "bookworm", DistroVersion: "12", Arch: "x86_64",
		Suites: []Suite{{Name: "bookworm-security", Mirror: srv.URL + "/debian-security"}}}
	res := CrawlRelease(context.Background(), fetch.New(fetch.Options{}), spec, Options{Now: func() time.Time { return testNow }})
	if len(res.Kernels) != 0 || res.Suites[0].Err == nil || !strings.Contains(res.Suites[0].Err.Error(), "bookworm-security/InRelease: no keyring") {
		t.Fatalf("crawl without keyring = %d kernels, %v", len(res.Kernels), res.Suites[0].Err)
	}
}

// TestCrawlReleaseUnknownVersion: a release --discover found whose Release
// names a version the domain does not know (a new Ubuntu) fails its suites
// once, saying what to add, instead of refusing each kernel in a warning
// while the crawl passes for whole.
func TestCrawlReleaseUnknownVersion(t *testing.T) {
	packages := "Package: linux-headers-7.1.0-10-generic\nSource: linux\nVersion: 7.1.0-10.10\nArchitecture: amd64\n" +
		"Filename: pool/main/l/linux/linux-headers-7.1.0-10-generic_7.1.0-10.10_amd64.deb\nSize: 1\n" +
		"SHA256: " + strings.Repeat("0", 64) + "\n\n"
	sum := sha256.Sum256([]byte(packages))
	release := "Origin: Ubuntu\nLabel: Ubuntu\nSuite: zesty\nVersion: 26.10\nCodename: zesty\n" +
		"Date: Fri, 20 Nov 2026 12:00:00 UTC\nArchitectures: amd64\nComponents: main\nSHA256:\n" +
		fmt.Sprintf(" %x %d main/binary-amd64/Packages\n", sum, len(packages))
	signer := testSigner(t)
	dir := t.TempDir()
	suite := filepath.Join(dir, "ubuntu", "dists", "zesty")
	if err := os.MkdirAll(filepath.Join(suite, "main", "binary-amd64"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(suite, "InRelease"), clearsignWith(t, signer, []byte(release)), 0o644)
	os.WriteFile(filepath.Join(suite, "main", "binary-amd64", "Packages"), []byte(packages), 0o644)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()

	spec := Spec{Distribution: "ubuntu", Codename: "zesty", Arch: "x86_64", Component: "main",
		Suites: []Suite{{Name: "zesty", Mirror: srv.URL + "/ubuntu"}}}
	res := CrawlRelease(context.Background(), fetch.New(fetch.Options{}), spec,
		Options{Keyring: openpgp.EntityList{signer}, Now: func() time.Time { return testNow }})
	err := res.Suites[0].Err
	if err == nil || !strings.Contains(err.Error(), "ubuntu 26.10 (zesty) is not a release matrixgen knows") || !errors.Is(err, matrixgen.ErrInvalid) {
		t.Fatalf("suite error = %v", err)
	}
	if len(res.Kernels) != 0 || len(res.Warnings) != 0 {
		t.Errorf("%d kernels, warnings %q: want the suite failed, not kernels refused one by one", len(res.Kernels), res.Warnings)
	}
}
