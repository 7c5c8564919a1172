package crawlers

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// Rocky is Rocky Linux 8, 9 and 10 (BaseOS, AppStream); --vault adds the
// minor releases its vault lists, and --release rocky/9.4 reads one.
func Rocky() *rpm.Distribution {
	return elClone("rocky", matrixgen.Rocky, "https://dl.rockylinux.org/pub/rocky", "https://dl.rockylinux.org/vault/rocky")
}

// elClone is a RHEL rebuild laid out as RHEL: <N>/{BaseOS,AppStream}/<arch>/os/
// on the main mirror, <N.M>/... in the vault.
func elClone(id, kernels, mirror, vault string) *rpm.Distribution {
	return &rpm.Distribution{
		ID: id, Kernels: kernels,
		Defaults: map[string]string{id: mirror, id + "-vault": vault},
		Table:    []string{"8", "9", "10"},
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
