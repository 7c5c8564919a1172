package rpm

import (
	"slices"
	"strings"

	rpmutils "github.com/sassoftware/go-rpmutils"

	"github.com/matrixgen/matrixgen"
)

// Devel is a Matcher configured by a distribution: the names of its kernel headers
// packages, each naming one kernel flavor, and the distribution's rule from such a
// package's version-release to the kernel's uname -r. Each flavor's package is a distinct
// kernel (Photon's linux-devel and linux-esx-devel of one version are two kernels). It reads
// the repository arch (x86_64, aarch64) and yields nothing for aarch64+64k: a distribution
// that uses it ships no 64k kernel under that arch.
type Devel struct {
	// Flavors maps each headers package name to its kernel flavor, "" for the generic
	// kernel: {"linux-devel": "", "linux-esx-devel": "esx"}.
	Flavors map[string]string
	// UnameR maps a headers package of a flavor to the kernel's uname -r; ok false skips
	// the package (a release the rule cannot read).
	UnameR UnameRule
	// Shared names the noarch packages that every flavor's kernel of one build needs
	// besides its own package (SUSE's kernel-devel, the common source tree that
	// kernel-<flavor>-devel builds against). The newest such package of the kernel's build
	// (Build) is added to each kernel's header URLs. A shared name must not be a flavor.
	Shared []string
	// Build is the build a package belongs to, which relates a flavor's package to its
	// shared packages: for SUSE the version and the release without its rebuild counter,
	// since the two may be rebuilt apart. Needed when Shared is set.
	Build func(p *Package) string
}

// UnameRule maps a kernel headers package of a flavor ("" = generic) to uname -r.
type UnameRule func(p *Package, flavor string) (release string, ok bool)

// VersionRelease is uname -r = version-release: Azure Linux and CBL-Mariner
// (kernel-devel-6.6.145.2-1.azl3 → 6.6.145.2-1.azl3; the spec's uname_r is
// %{version}-%{release}, no arch, no flavor).
func VersionRelease(p *Package, _ string) (string, bool) {
	return p.Version + "-" + p.Release, p.Version != "" && p.Release != ""
}

// VersionReleaseArch is the Red Hat rule: the kernel-devel-uname-r provide where the
// package has one, else version-release.arch (Alibaba Cloud Linux:
// kernel-devel-5.10.134-16.1.al8.x86_64 → 5.10.134-16.1.al8.x86_64).
func VersionReleaseArch(p *Package, _ string) (string, bool) {
	if u := p.UnameR(); u != "" {
		return u, true
	}
	return p.Version + "-" + p.Release + "." + p.Arch, p.Version != "" && p.Release != ""
}

// FlavorSuffix is Photon's rule: version-release, and -flavor for every flavor but the
// generic one (linux-esx-devel-5.10.83-6.ph4 → 5.10.83-6.ph4-esx; linux-devel-6.1.10-11.ph5
// → 6.1.10-11.ph5), as the specs' uname_r %{version}-%{release}-esx says.
func FlavorSuffix(p *Package, flavor string) (string, bool) {
	r, ok := VersionRelease(p, "")
	if flavor != "" {
		r += "-" + flavor
	}
	return r, ok
}

// SUSEFlavor is SUSE's rule: the release without its last field (the rebuild counter the
// build service appends), then -flavor: kernel-default-devel-6.4.0-150600.23.25.1 →
// 6.4.0-150600.23.25-default. A release of one field and the generic flavor are refused:
// every SUSE kernel has a flavor.
func SUSEFlavor(p *Package, flavor string) (string, bool) {
	base := SUSEBuild(p)
	if base == "" || flavor == "" {
		return "", false
	}
	return base + "-" + flavor, true
}

// SUSEBuild is a SUSE package's build: version-release without the release's last field
// (kernel-devel-6.4.0-150600.23.25.1 → 6.4.0-150600.23.25), "" for a release of one field.
func SUSEBuild(p *Package) string {
	i := strings.LastIndexByte(p.Release, '.')
	if p.Version == "" || i <= 0 {
		return ""
	}
	return p.Version + "-" + p.Release[:i]
}

func (d *Devel) shared(name string) bool {
	for _, s := range d.Shared {
		if s == name {
			return true
		}
	}
	return false
}

// Names are the headers packages of a kernel flavor ("" = generic), sorted,
// then the shared ones: what a kernel of that flavor is built against. A
// flavor no package names gives every flavor's packages.
func (d *Devel) Names(flavor string) []string {
	var names, all []string
	for n, f := range d.Flavors {
		all = append(all, n)
		if f == flavor {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		names = all
	}
	slices.Sort(names)
	return append(names, d.Shared...)
}

// Match implements Matcher.
func (d *Devel) Match(name string) bool {
	if _, ok := d.Flavors[name]; ok {
		return true
	}
	return d.shared(name)
}

// Headers implements Matcher.
func (d *Devel) Headers() bool { return true }

// Kernel implements Matcher.
func (d *Devel) Kernel(p *Package, arch matrixgen.Arch) (string, bool) {
	flavor, ok := d.Flavors[p.Name]
	if !ok || arch == matrixgen.AArch64_64k || p.Arch != string(arch) {
		return "", false // a shared package, src, noarch, another arch
	}
	return d.UnameR(p, flavor)
}

// SharedBuild implements sharedMatcher: the build of a shared noarch package.
func (d *Devel) SharedBuild(p *Package) (string, bool) {
	if !d.shared(p.Name) || p.Arch != "noarch" || d.Build == nil {
		return "", false
	}
	b := d.Build(p)
	return b, b != ""
}

// KernelBuild implements sharedMatcher: the build of a flavor's package.
func (d *Devel) KernelBuild(p *Package) string {
	if len(d.Shared) == 0 || d.Build == nil {
		return ""
	}
	return d.Build(p)
}

// sharedMatcher is a Matcher some of whose packages are part of the headers of every kernel
// of one build rather than kernels themselves (Devel.Shared).
type sharedMatcher interface {
	SharedBuild(p *Package) (build string, ok bool)
	KernelBuild(p *Package) string
}

// newer reports whether package a is a newer build of the same name than b (rpm order of
// version-release).
func newer(a, b *Package) bool {
	if v := rpmutils.Vercmp(a.Version, b.Version); v != 0 {
		return v > 0
	}
	return rpmutils.Vercmp(a.Release, b.Release) > 0
}
