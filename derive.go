package matrixgen

import (
	"fmt"
	"regexp"
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
	{"fc", ".fc", "", reFedora},
	{"el", ".el", "", reEL},
	{"amzn", ".amzn", "", reAmazon},
	{"deb", "deb", "bpo", reDebAny},
	{"flatcar", "-flatcar", "", reFlatcarMarker},
	// The cloud fleets' rpm-md distributions (fleet.go).
	{"azl", ".azl", ".cm", reAzureAny},
	{"ph", ".ph", "", rePhotonAny},
	{"al", ".al", "", reAlinux},
	{"sle", "-150", "", reSUSEAny},
}

// deriveFunc is a distribution's version rule (the table's derive): it
// answers d with a version and the rule's name, or refuses.
type deriveFunc func(dist *Distro, in Input, d Derivation, r refusals) (Derivation, error)

// refusals build Derive's errors for one input.
type refusals struct{ in Input }

// refuse: the rule cannot tell the version.
func (r refusals) refuse(format string, args ...any) (Derivation, error) {
	reason := format
	if len(args) > 0 { // Make meets some refusals once per kernel read: no Sprintf for a constant
		reason = fmt.Sprintf(format, args...)
	}
	return Derivation{}, &UnderivableError{Target: r.in.Target, Release: r.in.Release, Reason: reason}
}

// noMarker: the release lacks the marker every kernel of the distribution
// carries, so it is another distribution's.
func (r refusals) noMarker(reason string) (Derivation, error) {
	return Derivation{}, &UnderivableError{Target: r.in.Target, Release: r.in.Release, Reason: reason, NoMarker: true}
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
	return derive(t, in)
}

// derive is Derive for an input whose release and kernel version are
// valid, the kernel version in UbuntuUpload's form, and whose target
// parsed as t: Make has done that work once already.
func derive(t Target, in Input) (Derivation, error) {
	r := refusals{in}
	contradiction := func(field, value, format string, args ...any) (Derivation, error) {
		return Derivation{}, &InvalidError{Field: field, Value: value, Reason: fmt.Sprintf(format, args...)}
	}
	if t.Unsupported {
		return r.refuse("%s is a known distribution matrixgen does not build for: %s", t.Distribution, UnsupportedReason(t.Distribution))
	}
	dist := t.distro
	d := Derivation{Distribution: t.Distribution, Flavor: t.Flavor}
	if d.Flavor == "" {
		d.Flavor = FlavorOf(t.Distribution, in.Release)
	}
	if fam, marker := family(in.Release); fam != "" && fam != dist.Marker {
		return contradiction("kernelrelease", in.Release, "its marker %q belongs to another distribution than %s", strings.Trim(marker, ".+~"), t.Distribution)
	}
	if in.Suite != "" {
		switch sd := suiteDistribution(in.Suite); {
		case len(dist.Releases) == 0:
			return contradiction("suite", in.Suite, "suites name releases of distributions with codenames (%s), not %s ones", strings.Join(codenamed(), ", "), t.Distribution)
		case sd == "":
			cn := Codenames(t.Distribution)
			return contradiction("suite", in.Suite, "not a known %s suite (want a codename such as %s, with any pocket)", t.Distribution, strings.Join(cn[max(0, len(cn)-3):], ", "))
		case sd != t.Distribution:
			return contradiction("suite", in.Suite, "names a release of %s, not of %s", sd, t.Distribution)
		}
	}
	d, err := dist.derive(dist, in, d, r)
	if err != nil {
		return Derivation{}, err
	}
	// A marker that names no real release (".amzn00", ".fc0") is not a
	// version, whatever its shape.
	if why := dist.valid(dist, d.DistroVersion); why != "" {
		return r.refuse("%s derives %q: %s", d.Rule, d.DistroVersion, why)
	}
	if t.VersionHint != "" && t.VersionHint != d.DistroVersion {
		return Derivation{}, hintContradiction(in.Target, t, in.Release, d.DistroVersion, d.Rule)
	}
	return d, nil
}

// hintContradiction refuses a target whose version ("amazonlinux2",
// "oracle8") is not the one the release names.
func hintContradiction(target string, t Target, release, version, rule string) error {
	return &InvalidError{Field: "target", Value: target, Reason: fmt.Sprintf("names %s %s, but release %s is %s %s (rule: %s)", t.Distribution, t.VersionHint, release, t.Distribution, version, rule)}
}

// codenamed lists the distributions whose releases have codenames.
func codenamed() []string {
	var out []string
	for _, d := range distros {
		if len(d.Releases) > 0 {
			out = append(out, d.Name)
		}
	}
	return out
}

func answer(d Derivation, version, rule string) (Derivation, error) {
	d.DistroVersion, d.Rule = version, rule
	return d, nil
}

// markerRule is the version rule of a distribution whose every kernel
// release carries its version in one marker: re finds the marker, version
// reads the version from its submatches (nil: the first), rule names the
// rule, and missing says why a release without the marker is another
// distribution's (a noMarker refusal, whatever the target name says).
func markerRule(re *regexp.Regexp, rule, missing string, version func(m []string) string) deriveFunc {
	return func(_ *Distro, in Input, d Derivation, r refusals) (Derivation, error) {
		m := re.FindStringSubmatch(in.Release)
		switch {
		case m == nil:
			return r.noMarker(missing)
		case version == nil:
			return answer(d, m[1], rule)
		}
		return answer(d, version(m), rule)
	}
}

// The marker rules of the table (fleet.go has the cloud fleets').
var (
	deriveFedora = markerRule(reFedora, "fedora .fcNN", "no .fcNN marker", nil)
	deriveAmazon = markerRule(reAmazon, "amazon .amznN", "no .amznN marker: every Amazon Linux kernel release carries one", nil)
)

func deriveEL(_ *Distro, in Input, d Derivation, r refusals) (Derivation, error) {
	m := reEL.FindStringSubmatch(in.Release)
	if m == nil {
		return r.noMarker("no .elN marker")
	}
	d.Minor = m[2]
	if m[3] != "" {
		return answer(d, m[1], "rhel .elNuek")
	}
	return answer(d, m[1], "rhel .elN")
}

func deriveCentOS(dist *Distro, in Input, d Derivation, r refusals) (Derivation, error) {
	m := reEL.FindStringSubmatch(in.Release)
	if m == nil {
		return r.noMarker("no .elN marker")
	}
	d.Minor = m[2]
	if v := dist.norm(m[1]); v != m[1] {
		return answer(d, v, "centos .elN (N>=9: stream)")
	}
	return answer(d, m[1], "centos .elN")
}

func deriveDebian(dist *Distro, in Input, d Derivation, r refusals) (Derivation, error) {
	if in.Suite != "" {
		v, _ := VersionFromSuite(dist.Name, in.Suite)
		if m, err := deriveDebianRelease(dist, in.Release, d, r); err == nil && m.DistroVersion != v {
			return Derivation{}, &InvalidError{Field: "suite", Value: in.Suite, Reason: fmt.Sprintf("is Debian %s but release %s says Debian %s (%s)", v, in.Release, m.DistroVersion, m.Rule)}
		}
		return answer(d, v, "debian suite "+SuiteCodename(in.Suite))
	}
	return deriveDebianRelease(dist, in.Release, d, r)
}

func deriveDebianRelease(dist *Distro, rel string, d Derivation, r refusals) (Derivation, error) {
	// "~debNNuM" is the release a package was rebuilt for, so it wins over a
	// "+debMMuK" that names where it came from (4.9.210-1+deb9u1~deb8u1 runs on 8).
	if m := reDebTil.FindStringSubmatch(rel); m != nil {
		return answer(d, m[1], "debian ~debNNuM")
	}
	if m := reDebBpo.FindStringSubmatch(rel); m != nil {
		return answer(d, m[1], "debian ~bpoNN+")
	}
	if m := reDebBack.FindStringSubmatch(rel); m != nil {
		return answer(d, m[1], "debian -0.debNN.M- backport ABI")
	}
	if m := reDebPlus.FindStringSubmatch(rel); m != nil {
		return answer(d, m[1], "debian +debNN")
	}
	if reDebOld.MatchString(rel) {
		return r.refuse("old -0.bpo.N- backport ABIs name no Debian release")
	}
	if reDebBpoS.MatchString(rel) {
		// "6.12.12+bpo-amd64": series S backported to the release before
		// the one whose kernel series S is (bookworm-backports in 2025).
		s := seriesOf(rel)
		if _, i, ok := dist.releaseBySeries(s); ok && i > 0 {
			return answer(d, dist.Releases[i-1].Version, "debian +bpo backport of "+s)
		}
		return r.refuse("+bpo backport of kernel series %s, which is no Debian release's kernel", s)
	}
	if m := reSeries.FindStringSubmatch(rel); m != nil {
		if re, _, ok := dist.releaseBySeries(m[1] + "." + m[2]); ok {
			return answer(d, re.Version, "debian kernel series "+m[1]+"."+m[2])
		}
		return r.refuse("kernel series %s.%s is no Debian release's kernel", m[1], m[2])
	}
	return r.refuse("no Debian marker")
}

// debianShips is Debian's series rule for a given version, applied when the
// release carries no marker that names the version: a plain ABI is the
// release's own kernel series, or the next release's as a backport
// ("6.12.12+bpo-amd64" in bookworm-backports, old "-0.bpo.N-" ABIs). A
// series no Debian release ships (6.8.0-51-generic, a custom 6.18 kernel)
// is refused whatever version is given.
func debianShips(dist *Distro, version, release, _ string) error {
	if reDebTil.MatchString(release) || reDebBpo.MatchString(release) || reDebBack.MatchString(release) || reDebPlus.MatchString(release) {
		return nil // the marker named the version; Make compared it
	}
	s := seriesOf(release)
	if s == "" {
		return &InvalidError{Field: "kernelrelease", Value: release, Reason: "has no kernel series (want major.minor first, as uname -r prints it)"}
	}
	ships := func(v, series string) bool {
		r, i, ok := dist.releaseByVersion(v)
		if !ok {
			return false
		}
		return r.Series == series || i+1 < len(dist.Releases) && dist.Releases[i+1].Series == series
	}
	if ships(version, s) {
		return nil
	}
	where := "no Debian release ships it"
	if vs := dist.shippedBy(s, ships); len(vs) > 0 {
		where = "series " + s + " ships in " + strings.Join(vs, " and ")
	}
	return &InvalidError{Field: "distroversion", Value: version, Reason: fmt.Sprintf("Debian %s does not ship %s (%s): a release ships its kernel series and, as a backport, the next release's", version, release, where)}
}

func deriveUbuntu(dist *Distro, in Input, d Derivation, r refusals) (Derivation, error) {
	d, err := deriveUbuntuVersion(dist, in, d, r)
	if err == nil {
		err = ubuntuShipsRelease(dist, d.DistroVersion, in.Release, in.KernelVersion)
	}
	if err != nil {
		return Derivation{}, err
	}
	return d, nil
}

func deriveUbuntuVersion(dist *Distro, in Input, d Derivation, r refusals) (Derivation, error) {
	if in.Suite != "" {
		v, _ := VersionFromSuite(dist.Name, in.Suite)
		if m := reUbuTag.FindStringSubmatch(in.KernelVersion); m != nil && m[1] != v {
			return Derivation{}, &InvalidError{Field: "suite", Value: in.Suite, Reason: fmt.Sprintf("is Ubuntu %s but kernel version %s names %s", v, in.KernelVersion, m[1])}
		}
		return answer(d, v, "ubuntu suite "+SuiteCodename(in.Suite))
	}
	kv := in.KernelVersion
	switch {
	case kv == "":
		return r.refuse("ambiguous without a kernel version or suite: a release ships as one Ubuntu version's GA kernel and the previous LTS's HWE kernel")
	case reUbuTag.MatchString(kv):
		v := reUbuTag.FindStringSubmatch(kv)[1]
		if _, _, ok := dist.releaseByVersion(v); !ok {
			return r.refuse("kernel version %s names %s, which is no Ubuntu release", kv, v)
		}
		return answer(d, v, "ubuntu ~YY.MM in kernel version")
	case reUbuNum.MatchString(kv):
		m := reSeries.FindStringSubmatch(in.Release)
		if m == nil {
			return r.refuse("release has no kernel series")
		}
		series := m[1] + "." + m[2]
		if rel, _, ok := dist.releaseBySeries(series); ok {
			return answer(d, rel.Version, "ubuntu GA series "+series)
		}
		return r.refuse("kernel series %s is no Ubuntu release's GA kernel", series)
	}
	return r.refuse("kernel version %q names a release in an unknown form", kv)
}

// ubuntuShipsRelease refuses a (version, release) pair Ubuntu never shipped:
// 6.8 in 20.04, 5.15 in 24.04. An upload that names the version itself
// ("24~14.04.1": cloud kernels are backported further than HWE) is Ubuntu's
// own word and is not second-guessed.
func ubuntuShipsRelease(dist *Distro, version, release, upload string) error {
	if m := reUbuTag.FindStringSubmatch(upload); m != nil && m[1] == version {
		return nil
	}
	s := seriesOf(release)
	if s == "" {
		return &InvalidError{Field: "kernelrelease", Value: release, Reason: "has no kernel series (want major.minor first, as uname -r prints it)"}
	}
	if dist.shipsSeries(version, s) {
		return nil
	}
	where := "no Ubuntu release ships it"
	if vs := dist.shippedBy(s, dist.shipsSeries); len(vs) > 0 {
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
