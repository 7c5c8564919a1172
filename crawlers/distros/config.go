package distros

import (
	"github.com/matrixgen/matrixgen"
)

// entry is a distribution's row of the table (matrixgen.Distros): every
// configuration file reads its releases, arches and mirrors from there.
func entry(name string) *matrixgen.Distro {
	d, _ := matrixgen.Lookup(name)
	return d
}

// mirrorsOf are the default URLs of a distribution's --mirror keys, from
// the table: all of them, or only keys when given (Amazon Linux 2 and 2023
// are crawled by two configurations).
func mirrorsOf(d *matrixgen.Distro, keys ...string) map[string]string {
	m := map[string]string{}
	for _, mi := range d.Mirrors {
		if len(keys) == 0 {
			m[mi.Key] = mi.URL
		}
	}
	for _, k := range keys {
		if u, ok := d.Mirror(k); ok {
			m[k] = u
		}
	}
	return m
}

// aliasesOf are the --distro spellings of a distribution besides its name:
// its aliases and os-release IDs, as the table lists them.
func aliasesOf(d *matrixgen.Distro) []string {
	var out []string
	for _, n := range d.TargetNames() {
		if n != d.Name {
			out = append(out, n)
		}
	}
	return out
}
