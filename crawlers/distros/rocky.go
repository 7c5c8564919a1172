package distros

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// Rocky is Rocky Linux 8, 9 and 10 (BaseOS, AppStream); --vault adds the
// minor releases its vault lists, and --release rocky/9.4 reads one.
func Rocky() *rpm.Distribution {
	return elClone(entry(matrixgen.Rocky))
}

// elClone is a RHEL rebuild laid out as RHEL: <N>/{BaseOS,AppStream}/<arch>/os/
// on the main mirror (the table's key named as the distribution), <N.M>/...
// in the vault (<name>-vault).
func elClone(d *matrixgen.Distro) *rpm.Distribution {
	id := d.Name
	return &rpm.Distribution{
		ID: id, Kernels: id,
		Defaults: mirrorsOf(d),
		Table:    d.CrawlVersions,
		Arches:   d.Arches,
		Vault:    id + "-vault",
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			key := keyOr(r.Key, id)
			return []rpm.RepoRef{
				{Name: "BaseOS", MirrorKey: key, Path: r.Name + "/BaseOS/" + arch + "/os/"},
				{Name: "AppStream", MirrorKey: key, Path: r.Name + "/AppStream/" + arch + "/os/"},
			}
		},
	}
}
