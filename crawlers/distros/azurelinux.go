package distros

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// AzureLinux is Azure Linux 3.0 and CBL-Mariner 2.0, one distribution (os-release IDs
// azurelinux and mariner): <ver>/prod/base/<arch>/ under packages.microsoft.com (cbl-mariner
// for 2.0), kernel-devel and kernel-hwe-devel, uname -r = version-release (6.6.145.2-1.azl3:
// four-part version, no arch). kernel-64k-devel is not read: its uname -r equals the 4k
// kernel's (the spec's uname_r is %{version}-%{release} too), which the aarch64+64k arch
// cannot express. --discover lists the azurelinux key's top folder for releases newer than
// 3.0.
func AzureLinux() *rpm.Distribution {
	d := entry(matrixgen.AzureLinux)
	return &rpm.Distribution{
		ID: d.Name, Kernels: d.Name, Alias: aliasesOf(d),
		Defaults:  mirrorsOf(d),
		Table:     d.CrawlVersions,
		Version:   func(release string) string { return release },
		Arches:    d.Arches,
		Discovery: &rpm.Discovery{Key: "azurelinux", Pattern: dotted},
		Packages: &rpm.Devel{
			Flavors: map[string]string{"kernel-devel": "", "kernel-hwe-devel": ""},
			UnameR:  rpm.VersionRelease,
		},
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			key := "azurelinux"
			if r.Name == "2.0" || r.Name == "1.0" {
				key = "cbl-mariner" // CBL-Mariner's releases, under its own root
			}
			return []rpm.RepoRef{{Name: "base", MirrorKey: key, Path: r.Name + "/prod/base/" + arch + "/"}}
		},
	}
}
