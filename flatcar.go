package matrixgen

import (
	"fmt"
	"regexp"
	"strings"
)

// Flatcar's rules (the table's Flatcar entry). uname -r is the upstream
// kernel version and "-flatcar" (6.12.102-flatcar, as a node prints it);
// the distro version is the Flatcar release BUILD.BRANCH.PATCH (4593.2.0),
// which the release does not name: 5.4.83-flatcar shipped in stable
// 2605.10.0 and LTS 2605.10.1, so it is given, never derived.
var (
	reFlatcar        = regexp.MustCompile(`^\d+\.\d+(?:\.\d+)?-flatcar$`)
	reFlatcarMarker  = regexp.MustCompile(`-flatcar$`)
	reFlatcarVersion = regexp.MustCompile(`^(\d+)\.\d+\.\d+$`)
)

const flatcarShape = "a Flatcar kernel release is the upstream version and -flatcar, as uname -r prints it (6.12.102-flatcar)"

func deriveFlatcar(_ *Distro, in Input, d Derivation, r refusals) (Derivation, error) {
	if !reFlatcar.MatchString(in.Release) {
		return r.noMarker(flatcarShape)
	}
	return r.refuse("a Flatcar kernel release names no Flatcar release (one kernel ships in several): give the distro version, the Flatcar release (4593.2.0) os-release's VERSION_ID or the channel's release list names")
}

func validFlatcar(_ *Distro, v string) string {
	if m := reFlatcarVersion.FindStringSubmatch(v); m == nil || strings.TrimLeft(m[1], "0") == "" {
		return "a Flatcar version is its release BUILD.BRANCH.PATCH (4593.2.0), as os-release's VERSION_ID says"
	}
	return ""
}

// flatcarShips refuses a release that is not a Flatcar kernel's, whatever
// version is given: the version cannot be checked against the release, its
// shape can.
func flatcarShips(_ *Distro, _, release, _ string) error {
	if !reFlatcar.MatchString(release) {
		return &InvalidError{Field: "kernelrelease", Value: release, Reason: fmt.Sprintf("not a kernel release of %s: %s", Flatcar, flatcarShape)}
	}
	return nil
}
