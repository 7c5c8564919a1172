package distros

import (
	"slices"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fcos"
	"github.com/matrixgen/matrixgen/crawlers/koji"
)

// FedoraCoreOS is the kernels Fedora CoreOS streams boot: each stream's
// newest builds, listed under Fedora (the table's Fedora entry crawls it
// as "fedora-coreos"), with Fedora's kernel-devel on Koji as header source.
func FedoraCoreOS() *fcos.Distribution {
	d := entry(matrixgen.Fedora)
	// Koji's file root (header URLs only: this crawl never calls the hub).
	m, files := mirrorsOf(d, "fedora-coreos"), ""
	for _, h := range koji.Hubs() {
		if slices.Contains(d.KojiHubs, h.Key) {
			m[h.FilesKey], files = h.TopURL, h.FilesKey
		}
	}
	return &fcos.Distribution{
		ID: "fedora-coreos", Kernels: d.Name,
		Alias:      []string{"fcos"},
		MirrorKey:  "fedora-coreos",
		HeadersKey: files,
		Defaults:   m,
		Streams:    []string{"stable", "testing", "next"},
		Others:     []string{"testing-devel", "next-devel", "rawhide", "branched"},
		Newest:     fcos.DefaultNewest,
		Arches:     []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64},
	}
}
