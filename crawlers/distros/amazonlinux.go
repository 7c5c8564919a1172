package distros

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// AmazonLinux2 is Amazon Linux 2's core repository and its kernel extras,
// each found through its mirror.list.
func AmazonLinux2() *rpm.Distribution {
	d := entry(matrixgen.AmazonLinux)
	return &rpm.Distribution{
		ID: "amazonlinux2", Kernels: d.Name,
		Defaults: mirrorsOf(d, "amazonlinux2"),
		Table:    []string{"2"},
		Arches:   d.Arches,
		Repos: func(_ rpm.Rel, arch string) []rpm.RepoRef {
			var refs []rpm.RepoRef
			for _, repo := range []string{"core/2.0", "core/latest", "extras/kernel-ng/latest", "extras/kernel-5.4/latest", "extras/kernel-5.10/latest", "extras/kernel-5.15/latest"} {
				refs = append(refs, rpm.RepoRef{Name: repo, MirrorKey: "amazonlinux2", Path: repo + "/" + arch + "/mirror.list", MirrorList: true})
			}
			return refs
		},
	}
}

// AmazonLinux2023 is the core repository of the latest release (or one
// its releasemd.xml lists) and the kernel-livepatch repository, whose
// live-patched kernels are published nowhere else.
func AmazonLinux2023() *rpm.Distribution {
	d := entry(matrixgen.AmazonLinux)
	return &rpm.Distribution{
		ID: "amazonlinux2023", Kernels: d.Name,
		Defaults:  mirrorsOf(d, "amazonlinux2023", "al2023-livepatch"),
		Arches:    d.Arches,
		Table:     []string{"latest"},
		Version:   func(string) string { return "2023" },
		ReleaseMD: "amazonlinux2023",
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			return []rpm.RepoRef{
				{Name: "core", MirrorKey: "amazonlinux2023", Path: "mirrors/" + r.Name + "/" + arch + "/mirror.list", MirrorList: true},
				// The CDN form, then the regional one when the CDN answers 404.
				{Name: "kernel-livepatch", MirrorKey: "al2023-livepatch", Path: "mirrors/latest/" + arch + "/mirror.list",
					Fallback: "mirrors/al2023/" + arch + "/mirror.list", MirrorList: true, Livepatch: true},
			}
		},
	}
}
