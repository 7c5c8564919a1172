package matrix

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/matrixgen/matrixgen"
)

// bigPlan is a plan whose file is well over WriteTo's 64 KiB buffer.
func bigPlan(t testing.TB, n int, axes []Axis) Plan {
	t.Helper()
	ks := make([]matrixgen.Kernel, n)
	for i := range ks {
		ks[i] = k("ubuntu", "24.04", "x86_64", fmt.Sprintf("6.8.0-%d-generic", 1000+i))
	}
	es, err := Build(ks, Options{DriverVersions: []string{"570.1", "580.2"}, Axes: axes})
	if err != nil {
		t.Fatal(err)
	}
	return NewPlan(es, axes, 7)
}

// recorder keeps what is written and the largest single write.
type recorder struct {
	bytes.Buffer
	largest int
}

func (r *recorder) Write(b []byte) (int, error) {
	r.largest = max(r.largest, len(b))
	return r.Buffer.Write(b)
}

// TestPlanWriteTo: the streamed plan is the plan file byte for byte
// (escaped values included), written in pieces of at most 64 KiB, so a
// plan of 200,000 builds is never whole in memory.
func TestPlanWriteTo(t *testing.T) {
	escaped := testPlan(t, 4)
	escaped.Entries = slices.Clone(escaped.Entries)
	escaped.Entries[1].BaseImage = `a"b<c>\d`
	plans := map[string]Plan{
		"empty":     NewPlan(nil, nil, 256),
		"axes":      testPlan(t, 4),
		"escaped":   escaped,
		"big":       bigPlan(t, 2000, nil),
		"big, axes": bigPlan(t, 700, []Axis{{"nvlink", []string{"nvf1.0", "nvf1.1"}}}),
	}
	for name, p := range plans {
		t.Run(name, func(t *testing.T) {
			want := p.AppendJSON(nil)
			var w recorder
			n, err := p.WriteTo(&w)
			if err != nil || n != int64(len(want)) {
				t.Fatalf("WriteTo = %d, %v; want %d bytes", n, err, len(want))
			}
			if !bytes.Equal(w.Bytes(), want) {
				t.Fatalf("WriteTo differs from AppendJSON:\n%s\nwant\n%s", w.Bytes(), want)
			}
			if w.largest > 64<<10 {
				t.Errorf("largest write %d bytes: want at most 64 KiB", w.largest)
			}
			if len(want) > 128<<10 && w.largest == len(want) {
				t.Errorf("the %d-byte plan went out in one write", len(want))
			}
		})
	}
}

type failWriter struct{ after int }

func (f *failWriter) Write(b []byte) (int, error) {
	if f.after -= len(b); f.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(b), nil
}

func TestPlanWriteToError(t *testing.T) {
	p := bigPlan(t, 2000, nil)
	if _, err := p.WriteTo(&failWriter{after: 100 << 10}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteTo to a failing writer = %v, want its error", err)
	}
}

// TestCollisionsAsAMapFinds: Build's collision error (found by sorting
// hashes) names the same shared values, builds and order as keeping every
// name in a map does, over sorted and unsorted kernels with repeats.
func TestCollisionsAsAMapFinds(t *testing.T) {
	ks := []matrixgen.Kernel{
		k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic"),
		k("ubuntu", "24.04", "x86_64", "6.8.0-52-generic"),
		k("ubuntu", "22.04", "x86_64", "6.8.0-51-generic"),
		k("debian", "12", "x86_64", "6.1.0-28-amd64"),
		k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic"), // a repeat, out of order
		k("ubuntu", "24.04", "aarch64", "6.8.0-52-generic"),
		k("debian", "12", "x86_64", "6.1.0-29-amd64"),
	}
	tmpls := map[string]string{
		"by series":       `{{.KernelSeries}}-{{.DriverVersion}}`,
		"by distribution": `{{.Distribution}}_{{axis "nvlink"}}`,
		"all apart":       `{{.Distribution}}-{{.DistroVersion}}-{{.KernelRelease}}-{{.Arch}}-{{.DriverVersion}}-{{axis "nvlink"}}`,
		"one name":        `x`,
	}
	axes := []Axis{{"nvlink", []string{"nvf1.0", "nvf1.1"}}}
	drivers := []string{"570.1", "580.2"}
	for name, text := range tmpls {
		for _, in := range [][]matrixgen.Kernel{ks, ks[:4], Merge(ks)} {
			tmpl, err := ParseTemplate("--artifact-template", text)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Build(in, Options{DriverVersions: drivers, Axes: axes, Artifact: tmpl})
			want := mapCollisions(t, in, drivers, axes, tmpl)
			var ce *CollisionError
			switch {
			case want == nil && err != nil:
				t.Errorf("%s, %d kernels: %v, want no error", name, len(in), err)
			case want == nil:
			case !errors.As(err, &ce):
				t.Errorf("%s, %d kernels: %v, want a CollisionError", name, len(in), err)
			case !reflect.DeepEqual(ce.Collisions, want):
				t.Errorf("%s, %d kernels:\n got %q\nwant %q", name, len(in), ce.Collisions, want)
			}
		}
	}
}

// mapCollisions is the rule by the book: every artifact and cache key of
// the product in a map, a collision listed when its value first repeats.
func mapCollisions(t *testing.T, ks []matrixgen.Kernel, drivers []string, axes []Axis, tmpl *template.Template) []Collision {
	t.Helper()
	var out []Collision
	idx := map[string]int{}
	first := map[string]string{}
	note := func(field, value, build string) {
		id := field + "\x00" + value
		f, seen := first[id]
		if !seen {
			first[id] = build
			return
		}
		i, ok := idx[id]
		if !ok {
			i = len(out)
			idx[id] = i
			out = append(out, Collision{Field: field, Value: value, Entries: []string{f}})
		}
		out[i].Entries = append(out[i].Entries, build)
	}
	repeats := len(Merge(ks)) != len(ks)
	for _, kn := range ks {
		for _, d := range drivers {
			for _, c := range axisCombos(axes) {
				es, err := Build([]matrixgen.Kernel{kn}, Options{DriverVersions: []string{d}, Axes: []Axis{{c[0].Name, []string{c[0].Value}}}, Artifact: tmpl})
				if err != nil {
					t.Fatal(err)
				}
				build := describe(kn, d, c)
				note("artifact", es[0].Artifact, build)
				if repeats {
					note("cache_key", es[0].CacheKey, build)
				}
			}
		}
	}
	return out
}
