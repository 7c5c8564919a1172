package distros

import (
	"regexp"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// leap are Leap's release folders from 15.0 on: distribution/leap/ also holds 42.1 to 42.3,
// which came before 15.0.
var leap = regexp.MustCompile(`^1[5-9]\.[0-9]+$`)

// OpenSUSE is openSUSE Leap 15.6 and 15.5, whose kernels are SLES 15 SP6 and SP5's
// (update/leap/<ver>/sle carries SLE's): distribution/leap/<ver>/repo/oss/ and
// update/leap/<ver>/{oss,sle}/ under download.opensuse.org, repositories holding every arch.
// Each kernel-<flavor>-devel is a kernel (uname -r: the release without its rebuild counter,
// then -flavor: 6.4.0-150600.23.25-default), whose headers are that package and the noarch
// kernel-devel of the same build. --discover lists distribution/leap/ for newer releases.
func OpenSUSE() *rpm.Distribution {
	d := entry(matrixgen.OpenSUSE)
	return &rpm.Distribution{
		ID: d.Name, Kernels: d.Name, Alias: aliasesOf(d),
		Defaults:  mirrorsOf(d),
		Table:     d.CrawlVersions,
		Version:   func(release string) string { return release },
		Arches:    d.Arches,
		Discovery: &rpm.Discovery{Key: "opensuse", Path: "distribution/leap/", Pattern: leap},
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
