package service

import (
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

func TestParseOSRelease(t *testing.T) {
	tests := []struct{ text, dist, version, err string }{
		{"ID=ubuntu\nVERSION_ID=\"22.04\"\n", "ubuntu", "22.04", ""},
		{"ID=debian\nVERSION_ID=\"12\"\n", "debian", "12", ""},
		{"ID=\"rhel\"\nVERSION_ID=\"9.4\"\n", "rhel", "9", ""},
		{"ID=\"rocky\"\nVERSION_ID=\"8.10\"\n", "rocky", "8", ""},
		{"ID=\"almalinux\"\nVERSION_ID=\"9.5\"\n", "almalinux", "9", ""},
		{"ID=\"ol\"\nVERSION_ID=\"9.4\"\n", "oracle", "9", ""},
		{"ID=\"amzn\"\nVERSION_ID=\"2023\"\n", "amazonlinux", "2023", ""},
		{"ID=\"amzn\"\nVERSION_ID=\"2\"\n", "amazonlinux", "2", ""},
		{"ID=fedora\nVERSION_ID=42\n", "fedora", "42", ""},
		{"ID=\"centos\"\nVERSION_ID=\"9\"\n", "centos", "stream9", ""},
		{"ID=\"centos\"\nVERSION_ID=\"7\"\n", "centos", "7", ""},
		{"# comment\n\nID='ubuntu'\nVERSION_ID='24.04'\n", "ubuntu", "24.04", ""},
		// RHCOS: the OpenShift minor, from OPENSHIFT_VERSION where the
		// node has it (a 4.13 node's os-release, trimmed), else VERSION_ID.
		{"NAME=\"Red Hat Enterprise Linux CoreOS\"\nID=\"rhcos\"\nID_LIKE=\"rhel fedora\"\nVERSION=\"413.92.202310210500-0\"\nVERSION_ID=\"4.13\"\nPLATFORM_ID=\"platform:el9\"\nOPENSHIFT_VERSION=\"4.13\"\n", "rhcos", "4.13", ""},
		// Should VERSION_ID follow the newer RHCOS version scheme (9.6.…), OPENSHIFT_VERSION still names the minor.
		{"ID=\"rhcos\"\nVERSION_ID=\"9.6\"\nOPENSHIFT_VERSION=\"4.19\"\nRHEL_VERSION=\"9.6\"\n", "rhcos", "4.19", ""},
		{"ID=\"rhcos\"\nVERSION_ID=\"4.15\"\n", "rhcos", "4.15", ""},
		{"ID=\"rhcos\"\nOPENSHIFT_VERSION=\"4.15$(x)\"\n", "", "", "OPENSHIFT_VERSION=\"4.15$(x)\": want letters"},
		{"ID=arch\n", "", "", "ID=\"arch\" is not a distribution"},
		{"ID ubuntu\n", "", "", "os-release:1: want KEY=VALUE"},
	}
	for _, tt := range tests {
		d, v, err := ParseOSRelease(strings.NewReader(tt.text), "os-release")
		if d != tt.dist || v != tt.version || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%q: %q %q %v; want %q %q %q", tt.text, d, v, err, tt.dist, tt.version, tt.err)
		}
	}
}

// FuzzParseOSRelease: whatever the file, the answer is a distribution
// matrixgen builds for with an unquoted version, or an error.
func FuzzParseOSRelease(f *testing.F) {
	for _, s := range []string{
		"NAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=debian\n",
		"NAME=\"Amazon Linux\"\nVERSION=\"2023\"\nID=\"amzn\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"2023\"\n",
		"NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\n",
		"ID=centos\nVERSION_ID=\"10\"\n",
		"ID='ol'\nVERSION_ID='8.10'\n",
	} {
		f.Add(s)
	}
	dists := map[string]bool{}
	for _, d := range matrixgen.Distributions() {
		dists[d] = true
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, v, err := ParseOSRelease(strings.NewReader(text), "os-release")
		if err != nil {
			return
		}
		if !dists[d] {
			t.Fatalf("%q: distribution %q", text, d)
		}
		if strings.ContainsAny(v, "\"'\n") {
			t.Fatalf("%q: version %q keeps quotes or a newline", text, v)
		}
	})
}
