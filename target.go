package matrixgen

import (
	"strings"
)

// Distribution names used in kernels.json and the matrix.
const (
	Ubuntu      = "ubuntu"
	Debian      = "debian"
	Fedora      = "fedora"
	CentOS      = "centos"
	AmazonLinux = "amazonlinux"
	Rocky       = "rocky"
	AlmaLinux   = "almalinux"
	Oracle      = "oracle"
	RHEL        = "rhel"
)

// Distributions is every distribution matrixgen builds for, sorted.
func Distributions() []string {
	return []string{AlmaLinux, AmazonLinux, CentOS, Debian, Fedora, Oracle, RHEL, Rocky, Ubuntu}
}

// unsupported are distributions users bring from Falco and NVIDIA tooling
// that matrixgen knows but does not build for, each with the reason.
var unsupported = map[string]string{
	"sles":         "SUSE kernel releases (5.14.21-150500.55.83-default) name no distro version, and matrixgen has no SUSE build images",
	"opensuse":     "openSUSE kernel releases name no distro version, and matrixgen has no openSUSE build images",
	"flatcar":      "Flatcar ships no kernel headers packages; modules are built in its developer container",
	"bottlerocket": "Bottlerocket modules are built with the variant's kernel kit, not in a distro container",
	"talos":        "Talos loads modules only as system extensions built with its own toolchain",
	"photon":       "Photon OS is not a supported build target",
	"azurelinux":   "Azure Linux is not a supported build target",
	"arch":         "Arch Linux is rolling: a kernel has no distro version to build in",
	"minikube":     "minikube's kernel is built with its ISO, not in a distro container",
}

// unsupportedAliases maps spellings seen in Falco output to the names above.
var unsupportedAliases = map[string]string{
	"suse": "sles", "sled": "sles", "opensuse-leap": "opensuse", "opensuse-tumbleweed": "opensuse",
	"photonos": "photon", "azl": "azurelinux", "mariner": "azurelinux", "cbl-mariner": "azurelinux",
	"archlinux": "arch", "flatcar-container-linux": "flatcar",
}

// Target is a parsed target name: the distribution, an Ubuntu flavor when
// the name carried one (Falco's "ubuntu-gcp"), and a version hint when the
// name carried one (Falco's "amazonlinux2", "Oracle7").
type Target struct {
	Distribution string
	Flavor       string
	VersionHint  string
	// Unsupported marks a known distribution matrixgen does not build for
	// (SUSE, Flatcar, ...): it parses, and derivation refuses it with a reason.
	Unsupported bool
}

// ParseTarget accepts distribution names, today's Falco keys and targets
// (os-release IDs: "amazonlinux2023", "ol", "ubuntu-aws") and the 2022
// kernel-crawler class names ("AmazonLinux2", "Oracle7", "CentOS").
func ParseTarget(s string) (Target, error) {
	l := strings.ToLower(s)
	if l == Ubuntu {
		return Target{Distribution: Ubuntu}, nil
	}
	if f, ok := strings.CutPrefix(l, "ubuntu-"); ok && f != "" {
		return Target{Distribution: Ubuntu, Flavor: f}, nil
	}
	switch l {
	case Debian, Fedora, CentOS, Rocky, AlmaLinux, Oracle, RHEL:
		return Target{Distribution: l}, nil
	case "redhat", "rhel-server", "redhatenterpriseserver":
		return Target{Distribution: RHEL}, nil
	case "ol", "oraclelinux":
		return Target{Distribution: Oracle}, nil
	case "amzn", "amazon":
		return Target{Distribution: AmazonLinux}, nil
	case "centos-stream", "centosstream":
		return Target{Distribution: CentOS}, nil
	case "rockylinux":
		return Target{Distribution: Rocky}, nil
	case "alma":
		return Target{Distribution: AlmaLinux}, nil
	}
	for _, p := range []struct{ prefix, dist string }{
		{"amazonlinux", AmazonLinux}, {"oraclelinux", Oracle}, {"oracle", Oracle}, {"ol", Oracle},
		{"fedora", Fedora}, {"centos", CentOS}, {"rocky", Rocky}, {"almalinux", AlmaLinux}, {"debian", Debian},
		{"rhel", RHEL}, {"redhat", RHEL},
	} {
		if rest, ok := strings.CutPrefix(l, p.prefix); ok && allDigits(rest) {
			if p.dist == AmazonLinux && rest == "" {
				// Plain "amazonlinux" is Falco's name for Amazon Linux 1.
				return Target{Distribution: AmazonLinux, VersionHint: "1"}, nil
			}
			return Target{Distribution: p.dist, VersionHint: rest}, nil
		}
	}
	if name, ok := UnsupportedDistribution(l); ok {
		return Target{Distribution: name, Unsupported: true}, nil
	}
	return Target{}, &InvalidError{Field: "target", Value: s, Reason: "unknown target (want a distribution such as " + strings.Join(Distributions(), ", ") + ", or a Falco key such as amazonlinux2023, ol, ubuntu-gcp)"}
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
	switch distribution {
	case Ubuntu:
		if flavor == "" {
			flavor = "generic"
		}
		return "ubuntu-" + flavor
	case AmazonLinux:
		if distroVersion == "1" || distroVersion == "" {
			return AmazonLinux
		}
		return AmazonLinux + distroVersion
	case Oracle:
		return "ol"
	}
	return distribution
}

// FalcoKey is the top-level key of Falco's list.json for a distribution.
func FalcoKey(distribution, distroVersion string) string {
	if distribution == Ubuntu {
		return Ubuntu
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
