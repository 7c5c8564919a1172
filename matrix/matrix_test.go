package matrix

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/matrixgen/matrixgen"
)

func k(dist, ver, arch, rel string) matrixgen.Kernel {
	return matrixgen.Kernel{Distribution: dist, DistroVersion: ver, Arch: matrixgen.Arch(arch), Release: rel, Flavor: matrixgen.FlavorOf(dist, rel)}
}

func TestMerge(t *testing.T) {
	a := k("ubuntu", "22.04", "x86_64", "6.8.0-51-generic")
	a.Headers = []string{"h1"}
	b := k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic") // HWE: the same release elsewhere
	c := a
	c.Headers = []string{"h1", "h2"}
	c.KernelVersion = "51~22.04.1"
	got := Merge([]matrixgen.Kernel{a, b}, []matrixgen.Kernel{c})
	if len(got) != 2 {
		t.Fatalf("Merge kept %d kernels, want 2 (one per Ubuntu version): %+v", len(got), got)
	}
	if got[0].DistroVersion != "22.04" || strings.Join(got[0].Headers, ",") != "h1,h2" || got[0].KernelVersion != "51~22.04.1" {
		t.Errorf("merged kernel = %+v", got[0])
	}
	if len(a.Headers) != 1 {
		t.Error("Merge modified its input")
	}
	// Unsorted input (crawl output merged after kernels.json) comes out sorted.
	d := k("debian", "12", "x86_64", "6.1.0-56-amd64")
	got = Merge([]matrixgen.Kernel{b, d}, []matrixgen.Kernel{a})
	if len(got) != 3 || got[0].Distribution != "debian" || got[1].DistroVersion != "22.04" || got[2].DistroVersion != "24.04" {
		t.Errorf("Merge of unsorted sets = %+v", got)
	}
}

func TestFilter(t *testing.T) {
	ks := []matrixgen.Kernel{
		k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic"),
		k("ubuntu", "22.04", "aarch64", "5.15.0-100-generic"),
		k("debian", "12", "x86_64", "6.1.0-28-amd64"),
		k("amazonlinux", "2023", "x86_64", "6.1.174-217.345.amzn2023.x86_64"),
	}
	all := "6.8.0-51-generic 5.15.0-100-generic 6.1.0-28-amd64 6.1.174-217.345.amzn2023.x86_64"
	tests := []struct {
		f    Filter
		want string // releases kept, in order
	}{
		{Filter{}, all},
		{Filter{Target: "ubuntu"}, "6.8.0-51-generic 5.15.0-100-generic"},
		{Filter{Target: "ubuntu,debian"}, "6.8.0-51-generic 5.15.0-100-generic 6.1.0-28-amd64"},
		{Filter{Target: " debian , ubuntu "}, "6.8.0-51-generic 5.15.0-100-generic 6.1.0-28-amd64"},
		{Filter{Target: "*linux"}, "6.1.174-217.345.amzn2023.x86_64"},
		{Filter{Arch: "aarch64"}, "5.15.0-100-generic"},
		{Filter{DistroVersion: "2?.04"}, "6.8.0-51-generic 5.15.0-100-generic"},
		{Filter{Target: "ubuntu", Arch: "x86_64"}, "6.8.0-51-generic"},
		{Filter{Target: "fedora"}, ""},
		// Arch aliases mean the canonical arch kernels hold (issue 13).
		{Filter{Arch: "arm64"}, "5.15.0-100-generic"},
		{Filter{Arch: "AMD64, ARM64"}, all},
		{Filter{Target: "debian", Arch: "x64"}, "6.1.0-28-amd64"},
		{Filter{Arch: "x86*"}, "6.8.0-51-generic 6.1.0-28-amd64 6.1.174-217.345.amzn2023.x86_64"},
	}
	for _, tt := range tests {
		var got []string
		for _, k := range tt.f.Apply(ks) {
			got = append(got, k.Release)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%+v kept %q, want %q", tt.f, strings.Join(got, " "), tt.want)
		}
	}
	if err := (Filter{Arch: "[x"}).Validate(); err == nil || !strings.Contains(err.Error(), "--arch") {
		t.Errorf("bad glob: %v", err)
	}
}

func TestCompare(t *testing.T) {
	old := []matrixgen.Kernel{k("debian", "12", "x86_64", "6.1.0-27-amd64"), k("debian", "12", "x86_64", "6.1.0-28-amd64")}
	new := []matrixgen.Kernel{k("debian", "12", "x86_64", "6.1.0-28-amd64"), k("debian", "12", "x86_64", "6.1.0-29-amd64"), k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic")}
	d := Compare(old, new)
	releases := func(ks []matrixgen.Kernel) string {
		var r []string
		for _, k := range ks {
			r = append(r, k.Key().String())
		}
		return strings.Join(r, " ")
	}
	if got, want := releases(d.Added), "debian/12/x86_64/6.1.0-29-amd64 ubuntu/24.04/x86_64/6.8.0-51-generic"; got != want {
		t.Errorf("Added = %s, want %s", got, want)
	}
	if got, want := releases(d.Removed), "debian/12/x86_64/6.1.0-27-amd64"; got != want {
		t.Errorf("Removed = %s, want %s", got, want)
	}
	if d.Empty() {
		t.Error("Compare of different sets is Empty")
	}
	if !Compare(new, new).Empty() {
		t.Error("Compare(x, x) not empty")
	}
}

func preset(t *testing.T, name string) *template.Template {
	t.Helper()
	text, ok := Preset(name)
	if !ok {
		t.Fatalf("no preset %q", name)
	}
	tmpl, err := ParseTemplate(name, text)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func artifacts(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Artifact)
	}
	return out
}

func TestBuildPresets(t *testing.T) {
	ks := []matrixgen.Kernel{
		k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic"),
		k("debian", "12", "aarch64", "6.12.95+deb12-arm64"),
		k("amazonlinux", "2023", "x86_64", "6.1.174-217.345.amzn2023.x86_64"),
		k("centos", "stream9", "aarch64+64k", "5.14.0-570.el9.aarch64+64k"),
	}
	tests := []struct {
		preset string
		axes   []Axis
		want   []string
	}{
		{"deb-rpm", nil, []string{
			"nvidia-ubuntu-24.04-6.8.0-51-generic_550.1_amd64.deb",
			"nvidia-debian-12-6.12.95+deb12-arm64_550.1_arm64.deb",
			"nvidia-amazonlinux-2023-6.1.174-217.345.amzn2023.x86_64_550.1_x86_64.rpm",
			"nvidia-centos-stream9-5.14.0-570.el9.aarch64+64k_550.1_aarch64+64k.rpm",
		}},
		// The GPU Operator's tag: no arch (the image's platform has it).
		{"precompiled-image", nil, []string{
			"550.1-6.8.0-51-generic-ubuntu24.04",
			"550.1-6.12.95_deb12-arm64-debian12",
			"550.1-6.1.174-217.345.amzn2023.x86_64-amazonlinux2023",
			"550.1-5.14.0-570.el9.aarch64_64k-centosstream9",
		}},
		{"compat-version", nil, []string{"550.1+k6.8+x86_64", "550.1+k6.12+aarch64", "550.1+k6.1+x86_64", "550.1+k5.14+aarch64+64k"}},
		// With axes, each preset names the axis values after the driver
		// version: NVIDIA's <driver>+<nvlink>+k<series>+<arch> for compat.
		{"deb-rpm", []Axis{{"nvlink", []string{"nvf1.0", "nvf1.1"}}}, []string{
			"nvidia-ubuntu-24.04-6.8.0-51-generic_550.1+nvf1.0_amd64.deb",
			"nvidia-ubuntu-24.04-6.8.0-51-generic_550.1+nvf1.1_amd64.deb",
		}},
		{"precompiled-image", []Axis{{"nvlink", []string{"nvf1.0"}}, {"cuda", []string{"12", "13"}}}, []string{
			"550.1-nvf1.0-12-6.8.0-51-generic-ubuntu24.04",
			"550.1-nvf1.0-13-6.8.0-51-generic-ubuntu24.04",
		}},
		{"compat-version", []Axis{{"nvlink", []string{"nvf1.0", "nvf1.1"}}}, []string{"550.1+nvf1.0+k6.8+x86_64", "550.1+nvf1.1+k6.8+x86_64"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.preset, tt.axes), func(t *testing.T) {
			in := ks
			if tt.axes != nil {
				in = ks[:1]
			}
			es, err := Build(in, Options{DriverVersions: []string{"550.1"}, Package: "nvidia", Artifact: preset(t, tt.preset), Axes: tt.axes})
			if err != nil {
				t.Fatal(err)
			}
			if got := artifacts(es); !slices.Equal(got, tt.want) {
				t.Errorf("artifacts\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	// The seed's example: 2.4.1+nvf1.0+k5.19+riscv64.
	es, err := Build([]matrixgen.Kernel{k("ubuntu", "22.10", "riscv64", "5.19.0-1021-generic")}, Options{DriverVersions: []string{"2.4.1"}, Axes: []Axis{{"nvlink", []string{"nvf1.0"}}}, Artifact: preset(t, "compat-version")})
	if err != nil || len(es) != 1 || es[0].Artifact != "2.4.1+nvf1.0+k5.19+riscv64" {
		t.Errorf("compat-version riscv64 = %v, %v", artifacts(es), err)
	}
}

// TestDefaultFastPath: the built-in deb-rpm renderer must agree with the
// preset's template, axes included.
func TestDefaultFastPath(t *testing.T) {
	ks := []matrixgen.Kernel{
		k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic"),
		k("debian", "12", "aarch64", "6.12.95+deb12-arm64"),
		k("centos", "stream9", "aarch64+64k", "5.14.0-570.el9.aarch64+64k"),
		k("centos", "stream9", "aarch64", "5.14.0-570.el9.aarch64"),
	}
	for _, axes := range [][]Axis{nil, {{"nvlink", []string{"nvf1.0", "nvf1.1"}}, {"cuda", []string{"12"}}}} {
		o := Options{DriverVersions: []string{"1.0", "2.0"}, Axes: axes}
		fast, err := Build(ks, o)
		if err != nil {
			t.Fatal(err)
		}
		o.Artifact = preset(t, "deb-rpm")
		viaTmpl, err := Build(ks, o)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(artifacts(fast), artifacts(viaTmpl)) {
			t.Errorf("axes %v: fast path\n%q\ntemplate\n%q", axes, artifacts(fast), artifacts(viaTmpl))
		}
	}
}

// TestPresetsKeepArchesApart: the same release on aarch64 and aarch64+64k
// (and an Ubuntu release, which names no arch, on x86_64 and aarch64) must
// get different names from every preset; for the image preset, a
// different tag or platform (one tag is one image per platform, and
// aarch64+64k is linux/arm64 too, so a 64k build whose release does not
// say +64k would overwrite the 4k one: refused).
func TestPresetsKeepArchesApart(t *testing.T) {
	sets := map[string][]matrixgen.Kernel{
		"64k": {k("rocky", "9", "aarch64", "5.14.0-427.13.1.el9_4.aarch64"), k("rocky", "9", "aarch64+64k", "5.14.0-427.13.1.el9_4.aarch64")},
		"ubuntu": {
			k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic"), k("ubuntu", "24.04", "aarch64", "6.8.0-51-generic"),
			k("ubuntu", "24.04", "aarch64+64k", "6.8.0-51-generic"), k("ubuntu", "24.04", "riscv64", "6.8.0-51-generic"),
		},
		// An HWE release ships in two Ubuntu versions: two builds.
		"hwe": {k("ubuntu", "22.04", "x86_64", "6.8.0-51-generic"), k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic")},
	}
	for _, name := range PresetNames() {
		for set, ks := range sets {
			if name == "compat-version" && set == "hwe" {
				// One name per kernel series by design: refused, not merged.
				var ce *CollisionError
				if _, err := Build(ks, Options{DriverVersions: []string{"570.1"}, Artifact: preset(t, name)}); !errors.As(err, &ce) {
					t.Errorf("compat-version on hwe: %v, want a CollisionError", err)
				}
				continue
			}
			if name == ImagePreset && (set == "64k" || set == "ubuntu") {
				var ce *CollisionError
				if _, err := Build(ks, Options{DriverVersions: []string{"570.1"}, Artifact: preset(t, name)}); !errors.As(err, &ce) || !strings.Contains(err.Error(), "for linux/arm64") {
					t.Errorf("%s on %s: %v, want a CollisionError on linux/arm64", name, set, err)
				}
				continue
			}
			es, err := Build(ks, Options{DriverVersions: []string{"570.1"}, Artifact: preset(t, name)})
			if err != nil {
				t.Errorf("%s on %s: %v", name, set, err)
				continue
			}
			seen := map[string]bool{}
			for _, e := range es {
				id := e.Artifact
				if name == ImagePreset {
					id += " " + matrixgen.Arch(e.Architecture).Deb()
				}
				if seen[id] {
					t.Errorf("%s on %s: %q twice", name, set, id)
				}
				seen[id] = true
			}
			if len(es) != len(ks) {
				t.Errorf("%s on %s: %d entries for %d kernels", name, set, len(es), len(ks))
			}
		}
	}
}

func TestBuildEntries(t *testing.T) {
	ks := []matrixgen.Kernel{k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic"), k("centos", "stream10", "x86_64", "6.12.0-212.el10.x86_64")}
	es, err := Build(ks, Options{
		DriverVersions: []string{"550.1", "560.2"},
		Axes:           []Axis{{"nvlink", []string{"nvf1.0", "nvf1.1"}}, {"cuda", []string{"12", "13"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range es {
		keys = append(keys, e.CacheKey)
	}
	// kernel × driver × nvlink × cuda, in that nesting; axes in --axis order.
	var want []string
	for _, kr := range []string{"6.8.0-51-generic:x86_64:ubuntu:24.04", "6.12.0-212.el10.x86_64:x86_64:centos:stream10"} {
		for _, dv := range []string{"550.1", "560.2"} {
			for _, nv := range []string{"nvf1.0", "nvf1.1"} {
				for _, cu := range []string{"12", "13"} {
					want = append(want, kr+":"+dv+":nvlink="+nv+":cuda="+cu)
				}
			}
		}
	}
	if !slices.Equal(keys, want) {
		t.Errorf("cache keys\n got %q\nwant %q", keys, want)
	}
	if es[0].BaseImage != "ubuntu:24.04" || es[8].BaseImage != "quay.io/centos/centos:stream10" {
		t.Errorf("base images %q, %q", es[0].BaseImage, es[8].BaseImage)
	}
	js := string(AppendJSON(nil, es[:1]))
	wantJS := `{"include":[{"distribution":"ubuntu","distro_version":"24.04","kernel_release":"6.8.0-51-generic","architecture":"x86_64","driver_version":"550.1","base_image":"ubuntu:24.04","cache_key":"6.8.0-51-generic:x86_64:ubuntu:24.04:550.1:nvlink=nvf1.0:cuda=12","artifact":"driver-ubuntu-24.04-6.8.0-51-generic_550.1+nvf1.0+12_amd64.deb","nvlink":"nvf1.0","cuda":"12"}]}`
	if js != wantJS {
		t.Errorf("JSON =\n%s\nwant\n%s", js, wantJS)
	}

	// Built artifacts are left out.
	built := map[string]bool{"driver-ubuntu-24.04-6.8.0-51-generic_550.1_amd64.deb": true}
	rest, err := Build(ks[:1], Options{DriverVersions: []string{"550.1", "560.2"}, Built: built})
	if err != nil {
		t.Fatal(err)
	}
	if got := artifacts(rest); !slices.Equal(got, []string{"driver-ubuntu-24.04-6.8.0-51-generic_560.2_amd64.deb"}) {
		t.Errorf("with %v built: %q", built, got)
	}
}

func TestAxisInTemplates(t *testing.T) {
	ks := []matrixgen.Kernel{k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic")}
	axes := []Axis{{"nvlink", []string{"nvf1.0", "nvf1.1"}}}
	for _, text := range []string{`{{.KernelRelease}}-{{axis "nvlink"}}`, `{{.KernelRelease}}-{{index .Axes "nvlink"}}`, `{{.KernelRelease}}-{{.Axes.nvlink}}`, `{{.KernelRelease}}{{range .AxisValues}}-{{.}}{{end}}`} {
		tmpl, err := ParseTemplate("t", text)
		if err != nil {
			t.Fatal(err)
		}
		es, err := Build(ks, Options{Axes: axes, Artifact: tmpl})
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if got, want := artifacts(es), []string{"6.8.0-51-generic-nvf1.0", "6.8.0-51-generic-nvf1.1"}; !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", text, got, want)
		}
	}
	// axis fails on a name that is not an axis; index gives "" silently.
	tmpl, _ := ParseTemplate("t", `{{.KernelRelease}}-{{axis "nvlnk"}}`)
	if _, err := Build(ks, Options{Axes: axes, Artifact: tmpl}); err == nil || !strings.Contains(err.Error(), `no axis "nvlnk"`) {
		t.Errorf("unknown axis: %v", err)
	}
}

// TestCollisions: builds that would share a name or a cache key are
// refused, naming the builds and the template.
func TestCollisions(t *testing.T) {
	series := []matrixgen.Kernel{
		k("ubuntu", "24.04", "x86_64", "6.8.0-49-generic"), k("ubuntu", "24.04", "x86_64", "6.8.0-50-generic"),
		k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic"), k("ubuntu", "24.04", "x86_64", "6.8.0-52-generic"),
		k("ubuntu", "24.04", "x86_64", "6.8.0-53-generic"),
	}
	release, _ := ParseTemplate("--artifact-template", "{{.KernelRelease}}")
	tests := []struct {
		name string
		ks   []matrixgen.Kernel
		o    Options
		want *CollisionError
	}{
		{"compat-version, five kernels of one series", series, Options{DriverVersions: []string{"570.1"}, Artifact: preset(t, "compat-version")}, &CollisionError{
			Template: "compat-version", Text: `{{.DriverVersion}}{{range .AxisValues}}+{{.}}{{end}}+k{{.KernelSeries}}+{{.Arch}}`,
			Collisions: []Collision{{"artifact", "570.1+k6.8+x86_64", []string{
				"ubuntu/24.04/x86_64/6.8.0-49-generic driver 570.1", "ubuntu/24.04/x86_64/6.8.0-50-generic driver 570.1",
				"ubuntu/24.04/x86_64/6.8.0-51-generic driver 570.1", "ubuntu/24.04/x86_64/6.8.0-52-generic driver 570.1",
				"ubuntu/24.04/x86_64/6.8.0-53-generic driver 570.1",
			}}},
		}},
		{"template without the axis", series[:1], Options{Axes: []Axis{{"nvlink", []string{"nvf1.0", "nvf1.1"}}}, Artifact: release}, &CollisionError{
			Template: "--artifact-template", Text: "{{.KernelRelease}}",
			Collisions: []Collision{{"artifact", "6.8.0-49-generic", []string{"ubuntu/24.04/x86_64/6.8.0-49-generic nvlink=nvf1.0", "ubuntu/24.04/x86_64/6.8.0-49-generic nvlink=nvf1.1"}}},
		}},
		{"built does not hide a collision", series[:1], Options{Axes: []Axis{{"nvlink", []string{"nvf1.0", "nvf1.1"}}}, Artifact: release, Built: map[string]bool{"6.8.0-49-generic": true}}, &CollisionError{
			Template: "--artifact-template", Text: "{{.KernelRelease}}",
			Collisions: []Collision{{"artifact", "6.8.0-49-generic", []string{"ubuntu/24.04/x86_64/6.8.0-49-generic nvlink=nvf1.0", "ubuntu/24.04/x86_64/6.8.0-49-generic nvlink=nvf1.1"}}},
		}},
		{"the same kernel twice", []matrixgen.Kernel{series[0], series[0]}, Options{}, &CollisionError{
			Template: "deb-rpm", Text: presets["deb-rpm"],
			Collisions: []Collision{
				{"artifact", "driver-ubuntu-24.04-6.8.0-49-generic__amd64.deb", []string{"ubuntu/24.04/x86_64/6.8.0-49-generic", "ubuntu/24.04/x86_64/6.8.0-49-generic"}},
				{"cache_key", "6.8.0-49-generic:x86_64:ubuntu:24.04:", []string{"ubuntu/24.04/x86_64/6.8.0-49-generic", "ubuntu/24.04/x86_64/6.8.0-49-generic"}},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := Build(tt.ks, tt.o)
			var ce *CollisionError
			if !errors.As(err, &ce) {
				t.Fatalf("Build = %q, %v; want a CollisionError", artifacts(es), err)
			}
			if !reflect.DeepEqual(ce, tt.want) {
				t.Errorf("error\n got %#v\nwant %#v", ce, tt.want)
			}
		})
	}
	// The text names the template and the builds, and caps long lists.
	_, err := Build(series, Options{DriverVersions: []string{"570.1"}, Artifact: preset(t, "compat-version")})
	want := `artifact template compat-version ({{.DriverVersion}}{{range .AxisValues}}+{{.}}{{end}}+k{{.KernelSeries}}+{{.Arch}}) gives 1 name to more than one build: it is too coarse for this kernel set
  artifact "570.1+k6.8+x86_64": 5 builds: ubuntu/24.04/x86_64/6.8.0-49-generic driver 570.1, ubuntu/24.04/x86_64/6.8.0-50-generic driver 570.1, ubuntu/24.04/x86_64/6.8.0-51-generic driver 570.1, ubuntu/24.04/x86_64/6.8.0-52-generic driver 570.1, and 1 more
compat-version names one build per driver version, axis values, kernel series and arch (NVIDIA's compatibility string): keep one kernel per series in the input
every build needs its own name: put what tells them apart into --artifact-template (e.g. {{.KernelRelease}} or {{axis "NAME"}}) or narrow the kernels (--target, --arch, --distro-version)`
	if err == nil || err.Error() != want {
		t.Errorf("error text\n got %v\nwant %s", err, want)
	}
}

func TestBuildErrors(t *testing.T) {
	ks := []matrixgen.Kernel{k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic")}
	pre := preset(t, "precompiled-image")
	slash, _ := ParseTemplate("t", "{{.KernelRelease}}/../x")
	missing, _ := ParseTemplate("t", "{{.Nope}}")
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"needs driver", Options{Artifact: pre}, `artifact template gave "-6.8.0-51-generic-ubuntu24.04" for ubuntu/24.04/x86_64/6.8.0-51-generic: want a name that starts with a letter or digit and holds only letters, digits and . _ + ~ - (up to 255 bytes) (does the template need --driver-version?)`},
		{"unsafe name", Options{Artifact: slash}, `artifact template gave "6.8.0-51-generic/../x" for ubuntu/24.04/x86_64/6.8.0-51-generic: want a name that starts with a letter or digit and holds only letters, digits and . _ + ~ - (up to 255 bytes) (does the template need --driver-version?)`},
		{"bad field", Options{Artifact: missing}, `ubuntu/24.04/x86_64/6.8.0-51-generic: template t: template: t:1:2: executing "t" at <.Nope>: can't evaluate field Nope in type *matrix.Vars`},
		{"bad axis", Options{Axes: []Axis{{"artifact", []string{"x"}}}}, `--axis "artifact": name must be letters, digits, _ or - and not one of the fixed fields`},
		{"axis twice", Options{Axes: []Axis{{"nv", []string{"a"}}, {"nv", []string{"b"}}}}, `--axis "nv" given twice`},
		{"empty axis", Options{Axes: []Axis{{"nvlink", nil}}}, "--axis nvlink: no values (want NAME=v1,v2)"},
		{"empty axis value", Options{Axes: []Axis{{"nvlink", []string{"a", ""}}}}, "--axis nvlink=a,: empty value"},
		{"duplicate axis value", Options{Axes: []Axis{{"nv", []string{"a", "a"}}}}, "--axis nv: value a given twice: give each value once"},
		{"bad axis value", Options{Axes: []Axis{{"nvlink", []string{"a b"}}}}, `--axis nvlink: invalid: axis nvlink "a b": character ' ' at byte 1 is not allowed (letters, digits and . _ + ~ - only)`},
		{"bad driver", Options{DriverVersions: []string{"$(reboot)"}}, `--driver-version: invalid: driver-version "$(reboot)": character '$' at byte 0 is not allowed (letters, digits and . _ + ~ - only)`},
		{"empty driver", Options{DriverVersions: []string{""}}, `--driver-version: invalid: driver-version "": empty (leave the flag out for builds without a driver version)`},
		{"driver twice", Options{DriverVersions: []string{"570.1", "560.2", "570.1"}}, "--driver-version 570.1 given twice: give each version once"},
	}
	for _, tt := range tests {
		if _, err := Build(ks, tt.o); err == nil || err.Error() != tt.want {
			t.Errorf("%s: Build = %v\nwant error %s", tt.name, err, tt.want)
		}
	}
	if _, err := Build(ks, Options{DriverVersions: []string{"1;rm"}}); !errors.Is(err, matrixgen.ErrInvalid) {
		t.Errorf("bad driver version: %v, want ErrInvalid", err)
	}
}

func TestParseAxis(t *testing.T) {
	tests := []struct {
		in   string
		want Axis
		err  string
	}{
		{"nvlink=nvf1.0,nvf1.1", Axis{"nvlink", []string{"nvf1.0", "nvf1.1"}}, ""},
		{" nv = a , b ", Axis{"nv", []string{"a", "b"}}, ""},
		{"nv=a,,b", Axis{"nv", []string{"a", "", "b"}}, ""}, // Validate refuses the empty one
		{"nv=", Axis{"nv", []string{""}}, ""},
		{"nvlink", Axis{}, `--axis "nvlink": want NAME=v1,v2`},
		{"=a", Axis{}, `--axis "=a": want NAME=v1,v2`},
	}
	for _, tt := range tests {
		got, err := ParseAxis(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseAxis(%q) = %v, want error %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseAxis(%q) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

func TestPresetsAreCopies(t *testing.T) {
	names := PresetNames()
	if want := []string{"compat-version", "deb-rpm", "precompiled-image"}; !slices.Equal(names, want) {
		t.Fatalf("PresetNames = %q, want %q", names, want)
	}
	names[0] = "changed"
	if PresetNames()[0] != "compat-version" {
		t.Error("PresetNames returned shared state")
	}
	if _, ok := Preset("rpm"); ok {
		t.Error(`Preset("rpm") exists`)
	}
}

func TestAppendJSONEscapes(t *testing.T) {
	e := Entry{Artifact: `a"b<c`, Axes: []AxisValue{{"x", "ü"}}}
	var back map[string]string
	if err := json.Unmarshal(AppendJSON(nil, []Entry{e})[len(`{"include":[`):len(AppendJSON(nil, []Entry{e}))-2], &back); err != nil {
		t.Fatal(err)
	}
	if back["artifact"] != `a"b<c` || back["x"] != "ü" {
		t.Errorf("round trip = %v", back)
	}
}

func TestCompat(t *testing.T) {
	ks := []matrixgen.Kernel{k("ubuntu", "24.04", "riscv64", "6.8.0-51-generic"), k("debian", "12", "riscv64", "6.1.0-28-riscv64"), k("ubuntu", "22.04", "riscv64", "5.19.0-50-generic"), k("debian", "13", "x86_64", "6.12.38+deb13-amd64")}
	c := NewCompat(ks, "550.1", []Axis{{"nvlink", []string{"nvf1.0"}}})
	got, _ := json.Marshal(c)
	want := `{"driverVersion":"550.1","kernels":["5.19","6.1","6.8","6.12"],"arch":["riscv64","x86_64"],"nvlink":["nvf1.0"]}`
	if string(got) != want {
		t.Errorf("compat = %s\nwant %s", got, want)
	}
}

// BenchmarkMatrix measures the nightly's worst case: 100,000 kernels × 2
// driver versions, built and rendered as chunked JSON.
func BenchmarkMatrix(b *testing.B) {
	ks := make([]matrixgen.Kernel, 100_000)
	for i := range ks {
		ks[i] = k("ubuntu", "24.04", "x86_64", fmt.Sprintf("6.8.0-%d-generic", i))
	}
	b.ReportAllocs()
	for b.Loop() {
		es, err := Build(ks, Options{DriverVersions: []string{"550.1", "560.2"}})
		if err != nil {
			b.Fatal(err)
		}
		// Rendered as the command prints above 256 builds: the plan.
		_ = NewPlan(es, nil, MaxJobs).AppendJSON(nil)
	}
}

// FuzzParseAxis: an --axis flag that parses and validates writes back as
// NAME=v1,v2 and parses to the same axis.
func FuzzParseAxis(f *testing.F) {
	for _, s := range []string{"nvlink=nvf1.0,nvf1.1", " nv = a , b ", "nv=a,,b", "nv=a,a", "=a", "nvlink", "cuda=12,13", "a=b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, flag string) {
		a, err := ParseAxis(flag)
		if err != nil || (Options{Axes: []Axis{a}}).Validate() != nil {
			return
		}
		again, err := ParseAxis(a.Name + "=" + strings.Join(a.Values, ","))
		if err != nil || !reflect.DeepEqual(again, a) {
			t.Fatalf("%q parsed as %#v, its canonical form as %#v, %v", flag, a, again, err)
		}
	})
}

// TestBuildConcurrent: one parsed template serves concurrent Builds (the
// build service runs many requests at once); each gets its own axis values.
func TestBuildConcurrent(t *testing.T) {
	tmpl, err := ParseTemplate("t", `{{.KernelRelease}}-{{axis "nvlink"}}`)
	if err != nil {
		t.Fatal(err)
	}
	ks := []matrixgen.Kernel{k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic"), k("ubuntu", "24.04", "x86_64", "6.8.0-52-generic")}
	results := make([][]string, 8)
	errs := make(chan error, len(results))
	for i := range results {
		go func() {
			es, err := Build(ks, Options{Axes: []Axis{{"nvlink", []string{fmt.Sprint("v", i)}}}, Artifact: tmpl})
			results[i] = artifacts(es)
			errs <- err
		}()
	}
	for range results {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i, got := range results {
		want := []string{fmt.Sprintf("6.8.0-51-generic-v%d", i), fmt.Sprintf("6.8.0-52-generic-v%d", i)}
		if !slices.Equal(got, want) {
			t.Errorf("Build %d: %q, want %q", i, got, want)
		}
	}
}

func TestDefaultImage(t *testing.T) {
	for _, tt := range []struct{ dist, version, want string }{
		{"ubuntu", "24.04", "ubuntu:24.04"},
		{"debian", "12", "debian:12"},
		{"centos", "stream9", "quay.io/centos/centos:stream9"},
		{"rocky", "9", "rockylinux/rockylinux:9"},
		{"oracle", "8", "oraclelinux:8"},
		{"rhel", "9", "registry.access.redhat.com/ubi9/ubi:latest"},
		{"amazonlinux", "2023", "amazonlinux:2023"},
		{"fedora", "42", "fedora:42"},
	} {
		if got := DefaultImage(tt.dist, tt.version); got != tt.want {
			t.Errorf("DefaultImage(%s, %s) = %q, want %q", tt.dist, tt.version, got, tt.want)
		}
	}
}

// TestImagePresetOperatorTags: the precompiled-image preset gives exactly
// the tag the NVIDIA GPU Operator computes from a node,
// ${DRIVER}-${KERNEL with + as _}-${OS_TAG}: OS_TAG is rhcos<OpenShift
// minor> on RHCOS and rhel<major.minor> on RHEL. An Ubuntu release names
// no arch: its amd64 and arm64 builds share one tag (a multi-arch
// manifest), which is no collision; the same tag twice on one platform is.
func TestImagePresetOperatorTags(t *testing.T) {
	ks := []matrixgen.Kernel{
		k("rhcos", "4.15", "aarch64+64k", "5.14.0-284.54.1.el9_2.aarch64+64k"),
		k("rhcos", "4.15", "aarch64", "5.14.0-284.54.1.el9_2.aarch64"),
		k("rhcos", "4.15", "x86_64", "5.14.0-284.54.1.el9_2.x86_64"),
		k("rhel", "9", "x86_64", "5.14.0-427.13.1.el9_4.x86_64"),
		k("rhel", "8", "x86_64", "4.18.0-513.5.1.el8_9.x86_64"),
		k("ubuntu", "22.04", "x86_64", "5.15.0-91-generic"),
		k("ubuntu", "22.04", "aarch64", "5.15.0-91-generic"),
	}
	es, err := Build(ks, Options{DriverVersions: []string{"550.54.14"}, Artifact: preset(t, ImagePreset), BaseImage: mustTemplate(t, "registry.example/dtk:latest")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"550.54.14-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15",
		"550.54.14-5.14.0-284.54.1.el9_2.aarch64-rhcos4.15",
		"550.54.14-5.14.0-284.54.1.el9_2.x86_64-rhcos4.15",
		"550.54.14-5.14.0-427.13.1.el9_4.x86_64-rhel9.4",
		"550.54.14-4.18.0-513.5.1.el8_9.x86_64-rhel8.9",
		"550.54.14-5.15.0-91-generic-ubuntu22.04",
		"550.54.14-5.15.0-91-generic-ubuntu22.04",
	}
	if got := artifacts(es); !slices.Equal(got, want) {
		t.Errorf("tags\n got %q\nwant %q", got, want)
	}

	// The same tag on one platform twice (an HWE-less duplicate under two
	// arches that are one platform) is refused.
	dup := []matrixgen.Kernel{k("ubuntu", "22.04", "aarch64", "5.15.0-91-generic"), k("ubuntu", "22.04", "aarch64+64k", "5.15.0-91-generic")}
	var ce *CollisionError
	if _, err := Build(dup, Options{DriverVersions: []string{"550.54.14"}, Artifact: preset(t, ImagePreset)}); !errors.As(err, &ce) {
		t.Errorf("one tag twice on linux/arm64: %v, want a CollisionError", err)
	}
	// A user template is a file name, not a tag: the same name is a collision whatever the arch.
	user := mustTemplate(t, `{{.DriverVersion}}-{{.KernelRelease}}`)
	if _, err := Build(ks[5:], Options{DriverVersions: []string{"550.54.14"}, Artifact: user}); !errors.As(err, &ce) {
		t.Errorf("a user template naming no arch: %v, want a CollisionError", err)
	}
}

func mustTemplate(t *testing.T, text string) *template.Template {
	t.Helper()
	tmpl, err := ParseTemplate("--artifact-template", text)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}
