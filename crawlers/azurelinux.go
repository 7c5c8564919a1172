package crawlers

import "github.com/matrixgen/matrixgen/crawlers/rpm"

// AzureLinux is Azure Linux 3.0 and CBL-Mariner 2.0, one distribution (os-release IDs
// azurelinux and mariner): <ver>/prod/base/<arch>/ under packages.microsoft.com, kernel-devel
// and kernel-hwe-devel, uname -r = version-release (6.6.145.2-1.azl3: four-part version, no
// arch). kernel-64k-devel is not read: its uname -r equals the 4k kernel's (the spec's uname_r
// is %{version}-%{release} too), which the aarch64+64k arch cannot express yet.
func AzureLinux() *rpm.Distribution {
	return &rpm.Distribution{
		ID: "azurelinux", Kernels: "azurelinux", Alias: []string{"mariner", "cbl-mariner", "azl"},
		Defaults: map[string]string{
			"azurelinux":  "https://packages.microsoft.com/azurelinux",
			"cbl-mariner": "https://packages.microsoft.com/cbl-mariner",
		},
		Table:   []string{"3.0", "2.0"},
		Version: func(release string) string { return release },
		Arches:  fleetArches,
		Packages: &rpm.Devel{
			Flavors: map[string]string{"kernel-devel": "", "kernel-hwe-devel": ""},
			UnameR:  rpm.VersionRelease,
		},
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			key := "azurelinux"
			if r.Name == "2.0" {
				key = "cbl-mariner"
			}
			return []rpm.RepoRef{{Name: "base", MirrorKey: key, Path: r.Name + "/prod/base/" + arch + "/"}}
		},
	}
}
