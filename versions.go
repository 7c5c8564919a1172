package matrixgen

import "strings"

// UbuntuReleases maps Ubuntu codenames to versions, so a kernel found in
// a suite ("noble-security") gets the version of that suite.
var UbuntuReleases = map[string]string{
	"trusty": "14.04", "utopic": "14.10", "vivid": "15.04", "wily": "15.10",
	"xenial": "16.04", "yakkety": "16.10", "zesty": "17.04", "artful": "17.10",
	"bionic": "18.04", "cosmic": "18.10", "disco": "19.04", "eoan": "19.10",
	"focal": "20.04", "groovy": "20.10", "hirsute": "21.04", "impish": "21.10",
	"jammy": "22.04", "kinetic": "22.10", "lunar": "23.04", "mantic": "23.10",
	"noble": "24.04", "oracular": "24.10", "plucky": "25.04", "questing": "25.10",
	"resolute": "26.04",
}

// ubuntuGA maps a kernel series to the Ubuntu release whose GA kernel it is
// (DESIGN.md). Series missing here (OEM 5.14, 5.17, ...) are nobody's GA.
var ubuntuGA = map[string]string{
	"3.13": "14.04", "3.16": "14.10", "3.19": "15.04", "4.2": "15.10", "4.4": "16.04",
	"4.8": "16.10", "4.10": "17.04", "4.13": "17.10", "4.15": "18.04", "4.18": "18.10",
	"5.0": "19.04", "5.3": "19.10", "5.4": "20.04", "5.8": "20.10", "5.11": "21.04",
	"5.13": "21.10", "5.15": "22.04", "5.19": "22.10", "6.2": "23.04", "6.5": "23.10",
	"6.8": "24.04", "6.11": "24.10", "6.14": "25.04", "6.17": "25.10",
}

// DebianReleases maps Debian codenames to versions.
var DebianReleases = map[string]string{
	"jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11",
	"bookworm": "12", "trixie": "13", "forky": "14", "duke": "15",
}

// debianSeries maps the one kernel series each Debian release ships to it.
var debianSeries = map[string]string{
	"3.16": "8", "4.9": "9", "4.19": "10", "5.10": "11", "6.1": "12", "6.12": "13",
}

// SuiteCodename strips the pocket from a suite: "noble-security" → "noble",
// "bookworm-backports" → "bookworm".
func SuiteCodename(suite string) string {
	codename, _, _ := strings.Cut(suite, "-")
	return codename
}

// VersionFromSuite gives the distro version a suite belongs to, if known.
func VersionFromSuite(distribution, suite string) (string, bool) {
	var table map[string]string
	switch distribution {
	case Ubuntu:
		table = UbuntuReleases
	case Debian:
		table = DebianReleases
	default:
		return "", false
	}
	v, ok := table[SuiteCodename(suite)]
	return v, ok
}
