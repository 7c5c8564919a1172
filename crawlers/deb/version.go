package deb

import (
	"strings"

	"pault.ag/go/debian/version"
)

// CompareVersions orders two Debian version strings as dpkg does (epoch, upstream version,
// revision; "~" sorts before anything). It never fails: an unparsable version sorts after
// every valid one, and two unparsable ones compare as strings, so sorting is total.
func CompareVersions(a, b string) int {
	va, errA := version.Parse(a)
	vb, errB := version.Parse(b)
	switch {
	case errA != nil && errB != nil:
		return strings.Compare(a, b)
	case errA != nil:
		return 1
	case errB != nil:
		return -1
	}
	return sign(version.Compare(va, vb))
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
