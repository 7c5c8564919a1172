package matrixgen

import (
	"strings"
)

// Target is a parsed target name: the distribution, an Ubuntu flavor when
// the name carried one (Falco's "ubuntu-gcp"), and a version hint when the
// name carried one (Falco's "amazonlinux2", "Oracle7").
type Target struct {
	Distribution string
	Flavor       string
	// VersionHint is the version the name carries, normalised as the
	// distribution writes versions ("centos9" → "stream9"); a release
	// or distro version that contradicts it is refused.
	VersionHint string
	// Unsupported marks a known distribution matrixgen does not build for
	// (SUSE, Flatcar, ...): it parses, and derivation refuses it with a reason.
	Unsupported bool

	distro *Distro // the table entry; nil when Unsupported
}

// ParseTarget accepts distribution names, today's Falco keys and targets
// (os-release IDs: "amazonlinux2023", "ol", "ubuntu-aws") and the 2022
// kernel-crawler class names ("AmazonLinux2", "Oracle7", "CentOS"), as the
// distribution table lists them.
func ParseTarget(s string) (Target, error) {
	l := strings.ToLower(s)
	if t, ok := byTarget[l]; ok {
		return t, nil
	}
	if name, f, ok := strings.Cut(l, "-"); ok && f != "" {
		if d := byName[name]; d != nil && d.Flavored {
			return Target{Distribution: d.Name, Flavor: f, distro: d}, nil
		}
	}
	for _, p := range versioned {
		if rest, ok := strings.CutPrefix(l, p.prefix); ok && rest != "" && allDigits(rest) {
			return Target{Distribution: p.d.Name, VersionHint: p.d.norm(rest), distro: p.d}, nil
		}
	}
	if name, ok := UnsupportedDistribution(l); ok {
		return Target{Distribution: name, Unsupported: true}, nil
	}
	return Target{}, &InvalidError{Field: "target", Value: s, Reason: "unknown target (want a distribution such as " + strings.Join(names, ", ") + ", or a Falco key such as amazonlinux2023, ol, ubuntu-gcp; matrixgen distros lists them)"}
}

// UnsupportedDistribution recognises a distribution matrixgen knows but does
// not build for ("sles", "flatcar", "photonOS", "opensuse-leap", "talos1"...),
// giving its canonical name.
func UnsupportedDistribution(s string) (string, bool) {
	l := strings.TrimRightFunc(strings.ToLower(s), func(r rune) bool { return r >= '0' && r <= '9' || r == '.' })
	if a, ok := unsupportedAliases[l]; ok {
		l = a
	}
	_, ok := unsupported[l]
	return l, ok
}

// UnsupportedReason says why a known distribution is not built for.
func UnsupportedReason(distribution string) string { return unsupported[distribution] }

// FalcoTarget is the target name Falco's list.json uses for a kernel:
// "ubuntu-<flavor>" for Ubuntu, "amazonlinux2023" and friends for Amazon
// Linux (plain "amazonlinux" for version 1), "ol" for Oracle, otherwise the
// distribution.
func FalcoTarget(distribution, flavor, distroVersion string) string {
	if d := byName[distribution]; d != nil && d.falco != nil {
		return d.falco(flavor, distroVersion)
	}
	return distribution
}

// FalcoKey is the top-level key of Falco's list.json for a distribution.
func FalcoKey(distribution, distroVersion string) string {
	if d := byName[distribution]; d != nil && d.Flavored {
		return distribution
	}
	return FalcoTarget(distribution, "", distroVersion)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
