package matrix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
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
	PkgArch       string // DebArch for Debian-family distributions, RPMArch otherwise
	PkgExt        string // "deb" or "rpm"
	DriverVersion string
	Package       string
	OSTag         string // distribution and version run together: ubuntu24.04, amazonlinux2023
	DefaultImage  string // the preset base image for the distribution and version
	Axes          map[string]string
}

// Artifact presets (DESIGN.md). They are written out as templates so
// --help can show them and users can start from them.
var Presets = map[string]string{
	"deb-rpm":           `{{.Package}}-{{.Distribution}}-{{.KernelRelease}}_{{.DriverVersion}}_{{.PkgArch}}.{{.PkgExt}}`,
	"precompiled-image": `{{.DriverVersion}}-{{replace .KernelRelease "+" "_"}}-{{.OSTag}}`,
	"compat-version":    `{{.DriverVersion}}+k{{.KernelSeries}}+{{.Arch}}`,
}

// DefaultBaseImage is the base-image template used when none is given.
const DefaultBaseImage = `{{.DefaultImage}}`

var funcs = template.FuncMap{
	"replace": func(s, old, new string) string { return strings.ReplaceAll(s, old, new) },
	"lower":   strings.ToLower,
	"upper":   strings.ToUpper,
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
}

var (
	reAxisName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)
	reFixed    = map[string]bool{"distribution": true, "distro_version": true, "kernel_release": true, "architecture": true, "driver_version": true, "base_image": true, "cache_key": true, "artifact": true}
)

// Validate checks the user-supplied parts of the options.
func (o Options) Validate() error {
	for _, v := range o.DriverVersions {
		if err := matrixgen.ValidateKernelVersion(v); err != nil {
			return fmt.Errorf("--driver-version: %w", err)
		}
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
		for _, v := range a.Values {
			if err := matrixgen.ValidateKernelVersion(v); err != nil {
				return fmt.Errorf("--axis %s: %w", a.Name, err)
			}
		}
	}
	return nil
}

// Build expands kernels into matrix entries: one per kernel × driver
// version × axis value, leaving out artifacts already built.
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
	combos := axisCombos(o.Axes)
	out := make([]Entry, 0, len(kernels)*len(drivers)*len(combos))
	var buf bytes.Buffer
	for _, k := range kernels {
		v := varsFor(k, o.Package)
		imageChecked := false
		for _, dv := range drivers {
			v.DriverVersion = dv
			for _, combo := range combos {
				if len(combo) > 0 {
					v.Axes = make(map[string]string, len(combo))
					for _, a := range combo {
						v.Axes[a.Name] = a.Value
					}
				}
				artifact, err := render(&buf, o.Artifact, &v, defaultArtifact)
				if err != nil {
					return nil, err
				}
				if !validName(artifact, artifactByte) {
					hint := ""
					if dv == "" {
						hint = " (does the template need --driver-version?)"
					}
					return nil, fmt.Errorf("artifact template gave %q for %s: want a name that starts with a letter or digit and holds only letters, digits and . _ + ~ - (up to 255 bytes)%s", artifact, k.Key(), hint)
				}
				if o.Built[artifact] {
					continue
				}
				image := v.DefaultImage // checked once per kernel below
				if o.BaseImage != nil {
					if image, err = render(&buf, o.BaseImage, &v, nil); err != nil {
						return nil, err
					}
				}
				if (o.BaseImage != nil || !imageChecked) && !validName(image, imageByte) {
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
					CacheKey:      k.Release + ":" + v.Arch + ":" + k.Distribution + ":" + k.DistroVersion + ":" + dv,
					Artifact:      artifact,
					Axes:          combo,
				})
			}
		}
	}
	return out, nil
}

// validName checks a generated name without regexp: it runs once per job.
// The first byte must be a letter or digit (never "-": names meet shells).
func validName(s string, ok func(byte) bool) bool {
	if s == "" || len(s) > 255 || !isAlnum(s[0]) || strings.Contains(s, "..") {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func artifactByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '-'
}

func imageByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '/' || c == ':' || c == '@' || c == '-'
}

// defaultArtifact is the deb-rpm preset without the template engine: the
// nightly renders hundreds of thousands of names.
func defaultArtifact(v *Vars) string {
	return v.Package + "-" + v.Distribution + "-" + v.KernelRelease + "_" + v.DriverVersion + "_" + v.PkgArch + "." + v.PkgExt
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

func varsFor(k matrixgen.Kernel, pkg string) Vars {
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
		OSTag:         k.Distribution + k.DistroVersion,
		DefaultImage:  DefaultImage(k.Distribution, k.DistroVersion),
	}
	v.PkgArch, v.PkgExt = v.RPMArch, "rpm"
	if k.Distribution == matrixgen.Ubuntu || k.Distribution == matrixgen.Debian {
		v.PkgArch, v.PkgExt = v.DebArch, "deb"
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

// DefaultImage is the container image a distribution version builds in.
func DefaultImage(distribution, version string) string {
	switch distribution {
	case matrixgen.CentOS:
		return "quay.io/centos/centos:" + version
	case matrixgen.Rocky:
		return "rockylinux/rockylinux:" + version
	case matrixgen.Oracle:
		return "oraclelinux:" + version
	}
	return distribution + ":" + version
}

// Chunk splits entries into matrices of at most size jobs.
func Chunk(entries []Entry, size int) [][]Entry {
	if size <= 0 {
		size = MaxJobs
	}
	var out [][]Entry
	for len(entries) > size {
		out = append(out, entries[:size:size])
		entries = entries[size:]
	}
	if len(entries) > 0 {
		out = append(out, entries)
	}
	return out
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
	field := func(b []byte, name, v string, first bool) []byte {
		if !first {
			b = append(b, ',')
		}
		b = appendString(b, name)
		b = append(b, ':')
		return appendString(b, v)
	}
	b = append(b, '{')
	b = field(b, "distribution", e.Distribution, true)
	b = field(b, "distro_version", e.DistroVersion, false)
	b = field(b, "kernel_release", e.KernelRelease, false)
	b = field(b, "architecture", e.Architecture, false)
	b = field(b, "driver_version", e.DriverVersion, false)
	b = field(b, "base_image", e.BaseImage, false)
	b = field(b, "cache_key", e.CacheKey, false)
	b = field(b, "artifact", e.Artifact, false)
	for _, a := range e.Axes {
		b = field(b, a.Name, a.Value, false)
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
