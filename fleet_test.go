package matrixgen

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestDeriveFleet: the cloud fleets' rpm-md distributions (issue 15) derive their versions
// from real uname -r strings (shared/data/fleet-os) and refuse what is no release of theirs.
func TestDeriveFleet(t *testing.T) {
	tests := []struct {
		target, release  string
		want, rule, flav string // want "" means refused
		wantErr          error
		mention          string
		wantDistribution string
	}{
		// Azure Linux: real smoke-test strings (kernel, kernel-hwe); CBL-Mariner by its .cmN.
		{target: "azurelinux", release: "6.6.145.2-1.azl3", want: "3.0", rule: "azurelinux .azlN"},
		{target: "azurelinux", release: "6.18.38.1-1.azl3", want: "3.0"},
		{target: "mariner", release: "5.15.158.2-1.cm2", want: "2.0", rule: "CBL-Mariner", wantDistribution: "azurelinux"},
		{target: "cbl-mariner", release: "5.15.158.2-1.cm2", want: "2.0"},
		{target: "azurelinux", release: "5.15.158.2-1.cm1", wantErr: ErrUnderivable, mention: "2.0 or 3.0"},
		{target: "azurelinux", release: "6.6.145-1.azl3", wantErr: ErrUnderivable, mention: "four-part"}, // three-part: not Azure Linux's
		{target: "azurelinux2", release: "6.6.145.2-1.azl3", wantErr: ErrInvalid, mention: "azurelinux 3.0"},
		{target: "azurelinux", release: "5.14.0-427.13.1.el9_4.x86_64", wantErr: ErrInvalid, mention: "another distribution"},
		// Photon: real uname -r strings, flavors are part of the release.
		{target: "photon", release: "5.10.83-6.ph4-esx", want: "4.0", rule: "photon .phN", flav: "esx"},
		{target: "photon", release: "6.1.10-11.ph5", want: "5.0"},
		{target: "photonOS", release: "6.1.102-1.ph5-rt", want: "5.0", flav: "rt"},
		{target: "photon5", release: "6.1.102-1.ph5-aws", want: "5.0", flav: "aws"},
		{target: "photon", release: "4.19.232-1.ph3-esx", wantErr: ErrUnderivable, mention: "4.0 or 5.0"}, // Photon 3.0
		{target: "photon", release: "5.10.25-10.ph4.x86_64", wantErr: ErrUnderivable, mention: "uname -r is version-release[-flavor], without the arch"},
		{target: "photon", release: "5.10.83-6.ph4-foo", wantErr: ErrUnderivable},
		{target: "photon", release: "6.6.145.2-1.azl3", wantErr: ErrInvalid, mention: "azl3"},
		// openSUSE Leap / SLES: the code stream names the service pack.
		{target: "sles", release: "6.4.0-150600.23.17-default", want: "15.6", rule: "code stream", flav: "default", wantDistribution: "opensuse"},
		{target: "opensuse-leap", release: "6.4.0-150600.23.25-default", want: "15.6", flav: "default"},
		{target: "sle-micro", release: "5.14.21-150500.55.83-default", want: "15.5", flav: "default"},
		{target: "opensuse", release: "6.4.0-150600.23.17-64kb", want: "15.6", flav: "64kb"},
		{target: "opensuse", release: "5.14.21-150400.24.100-default", wantErr: ErrUnderivable, mention: "15.5 or 15.6"}, // SP4
		{target: "opensuse", release: "5.15.5-1-default", wantErr: ErrUnderivable, mention: "Tumbleweed"},                // Tumbleweed, real
		{target: "opensuse-tumbleweed", release: "5.15.5-1-default", wantErr: ErrUnderivable, mention: "rolling"},
		{target: "rocky", release: "6.4.0-150600.23.17-default", wantErr: ErrInvalid, mention: "another distribution"},
		// Alibaba Cloud Linux: real uname -r, Red Hat style with the arch.
		{target: "alinux", release: "5.10.134-15.1.al8.x86_64", want: "3", rule: "alinux .alN"},
		{target: "alinux3", release: "5.10.134-16.1.al8.aarch64", want: "3"},
		{target: "alinux", release: "4.19.91-26.al7.x86_64", wantErr: ErrUnderivable, mention: "version is 3"}, // Alibaba Cloud Linux 2
		{target: "alinux", release: "5.10.134-16.1.an8.x86_64", wantErr: ErrUnderivable, mention: ".alN"},
		{target: "fedora", release: "5.10.134-15.1.al8.x86_64", wantErr: ErrInvalid, mention: "al8"},
	}
	for _, tt := range tests {
		t.Run(tt.target+"/"+tt.release, func(t *testing.T) {
			d, err := Derive(Input{Target: tt.target, Release: tt.release})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.mention) {
					t.Fatalf("= %+v, %v; want %v mentioning %q", d, err, tt.wantErr, tt.mention)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.DistroVersion != tt.want || !strings.Contains(d.Rule, tt.rule) || d.Flavor != tt.flav {
				t.Errorf("= %+v; want version %s by %q, flavor %q", d, tt.want, tt.rule, tt.flav)
			}
			if tt.wantDistribution != "" && d.Distribution != tt.wantDistribution {
				t.Errorf("distribution %s, want %s", d.Distribution, tt.wantDistribution)
			}
		})
	}
}

// TestMakeFleet: the consistency rule for the fleet distributions. A real SLES, Photon and
// Azure Linux string given the wrong version is refused naming both; an arch the release
// names (alinux's .x86_64, SUSE's -64kb) must agree.
func TestMakeFleet(t *testing.T) {
	tests := []struct {
		name    string
		spec    Spec
		want    string
		mention []string // the refusal names each
	}{
		{name: "sles 15 SP6 under 15.5", spec: Spec{Target: "sles", Arch: X86_64, Release: "6.4.0-150600.23.17-default", DistroVersion: "15.5"},
			mention: []string{`"15.5"`, "6.4.0-150600.23.17-default", "opensuse 15.6"}},
		{name: "photon 4.0 esx under 5.0", spec: Spec{Target: "photon", Arch: X86_64, Release: "5.10.83-6.ph4-esx", DistroVersion: "5.0"},
			mention: []string{`"5.0"`, "5.10.83-6.ph4-esx", "photon 4.0"}},
		{name: "azure linux 3.0 under 2.0", spec: Spec{Target: "azurelinux", Arch: X86_64, Release: "6.6.145.2-1.azl3", DistroVersion: "2.0"},
			mention: []string{`"2.0"`, "6.6.145.2-1.azl3", "azurelinux 3.0"}},
		{name: "alinux 3 under 2", spec: Spec{Target: "alinux", Arch: X86_64, Release: "5.10.134-15.1.al8.x86_64", DistroVersion: "2"},
			mention: []string{`"2"`, "version is 3"}},
		{name: "alinux x86_64 under aarch64", spec: Spec{Target: "alinux", Arch: AArch64, Release: "5.10.134-16.1.al8.x86_64"},
			mention: []string{"aarch64", `".x86_64"`}},
		{name: "suse 64kb under x86_64", spec: Spec{Target: "opensuse", Arch: X86_64, Release: "6.4.0-150600.23.17-64kb"},
			mention: []string{"x86_64", `"-64kb"`}},
		{name: "suse 64kb under aarch64+64k", spec: Spec{Target: "opensuse", Arch: AArch64_64k, Release: "6.4.0-150600.23.17-64kb"},
			mention: []string{"+64k"}},
		{name: "photon release without its marker, version given", spec: Spec{Target: "photon", Arch: X86_64, Release: "6.8.0-51-generic", DistroVersion: "5.0"},
			mention: []string{"not a kernel release of photon"}},
		{name: "sles 64kb under aarch64", spec: Spec{Target: "sles", Arch: AArch64, Release: "6.4.0-150600.23.17-64kb"}, want: "15.6"},
		{name: "azure linux derived, either arch", spec: Spec{Target: "azurelinux", Arch: AArch64, Release: "6.6.145.2-1.azl3"}, want: "3.0"},
		{name: "cbl-mariner given its version", spec: Spec{Target: "mariner", Arch: X86_64, Release: "5.15.158.2-1.cm2", DistroVersion: "2.0"}, want: "2.0"},
		{name: "photon esx given its version", spec: Spec{Target: "photon", Arch: AArch64, Release: "6.1.10-11.ph5-esx", DistroVersion: "5.0"}, want: "5.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Make(tt.spec)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnderivable) {
					t.Fatalf("= %+v, %v; want refused", k, err)
				}
				for _, m := range tt.mention {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("%v does not name %q", err, m)
					}
				}
				return
			}
			if err != nil || k.DistroVersion != tt.want {
				t.Fatalf("= %+v, %v; want version %s", k, err, tt.want)
			}
		})
	}
}

// TestFleetFlavorsAreKernels: Photon's and SUSE's flavors of one build are distinct
// kernels (keys), each with its flavor.
func TestFleetFlavorsAreKernels(t *testing.T) {
	for _, group := range [][]Spec{
		{{Target: "photon", Arch: X86_64, Release: "6.1.102-1.ph5"}, {Target: "photon", Arch: X86_64, Release: "6.1.102-1.ph5-esx"},
			{Target: "photon", Arch: X86_64, Release: "6.1.102-1.ph5-rt"}, {Target: "photon", Arch: X86_64, Release: "6.1.102-1.ph5-aws"},
			{Target: "photon", Arch: X86_64, Release: "6.1.102-1.ph5-secure"}},
		{{Target: "sles", Arch: X86_64, Release: "6.4.0-150600.23.25-default"}, {Target: "sles", Arch: X86_64, Release: "6.4.0-150600.23.25-azure"},
			{Target: "sles", Arch: X86_64, Release: "6.4.0-150600.23.25-rt"}},
	} {
		keys := map[Key]bool{}
		flavors := map[string]bool{}
		for _, s := range group {
			k, err := Make(s)
			if err != nil {
				t.Fatal(err)
			}
			keys[k.Key()], flavors[k.Flavor] = true, true
		}
		if len(keys) != len(group) || len(flavors) != len(group) {
			t.Errorf("%v: %d keys, %d flavors, want %d each", group, len(keys), len(flavors), len(group))
		}
	}
}

// TestFleetTable: default images per version, os-release mapping and targets.
func TestFleetTable(t *testing.T) {
	images := map[[2]string]string{
		{"azurelinux", "3.0"}: "mcr.microsoft.com/azurelinux/base/core:3.0",
		{"azurelinux", "2.0"}: "mcr.microsoft.com/cbl-mariner/base/core:2.0",
		{"photon", "5.0"}:     "photon:5.0",
		{"photon", "4.0"}:     "photon:4.0",
		{"opensuse", "15.6"}:  "opensuse/leap:15.6",
		{"opensuse", "15.5"}:  "opensuse/leap:15.5",
		{"alinux", "3"}:       "alibaba-cloud-linux-3-registry.cn-hangzhou.cr.aliyuncs.com/alinux3/alinux3:latest",
		{"ubuntu", "24.04"}:   "ubuntu:24.04",
	}
	for dv, want := range images {
		if got := DefaultImage(dv[0], dv[1]); got != want {
			t.Errorf("DefaultImage(%s, %s) = %q, want %q", dv[0], dv[1], got, want)
		}
	}
	osr := []struct{ id, versionID, dist, version string }{
		{"azurelinux", "3.0", "azurelinux", "3.0"},
		{"mariner", "2.0", "azurelinux", "2.0"},
		{"photon", "5.0", "photon", "5.0"},
		{"opensuse-leap", "15.6", "opensuse", "15.6"},
		{"sles", "15.5", "opensuse", "15.5"},
		{"sle-micro", "5.5", "opensuse", ""}, // SLE Micro's own number: the release decides
		{"alinux", "3", "alinux", "3"},
	}
	for _, o := range osr {
		d, v, ok := FromOSRelease(o.id, o.versionID)
		if !ok || d != o.dist || v != o.version {
			t.Errorf("FromOSRelease(%s, %s) = %s, %s, %v; want %s, %s", o.id, o.versionID, d, v, ok, o.dist, o.version)
		}
	}
	for _, id := range []string{"azurelinux", "mariner", "photon", "opensuse-leap", "sles", "sle-micro", "alinux"} {
		if !slices.Contains(OSReleaseIDs(), id) {
			t.Errorf("OSReleaseIDs() lacks %s", id)
		}
	}
	if !slices.IsSorted(Distributions()) {
		t.Errorf("Distributions() = %v, not sorted", Distributions())
	}
}

// TestFleetStillRefused: Bottlerocket and Google COS stay refused, each with the reason
// (their build paths, the variant's kmod kit and COS's kernel-headers tarball, are later).
func TestFleetStillRefused(t *testing.T) {
	for _, tt := range []struct{ target, release, reason string }{
		{"bottlerocket", "6.1.102", "kmod-kit"},
		{"cos", "6.1.100+", "kernel-headers tarball"},
		{"container-optimized-os", "6.1.100+", "kernel-headers tarball"},
	} {
		_, err := Derive(Input{Target: tt.target, Release: tt.release})
		if !errors.Is(err, ErrUnderivable) || !strings.Contains(err.Error(), "does not build for") || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("Derive(%s) = %v; want refused naming %q", tt.target, err, tt.reason)
		}
		_, err = Make(Spec{Target: tt.target, Arch: X86_64, Release: tt.release, DistroVersion: "1"})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("Make(%s) = %v; want refused naming %q", tt.target, err, tt.reason)
		}
	}
}

// FuzzDeriveFleet: whatever release a fleet target is given, Derive does not panic; a
// version it derives is one the table lists, Make accepts the release under it (on an arch
// the release allows), and refuses it under every other listed version.
func FuzzDeriveFleet(f *testing.F) {
	for _, s := range []string{"6.6.145.2-1.azl3", "5.15.158.2-1.cm2", "5.10.83-6.ph4-esx", "6.1.10-11.ph5",
		"5.10.25-10.ph4.x86_64", "6.4.0-150600.23.17-default", "6.4.0-150600.23.17-64kb", "5.15.5-1-default",
		"5.10.134-15.1.al8.x86_64", "4.19.91-26.al7.x86_64", "6.6.145.2-1.azl3-esx", "1.1.1-1.ph4-"} {
		f.Add(s)
	}
	targets := []string{"azurelinux", "photon", "opensuse", "alinux"}
	f.Fuzz(func(t *testing.T, release string) {
		for _, target := range targets {
			d, err := Derive(Input{Target: target, Release: release})
			if err != nil {
				continue
			}
			dist := byName[target]
			if !slices.Contains(dist.Versions, d.DistroVersion) {
				t.Fatalf("%s %q: derived %q, not a listed version", target, release, d.DistroVersion)
			}
			arch := X86_64
			if a, _, ok := ReleaseArch(target, release); ok {
				arch = a
			}
			if _, err := Make(Spec{Target: target, Arch: arch, Release: release, DistroVersion: d.DistroVersion}); err != nil {
				t.Fatalf("%s %q: derived %s, but Make refuses it: %v", target, release, d.DistroVersion, err)
			}
			for _, v := range dist.Versions {
				if _, err := Make(Spec{Target: target, Arch: arch, Release: release, DistroVersion: v}); v != d.DistroVersion && err == nil {
					t.Fatalf("%s %q: derived %s, and Make accepts %s too", target, release, d.DistroVersion, v)
				}
			}
		}
	})
}
