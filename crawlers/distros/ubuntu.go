package distros

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/deb"
	"github.com/matrixgen/matrixgen/crawlers/keyrings"
)

// Ubuntu is the archive and security hosts for amd64 and ubuntu-ports for
// the other arches, with every pocket that receives kernels, for the
// releases the table crawls.
func Ubuntu() *deb.Distribution {
	d := entry(matrixgen.Ubuntu)
	return &deb.Distribution{
		ID:       d.Name,
		Table:    debTable(d),
		Defaults: mirrorsOf(d),
		Suites: func(c string, arch matrixgen.Arch) []deb.SuiteRef {
			if arch.Target() != matrixgen.X86_64 {
				return []deb.SuiteRef{{Name: c, MirrorKey: "ubuntu-ports"}, {Name: c + "-updates", MirrorKey: "ubuntu-ports"}, {Name: c + "-security", MirrorKey: "ubuntu-ports"}}
			}
			return []deb.SuiteRef{{Name: c, MirrorKey: "ubuntu"}, {Name: c + "-updates", MirrorKey: "ubuntu"}, {Name: c + "-security", MirrorKey: "ubuntu-security"}}
		},
		Keyring:        keyrings.Ubuntu,
		DiscoverKey:    "ubuntu",
		DiscoverArches: d.Arches,
		// Ubuntu's kernel version is the upload after the ABI, as Falco computes it.
		KernelVersion: matrixgen.UbuntuUploadOf,
	}
}
