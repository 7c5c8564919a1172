package crawlers

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fcos"
	"github.com/matrixgen/matrixgen/crawlers/koji"
)

// FedoraCoreOS is the kernels Fedora CoreOS streams boot: each stream's
// newest builds, listed under Fedora, with Fedora's kernel-devel on Koji
// as header source.
func FedoraCoreOS() *fcos.Distribution {
	return &fcos.Distribution{
		ID: "fedora-coreos", Kernels: matrixgen.Fedora,
		Alias:      []string{"fcos"},
		MirrorKey:  "fedora-coreos",
		HeadersKey: "koji-fedora-files",
		Defaults: withFiles(map[string]string{
			"fedora-coreos": "https://builds.coreos.fedoraproject.org",
		}, "koji-fedora"),
		Streams: []string{"stable", "testing", "next"},
		Others:  []string{"testing-devel", "next-devel", "rawhide", "branched"},
		Newest:  fcos.DefaultNewest,
		Arches:  []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64},
	}
}

// withFiles adds the --mirror key of a Koji hub's file root (only: the
// hub itself is never called) to a distribution's defaults.
func withFiles(m map[string]string, hub string) map[string]string {
	for _, h := range koji.Hubs() {
		if h.Key == hub {
			m[h.FilesKey] = h.TopURL
		}
	}
	return m
}
