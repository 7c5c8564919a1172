package distros

import (
	"strings"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// CentOS is CentOS Stream 9 and 10: BaseOS and AppStream (kernel-devel and,
// on aarch64, kernel-64k-devel are in AppStream).
func CentOS() *rpm.Distribution {
	d := entry(matrixgen.CentOS)
	return &rpm.Distribution{
		ID: d.Name, Kernels: d.Name,
		// crawl --koji: CentOS Stream's Koji, then the Community Build Service.
		Defaults: withHubs(mirrorsOf(d), d.KojiHubs...),
		Koji:     d.KojiHubs,
		KojiDist: func(r string) string { return "el" + strings.TrimPrefix(r, "stream") },
		Table:    d.CrawlVersions,
		Arches:   d.Arches,
		Names:    map[string]string{"9": "stream9", "10": "stream10"},
		Version:  func(r string) string { return r },
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			n := strings.TrimPrefix(r.Name, "stream")
			return []rpm.RepoRef{
				{Name: "BaseOS", MirrorKey: "centos-stream", Path: n + "-stream/BaseOS/" + arch + "/os/"},
				{Name: "AppStream", MirrorKey: "centos-stream", Path: n + "-stream/AppStream/" + arch + "/os/"},
			}
		},
	}
}
