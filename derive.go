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
	reDebBpoS = regexp.MustCompile(`\+bpo(?:-|$)`)
	reSeries  = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.\d+)?(?:[-.+]|$)`)
	// Ubuntu uploads: "51", "24~18.04.1", and suffixed ones such as CVM
	// kernels' "96+cvm1" (the upload is the leading number).
	reUbuTag = regexp.MustCompile(`^\d+(?:\.\d+)?~(\d{2}\.\d{2})(?:\.\d+)?(?:\+[a-z][a-z0-9.]*)?$`)
	reUbuNum = regexp.MustCompile(`^\d+(?:\.\d+)?(?:\+[a-z][a-z0-9.]*)?$`)
	reDebAny = regexp.MustCompile(`[+~.]deb\d+|~bpo\d+|\+bpo(?:-|$)`)
)

// family names which distribution a release marker belongs to, so a marker
// under the wrong target is refused rather than trusted.
func family(release string) (string, string) {
	for _, m := range families {
		// The literal every marker contains rules most releases out
		// without running the regexp: this runs once per kernel read.
		if !strings.Contains(release, m.lit) && (m.lit2 == "" || !strings.Contains(release, m.lit2)) {
			continue
		}
		if s := m.re.FindString(release); s != "" {
			return m.fam, s
		}
	}
	return "", ""
}

var families = []struct {
	fam, lit, lit2 string
	re             *regexp.Regexp
}{
	{Fedora, ".fc", "", reFedora},
	{"el", ".el", "", reEL},
	{AmazonLinux, ".amzn", "", reAmazon},
	{Debian, "deb", "bpo", reDebAny},
}

func familyOf(distribution string) string {
	switch distribution {
	case CentOS, Rocky, AlmaLinux, Oracle, RHEL:
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
	kv, err := UbuntuUpload(in.KernelVersion)
	if err != nil {
		return Derivation{}, err
	}
	in.KernelVersion = kv
	t, err := ParseTarget(in.Target)
	if err != nil {
		return Derivation{}, err
	}
	refuse := func(format string, args ...any) (Derivation, error) {
		return Derivation{}, &UnderivableError{Target: in.Target, Release: in.Release, Reason: fmt.Sprintf(format, args...)}
	}
	// noMarker: the release lacks the marker every kernel of the
	// distribution carries, so it is another distribution's.
	noMarker := func(reason string) (Derivation, error) {
		return Derivation{}, &UnderivableError{Target: in.Target, Release: in.Release, Reason: reason, NoMarker: true}
	}
	contradiction := func(field, value, format string, args ...any) (Derivation, error) {
		return Derivation{}, &InvalidError{Field: field, Value: value, Reason: fmt.Sprintf(format, args...)}
	}
	if t.Unsupported {
		return refuse("%s is a known distribution matrixgen does not build for: %s", t.Distribution, UnsupportedReason(t.Distribution))
	}
	d := Derivation{Distribution: t.Distribution, Flavor: t.Flavor}
	if d.Flavor == "" {
		d.Flavor = FlavorOf(t.Distribution, in.Release)
	}
	if fam, marker := family(in.Release); fam != "" && fam != familyOf(t.Distribution) {
		return contradiction("kernelrelease", in.Release, "its marker %q belongs to another distribution than %s", strings.Trim(marker, ".+~"), t.Distribution)
	}
	if in.Suite != "" {
		switch sd := suiteDistribution(in.Suite); {
		case t.Distribution != Ubuntu && t.Distribution != Debian:
			return contradiction("suite", in.Suite, "suites name Debian and Ubuntu releases, not %s ones", t.Distribution)
		case sd == "":
			return contradiction("suite", in.Suite, "not a known %s suite (want a codename such as %s, with any pocket)", t.Distribution, strings.Join(Codenames(t.Distribution)[len(Codenames(t.Distribution))-3:], ", "))
		case sd != t.Distribution:
			return contradiction("suite", in.Suite, "names a release of %s, not of %s", sd, t.Distribution)
		}
	}
	answer := func(version, rule string) (Derivation, error) {
		// A marker that names no real release (".amzn00", ".fc0") is
		// not a version, whatever its shape.
		if ok, why := validVersion(t.Distribution, version); !ok {
			return refuse("%s derives %q: %s", rule, version, why)
		}
		d.DistroVersion, d.Rule = version, rule
		return d, nil
	}

	switch t.Distribution {
	case Fedora:
		if m := reFedora.FindStringSubmatch(in.Release); m != nil {
			return answer(m[1], "fedora .fcNN")
		}
		return noMarker("no .fcNN marker")
	case CentOS, Rocky, AlmaLinux, Oracle, RHEL:
		m := reEL.FindStringSubmatch(in.Release)
		if m == nil {
			return noMarker("no .elN marker")
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
		// Every Amazon Linux kernel carries its marker: a release without
		// one is another distribution's, whatever the target name says.
		return noMarker("no .amznN marker: every Amazon Linux kernel release carries one")
	case Debian:
		return deriveDebian(in, d, refuse)
	case Ubuntu:
		d, err := deriveUbuntu(in, d, refuse)
		if err == nil {
			err = checkUbuntuSeries(d.DistroVersion, in.Release, in.KernelVersion)
		}
		if err != nil {
			return Derivation{}, err
		}
		return d, nil
	}
	return refuse("no rule for distribution %s", t.Distribution)
}

func deriveDebian(in Input, d Derivation, refuse func(string, ...any) (Derivation, error)) (Derivation, error) {
	answer := func(version, rule string) (Derivation, error) {
		d.DistroVersion, d.Rule = version, rule
		return d, nil
	}
	r := in.Release
	if in.Suite != "" {
		v, _ := VersionFromSuite(Debian, in.Suite)
		if m, err := deriveDebianRelease(r, d, refuse); err == nil && m.DistroVersion != v {
			return Derivation{}, &InvalidError{Field: "suite", Value: in.Suite, Reason: fmt.Sprintf("is Debian %s but release %s says Debian %s (%s)", v, r, m.DistroVersion, m.Rule)}
		}
		return answer(v, "debian suite "+SuiteCodename(in.Suite))
	}
	return deriveDebianRelease(r, d, refuse)
}

func deriveDebianRelease(r string, d Derivation, refuse func(string, ...any) (Derivation, error)) (Derivation, error) {
	answer := func(version, rule string) (Derivation, error) {
		d.DistroVersion, d.Rule = version, rule
		return d, nil
	}
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
	if reDebBpoS.MatchString(r) {
		// "6.12.12+bpo-amd64": series S backported to the release before
		// the one whose kernel series S is (bookworm-backports in 2025).
		s := seriesOf(r)
		if _, i, ok := releaseBySeries(Debian, s); ok && i > 0 {
			return answer(debianReleases[i-1].version, "debian +bpo backport of "+s)
		}
		return refuse("+bpo backport of kernel series %s, which is no Debian release's kernel", s)
	}
	if m := reSeries.FindStringSubmatch(r); m != nil {
		if rel, _, ok := releaseBySeries(Debian, m[1]+"."+m[2]); ok {
			return answer(rel.version, "debian kernel series "+m[1]+"."+m[2])
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
		v, _ := VersionFromSuite(Ubuntu, in.Suite)
		if m := reUbuTag.FindStringSubmatch(in.KernelVersion); m != nil && m[1] != v {
			return Derivation{}, &InvalidError{Field: "suite", Value: in.Suite, Reason: fmt.Sprintf("is Ubuntu %s but kernel version %s names %s", v, in.KernelVersion, m[1])}
		}
		return answer(v, "ubuntu suite "+SuiteCodename(in.Suite))
	}
	kv := in.KernelVersion
	switch {
	case kv == "":
		return refuse("ambiguous without a kernel version or suite: a release ships as one Ubuntu version's GA kernel and the previous LTS's HWE kernel")
	case reUbuTag.MatchString(kv):
		v := reUbuTag.FindStringSubmatch(kv)[1]
		if _, _, ok := releaseByVersion(Ubuntu, v); !ok {
			return refuse("kernel version %s names %s, which is no Ubuntu release", kv, v)
		}
		return answer(v, "ubuntu ~YY.MM in kernel version")
	case reUbuNum.MatchString(kv):
		m := reSeries.FindStringSubmatch(in.Release)
		if m == nil {
			return refuse("release has no kernel series")
		}
		series := m[1] + "." + m[2]
		if rel, _, ok := releaseBySeries(Ubuntu, series); ok {
			return answer(rel.version, "ubuntu GA series "+series)
		}
		return refuse("kernel series %s is no Ubuntu release's GA kernel", series)
	}
	return refuse("kernel version %q names a release in an unknown form", kv)
}

// checkUbuntuSeries refuses a (version, release) pair Ubuntu never shipped:
// 6.8 in 20.04, 5.15 in 24.04. An upload that names the version itself
// ("24~14.04.1": cloud kernels are backported further than HWE) is Ubuntu's
// own word and is not second-guessed.
func checkUbuntuSeries(version, release, upload string) error {
	if m := reUbuTag.FindStringSubmatch(upload); m != nil && m[1] == version {
		return nil
	}
	s := seriesOf(release)
	if s == "" {
		return &InvalidError{Field: "kernelrelease", Value: release, Reason: "has no kernel series (want major.minor first, as uname -r prints it)"}
	}
	if UbuntuShips(version, s) {
		return nil
	}
	where := "no Ubuntu release ships it"
	if vs := ubuntuShippedBy(s); len(vs) > 0 {
		where = "series " + s + " ships in " + strings.Join(vs, " and ")
	}
	return &InvalidError{Field: "distroversion", Value: version, Reason: fmt.Sprintf("Ubuntu %s does not ship %s (%s): a release ships its GA series and, if an LTS, the GA series of later releases up to the next LTS", version, release, where)}
}

// UbuntuUpload takes the upload from what a loader reads: the plain upload
// ("41~22.04.1", "140", "96+cvm1"), the uname -v form ("#41~22.04.1-Ubuntu
// SMP PREEMPT_DYNAMIC Fri Mar 28 ...") or its first word ("41~22.04.1-Ubuntu").
// An empty string stays empty.
func UbuntuUpload(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	raw := s
	s = strings.TrimPrefix(s, "#")
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, "-Ubuntu")
	if err := ValidateKernelVersion(s); err != nil || s == "" {
		if s != raw {
			return "", &InvalidError{Field: "kernelversion", Value: raw, Reason: "want an Ubuntu upload (41~22.04.1) or uname -v (#41~22.04.1-Ubuntu SMP ...)"}
		}
		return "", err
	}
	return s, nil
}

// ParseInputLine reads one line of derive's line format:
// "target release [kernelversion]", where the kernel version may also be
// the whole uname -v ("ubuntu 6.8.0-57-generic #41~22.04.1-Ubuntu SMP ...").
func ParseInputLine(line string) (Input, error) {
	f := strings.Fields(line)
	in := Input{}
	if len(f) > 0 {
		in.Target = f[0]
	}
	if len(f) > 1 {
		in.Release = f[1]
	}
	switch {
	case len(f) == 2:
	case len(f) == 3:
		in.KernelVersion = f[2]
	case len(f) > 3 && strings.HasPrefix(f[2], "#"):
		in.KernelVersion = strings.Join(f[2:], " ")
	default:
		return in, &InvalidError{Field: "line", Value: line, Reason: fmt.Sprintf(`want "target release [kernelversion or uname -v]", got %d fields`, len(f))}
	}
	return in, nil
}

// UbuntuUploadOf is a kernel's upload from its headers package version, as
// Falco computes kernelversion: the part after "<x.y.z>-<abi>." in the
// version ("6.8.0-149.149" → "149", "7.0.0-43.43~24.04.1" → "43~24.04.1"),
// or "" when the version is not the release's.
func UbuntuUploadOf(release, pkgVersion string) string {
	parts := strings.SplitN(release, "-", 3)
	if len(parts) < 2 {
		return ""
	}
	v, _ := strings.CutPrefix(pkgVersion, parts[0]+"-"+parts[1]+".")
	if v == pkgVersion {
		return ""
	}
	return v
}
