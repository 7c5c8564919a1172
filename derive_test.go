package matrixgen

import (
	"errors"
	"strings"
	"testing"
)

func TestDerive(t *testing.T) {
	tests := []struct {
		target, release, kv, suite string
		want, rule                 string // want "" means refused
		minor                      string
		wantErr                    error
	}{
		// Fedora
		{target: "fedora", release: "6.14.0-100.fc42.x86_64", want: "42", rule: "fedora"},
		{target: "Fedora", release: "5.17.12-100.fc34.x86_64", want: "34", rule: "fedora"},
		{target: "fedora", release: "6.14.0-100.x86_64", wantErr: ErrUnderivable},
		// CentOS
		{target: "centos", release: "6.12.0-212.el10.x86_64", want: "stream10", rule: "centos"},
		{target: "centos", release: "5.14.0-570.el9.x86_64", want: "stream9", rule: "centos"},
		{target: "centos", release: "3.10.0-1160.el7.x86_64", want: "7", rule: "centos"},
		{target: "CentOS", release: "4.18.0-348.7.1.el8_5.x86_64", want: "8", minor: "5", rule: "centos"},
		{target: "centos", release: "2.6.32-220.7.1.el6.x86_64", want: "6"},
		// Rocky, AlmaLinux, Oracle
		{target: "rocky", release: "5.14.0-427.13.1.el9_4.x86_64", want: "9", minor: "4", rule: "rhel .elN"},
		{target: "almalinux", release: "4.18.0-513.5.1.el8_9.x86_64", want: "8", minor: "9"},
		{target: "rocky", release: "5.14.0-427.13.1.el9_4.aarch64+64k", want: "9", minor: "4"},
		{target: "oracle", release: "4.18.0-305.el8_4.x86_64", want: "8", minor: "4"},
		{target: "ol", release: "4.14.35-2047.514.5.1.2.el7uek.x86_64", want: "7", rule: "uek"},
		{target: "oracle7", release: "3.8.13-118.18.3.el7uek.x86_64", want: "7"},
		{target: "Oracle8", release: "5.4.17-2136.309.5.el8uek.x86_64", want: "8"},
		// Amazon Linux: the release marker wins over the target name.
		{target: "amazonlinux", release: "6.1.174-217.345.amzn2023.x86_64", want: "2023", rule: "amazon .amznN"},
		// A target that names a version the release contradicts is refused, naming both.
		{target: "amazonlinux2", release: "6.1.174-217.345.amzn2023.x86_64", wantErr: ErrInvalid},
		{target: "oracle8", release: "5.14.0-503.14.1.el9_5.x86_64", wantErr: ErrInvalid},
		{target: "ol9", release: "5.14.0-503.14.1.el9_5.x86_64", want: "9", minor: "5"},
		{target: "centos9", release: "5.14.0-570.el9.x86_64", want: "stream9"},
		{target: "centos8", release: "5.14.0-570.el9.x86_64", wantErr: ErrInvalid},
		{target: "amazonlinux2023", release: "4.14.72-73.55.amzn2.x86_64", wantErr: ErrInvalid},
		{target: "AmazonLinux2022", release: "5.15.24-13.97.amzn2022.x86_64", want: "2022"},
		{target: "AmazonLinux", release: "4.9.17-8.31.amzn1.x86_64", want: "1"},
		{target: "amazonlinux2", release: "5.10.0-custom", wantErr: ErrUnderivable},
		{target: "amazonlinux2", release: "6.8.0-79-generic", wantErr: ErrUnderivable}, // no amzn marker at all
		{target: "amazonlinux", release: "6.12.58-82.121.amzn2023.aarch64", want: "2023"},
		{target: "amazonlinux", release: "5.14.0-362.el9_3.x86_64", wantErr: ErrInvalid}, // another distribution's marker
		{target: "amazonlinux2023", release: "5.14.0-362.el9_3.x86_64", wantErr: ErrInvalid},
		{target: "fedora", release: "6.1.174-217.345.amzn2023.x86_64", wantErr: ErrInvalid},
		// RHEL (NVIDIA's precompiled images target RHEL 9 aarch64+64k)
		{target: "rhel", release: "5.14.0-427.13.1.el9_4.aarch64+64k", want: "9", minor: "4", rule: "rhel .elN"},
		{target: "redhat", release: "4.18.0-553.el8_10.x86_64", want: "8", minor: "10"},
		{target: "rhel9", release: "5.14.0-503.11.1.el9_5.x86_64", want: "9", minor: "5"},
		// Known distributions matrixgen does not build for: refused with a reason.
		{target: "flatcar", release: "5.15.63-flatcar", wantErr: ErrUnderivable},
		{target: "bottlerocket", release: "6.1.102", wantErr: ErrUnderivable},
		{target: "talos", release: "6.6.43-talos", wantErr: ErrUnderivable},
		{target: "arch", release: "6.12.1-arch1-1", wantErr: ErrUnderivable},
		// Debian
		{target: "debian", release: "6.12.95+deb12-amd64", want: "12", rule: "+debNN"},
		{target: "debian", release: "6.12.107+deb13-riscv64", want: "13"},
		{target: "debian", release: "6.12.95+deb12-cloud-amd64", want: "12"},
		{target: "debian", release: "6.1.0-0.deb11.21-amd64", want: "11", rule: "backport ABI"},
		{target: "debian", release: "6.12.95-1~bpo12+1", want: "12", rule: "~bpoNN+"},
		{target: "debian", release: "6.1.158-1+deb12u1", want: "12", rule: "+debNN"},
		{target: "debian", release: "4.9.210-1+deb9u1~deb8u1-amd64", want: "8", rule: "~debNNuM"},
		{target: "debian", release: "4.19.232-1~deb9u1", want: "9"},
		{target: "debian", release: "6.1.0-28-amd64", want: "12", rule: "series 6.1"},
		{target: "debian", release: "6.1.0-28-rt-amd64", want: "12"},
		{target: "debian", release: "3.16.0-6-amd64", want: "8"},
		{target: "debian", release: "4.9.0-13-rt-amd64", want: "9"},
		{target: "debian", release: "4.19.0-21-cloud-amd64", want: "10"},
		{target: "debian", release: "5.10.0-35-arm64", want: "11"},
		{target: "debian", release: "6.12.38-arm64", want: "13"},
		{target: "debian", release: "4.9.0-0.bpo.12-rt-amd64", wantErr: ErrUnderivable},
		{target: "debian", release: "5.19.0-2-amd64", wantErr: ErrUnderivable},
		{target: "debian", release: "6.1.0-28.fc42", wantErr: ErrInvalid},
		// +bpo ABIs: series S backported to the release before S's own.
		{target: "debian", release: "6.12.12+bpo-amd64", want: "12", rule: "+bpo backport of 6.12"},
		{target: "debian", release: "6.1.12+bpo-arm64", want: "11"},
		{target: "debian", release: "6.16.3+bpo-amd64", wantErr: ErrUnderivable}, // 6.16 is no release's series
		// A suite decides for Debian too, and must agree with the release.
		{target: "debian", release: "6.1.0-28-amd64", suite: "bookworm-security", want: "12", rule: "debian suite bookworm"},
		{target: "debian", release: "6.12.12+bpo-amd64", suite: "bookworm-backports", want: "12"},
		{target: "debian", release: "6.12.95+deb12-amd64", suite: "trixie", wantErr: ErrInvalid},
		{target: "debian", release: "6.1.0-28-amd64", suite: "jammy", wantErr: ErrInvalid}, // Ubuntu's suite
		{target: "ubuntu", release: "6.8.0-51-generic", suite: "bookworm", wantErr: ErrInvalid},
		{target: "fedora", release: "6.14.0-100.fc42.x86_64", suite: "noble", wantErr: ErrInvalid},
		// Ubuntu
		{target: "ubuntu", release: "6.8.0-51-generic", suite: "noble-security", want: "24.04", rule: "suite noble"},
		{target: "ubuntu-gcp", release: "6.8.0-51-generic", suite: "jammy-updates", want: "22.04"},
		{target: "ubuntu-azure", release: "4.18.0-1014-azure", kv: "14~18.04.1", want: "18.04", rule: "~YY.MM"},
		{target: "ubuntu-hwe", release: "4.15.0-62-hwe", kv: "69~16.04.1", want: "16.04"},
		{target: "ubuntu-generic", release: "4.15.0-158-generic", kv: "166", want: "18.04", rule: "GA series 4.15"},
		{target: "ubuntu-gcp", release: "6.14.0-1021-gcp", kv: "21", want: "25.04"},
		{target: "ubuntu", release: "5.15.0-1019-aws", kv: "23", want: "22.04"},
		{target: "ubuntu", release: "6.14.0-1021-gcp", wantErr: ErrUnderivable},                   // ambiguous
		{target: "ubuntu-oem", release: "5.14.0-1042-oem", kv: "47", wantErr: ErrUnderivable},     // OEM series
		{target: "ubuntu", release: "5.19.0-1010-gcp", kv: "36+22.10.1", wantErr: ErrUnderivable}, // other form
		{target: "ubuntu", release: "6.8.0-51-generic", suite: "warty", wantErr: ErrInvalid},
		{target: "ubuntu", release: "6.8.0-51.fc42", kv: "1", wantErr: ErrInvalid},
		// Uploads as loaders read them from uname -v, and suffixed uploads.
		{target: "ubuntu", release: "6.8.0-57-generic", kv: "#41~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC Fri Mar 28 13:05:23 UTC 2", want: "22.04", rule: "~YY.MM"},
		{target: "ubuntu", release: "6.8.0-57-generic", kv: "41~22.04.1-Ubuntu", want: "22.04"},
		{target: "ubuntu", release: "5.15.0-131-generic", kv: "140-Ubuntu", want: "22.04", rule: "GA series 5.15"},
		{target: "ubuntu", release: "5.15.0-131-generic", kv: "#140-Ubuntu SMP Fri Jan 10 12:01:23 UTC 2025", want: "22.04"},
		{target: "ubuntu-azure-cvm", release: "5.4.0-1090-azure-cvm", kv: "96+cvm1", want: "20.04", rule: "GA series 5.4"},
		{target: "ubuntu", release: "7.0.0-14-generic", kv: "14", want: "26.04", rule: "GA series 7.0"},
		{target: "ubuntu", release: "7.0.0-14-generic", kv: "14~24.04.1", want: "24.04"},
		// A release Ubuntu never shipped in that version is a contradiction,
		// unless the upload itself names the version (cloud kernels go beyond HWE).
		{target: "ubuntu", release: "6.8.0-49-generic", kv: "51", suite: "focal-updates", wantErr: ErrInvalid},
		{target: "ubuntu", release: "5.15.0-125-generic", suite: "noble-updates", wantErr: ErrInvalid},
		{target: "ubuntu-azure", release: "4.15.0-1023-azure", kv: "24~14.04.1", want: "14.04"},
		{target: "ubuntu", release: "6.8.0-49-generic", kv: "51~99.99.1", wantErr: ErrUnderivable},
		{target: "ubuntu", release: "6.8.0-49-generic", kv: "#51~22.04.1-Ubuntu;reboot", wantErr: ErrInvalid},
		// Invalid input
		{target: "ubuntu", release: "6.8.0-51-generic$(reboot)", kv: "1", wantErr: ErrInvalid},
		{target: "ubuntu", release: "6.8.0-51 generic", kv: "1", wantErr: ErrInvalid},
		{target: "debian", release: "6.1.0-28-amd64;ls", wantErr: ErrInvalid},
		{target: "debian", release: "6.1.0/../28-amd64", wantErr: ErrInvalid},
		{target: "debian", release: "6.1..0", wantErr: ErrInvalid},
		{target: "debian", release: "amd64-6.1.0", wantErr: ErrInvalid},
		{target: "debian", release: "6" + strings.Repeat("1", 128), wantErr: ErrInvalid},
		{target: "slackware", release: "6.1.0", wantErr: ErrInvalid},
		{target: "ubuntu", release: "6.8.0-51-generic", kv: "1;x", wantErr: ErrInvalid},
		{target: "photonOS", release: "4.19.72-1.ph3.x86_64", wantErr: ErrUnderivable},
	}
	for _, tt := range tests {
		name := tt.target + "/" + tt.release + "/" + tt.kv + "/" + tt.suite
		t.Run(name, func(t *testing.T) {
			d, err := Derive(Input{Target: tt.target, Release: tt.release, KernelVersion: tt.kv, Suite: tt.suite})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Derive(%s) = %+v, %v; want error %v", name, d, err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), tt.wantErr.Error()+":") {
					t.Errorf("error %q does not start with %q", err, tt.wantErr.Error()+":")
				}
				if !strings.Contains(err.Error(), tt.release) && !strings.Contains(err.Error(), tt.target) && (tt.kv == "" || !strings.Contains(err.Error(), tt.kv)) {
					t.Errorf("error %q names none of the inputs", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Derive(%s): %v", name, err)
			}
			if d.DistroVersion != tt.want {
				t.Errorf("Derive(%s) = %q (rule %q), want %q", name, d.DistroVersion, d.Rule, tt.want)
			}
			if !strings.Contains(d.Rule, tt.rule) {
				t.Errorf("Derive(%s) rule = %q, want it to mention %q", name, d.Rule, tt.rule)
			}
			if d.Minor != tt.minor {
				t.Errorf("Derive(%s) minor = %q, want %q", name, d.Minor, tt.minor)
			}
		})
	}
}

func TestValidateRelease(t *testing.T) {
	good := []string{"6.8.0-51-generic", "6.12.95+deb12-amd64", "4.19.232-1~deb9u1", "5.14.0-427.13.1.el9_4.aarch64+64k", "6" + strings.Repeat("a", 127)}
	for _, s := range good {
		if err := ValidateRelease(s); err != nil {
			t.Errorf("ValidateRelease(%q) = %v, want nil", s, err)
		}
	}
	bad := map[string]string{
		"":                             "empty",
		"x6.8":                         "start with a digit",
		"6.8.0 -51":                    `' '`,
		"6.8.0;rm":                     `';'`,
		"6.8.0$(id)":                   `'$'`,
		"6.8/0":                        `'/'`,
		"6.8..0":                       `".."`,
		"6" + strings.Repeat("a", 128): "longer than 128",
		"6.8\n0":                       `'\n'`,
		"6.8\x00":                      `'\x00'`,
	}
	for s, want := range bad {
		err := ValidateRelease(s)
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateRelease(%q) = %v, want an invalid error mentioning %s", s, err, want)
		}
	}
}

func TestParseArch(t *testing.T) {
	tests := map[string]struct {
		want   Arch
		deb    string
		target Arch
	}{
		"x86_64": {X86_64, "amd64", X86_64}, "amd64": {X86_64, "amd64", X86_64},
		"arm64": {AArch64, "arm64", AArch64}, "aarch64": {AArch64, "arm64", AArch64},
		"riscv64": {RISCV64, "riscv64", RISCV64}, "aarch64+64k": {AArch64_64k, "arm64", AArch64},
	}
	for in, tt := range tests {
		a, err := ParseArch(in)
		if err != nil || a != tt.want || a.Deb() != tt.deb || a.Target() != tt.target {
			t.Errorf("ParseArch(%q) = %q (deb %q, target %q), %v; want %q, %q, %q", in, a, a.Deb(), a.Target(), err, tt.want, tt.deb, tt.target)
		}
	}
	for _, in := range []string{"", "i386", "s390x", "x86_64;"} {
		if _, err := ParseArch(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseArch(%q) = %v, want invalid", in, err)
		}
	}
}

func TestParseTargetAndFalco(t *testing.T) {
	tests := []struct {
		in                 string
		dist, flavor, hint string
		falco              string // FalcoTarget with DistroVersion hint
	}{
		{"ubuntu-gcp", Ubuntu, "gcp", "", "ubuntu-gcp"},
		{"ubuntu-nvidia-lowlatency", Ubuntu, "nvidia-lowlatency", "", "ubuntu-nvidia-lowlatency"},
		{"ubuntu", Ubuntu, "", "", "ubuntu-generic"},
		{"amazonlinux2023", AmazonLinux, "", "2023", "amazonlinux2023"},
		{"AmazonLinux2", AmazonLinux, "", "2", "amazonlinux2"},
		// The bare name is kernels.json's distribution: it names no version
		// (Falco writes it for Amazon Linux 1, FalcoTarget gives it back).
		{"amazonlinux", AmazonLinux, "", "", "amazonlinux"},
		{"CentOS9", CentOS, "", "stream9", "centos"},
		{"ol", Oracle, "", "", "ol"},
		{"Oracle7", Oracle, "", "7", "ol"},
		{"debian", Debian, "", "", "debian"},
		{"CentOS", CentOS, "", "", "centos"},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		if err != nil || got.Distribution != tt.dist || got.Flavor != tt.flavor || got.VersionHint != tt.hint {
			t.Errorf("ParseTarget(%q) = %+v, %v", tt.in, got, err)
			continue
		}
		if f := FalcoTarget(got.Distribution, got.Flavor, got.VersionHint); f != tt.falco {
			t.Errorf("FalcoTarget(%+v) = %q, want %q", got, f, tt.falco)
		}
	}
}

func TestFlavorOf(t *testing.T) {
	tests := []struct{ dist, release, want string }{
		{Ubuntu, "6.8.0-1012-nvidia-lowlatency", "nvidia-lowlatency"},
		{Ubuntu, "6.8.0-1012-nvidia", "nvidia"},
		{Ubuntu, "6.8.0-1012-azure-fde", "azure-fde"},
		{Ubuntu, "6.8.0-51-generic", "generic"},
		{Debian, "6.1.0-28-cloud-amd64", "cloud"},
		{Debian, "6.12.95+deb12-rt-amd64", "rt"},
		{Debian, "6.1.0-28-amd64", ""},
		{Fedora, "6.14.0-100.fc42.x86_64", ""},
	}
	for _, tt := range tests {
		if got := FlavorOf(tt.dist, tt.release); got != tt.want {
			t.Errorf("FlavorOf(%s, %s) = %q, want %q", tt.dist, tt.release, got, tt.want)
		}
	}
}

func FuzzValidateRelease(f *testing.F) {
	for _, s := range []string{"6.8.0-51-generic", "6.12.95+deb12-amd64", "5.14.0-427.13.1.el9_4.aarch64+64k", "4.9.210-1+deb9u1~deb8u1-amd64", "6.8.0$(x)", "6..1"} {
		f.Add(s, "ubuntu", "24~18.04.1")
	}
	f.Fuzz(func(t *testing.T, release, target, kv string) {
		err := ValidateRelease(release)
		if err == nil {
			// Property: an accepted release is safe in a branch name, shell word and file name.
			if len(release) > MaxReleaseLen || strings.ContainsAny(release, " /;$`'\"\\\n\x00") || strings.Contains(release, "..") || release[0] < '0' || release[0] > '9' {
				t.Fatalf("ValidateRelease accepted unsafe %q", release)
			}
		}
		d, derr := Derive(Input{Target: target, Release: release, KernelVersion: kv})
		if derr == nil {
			if err != nil {
				t.Fatalf("Derive accepted invalid release %q", release)
			}
			if ValidateDistroVersion(d.DistroVersion) != nil || d.Rule == "" {
				t.Fatalf("Derive(%q,%q,%q) = %+v: bad version or no rule", target, release, kv, d)
			}
		} else if !errors.Is(derr, ErrInvalid) && !errors.Is(derr, ErrUnderivable) {
			t.Fatalf("Derive error of unknown kind: %v", derr)
		}
	})
}

func TestMakeSpec(t *testing.T) {
	k, err := Make(Spec{Target: "ubuntu-gcp", Arch: X86_64, Release: "6.8.0-1012-gcp", KernelVersion: "12~22.04.1"})
	if err != nil || k.Distribution != Ubuntu || k.Flavor != "gcp" || k.DistroVersion != "22.04" {
		t.Errorf("Make(Spec{Target: ubuntu-gcp}) = %+v, %v", k, err)
	}
	k, err = Make(Spec{Target: "debian", Arch: AArch64, Release: "6.1.0-56-cloud-arm64", DistroVersion: "12"})
	if err != nil || k.Flavor != "cloud" || k.DistroVersion != "12" {
		t.Errorf("Make(Spec{Target: debian}) = %+v, %v", k, err)
	}
	if _, err := Make(Spec{Target: "ubuntu", Arch: X86_64, Release: "6.14.0-1021-gcp"}); !errors.Is(err, ErrUnderivable) {
		t.Errorf("ambiguous Ubuntu: %v", err)
	}
	if _, err := Make(Spec{Target: "debian", Arch: X86_64, Release: "6.1.0-56-amd64", DistroVersion: "12+x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad distroversion: %v", err)
	}
}

func TestValidateReleaseNamesCharacters(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"6.1.0-28-amdé64", `character 'é' at byte 12`},
		{"6.1.0$(reboot)", `character '$' at byte 5`},
		{"6.1.0-\xff", `character byte 0xff (not UTF-8) at byte 6`},
	} {
		err := ValidateRelease(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ValidateRelease(%q) = %v; want %q", tt.in, err, tt.want)
		}
	}
}
