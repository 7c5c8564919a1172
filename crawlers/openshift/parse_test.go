package openshift

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

func readFixture(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "openshift", file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseReleaseTxtRecorded reads the recorded, whole 4.4.5 release
// info (DIGEST column): every image row, the machine-os, and no RHCOS tag
// (4.4 shipped machine-os-content, not rhel-coreos).
func TestParseReleaseTxtRecorded(t *testing.T) {
	info, err := ParseReleaseTxt(readFixture(t, "release-info-4.4.5-x86_64.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "4.4.5" || info.Digest != "sha256:4a461dc23a9d323c8bd7a8631bed078a9e5eec690ce073f78b645c83fb4cdf74" ||
		info.PullFrom != "quay.io/openshift-release-dev/ocp-release@sha256:4a461dc23a9d323c8bd7a8631bed078a9e5eec690ce073f78b645c83fb4cdf74" ||
		info.MachineOS != "44.81.202005180831-0" {
		t.Errorf("header = %+v", info)
	}
	if len(info.Images) != 108 {
		t.Errorf("%d images, want 108", len(info.Images))
	}
	if got := info.Image("machine-os-content", ComponentRepo); got != ComponentRepo+"@sha256:b397960b7cc14c2e2603111b7385c6e8e4b0f683f9873cd9252a789175e5c4e1" {
		t.Errorf("machine-os-content = %q", got)
	}
	if tag, ok := info.CoreOSTag(); ok {
		t.Errorf("4.4.5 has no rhel-coreos, got %q", tag)
	}
	if info.Image("driver-toolkit", ComponentRepo) != "" {
		t.Error("4.4.5 has no driver-toolkit")
	}
}

// TestParseReleaseTxtPullSpec: the mirror's banner and the PULL SPEC
// column of newer releases (the recorded 4.18.42 header, whose one image
// row a public test abbreviated to "sha256:abc123": refused, naming the
// row), and the same header with a full row.
func TestParseReleaseTxtPullSpec(t *testing.T) {
	rec := readFixture(t, "release-4.18.42-x86_64.header.txt")
	_, err := ParseReleaseTxt(rec)
	if err == nil || !strings.Contains(err.Error(), "agent-installer-api-server") || !strings.Contains(err.Error(), "line 23") {
		t.Fatalf("abbreviated digest: err = %v", err)
	}
	full := strings.Replace(string(rec), "@sha256:abc123", "@sha256:"+strings.Repeat("ab", 32), 1)
	full += "  driver-toolkit                                 quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:dde3cd6a75d865a476aa7e1cab6fa8d97742401e87e0d514f3042c3a881e301f\n"
	full += "  rhel-coreos                                    quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:51c88549776c59bfd49e12c358cf32071f6131750883dee8666f2fc3d878e8d4\n"
	full += "  rhel-coreos-10                                 quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:857318f7a12783c71bda0d4e7c8eab3dcadfe88fb7a8ab937abc5592eaac640d\n"
	info, err := ParseReleaseTxt([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "4.18.42" || info.MachineOS != "418.94.202605101521-0" || len(info.Images) != 4 {
		t.Errorf("info = %+v", info)
	}
	if tag, _ := info.CoreOSTag(); tag != "rhel-coreos" {
		t.Errorf("CoreOSTag = %q, want rhel-coreos (the default stream) over rhel-coreos-10", tag)
	}
	if got := info.Image("driver-toolkit", "elsewhere"); got != ComponentRepo+"@sha256:dde3cd6a75d865a476aa7e1cab6fa8d97742401e87e0d514f3042c3a881e301f" {
		t.Errorf("driver-toolkit = %q", got)
	}
}

func TestCoreOSTag(t *testing.T) {
	d := "sha256:" + strings.Repeat("0", 64)
	tests := []struct {
		images []string
		want   string
	}{
		{[]string{"rhel-coreos", "rhel-coreos-10"}, "rhel-coreos"},
		{[]string{"rhel-coreos-9", "rhel-coreos-10", "rhel-coreos-extensions"}, "rhel-coreos-10"},
		{[]string{"rhel-coreos-extensions", "machine-os-content"}, ""},
	}
	for _, tc := range tests {
		info := &ReleaseInfo{Images: map[string]string{}}
		for _, i := range tc.images {
			info.Images[i] = d
		}
		if got, _ := info.CoreOSTag(); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.images, got, tc.want)
		}
	}
}

func TestParseReleaseTxtErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"Images:\n  NAME DIGEST\n  cli sha256:" + strings.Repeat("a", 64) + "\n",
		"Name: 4.15.1\n",
		"Name: 4.15.1\nImages:\n  cli sha256:" + strings.Repeat("a", 64) + " extra\n",
		"Name: 4.15.1\nImages:\n  cli latest\n",
	} {
		if _, err := ParseReleaseTxt([]byte(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// TestZStreamsRecorded: the recorded stable-4.9 graph lists 4.8 upgrade
// sources too; only 4.9's generally available versions are z-streams,
// numerically ordered. The recorded candidate-4.12 multi graph has only
// release candidates: no z-stream.
func TestZStreamsRecorded(t *testing.T) {
	zs, err := ZStreams(readFixture(t, "cincinnati-graph.stable-4.9.amd64.json"), "4.9")
	if err != nil {
		t.Fatal(err)
	}
	if len(zs) != 44 || zs[0] != "4.9.0" || zs[7] != "4.9.10" || zs[43] != "4.9.53" {
		t.Errorf("z-streams = %v", zs)
	}
	if !slices.IsSortedFunc(zs, CompareVersions) {
		t.Error("not sorted")
	}
	zs, err = ZStreams(readFixture(t, "cincinnati-graph.stable-4.9.amd64.json"), "4.8")
	if err != nil || len(zs) == 0 || !strings.HasPrefix(zs[0], "4.8.") {
		t.Errorf("4.8 in stable-4.9: %v, %v", zs, err)
	}
	zs, err = ZStreams(readFixture(t, "cincinnati-graph.candidate-4.12.multi.json"), "4.12")
	if err != nil || len(zs) != 0 {
		t.Errorf("candidate-4.12: %v, %v", zs, err)
	}
	if _, err := ZStreams([]byte("<html>"), "4.9"); err == nil {
		t.Error("HTML accepted as a graph")
	}
}

func TestParseMinor(t *testing.T) {
	for _, ok := range []string{"4.13", "4.15", "4.21"} {
		if _, _, err := ParseMinor(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "4", "4.15.3", "3.11", "stable-4.15", "4.x", "04.15a"} {
		if _, _, err := ParseMinor(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseRewrite(t *testing.T) {
	host, u, err := ParseRewrite("quay.io=https://mirror.example:5000")
	if err != nil || host != "quay.io" || u.String() != "https://mirror.example:5000" {
		t.Errorf("= %q %v %v", host, u, err)
	}
	for _, bad := range []string{"quay.io", "=https://m", "quay.io=ftp://m", "quay.io=https://m/ocp4", "quay.io=https://u:p@m", "quay.io=mirror:5000", "quay.io/x=https://m"} {
		if _, _, err := ParseRewrite(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestAuthFile: the pull-secret format, docker's legacy keys, repository
// prefixes before the registry, and errors that never carry a secret.
func TestAuthFile(t *testing.T) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	doc := `{"auths":{
		"https://quay.io/v1/": {"auth": "` + enc("reg-user:reg-pass") + `"},
		"quay.io/openshift-release-dev": {"auth": "` + enc("ns-user:ns-pass") + `", "email": "x@example.com"},
		"registry.redhat.io": {"username": "u", "password": "p"}}}`
	a, err := ParseAuthFile("ps.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ ref, user string }{
		{ComponentRepo + "@sha256:" + strings.Repeat("0", 64), "ns-user"},
		{"quay.io/other/repo:tag", "reg-user"},
		{"registry.redhat.io/ubi9/ubi:latest", "u"},
		{"registry.example.com/x:y", ""},
	}
	for _, tc := range tests {
		ref, err := name.ParseReference(tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		auth, err := a.Resolve(ref.Context())
		if err != nil {
			t.Fatal(err)
		}
		if tc.user == "" {
			if auth != authn.Anonymous {
				t.Errorf("%s: want anonymous", tc.ref)
			}
			continue
		}
		cfg, err := auth.Authorization()
		if err != nil || cfg.Username != tc.user {
			t.Errorf("%s: user %q, %v; want %q", tc.ref, cfg.Username, err, tc.user)
		}
	}

	secret := "dG9wc2VjcmV0"
	for _, bad := range []string{
		`{"auths":{"quay.io":{"auth":"` + secret + `!!"}}}`,
		`{"auths":{"quay.io":{"auth":"` + secret + `"}}}`, // "topsecret", no colon
		`{"quay.io":"` + secret + `"}`,
		`not json ` + secret,
		`{"auths":"` + secret + `"}`,
		`{"auths":{"quay.io":{"auth":["` + secret + `"]}}}`,
	} {
		_, err := ParseAuthFile("ps.json", []byte(bad))
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "topsecret") || !strings.Contains(err.Error(), "ps.json") {
			t.Errorf("error leaks the secret or does not name the file: %v", err)
		}
		// Where, not what, and no Go type.
		if strings.Contains(err.Error(), "struct") {
			t.Errorf("error names a Go type: %v", err)
		}
	}
	if _, err := LoadAuthFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing pull secret file is no error")
	}
}

func FuzzParseReleaseTxt(f *testing.F) {
	f.Add(readFixture(f, "release-info-4.4.5-x86_64.txt"))
	f.Add(readFixture(f, "release-4.18.42-x86_64.header.txt"))
	f.Add([]byte("Name: 4.15.1\nImages:\n  NAME DIGEST\n  rhel-coreos sha256:" + strings.Repeat("a", 64) + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ParseReleaseTxt(data)
		if err != nil {
			return
		}
		if info.Name == "" || len(info.Images) == 0 {
			t.Fatalf("accepted without a name or images: %+v", info)
		}
		for n, ref := range info.Images {
			_, d, _ := strings.Cut(info.Image(n, ComponentRepo), "@")
			if !digestRE.MatchString(d) {
				t.Fatalf("image %s: %q has no digest", n, ref)
			}
		}
	})
}

func FuzzZStreams(f *testing.F) {
	f.Add(readFixture(f, "cincinnati-graph.candidate-4.12.multi.json"), "4.12")
	f.Add([]byte(`{"nodes":[{"version":"4.15.10"},{"version":"4.15.9"},{"version":"4.15.0-rc.1"}]}`), "4.15")
	f.Fuzz(func(t *testing.T, data []byte, minor string) {
		zs, err := ZStreams(data, minor)
		if err != nil {
			return
		}
		for _, z := range zs {
			if !strings.HasPrefix(z, minor+".") || !isNumber(strings.TrimPrefix(z, minor+".")) {
				t.Fatalf("%q is no z-stream of %q", z, minor)
			}
		}
		if !slices.IsSortedFunc(zs, CompareVersions) {
			t.Fatalf("not sorted: %v", zs)
		}
	})
}

func FuzzParseAuthFile(f *testing.F) {
	f.Add([]byte(`{"auths":{"quay.io":{"auth":"dTpw"}}}`))
	f.Add([]byte(`{"auths":{"https://index.docker.io/v1/":{"username":"u","password":"p"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAuthFile("f.json", data)
		if err != nil {
			return
		}
		ref, _ := name.ParseReference(ComponentRepo + ":x")
		if _, err := a.Resolve(ref.Context()); err != nil {
			t.Fatal(err)
		}
	})
}
