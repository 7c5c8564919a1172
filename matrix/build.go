package matrix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/matrixgen/matrixgen"
)

// MaxJobs is GitHub Actions' limit on jobs per matrix.
const MaxJobs = 256

// Axis is a user-defined matrix dimension (--axis nvlink=nvf1.0,nvf1.1);
// every kernel is built once per value, as a cross product.
type Axis struct {
	Name   string
	Values []string
}

// AxisValue is one axis's value on one entry.
type AxisValue struct{ Name, Value string }

// Entry is one build: one job of the matrix.
type Entry struct {
	Distribution  string
	DistroVersion string
	KernelRelease string
	Architecture  string
	DriverVersion string
	BaseImage     string
	CacheKey      string
	Artifact      string
	Axes          []AxisValue
}

// Vars is what artifact and base-image templates see.
type Vars struct {
	Distribution  string
	DistroVersion string
	Flavor        string
	KernelRelease string
	KernelSeries  string // major.minor of the release: "6.8"
	Arch          string // x86_64, aarch64, aarch64+64k, riscv64
	DebArch       string // amd64, arm64, riscv64
	RPMArch       string // x86_64, aarch64, riscv64
	PkgArch       string // DebArch for Debian-family distributions, RPMArch otherwise; "+64k" appended for aarch64+64k
	PkgExt        string // "deb" or "rpm"
	DriverVersion string
	Package       string
	OSTag         string // the GPU Operator's OS_TAG: ubuntu24.04, rhcos4.15, rhel9.4 (matrixgen.OSTag)
	DefaultImage  string // the preset base image for the distribution and version, or the kernel's build_image
	// Axes maps each --axis name to this entry's value: {{index .Axes "nvlink"}},
	// or {{axis "nvlink"}}, which fails on a name that is not an axis.
	Axes map[string]string
	// AxisValues are this entry's axis values in --axis order, for templates
	// that name every axis: {{range .AxisValues}}+{{.}}{{end}}.
	AxisValues []string

	ownImage bool // DefaultImage is the kernel's build_image, not the distribution's
}

// presets are the artifact name templates of DESIGN.md, each with the
// user's axes in it so --axis values never share a name, and the distro
// version in the package name: an Ubuntu HWE release such as
// 6.8.0-51-generic ships in 22.04 and 24.04, two builds. They are written
// out as templates so --help can show them and users can start from them.
// Unexported: the build service runs many requests in one process, so no
// caller may change them; read them through Preset and PresetNames.
var presets = map[string]string{
	"deb-rpm": `{{.Package}}-{{.Distribution}}-{{.DistroVersion}}-{{.KernelRelease}}_{{.DriverVersion}}{{range .AxisValues}}+{{.}}{{end}}_{{.PkgArch}}.{{.PkgExt}}`,
	// The GPU Operator's precompiled driver tag, ${DRIVER}-${KERNEL with + as
	// _}-${OS_TAG}: no arch, which belongs to the image's platform (see ImagePreset).
	ImagePreset: `{{.DriverVersion}}{{range .AxisValues}}-{{.}}{{end}}-{{replace .KernelRelease "+" "_"}}-{{.OSTag}}`,
	// NVIDIA's compatibility string, <driver>+<axis values>+k<series>+<arch>
	// (2.4.1+nvf1.0+k5.19+riscv64): one build per kernel series, so two
	// kernels of one series are a collision the user must resolve.
	"compat-version": `{{.DriverVersion}}{{range .AxisValues}}+{{.}}{{end}}+k{{.KernelSeries}}+{{.Arch}}`,
}

// ImagePreset is the preset whose artifacts are image tags, exactly as the
// NVIDIA GPU Operator computes them from a node. A tag names one image per
// platform (a multi-arch manifest), so two builds share an artifact only
// when they share the tag and the platform: an Ubuntu release, which does
// not name its arch, gets one tag for its amd64 and arm64 builds.
const ImagePreset = "precompiled-image"

// DefaultPreset is the artifact preset used when none is named.
const DefaultPreset = "deb-rpm"

// Preset returns the template text of a named artifact preset.
func Preset(name string) (string, bool) {
	t, ok := presets[name]
	return t, ok
}

// PresetNames lists the artifact presets, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// DefaultBaseImage is the base-image template used when none is given.
const DefaultBaseImage = `{{.DefaultImage}}`

// funcs are the template functions. "axis" is a placeholder at parse time
// (so templates that call it parse); Build binds it to the entry being
// rendered on its own clone of the template.
var funcs = template.FuncMap{
	"replace": func(s, old, new string) string { return strings.ReplaceAll(s, old, new) },
	"lower":   strings.ToLower,
	"upper":   strings.ToUpper,
	"axis":    func(name string) (string, error) { return "", fmt.Errorf("axis %q: no axes here", name) },
}

// ParseTemplate compiles a user template, naming the flag in errors.
func ParseTemplate(name, text string) (*template.Template, error) {
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// Options shape the matrix.
type Options struct {
	DriverVersions []string // one entry per version; none = one entry with ""
	Axes           []Axis
	Package        string             // for the deb-rpm preset; default "driver"
	Artifact       *template.Template // default: the deb-rpm preset
	BaseImage      *template.Template // default: DefaultBaseImage
	Built          map[string]bool    // artifact names already built: left out
	// BuiltName turns a rendered artifact name into the form Built holds
	// before the lookup: the name as GitHub stores it (github.AssetName),
	// as matrix --built compares. nil compares names as rendered.
	BuiltName func(string) string
	// NamesOnly says the caller reads artifact names and cache keys only
	// (the build service): an entry may then have no base image (an RHCOS
	// kernel without the crawl's build_image).
	NamesOnly bool
}

// built says whether artifact is among o.Built, compared through BuiltName.
func (o Options) built(artifact string) bool {
	if len(o.Built) == 0 {
		return false
	}
	if o.BuiltName != nil {
		artifact = o.BuiltName(artifact)
	}
	return o.Built[artifact]
}

var (
	reAxisName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)
	reFixed    = map[string]bool{"distribution": true, "distro_version": true, "kernel_release": true, "architecture": true, "driver_version": true, "base_image": true, "cache_key": true, "artifact": true}
)

// fixedFields are the fields of every entry, in output order.
var fixedFields = [...]string{"distribution", "distro_version", "kernel_release", "architecture", "driver_version", "base_image", "cache_key", "artifact"}

// ParseAxis reads one --axis flag, NAME=v1,v2. Values are trimmed; empty
// ones are kept so Validate can refuse them by name.
func ParseAxis(flag string) (Axis, error) {
	name, vals, ok := strings.Cut(flag, "=")
	if !ok || strings.TrimSpace(name) == "" {
		return Axis{}, fmt.Errorf("--axis %q: want NAME=v1,v2", flag)
	}
	a := Axis{Name: strings.TrimSpace(name)}
	for _, v := range strings.Split(vals, ",") {
		a.Values = append(a.Values, strings.TrimSpace(v))
	}
	return a, nil
}

// ValidateDriverVersion checks one driver version: the charset of a kernel
// version, and never empty (an empty version makes names such as
// "…_arm64__arm64.deb" and a cache key ending in ":").
func ValidateDriverVersion(v string) error {
	if v == "" {
		return &matrixgen.InvalidError{Field: "driver-version", Value: v, Reason: "empty (leave the flag out for builds without a driver version)"}
	}
	return relabel(matrixgen.ValidateKernelVersion(v), "driver-version")
}

// relabel names the field the user gave: the charset rule is the kernel
// version's, but the message must not call a driver version "kernelversion".
func relabel(err error, field string) error {
	var ie *matrixgen.InvalidError
	if errors.As(err, &ie) {
		c := *ie
		c.Field = field
		return &c
	}
	return err
}

// Validate checks the user-supplied parts of the options. Duplicate driver
// versions or axis values are refused rather than merged: a repeated flag
// is more likely a typo in a workflow than a wish.
func (o Options) Validate() error {
	seenDriver := make(map[string]bool, len(o.DriverVersions))
	for _, v := range o.DriverVersions {
		if err := ValidateDriverVersion(v); err != nil {
			return fmt.Errorf("--driver-version: %w", err)
		}
		if seenDriver[v] {
			return fmt.Errorf("--driver-version %s given twice: give each version once", v)
		}
		seenDriver[v] = true
	}
	seen := map[string]bool{}
	for _, a := range o.Axes {
		if !reAxisName.MatchString(a.Name) || reFixed[a.Name] {
			return fmt.Errorf("--axis %q: name must be letters, digits, _ or - and not one of the fixed fields", a.Name)
		}
		if seen[a.Name] {
			return fmt.Errorf("--axis %q given twice", a.Name)
		}
		seen[a.Name] = true
		if len(a.Values) == 0 {
			return fmt.Errorf("--axis %s: no values (want NAME=v1,v2)", a.Name)
		}
		vals := make(map[string]bool, len(a.Values))
		for _, v := range a.Values {
			if v == "" {
				return fmt.Errorf("--axis %s=%s: empty value", a.Name, strings.Join(a.Values, ","))
			}
			if err := matrixgen.ValidateKernelVersion(v); err != nil {
				return fmt.Errorf("--axis %s: %w", a.Name, relabel(err, "axis "+a.Name))
			}
			if vals[v] {
				return fmt.Errorf("--axis %s: value %s given twice: give each value once", a.Name, v)
			}
			vals[v] = true
		}
	}
	return nil
}

// CacheKey is an entry's cache key:
// kernel:arch:distro:distroversion:driverversion, then :name=value per axis
// in axis order. Every part is a validated token (no ":" or "="), so the key
// reads back unambiguously.
func CacheKey(release string, arch matrixgen.Arch, distribution, distroVersion, driverVersion string, axes []AxisValue) string {
	n := len(release) + len(arch) + len(distribution) + len(distroVersion) + len(driverVersion) + 4
	for _, a := range axes {
		n += len(a.Name) + len(a.Value) + 2
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(release)
	b.WriteByte(':')
	b.WriteString(string(arch))
	b.WriteByte(':')
	b.WriteString(distribution)
	b.WriteByte(':')
	b.WriteString(distroVersion)
	b.WriteByte(':')
	b.WriteString(driverVersion)
	for _, a := range axes {
		b.WriteByte(':')
		b.WriteString(a.Name)
		b.WriteByte('=')
		b.WriteString(a.Value)
	}
	return b.String()
}

// duplicateKernels says whether a kernel appears twice. Driver versions and
// axis values are unique (Validate), so cache keys can only collide through
// a repeated kernel: Build checks each cache key only then, which keeps a
// 200,000-entry map off the nightly's path.
//
// Kernels usually come from Merge, sorted with no key twice
// (strictlySorted): then no map is needed.
func duplicateKernels(kernels []matrixgen.Kernel) bool {
	if strictlySorted(kernels) {
		return false
	}
	seen := make(map[matrixgen.Key]struct{}, len(kernels))
	for _, k := range kernels {
		if _, ok := seen[k.Key()]; ok {
			return true
		}
		seen[k.Key()] = struct{}{}
	}
	return false
}

// Build expands kernels into matrix entries: one per kernel × driver
// version × axis value, leaving out artifacts already built. Every entry
// of the full product (built or not) must have its own artifact and cache
// key: otherwise it returns a *CollisionError naming the entries that
// share one and the template that made them.
func Build(kernels []matrixgen.Kernel, o Options) ([]Entry, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	drivers := o.DriverVersions
	if len(drivers) == 0 {
		drivers = []string{""}
	}
	if o.Package == "" {
		o.Package = "driver"
	}
	var v Vars
	artifactT, err := bindAxis(o.Artifact, &v)
	if err != nil {
		return nil, err
	}
	imageT, err := bindAxis(o.BaseImage, &v)
	if err != nil {
		return nil, err
	}
	combos := axisCombos(o.Axes)
	total := len(kernels) * len(drivers) * len(combos)
	out := make([]Entry, 0, total)
	col := newCollisions(total, len(drivers), len(combos), duplicateKernels(kernels))
	imageTags := o.Artifact != nil && o.Artifact.Name() == ImagePreset
	var buf bytes.Buffer
	var prev Vars
	for _, k := range kernels {
		v = varsFor(k, o.Package, &prev)
		prev = v
		imageChecked := false
		for _, dv := range drivers {
			v.DriverVersion = dv
			for _, combo := range combos {
				v.Axes, v.AxisValues = nil, nil
				if len(combo) > 0 {
					v.Axes = make(map[string]string, len(combo))
					v.AxisValues = make([]string, len(combo))
					for i, a := range combo {
						v.Axes[a.Name] = a.Value
						v.AxisValues[i] = a.Value
					}
				}
				artifact, err := render(&buf, artifactT, &v, defaultArtifact)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", k.Key(), err)
				}
				if !validName(artifact, artifactByte) {
					hint := ""
					if dv == "" {
						hint = " (does the template need --driver-version?)"
					}
					return nil, fmt.Errorf("artifact template gave %q for %s: want a name that starts with a letter or digit and holds only letters, digits and . _ + ~ - (up to 255 bytes)%s", artifact, k.Key(), hint)
				}
				key := CacheKey(k.Release, v.archValue(), k.Distribution, k.DistroVersion, dv, combo)
				if imageTags {
					// An image tag names one manifest; where the release does
					// not name its arch (Ubuntu) the arch is the image's
					// platform, so (tag, platform) is an image's identity.
					col.add(artifact+" for linux/"+k.Arch.Deb(), key)
				} else {
					col.add(artifact, key)
				}
				if o.built(artifact) {
					continue
				}
				image := v.DefaultImage // checked once per kernel below
				if imageT != nil {
					if image, err = render(&buf, imageT, &v, nil); err != nil {
						return nil, fmt.Errorf("%s: %w", k.Key(), err)
					}
				}
				if image == "" && imageT == nil {
					if !o.NamesOnly {
						return nil, fmt.Errorf("%s: no build image: %s kernels build in the image their crawl names (build_image, the release's Driver Toolkit): use --crawled with a crawl of them, or give --base-image", k.Key(), k.Distribution)
					}
				} else if (imageT != nil || !imageChecked) && !validName(image, imageByte) {
					return nil, fmt.Errorf("base image template gave %q for %s: not an image reference", image, k.Key())
				}
				imageChecked = true
				out = append(out, Entry{
					Distribution:  k.Distribution,
					DistroVersion: k.DistroVersion,
					KernelRelease: k.Release,
					Architecture:  v.Arch,
					DriverVersion: dv,
					BaseImage:     image,
					CacheKey:      key,
					Artifact:      artifact,
					Axes:          combo,
				})
			}
		}
	}
	if err := col.err(kernels, drivers, combos, o.Artifact); err != nil {
		return nil, err
	}
	return out, nil
}

func (v *Vars) archValue() matrixgen.Arch { return matrixgen.Arch(v.Arch) }

// bindAxis gives a clone of t an "axis" function that reads the entry
// being rendered (v), so concurrent Builds never share state.
func bindAxis(t *template.Template, v *Vars) (*template.Template, error) {
	if t == nil {
		return nil, nil
	}
	c, err := t.Clone()
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", t.Name(), err)
	}
	return c.Funcs(template.FuncMap{"axis": func(name string) (string, error) {
		if val, ok := v.Axes[name]; ok {
			return val, nil
		}
		return "", fmt.Errorf("no axis %q (give it with --axis %s=v1,v2)", name, name)
	}}), nil
}

// validName checks a generated name without regexp: it runs once per job.
// The first byte must be a letter or digit (never "-": names meet shells);
// ok marks the bytes allowed after it; ".." is refused.
func validName(s string, ok *[256]bool) bool {
	if s == "" || len(s) > 255 || !isAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !ok[s[i]] || s[i] == '.' && s[i-1] == '.' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// artifactByte and imageByte are the bytes an artifact name and an image
// reference may hold.
var artifactByte, imageByte = byteSet(func(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '-'
}), byteSet(func(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '/' || c == ':' || c == '@' || c == '-'
})

func byteSet(ok func(byte) bool) *[256]bool {
	var t [256]bool
	for c := range 256 {
		t[c] = ok(byte(c))
	}
	return &t
}

// defaultArtifact is the deb-rpm preset without the template engine: the
// nightly renders hundreds of thousands of names. A test keeps the two equal.
func defaultArtifact(v *Vars) string {
	if len(v.AxisValues) == 0 { // one concatenation: one allocation per name
		return v.Package + "-" + v.Distribution + "-" + v.DistroVersion + "-" + v.KernelRelease + "_" + v.DriverVersion + "_" + v.PkgArch + "." + v.PkgExt
	}
	axes := ""
	for _, a := range v.AxisValues {
		axes += "+" + a
	}
	return v.Package + "-" + v.Distribution + "-" + v.DistroVersion + "-" + v.KernelRelease + "_" + v.DriverVersion + axes + "_" + v.PkgArch + "." + v.PkgExt
}

func render(buf *bytes.Buffer, t *template.Template, v *Vars, fast func(*Vars) string) (string, error) {
	if t == nil {
		return fast(v), nil
	}
	buf.Reset()
	if err := t.Execute(buf, v); err != nil {
		return "", fmt.Errorf("template %s: %w", t.Name(), err)
	}
	return buf.String(), nil
}

func axisCombos(axes []Axis) [][]AxisValue {
	combos := [][]AxisValue{nil}
	for _, a := range axes {
		var next [][]AxisValue
		for _, c := range combos {
			for _, v := range a.Values {
				n := append(append([]AxisValue(nil), c...), AxisValue{a.Name, v})
				next = append(next, n)
			}
		}
		combos = next
	}
	return combos
}

// varsFor is what k's templates see. prev, when not nil, is the previous
// kernel's: sorted kernels share their distribution and version with it,
// and its OSTag and DefaultImage strings are reused instead of made again.
func varsFor(k matrixgen.Kernel, pkg string, prev *Vars) Vars {
	v := Vars{
		Distribution:  k.Distribution,
		DistroVersion: k.DistroVersion,
		Flavor:        k.Flavor,
		KernelRelease: k.Release,
		KernelSeries:  Series(k.Release),
		Arch:          string(k.Arch),
		DebArch:       k.Arch.Deb(),
		RPMArch:       string(k.Arch.Target()),
		Package:       pkg,
	}
	if prev != nil && prev.Distribution == k.Distribution && prev.DistroVersion == k.DistroVersion && !prev.ownImage && !matrixgen.OSTagReadsRelease(k.Distribution) {
		v.OSTag, v.DefaultImage = prev.OSTag, prev.DefaultImage
	} else {
		v.OSTag, v.DefaultImage = matrixgen.OSTag(k.Distribution, k.DistroVersion, k.Release), DefaultImage(k.Distribution, k.DistroVersion)
	}
	if k.BuildImage != "" {
		// The crawl named the image this kernel builds in (RHCOS: the
		// release's Driver Toolkit, whose kernel packages match it).
		v.DefaultImage, v.ownImage = k.BuildImage, true
	}
	v.PkgArch, v.PkgExt = v.RPMArch, "rpm"
	if matrixgen.PackageFormat(k.Distribution) == "deb" {
		v.PkgArch, v.PkgExt = v.DebArch, "deb"
	}
	if k.Arch == matrixgen.AArch64_64k {
		// Both package arches of a 64k kernel are aarch64/arm64; the name
		// keeps the full token so it never meets the 4k kernel's package.
		v.PkgArch += "+64k"
	}
	return v
}

// Series is the major.minor of a release: "6.8.0-51-generic" → "6.8".
func Series(release string) string {
	dots := 0
	for i := 0; i < len(release); i++ {
		c := release[i]
		if c == '.' {
			dots++
			if dots == 2 {
				return release[:i]
			}
			continue
		}
		if c < '0' || c > '9' {
			return release[:i]
		}
	}
	return release
}

// DefaultImage is the container image a distribution version builds in,
// as the distribution table (matrixgen.Distros) says.
func DefaultImage(distribution, version string) string {
	return matrixgen.DefaultImage(distribution, version)
}

// AppendJSON appends one matrix, {"include":[...]}, as compact JSON.
func AppendJSON(b []byte, entries []Entry) []byte {
	b = append(b, `{"include":[`...)
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.appendJSON(b)
	}
	return append(b, "]}"...)
}

func (e Entry) appendJSON(b []byte) []byte {
	// The fixed field names need no escaping: written as literals.
	b = append(b, `{"distribution":`...)
	b = appendString(b, e.Distribution)
	b = append(b, `,"distro_version":`...)
	b = appendString(b, e.DistroVersion)
	b = append(b, `,"kernel_release":`...)
	b = appendString(b, e.KernelRelease)
	b = append(b, `,"architecture":`...)
	b = appendString(b, e.Architecture)
	b = append(b, `,"driver_version":`...)
	b = appendString(b, e.DriverVersion)
	b = append(b, `,"base_image":`...)
	b = appendString(b, e.BaseImage)
	b = append(b, `,"cache_key":`...)
	b = appendString(b, e.CacheKey)
	b = append(b, `,"artifact":`...)
	b = appendString(b, e.Artifact)
	for _, a := range e.Axes {
		b = append(b, ',')
		b = appendString(b, a.Name)
		b = append(b, ':')
		b = appendString(b, a.Value)
	}
	return append(b, '}')
}

// appendPlainJSON is appendJSON for an entry known to need no escaping
// (its appendJSON holds no backslash): the plan's second rendering.
func (e Entry) appendPlainJSON(b []byte) []byte {
	b = append(b, `{"distribution":"`...)
	b = append(b, e.Distribution...)
	b = append(b, `","distro_version":"`...)
	b = append(b, e.DistroVersion...)
	b = append(b, `","kernel_release":"`...)
	b = append(b, e.KernelRelease...)
	b = append(b, `","architecture":"`...)
	b = append(b, e.Architecture...)
	b = append(b, `","driver_version":"`...)
	b = append(b, e.DriverVersion...)
	b = append(b, `","base_image":"`...)
	b = append(b, e.BaseImage...)
	b = append(b, `","cache_key":"`...)
	b = append(b, e.CacheKey...)
	b = append(b, `","artifact":"`...)
	b = append(b, e.Artifact...)
	b = append(b, '"')
	for _, a := range e.Axes {
		b = append(b, `,"`...)
		b = append(b, a.Name...)
		b = append(b, `":"`...)
		b = append(b, a.Value...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// MarshalJSON renders the entry with its fixed fields first, then axes.
func (e Entry) MarshalJSON() ([]byte, error) { return e.appendJSON(nil), nil }

// plainJSON marks the bytes a JSON string can hold as they are (printable
// ASCII but for the quote, the backslash and encoding/json's HTML escapes).
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString writes s as a JSON string; validated values need no
// escaping, anything else goes through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !plainJSON[s[i]] {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
