package rpm

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

const pkgHead = `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="2">
`

func pkgXML(name, extra string) string {
	return `<package type="rpm">
  <name>` + name + `</name>
  <arch>x86_64</arch>
  <version epoch="0" ver="1.0" rel="1.el9"/>
  <packager>Someone &lt;a@b&gt;</packager>` + extra + `
  <location href="Packages/` + name + `.rpm"/>
</package>
`
}

func names(t *testing.T, doc string, keep func(string) bool) ([]string, int, error) {
	t.Helper()
	var got []string
	n, err := ScanPrimary(iotest.OneByteReader(strings.NewReader(doc)), "p.xml", keep, func(p *Package) error {
		got = append(got, p.Name+" "+p.Href)
		return nil
	})
	return got, n, err
}

func TestScanPrimary(t *testing.T) {
	isA := func(n string) bool { return strings.HasPrefix(n, "a") }
	tests := []struct {
		name    string
		doc     string
		want    []string
		count   int
		wantErr string
	}{
		{name: "two packages, one kept", doc: pkgHead + pkgXML("a1", "") + pkgXML("b1", "") + "</metadata>", want: []string{"a1 Packages/a1.rpm"}, count: 2},
		{name: "no trailing newline, comment between", doc: pkgHead + pkgXML("a1", "") + "<!-- c -->" + pkgXML("a2", "") + "</metadata>", want: []string{"a1 Packages/a1.rpm", "a2 Packages/a2.rpm"}, count: 2},
		{name: "CDATA hiding an end tag", doc: pkgHead + pkgXML("a1", "<description><![CDATA[x </package> y]]></description>") + "</metadata>\n", want: []string{"a1 Packages/a1.rpm"}, count: 1},
		{name: "comment hiding an end tag", doc: pkgHead + pkgXML("a1", "<!-- </package> -->") + "</metadata>\n", want: []string{"a1 Packages/a1.rpm"}, count: 1},
		{name: "escaped name", doc: pkgHead + pkgXML("a&amp;b", "") + "</metadata>", want: []string{"a&b Packages/a&b.rpm"}, count: 1},
		{name: "empty repository", doc: `<?xml version="1.0"?>` + "\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" packages=\"0\">\n</metadata>\n", count: 0},
		{name: "self-closed root", doc: `<metadata packages="0"/>`, count: 0},
		{name: "truncated inside a package", doc: pkgHead + pkgXML("a1", "")[:60], wantErr: "p.xml:3: unexpected end of file inside <package>"},
		{name: "truncated before </metadata>", doc: pkgHead + pkgXML("a1", ""), wantErr: "no </metadata>"},
		{name: "wrong root", doc: `<repomd><package type="rpm"></package></repomd>`, wantErr: "root element <repomd>"},
		{name: "text between packages", doc: pkgHead + "junk" + pkgXML("a1", "") + "</metadata>", wantErr: `unexpected text "junk" in <metadata>`},
		{name: "data after the root", doc: pkgHead + "</metadata>x", wantErr: `unexpected text "x" after </metadata>`},
		{name: "malformed kept package", doc: pkgHead + "<package><name>a1</name><arch></package>\n</metadata>", wantErr: "p.xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := names(t, tt.doc, isA)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ScanPrimary: %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) || n != tt.count {
				t.Errorf("ScanPrimary = %q, %d, %v; want %q, %d", got, n, err, tt.want, tt.count)
			}
		})
	}
}

// TestScanPrimaryReadError: a stream error (a checksum mismatch at the end) is returned as is.
func TestScanPrimaryReadError(t *testing.T) {
	boom := errors.New("sha256 mismatch")
	r := io.MultiReader(strings.NewReader(pkgHead+pkgXML("a1", "")), iotest.ErrReader(boom))
	_, err := ScanPrimary(r, "p.xml", nil, func(*Package) error { return nil })
	if !errors.Is(err, boom) {
		t.Fatalf("ScanPrimary = %v, want the read error", err)
	}
}

// TestScanPrimaryRealExcerpt reads the real CentOS Stream 9 excerpt: every package decoded
// equals what a plain xml.Unmarshal-free string scan says (see oracleKernels).
func TestScanPrimaryRealExcerpt(t *testing.T) {
	doc := fixture(t, "real/centos-stream-9/AppStream-x86_64-primary-kernel-devel-excerpt.xml")
	var got []*Package
	n, err := ScanPrimary(bytes.NewReader(doc), "excerpt", nil, func(p *Package) error { got = append(got, p); return nil })
	if err != nil || n != 15 || len(got) != 15 {
		t.Fatalf("ScanPrimary = %d packages, %v; want 15", n, err)
	}
	for i, m := range reOraclePkg.FindAllSubmatch(doc, -1) {
		p := got[i]
		v := reOracleVer.FindSubmatch(m[1])
		if p.Name != string(reOracleName.FindSubmatch(m[1])[1]) || p.Version != string(v[1]) || p.Release != string(v[2]) ||
			p.Href != string(reOracleLoc.FindSubmatch(m[1])[2]) || p.Arch != "x86_64" {
			t.Errorf("package %d = %+v, oracle %q", i, p, m[1][:200])
		}
		want := ""
		if u := reOracleUname.FindSubmatch(m[1]); u != nil {
			want = string(u[1]) + "-" + string(u[2])
		}
		if p.UnameR() != want {
			t.Errorf("%s: UnameR = %q, want %q", p.NEVRA(), p.UnameR(), want)
		}
	}
}

func TestParseRepomdReal(t *testing.T) {
	tests := []struct {
		file, revision, primary string
		types                   int
	}{
		{"real/centos-stream-9/AppStream/repomd.xml", "9-stream", "repodata/c03bb2ebc33bbee3046da091b45d90717273a43d3641a9d84e6eede05637bc8a-primary.xml.gz", 9},
		{"real/centos-stream-9/BaseOS/repomd.xml", "9-stream", "", 8},
		{"real/fedora-32/repomd.xml", "1587594156", "", 12},
		{"real/amazonlinux/vuls-repomd_valid.xml", "1656636233", "repodata/primary.xml.gz", 9},
		{"real/amazonlinux/vuls-repomd_noupdateinfo.xml", "1513061451", "repodata/primary.sqlite.gz", 3},
		{"mirror/createrepo_c-zstd-sample/repodata/repomd.xml", "1713204559", "repodata/fe9ca8250ddf6ffd0d48dd4a856840503b468c108c09bf97f528d2b73f415e41-primary.xml.zst", 3},
	}
	for _, tt := range tests {
		md, err := ParseRepomd(bytes.NewReader(fixture(t, tt.file)), tt.file)
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		p := md.Primary()
		if md.Revision != tt.revision || len(md.Data) != tt.types || p == nil || (tt.primary != "" && p.Href != tt.primary) ||
			p.Checksum.Type != "sha256" || len(p.Checksum.Value) != 64 || p.Size <= 0 {
			t.Errorf("%s: revision %q, %d records, primary %+v", tt.file, md.Revision, len(md.Data), p)
		}
		if zck := md.Record("primary_zck"); zck != nil && zck == p {
			t.Errorf("%s: primary_zck chosen", tt.file)
		}
	}
}
