package matrix

import (
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

const dtk = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:dde3cd6a75d865a476aa7e1cab6fa8d97742401e87e0d514f3042c3a881e301f"

// TestBuildImage: a kernel with a build_image (RHCOS: its crawl's Driver
// Toolkit) builds in it, and the next kernel of the same distribution and
// version without one does not inherit it; an RHCOS kernel without one
// has no image to build in and is refused (the service, which reads only
// names, still gets them); a kernels.json entry merged with its crawl
// takes the crawl's build_image.
func TestBuildImage(t *testing.T) {
	with := k("rhcos", "4.16", "x86_64", "5.14.0-427.22.1.el9_4.x86_64")
	with.BuildImage = dtk
	without := k("rhcos", "4.16", "x86_64", "5.14.0-427.33.1.el9_4.x86_64")
	rocky := k("rocky", "9", "x86_64", "5.14.0-427.13.1.el9_4.x86_64")
	rocky.BuildImage = dtk

	es, err := Build([]matrixgen.Kernel{with, rocky}, Options{DriverVersions: []string{"550.1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.BaseImage != dtk {
			t.Errorf("%s: base image %q, want the build image", e.KernelRelease, e.BaseImage)
		}
	}
	_, err = Build([]matrixgen.Kernel{with, without}, Options{DriverVersions: []string{"550.1"}})
	if err == nil || !strings.Contains(err.Error(), "rhcos/4.16/x86_64/5.14.0-427.33.1.el9_4.x86_64: no build image") {
		t.Errorf("an RHCOS kernel without build_image: %v, want refused", err)
	}
	if es, err := Build([]matrixgen.Kernel{with, without}, Options{DriverVersions: []string{"550.1"}, NamesOnly: true}); err != nil || len(es) != 2 {
		t.Errorf("names only: %v", err)
	}
	if es, err := Build([]matrixgen.Kernel{without}, Options{DriverVersions: []string{"550.1"}, BaseImage: mustTemplate(t, "registry.example/dtk:4.16")}); err != nil || es[0].BaseImage != "registry.example/dtk:4.16" {
		t.Errorf("--base-image: %v %+v", err, es)
	}

	demand := with
	demand.BuildImage = ""
	got := Merge([]matrixgen.Kernel{demand}, []matrixgen.Kernel{with})
	if len(got) != 1 || got[0].BuildImage != dtk {
		t.Errorf("merged: %+v, want the crawl's build image", got)
	}
	if _, hl := Headerless([]matrixgen.Kernel{{Distribution: "rhcos", Headers: []string{}, BuildImage: dtk}}); len(hl) != 0 {
		t.Errorf("a kernel with a build image is headerless: %+v", hl)
	}
}
