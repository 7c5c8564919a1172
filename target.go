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
)

// Distributions is every distribution derivation knows, sorted.
var Distributions = []string{AlmaLinux, AmazonLinux, CentOS, Debian, Fedora, Oracle, Rocky, Ubuntu}

// Target is a parsed target name: the distribution, an Ubuntu flavor when
// the name carried one (Falco's "ubuntu-gcp"), and a version hint when the
// name carried one (Falco's "amazonlinux2", "Oracle7").
type Target struct {
	Distribution string
	Flavor       string
	VersionHint  string
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
	case Debian, Fedora, CentOS, Rocky, AlmaLinux, Oracle:
		return Target{Distribution: l}, nil
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
	} {
		if rest, ok := strings.CutPrefix(l, p.prefix); ok && allDigits(rest) {
			if p.dist == AmazonLinux && rest == "" {
				// Plain "amazonlinux" is Falco's name for Amazon Linux 1.
				return Target{Distribution: AmazonLinux, VersionHint: "1"}, nil
			}
			return Target{Distribution: p.dist, VersionHint: rest}, nil
		}
	}
	return Target{}, &InvalidError{Field: "target", Value: s, Reason: "unknown target (want a distribution such as " + strings.Join(Distributions, ", ") + ", or a Falco key such as amazonlinux2023, ol, ubuntu-gcp)"}
}

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
