package matrixgen

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestRHCOSKernels: an RHCOS kernel is a RHEL kernel named by its
// OpenShift minor. The release alone names no minor (el9_2 ships in 4.13,
// 4.14 and 4.15) and is refused; given, the minor's RHEL (the table, from
// Red Hat's documents) must be the release's .elN_M.
func TestRHCOSKernels(t *testing.T) {
	tests := []struct {
		version, arch, release string
		want                   string // "" = accepted; else a piece of the refusal
	}{
		{"4.15", "x86_64", "5.14.0-284.54.1.el9_2.x86_64", ""},
		{"4.13", "aarch64", "5.14.0-284.54.1.el9_2.aarch64", ""},
		{"4.15", "aarch64+64k", "5.14.0-284.54.1.el9_2.aarch64+64k", ""},
		{"4.16", "x86_64", "5.14.0-427.22.1.el9_4.x86_64", ""},
		{"4.19", "x86_64", "5.14.0-570.49.1.el9_6.x86_64", ""},
		// Past the table: the last row's RHEL or a later one.
		{"4.22", "x86_64", "5.14.0-687.39.1.el9_8.x86_64", ""},
		{"4.22", "x86_64", "6.12.0-211.47.1.el10_2.x86_64", ""},
		{"4.22", "x86_64", "5.14.0-284.54.1.el9_2.x86_64", "RHEL 9.6 or later"},
		{"4.16", "x86_64", "5.14.0-284.54.1.el9_2.x86_64", "OpenShift 4.16's RHCOS is RHEL 9.4, but 5.14.0-284.54.1.el9_2.x86_64 is a RHEL 9.2 kernel"},
		{"4.15", "x86_64", "5.14.0-427.22.1.el9_4.x86_64", "RHEL 9.2"},
		{"4.15", "x86_64", "5.14.0-70.13.1.el9.x86_64", "every RHCOS kernel is a RHEL kernel"},
		{"4.15", "x86_64", "6.8.0-51-generic", "every RHCOS kernel is a RHEL kernel"},
		{"4.15", "x86_64", "6.14.0-100.fc42.x86_64", "another distribution"},
		{"4.15", "aarch64", "5.14.0-284.54.1.el9_2.x86_64", "x86_64"},
		{"4.9", "x86_64", "4.18.0-305.19.1.el8_4.x86_64", "from 4.13"},
		{"4.015", "x86_64", "5.14.0-284.54.1.el9_2.x86_64", "from 4.13"},
		{"", "x86_64", "5.14.0-284.54.1.el9_2.x86_64", "ambiguous without the OpenShift minor: RHEL 9.2 kernels ship in OpenShift 4.13, 4.14, 4.15"},
	}
	for _, tc := range tests {
		k, err := Make(Spec{Target: "rhcos", Arch: Arch(tc.arch), Release: tc.release, DistroVersion: tc.version})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %s %s: %v", tc.version, tc.arch, tc.release, err)
		case tc.want == "" && (k.Distribution != RHCOS || k.DistroVersion != tc.version):
			t.Errorf("%s %s: got %+v", tc.version, tc.release, k)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %s %s: err %v, want it to say %q", tc.version, tc.arch, tc.release, err, tc.want)
		}
	}
	var ue *UnderivableError
	if _, err := Derive(Input{Target: "rhcos", Release: "5.14.0-427.22.1.el9_4.x86_64"}); !errors.As(err, &ue) {
		t.Errorf("derive without a minor: %v, want an UnderivableError", err)
	}
}

// TestRHCOSOSRelease: an RHCOS node's os-release (ID=rhcos,
// VERSION_ID="4.15"; OPENSHIFT_VERSION the same) maps to rhcos and the
// minor.
func TestRHCOSOSRelease(t *testing.T) {
	for _, v := range []string{"4.15", "4.15.3"} {
		d, ver, ok := FromOSRelease("rhcos", v)
		if !ok || d != RHCOS || ver != "4.15" {
			t.Errorf("FromOSRelease(rhcos, %s) = %s %s %v, want rhcos 4.15", v, d, ver, ok)
		}
	}
}

// TestOSTag: the GPU Operator's OS_TAG is ID and VERSION_ID together:
// rhcos<minor> on RHCOS, rhel<major.minor> on RHEL (the minor from the
// release), <name><version> elsewhere.
func TestOSTag(t *testing.T) {
	tests := []struct{ dist, version, release, want string }{
		{"rhcos", "4.15", "5.14.0-284.54.1.el9_2.aarch64+64k", "rhcos4.15"},
		{"rhel", "9", "5.14.0-427.13.1.el9_4.x86_64", "rhel9.4"},
		{"rhel", "8", "4.18.0-513.5.1.el8_9.x86_64", "rhel8.9"},
		{"rhel", "9", "5.14.0-70.13.1.el9.x86_64", "rhel9"},
		{"rocky", "9", "5.14.0-427.13.1.el9_4.x86_64", "rocky9"},
		{"ubuntu", "22.04", "5.15.0-91-generic", "ubuntu22.04"},
	}
	for _, tc := range tests {
		if got := OSTag(tc.dist, tc.version, tc.release); got != tc.want {
			t.Errorf("OSTag(%s, %s, %s) = %s, want %s", tc.dist, tc.version, tc.release, got, tc.want)
		}
	}
}

// TestOpenShiftTable: FirstOpenShiftMinor (a constant: the openshift
// crawler's --discover starts there) is the table's first row, the rows are
// consecutive minors, and their RHEL never goes back (rhcosShips accepts a
// minor after the last row with that row's RHEL or a later one).
func TestOpenShiftTable(t *testing.T) {
	if want := fmt.Sprintf("4.%d", FirstOpenShiftMinor); openshiftRHEL[0].Minor != want {
		t.Errorf("the table starts at %s, FirstOpenShiftMinor says %s", openshiftRHEL[0].Minor, want)
	}
	for i := 1; i < len(openshiftRHEL); i++ {
		prev, r := openshiftRHEL[i-1], openshiftRHEL[i]
		if want := fmt.Sprintf("4.%d", FirstOpenShiftMinor+i); r.Minor != want {
			t.Errorf("row %d is %s, want %s (consecutive minors)", i, r.Minor, want)
		}
		if compareDotted(r.RHEL, prev.RHEL) < 0 {
			t.Errorf("%s is RHEL %s, older than %s's %s", r.Minor, r.RHEL, prev.Minor, prev.RHEL)
		}
	}
}
