package github

import (
	"fmt"
	"strings"

	"github.com/matrixgen/matrixgen"
)

// Branch prefixes of the PR bot.
const (
	KernelBranchPrefix  = "add-kernel/"
	KernelsBranchPrefix = "add-kernels/"
)

// KernelBranch is the PR bot's branch for k:
// add-kernel/<distribution>/<distro version>/<arch>/<release>, dots
// replaced by "-" and "~" (which git refuses in ref names) by "_", as in
// add-kernel/ubuntu/24-04/x86_64/6-8-0-1042-gcp. The distro version is in
// the name so the 22.04 and 24.04 builds of one HWE release get two
// branches.
//
// Those replacements alone would give 6.14.0-100.fc42 and 6.14.0.100.fc42
// one name. So a part whose "-" and "_" are not where its distribution
// usually puts them (see defaultDots) gets a suffix "." plus hex bits
// saying which ones differ: the readable part never holds a ".", so the
// suffix cannot be confused with it, and ParseKernelBranch inverts the
// whole name. Every valid release gets a valid git ref name, and distinct
// kernels distinct names.
func KernelBranch(k matrixgen.Kernel) string {
	return KernelBranchPrefix + k.Distribution + "/" + encodePart(k.DistroVersion, allDots) + "/" + string(k.Arch) + "/" + encodePart(k.Release, releaseDots(k.Distribution))
}

// KernelsBranch is --single-pr's branch for a day: add-kernels/YYYY-MM-DD.
func KernelsBranch(day string) string { return KernelsBranchPrefix + day }

// KernelBranchKey inverts KernelBranch.
func KernelBranchKey(branch string) (matrixgen.Key, error) {
	rest, ok := strings.CutPrefix(branch, KernelBranchPrefix)
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 4 {
		return matrixgen.Key{}, fmt.Errorf("branch %q: want %s<distribution>/<distro version>/<arch>/<release>", branch, KernelBranchPrefix)
	}
	dv, err := decodePart(parts[1], allDots)
	if err != nil {
		return matrixgen.Key{}, fmt.Errorf("branch %q: distro version: %w", branch, err)
	}
	rel, err := decodePart(parts[3], releaseDots(parts[0]))
	if err != nil {
		return matrixgen.Key{}, fmt.Errorf("branch %q: release: %w", branch, err)
	}
	arch, err := matrixgen.ParseArch(parts[2])
	if err != nil {
		return matrixgen.Key{}, fmt.Errorf("branch %q: %w", branch, err)
	}
	return matrixgen.Key{Distribution: parts[0], DistroVersion: dv, Arch: arch, Release: rel}, nil
}

// A defaultDots func says, for the i-th "-" of a readable part (0-based),
// whether it usually stands for a ".".
type defaultDots func(i int) bool

// allDots: distro versions (24.04, 9.4) separate with dots.
func allDots(int) bool { return true }

// releaseDots is where a distribution's releases put dots: the kernel
// version x.y.z, a "-", then dots on RPM distributions
// (6.14.0-100.fc42.x86_64, 5.14.0-427.13.1.el9_4.x86_64) and "-" on Debian
// and Ubuntu (6.8.0-51-generic, 6.1.0-28-amd64).
func releaseDots(distribution string) defaultDots {
	rpm := matrixgen.PackageFormat(distribution) != "deb"
	return func(i int) bool {
		switch {
		case i < 2:
			return true
		case i == 2:
			return false
		}
		return rpm
	}
}

// encodePart maps "." to "-" and "~" to "_", then appends "." and the hex
// bits of every "-" and "_" whose origin differs from the default (a "-"
// that is a "-" where a "." is usual, a "_" that is a "~").
func encodePart(s string, dots defaultDots) string {
	var b strings.Builder
	var bits []bool
	dash := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '.', '-':
			b.WriteByte('-')
			bits = append(bits, (c == '.') != dots(dash))
			dash++
		case '~', '_':
			b.WriteByte('_')
			bits = append(bits, c == '~')
		default:
			b.WriteByte(c)
		}
	}
	if suffix := hexBits(bits); suffix != "" {
		b.WriteString("." + suffix)
	}
	return b.String()
}

// hexBits writes bits four to a hex digit, least significant first,
// without trailing zero digits: "" when no bit is set.
func hexBits(bits []bool) string {
	var out []byte
	for i := 0; i < len(bits); i += 4 {
		n := 0
		for j := 0; j < 4 && i+j < len(bits); j++ {
			if bits[i+j] {
				n |= 1 << j
			}
		}
		out = append(out, "0123456789abcdef"[n])
	}
	return strings.TrimRight(string(out), "0")
}

func decodePart(s string, dots defaultDots) (string, error) {
	readable, suffix, _ := strings.Cut(s, ".")
	var bits []bool
	for _, c := range suffix {
		n := strings.IndexRune("0123456789abcdef", c)
		if n < 0 {
			return "", fmt.Errorf("suffix %q: not lowercase hex", suffix)
		}
		for j := 0; j < 4; j++ {
			bits = append(bits, n&(1<<j) != 0)
		}
	}
	bit := func(i int) bool { return i < len(bits) && bits[i] }
	var b strings.Builder
	pos, dash := 0, 0
	for i := 0; i < len(readable); i++ {
		switch c := readable[i]; c {
		case '-':
			if dots(dash) != bit(pos) {
				b.WriteByte('.')
			} else {
				b.WriteByte('-')
			}
			pos++
			dash++
		case '_':
			if bit(pos) {
				b.WriteByte('~')
			} else {
				b.WriteByte('_')
			}
			pos++
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
