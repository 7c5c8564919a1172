package matrixgen

import (
	"errors"
	"fmt"
	"regexp"
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
	// BuildImage is the container image this kernel builds in when the
	// crawl found one (RHCOS: the release's Driver Toolkit, by digest);
	// "" = the distribution's default image.
	BuildImage string
	// OpenShiftReleases are the OpenShift z-streams that ship an RHCOS
	// kernel ("4.15.3"), oldest first.
	OpenShiftReleases []string
	// Origin says where a crawled kernel came from when not a mirror's
	// index of headers packages: OriginLivepatch, OriginKoji; "" otherwise.
	Origin string
	// Stream and Build, with OriginFedoraCoreOS, are the Fedora CoreOS
	// stream and build that ship the kernel ("stable", "44.20260707.3.1").
	Stream, Build string
	CarriedOver   bool // kept from a previous crawl because its source failed this time
}

// Origins of crawled kernels (crawl output's "source").
const (
	OriginLivepatch = "livepatch" // the AL2023 kernel-livepatch repository
	OriginKoji      = "koji"      // a Koji/CBS build the mirrors no longer carry
	// OriginFedoraCoreOS: a Fedora kernel a Fedora CoreOS build boots.
	OriginFedoraCoreOS = "fedora-coreos"
)

var (
	reFCOSStream = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	reFCOSBuild  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)+(-[0-9]+)?$`)
)

// Headerless says a crawl saw k but no package to build against it: an
// explicit empty headers list ("headers": [], an Amazon Linux 2023
// live-patched kernel whose kernel-devel is gone). A kernel with no headers
// field at all (kernels.json, the demand list: nil Headers) is not, nor is
// one with a build image, which holds its build tree (RHCOS's Driver
// Toolkit). Every caller that leaves such kernels out asks this.
func (k Kernel) Headerless() bool {
	return k.Headers != nil && len(k.Headers) == 0 && k.BuildImage == ""
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
	if k.BuildImage != "" {
		if err := ValidateImageDigest(k.BuildImage); err != nil {
			return err
		}
	}
	for _, r := range k.OpenShiftReleases {
		if !reOpenShiftRelease.MatchString(r) {
			return &InvalidError{Field: "openshift_releases", Value: r, Reason: "want an OpenShift release such as 4.15.3"}
		}
	}
	if _, err := ParseTarget(k.Distribution); err != nil {
		return err
	}
	if err := ValidateDistroVersion(k.DistroVersion); err != nil {
		return err
	}
	if a, err := ParseArch(string(k.Arch)); err != nil {
		return err
	} else if a != k.Arch {
		// Make stores the canonical arch: an alias here would make a
		// second key (and kernels.json key) for one kernel.
		return &InvalidError{Field: "arch", Value: string(k.Arch), Reason: fmt.Sprintf("want the canonical name %s", a)}
	}
	if k.Flavor != "" {
		if err := validateToken("flavor", k.Flavor, 64, false); err != nil {
			return err
		}
		// Flavors are lowercase on every distribution; targets are read
		// back lowercased, so a capital would not survive a round trip.
		if strings.ToLower(k.Flavor) != k.Flavor {
			return &InvalidError{Field: "flavor", Value: k.Flavor, Reason: "flavors are lowercase (generic, aws, cloud, rt)"}
		}
	}
	if k.Stream != "" || k.Build != "" {
		if k.Origin != OriginFedoraCoreOS {
			// The source is what is wrong: the stream or build may be "".
			return &InvalidError{Field: "source", Value: k.Origin, Reason: fmt.Sprintf("stream %q and build %q are a Fedora CoreOS kernel's: want source %s", k.Stream, k.Build, OriginFedoraCoreOS)}
		}
		// As schemas/crawl.schema.json: builds.coreos.fedoraproject.org's names.
		if len(k.Stream) > 32 || !reFCOSStream.MatchString(k.Stream) {
			return &InvalidError{Field: "stream", Value: k.Stream, Reason: "want a Fedora CoreOS stream name (stable, testing, next)"}
		}
		if len(k.Build) > 64 || !reFCOSBuild.MatchString(k.Build) {
			return &InvalidError{Field: "build", Value: k.Build, Reason: "want a Fedora CoreOS build ID (44.20260707.3.1)"}
		}
	}
	return ValidateKernelVersion(k.KernelVersion)
}

var (
	reOpenShiftRelease = regexp.MustCompile(`^4\.[0-9]{1,3}\.[0-9]{1,4}$`)
	// An image by digest: [host[:port]/]path@sha256:<64 hex>, as the crawl
	// schema's build_image says.
	reImageDigest = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)+@sha256:[0-9a-f]{64}$`)
)

// ValidateImageDigest checks an image reference by digest
// (quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:…): a build image
// flows into workflow inputs and docker commands.
func ValidateImageDigest(s string) error {
	if len(s) > 512 || !reImageDigest.MatchString(s) {
		return &InvalidError{Field: "build_image", Value: s, Reason: "want an image by digest, REGISTRY/REPOSITORY@sha256:<64 hex digits>"}
	}
	return nil
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
	if d := byName[distribution]; d != nil && d.flavor != nil {
		return d.flavor(release)
	}
	return ""
}

func ubuntuFlavor(release string) string {
	// <x.y.z>-<abi>-<flavor...>
	// (no strings.SplitN: this runs for every kernel read)
	_, rest, ok := strings.Cut(release, "-")
	if !ok {
		return ""
	}
	_, flavor, _ := strings.Cut(rest, "-")
	return flavor
}

func debianFlavor(release string) string {
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
	return ""
}

// Spec is a kernel as it enters matrixgen, from any entry point: a
// kernels.json entry, a Falco list.json entry, add-kernel's flags, a crawl,
// the PR bot or POST /build. Make is the one rule that turns it into a
// Kernel.
type Spec struct {
	Target        string // distribution or Falco target ("ubuntu-gcp", "amazonlinux2023")
	Arch          Arch
	Release       string // uname -r
	DistroVersion string // "" = derive from the release
	KernelVersion string // Ubuntu upload, or uname -v ("#41~22.04.1-Ubuntu SMP ...")
	Suite         string // the Debian or Ubuntu suite it was found in, when crawled
}

// Make validates s and builds its Kernel. The release's own markers must
// agree with everything else given: the distribution (.fc42 is Fedora's),
// the distro version (.fc42 is not Fedora 41; Ubuntu 20.04 never shipped
// 6.8), the arch (.aarch64 is not x86_64) and the suite. A missing distro
// version is derived, never guessed. Refusals are *InvalidError (a
// contradiction or a malformed field) or *UnderivableError.
func Make(s Spec) (Kernel, error) {
	t, err := ParseTarget(s.Target)
	if err != nil {
		return Kernel{}, err
	}
	if t.Unsupported {
		return Kernel{}, &InvalidError{Field: "target", Value: s.Target, Reason: "known distribution, not built for: " + UnsupportedReason(t.Distribution)}
	}
	dist := t.distro
	if err := ValidateRelease(s.Release); err != nil {
		return Kernel{}, err
	}
	// Aliases (amd64, X86_64, x64, arm64, AArch64, ...) are accepted in
	// input; the Kernel holds the canonical arch, so one kernel is one
	// key, one build, one branch and one kernels.json key however it was
	// spelled.
	arch, err := ParseArch(string(s.Arch))
	if err != nil {
		return Kernel{}, err
	}
	if s.DistroVersion != "" {
		// A malformed field is named before any contradiction it may cause.
		if err := ValidateDistroVersion(s.DistroVersion); err != nil {
			return Kernel{}, err
		}
	}
	kv, err := UbuntuUpload(s.KernelVersion)
	if err != nil {
		return Kernel{}, err
	}
	if err := CheckArch(t.Distribution, s.Release, arch); err != nil {
		return Kernel{}, err
	}
	k := Kernel{Distribution: t.Distribution, Flavor: t.Flavor, DistroVersion: s.DistroVersion, Arch: arch, Release: s.Release, KernelVersion: kv}
	releaseFlavor := FlavorOf(k.Distribution, k.Release)
	if k.Flavor == "" {
		k.Flavor = releaseFlavor
	}
	if dist.Flavored && releaseFlavor == "" {
		// uname -r of every Ubuntu kernel ends in its flavor; without one
		// the release is not Ubuntu's (and Falco's ubuntu-<flavor> target
		// could not say it).
		return Kernel{}, &InvalidError{Field: "kernelrelease", Value: k.Release, Reason: fmt.Sprintf("a %s kernel release ends in its flavor, as uname -r prints it (6.8.0-51-generic)", k.Distribution)}
	}
	if t.VersionHint != "" && k.DistroVersion != "" && t.VersionHint != k.DistroVersion {
		return Kernel{}, &InvalidError{Field: "distroversion", Value: k.DistroVersion, Reason: fmt.Sprintf("contradicts the target %s, which names %s %s", s.Target, t.Distribution, t.VersionHint)}
	}
	// The release, kernel version and target are checked above: derive
	// does not check them again.
	d, derr := derive(t, Input{Target: s.Target, Release: s.Release, KernelVersion: kv, Suite: s.Suite})
	switch {
	case errors.Is(derr, ErrInvalid):
		return Kernel{}, derr
	case k.DistroVersion == "":
		if ue := underivable(derr); ue != nil && ue.NoMarker {
			return Kernel{}, notOf(k.Distribution, s.Release, ue)
		}
		if derr != nil {
			return Kernel{}, derr
		}
		k.DistroVersion = d.DistroVersion
	default:
		if ok, why := validVersion(k.Distribution, k.DistroVersion); !ok {
			return Kernel{}, &InvalidError{Field: "distroversion", Value: k.DistroVersion, Reason: why}
		}
		// A plain Ubuntu upload derives the GA release, but it is no evidence
		// against another: HWE binaries carry plain uploads in their package
		// versions (noble-security's linux-headers-6.17.0-42-generic is
		// 6.17.0-42.42), so only the ships check below applies to them.
		weak := dist.weakUpload && s.Suite == "" && reUbuNum.MatchString(kv)
		if derr == nil && d.DistroVersion != k.DistroVersion && !weak {
			return Kernel{}, &InvalidError{Field: "distroversion", Value: k.DistroVersion, Reason: fmt.Sprintf("contradicts the release: %s is %s %s (rule: %s)", s.Release, k.Distribution, d.DistroVersion, d.Rule)}
		}
		if ue := underivable(derr); ue != nil && dist.MarkerRequired {
			// Every kernel of these distributions names its version:
			// one that does not is another distribution's.
			return Kernel{}, notOf(k.Distribution, s.Release, ue)
		}
		// The series rule applies whether or not the version was
		// derived: a given version does not make a series the
		// distribution never shipped in it buildable.
		if dist.ships != nil {
			if err := dist.ships(dist, k.DistroVersion, k.Release, kv); err != nil {
				return Kernel{}, err
			}
		}
	}
	return k, k.Validate()
}

// underivable is err's *UnderivableError, or nil. The type assertion
// comes first because errors.As moves its target to the heap, and Make
// meets one of Derive's refusals for every Ubuntu kernel it reads.
func underivable(err error) *UnderivableError {
	if err == nil {
		return nil
	}
	if ue, ok := err.(*UnderivableError); ok {
		return ue
	}
	var ue *UnderivableError
	if errors.As(err, &ue) {
		return ue
	}
	return nil
}

// notOf refuses a release without the version marker every kernel of
// its distribution carries: it is another distribution's, whatever version
// is given, so no --distro-version can make it right.
func notOf(distribution, release string, ue *UnderivableError) error {
	return &InvalidError{Field: "kernelrelease", Value: release, Reason: fmt.Sprintf("not a kernel release of %s: %s", distribution, ue.Reason)}
}

// Rule is the derivation rule that gives k's distro version from its own
// release (and Ubuntu kernel version), or false when k's version was given
// rather than derivable (the consistency rule still checked it).
func (k Kernel) Rule() (string, bool) {
	d, err := Derive(Input{Target: FalcoTarget(k.Distribution, k.Flavor, k.DistroVersion), Release: k.Release, KernelVersion: k.KernelVersion})
	if err != nil || d.DistroVersion != k.DistroVersion {
		return "", false
	}
	return d.Rule, true
}
