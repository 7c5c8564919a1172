package distros

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// uek lists the Unbreakable Enterprise Kernel repositories of each Oracle
// Linux release.
var uek = map[string][]string{"8": {"UEKR6", "UEKR7"}, "9": {"UEKR7", "UEKR8"}, "10": {"UEKR8"}}

// Oracle is Oracle Linux 8, 9 and 10: the Red Hat compatible kernel in
// baseos and appstream, and the UEK repositories.
func Oracle() *rpm.Distribution {
	d := entry(matrixgen.Oracle)
	return &rpm.Distribution{
		ID: d.Name, Kernels: d.Name, Alias: []string{"ol"},
		Defaults: mirrorsOf(d),
		Table:    d.CrawlVersions,
		Arches:   d.Arches,
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			ol := "OL" + r.Name
			refs := []rpm.RepoRef{
				{Name: "baseos", MirrorKey: "oracle", Path: ol + "/baseos/latest/" + arch + "/"},
				{Name: "appstream", MirrorKey: "oracle", Path: ol + "/appstream/" + arch + "/"},
			}
			for _, k := range uek[r.Name] {
				refs = append(refs, rpm.RepoRef{Name: k, MirrorKey: "oracle", Path: ol + "/" + k + "/" + arch + "/"})
			}
			return refs
		},
	}
}
