package service

import (
	"errors"
	"strings"
	"testing"
)

// /etc/os-release of the fleet OSes, the fields known from real files.
// Flatcar's were quoted from a node in a public issue (its uname -r was
// 5.4.83-flatcar); Fedora CoreOS's are Fedora's with the CoreOS variant
// (VARIANT_ID=coreos) and the build as OSTREE_VERSION, VERSION_ID the
// Fedora release.
const (
	flatcarOSRelease = `ID=flatcar
ID_LIKE=coreos
VERSION=2605.10.0
VERSION_ID=2605.10.0
BUILD_ID=2020-12-15-1904
FLATCAR_BOARD="amd64-usr"
`
	fcosOSRelease = `NAME="Fedora Linux"
ID=fedora
VERSION_ID=44
VARIANT="CoreOS"
VARIANT_ID=coreos
OSTREE_VERSION='44.20260707.3.1'
`
)

// TestFleetRequestBuild: request-build maps a Flatcar node (ID=flatcar, its
// release as VERSION_ID) and a Fedora CoreOS node (ID=fedora, VARIANT_ID=
// coreos: Fedora of its VERSION_ID) to a build the service accepts, with
// the node's uname -r; a Flatcar request without its release is refused
// naming distro_version, and one under the wrong version or another
// distribution's release names the field.
func TestFleetRequestBuild(t *testing.T) {
	s := &Service{cfg: Config{}.withDefaults()}
	tests := []struct {
		name, osRelease, release, arch string
		dist, version                  string
	}{
		{"flatcar", flatcarOSRelease, "5.4.83-flatcar", "x86_64", "flatcar", "2605.10.0"},
		{"fedora coreos", fcosOSRelease, "7.1.3-200.fc44.x86_64", "x86_64", "fedora", "44"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, v, err := ParseOSRelease(strings.NewReader(tt.osRelease), "/etc/os-release")
			if err != nil || d != tt.dist || v != tt.version {
				t.Fatalf("ParseOSRelease = %q, %q, %v; want %q, %q", d, v, err, tt.dist, tt.version)
			}
			k, err := s.Kernel(Request{KernelVersion: tt.release, Architecture: tt.arch, Distribution: d, DistroVersion: v, DriverVersion: "2.4.1"})
			if err != nil {
				t.Fatalf("Kernel: %v", err)
			}
			if k.Distribution != tt.dist || k.DistroVersion != tt.version || k.Release != tt.release {
				t.Errorf("kernel %+v", k)
			}
			name, key, err := s.artifactName(k, "2.4.1")
			if err != nil || !strings.Contains(name, tt.version) || !strings.Contains(key, tt.release) {
				t.Errorf("artifact %q key %q: %v", name, key, err)
			}
		})
	}
	for _, tt := range []struct {
		name string
		req  Request
		want string // the field refused
	}{
		{"flatcar without its release", Request{KernelVersion: "6.12.102-flatcar", Architecture: "x86_64", Distribution: "flatcar", DriverVersion: "2.4.1"}, "distro_version"},
		{"flatcar under an ubuntu version", Request{KernelVersion: "6.12.102-flatcar", Architecture: "x86_64", Distribution: "flatcar", DistroVersion: "24.04", DriverVersion: "2.4.1"}, "distro_version"},
		{"ubuntu release under flatcar", Request{KernelVersion: "6.8.0-51-generic", Architecture: "x86_64", Distribution: "flatcar", DistroVersion: "4593.2.5", DriverVersion: "2.4.1"}, "kernel_version"},
		{"fedora coreos kernel under the wrong fedora", Request{KernelVersion: "7.1.3-200.fc44.x86_64", Architecture: "x86_64", Distribution: "fedora", DistroVersion: "43", DriverVersion: "2.4.1"}, "distro_version"},
	} {
		_, err := s.Kernel(tt.req)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.want {
			t.Errorf("%s: %v; want a FieldError on %s", tt.name, err, tt.want)
		}
	}
}
