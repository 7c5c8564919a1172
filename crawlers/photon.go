package crawlers

import "github.com/matrixgen/matrixgen/crawlers/rpm"

// photonFlavors are Photon's kernel flavours by header package: each is its own kernel,
// uname -r version-release plus -flavour (none for the generic linux).
var photonFlavors = map[string]string{
	"linux-devel": "", "linux-esx-devel": "esx", "linux-rt-devel": "rt",
	"linux-aws-devel": "aws", "linux-secure-devel": "secure",
}

// Photon is VMware Photon OS 5.0 and 4.0: <ver>/photon_release_<ver>_<arch>/ (GA),
// <ver>/photon_<ver>_<arch>/ and <ver>/photon_updates_<ver>_<arch>/ under
// packages.vmware.com/photon (the three repositories of Photon's own repo files; Falco's 2022
// crawl found most 4.0 kernels in photon_4.0_x86_64).
func Photon() *rpm.Distribution {
	return &rpm.Distribution{
		ID: "photon", Kernels: "photon", Alias: []string{"photonos"},
		Defaults: map[string]string{"photon": "https://packages.vmware.com/photon"},
		Table:    []string{"5.0", "4.0"},
		Version:  func(release string) string { return release },
		Arches:   fleetArches,
		Packages: &rpm.Devel{Flavors: photonFlavors, UnameR: rpm.FlavorSuffix},
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			return []rpm.RepoRef{
				{Name: "release", MirrorKey: "photon", Path: r.Name + "/photon_release_" + r.Name + "_" + arch + "/"},
				{Name: "photon", MirrorKey: "photon", Path: r.Name + "/photon_" + r.Name + "_" + arch + "/"},
				{Name: "updates", MirrorKey: "photon", Path: r.Name + "/photon_updates_" + r.Name + "_" + arch + "/"},
			}
		},
	}
}
