package matrixgen

import (
	"slices"
	"strconv"
	"strings"
)

// release is one distribution release: its codename, version and, for
// Ubuntu and Debian, the kernel series it ships as its GA kernel.
type release struct {
	codename, version, series string
	lts                       bool
}

// ubuntuReleases in release order. Series are each release's GA kernel
// (DESIGN.md); 26.04's 7.0 already ships in noble-security as HWE.
var ubuntuReleases = []release{
	{"trusty", "14.04", "3.13", true}, {"utopic", "14.10", "3.16", false},
	{"vivid", "15.04", "3.19", false}, {"wily", "15.10", "4.2", false},
	{"xenial", "16.04", "4.4", true}, {"yakkety", "16.10", "4.8", false},
	{"zesty", "17.04", "4.10", false}, {"artful", "17.10", "4.13", false},
	{"bionic", "18.04", "4.15", true}, {"cosmic", "18.10", "4.18", false},
	{"disco", "19.04", "5.0", false}, {"eoan", "19.10", "5.3", false},
	{"focal", "20.04", "5.4", true}, {"groovy", "20.10", "5.8", false},
	{"hirsute", "21.04", "5.11", false}, {"impish", "21.10", "5.13", false},
	{"jammy", "22.04", "5.15", true}, {"kinetic", "22.10", "5.19", false},
	{"lunar", "23.04", "6.2", false}, {"mantic", "23.10", "6.5", false},
	{"noble", "24.04", "6.8", true}, {"oracular", "24.10", "6.11", false},
	{"plucky", "25.04", "6.14", false}, {"questing", "25.10", "6.17", false},
	{"resolute", "26.04", "7.0", true},
}

// ubuntuOEM lists the OEM kernel series an LTS release shipped that are no
// release's GA series (linux-oem-5.6, -5.10, -5.14 in focal; -5.17, -6.0,
// -6.1 in jammy). Derivation still refuses them (a plain upload names no
// release); the consistency check accepts them in the release that had them.
var ubuntuOEM = map[string][]string{
	"18.04": {"5.0"},
	"20.04": {"5.6", "5.10", "5.14"},
	"22.04": {"5.17", "6.0", "6.1"},
}

// debianReleases in release order, with the one kernel series each ships.
var debianReleases = []release{
	{"jessie", "8", "3.16", false}, {"stretch", "9", "4.9", false},
	{"buster", "10", "4.19", false}, {"bullseye", "11", "5.10", false},
	{"bookworm", "12", "6.1", false}, {"trixie", "13", "6.12", false},
	{"forky", "14", "", false}, {"duke", "15", "", false},
}

func releasesOf(distribution string) []release {
	switch distribution {
	case Ubuntu:
		return ubuntuReleases
	case Debian:
		return debianReleases
	}
	return nil
}

// Codenames lists the codenames of a distribution that names its releases
// (Ubuntu, Debian), oldest first; nil for the others.
func Codenames(distribution string) []string {
	rs := releasesOf(distribution)
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.codename
	}
	return out
}

// CodenameVersion is the version of a codename: ("ubuntu", "noble") → "24.04".
func CodenameVersion(distribution, codename string) (string, bool) {
	for _, r := range releasesOf(distribution) {
		if r.codename == codename {
			return r.version, true
		}
	}
	return "", false
}

func releaseByVersion(distribution, version string) (release, int, bool) {
	for i, r := range releasesOf(distribution) {
		if r.version == version {
			return r, i, true
		}
	}
	return release{}, -1, false
}

func releaseBySeries(distribution, series string) (release, int, bool) {
	for i, r := range releasesOf(distribution) {
		if r.series != "" && r.series == series {
			return r, i, true
		}
	}
	return release{}, -1, false
}

// UbuntuShips says whether Ubuntu version ships kernel series as a kernel of
// its own: its GA series, an OEM series it had, or, for an LTS, the GA series
// of every later release up to and including the next LTS (HWE).
func UbuntuShips(version, series string) bool {
	r, i, ok := releaseByVersion(Ubuntu, version)
	if !ok {
		return false
	}
	if r.series == series || slices.Contains(ubuntuOEM[version], series) {
		return true
	}
	if !r.lts {
		return false
	}
	for _, later := range ubuntuReleases[i+1:] {
		if later.series == series {
			return true
		}
		if later.lts {
			break
		}
	}
	return false
}

// ubuntuShippedBy lists the Ubuntu versions that ship a series, for messages.
func ubuntuShippedBy(series string) []string {
	var out []string
	for _, r := range ubuntuReleases {
		if UbuntuShips(r.version, series) {
			out = append(out, r.version)
		}
	}
	return out
}

// SuiteCodename strips the pocket from a suite: "noble-security" → "noble",
// "bookworm-backports" → "bookworm".
func SuiteCodename(suite string) string {
	codename, _, _ := strings.Cut(suite, "-")
	return codename
}

// VersionFromSuite gives the distro version a suite belongs to, if known.
func VersionFromSuite(distribution, suite string) (string, bool) {
	return CodenameVersion(distribution, SuiteCodename(suite))
}

// suiteDistribution names the distribution whose codename a suite carries.
func suiteDistribution(suite string) string {
	for _, d := range []string{Ubuntu, Debian} {
		if _, ok := VersionFromSuite(d, suite); ok {
			return d
		}
	}
	return ""
}

// DebianMajor trims a Debian point release to its major: "12.8" → "12".
// Kernels are per major release; Debian's Release files name the point.
func DebianMajor(version string) string {
	major, _, _ := strings.Cut(version, ".")
	return major
}

// seriesOf is the major.minor of a release, or "" when it has none.
func seriesOf(release string) string {
	// reSeries by hand: this runs for every Ubuntu kernel read.
	digits := func(i int) int {
		j := i
		for j < len(release) && release[j] >= '0' && release[j] <= '9' {
			j++
		}
		return j
	}
	i := digits(0)
	if i == 0 || i >= len(release) || release[i] != '.' {
		return ""
	}
	j := digits(i + 1)
	if j == i+1 {
		return ""
	}
	ends := func(k int) bool {
		return k == len(release) || release[k] == '-' || release[k] == '.' || release[k] == '+'
	}
	// major.minor[.patch] then a separator or the end; as the regexp, the
	// patch is optional, so "6.1.0x" is series 6.1 ended by its ".".
	if j < len(release) && release[j] == '.' {
		if k := digits(j + 1); k > j+1 && ends(k) {
			return release[:j]
		}
	}
	if !ends(j) {
		return ""
	}
	return release[:j]
}

// CheckDistroVersion refuses a distro version that names no release of the
// distribution matrixgen knows (Ubuntu and Debian by table), as Make would
// for each of its kernels: a crawler asks once per release instead.
func CheckDistroVersion(distribution, version string) error {
	if ok, why := validVersion(distribution, version); !ok {
		return &InvalidError{Field: "distroversion", Value: version, Reason: why}
	}
	return nil
}

// validVersion checks that a distro version names a real release of the
// distribution (by the shape each uses: Ubuntu and Debian by table).
func validVersion(distribution, version string) (bool, string) {
	switch distribution {
	case Ubuntu:
		if _, _, ok := releaseByVersion(Ubuntu, version); !ok {
			return false, "not an Ubuntu release (want one of " + strings.Join(versionsOf(Ubuntu), ", ") + ")"
		}
	case Debian:
		if _, _, ok := releaseByVersion(Debian, version); !ok {
			return false, "not a Debian release (want one of " + strings.Join(versionsOf(Debian), ", ") + ")"
		}
	case Fedora:
		if n, err := strconv.Atoi(version); err != nil || n < 1 {
			return false, "a Fedora version is a number (42)"
		}
	case CentOS:
		n := strings.TrimPrefix(version, "stream")
		v, err := strconv.Atoi(n)
		switch {
		case err != nil || v < 1:
			return false, "a CentOS version is N (up to 8) or streamN (9 and later)"
		case v >= 9 && n == version:
			return false, "CentOS " + n + " is CentOS Stream: write stream" + n
		}
	case AmazonLinux:
		switch version {
		case "1", "2", "2022", "2023":
		default:
			return false, "an Amazon Linux version is 1, 2, 2022 or 2023"
		}
	case Rocky, AlmaLinux, Oracle, RHEL:
		if n, err := strconv.Atoi(version); err != nil || n < 1 {
			return false, "a " + distribution + " version is its major number (9)"
		}
	}
	return true, ""
}

func versionsOf(distribution string) []string {
	var out []string
	for _, r := range releasesOf(distribution) {
		out = append(out, r.version)
	}
	return out
}
