package crawlers

import (
	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/keyrings"
)

// Distro is a distribution as configuration over a repository format:
// which releases, which suites on which mirror, which keyring.
type Distro struct {
	Name     string // distribution, as in kernels.json
	Releases []Release
	// Mirrors are the default base URLs by key (--mirror KEY=URL overrides).
	Mirrors map[string]string
	// Suites lists the suites of a release and the mirror key serving each on arch.
	Suites  func(codename string, arch matrixgen.Arch) []SuiteRef
	Keyring func() (openpgp.EntityList, error)
	// DiscoverKey names the mirror whose dists/ listing --discover reads.
	DiscoverKey string
	// ReleaseVersion maps a Release file's Version to the distro version
	// (for discovered releases); nil keeps it.
	ReleaseVersion func(string) string
	// KernelVersion gives a kernel's version from its release and headers
	// package version; nil gives none.
	KernelVersion func(release, pkgVersion string) string
}

// Release is one release the table knows, with the arches it ships.
type Release struct {
	Codename, Version string
	Arches            []matrixgen.Arch
}

// SuiteRef is a suite name and the mirror key it is served from.
type SuiteRef struct{ Name, MirrorKey string }

var (
	main3   = []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64, matrixgen.RISCV64}
	mainTwo = []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}
)

// Debian is every supported release with its suites on the main archive
// (kernel.org's mirror, as Falco uses) and the security archive.
func Debian() *Distro {
	return &Distro{
		Name: matrixgen.Debian,
		Releases: []Release{
			{"bookworm", "12", mainTwo},
			{"trixie", "13", main3}, // riscv64 is an official arch from trixie on
			{"forky", "14", main3},  // testing
		},
		Mirrors: map[string]string{
			"debian":          "https://mirrors.edge.kernel.org/debian",
			"debian-security": "https://security.debian.org/debian-security",
		},
		Suites: func(c string, _ matrixgen.Arch) []SuiteRef {
			return []SuiteRef{{c, "debian"}, {c + "-updates", "debian"}, {c + "-backports", "debian"}, {c + "-security", "debian-security"}}
		},
		Keyring:     keyrings.Debian,
		DiscoverKey: "debian",
		// Debian's Release says the point release ("12.8"); kernels are per major.
		ReleaseVersion: matrixgen.DebianMajor,
	}
}

// Ubuntu is the archive and security hosts for amd64, ubuntu-ports for the
// other arches, every pocket that receives kernels.
func Ubuntu() *Distro {
	return &Distro{
		Name: matrixgen.Ubuntu,
		Releases: []Release{
			{"jammy", "22.04", main3},
			{"noble", "24.04", main3},
			{"questing", "25.10", main3},
			{"resolute", "26.04", main3},
		},
		Mirrors: map[string]string{
			"ubuntu":          "http://archive.ubuntu.com/ubuntu",
			"ubuntu-security": "http://security.ubuntu.com/ubuntu",
			"ubuntu-ports":    "http://ports.ubuntu.com/ubuntu-ports",
		},
		Suites: func(c string, arch matrixgen.Arch) []SuiteRef {
			if arch.Target() != matrixgen.X86_64 {
				return []SuiteRef{{c, "ubuntu-ports"}, {c + "-updates", "ubuntu-ports"}, {c + "-security", "ubuntu-ports"}}
			}
			return []SuiteRef{{c, "ubuntu"}, {c + "-updates", "ubuntu"}, {c + "-security", "ubuntu-security"}}
		},
		Keyring:     keyrings.Ubuntu,
		DiscoverKey: "ubuntu",
		// Ubuntu's kernel version is the upload after the ABI, as Falco computes it.
		KernelVersion: matrixgen.UbuntuUploadOf,
	}
}

// All is every distribution matrixgen crawls, in output order: fresh
// values, so callers may change them.
func All() []*Distro { return []*Distro{Debian(), Ubuntu()} }

// MirrorKeys lists every --mirror key.
func MirrorKeys() []string { return mirrorKeys(All()) }

func mirrorKeys(table []*Distro) []string {
	var keys []string
	for _, d := range table {
		keys = append(keys, sortedKeys(d.Mirrors)...)
	}
	return keys
}
