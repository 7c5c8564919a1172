package matrixgen

import "testing"

// TestFlatcarMake: the consistency rule on real Flatcar pairs (uname -r
// from nodes and release lists, the release from VERSION_ID or the list):
// the release must be <x.y.z>-flatcar and the version a Flatcar release,
// and a Flatcar release is another distribution's nowhere.
func TestFlatcarMake(t *testing.T) {
	tests := []struct {
		name    string
		spec    Spec
		want    string // distro version; "" = refused
		wantErr error
		mention []string
	}{
		// stable 4593.2.5 (releases-stable.json, 2026-08-13).
		{name: "stable amd64", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "6.12.102-flatcar", DistroVersion: "4593.2.5"}, want: "4593.2.5"},
		{name: "stable arm64 by its board's arch name", spec: Spec{Target: "flatcar", Arch: "arm64", Release: "6.12.81-flatcar", DistroVersion: "4593.2.0"}, want: "4593.2.0"},
		// Observed on a node: ID=flatcar VERSION_ID=2605.10.0, uname -r 5.4.83-flatcar.
		{name: "node os-release", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "5.4.83-flatcar", DistroVersion: "2605.10.0"}, want: "2605.10.0"},
		{name: "os-release ID alias", spec: Spec{Target: "flatcar-container-linux", Arch: X86_64, Release: "5.4.210-flatcar", DistroVersion: "2605.32.1"}, want: "2605.32.1"},
		// The release names no Flatcar release: one kernel ships in several.
		{name: "no version", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "6.12.102-flatcar"}, wantErr: ErrUnderivable, mention: []string{"names no Flatcar release", "4593.2.0"}},
		// Versions of other distributions under Flatcar.
		{name: "ubuntu version", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "6.12.102-flatcar", DistroVersion: "24.04"}, wantErr: ErrInvalid, mention: []string{`"24.04"`, "BUILD.BRANCH.PATCH"}},
		{name: "major only", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "6.12.102-flatcar", DistroVersion: "4593"}, wantErr: ErrInvalid, mention: []string{"BUILD.BRANCH.PATCH"}},
		{name: "stream9", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "6.12.102-flatcar", DistroVersion: "stream9"}, wantErr: ErrInvalid},
		{name: "build 0", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "6.12.102-flatcar", DistroVersion: "0.2.0"}, wantErr: ErrInvalid},
		// Releases of other distributions under Flatcar, with or without a version.
		{name: "fedora release", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "6.15.9-201.fc42.x86_64", DistroVersion: "4593.2.5"}, wantErr: ErrInvalid, mention: []string{"6.15.9-201.fc42.x86_64", "flatcar"}},
		{name: "ubuntu release", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "6.8.0-51-generic", DistroVersion: "4593.2.5"}, wantErr: ErrInvalid, mention: []string{"not a kernel release of flatcar", "6.12.102-flatcar"}},
		{name: "ubuntu release, no version", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "6.8.0-51-generic"}, wantErr: ErrInvalid, mention: []string{"not a kernel release of flatcar"}},
		// The 2022 kernel-crawler wrote the Flatcar release as kernelrelease.
		{name: "flatcar release as kernelrelease", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "3305.0.1", DistroVersion: "3305.0.1"}, wantErr: ErrInvalid, mention: []string{"uname -r"}},
		{name: "suffix after -flatcar", spec: Spec{Target: "flatcar", Arch: X86_64, Release: "6.12.102-flatcar-rc1", DistroVersion: "4593.2.5"}, wantErr: ErrInvalid},
		// A Flatcar release under another distribution.
		{name: "flatcar release under debian", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.12.102-flatcar"}, wantErr: ErrInvalid, mention: []string{"flatcar", "another distribution than debian"}},
		{name: "flatcar release under debian 13", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.12.102-flatcar", DistroVersion: "13"}, wantErr: ErrInvalid},
		{name: "flatcar release under ubuntu", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.12.102-flatcar", DistroVersion: "24.04"}, wantErr: ErrInvalid},
		{name: "flatcar release under fedora", spec: Spec{Target: "fedora", Arch: X86_64, Release: "6.12.102-flatcar", DistroVersion: "42"}, wantErr: ErrInvalid, mention: []string{"another distribution than fedora"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Make(tt.spec)
			if checkMakeErr(t, tt.spec, k, err, tt.wantErr, tt.mention) {
				return
			}
			if k.Distribution != Flatcar || k.DistroVersion != tt.want || k.Flavor != "" {
				t.Errorf("Make(%+v) = %+v, want flatcar %s", tt.spec, k, tt.want)
			}
			if r, ok := k.Rule(); ok {
				t.Errorf("Rule() = %q: a Flatcar version is never derived", r)
			}
		})
	}
}

// TestFleetOSRelease: request-build's os-release mapping for the two, from
// real /etc/os-release fields: Flatcar's VERSION_ID is its release, and a
// Fedora CoreOS node (ID=fedora, VARIANT_ID=coreos) is Fedora of its
// VERSION_ID, its kernels Fedora's.
func TestFleetOSRelease(t *testing.T) {
	tests := []struct{ id, versionID, dist, version string }{
		{"flatcar", "2605.10.0", Flatcar, "2605.10.0"},
		{"flatcar", "4593.2.5", Flatcar, "4593.2.5"},
		{"fedora", "42", Fedora, "42"},
	}
	for _, tt := range tests {
		d, v, ok := FromOSRelease(tt.id, tt.versionID)
		if !ok || d != tt.dist || v != tt.version {
			t.Errorf("FromOSRelease(%q, %q) = %q, %q, %v; want %q, %q", tt.id, tt.versionID, d, v, ok, tt.dist, tt.version)
		}
	}
	if DefaultImage(Flatcar, "4593.2.5") != "flatcar-developer:4593.2.5" {
		t.Errorf("flatcar image %s", DefaultImage(Flatcar, "4593.2.5"))
	}
	if _, ok := UnsupportedDistribution("flatcar"); ok {
		t.Error("flatcar is still unsupported")
	}
	if d, ok := CanonicalDistribution("Flatcar"); !ok || d != Flatcar {
		t.Errorf("the 2022 kernel-crawler's class name Flatcar is %q, %v", d, ok)
	}
}
