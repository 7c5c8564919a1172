package matrix

import (
	"testing"

	"github.com/matrixgen/matrixgen"
)

// TestFleetArtifacts: one Flatcar kernel shipped in two releases (5.4.83
// in stable 2605.10.0 and LTS 2605.10.1) is two builds, each in its
// release's developer container under a name of its own; a Fedora CoreOS
// kernel builds as the Fedora kernel it is.
func TestFleetArtifacts(t *testing.T) {
	var ks []matrixgen.Kernel
	for _, s := range []matrixgen.Spec{
		{Target: "flatcar", Arch: matrixgen.X86_64, Release: "5.4.83-flatcar", DistroVersion: "2605.10.0"},
		{Target: "flatcar", Arch: matrixgen.X86_64, Release: "5.4.83-flatcar", DistroVersion: "2605.10.1"},
		{Target: "fedora", Arch: matrixgen.X86_64, Release: "7.1.3-200.fc44.x86_64"},
	} {
		k, err := matrixgen.Make(s)
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	ks[2].Origin, ks[2].Stream, ks[2].Build = matrixgen.OriginFedoraCoreOS, "stable", "44.20260707.3.1"
	es, err := Build(ks, Options{DriverVersions: []string{"570.1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // artifact → base image
		"driver-flatcar-2605.10.0-5.4.83-flatcar_570.1_x86_64.rpm": "flatcar-developer:2605.10.0",
		"driver-flatcar-2605.10.1-5.4.83-flatcar_570.1_x86_64.rpm": "flatcar-developer:2605.10.1",
		"driver-fedora-44-7.1.3-200.fc44.x86_64_570.1_x86_64.rpm":  "fedora:44",
	}
	if len(es) != len(want) {
		t.Fatalf("%d entries: %+v", len(es), es)
	}
	for _, e := range es {
		if img, ok := want[e.Artifact]; !ok || img != e.BaseImage {
			t.Errorf("entry %s in %s; want one of %v", e.Artifact, e.BaseImage, want)
		}
	}
}
