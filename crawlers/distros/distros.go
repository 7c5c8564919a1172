package distros

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/matrixgen/matrixgen/crawlers/source"
)

// All is every distribution matrixgen crawls, in output order: fresh
// values, so callers may change them. Adding a distribution is an entry in
// the distribution table (matrixgen.Distros), a file of configuration
// beside this one, and its line here (TestAllIsTheTable fails without it).
func All() []source.Distribution {
	return []source.Distribution{Debian(), Ubuntu(), Fedora(), CentOS(), AmazonLinux2(), AmazonLinux2023(), Rocky(), AlmaLinux(), Oracle(),
		Flatcar(), FedoraCoreOS(), AzureLinux(), Photon(), OpenSUSE(), Alinux(), RHCOS()}
}

// MirrorHelp describes every --mirror key with its default, for --help:
// each once (Fedora's crawls share koji-fedora-files).
func MirrorHelp() string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, d := range All() {
		for _, k := range slices.Sorted(maps.Keys(d.Mirrors())) {
			if !seen[k] {
				seen[k] = true
				fmt.Fprintf(&b, "  %-20s %s\n", k, d.Mirrors()[k])
			}
		}
	}
	return b.String()
}

// DistroHelp lists each distribution with its default releases, for --help.
func DistroHelp() string {
	var b strings.Builder
	for _, d := range All() {
		name := d.Name()
		if a := d.Aliases(); len(a) > 0 {
			name += " (" + strings.Join(a, ", ") + ")"
		}
		fmt.Fprintf(&b, "  %-20s %s\n", name, strings.Join(d.Releases(), ", "))
	}
	return b.String()
}
