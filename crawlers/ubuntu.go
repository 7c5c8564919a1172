package crawlers

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/deb"
	"github.com/matrixgen/matrixgen/crawlers/keyrings"
)

// Ubuntu is the archive and security hosts for amd64 and ubuntu-ports for
// the other arches, with every pocket that receives kernels.
func Ubuntu() *deb.Distribution {
	three := []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64, matrixgen.RISCV64}
	return &deb.Distribution{
		ID: matrixgen.Ubuntu,
		Table: []deb.TableRelease{
			{Codename: "jammy", Version: "22.04", Arches: three},
			{Codename: "noble", Version: "24.04", Arches: three},
			{Codename: "questing", Version: "25.10", Arches: three},
			{Codename: "resolute", Version: "26.04", Arches: three},
		},
		Defaults: map[string]string{
			"ubuntu":          "http://archive.ubuntu.com/ubuntu",
			"ubuntu-security": "http://security.ubuntu.com/ubuntu",
			"ubuntu-ports":    "http://ports.ubuntu.com/ubuntu-ports",
		},
		Suites: func(c string, arch matrixgen.Arch) []deb.SuiteRef {
			if arch.Target() != matrixgen.X86_64 {
				return []deb.SuiteRef{{Name: c, MirrorKey: "ubuntu-ports"}, {Name: c + "-updates", MirrorKey: "ubuntu-ports"}, {Name: c + "-security", MirrorKey: "ubuntu-ports"}}
			}
			return []deb.SuiteRef{{Name: c, MirrorKey: "ubuntu"}, {Name: c + "-updates", MirrorKey: "ubuntu"}, {Name: c + "-security", MirrorKey: "ubuntu-security"}}
		},
		Keyring:        keyrings.Ubuntu,
		DiscoverKey:    "ubuntu",
		DiscoverArches: three,
		// Ubuntu's kernel version is the upload after the ABI, as Falco computes it.
		KernelVersion: matrixgen.UbuntuUploadOf,
	}
}
