package service_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen/service"
	"github.com/matrixgen/matrixgen/service/servicetest"
)

// TestFleetRequests: the service accepts a build for each cloud-fleet distribution (issue 15)
// as request-build sends it (the os-release mapping's distribution and version, uname -r),
// keys Photon's and SUSE's flavors of one build as distinct kernels with distinct
// artifacts, and refuses a version the release contradicts, naming distro_version.
func TestFleetRequests(t *testing.T) {
	in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), servicetest.New(), nil)
	osRelease := func(id, versionID string) (string, string) {
		d, v, err := service.ParseOSRelease(strings.NewReader("ID="+id+"\nVERSION_ID=\""+versionID+"\"\n"), "os-release")
		if err != nil {
			t.Fatal(err)
		}
		return d, v
	}
	tests := []struct {
		id, versionID, release, arch string
		want                         string // the key's distro version
	}{
		{"azurelinux", "3.0", "6.6.145.2-1.azl3", "x86_64", "3.0"},
		{"mariner", "2.0", "5.15.158.2-1.cm2", "aarch64", "2.0"},
		{"photon", "4.0", "5.10.83-6.ph4-esx", "x86_64", "4.0"},
		{"photon", "4.0", "5.10.83-6.ph4", "x86_64", "4.0"},
		{"sles", "15.6", "6.4.0-150600.23.17-default", "x86_64", "15.6"},
		{"sles", "15.6", "6.4.0-150600.23.17-azure", "x86_64", "15.6"},
		{"opensuse-leap", "15.5", "5.14.21-150500.55.83-default", "aarch64", "15.5"},
		{"sle-micro", "5.5", "5.14.21-150500.55.83-default", "x86_64", "15.5"}, // SLE Micro 5.5: the release decides
		{"alinux", "3", "5.10.134-15.1.al8.x86_64", "x86_64", "3"},
	}
	keys, artifacts := map[string]bool{}, map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.id+"/"+tt.release, func(t *testing.T) {
			d, v := osRelease(tt.id, tt.versionID)
			code, st, raw := post(t, in.srv.URL, service.Request{KernelVersion: tt.release, Architecture: tt.arch, Distribution: d, DistroVersion: v, DriverVersion: "1.0.0"})
			if code >= 300 {
				t.Fatalf("%d %s", code, raw)
			}
			if parts := strings.Split(st.Key, ":"); len(parts) != 5 || parts[3] != tt.want {
				t.Errorf("key %q, want distro version %s", st.Key, tt.want)
			}
			if keys[st.Key] || artifacts[st.Artifact] {
				t.Errorf("key %s or artifact %s already used by another kernel", st.Key, st.Artifact)
			}
			keys[st.Key], artifacts[st.Artifact] = true, true
		})
	}
	for _, tt := range []struct{ dist, version, release string }{
		{"sles", "15.5", "6.4.0-150600.23.17-default"},
		{"photon", "5.0", "5.10.83-6.ph4-esx"},
		{"azurelinux", "2.0", "6.6.145.2-1.azl3"},
	} {
		code, _, raw := post(t, in.srv.URL, service.Request{KernelVersion: tt.release, Architecture: "x86_64", Distribution: tt.dist, DistroVersion: tt.version, DriverVersion: "1.0.0"})
		if code != 400 || !strings.Contains(raw, `"field":"distro_version"`) || !strings.Contains(raw, tt.release) {
			t.Errorf("%s %s under %s: %d %s; want 400 naming distro_version and the release", tt.dist, tt.release, tt.version, code, raw)
		}
	}
}

// TestParseOSReleaseFleet: request-build's os-release mapping for the cloud-fleet
// distributions; the Azure Linux 3 and Alibaba Cloud Linux 3 files are real
// (shared/data/fleet-os), the others their documented IDs.
func TestParseOSReleaseFleet(t *testing.T) {
	tests := []struct{ text, dist, version string }{
		{"NAME=\"Microsoft Azure Linux\"\nVERSION=\"3.0.20260706\"\nID=azurelinux\nVERSION_ID=\"3.0\"\nPRETTY_NAME=\"Microsoft Azure Linux 3.0\"\n", "azurelinux", "3.0"},
		{"NAME=\"Common Base Linux Mariner\"\nID=mariner\nVERSION_ID=\"2.0\"\n", "azurelinux", "2.0"},
		{"NAME=\"VMware Photon OS\"\nID=photon\nVERSION_ID=5.0\n", "photon", "5.0"},
		{"NAME=\"openSUSE Leap\"\nID=\"opensuse-leap\"\nVERSION_ID=\"15.6\"\n", "opensuse", "15.6"},
		{"NAME=\"SLES\"\nVERSION=\"15-SP5\"\nID=\"sles\"\nVERSION_ID=\"15.5\"\n", "opensuse", "15.5"},
		{"NAME=\"SLE Micro\"\nID=\"sle-micro\"\nVERSION_ID=\"5.5\"\n", "opensuse", ""},
		{"NAME=\"Alibaba Cloud Linux\"\nVERSION=\"3 (Soaring Falcon)\"\nID=\"alinux\"\nID_LIKE=\"rhel fedora centos anolis\"\nVERSION_ID=\"3\"\nPLATFORM_ID=\"platform:al8\"\nPRETTY_NAME=\"Alibaba Cloud Linux 3 (Soaring Falcon)\"\n", "alinux", "3"},
		{"NAME=\"Alibaba Cloud Linux\"\nVERSION=\"3 (OpenAnolis Edition)\"\nID=\"alinux\"\nID_LIKE=\"rhel fedora centos anolis\"\nVERSION_ID=\"3\"\nVARIANT=\"OpenAnolis Edition\"\nVARIANT_ID=\"openanolis\"\nALINUX_MINOR_ID=\"2104\"\nALINUX_UPDATE_ID=\"11\"\nPLATFORM_ID=\"platform:al8\"\n", "alinux", "3"},
	}
	for _, tt := range tests {
		d, v, err := service.ParseOSRelease(strings.NewReader(tt.text), "os-release")
		if err != nil || d != tt.dist || v != tt.version {
			t.Errorf("%q: %q %q %v; want %q %q", tt.text, d, v, err, tt.dist, tt.version)
		}
	}
	for _, id := range []string{"bottlerocket", "cos"} {
		if _, _, err := service.ParseOSRelease(strings.NewReader("ID="+id+"\nVERSION_ID=1\n"), "os-release"); err == nil || !strings.Contains(err.Error(), "not a distribution matrixgen builds for") {
			t.Errorf("ID=%s: %v; want refused", id, err)
		}
	}
}
