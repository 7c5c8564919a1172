package matrixgen

import (
	"errors"
	"strings"
	"testing"
)

// TestMake covers the one consistency rule every entry point goes through:
// each refusal here was accepted by an entry point before the rule moved
// into the domain (issue 6).
func TestMake(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want string // distro version; "" means refused
		// wantErr is the kind of refusal; mention is a word the error must hold.
		wantErr error
		mention []string
	}{
		{name: "fedora derived", spec: Spec{Target: "fedora", Arch: X86_64, Release: "6.14.0-100.fc42.x86_64"}, want: "42"},
		{name: "fedora filed under 41", spec: Spec{Target: "fedora", Arch: X86_64, Release: "6.14.0-100.fc42.x86_64", DistroVersion: "41"},
			wantErr: ErrInvalid, mention: []string{`"41"`, "fedora 42", ".fcNN"}},
		// Without a version as with one: no --distro-version can make another
		// distribution's release an Amazon one, so both are invalid.
		{name: "amazon without marker", spec: Spec{Target: "amazonlinux", Arch: X86_64, Release: "6.8.0-79-generic"}, wantErr: ErrInvalid, mention: []string{"not a kernel release of amazonlinux", ".amznN"}},
		{name: "amazon without marker, version given", spec: Spec{Target: "amazonlinux", Arch: X86_64, Release: "6.8.0-79-generic", DistroVersion: "2"}, wantErr: ErrInvalid, mention: []string{"not a kernel release of amazonlinux"}},
		{name: "centos without marker", spec: Spec{Target: "centos", Arch: X86_64, Release: "6.8.0-79-generic"}, wantErr: ErrInvalid, mention: []string{".elN"}},
		{name: "fedora without marker", spec: Spec{Target: "fedora", Arch: X86_64, Release: "6.14.0-100.x86_64", DistroVersion: "42"}, wantErr: ErrInvalid, mention: []string{"not a kernel release of fedora"}},
		{name: "el9 aarch64 under x86_64", spec: Spec{Target: "rocky", Arch: X86_64, Release: "5.14.0-503.11.1.el9_5.aarch64"},
			wantErr: ErrInvalid, mention: []string{"arch", "aarch64", `".aarch64"`}},
		{name: "debian arm64 under amd64", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.1.0-28-arm64"},
			wantErr: ErrInvalid, mention: []string{"aarch64", `"-arm64"`}},
		{name: "fedora x86_64 under arm64", spec: Spec{Target: "fedora", Arch: AArch64, Release: "6.14.0-100.fc42.x86_64"}, wantErr: ErrInvalid},
		{name: "64k release under aarch64", spec: Spec{Target: "rhel", Arch: AArch64, Release: "5.14.0-427.13.1.el9_4.aarch64+64k"}, wantErr: ErrInvalid, mention: []string{"+64k"}},
		{name: "64k", spec: Spec{Target: "rhel", Arch: AArch64_64k, Release: "5.14.0-427.13.1.el9_4.aarch64+64k"}, want: "9"},
		{name: "aarch64+64k without +64k", spec: Spec{Target: "centos", Arch: AArch64_64k, Release: "5.14.0-570.el9.aarch64"}, wantErr: ErrInvalid, mention: []string{"end in +64k"}},
		{name: "ubuntu 64k flavor under x86_64", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.8.0-41-generic-64k", DistroVersion: "24.04"}, wantErr: ErrInvalid},
		{name: "ubuntu 64k flavor under aarch64", spec: Spec{Target: "ubuntu", Arch: AArch64, Release: "6.8.0-41-generic-64k", DistroVersion: "24.04"}, want: "24.04"},
		{name: "ubuntu 64k flavor under aarch64+64k", spec: Spec{Target: "ubuntu", Arch: AArch64_64k, Release: "6.8.0-41-generic-64k", DistroVersion: "24.04"}, wantErr: ErrInvalid},
		{name: "debian i386 flavor", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.1.0-28-686-pae"}, wantErr: ErrInvalid, mention: []string{"-686-pae"}},
		{name: "ubuntu 6.8 in 20.04", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.8.0-49-generic", DistroVersion: "20.04"},
			wantErr: ErrInvalid, mention: []string{"20.04", "6.8", "22.04 and 24.04"}},
		{name: "ubuntu upload names another version", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.8.0-49-generic", KernelVersion: "51~22.04.1", DistroVersion: "24.04"}, wantErr: ErrInvalid},
		{name: "ubuntu 99.99", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.8.0-49-generic", DistroVersion: "99.99"}, wantErr: ErrInvalid, mention: []string{"not an Ubuntu release"}},
		{name: "ubuntu 5.15 in 24.04", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "5.15.0-125-generic", DistroVersion: "24.04"}, wantErr: ErrInvalid},
		{name: "ubuntu HWE 6.8 in 22.04", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.8.0-49-generic", DistroVersion: "22.04"}, want: "22.04"},
		{name: "ubuntu GA 6.8 in 24.04", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.8.0-49-generic", DistroVersion: "24.04"}, want: "24.04"},
		// Real: noble-security's linux-headers-6.17.0-42-generic has version 6.17.0-42.42.
		{name: "ubuntu HWE with a plain upload", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.17.0-42-generic", KernelVersion: "42", DistroVersion: "24.04"}, want: "24.04"},
		{name: "ubuntu plain upload of a series not shipped", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.17.0-42-generic", KernelVersion: "42", DistroVersion: "22.04"}, wantErr: ErrInvalid},
		{name: "ubuntu uname -v", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.8.0-57-generic", KernelVersion: "#41~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC Fri Mar 28"}, want: "22.04"},
		{name: "ubuntu OEM series in its release", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.1.0-1025-oem", DistroVersion: "22.04"}, want: "22.04"},
		{name: "ubuntu OEM series elsewhere", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.1.0-1025-oem", DistroVersion: "24.04"}, wantErr: ErrInvalid},
		{name: "ubuntu suite", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.8.0-51-generic", Suite: "jammy-updates"}, want: "22.04"},
		{name: "debian bpo derived", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.12.12+bpo-amd64"}, want: "12"},
		{name: "debian bpo by hand", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.12.12+bpo-amd64", DistroVersion: "12"}, want: "12"},
		{name: "debian bpo filed under 13", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.12.12+bpo-amd64", DistroVersion: "13"}, wantErr: ErrInvalid},
		{name: "debian old bpo by hand", spec: Spec{Target: "debian", Arch: X86_64, Release: "4.9.0-0.bpo.12-amd64", DistroVersion: "8"}, want: "8"},
		{name: "debian unknown version", spec: Spec{Target: "debian", Arch: X86_64, Release: "4.9.0-0.bpo.12-amd64", DistroVersion: "42"}, wantErr: ErrInvalid},
		{name: "amazon without marker", spec: Spec{Target: "amazonlinux2", Arch: X86_64, Release: "6.8.0-79-generic", DistroVersion: "2"}, wantErr: ErrInvalid, mention: []string{"amzn"}},
		// The series rule applies when a version is given (issue 14): Debian
		// 12 never shipped 6.8 (an Ubuntu kernel) nor a custom 6.18.
		{name: "debian 12 given an Ubuntu release", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.8.0-51-generic", DistroVersion: "12"}, wantErr: ErrInvalid, mention: []string{"6.8.0-51-generic", "Debian 12"}},
		{name: "debian 12 given a custom kernel", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.18.44-fc-v1300", DistroVersion: "12"}, wantErr: ErrInvalid, mention: []string{"6.18.44-fc-v1300", "no Debian release ships it"}},
		{name: "debian 12 given trixie's series", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.12.12+bpo-amd64", DistroVersion: "12"}, want: "12"},
		{name: "debian 13 given bookworm's plain ABI", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.1.0-28-amd64", DistroVersion: "13"}, wantErr: ErrInvalid, mention: []string{"6.1.0-28-amd64"}},
		{name: "debian 9 given an old buster backport ABI", spec: Spec{Target: "debian", Arch: X86_64, Release: "4.19.0-0.bpo.9-amd64", DistroVersion: "9"}, want: "9"},
		{name: "debian 12 given a 6.8 backport marker", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.5.0-0.deb12.4-amd64", DistroVersion: "12"}, want: "12"},
		{name: "amazon target contradicting the marker", spec: Spec{Target: "amazonlinux2", Arch: X86_64, Release: "6.1.174-217.345.amzn2023.x86_64"}, wantErr: ErrInvalid, mention: []string{"amazonlinux2", "2023"}},
		{name: "oracle target contradicting the marker", spec: Spec{Target: "oracle8", Arch: X86_64, Release: "5.14.0-503.14.1.el9_5.x86_64"}, wantErr: ErrInvalid, mention: []string{"oracle8", "el9", "9"}},
		{name: "oracle target agreeing with the marker", spec: Spec{Target: "ol8", Arch: X86_64, Release: "4.18.0-553.el8_10.x86_64"}, want: "8"},
		{name: "target version contradicting the given version", spec: Spec{Target: "amazonlinux2", Arch: X86_64, Release: "6.1.174-217.345.amzn2023.x86_64", DistroVersion: "2023"}, wantErr: ErrInvalid, mention: []string{"amazonlinux2", "2023"}},
		{name: "centos 9 is stream9", spec: Spec{Target: "centos", Arch: X86_64, Release: "5.14.0-570.el9.x86_64", DistroVersion: "9"}, wantErr: ErrInvalid, mention: []string{"stream9"}},
		{name: "unsupported", spec: Spec{Target: "bottlerocket", Arch: X86_64, Release: "6.1.102", DistroVersion: "1.20"}, wantErr: ErrInvalid, mention: []string{"kernel kit"}},
		{name: "suite of another distribution", spec: Spec{Target: "debian", Arch: X86_64, Release: "6.1.0-28-amd64", Suite: "jammy"}, wantErr: ErrInvalid, mention: []string{"jammy"}},
		{name: "bad arch", spec: Spec{Target: "debian", Arch: "sparc", Release: "6.1.0-28-amd64"}, wantErr: ErrInvalid},
		// Found by FuzzDecode: each did not survive a list.json round trip.
		{name: "ubuntu release without a flavor", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "5.0", KernelVersion: "0"}, wantErr: ErrInvalid, mention: []string{"ends in its flavor"}},
		{name: "flavor with capitals", spec: Spec{Target: "ubuntu", Arch: X86_64, Release: "6.11.0-1022-GCP", DistroVersion: "24.04"}, wantErr: ErrInvalid, mention: []string{"lowercase"}},
		{name: "amazon marker naming no release", spec: Spec{Target: "amazonlinux", Arch: X86_64, Release: "0.amzn00"}, wantErr: ErrUnderivable, mention: []string{"1, 2, 2022 or 2023"}},
		{name: "fedora 0", spec: Spec{Target: "fedora", Arch: X86_64, Release: "6.1.0-1.fc0.x86_64"}, wantErr: ErrUnderivable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Make(tt.spec)
			if checkMakeErr(t, tt.spec, k, err, tt.wantErr, tt.mention) {
				return
			}
			if k.DistroVersion != tt.want {
				t.Errorf("Make(%+v).DistroVersion = %q, want %q", tt.spec, k.DistroVersion, tt.want)
			}
		})
	}
}

// checkMakeErr checks what Make(spec) returned against a table case: with
// wantErr, that err is one (errors.Is) and mentions every text of mention;
// without, that there is no error. It says whether the case is done (an
// error was wanted), so the caller checks the kernel only when not.
func checkMakeErr(t *testing.T, spec Spec, k Kernel, err, wantErr error, mention []string) bool {
	t.Helper()
	if wantErr == nil {
		if err != nil {
			t.Fatalf("Make(%+v): %v", spec, err)
		}
		return false
	}
	if !errors.Is(err, wantErr) {
		t.Fatalf("Make(%+v) = %+v, %v; want %v", spec, k, err, wantErr)
	}
	for _, m := range mention {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
	return true
}

func TestUbuntuShips(t *testing.T) {
	tests := []struct {
		version, series string
		want            bool
	}{
		{"22.04", "5.15", true}, {"22.04", "6.8", true}, {"22.04", "6.5", true}, {"22.04", "6.11", false},
		{"20.04", "6.8", false}, {"20.04", "5.15", true}, {"24.04", "5.15", false}, {"24.04", "7.0", true},
		{"24.04", "6.17", true}, {"25.04", "6.17", false}, {"25.04", "6.14", true}, {"26.04", "7.0", true},
		{"99.99", "6.8", false}, {"20.04", "5.14", true}, {"22.04", "5.14", false},
	}
	for _, tt := range tests {
		if got := UbuntuShips(tt.version, tt.series); got != tt.want {
			t.Errorf("UbuntuShips(%s, %s) = %v, want %v", tt.version, tt.series, got, tt.want)
		}
	}
}

func TestUbuntuUpload(t *testing.T) {
	tests := []struct{ in, want string }{
		{"41~22.04.1", "41~22.04.1"},
		{"#41~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC Fri Mar 28 13:05:23 UTC 2", "41~22.04.1"},
		{"41~22.04.1-Ubuntu", "41~22.04.1"},
		{"140-Ubuntu", "140"},
		{"#140-Ubuntu SMP Fri Jan 10", "140"},
		{"96+cvm1", "96+cvm1"},
		{"", ""},
		{"  51  ", "51"},
	}
	for _, tt := range tests {
		got, err := UbuntuUpload(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("UbuntuUpload(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"#41~22.04.1-Ubuntu$(reboot) SMP", "41;x", "#"} {
		if got, err := UbuntuUpload(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("UbuntuUpload(%q) = %q, %v; want invalid", bad, got, err)
		}
	}
}

func TestUbuntuUploadOf(t *testing.T) {
	for _, tt := range []struct{ release, version, want string }{
		{"6.8.0-149-generic", "6.8.0-149.149", "149"},
		{"7.0.0-43-generic", "7.0.0-43.43~24.04.1", "43~24.04.1"},
		{"6.8.0-149-lowlatency", "6.8.0-149.149.1", "149.1"},
		{"6.8.0-149-generic", "6.9.0-1.1", ""},
	} {
		if got := UbuntuUploadOf(tt.release, tt.version); got != tt.want {
			t.Errorf("UbuntuUploadOf(%s, %s) = %q, want %q", tt.release, tt.version, got, tt.want)
		}
	}
}

// TestSeriesOf checks the hand-written parser against reSeries, the rule it implements.
func TestSeriesOf(t *testing.T) {
	for _, r := range []string{"6.8.0-51-generic", "6.12.12+bpo-amd64", "7.0", "6.1", "6.1.0", "5.10.0-35-arm64", "6.14.0-100.fc42.x86_64",
		"6", "6.", ".6.1", "6.x", "6.1x", "6.1.0x", "61.12.3-1", "6.1.-1", "6.1.2.3-4", "4.18.0-553.el8_10.x86_64", ""} {
		want := ""
		if m := reSeries.FindStringSubmatch(r); m != nil {
			want = m[1] + "." + m[2]
		}
		if got := seriesOf(r); got != want {
			t.Errorf("seriesOf(%q) = %q, want %q (reSeries)", r, got, want)
		}
	}
}

// TestKernelRule: the rule a PR shows for a kernel's distro version is the
// derivation that gives it, or none when the version had to be given.
func TestKernelRule(t *testing.T) {
	tests := []struct {
		spec      Spec
		want      string
		derivable bool
	}{
		{Spec{Target: "fedora", Arch: X86_64, Release: "6.14.0-100.fc42.x86_64"}, "fedora .fcNN", true},
		{Spec{Target: "amazonlinux", Arch: X86_64, Release: "6.12.58-82.121.amzn2023.x86_64"}, "amazon .amznN", true},
		{Spec{Target: "ubuntu-gcp", Arch: X86_64, Release: "6.8.0-1012-gcp", KernelVersion: "24~22.04.1"}, "ubuntu ~YY.MM in kernel version", true},
		// An HWE release without its upload: 24.04 had to be given.
		{Spec{Target: "ubuntu", Arch: X86_64, Release: "6.8.0-1042-gcp", DistroVersion: "24.04"}, "", false},
	}
	for _, tt := range tests {
		k, err := Make(tt.spec)
		if err != nil {
			t.Fatalf("Make(%+v): %v", tt.spec, err)
		}
		got, ok := k.Rule()
		if got != tt.want || ok != tt.derivable {
			t.Errorf("%s: Rule() = %q, %v; want %q, %v", tt.spec.Release, got, ok, tt.want, tt.derivable)
		}
	}
}

// TestMakeCanonicalArch: every spelling of an arch that input may use
// gives a Kernel with the canonical arch, so one kernel is one key (one
// build, one dispatch, one PR branch, one kernels.json key) whatever the
// spelling (issue 13: amd64 and x86_64 dispatched twice).
func TestMakeCanonicalArch(t *testing.T) {
	tests := []struct {
		spec Spec
		want Arch
	}{
		{Spec{Target: "ubuntu", Arch: "amd64", Release: "6.8.0-51-generic", DistroVersion: "24.04"}, X86_64},
		{Spec{Target: "ubuntu", Arch: "X86_64", Release: "6.8.0-51-generic", DistroVersion: "24.04"}, X86_64},
		{Spec{Target: "ubuntu", Arch: "x64", Release: "6.8.0-51-generic", DistroVersion: "24.04"}, X86_64},
		{Spec{Target: "ubuntu", Arch: "x86-64", Release: "6.8.0-51-generic", DistroVersion: "24.04"}, X86_64},
		{Spec{Target: "ubuntu", Arch: "arm64", Release: "6.8.0-51-generic", DistroVersion: "24.04"}, AArch64},
		{Spec{Target: "ubuntu", Arch: "ARM64", Release: "6.8.0-51-generic", DistroVersion: "24.04"}, AArch64},
		{Spec{Target: "ubuntu", Arch: "AArch64", Release: "6.8.0-51-generic", DistroVersion: "24.04"}, AArch64},
		{Spec{Target: "ubuntu", Arch: "arm64", Release: "6.8.0-41-generic-64k", DistroVersion: "24.04"}, AArch64},
		{Spec{Target: "debian", Arch: "RISCV64", Release: "6.12.95+deb13-riscv64"}, RISCV64},
		// RPM releases name their arch: an alias of the same arch agrees
		// with it (it was refused as a contradiction before).
		{Spec{Target: "fedora", Arch: "amd64", Release: "6.14.0-100.fc42.x86_64"}, X86_64},
		{Spec{Target: "rocky", Arch: "ARM64", Release: "5.14.0-503.11.1.el9_5.aarch64"}, AArch64},
		{Spec{Target: "rhel", Arch: "arm64+64k", Release: "5.14.0-427.13.1.el9_4.aarch64+64k"}, AArch64_64k},
		{Spec{Target: "rhel", Arch: "AArch64-64k", Release: "5.14.0-427.13.1.el9_4.aarch64+64k"}, AArch64_64k},
		{Spec{Target: "debian", Arch: "amd64", Release: "6.1.0-28-amd64"}, X86_64},
	}
	for _, tt := range tests {
		t.Run(string(tt.spec.Arch)+" "+tt.spec.Release, func(t *testing.T) {
			k, err := Make(tt.spec)
			if err != nil {
				t.Fatalf("Make(%+v): %v", tt.spec, err)
			}
			if k.Arch != tt.want {
				t.Errorf("Make(%+v).Arch = %q, want %q", tt.spec, k.Arch, tt.want)
			}
			canon := tt.spec
			canon.Arch = tt.want
			c, err := Make(canon)
			if err != nil {
				t.Fatal(err)
			}
			if k.Key() != c.Key() {
				t.Errorf("key %s, want the canonical spelling's %s", k.Key(), c.Key())
			}
			if err := k.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
	// A Kernel holding an alias (built without Make) is refused by Validate.
	k := Kernel{Distribution: Ubuntu, DistroVersion: "24.04", Arch: "amd64", Release: "6.8.0-51-generic"}
	if err := k.Validate(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "x86_64") {
		t.Errorf("Validate of arch amd64: %v, want a refusal naming x86_64", err)
	}
}

// TestMakeAllocs holds the allocations of the consistency rule for a
// kernels.json entry: matrix runs it once per kernel read (100,000 in the
// README's benchmark). Ubuntu's only one is the refusal Derive gives a
// release without kernel version or suite (the version was given, so
// Make goes on to the ships check); the rule made six before (two flavor
// splits, a formatted refusal and errors.As targets).
func TestMakeAllocs(t *testing.T) {
	for _, tt := range []struct {
		spec Spec
		max  float64
	}{
		{Spec{Target: "ubuntu", Arch: X86_64, Release: "6.8.0-51-generic", DistroVersion: "24.04"}, 1},
		{Spec{Target: "ubuntu", Arch: X86_64, Release: "6.8.0-51-generic", DistroVersion: "22.04"}, 1},
		{Spec{Target: "ubuntu-gcp", Arch: X86_64, Release: "6.14.0-1021-gcp", DistroVersion: "24.04"}, 1},
	} {
		if _, err := Make(tt.spec); err != nil {
			t.Fatalf("Make(%+v): %v", tt.spec, err)
		}
		if got := testing.AllocsPerRun(50, func() { _, _ = Make(tt.spec) }); got > tt.max {
			t.Errorf("Make(%s %s %s) allocates %v times, want at most %v", tt.spec.Target, tt.spec.DistroVersion, tt.spec.Release, got, tt.max)
		}
	}
}

// TestKernelHeaderless: only a crawled kernel with an explicit empty headers
// list and no build image is headerless; an RHCOS kernel builds in its
// Driver Toolkit image (schemas/examples/crawl.json's entry), headers [].
func TestKernelHeaderless(t *testing.T) {
	const dtk = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:dde3cd6a75d865a476aa7e1cab6fa8d97742401e87e0d514f3042c3a881e301f"
	tests := []struct {
		name string
		k    Kernel
		want bool
	}{
		{"livepatched, headers []", Kernel{Distribution: AmazonLinux, Release: "6.1.12-19.43.amzn2023.x86_64", Headers: []string{}, Origin: OriginLivepatch}, true},
		{"kernels.json: no headers field", Kernel{Distribution: AmazonLinux, Release: "6.1.12-19.43.amzn2023.x86_64"}, false},
		{"with a headers package", Kernel{Distribution: AmazonLinux, Release: "6.1.174-217.345.amzn2023.x86_64", Headers: []string{"https://cdn.amazonlinux.com/al2023/blobstore/x/kernel-devel-6.1.174-217.345.amzn2023.x86_64.rpm"}}, false},
		{"rhcos: headers [] and a build image", Kernel{Distribution: RHCOS, Release: "5.14.0-427.22.1.el9_4.x86_64", Headers: []string{}, BuildImage: dtk}, false},
	}
	for _, tt := range tests {
		if got := tt.k.Headerless(); got != tt.want {
			t.Errorf("%s: Headerless() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestValidateFedoraCoreOS: a stream and build belong to a Fedora CoreOS
// kernel; a refusal names the field that is wrong and its value, and the
// values given (a build alone under no source names the source, not an
// empty stream).
func TestValidateFedoraCoreOS(t *testing.T) {
	fcos := func(origin, stream, build string) Kernel {
		return Kernel{Distribution: Fedora, DistroVersion: "44", Arch: X86_64, Release: "7.1.3-200.fc44.x86_64", Origin: origin, Stream: stream, Build: build}
	}
	tests := []struct {
		name         string
		k            Kernel
		field, value string // "" = valid
		mention      []string
	}{
		{"a Fedora CoreOS kernel", fcos(OriginFedoraCoreOS, "stable", "44.20260707.3.1"), "", "", nil},
		{"a build with no source", fcos("", "", "44.20260707.3.1"), "source", "", []string{`build "44.20260707.3.1"`, OriginFedoraCoreOS}},
		{"a stream under koji", fcos(OriginKoji, "stable", ""), "source", OriginKoji, []string{`stream "stable"`}},
		{"no build", fcos(OriginFedoraCoreOS, "stable", ""), "build", "", []string{"build ID"}},
		{"stream in capitals", fcos(OriginFedoraCoreOS, "Stable", "44.20260707.3.1"), "stream", "Stable", nil},
	}
	for _, tt := range tests {
		err := tt.k.Validate()
		var ie *InvalidError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field == "":
		case !errors.As(err, &ie) || ie.Field != tt.field || ie.Value != tt.value:
			t.Errorf("%s: %v; want field %s %q invalid", tt.name, err, tt.field, tt.value)
		default:
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("%s: %q does not mention %q", tt.name, err, m)
				}
			}
		}
	}
}
