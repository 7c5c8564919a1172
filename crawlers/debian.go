package crawlers

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/deb"
	"github.com/matrixgen/matrixgen/crawlers/keyrings"
)

// Debian is every supported Debian release with its suites on the main
// archive (kernel.org's mirror, as Falco uses) and the security archive.
func Debian() *deb.Distribution {
	two := []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}
	three := []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64, matrixgen.RISCV64}
	return &deb.Distribution{
		ID: matrixgen.Debian,
		Table: []deb.TableRelease{
			{Codename: "bookworm", Version: "12", Arches: two},
			{Codename: "trixie", Version: "13", Arches: three}, // riscv64 is an official arch from trixie on
			{Codename: "forky", Version: "14", Arches: three},  // testing
		},
		Defaults: map[string]string{
			"debian":          "https://mirrors.edge.kernel.org/debian",
			"debian-security": "https://security.debian.org/debian-security",
		},
		Suites: func(c string, _ matrixgen.Arch) []deb.SuiteRef {
			return []deb.SuiteRef{{Name: c, MirrorKey: "debian"}, {Name: c + "-updates", MirrorKey: "debian"}, {Name: c + "-backports", MirrorKey: "debian"}, {Name: c + "-security", MirrorKey: "debian-security"}}
		},
		Keyring:        keyrings.Debian,
		DiscoverKey:    "debian",
		DiscoverArches: three,
		// Debian's Release says the point release ("12.8"); kernels are per major.
		ReleaseVersion: matrixgen.DebianMajor,
	}
}
