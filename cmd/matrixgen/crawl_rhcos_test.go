package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen/crawlers/openshift/openshifttest"
	"github.com/matrixgen/matrixgen/schemas"
)

// rhcosFixture is an OpenShift mirror and registry on loopback: 4.15
// ships one el9_2 kernel in 4.15.0 and 4.15.1 and another from 4.15.2;
// 4.16.0 ships an el9_4 kernel. Every rhel-coreos image is a manifest list
// for amd64 and arm64.
type rhcosFixture struct {
	reg    *openshifttest.Registry
	mirror *openshifttest.Mirror
}

const (
	rhcosA  = "5.14.0-284.40.1.el9_2"
	rhcosB  = "5.14.0-284.54.1.el9_2"
	rhcos16 = "5.14.0-427.22.1.el9_4"
)

func newRHCOSFixture(t *testing.T) *rhcosFixture {
	t.Helper()
	reg := openshifttest.NewRegistry(t)
	m := openshifttest.NewMirror(t)
	a := reg.CoreOS(t, rhcosA+".x86_64", rhcosA+".aarch64")
	b := reg.CoreOS(t, rhcosB+".x86_64", rhcosB+".aarch64")
	c := reg.CoreOS(t, rhcos16+".x86_64", rhcos16+".aarch64")
	m.Add("4.15", openshifttest.Release{Version: "4.15.0", CoreOS: a}, openshifttest.Release{Version: "4.15.1", CoreOS: a},
		openshifttest.Release{Version: "4.15.2", CoreOS: b}, openshifttest.Release{Version: "4.15.3", CoreOS: b})
	m.Add("4.16", openshifttest.Release{Version: "4.16.0", CoreOS: c})
	// No machine credentials: the docker config and podman's auth file
	// are looked for under these.
	home := t.TempDir()
	for _, k := range []string{"HOME", "DOCKER_CONFIG", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR"} {
		t.Setenv(k, home)
	}
	t.Setenv("REGISTRY_AUTH_FILE", "")
	return &rhcosFixture{reg: reg, mirror: m}
}

// args crawls rhcos 4.15 and 4.16 on three arches into out, with the
// fixture's mirror and the registry rewrite.
func (f *rhcosFixture) args(cache, out string, extra ...string) []string {
	a := []string{"crawl", "--distro", "rhcos", "--release", "rhcos/4.15,rhcos/4.16", "--arch", "x86_64,aarch64,aarch64+64k",
		"--registry", "quay.io=" + f.reg.URL, "--cache-dir", cache, "--out-dir", out}
	for k, v := range f.mirror.Mirrors() {
		a = append(a, "--mirror", k+"="+v)
	}
	return append(a, extra...)
}

type rhcosEntry struct {
	KernelRelease     string   `json:"kernelrelease"`
	Target            string   `json:"target"`
	DistroVersion     string   `json:"distroversion"`
	OpenShiftReleases []string `json:"openshift_releases"`
	BuildImage        string   `json:"build_image"`
}

func readRHCOS(t *testing.T, path string) []rhcosEntry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string][]rhcosEntry
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc["rhcos"]
}

// TestCrawlRHCOS: crawl --distro rhcos finds every z-stream's kernel of
// two minors on x86_64, aarch64 and aarch64+64k (the aarch64 kernel with
// +64k), each with the z-streams shipping it and the newest one's
// driver-toolkit as build_image; it reads manifests and configs, never a
// layer; a second crawl with the same cache asks the registry nothing.
func TestCrawlRHCOS(t *testing.T) {
	f := newRHCOSFixture(t)
	cache, out := t.TempDir(), t.TempDir()
	secret := openshifttest.PullSecret(t, f.reg.User, f.reg.Pass)
	r := runCLI(t, "", nil, f.args(cache, out, "--pull-secret", secret)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, tc := range []struct{ arch, dir, suffix string }{
		{"x86_64", "x86_64", ".x86_64"}, {"aarch64", "aarch64", ".aarch64"}, {"aarch64+64k", "aarch64", ".aarch64+64k"},
	} {
		want := []rhcosEntry{
			{rhcosA + tc.suffix, "rhcos", "4.15", []string{"4.15.0", "4.15.1"}, openshifttest.DriverToolkit("4.15.1", tc.dir)},
			{rhcosB + tc.suffix, "rhcos", "4.15", []string{"4.15.2", "4.15.3"}, openshifttest.DriverToolkit("4.15.3", tc.dir)},
			{rhcos16 + tc.suffix, "rhcos", "4.16", []string{"4.16.0"}, openshifttest.DriverToolkit("4.16.0", tc.dir)},
		}
		got := readRHCOS(t, filepath.Join(out, tc.arch, "list.json"))
		if data, _ := os.ReadFile(filepath.Join(out, tc.arch, "list.json")); schemas.Validate(schemas.Crawl, data) != nil {
			t.Errorf("%s: not schema-valid: %v", tc.arch, schemas.Validate(schemas.Crawl, data))
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d entries, want %d: %+v", tc.arch, len(got), len(want), got)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.KernelRelease != w.KernelRelease || g.Target != w.Target || g.DistroVersion != w.DistroVersion || g.BuildImage != w.BuildImage || !slices.Equal(g.OpenShiftReleases, w.OpenShiftReleases) {
				t.Errorf("%s entry %d:\n got  %+v\n want %+v", tc.arch, i, g, w)
			}
		}
	}
	if l := f.reg.LayerRequests(); len(l) > 0 {
		t.Errorf("layers fetched: %q", l)
	}
	// Three images, each read once for each platform asked (the 64k
	// kernel is the aarch64 image's): a manifest list, a manifest and a
	// config blob apiece, besides the token exchanges.
	var blobs int
	for _, req := range f.reg.Requests() {
		if strings.Contains(req, "/blobs/") {
			blobs++
		}
	}
	if blobs != 6 {
		t.Errorf("%d blob requests, want 6 (one config per image and platform): %q", blobs, f.reg.Requests())
	}

	before := len(f.reg.Requests())
	r = runCLI(t, "", nil, f.args(cache, t.TempDir(), "--pull-secret", secret)...)
	if r.code != 0 {
		t.Fatalf("re-crawl: exit %d: %s", r.code, r.stderr)
	}
	if after := f.reg.Requests(); len(after) != before {
		t.Errorf("the re-crawl asked the registry: %q", after[before:])
	}
}

// TestCrawlRHCOSCredentials: without a pull secret, or with one the
// registry refuses, the rhcos sources fail (exit 3) and the registry is
// named in full once, saying how to give a pull secret, never with the
// secret; REGISTRY_AUTH_FILE and the docker config are read as the
// container tools read them.
func TestCrawlRHCOSCredentials(t *testing.T) {
	f := newRHCOSFixture(t)
	wrong := openshifttest.PullSecret(t, f.reg.User, "wrong-pass")
	good := openshifttest.PullSecret(t, f.reg.User, f.reg.Pass)
	mirror, keyring := signedMirror(t)
	srv, _ := countingServer(t, mirror)
	debian := []string{"--distro", "debian", "--release", "bookworm", "--keyring", keyring, "--now", fixtureNow,
		"--mirror", "debian=" + srv.URL + "/debian", "--mirror", "debian-security=" + srv.URL + "/debian-security"}
	dockerDir := t.TempDir()
	goodDoc, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dockerDir, "config.json"), goodDoc, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string // in stderr, once
	}{
		// rhcos alone: nothing written (exit 1); with a distribution
		// that was read, the output is written and the crawl is partial.
		{"none", nil, nil, 1, "quay.io needs credentials and none were found"},
		{"none, with debian", debian, nil, 3, "quay.io needs credentials and none were found"},
		{"wrong, with debian", append([]string{"--pull-secret", wrong}, debian...), nil, 3, "quay.io refused the credentials found (in: pull secret " + wrong},
		{"REGISTRY_AUTH_FILE", nil, map[string]string{"REGISTRY_AUTH_FILE": good}, 0, ""},
		{"docker config", nil, map[string]string{"DOCKER_CONFIG": dockerDir}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			args := f.args(t.TempDir(), t.TempDir(), tc.args...)
			if tc.code == 3 {
				// The debian fixture is amd64's.
				args[slices.Index(args, "--arch")+1] = "x86_64"
			}
			r := runCLI(t, "", nil, args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tc.code, r.stderr)
			}
			if tc.want == "" {
				return
			}
			if n := strings.Count(r.stderr, tc.want); n != 1 {
				t.Errorf("stderr names the refusal %d times, want once:\n%s", n, r.stderr)
			}
			if tc.code == 3 && !strings.Contains(r.stderr, "x86_64  30 ") {
				t.Errorf("debian's kernels not in the summary:\n%s", r.stderr)
			}
			if strings.HasPrefix(tc.name, "none") && !strings.Contains(r.stderr, "--pull-secret FILE") {
				t.Errorf("stderr does not say how to give a pull secret:\n%s", r.stderr)
			}
			for _, secret := range []string{f.reg.Pass, "wrong-pass", "cm9ib3Q6"} {
				if strings.Contains(r.stderr, secret) {
					t.Errorf("stderr leaks a credential (%q):\n%s", secret, r.stderr)
				}
			}
		})
	}
}

// TestCrawlRHCOSUsage: a --registry that is no HOST=URL, a pull secret
// that is not one and a minor before 4.13 are usage errors (exit 2),
// before any registry request.
func TestCrawlRHCOSUsage(t *testing.T) {
	f := newRHCOSFixture(t)
	bad := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(bad, []byte(`{"auths": "robot:s3cret-pass"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--registry", "quay.io"},
		{"--registry", "quay.io=ftp://mirror.example"},
		{"--pull-secret", filepath.Join(t.TempDir(), "missing.json")},
		{"--pull-secret", bad},
		{"--release", "rhcos/4.9"}, // before RHCOS on RHEL 9: no table row, no build
	} {
		r := runCLI(t, "", nil, f.args(t.TempDir(), t.TempDir(), args...)...)
		if r.code != 2 {
			t.Errorf("%q: exit %d, want 2: %s", args, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "s3cret") {
			t.Errorf("%q: stderr leaks the file's content: %s", args, r.stderr)
		}
	}
	if got := f.reg.Requests(); len(got) > 0 {
		t.Errorf("registry asked: %q", got)
	}
}

// TestMatrixRHCOS: matrix builds a crawled RHCOS kernel in its
// build_image (the release's Driver Toolkit), and precompiled-image names
// it exactly as the GPU Operator looks for it.
func TestMatrixRHCOS(t *testing.T) {
	f := newRHCOSFixture(t)
	out := t.TempDir()
	secret := openshifttest.PullSecret(t, f.reg.User, f.reg.Pass)
	if r := runCLI(t, "", nil, f.args(t.TempDir(), out, "--pull-secret", secret)...); r.code != 0 {
		t.Fatalf("crawl: exit %d: %s", r.code, r.stderr)
	}
	r := runCLI(t, "", nil, "matrix", "--kernels", "testdata/empty.json", "--crawled", "aarch64+64k="+filepath.Join(out, "aarch64+64k", "list.json"),
		"--driver-version", "550.54.14", "--artifact", "precompiled-image", "--target", "rhcos")
	if r.code != 0 {
		t.Fatalf("matrix: exit %d: %s", r.code, r.stderr)
	}
	var m struct {
		Include []struct {
			KernelRelease string `json:"kernel_release"`
			BaseImage     string `json:"base_image"`
			Artifact      string `json:"artifact"`
		} `json:"include"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if err := schemas.Validate(schemas.Matrix, []byte(r.stdout)); err != nil {
		t.Errorf("matrix not schema-valid: %v", err)
	}
	want := map[string][2]string{
		rhcosA + ".aarch64+64k":  {openshifttest.DriverToolkit("4.15.1", "aarch64"), "550.54.14-" + rhcosA + ".aarch64_64k-rhcos4.15"},
		rhcosB + ".aarch64+64k":  {openshifttest.DriverToolkit("4.15.3", "aarch64"), "550.54.14-" + rhcosB + ".aarch64_64k-rhcos4.15"},
		rhcos16 + ".aarch64+64k": {openshifttest.DriverToolkit("4.16.0", "aarch64"), "550.54.14-" + rhcos16 + ".aarch64_64k-rhcos4.16"},
	}
	if len(m.Include) != len(want) {
		t.Fatalf("%d entries, want %d: %s", len(m.Include), len(want), r.stdout)
	}
	for _, e := range m.Include {
		w, ok := want[e.KernelRelease]
		if !ok || e.BaseImage != w[0] || e.Artifact != w[1] {
			t.Errorf("entry %+v, want base image %s and tag %s", e, w[0], w[1])
		}
	}
}
