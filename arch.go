package matrixgen

import "strings"

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

// Arches lists the supported architectures in output order.
var Arches = []Arch{X86_64, AArch64, AArch64_64k, RISCV64}

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
