package crawlers

import (
	"strings"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// CentOS is CentOS Stream 9 and 10: BaseOS and AppStream (kernel-devel and,
// on aarch64, kernel-64k-devel are in AppStream).
func CentOS() *rpm.Distribution {
	return &rpm.Distribution{
		ID: "centos", Kernels: matrixgen.CentOS,
		// crawl --koji: CentOS Stream's Koji, then the Community Build Service.
		Defaults: withHubs(map[string]string{"centos-stream": "https://mirror.stream.centos.org"}, "koji-stream", "koji-cbs"),
		Koji:     []string{"koji-stream", "koji-cbs"},
		KojiDist: func(r string) string { return "el" + strings.TrimPrefix(r, "stream") },
		Table:    []string{"stream9", "stream10"},
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
