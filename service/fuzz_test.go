package service

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/matrixgen/matrixgen"
)

// FuzzKernel: a request is either a kernel that passes the domain's own
// validation and keeps the request's release and arch (canonical: amd64
// is x86_64), or a FieldError
// naming one of the API's fields, never anything else.
func FuzzKernel(f *testing.F) {
	s := &Service{cfg: Config{DefaultDistroVersions: map[string]string{"ubuntu": "24.04"}}.withDefaults()}
	for _, seed := range [][6]string{
		{"6.8.0-51-generic", "x86_64", "ubuntu", "24.04", "1.0.0", ""},
		{"6.8.0-51-generic", "x86_64", "ubuntu", "", "1.0.0", "#41~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC Fri Mar 28 2025"},
		{"6.1.174-217.345.amzn2023.x86_64", "x86_64", "amazonlinux", "", "2.4.1", ""},
		{"6.12.95+deb12-amd64", "x86_64", "debian", "", "2.4.1", ""},
		{"5.14.0-427.13.1.el9_4.x86_64", "x86_64", "rocky", "9", "2.4.1", ""},
		{"6.14.0-100.fc42.aarch64", "aarch64", "fedora", "41", "1", ""},
		{"../../etc", "x86_64", "ubuntu", "24.04", "1.0.0", ""},
		{"6.8.0-51-generic", "AMD64", "ubuntu", "24.04", "1.0.0", ""},
		{"6.14.0-100.fc42.aarch64", "arm64", "fedora", "", "1", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4], seed[5])
	}
	fields := map[string]bool{"kernel_version": true, "architecture": true, "distribution": true, "distro_version": true, "driver_version": true, "uname_v": true}
	f.Fuzz(func(t *testing.T, release, arch, dist, dv, driver, unameV string) {
		k, err := s.Kernel(Request{KernelVersion: release, Architecture: arch, Distribution: dist, DistroVersion: dv, DriverVersion: driver, UnameV: unameV})
		if err == nil {
			canon, aerr := matrixgen.ParseArch(arch)
			if verr := k.Validate(); verr != nil || k.Release != release || aerr != nil || k.Arch != canon {
				t.Fatalf("accepted %q %q %q %q: %+v (validate: %v)", release, arch, dist, dv, k, verr)
			}
			if _, _, err := s.artifactName(k, driver); err != nil && !strings.Contains(err.Error(), "artifact") {
				t.Fatalf("accepted kernel renders no artifact: %v", err)
			}
			return
		}
		var fe *FieldError
		if !errors.As(err, &fe) || !fields[fe.Field] || fe.Rule == "" {
			t.Fatalf("%q %q %q %q %q: %v is not a FieldError naming an API field", release, arch, dist, dv, driver, err)
		}
	})
}

// FuzzSignature: the signature of the body verifies; any change to the
// body or the signature does not.
func FuzzSignature(f *testing.F) {
	f.Add("s3cret", []byte(`{"action":"completed","workflow_run":{"id":1}}`), 0)
	f.Add("", []byte{}, 3)
	f.Fuzz(func(t *testing.T, secret string, body []byte, flip int) {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		sig := "sha256=" + hex.EncodeToString(m.Sum(nil))
		if !validSignature(secret, body, sig) {
			t.Fatal("a correct signature was refused")
		}
		b := []byte(sig)
		i := 7 + (flip%64+64)%64
		b[i] ^= 0x01
		if validSignature(secret, body, string(b)) && string(b) != sig {
			t.Fatalf("a changed signature %s was accepted", b)
		}
		if validSignature(secret, append(append([]byte{}, body...), 'x'), sig) {
			t.Fatal("a changed body was accepted")
		}
	})
}

// FuzzCheckArtifactURL: an accepted artifact_url is an absolute http(s)
// URL with no whitespace or control character, so printing it is one line
// a loader can download and nothing else.
func FuzzCheckArtifactURL(f *testing.F) {
	for _, s := range []string{
		"https://github.com/acme/drivers/releases/download/drivers-2.4.1-1/driver_2.4.1_amd64.deb",
		"http://10.0.0.1:8080/a.rpm", "javascript:alert(1)", "https://a/b\nhttps://c/d", "//host/path",
		"https://a/b c", "file:///etc/passwd", "https://a/\u2028", "HTTPS://A/B", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckArtifactURL(s) != nil {
			return
		}
		if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
			t.Fatalf("accepted %q: whitespace or a control character", s)
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("accepted %q: not an absolute http(s) URL", s)
		}
	})
}
