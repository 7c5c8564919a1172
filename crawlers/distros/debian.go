package distros

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/deb"
	"github.com/matrixgen/matrixgen/crawlers/keyrings"
)

// Debian is every Debian release the table crawls, with its suites on the
// main archive (kernel.org's mirror, as Falco uses) and the security archive.
func Debian() *deb.Distribution {
	d := entry(matrixgen.Debian)
	return &deb.Distribution{
		ID:       d.Name,
		Table:    debTable(d),
		Defaults: mirrorsOf(d),
		Suites: func(c string, _ matrixgen.Arch) []deb.SuiteRef {
			return []deb.SuiteRef{{Name: c, MirrorKey: "debian"}, {Name: c + "-updates", MirrorKey: "debian"}, {Name: c + "-backports", MirrorKey: "debian"}, {Name: c + "-security", MirrorKey: "debian-security"}}
		},
		Keyring:        keyrings.Debian,
		DiscoverKey:    "debian",
		DiscoverArches: d.Arches,
		// Debian's Release says the point release ("12.8"); kernels are per major.
		ReleaseVersion: matrixgen.DebianMajor,
	}
}

// debTable is the table's crawled releases of d as the deb format takes them.
func debTable(d *matrixgen.Distro) []deb.TableRelease {
	var out []deb.TableRelease
	for _, r := range matrixgen.CrawledReleases(d.Name) {
		out = append(out, deb.TableRelease{Codename: r.Codename, Version: r.Version, Arches: r.CrawlArches})
	}
	return out
}
