package crawlers

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// AmazonLinux2 is Amazon Linux 2's core repository and its kernel extras,
// each found through its mirror.list.
func AmazonLinux2() *rpm.Distribution {
	return &rpm.Distribution{
		ID: "amazonlinux2", Kernels: matrixgen.AmazonLinux,
		Defaults: map[string]string{"amazonlinux2": "http://amazonlinux.us-east-1.amazonaws.com/2"},
		Table:    []string{"2"},
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
	return &rpm.Distribution{
		ID: "amazonlinux2023", Kernels: matrixgen.AmazonLinux,
		Defaults: map[string]string{
			"amazonlinux2023":  "https://cdn.amazonlinux.com/al2023/core",
			"al2023-livepatch": "https://cdn.amazonlinux.com/al2023/kernel-livepatch",
		},
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
