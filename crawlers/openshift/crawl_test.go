package openshift

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/openshift/openshifttest"
)

const (
	kernelA = "4.18.0-305.19.1.el8_4"
	kernelB = "4.18.0-305.25.1.el8_4"
	// The z-stream from which the fixture's 4.9 ships kernelB.
	firstB = "4.9.19"
)

// fixture49 is the recorded stable-4.9 graph with a release.txt for every
// 4.9 z-stream on x86_64 and aarch64: kernel A up to 4.9.18, B from
// 4.9.19. The x86_64 rhel-coreos images are single-arch (Docker, then
// OCI); the aarch64 ones are manifest lists (OCI index, Docker list) that
// hold an amd64 image too, so a wrong platform pick shows.
type fixture49 struct {
	reg      *openshifttest.Registry
	mirror   *fixtureMirror
	versions []string
}

func newFixture49(t *testing.T) *fixture49 {
	t.Helper()
	reg := openshifttest.NewRegistry(t)
	mirror := newFixtureMirror(t, "cincinnati-graph.stable-4.9.amd64.json")
	graph, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "openshift", "cincinnati-graph.stable-4.9.amd64.json"))
	if err != nil {
		t.Fatal(err)
	}
	versions, err := ZStreams(graph, "4.9")
	if err != nil {
		t.Fatal(err)
	}
	amdA := reg.Push(t, openshifttest.Image(t, "amd64", kernelA+".x86_64", false))
	amdB := reg.Push(t, openshifttest.Image(t, "amd64", kernelB+".x86_64", true))
	armA := reg.Push(t, openshifttest.Index(t, true, openshifttest.Image(t, "amd64", kernelA+".x86_64", true), openshifttest.Image(t, "arm64", kernelA+".aarch64", true)))
	armB := reg.Push(t, openshifttest.Index(t, false, openshifttest.Image(t, "amd64", kernelB+".x86_64", false), openshifttest.Image(t, "arm64", kernelB+".aarch64", false)))
	for i, v := range versions {
		b := CompareVersions(v, firstB) >= 0
		amd, arm := amdA, armA
		if b {
			amd, arm = amdB, armB
		}
		mirror.add(fixtureRelease{version: v, dir: "x86_64", coreos: amd, pullSpec: i%2 == 0})
		mirror.add(fixtureRelease{version: v, dir: "aarch64", coreos: arm, pullSpec: i%2 == 1})
	}
	return &fixture49{reg: reg, mirror: mirror, versions: versions}
}

func (f *fixture49) registry(t *testing.T, creds Credentials, rewrite bool) (*Registry, *loopbackOnly) {
	t.Helper()
	base := newLoopbackOnly()
	o := RegistryOptions{Credentials: creds, Transport: base}
	if rewrite {
		o.Rewrites = rewriteTo(t, f.reg)
	}
	reg, err := NewRegistry(o)
	if err != nil {
		t.Fatal(err)
	}
	return reg, base
}

func (f *fixture49) goodCreds(t *testing.T) Credentials {
	return Credentials{PullSecret: openshifttest.PullSecret(t, f.reg.User, f.reg.Pass), Getenv: noEnv, Default: noDocker}
}

// want is what the fixture ships on arch.
func (f *fixture49) want(arch matrixgen.Arch) []Kernel {
	dir := map[matrixgen.Arch]string{matrixgen.X86_64: "x86_64", matrixgen.AArch64: "aarch64", matrixgen.AArch64_64k: "aarch64"}[arch]
	suffix := map[matrixgen.Arch]string{matrixgen.X86_64: ".x86_64", matrixgen.AArch64: ".aarch64", matrixgen.AArch64_64k: ".aarch64+64k"}[arch]
	var a, b []string
	for _, v := range f.versions {
		if CompareVersions(v, firstB) >= 0 {
			b = append(b, v)
		} else {
			a = append(a, v)
		}
	}
	return []Kernel{
		{Minor: "4.9", Arch: arch, Release: kernelA + suffix, OpenShiftReleases: a, BuildImage: ComponentRepo + "@" + dtkDigest(a[len(a)-1], dir)},
		{Minor: "4.9", Arch: arch, Release: kernelB + suffix, OpenShiftReleases: b, BuildImage: ComponentRepo + "@" + dtkDigest(b[len(b)-1], dir)},
	}
}

func sameKernels(t *testing.T, got, want []Kernel) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d kernels, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Minor != w.Minor || g.Arch != w.Arch || g.Release != w.Release || g.BuildImage != w.BuildImage || !slices.Equal(g.OpenShiftReleases, w.OpenShiftReleases) {
			t.Errorf("kernel %d:\n got  %+v\n want %+v", i, g, w)
		}
	}
}

// TestCrawlZStreamsTwoArches: every 4.9 z-stream of the recorded graph is
// read on x86_64 and aarch64; each kernel lists the z-streams shipping it
// and the newest one's driver-toolkit; aarch64+64k is the aarch64 build
// with +64k; the manifest lists give the arm64 image; no layer is fetched
// and each image is read once.
func TestCrawlZStreamsTwoArches(t *testing.T) {
	f := newFixture49(t)
	reg, base := f.registry(t, f.goodCreds(t), true)
	res := Crawl(context.Background(), newFetcher(t, t.TempDir()), reg, Request{Minors: []string{"4.9"}, Mirrors: f.mirror.mirrors()})
	for _, fl := range res.Failures {
		t.Errorf("failure: %v", fl)
	}
	if len(f.versions) != 44 {
		t.Fatalf("the recorded graph has %d 4.9 z-streams, want 44", len(f.versions))
	}
	var want []Kernel
	for _, a := range []matrixgen.Arch{matrixgen.AArch64, matrixgen.AArch64_64k, matrixgen.X86_64} {
		want = append(want, f.want(a)...)
	}
	sameKernels(t, res.Kernels, want)
	noLayerFetched(t, f.reg)
	if res.Registry != 4 || res.MemoHits != 0 {
		t.Errorf("registry reads %d, memo hits %d; want 4 (one per image) and 0", res.Registry, res.MemoHits)
	}
	// One manifest per image, plus the platform's for a list, and one config blob each.
	var manifests, blobs int
	for _, r := range f.reg.Requests() {
		switch {
		case strings.Contains(r, "/manifests/"):
			manifests++
		case strings.Contains(r, "/blobs/"):
			blobs++
		}
	}
	if manifests != 6 || blobs != 4 {
		t.Errorf("registry got %d manifest and %d blob requests, want 6 and 4: %q", manifests, blobs, f.reg.Requests())
	}
	if r := base.refusedAddrs(); len(r) > 0 {
		t.Errorf("dialled outside loopback: %v", r)
	}
}

// TestCrawlArchSubset: asking for aarch64+64k alone reads the aarch64
// release and gives only the 64k entries.
func TestCrawlArchSubset(t *testing.T) {
	f := newFixture49(t)
	reg, _ := f.registry(t, f.goodCreds(t), true)
	res := Crawl(context.Background(), newFetcher(t, t.TempDir()), reg, Request{Minors: []string{"4.9"}, Arches: []matrixgen.Arch{matrixgen.AArch64_64k}, Mirrors: f.mirror.mirrors()})
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %v", res.Failures)
	}
	sameKernels(t, res.Kernels, f.want(matrixgen.AArch64_64k))
}

// TestRecrawlMakesNoRegistryRequest: the label is kept per image digest,
// so a second crawl of the same releases (a new process, the same cache
// directory) asks the registry nothing, and finds the same kernels even
// without credentials.
func TestRecrawlMakesNoRegistryRequest(t *testing.T) {
	f := newFixture49(t)
	cache := t.TempDir()
	reg, _ := f.registry(t, f.goodCreds(t), true)
	req := Request{Minors: []string{"4.9"}, Mirrors: f.mirror.mirrors()}
	first := Crawl(context.Background(), newFetcher(t, cache), reg, req)
	if len(first.Failures) > 0 || len(first.Kernels) != 6 {
		t.Fatalf("first crawl: %d kernels, failures %v", len(first.Kernels), first.Failures)
	}
	f.reg.ResetLog()

	// No credentials at all this time: nothing may need them.
	reg2, _ := f.registry(t, Credentials{Getenv: noEnv, Default: noDocker}, true)
	second := Crawl(context.Background(), newFetcher(t, cache), reg2, req)
	if len(second.Failures) > 0 {
		t.Fatalf("second crawl failed: %v", second.Failures)
	}
	if got := f.reg.Requests(); len(got) != 0 {
		t.Errorf("the re-crawl sent %d registry requests: %q", len(got), got)
	}
	if second.Registry != 0 || second.MemoHits != 4 {
		t.Errorf("registry reads %d, memo hits %d; want 0 and 4", second.Registry, second.MemoHits)
	}
	sameKernels(t, second.Kernels, first.Kernels)
}

// TestPullSecret: without credentials, or with wrong ones, the registry
// refuses and the crawl names it once (not once per image or release),
// saying how to give a pull secret; the secret itself is never in the
// message. A pull secret given through REGISTRY_AUTH_FILE works as --pull-secret does.
func TestPullSecret(t *testing.T) {
	f := newFixture49(t)
	tests := []struct {
		name    string
		creds   func(t *testing.T) Credentials
		missing bool
		ok      bool
	}{
		{"none", func(*testing.T) Credentials { return Credentials{Getenv: noEnv, Default: noDocker} }, true, false},
		{"wrong", func(t *testing.T) Credentials {
			return Credentials{PullSecret: openshifttest.PullSecret(t, f.reg.User, "wrong-pass"), Getenv: noEnv, Default: noDocker}
		}, false, false},
		{"other registry only", func(t *testing.T) Credentials {
			p := filepath.Join(t.TempDir(), "auth.json")
			if err := os.WriteFile(p, []byte(`{"auths":{"registry.example.com":{"auth":"dTpw"}}}`), 0o600); err != nil {
				t.Fatal(err)
			}
			return Credentials{PullSecret: p, Getenv: noEnv, Default: noDocker}
		}, true, false},
		{"REGISTRY_AUTH_FILE", func(t *testing.T) Credentials {
			p := openshifttest.PullSecret(t, f.reg.User, f.reg.Pass)
			return Credentials{Getenv: func(k string) string {
				if k == "REGISTRY_AUTH_FILE" {
					return p
				}
				return ""
			}, Default: noDocker}
		}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg, _ := f.registry(t, tc.creds(t), true)
			res := Crawl(context.Background(), newFetcher(t, t.TempDir()), reg, Request{Minors: []string{"4.9"}, Mirrors: f.mirror.mirrors()})
			if tc.ok {
				if len(res.Failures) > 0 || len(res.Kernels) != 6 {
					t.Fatalf("%d kernels, failures %v", len(res.Kernels), res.Failures)
				}
				return
			}
			if len(res.Kernels) != 0 {
				t.Errorf("kernels without access: %+v", res.Kernels)
			}
			if len(res.Failures) != 1 {
				t.Fatalf("want the registry named once, got %d failures: %v", len(res.Failures), res.Failures)
			}
			var ae *AuthError
			if !errors.As(res.Failures[0], &ae) || ae.Registry != "quay.io" || ae.Missing != tc.missing {
				t.Fatalf("failure = %v, want an AuthError for quay.io with Missing=%v", res.Failures[0], tc.missing)
			}
			msg := res.Failures[0].Error()
			if tc.missing && !strings.Contains(msg, "pull secret") {
				t.Errorf("message does not say how to give a pull secret: %s", msg)
			}
			for _, secret := range []string{f.reg.Pass, "wrong-pass", "d3Jvbmc", "cm9ib3Q6"} {
				if strings.Contains(msg, secret) {
					t.Errorf("message leaks a credential (%q): %s", secret, msg)
				}
			}
			noLayerFetched(t, f.reg)
		})
	}
}

// TestRegistryRewrite: the references name quay.io; --registry sends the
// connections to the mirror. Without it, the crawl dials quay.io (refused
// by the test transport, never sent) and the fixture gets nothing.
func TestRegistryRewrite(t *testing.T) {
	f := newFixture49(t)
	reg, base := f.registry(t, f.goodCreds(t), false)
	res := Crawl(context.Background(), newFetcher(t, t.TempDir()), reg, Request{Minors: []string{"4.9"}, Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: f.mirror.mirrors()})
	if len(res.Kernels) != 0 || len(res.Failures) == 0 {
		t.Fatalf("without the rewrite: %d kernels, %d failures", len(res.Kernels), len(res.Failures))
	}
	refused := base.refusedAddrs()
	if len(refused) == 0 || !slices.Contains(refused, "quay.io:443") {
		t.Errorf("want quay.io:443 dialled (and refused), got %v", refused)
	}
	if got := f.reg.Requests(); len(got) != 0 {
		t.Errorf("the fixture got requests without the rewrite: %q", got)
	}

	reg, base = f.registry(t, f.goodCreds(t), true)
	res = Crawl(context.Background(), newFetcher(t, t.TempDir()), reg, Request{Minors: []string{"4.9"}, Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: f.mirror.mirrors()})
	if len(res.Failures) > 0 {
		t.Fatalf("with the rewrite: %v", res.Failures)
	}
	sameKernels(t, res.Kernels, f.want(matrixgen.X86_64))
	if r := base.refusedAddrs(); len(r) > 0 {
		t.Errorf("with the rewrite, dialled %v", r)
	}
}

// TestDiscover: --discover probes stable-4.13 on; the fixture's graph
// knows no minor from 4.13, so none is added, and the probe stops at the
// first empty channel.
func TestDiscover(t *testing.T) {
	f := newFixture49(t)
	reg, _ := f.registry(t, f.goodCreds(t), true)
	res := Crawl(context.Background(), newFetcher(t, t.TempDir()), reg, Request{Minors: []string{"4.9"}, Discover: true, Mirrors: f.mirror.mirrors()})
	if len(res.Failures) > 0 || len(res.Discovered) != 0 || !slices.Equal(res.Minors, []string{"4.9"}) {
		t.Errorf("discovered %v, minors %v, failures %v", res.Discovered, res.Minors, res.Failures)
	}
}

// TestMissingReleaseTxt: a z-stream whose release.txt is missing fails
// alone, named with its URL; the others still give their kernels.
func TestMissingReleaseTxt(t *testing.T) {
	f := newFixture49(t)
	f.mirror.mu.Lock()
	delete(f.mirror.rels, "x86_64/4.9.53")
	f.mirror.mu.Unlock()
	reg, _ := f.registry(t, f.goodCreds(t), true)
	res := Crawl(context.Background(), newFetcher(t, t.TempDir()), reg, Request{Minors: []string{"4.9"}, Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: f.mirror.mirrors()})
	if len(res.Failures) != 1 || res.Failures[0].Source != "release 4.9.53" || !strings.HasSuffix(res.Failures[0].URL, "/x86_64/clients/ocp/4.9.53/release.txt") {
		t.Fatalf("failures = %v", res.Failures)
	}
	want := f.want(matrixgen.X86_64)
	want[1].OpenShiftReleases = want[1].OpenShiftReleases[:len(want[1].OpenShiftReleases)-1]
	want[1].BuildImage = ComponentRepo + "@" + dtkDigest("4.9.52", "x86_64")
	sameKernels(t, res.Kernels, want)
}

// TestCrawlBadImages: an image without the label, an x86_64 label in an
// aarch64 release, and an arm64 request of a single-arch amd64 image each
// fail alone, named by the image; the other z-streams still give kernels.
func TestCrawlBadImages(t *testing.T) {
	f := newFixture49(t)
	noLabel, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := noLabel.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	noLabel, _ = mutate.ConfigFile(noLabel, cf)
	noLabelRef := f.reg.Push(t, noLabel)
	wrongArchLabel := f.reg.Push(t, openshifttest.Image(t, "arm64", kernelB+".x86_64", true))
	amdOnly := f.reg.Push(t, openshifttest.Image(t, "amd64", kernelB+".x86_64", false))
	f.mirror.add(fixtureRelease{version: "4.9.51", dir: "x86_64", coreos: noLabelRef})
	f.mirror.add(fixtureRelease{version: "4.9.52", dir: "aarch64", coreos: wrongArchLabel})
	f.mirror.add(fixtureRelease{version: "4.9.53", dir: "aarch64", coreos: amdOnly})

	reg, _ := f.registry(t, f.goodCreds(t), true)
	res := Crawl(context.Background(), newFetcher(t, t.TempDir()), reg, Request{Minors: []string{"4.9"}, Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}, Mirrors: f.mirror.mirrors()})
	want := map[string]string{
		"rhel-coreos of 4.9.51": "no ostree.linux label",
		"rhel-coreos of 4.9.52": "is not an aarch64 kernel release",
		"rhel-coreos of 4.9.53": "not arm64",
	}
	if len(res.Failures) != len(want) {
		t.Fatalf("failures = %v", res.Failures)
	}
	for _, fl := range res.Failures {
		if w, ok := want[fl.Source]; !ok || !strings.Contains(fl.Error(), w) || !strings.HasPrefix(fl.URL, ComponentRepo+"@sha256:") {
			t.Errorf("failure %v: want %q", fl, w)
		}
	}
	for _, k := range res.Kernels {
		if k.Release == kernelB+".x86_64" && slices.Contains(k.OpenShiftReleases, "4.9.51") ||
			k.Release == kernelB+".aarch64" && (slices.Contains(k.OpenShiftReleases, "4.9.52") || slices.Contains(k.OpenShiftReleases, "4.9.53")) {
			t.Errorf("a failed z-stream is listed: %+v", k)
		}
	}
	if len(res.Kernels) != 4 {
		t.Errorf("%d kernels, want 4", len(res.Kernels))
	}
	noLayerFetched(t, f.reg)
}

// TestCrawlGraphFailure: a graph that fails is one failure per registry
// arch, naming the channel and standing for the arches asked.
func TestCrawlGraphFailure(t *testing.T) {
	f := newFixture49(t)
	reg, _ := f.registry(t, f.goodCreds(t), true)
	m := f.mirror.mirrors()
	m[GraphKey] = f.mirror.srv.URL + "/nowhere"
	res := Crawl(context.Background(), newFetcher(t, t.TempDir()), reg, Request{Minors: []string{"4.9"}, Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64_64k}, Mirrors: m})
	if len(res.Kernels) != 0 || len(res.Failures) != 2 {
		t.Fatalf("kernels %v, failures %v", res.Kernels, res.Failures)
	}
	for _, fl := range res.Failures {
		if fl.Source != "upgrade graph stable-4.9" || !strings.Contains(fl.Error(), "404") {
			t.Errorf("failure = %v", fl)
		}
	}
	if !slices.Equal(res.Failures[0].Arches, []matrixgen.Arch{matrixgen.AArch64_64k}) && !slices.Equal(res.Failures[1].Arches, []matrixgen.Arch{matrixgen.AArch64_64k}) {
		t.Errorf("the arm64 graph's failure does not stand for aarch64+64k: %v", res.Failures)
	}
}
