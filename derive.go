package matrixgen

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Input is what a distro version is derived from.
type Input struct {
	Target        string // distribution or Falco key/target
	Release       string // uname -r
	KernelVersion string // Ubuntu upload ("24~18.04.1"); optional elsewhere
	Suite         string // the suite the kernel was found in, when crawled
}

// Derivation is a derived distro version and the rule that answered.
type Derivation struct {
	Distribution  string
	Flavor        string
	DistroVersion string
	Minor         string // RHEL-family minor from .elN_M, when present
	Rule          string
}

// Release markers. Each is anchored on a separator so that amzn2023 is not
// read as amzn2 and fc42 is not found inside a hash.
var (
	reFedora  = regexp.MustCompile(`\.fc(\d+)(?:\.|$)`)
	reEL      = regexp.MustCompile(`\.el(\d+)(?:_(\d+))?(uek)?(?:\.|$)`)
	reAmazon  = regexp.MustCompile(`\.amzn(\d+)(?:\.|$)`)
	reDebTil  = regexp.MustCompile(`~deb(\d+)u\d+`)
	reDebBpo  = regexp.MustCompile(`~bpo(\d+)\+`)
	reDebBack = regexp.MustCompile(`-0\.deb(\d+)\.\d+-`)
	reDebPlus = regexp.MustCompile(`\+deb(\d+)(?:u\d+)?(?:[-.+~]|$)`)
	reDebOld  = regexp.MustCompile(`-0\.bpo\.\d+-`)
	reSeries  = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.\d+)?(?:[-.]|$)`)
	reUbuTag  = regexp.MustCompile(`^\d+(?:\.\d+)?~(\d{2}\.\d{2})(?:\.\d+)?$`)
	reUbuNum  = regexp.MustCompile(`^\d+(?:\.\d+)?$`)
	reDebAny  = regexp.MustCompile(`[+~.]deb\d+|~bpo\d+`)
)

// family names which distribution a release marker belongs to, so a marker
// under the wrong target is refused rather than trusted.
func family(release string) (string, string) {
	for _, m := range []struct {
		fam string
		re  *regexp.Regexp
	}{{Fedora, reFedora}, {"el", reEL}, {AmazonLinux, reAmazon}, {Debian, reDebAny}} {
		if s := m.re.FindString(release); s != "" {
			return m.fam, s
		}
	}
	return "", ""
}

func familyOf(distribution string) string {
	switch distribution {
	case CentOS, Rocky, AlmaLinux, Oracle:
		return "el"
	case Ubuntu:
		return ""
	}
	return distribution
}

// Derive finds the distro version of a kernel from its release string (and,
// for Ubuntu, its kernel version or suite). It never guesses: anything it
// cannot tell is an *UnderivableError naming the reason, and a malformed
// input is an *InvalidError.
func Derive(in Input) (Derivation, error) {
	if err := ValidateRelease(in.Release); err != nil {
		return Derivation{}, err
	}
	if err := ValidateKernelVersion(in.KernelVersion); err != nil {
		return Derivation{}, err
	}
	t, err := ParseTarget(in.Target)
	if err != nil {
		return Derivation{}, err
	}
	refuse := func(format string, args ...any) (Derivation, error) {
		return Derivation{}, &UnderivableError{Target: in.Target, Release: in.Release, Reason: fmt.Sprintf(format, args...)}
	}
	d := Derivation{Distribution: t.Distribution, Flavor: t.Flavor}
	if d.Flavor == "" {
		d.Flavor = FlavorOf(t.Distribution, in.Release)
	}
	if fam, marker := family(in.Release); fam != "" && fam != familyOf(t.Distribution) {
		return refuse("release marker %q belongs to another distribution than %s", strings.Trim(marker, "."), t.Distribution)
	}
	answer := func(version, rule string) (Derivation, error) {
		d.DistroVersion, d.Rule = version, rule
		return d, nil
	}

	switch t.Distribution {
	case Fedora:
		if m := reFedora.FindStringSubmatch(in.Release); m != nil {
			return answer(m[1], "fedora .fcNN")
		}
		return refuse("no .fcNN marker")
	case CentOS, Rocky, AlmaLinux, Oracle:
		m := reEL.FindStringSubmatch(in.Release)
		if m == nil {
			return refuse("no .elN marker")
		}
		d.Minor = m[2]
		if t.Distribution == CentOS {
			if n, _ := strconv.Atoi(m[1]); n >= 9 {
				return answer("stream"+m[1], "centos .elN (N>=9: stream)")
			}
			return answer(m[1], "centos .elN")
		}
		if m[3] != "" {
			return answer(m[1], "rhel .elNuek")
		}
		return answer(m[1], "rhel .elN")
	case AmazonLinux:
		if m := reAmazon.FindStringSubmatch(in.Release); m != nil {
			return answer(m[1], "amazon .amznN")
		}
		if t.VersionHint != "" {
			return answer(t.VersionHint, "amazon target name")
		}
		return refuse("no .amznN marker and the target names no version")
	case Debian:
		return deriveDebian(in, d, refuse)
	case Ubuntu:
		return deriveUbuntu(in, d, refuse)
	}
	return refuse("no rule for distribution %s", t.Distribution)
}

func deriveDebian(in Input, d Derivation, refuse func(string, ...any) (Derivation, error)) (Derivation, error) {
	answer := func(version, rule string) (Derivation, error) {
		d.DistroVersion, d.Rule = version, rule
		return d, nil
	}
	r := in.Release
	// "~debNNuM" is the release a package was rebuilt for, so it wins over a
	// "+debMMuK" that names where it came from (4.9.210-1+deb9u1~deb8u1 runs on 8).
	if m := reDebTil.FindStringSubmatch(r); m != nil {
		return answer(m[1], "debian ~debNNuM")
	}
	if m := reDebBpo.FindStringSubmatch(r); m != nil {
		return answer(m[1], "debian ~bpoNN+")
	}
	if m := reDebBack.FindStringSubmatch(r); m != nil {
		return answer(m[1], "debian -0.debNN.M- backport ABI")
	}
	if m := reDebPlus.FindStringSubmatch(r); m != nil {
		return answer(m[1], "debian +debNN")
	}
	if reDebOld.MatchString(r) {
		return refuse("old -0.bpo.N- backport ABIs name no Debian release")
	}
	if m := reSeries.FindStringSubmatch(r); m != nil {
		if v, ok := debianSeries[m[1]+"."+m[2]]; ok {
			return answer(v, "debian kernel series "+m[1]+"."+m[2])
		}
		return refuse("kernel series %s.%s is no Debian release's kernel", m[1], m[2])
	}
	return refuse("no Debian marker")
}

func deriveUbuntu(in Input, d Derivation, refuse func(string, ...any) (Derivation, error)) (Derivation, error) {
	answer := func(version, rule string) (Derivation, error) {
		d.DistroVersion, d.Rule = version, rule
		return d, nil
	}
	if in.Suite != "" {
		if v, ok := UbuntuReleases[SuiteCodename(in.Suite)]; ok {
			return answer(v, "ubuntu suite "+SuiteCodename(in.Suite))
		}
		return refuse("unknown Ubuntu suite %q", in.Suite)
	}
	kv := in.KernelVersion
	switch {
	case kv == "":
		return refuse("ambiguous without a kernel version or suite: a release ships as one Ubuntu version's GA kernel and the previous LTS's HWE kernel")
	case reUbuTag.MatchString(kv):
		return answer(reUbuTag.FindStringSubmatch(kv)[1], "ubuntu ~YY.MM in kernel version")
	case reUbuNum.MatchString(kv):
		m := reSeries.FindStringSubmatch(in.Release)
		if m == nil {
			return refuse("release has no kernel series")
		}
		series := m[1] + "." + m[2]
		if v, ok := ubuntuGA[series]; ok {
			return answer(v, "ubuntu GA series "+series)
		}
		return refuse("kernel series %s is no Ubuntu release's GA kernel", series)
	}
	return refuse("kernel version %q names a release in an unknown form", kv)
}
