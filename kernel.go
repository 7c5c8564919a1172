package matrixgen

import (
	"fmt"
	"strings"
)

// Kernel is one build variant: a kernel release on one distro version and
// arch. The same release in two distro versions (Ubuntu HWE) is two Kernels.
type Kernel struct {
	Distribution  string
	Flavor        string // Ubuntu "gcp", "aws", ...; Debian "cloud", "rt"; "" when plain
	DistroVersion string
	Arch          Arch
	Release       string   // as uname -r prints it
	KernelVersion string   // Ubuntu upload such as "24~18.04.1"; "" when none
	Headers       []string // URLs of the packages needed to build against it
	Source        string   // where it was seen: a suite URL, "kernels.json", ...
	CarriedOver   bool     // kept from a previous crawl because its source failed this time
}

// Key identifies a Kernel for dedupe and diff.
type Key struct {
	Distribution  string
	DistroVersion string
	Arch          Arch
	Release       string
}

func (k Key) String() string {
	return fmt.Sprintf("%s/%s/%s/%s", k.Distribution, k.DistroVersion, k.Arch, k.Release)
}

// Key returns the identity of k.
func (k Kernel) Key() Key {
	return Key{Distribution: k.Distribution, DistroVersion: k.DistroVersion, Arch: k.Arch, Release: k.Release}
}

// Validate checks every field that later flows into names and commands.
func (k Kernel) Validate() error {
	if err := ValidateRelease(k.Release); err != nil {
		return err
	}
	if _, err := ParseTarget(k.Distribution); err != nil {
		return err
	}
	if err := ValidateDistroVersion(k.DistroVersion); err != nil {
		return err
	}
	if _, err := ParseArch(string(k.Arch)); err != nil {
		return err
	}
	if k.Flavor != "" {
		if err := validateToken("flavor", k.Flavor, 64, false); err != nil {
			return err
		}
	}
	return ValidateKernelVersion(k.KernelVersion)
}

// Compare orders kernels by arch, distribution, distro version, release:
// the order kernels.json is written in.
func Compare(a, b Kernel) int {
	if c := strings.Compare(string(a.Arch), string(b.Arch)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Distribution, b.Distribution); c != 0 {
		return c
	}
	if c := strings.Compare(a.DistroVersion, b.DistroVersion); c != 0 {
		return c
	}
	return strings.Compare(a.Release, b.Release)
}

// FlavorOf is the flavor a release names, for distributions that put it
// there: Ubuntu "6.8.0-1012-nvidia-lowlatency" → "nvidia-lowlatency",
// Debian "6.1.0-28-cloud-amd64" → "cloud", "6.1.0-28-amd64" → "".
func FlavorOf(distribution, release string) string {
	switch distribution {
	case Ubuntu:
		// <x.y.z>-<abi>-<flavor...>
		parts := strings.SplitN(release, "-", 3)
		if len(parts) == 3 {
			return parts[2]
		}
	case Debian:
		i := strings.LastIndexByte(release, '-')
		if i < 0 {
			return ""
		}
		rest := release[:i] // drop the arch suffix
		j := strings.LastIndexByte(rest, '-')
		if j < 0 {
			return ""
		}
		switch f := rest[j+1:]; f {
		case "cloud", "rt":
			return f
		}
	}
	return ""
}

// NewKernel builds a validated Kernel from a target name (a distribution or
// a Falco target such as "ubuntu-gcp"), taking the flavor from the target or
// else from the release. An empty distroVersion is derived, never guessed.
func NewKernel(target string, arch Arch, release, distroVersion, kernelVersion string) (Kernel, error) {
	t, err := ParseTarget(target)
	if err != nil {
		return Kernel{}, err
	}
	k := Kernel{Distribution: t.Distribution, Flavor: t.Flavor, DistroVersion: distroVersion, Arch: arch, Release: release, KernelVersion: kernelVersion}
	if k.DistroVersion == "" {
		d, err := Derive(Input{Target: target, Release: release, KernelVersion: kernelVersion})
		if err != nil {
			return Kernel{}, err
		}
		k.DistroVersion = d.DistroVersion
	}
	if k.Flavor == "" {
		k.Flavor = FlavorOf(k.Distribution, k.Release)
	}
	return k, k.Validate()
}
