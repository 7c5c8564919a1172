package rpm

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/matrixgen/matrixgen"
)

// Matcher decides which packages of a repository are kernels and which kernel each is.
type Matcher interface {
	// Match reports whether a package name can be a kernel for this matcher. It is called
	// for every package of an index, before the package is decoded: keep it cheap.
	Match(name string) bool
	// Kernel returns the uname -r release that p stands for on arch (the crawl's arch,
	// aarch64+64k included), and whether p is one at all (a package of another arch, a
	// source rpm, a 64k kernel on plain aarch64).
	Kernel(p *Package, arch matrixgen.Arch) (release string, ok bool)
	// Headers reports whether the package's own URL is a headers URL of the kernel (true
	// for kernel-devel; false for a livepatch module, whose headers are core's).
	Headers() bool
}

// Headers matches kernel headers packages: kernel-devel, kernel-64k-devel (aarch64+64k
// only), Amazon Linux's per-series kernel<series>-devel (kernel6.12-devel) and Oracle's
// kernel-uek-devel. Debug, tools, headers (userspace), -matched and rt packages are not.
// A function, not a var, so no caller can swap the matcher every crawl uses.
func Headers() Matcher { return headersMatcher{} }

// Livepatches matches the AL2023 kernel-livepatch-<kver>-<krel> packages and turns each into
// the kernel it patches (see LivepatchKernel).
func Livepatches() Matcher { return livepatchMatcher{} }

// amazonSeries is Amazon Linux's parallel kernel streams: kernel6.12-devel, kernel6.18-devel.
var amazonSeries = regexp.MustCompile(`^kernel[0-9]+\.[0-9]+-devel$`)

type headersMatcher struct{}

func (headersMatcher) Match(name string) bool {
	switch name {
	case "kernel-devel", "kernel-64k-devel", "kernel-uek-devel":
		return true
	}
	return strings.HasPrefix(name, "kernel") && amazonSeries.MatchString(name)
}

func (headersMatcher) Headers() bool { return true }

func (m headersMatcher) Kernel(p *Package, arch matrixgen.Arch) (string, bool) {
	if !m.Match(p.Name) || p.Arch != string(arch.Target()) {
		return "", false // src, noarch, another arch
	}
	is64k := p.Name == "kernel-64k-devel"
	if is64k != (arch == matrixgen.AArch64_64k) {
		return "", false
	}
	rel := p.UnameR()
	if rel == "" {
		rel = p.Version + "-" + p.Release + "." + p.Arch
	}
	if is64k && !strings.HasSuffix(rel, "+64k") {
		rel += "+64k"
	}
	return rel, true
}

type livepatchMatcher struct{}

const livepatchPrefix = "kernel-livepatch-"

func (livepatchMatcher) Match(name string) bool {
	rest, ok := strings.CutPrefix(name, livepatchPrefix)
	return ok && rest != "" && rest[0] >= '0' && rest[0] <= '9'
}

func (livepatchMatcher) Headers() bool { return false }

func (livepatchMatcher) Kernel(p *Package, arch matrixgen.Arch) (string, bool) {
	if p.Arch != string(arch) {
		return "", false
	}
	return LivepatchKernel(p.Name, p.Version, p.Release, p.Arch)
}

// livepatchName is kernel-livepatch-<kernel version>-<kernel release number>, as in the
// AL2023 supportinfo: kernel-livepatch-6.1.153-175.280, kernel-livepatch-6.12.22-27.96.
var livepatchName = regexp.MustCompile(`^kernel-livepatch-([0-9]+(?:\.[0-9]+)+)-([0-9]+(?:\.[0-9]+)*)$`)

// amznTag is the distribution tag of an Amazon Linux package release ("1.amzn2023").
var amznTag = regexp.MustCompile(`^amzn[0-9]+$`)

// LivepatchKernel returns the uname -r of the kernel an AL2023 livepatch package patches.
// The kernel is named by the package name, not its version: name kernel-livepatch-6.1.153-175.280,
// version 1.0, release 1.amzn2023, arch x86_64 → 6.1.153-175.280.amzn2023.x86_64. ok is false
// for other names (kernel-livepatch-repo-cdn), a release without an amznN tag, and arches
// that are no kernel's (src, noarch).
func LivepatchKernel(name, version, release, arch string) (string, bool) {
	m := livepatchName.FindStringSubmatch(name)
	if m == nil || version == "" {
		return "", false
	}
	switch matrixgen.Arch(arch) {
	case matrixgen.X86_64, matrixgen.AArch64:
	default:
		return "", false
	}
	tag := ""
	for _, f := range strings.Split(release, ".") {
		if amznTag.MatchString(f) {
			tag = f
			break
		}
	}
	if tag == "" {
		return "", false
	}
	return fmt.Sprintf("%s-%s.%s.%s", m[1], m[2], tag, arch), true
}
