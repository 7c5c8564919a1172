package rpm

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

func TestParseMirrorList(t *testing.T) {
	tests := []struct {
		body string
		arch matrixgen.Arch
		want string // "" = error
	}{
		// The real AL2023 body form: one URL, trailing slash, no final newline.
		{body: "https://cdn.example/al2023/core/guids/8c97/aarch64/", arch: matrixgen.AArch64, want: "https://cdn.example/al2023/core/guids/8c97/aarch64/"},
		{body: "https://cdn.example/2/core/2.0/x86_64/abc\n", arch: matrixgen.X86_64, want: "https://cdn.example/2/core/2.0/x86_64/abc/"},
		{body: "\n\n  http://m/r/$basearch//  \nhttp://second/\n", arch: matrixgen.X86_64, want: "http://m/r/x86_64/"},
		{body: "http://m/r/$basearch/", arch: matrixgen.AArch64_64k, want: "http://m/r/aarch64/"},
		{body: "", arch: matrixgen.X86_64},
		{body: " \n\t\n", arch: matrixgen.X86_64},
		{body: "<html>Access Denied</html>", arch: matrixgen.X86_64},
		{body: "ftp://m/r/", arch: matrixgen.X86_64},
		{body: "/relative/path/", arch: matrixgen.X86_64},
		{body: "http://m/r/$releasever/", arch: matrixgen.X86_64},
	}
	for _, tt := range tests {
		got, _, err := ParseMirrorList([]byte(tt.body), "http://m/mirror.list", tt.arch)
		if tt.want == "" {
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "http://m/mirror.list") {
				t.Errorf("ParseMirrorList(%q) = %q, %v; want a *ParseError naming the URL", tt.body, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseMirrorList(%q, %s) = %q, %v; want %q", tt.body, tt.arch, got, err, tt.want)
		}
	}
}

// TestResolveMirrorList resolves the fixture mirror.lists and crawls what they name.
func TestResolveMirrorList(t *testing.T) {
	m := newTestMirror(t)
	c := newClient(t)
	ctx := context.Background()
	base, warns, err := ResolveMirrorList(ctx, c, m.url("/al2023/core/mirrors/latest/x86_64/mirror.list"), matrixgen.X86_64)
	if err != nil || base != m.url(al2023Core) || len(warns) != 0 {
		t.Fatalf("ResolveMirrorList = %q, %v; want %s", base, err, m.url(al2023Core))
	}
	res, err := CrawlRepo(ctx, c, Repo{Base: base, Arch: matrixgen.X86_64})
	if err != nil || len(res.Kernels) != 2 {
		t.Fatalf("crawl of the resolved base: %+v, %v", res, err)
	}
	base, _, err = ResolveMirrorList(ctx, c, m.url("/al2023/kernel-livepatch/mirrors/latest/x86_64/mirror.list"), matrixgen.X86_64)
	if err != nil || base != m.url(al2023LP) {
		t.Fatalf("livepatch ResolveMirrorList = %q, %v", base, err)
	}

	// Empty body, 404, dead host.
	m.fault("/empty/mirror.list", serveBytes(nil))
	_, _, err = ResolveMirrorList(ctx, c, m.url("/empty/mirror.list"), matrixgen.X86_64)
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), m.url("/empty/mirror.list")) {
		t.Errorf("empty mirror.list: %v, want a *ParseError naming it", err)
	}
	_, _, err = ResolveMirrorList(ctx, c, m.url("/none/mirror.list"), matrixgen.X86_64)
	wantStatus(t, err, http.StatusNotFound)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/mirror.list"
	ln.Close() // nothing listens there any more: connection refused
	_, _, err = ResolveMirrorList(ctx, c, dead, matrixgen.X86_64)
	if err == nil || !strings.Contains(err.Error(), dead) {
		t.Errorf("dead host: %v, want an error naming %s", err, dead)
	}
	// A mirror.list naming a dead host resolves, and the crawl of it fails naming the host.
	m.fault("/deadbase/mirror.list", serveBytes([]byte(strings.TrimSuffix(dead, "mirror.list")+"repo/$basearch/")))
	base, _, err = ResolveMirrorList(ctx, c, m.url("/deadbase/mirror.list"), matrixgen.X86_64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CrawlRepo(ctx, c, Repo{Base: base, Arch: matrixgen.X86_64}); err == nil || !strings.Contains(err.Error(), base+"repodata/repomd.xml") {
		t.Errorf("crawl of a dead base: %v, want an error naming %srepodata/repomd.xml", err, base)
	}
}

func TestParseReleaseMD(t *testing.T) {
	got, err := ParseReleaseMD(bytes.NewReader(fixture(t, "real/amazonlinux/vuls-releasemd_valid.xml")), "releasemd.xml")
	if err != nil {
		t.Fatalf("ParseReleaseMD: %v", err)
	}
	want := []Release{
		{Version: "2022.0.20220531", Updates: []ReleaseUpdate{{Name: "2022.0.20220628", VersionString: "2022.0.20220628", ReleaseNotes: "https://aws.amazon.com"}}},
		{Version: "2022.0.20220628"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseReleaseMD = %+v, want %+v", got, want)
	}
	for _, bad := range []string{
		`<?xml version="1.0" encoding="latin1"?><root><releases/></root>`,
		`<root><releases><release version="../../x"/></releases></root>`,
		`<root><releases><release version="2023.1"></releases></root>`,
	} {
		if _, err := ParseReleaseMD(strings.NewReader(bad), "r.xml"); err == nil || !strings.Contains(err.Error(), "r.xml") {
			t.Errorf("ParseReleaseMD(%q) = %v, want an error naming r.xml", bad, err)
		}
	}
}

func TestLivepatchKernel(t *testing.T) {
	tests := []struct {
		name, version, release, arch string
		want                         string // "" = not a livepatch
	}{
		{"kernel-livepatch-6.1.153-175.280", "1.0", "1.amzn2023", "x86_64", "6.1.153-175.280.amzn2023.x86_64"},
		{"kernel-livepatch-6.12.22-27.96", "1.0", "0.amzn2023", "aarch64", "6.12.22-27.96.amzn2023.aarch64"},
		{"kernel-livepatch-6.1.12-19.43", "1.0", "1.amzn2023", "src", ""},
		{"kernel-livepatch-repo-cdn", "1.0", "1.amzn2023", "noarch", ""},
		{"kernel-livepatch-repo-s3", "1.0", "1.amzn2023", "x86_64", ""},
		{"kernel-livepatch-6.1.12-19.43", "1.0", "1.el9", "x86_64", ""},
		{"kernel-livepatch-6.1.12", "1.0", "1.amzn2023", "x86_64", ""},
		{"kernel-devel", "6.1.12", "19.43.amzn2023", "x86_64", ""},
	}
	for _, tt := range tests {
		got, ok := LivepatchKernel(tt.name, tt.version, tt.release, tt.arch)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("LivepatchKernel(%s, %s, %s, %s) = %q, %v; want %q", tt.name, tt.version, tt.release, tt.arch, got, ok, tt.want)
		}
	}
	// Every real livepatch name in AL2023's supportinfo converts, and to a valid release.
	names := regexp.MustCompile(`kernel-livepatch-\d[\d.]*-\d[\d.]*\b`).FindAllString(string(readShared(t)), -1)
	if len(names) < 100 {
		t.Fatalf("%d livepatch names in the real updateinfo, want many", len(names))
	}
	for _, n := range names {
		rel, ok := LivepatchKernel(n, "1.0", "1.amzn2023", "x86_64")
		if !ok || matrixgen.ValidateRelease(rel) != nil || !strings.HasPrefix(rel, strings.TrimPrefix(n, "kernel-livepatch-")+".amzn2023.") {
			t.Errorf("LivepatchKernel(%s) = %q, %v", n, rel, ok)
		}
	}
}

// readShared returns the real livepatch package names: the updateinfo's one and the
// supportinfo list, when that file is there (it is not copied into fixtures for its size).
func readShared(t *testing.T) []byte {
	t.Helper()
	out := decompress(t, "u.xml.gz", fixture(t, "real/amazonlinux/al2023-kernel-livepatch-updateinfo.xml.gz"))
	return append(out, fixture(t, "real/amazonlinux/livepatch-names.txt")...)
}
