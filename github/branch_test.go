package github

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/matrixgen/matrixgen"
)

func TestKernelBranch(t *testing.T) {
	tests := []struct {
		dist, dv string
		arch     matrixgen.Arch
		release  string
		want     string
	}{
		{"ubuntu", "24.04", "x86_64", "6.8.0-1042-gcp", "add-kernel/ubuntu/24-04/x86_64/6-8-0-1042-gcp"},
		{"ubuntu", "22.04", "x86_64", "6.8.0-1042-gcp", "add-kernel/ubuntu/22-04/x86_64/6-8-0-1042-gcp"},
		{"debian", "12", "x86_64", "6.12.95+deb12-amd64", "add-kernel/debian/12/x86_64/6-12-95+deb12-amd64"},
		{"debian", "12", "aarch64", "6.1.0-28-arm64", "add-kernel/debian/12/aarch64/6-1-0-28-arm64"},
		{"fedora", "42", "x86_64", "6.14.0-100.fc42.x86_64", "add-kernel/fedora/42/x86_64/6-14-0-100-fc42-x86_64"},
		{"rocky", "9", "aarch64+64k", "5.14.0-427.13.1.el9_4.aarch64+64k", "add-kernel/rocky/9/aarch64+64k/5-14-0-427-13-1-el9_4-aarch64+64k"},
		{"amazonlinux", "2023", "x86_64", "6.1.174-217.345.amzn2023.x86_64", "add-kernel/amazonlinux/2023/x86_64/6-1-174-217-345-amzn2023-x86_64"},
		// Where the usual places do not fit, a suffix keeps names apart.
		{"fedora", "42", "x86_64", "6.14.0.100.fc42.x86_64", "add-kernel/fedora/42/x86_64/6-14-0-100-fc42-x86_64.4"},
		{"debian", "12", "x86_64", "6.12.95-1~bpo12+1-amd64", "add-kernel/debian/12/x86_64/6-12-95-1_bpo12+1-amd64.8"},
		{"debian", "12", "x86_64", "6.1.0-0.deb11.21-amd64", "add-kernel/debian/12/x86_64/6-1-0-0-deb11-21-amd64.81"},
		{"centos", "stream-9", "x86_64", "5.14.0-1.el9.x86_64", "add-kernel/centos/stream-9.1/x86_64/5-14-0-1-el9-x86_64"},
	}
	seen := map[string]string{}
	for _, tc := range tests {
		k := matrixgen.Kernel{Distribution: tc.dist, DistroVersion: tc.dv, Arch: tc.arch, Release: tc.release}
		got := KernelBranch(k)
		if got != tc.want {
			t.Errorf("KernelBranch(%s) = %q, want %q", k.Key(), got, tc.want)
		}
		if err := CheckRefFormat("refs/heads/" + got); err != nil {
			t.Error(err)
		}
		if back, err := KernelBranchKey(got); err != nil || back != k.Key() {
			t.Errorf("KernelBranchKey(%q) = %v, %v; want %v", got, back, err, k.Key())
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("%s and %s share %s", prev, k.Key(), got)
		}
		seen[got] = k.Key().String()
	}
	// A branch an older matrixgen named with an arch alias maps to the
	// canonical key, as the kernel it was made for is now keyed; a
	// branch naming no arch is refused.
	if back, err := KernelBranchKey("add-kernel/ubuntu/24-04/amd64/6-8-0-51-generic"); err != nil || back.Arch != matrixgen.X86_64 {
		t.Errorf("branch with amd64: %v, %v; want arch x86_64", back, err)
	}
	if _, err := KernelBranchKey("add-kernel/ubuntu/24-04/sparc/6-8-0-51-generic"); err == nil {
		t.Error("branch with arch sparc: no error")
	}
}

// TestKernelBranchCorpus: every release of the real kernel-crawler corpus
// gets a valid ref name that maps back to its kernel, and no two share one.
func TestKernelBranchCorpus(t *testing.T) {
	data, err := os.ReadFile("../fixtures/kernel-crawler-2022-08/x86_64.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string][]struct {
		KernelRelease string `json:"kernelrelease"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	seen := map[string]matrixgen.Key{}
	n := 0
	for distro, entries := range raw {
		for _, e := range entries {
			for _, dist := range []string{"ubuntu", "fedora"} { // both default layouts
				k := matrixgen.Kernel{Distribution: dist, DistroVersion: "1.0", Arch: "x86_64", Release: e.KernelRelease}
				if matrixgen.ValidateRelease(k.Release) != nil {
					continue
				}
				b := KernelBranch(k)
				if err := CheckRefFormat("refs/heads/" + b); err != nil {
					t.Errorf("%s: %v", distro, err)
				}
				if back, err := KernelBranchKey(b); err != nil || back != k.Key() {
					t.Errorf("%s: %q maps back to %v, %v", k.Key(), b, back, err)
				}
				if prev, dup := seen[b]; dup && prev != k.Key() {
					t.Errorf("%s and %s share %s", prev, k.Key(), b)
				}
				seen[b] = k.Key()
				n++
			}
		}
	}
	if n < 8000 {
		t.Errorf("only %d names checked: corpus not read?", n)
	}
}

// FuzzKernelBranch: for every valid release and distro version, the name
// is a valid git ref and KernelBranchKey inverts it, so distinct kernels
// always get distinct branches.
func FuzzKernelBranch(f *testing.F) {
	for _, s := range [][2]string{
		{"6.8.0-1042-gcp", "24.04"}, {"6.12.95+deb12-amd64", "12"}, {"4.19.0-0.bpo.19~bpo9+1-amd64", "9"},
		{"5.14.0-427.13.1.el9_4.x86_64", "9"}, {"6.14.0.100.fc42.x86_64", "42"}, {"1~_~_.-_-", "a_b-c.d"},
		{"3.10.0-1160.el7.x86_64", "7"}, {"6.1.174-217.345.amzn2023.x86_64", "2023"}, {"0", "-"},
	} {
		for _, dist := range []string{"ubuntu", "debian", "fedora", "amazonlinux"} {
			f.Add(dist, s[1], s[0])
		}
	}
	f.Fuzz(func(t *testing.T, dist, dv, release string) {
		if _, err := matrixgen.ParseTarget(dist); err != nil || matrixgen.ValidateRelease(release) != nil || matrixgen.ValidateDistroVersion(dv) != nil {
			return
		}
		t2, _ := matrixgen.ParseTarget(dist)
		k := matrixgen.Kernel{Distribution: t2.Distribution, DistroVersion: dv, Arch: "x86_64", Release: release}
		b := KernelBranch(k)
		if err := CheckRefFormat("refs/heads/" + b); err != nil {
			t.Fatalf("%s: %v", k.Key(), err)
		}
		back, err := KernelBranchKey(b)
		if err != nil || back != k.Key() {
			t.Fatalf("%s: %q maps back to %v, %v", k.Key(), b, back, err)
		}
	})
}

func TestCheckRefFormat(t *testing.T) {
	for ref, ok := range map[string]bool{
		"refs/heads/add-kernel/ubuntu/24-04/x86_64/6-8-0-1-generic": true,
		"refs/heads/a+b_c-d.x3":  true,
		"refs/heads/a~b":         false,
		"refs/heads/a..b":        false,
		"refs/heads/.a":          false,
		"refs/heads/a.lock":      false,
		"refs/heads/a.":          false,
		"refs/heads/a//b":        false,
		"refs/heads/a@{b":        false,
		"refs/heads/a b":         false,
		"refs/heads/a:b":         false,
		"refs/heads/a\x7fb":      false,
		"nohierarchy":            false,
		"refs/heads/a/":          false,
		"refs/heads/a^b":         false,
		"refs/heads/a[b":         false,
		"refs/heads/a*b":         false,
		"refs/heads/a?b":         false,
		"refs/heads/a\\b":        false,
		"refs/heads/a-b/c.d/e_f": true,
	} {
		if err := CheckRefFormat(ref); (err == nil) != ok {
			t.Errorf("CheckRefFormat(%q) = %v, want ok=%v", ref, err, ok)
		}
	}
}
