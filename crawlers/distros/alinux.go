package distros

import (
	"regexp"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// dotted and whole are the release folder names --discover reads: "5.0", "15.6"; "3".
var (
	dotted = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
	whole  = regexp.MustCompile(`^[0-9]+$`)
)

// Alinux is Alibaba Cloud Linux 3: 3/{os,updates,plus}/<arch>/ under mirrors.aliyun.com/alinux,
// Red Hat style kernel-devel (uname -r 5.10.134-16.1.al8.x86_64). --discover lists the top
// folder for releases newer than 3.
func Alinux() *rpm.Distribution {
	d := entry(matrixgen.Alinux)
	return &rpm.Distribution{
		ID: d.Name, Kernels: d.Name, Alias: aliasesOf(d),
		Defaults:  mirrorsOf(d),
		Table:     d.CrawlVersions,
		Arches:    d.Arches,
		Discovery: &rpm.Discovery{Key: "alinux", Pattern: whole},
		Packages:  &rpm.Devel{Flavors: map[string]string{"kernel-devel": ""}, UnameR: rpm.VersionReleaseArch},
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			return []rpm.RepoRef{
				{Name: "os", MirrorKey: "alinux", Path: r.Name + "/os/" + arch + "/"},
				{Name: "updates", MirrorKey: "alinux", Path: r.Name + "/updates/" + arch + "/"},
				{Name: "plus", MirrorKey: "alinux", Path: r.Name + "/plus/" + arch + "/"},
			}
		},
	}
}
