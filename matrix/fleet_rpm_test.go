package matrix

import (
	"slices"
	"testing"

	"github.com/matrixgen/matrixgen"
)

// TestFleetFlavorArtifacts: Photon's and SUSE's flavors of one build, Azure Linux's kernel
// and kernel-hwe, are distinct kernels, so every artifact preset that names the release
// gives each its own artifact per arch (Build refuses a matrix whose names collide), in the table's
// default image for its version.
func TestFleetFlavorArtifacts(t *testing.T) {
	var ks []matrixgen.Kernel
	for _, s := range []matrixgen.Spec{
		{Target: "photon", Arch: matrixgen.X86_64, Release: "6.1.102-1.ph5"},
		{Target: "photon", Arch: matrixgen.X86_64, Release: "6.1.102-1.ph5-esx"},
		{Target: "photon", Arch: matrixgen.X86_64, Release: "6.1.102-1.ph5-rt"},
		{Target: "sles", Arch: matrixgen.AArch64, Release: "6.4.0-150600.23.25-default"},
		{Target: "sles", Arch: matrixgen.AArch64, Release: "6.4.0-150600.23.25-64kb"},
		{Target: "sles", Arch: matrixgen.X86_64, Release: "6.4.0-150600.23.25-default"},
		{Target: "sles", Arch: matrixgen.X86_64, Release: "6.4.0-150600.23.25-azure"},
		{Target: "azurelinux", Arch: matrixgen.X86_64, Release: "6.6.145.2-1.azl3"},
		{Target: "azurelinux", Arch: matrixgen.X86_64, Release: "6.18.38.1-1.azl3"},
		{Target: "mariner", Arch: matrixgen.X86_64, Release: "5.15.158.2-1.cm2"},
		{Target: "alinux", Arch: matrixgen.X86_64, Release: "5.10.134-16.1.al8.x86_64"},
	} {
		k, err := matrixgen.Make(s)
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	images := map[string]string{
		"6.1.102-1.ph5": "photon:5.0", "6.4.0-150600.23.25-azure": "opensuse/leap:15.6",
		"6.6.145.2-1.azl3": "mcr.microsoft.com/azurelinux/base/core:3.0", "5.15.158.2-1.cm2": "mcr.microsoft.com/cbl-mariner/base/core:2.0",
		"5.10.134-16.1.al8.x86_64": "alibaba-cloud-linux-3-registry.cn-hangzhou.cr.aliyuncs.com/alinux3/alinux3:latest",
	}
	for _, name := range []string{"deb-rpm", "precompiled-image"} {
		es, err := Build(ks, Options{DriverVersions: []string{"550.1"}, Package: "nvidia", Artifact: preset(t, name)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// An image tag that does not name the arch (SLES's) is one
		// multi-arch tag: (artifact, arch) is an image artifact's identity.
		var ids []string
		for _, e := range es {
			ids = append(ids, e.Artifact+" "+e.Architecture)
		}
		if len(es) != len(ks) || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ks) {
			t.Errorf("%s: artifacts %q, want %d distinct", name, ids, len(ks))
		}
		for _, e := range es {
			if want, ok := images[e.KernelRelease]; ok && e.BaseImage != want {
				t.Errorf("%s: %s builds in %s, want %s", name, e.KernelRelease, e.BaseImage, want)
			}
		}
	}
}
