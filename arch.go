package matrixgen

import (
	"fmt"
	"strings"
)

// Arch is a kernel architecture in uname -m spelling. AArch64_64k is the
// RHEL 64k-page kernel variant: it targets aarch64 hosts but builds against
// its own headers, so it is its own build arch.
type Arch string

const (
	X86_64      Arch = "x86_64"
	AArch64     Arch = "aarch64"
	RISCV64     Arch = "riscv64"
	AArch64_64k Arch = "aarch64+64k"
)

// ParseArch normalises the spellings distributions use (Debian amd64/arm64,
// RPM x86_64/aarch64) to one Arch.
func ParseArch(s string) (Arch, error) {
	switch strings.ToLower(s) {
	case "x86_64", "amd64", "x86-64", "x64":
		return X86_64, nil
	case "aarch64", "arm64":
		return AArch64, nil
	case "aarch64+64k", "arm64+64k", "aarch64-64k":
		return AArch64_64k, nil
	case "riscv64":
		return RISCV64, nil
	}
	return "", &InvalidError{Field: "arch", Value: s, Reason: "unknown architecture (want x86_64/amd64, aarch64/arm64, aarch64+64k or riscv64)"}
}

// Debian kernel flavors that end a release and name an arch matrixgen does
// not build for (Debian's linux-image-* flavors for i386, armhf, s390x, ...).
var debForeign = []string{"686", "686-pae", "armmp", "armmp-lpae", "marvell", "rpi", "s390x", "powerpc64le", "loong64", "4kc-malta", "5kc-malta", "octeon", "mips32r2el", "mips64r2el", "loongson-3"}

// rpmForeign are RPM arches matrixgen does not build for.
var rpmForeign = []string{"i686", "i386", "ppc64le", "ppc64", "s390x", "armv7hl", "noarch", "src"}

// ReleaseArch is the arch a release names, with the marker that names it:
// RPM ".x86_64"/".aarch64"/"+64k", Debian "-amd64"/"-arm64"/"-riscv64",
// Ubuntu's "-64k" flavors (arm64 only). ok is false when the release names
// no arch; arch is "" when it names one matrixgen does not build for.
func ReleaseArch(distribution, release string) (arch Arch, marker string, ok bool) {
	if d := byName[distribution]; d != nil && d.arch != nil {
		return d.arch(release)
	}
	return "", "", false
}

// debReleaseArch: Debian's "-amd64"/"-arm64"/"-riscv64" flavors.
func debReleaseArch(release string) (Arch, string, bool) {
	for _, a := range []struct {
		suffix string
		arch   Arch
	}{{"-amd64", X86_64}, {"-arm64", AArch64}, {"-riscv64", RISCV64}} {
		if strings.HasSuffix(release, a.suffix) {
			return a.arch, a.suffix, true
		}
	}
	for _, f := range debForeign {
		if strings.HasSuffix(release, "-"+f) {
			return "", "-" + f, true
		}
	}
	return "", "", false
}

// ubuntuReleaseArch: only Ubuntu's "-64k" flavors (arm64) name an arch.
func ubuntuReleaseArch(release string) (Arch, string, bool) {
	if strings.HasSuffix(release, "-64k") {
		return AArch64, "-64k", true
	}
	return "", "", false
}

// rpmReleaseArch: RPM's ".x86_64"/".aarch64" and "+64k".
func rpmReleaseArch(release string) (Arch, string, bool) {
	if strings.HasSuffix(release, "+64k") {
		return AArch64_64k, "+64k", true
	}
	i := strings.LastIndexByte(release, '.')
	if i < 0 {
		return "", "", false
	}
	switch a := release[i+1:]; a {
	case "x86_64", "aarch64", "riscv64":
		return Arch(a), "." + a, true
	default:
		for _, f := range rpmForeign {
			if a == f {
				return "", "." + a, true
			}
		}
	}
	return "", "", false
}

// CheckArch refuses a release that names another arch than the one it is
// filed under, and an aarch64+64k kernel whose release is not a 64k one.
func CheckArch(distribution, release string, arch Arch) error {
	named, marker, ok := ReleaseArch(distribution, release)
	if arch == AArch64_64k && !strings.HasSuffix(release, "+64k") {
		return &InvalidError{Field: "arch", Value: string(arch), Reason: fmt.Sprintf("release %s is not a 64k-page kernel: aarch64+64k releases end in +64k (Ubuntu's -64k flavors are aarch64)", release)}
	}
	switch {
	case !ok:
		return nil
	case named == "":
		return &InvalidError{Field: "kernelrelease", Value: release, Reason: fmt.Sprintf("its %q names an architecture matrixgen does not build for (want x86_64, aarch64, aarch64+64k or riscv64)", marker)}
	case named != arch:
		return &InvalidError{Field: "arch", Value: string(arch), Reason: fmt.Sprintf("contradicts the release: %s names %s by its %q", release, named, marker)}
	}
	return nil
}

// Target is the architecture of the machines that boot the kernel.
func (a Arch) Target() Arch {
	if a == AArch64_64k {
		return AArch64
	}
	return a
}

// Deb is the Debian architecture name (amd64, arm64, riscv64).
func (a Arch) Deb() string {
	switch a.Target() {
	case X86_64:
		return "amd64"
	case AArch64:
		return "arm64"
	}
	return string(a)
}
