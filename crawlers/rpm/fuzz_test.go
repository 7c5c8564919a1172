package rpm

import (
	"bytes"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/matrixgen/matrixgen"
)

// FuzzScanPrimary: the scanner never panics, and reading the same bytes in one piece or one
// byte at a time gives the same packages and the same verdict.
func FuzzScanPrimary(f *testing.F) {
	f.Add(fixture(f, "real/centos-stream-9/AppStream-x86_64-primary-kernel-devel-excerpt.xml")[:6000])
	f.Add([]byte(pkgHead + pkgXML("kernel-devel", "<![CDATA[</package>]]>") + "</metadata>"))
	f.Add([]byte(`<metadata packages="0"/>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		scan := func(one bool) (string, error) {
			var out strings.Builder
			r := bytes.NewReader(doc)
			var rd = iotest.DataErrReader(r)
			if one {
				rd = iotest.OneByteReader(r)
			}
			_, err := ScanPrimary(rd, "f", nil, func(p *Package) error {
				out.WriteString(p.NEVRA() + " " + p.Href + " " + p.UnameR() + "\n")
				return nil
			})
			return out.String(), err
		}
		a, errA := scan(false)
		b, errB := scan(true)
		if a != b || (errA == nil) != (errB == nil) {
			t.Fatalf("whole read %q, %v; byte by byte %q, %v", a, errA, b, errB)
		}
	})
}

// FuzzParseRepomd: the parser never panics; the chosen record is primary, else primary_db.
func FuzzParseRepomd(f *testing.F) {
	for _, p := range []string{"real/fedora-32/repomd.xml", "real/amazonlinux/vuls-repomd_noupdateinfo.xml", "real/centos-stream-9/BaseOS/repomd.xml"} {
		f.Add(fixture(f, p))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		md, err := ParseRepomd(bytes.NewReader(doc), "f")
		if err != nil {
			return
		}
		p := md.Primary()
		switch {
		case md.Record("primary") != nil && p != md.Record("primary"):
			t.Fatalf("Primary() = %+v with a primary record present", p)
		case md.Record("primary") == nil && p != md.Record("primary_db"):
			t.Fatalf("Primary() = %+v, want the primary_db record", p)
		}
	})
}

// FuzzParseMirrorList: a base it returns is an absolute http(s) URL with one trailing slash
// and no $ variable left.
func FuzzParseMirrorList(f *testing.F) {
	f.Add([]byte("https://cdn.example/al2023/core/guids/8c97/aarch64/"), "aarch64")
	f.Add([]byte("\n http://m/r/$basearch \n"), "aarch64+64k")
	f.Add([]byte(""), "x86_64")
	f.Fuzz(func(t *testing.T, body []byte, arch string) {
		base, _, err := ParseMirrorList(body, "f", matrixgen.Arch(arch))
		if err != nil {
			return
		}
		if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") || !strings.HasSuffix(base, "/") ||
			strings.HasSuffix(base, "//") || strings.Contains(base, "$") {
			t.Fatalf("ParseMirrorList(%q) = %q", body, base)
		}
	})
}

// FuzzLivepatchKernel: a converted release is valid, starts with the name's kernel, and
// ends with the arch.
func FuzzLivepatchKernel(f *testing.F) {
	f.Add("kernel-livepatch-6.1.153-175.280", "1.0", "1.amzn2023", "x86_64")
	f.Add("kernel-livepatch-repo-cdn", "1.0", "1.amzn2023", "noarch")
	f.Fuzz(func(t *testing.T, name, version, release, arch string) {
		rel, ok := LivepatchKernel(name, version, release, arch)
		if !ok {
			return
		}
		if err := matrixgen.ValidateRelease(rel); err != nil {
			t.Fatalf("LivepatchKernel(%q, %q, %q, %q) = %q: %v", name, version, release, arch, rel, err)
		}
		if !strings.HasPrefix(rel, strings.TrimPrefix(name, "kernel-livepatch-")+".amzn") || !strings.HasSuffix(rel, "."+arch) {
			t.Fatalf("LivepatchKernel(%q, ..., %q) = %q", name, arch, rel)
		}
	})
}

// FuzzIndexEndPackage: the anchored searches agree with the bytes package.
func FuzzIndexEndPackage(f *testing.F) {
	f.Add([]byte("<package><name>k</name></packager></package>"))
	f.Add([]byte("</package>"))
	f.Add([]byte("x<!-- ! -->k</package"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := indexEndPackage(b), bytes.Index(b, tagEndPackage); got != want {
			t.Fatalf("indexEndPackage(%q) = %d, want %d", b, got, want)
		}
		if got, want := hasMarkupDecl(b), bytes.Contains(b, []byte("<!")); got != want {
			t.Fatalf("hasMarkupDecl(%q) = %v, want %v", b, got, want)
		}
	})
}
