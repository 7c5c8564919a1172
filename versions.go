package matrixgen

import (
	"slices"
	"strings"
)

func releasesOf(distribution string) []Release {
	if d, ok := byName[distribution]; ok {
		return d.Releases
	}
	return nil
}

// Codenames lists the codenames of a distribution that names its releases
// (Ubuntu, Debian), oldest first; nil for the others.
func Codenames(distribution string) []string {
	rs := releasesOf(distribution)
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Codename
	}
	return out
}

// CodenameVersion is the version of a codename: ("ubuntu", "noble") → "24.04".
func CodenameVersion(distribution, codename string) (string, bool) {
	s, ok := bySuite[codename]
	if !ok || s.d.Name != distribution {
		return "", false
	}
	return s.d.Releases[s.i].Version, true
}

// CrawledReleases are the releases of a distribution the crawler reads by
// default, oldest first.
func CrawledReleases(distribution string) []Release {
	var out []Release
	for _, r := range releasesOf(distribution) {
		if r.Crawled {
			out = append(out, r)
		}
	}
	return out
}

func (d *Distro) releaseByVersion(version string) (Release, int, bool) {
	if i, ok := d.versionIdx[version]; ok {
		return d.Releases[i], i, true
	}
	return Release{}, -1, false
}

func (d *Distro) releaseBySeries(series string) (Release, int, bool) {
	if i, ok := d.seriesIdx[series]; ok {
		return d.Releases[i], i, true
	}
	return Release{}, -1, false
}

// UbuntuShips says whether Ubuntu version ships kernel series as a kernel of
// its own: its GA series, an OEM series it had, or, for an LTS, the GA series
// of every later release up to and including the next LTS (HWE).
func UbuntuShips(version, series string) bool {
	return byName[Ubuntu].shipsSeries(version, series)
}

// shipsSeries: the release's own series, an OEM series it had, or, for an
// LTS, the series of every later release up to and including the next LTS.
func (d *Distro) shipsSeries(version, series string) bool {
	r, i, ok := d.releaseByVersion(version)
	if !ok {
		return false
	}
	if r.Series == series || slices.Contains(r.OEM, series) {
		return true
	}
	if !r.LTS {
		return false
	}
	for _, later := range d.Releases[i+1:] {
		if later.Series == series {
			return true
		}
		if later.LTS {
			break
		}
	}
	return false
}

// shippedBy lists the versions of d that ship a series, for messages.
func (d *Distro) shippedBy(series string, ships func(version, series string) bool) []string {
	var out []string
	for _, r := range d.Releases {
		if ships(r.Version, series) {
			out = append(out, r.Version)
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
	if s, ok := bySuite[SuiteCodename(suite)]; ok {
		return s.d.Name
	}
	return ""
}

// DebianMajor trims a Debian point release to its major: "12.8" → "12".
// Kernels are per major release; Debian's Release files name the point.
func DebianMajor(version string) string { return major(version) }

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
// distribution, by the shape the table gives it.
func validVersion(distribution, version string) (bool, string) {
	d, ok := byName[distribution]
	if !ok {
		return true, ""
	}
	if why := d.valid(d, version); why != "" {
		return false, why
	}
	return true, ""
}
