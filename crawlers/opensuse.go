package crawlers

import "github.com/matrixgen/matrixgen/crawlers/rpm"

// OpenSUSE is openSUSE Leap 15.6 and 15.5, whose kernels are SLES 15 SP6 and SP5's
// (update/leap/<ver>/sle carries SLE's): distribution/leap/<ver>/repo/oss/ and
// update/leap/<ver>/{oss,sle}/ under download.opensuse.org, repositories holding every arch.
// Each kernel-<flavour>-devel is a kernel (uname -r: the release without its rebuild counter,
// then -flavour: 6.4.0-150600.23.25-default), whose headers are that package and the noarch
// kernel-devel of the same build.
func OpenSUSE() *rpm.Distribution {
	return &rpm.Distribution{
		ID: "opensuse", Kernels: "opensuse", Alias: []string{"opensuse-leap", "leap", "sles", "sle", "sle-micro", "suse"},
		Defaults: map[string]string{"opensuse": "https://download.opensuse.org"},
		Table:    []string{"15.6", "15.5"},
		Version:  func(release string) string { return release },
		Arches:   fleetArches,
		Packages: &rpm.Devel{
			Flavors: map[string]string{
				"kernel-default-devel": "default", "kernel-azure-devel": "azure",
				"kernel-rt-devel": "rt", "kernel-64kb-devel": "64kb",
			},
			UnameR: rpm.SUSEFlavor,
			Shared: []string{"kernel-devel"},
			Build:  rpm.SUSEBuild,
		},
		Repos: func(r rpm.Rel, _ string) []rpm.RepoRef {
			return []rpm.RepoRef{
				{Name: "oss", MirrorKey: "opensuse", Path: "distribution/leap/" + r.Name + "/repo/oss/"},
				{Name: "update-oss", MirrorKey: "opensuse", Path: "update/leap/" + r.Name + "/oss/"},
				{Name: "update-sle", MirrorKey: "opensuse", Path: "update/leap/" + r.Name + "/sle/"},
			}
		},
	}
}
