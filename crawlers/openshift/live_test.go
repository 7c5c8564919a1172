package openshift

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// TestLive crawls OpenShift 4.15 and 4.16 on x86_64 and aarch64+64k from
// the real graph, mirror and registry, and checks each kernel against the
// distribution table's consistency rule. It runs only with MATRIXGEN_LIVE=1 and a pull secret in
// MATRIXGEN_PULL_SECRET (a file path); never part of `make test`.
func TestLive(t *testing.T) {
	if os.Getenv("MATRIXGEN_LIVE") != "1" {
		t.Skip("live check: set MATRIXGEN_LIVE=1 and MATRIXGEN_PULL_SECRET=FILE")
	}
	ps := os.Getenv("MATRIXGEN_PULL_SECRET")
	if ps == "" {
		t.Skip("MATRIXGEN_PULL_SECRET is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	f := fetch.New(fetch.Options{CacheDir: t.TempDir(), RefuseLoopback: true})
	reg, err := NewRegistry(RegistryOptions{Credentials: Credentials{PullSecret: ps}, Transport: f.Transport()})
	if err != nil {
		t.Fatal(err)
	}
	res := Crawl(ctx, f, reg, Request{Minors: []string{"4.15", "4.16"}, Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64_64k}, Mirrors: Mirrors()})
	for _, fl := range res.Failures {
		t.Errorf("failure: %v", fl)
	}
	if len(res.Kernels) == 0 {
		t.Fatal("no kernels")
	}
	for _, k := range res.Kernels {
		if !strings.HasPrefix(k.BuildImage, ComponentRepo+"@sha256:") || len(k.OpenShiftReleases) == 0 {
			t.Errorf("unexpected kernel %+v", k)
		}
		// The table's RHEL minor per OpenShift minor, checked against
		// what the releases really ship.
		if _, err := matrixgen.Make(matrixgen.Spec{Target: matrixgen.RHCOS, Arch: k.Arch, Release: k.Release, DistroVersion: k.Minor}); err != nil {
			t.Errorf("the consistency rule refuses a real kernel: %v", err)
		}
		t.Logf("%s %s %v %s", k.Minor, k.Release, k.OpenShiftReleases, k.BuildImage)
	}
}
