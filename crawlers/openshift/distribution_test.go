package openshift

import (
	"context"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/openshift/openshifttest"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// TestPlanReadsEachFileOnce: the runner's jobs (one per minor and arch)
// read the upgrade graph and each release.txt of a registry arch once,
// though aarch64 and aarch64+64k are two jobs over the same files, and
// each image once, never a layer; every job still gets its kernels.
func TestPlanReadsEachFileOnce(t *testing.T) {
	home := t.TempDir() // no machine credentials
	for _, k := range []string{"HOME", "DOCKER_CONFIG", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR"} {
		t.Setenv(k, home)
	}
	t.Setenv("REGISTRY_AUTH_FILE", "")
	const kernelA, kernelB = "5.14.0-284.40.1.el9_2", "5.14.0-284.54.1.el9_2"
	reg := openshifttest.NewRegistry(t)
	m := openshifttest.NewMirror(t)
	a := reg.CoreOS(t, kernelA+".x86_64", kernelA+".aarch64")
	b := reg.CoreOS(t, kernelB+".x86_64", kernelB+".aarch64")
	m.Add("4.15", openshifttest.Release{Version: "4.15.0", CoreOS: a}, openshifttest.Release{Version: "4.15.1", CoreOS: a},
		openshifttest.Release{Version: "4.15.2", CoreOS: b})

	d := &Distribution{ID: "rhcos", Kernels: matrixgen.RHCOS, Table: []string{"4.15"},
		Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64, matrixgen.AArch64_64k}}
	fetcher := newFetcher(t, t.TempDir())
	plan, err := d.Plan(context.Background(), fetcher, source.PlanRequest{Arches: d.Arches, Mirrors: m.Mirrors(),
		Options: source.Options{PullSecret: openshifttest.PullSecret(t, reg.User, reg.Pass), Registries: []string{"quay.io=" + reg.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Jobs) != 3 || len(plan.Failures) != 0 {
		t.Fatalf("%d jobs, failures %v; want 3 jobs", len(plan.Jobs), plan.Failures)
	}
	suffix := map[matrixgen.Arch]string{matrixgen.X86_64: ".x86_64", matrixgen.AArch64: ".aarch64", matrixgen.AArch64_64k: ".aarch64+64k"}
	for _, j := range plan.Jobs {
		res := j.Crawl(context.Background(), fetcher, nil)
		var got []string
		for _, k := range res.Kernels {
			got = append(got, k.Release+" "+strings.Join(k.OpenShiftReleases, ","))
		}
		s := suffix[j.Info().Arch]
		want := []string{kernelA + s + " 4.15.0,4.15.1", kernelB + s + " 4.15.2"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || len(res.Sources) != 1 || res.Sources[0].Err != nil {
			t.Errorf("%s: kernels %q, sources %+v; want %q", j.Info(), got, res.Sources, want)
		}
	}
	seen := map[string]int{}
	for _, r := range m.Requests() {
		seen[r]++
	}
	for r, n := range seen {
		if n != 1 {
			t.Errorf("the mirror was asked %d times for %s", n, r)
		}
	}
	// The graph on both registry arches, and each z-stream's release.txt in both directories.
	if len(seen) != 2+2*3 {
		t.Errorf("the mirror was asked for %d files, want 8: %q", len(seen), m.Requests())
	}
	var manifests int
	for _, r := range reg.Requests() {
		if strings.Contains(r, "/manifests/") {
			manifests++
		}
	}
	// Two manifest lists, each read for amd64 and arm64 (the list, then the platform's image).
	if manifests != 8 {
		t.Errorf("registry got %d manifest requests, want 8: %q", manifests, reg.Requests())
	}
	if l := reg.LayerRequests(); len(l) > 0 {
		t.Errorf("layers fetched: %q", l)
	}
}
