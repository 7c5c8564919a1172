package matrix

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

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
	tests := []struct {
		f    Filter
		want int
	}{
		{Filter{}, 4},
		{Filter{Target: "ubuntu"}, 2},
		{Filter{Target: "ubuntu,debian"}, 3},
		{Filter{Target: "*linux"}, 1},
		{Filter{Arch: "aarch64"}, 1},
		{Filter{DistroVersion: "2?.04"}, 2},
		{Filter{Target: "ubuntu", Arch: "x86_64"}, 1},
		{Filter{Target: "fedora"}, 0},
	}
	for _, tt := range tests {
		if got := tt.f.Apply(ks); len(got) != tt.want {
			t.Errorf("%+v kept %d, want %d", tt.f, len(got), tt.want)
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
	if len(d.Added) != 2 || len(d.Removed) != 1 || d.Removed[0].Release != "6.1.0-27-amd64" || d.Empty() {
		t.Fatalf("Compare = %+v", d)
	}
	if !Compare(new, new).Empty() {
		t.Error("Compare(x, x) not empty")
	}
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
		want   []string
	}{
		{"deb-rpm", []string{
			"nvidia-ubuntu-6.8.0-51-generic_550.1_amd64.deb",
			"nvidia-debian-6.12.95+deb12-arm64_550.1_arm64.deb",
			"nvidia-amazonlinux-6.1.174-217.345.amzn2023.x86_64_550.1_x86_64.rpm",
			"nvidia-centos-5.14.0-570.el9.aarch64+64k_550.1_aarch64.rpm",
		}},
		{"precompiled-image", []string{
			"550.1-6.8.0-51-generic-ubuntu24.04",
			"550.1-6.12.95_deb12-arm64-debian12",
			"550.1-6.1.174-217.345.amzn2023.x86_64-amazonlinux2023",
			"550.1-5.14.0-570.el9.aarch64_64k-centosstream9",
		}},
		{"compat-version", []string{"550.1+k6.8+x86_64", "550.1+k6.12+aarch64", "550.1+k6.1+x86_64", "550.1+k5.14+aarch64+64k"}},
	}
	for _, tt := range tests {
		t.Run(tt.preset, func(t *testing.T) {
			tmpl, err := ParseTemplate(tt.preset, Presets[tt.preset])
			if err != nil {
				t.Fatal(err)
			}
			es, err := Build(ks, Options{DriverVersions: []string{"550.1"}, Package: "nvidia", Artifact: tmpl})
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range es {
				if e.Artifact != tt.want[i] {
					t.Errorf("%s: artifact %q, want %q", ks[i].Key(), e.Artifact, tt.want[i])
				}
			}
		})
	}
	// The fast path for the default preset must agree with its template.
	tmpl, _ := ParseTemplate("deb-rpm", Presets["deb-rpm"])
	viaTmpl, _ := Build(ks, Options{DriverVersions: []string{"1.0"}, Artifact: tmpl})
	fast, _ := Build(ks, Options{DriverVersions: []string{"1.0"}})
	for i := range fast {
		if fast[i].Artifact != viaTmpl[i].Artifact {
			t.Errorf("fast path %q != template %q", fast[i].Artifact, viaTmpl[i].Artifact)
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
	if len(es) != 2*2*2*2 {
		t.Fatalf("%d entries, want 16 (kernels × drivers × nvlink × cuda)", len(es))
	}
	e := es[0]
	if e.CacheKey != "6.8.0-51-generic:x86_64:ubuntu:24.04:550.1" || e.BaseImage != "ubuntu:24.04" {
		t.Errorf("entry = %+v", e)
	}
	if es[8].BaseImage != "quay.io/centos/centos:stream10" {
		t.Errorf("centos base image %q", es[8].BaseImage)
	}
	js := string(AppendJSON(nil, es[:1]))
	want := `{"include":[{"distribution":"ubuntu","distro_version":"24.04","kernel_release":"6.8.0-51-generic","architecture":"x86_64","driver_version":"550.1","base_image":"ubuntu:24.04","cache_key":"6.8.0-51-generic:x86_64:ubuntu:24.04:550.1","artifact":"driver-ubuntu-6.8.0-51-generic_550.1_amd64.deb","nvlink":"nvf1.0","cuda":"12"}]}`
	if js != want {
		t.Errorf("JSON =\n%s\nwant\n%s", js, want)
	}
	seen := map[string]bool{}
	for _, e := range es {
		key := e.CacheKey + fmt.Sprint(e.Axes)
		if seen[key] {
			t.Fatalf("duplicate entry %s", key)
		}
		seen[key] = true
	}

	// Built artifacts are left out.
	built := map[string]bool{es[0].Artifact: true}
	rest, _ := Build(ks[:1], Options{DriverVersions: []string{"550.1", "560.2"}, Built: built})
	if len(rest) != 1 || rest[0].DriverVersion != "560.2" {
		t.Errorf("with %v built: %+v", built, rest)
	}
}

func TestBuildErrors(t *testing.T) {
	ks := []matrixgen.Kernel{k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic")}
	pre, _ := ParseTemplate("precompiled-image", Presets["precompiled-image"])
	slash, _ := ParseTemplate("t", "{{.KernelRelease}}/../x")
	missing, _ := ParseTemplate("t", "{{.Nope}}")
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"needs driver", Options{Artifact: pre}, "--driver-version"},
		{"unsafe name", Options{Artifact: slash}, `"6.8.0-51-generic/../x"`},
		{"bad field", Options{Artifact: missing}, "Nope"},
		{"bad axis", Options{Axes: []Axis{{"artifact", []string{"x"}}}}, "fixed fields"},
		{"empty axis", Options{Axes: []Axis{{"nvlink", nil}}}, "no values"},
		{"bad axis value", Options{Axes: []Axis{{"nvlink", []string{"a b"}}}}, "nvlink"},
		{"bad driver", Options{DriverVersions: []string{"1;rm"}}, "--driver-version"},
	}
	for _, tt := range tests {
		if _, err := Build(ks, tt.o); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Build = %v, want error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestChunk(t *testing.T) {
	es := make([]Entry, 600)
	got := Chunk(es, 256)
	if len(got) != 3 || len(got[0]) != 256 || len(got[2]) != 88 {
		t.Errorf("Chunk(600, 256) sizes = %d chunks", len(got))
	}
	if len(Chunk(nil, 256)) != 0 {
		t.Error("Chunk(nil) not empty")
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
		var buf []byte
		for _, c := range Chunk(es, MaxJobs) {
			buf = AppendJSON(buf[:0], c)
		}
	}
}
