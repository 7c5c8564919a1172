package deb

import (
	"strings"
	"testing"
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

func TestUbuntuKernelVersion(t *testing.T) {
	for _, tt := range []struct{ release, version, want string }{
		{"6.8.0-149-generic", "6.8.0-149.149", "149"},
		{"7.0.0-43-generic", "7.0.0-43.43~24.04.1", "43~24.04.1"},
		{"6.8.0-149-lowlatency", "6.8.0-149.149.1", "149.1"},
		{"6.8.0-149-generic", "6.9.0-1.1", ""},
	} {
		if got := ubuntuKernelVersion(tt.release, tt.version); got != tt.want {
			t.Errorf("ubuntuKernelVersion(%s, %s) = %q, want %q", tt.release, tt.version, got, tt.want)
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
