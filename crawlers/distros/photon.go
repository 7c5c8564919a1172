package distros

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// photonFlavors are Photon's kernel flavors by header package: each is its own kernel,
// uname -r version-release plus -flavor (none for the generic linux).
var photonFlavors = map[string]string{
	"linux-devel": "", "linux-esx-devel": "esx", "linux-rt-devel": "rt",
	"linux-aws-devel": "aws", "linux-secure-devel": "secure",
}

// Photon is VMware Photon OS 5.0 and 4.0: <ver>/photon_release_<ver>_<arch>/ (GA),
// <ver>/photon_<ver>_<arch>/ and <ver>/photon_updates_<ver>_<arch>/ under
// packages.vmware.com/photon (the three repositories of Photon's own repo files; the 2022
// kernel-crawler found most 4.0 kernels in photon_4.0_x86_64, which the layout
// omits). --discover lists the top folder for releases newer than 5.0.
func Photon() *rpm.Distribution {
	d := entry(matrixgen.Photon)
	return &rpm.Distribution{
		ID: d.Name, Kernels: d.Name, Alias: aliasesOf(d),
		Defaults:  mirrorsOf(d),
		Table:     d.CrawlVersions,
		Version:   func(release string) string { return release },
		Arches:    d.Arches,
		Discovery: &rpm.Discovery{Key: "photon", Pattern: dotted},
		Packages:  &rpm.Devel{Flavors: photonFlavors, UnameR: rpm.FlavorSuffix},
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			return []rpm.RepoRef{
				{Name: "release", MirrorKey: "photon", Path: r.Name + "/photon_release_" + r.Name + "_" + arch + "/"},
				{Name: "photon", MirrorKey: "photon", Path: r.Name + "/photon_" + r.Name + "_" + arch + "/"},
				{Name: "updates", MirrorKey: "photon", Path: r.Name + "/photon_updates_" + r.Name + "_" + arch + "/"},
			}
		},
	}
}
