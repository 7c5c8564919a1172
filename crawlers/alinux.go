package crawlers

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// fleetArches are the arches the cloud-fleet distributions publish repositories for; none
// has a kernel the aarch64+64k arch names.
var fleetArches = []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}

// Alinux is Alibaba Cloud Linux 3: 3/{os,updates,plus}/<arch>/ under mirrors.aliyun.com/alinux,
// Red Hat style kernel-devel (uname -r 5.10.134-16.1.al8.x86_64).
func Alinux() *rpm.Distribution {
	return &rpm.Distribution{
		ID: "alinux", Kernels: "alinux", Alias: []string{"alibaba-cloud-linux", "aliyun"},
		Defaults: map[string]string{"alinux": "https://mirrors.aliyun.com/alinux"},
		Table:    []string{"3"},
		Arches:   fleetArches,
		Packages: &rpm.Devel{Flavors: map[string]string{"kernel-devel": ""}, UnameR: rpm.VersionReleaseArch},
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			return []rpm.RepoRef{
				{Name: "os", MirrorKey: "alinux", Path: r.Name + "/os/" + arch + "/"},
				{Name: "updates", MirrorKey: "alinux", Path: r.Name + "/updates/" + arch + "/"},
				{Name: "plus", MirrorKey: "alinux", Path: r.Name + "/plus/" + arch + "/"},
			}
		},
	}
}
