package distros

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/openshift"
)

// RHCOS is the kernel of every z-stream of the OpenShift minors the table
// knows (--release rhcos/4.15; --discover adds every later minor the
// upgrade graph has), on x86_64, aarch64 and aarch64+64k, read from the
// upgrade graph, each release's release.txt and its rhel-coreos image's
// config (with a pull secret). Crawled only when named.
func RHCOS() *openshift.Distribution {
	d := entry(matrixgen.RHCOS)
	return &openshift.Distribution{
		ID: d.Name, Kernels: d.Name,
		Defaults: mirrorsOf(d),
		Table:    d.CrawlVersions,
		Arches:   d.Arches,
	}
}
