package matrix

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"text/template"

	"github.com/matrixgen/matrixgen"
)

// CollisionError says that builds of one matrix would share an artifact
// name or a cache key: one would overwrite the other, and one --built line
// would drop both. Build refuses such a matrix.
type CollisionError struct {
	Template   string // the artifact template's name: a preset or "--artifact-template"
	Text       string // the template text
	Collisions []Collision
}

// Collision is one shared value and the builds that share it.
type Collision struct {
	Field   string   // "artifact" or "cache_key"
	Value   string   // the shared name or key
	Entries []string // the builds, as distribution/version/arch/release plus driver and axes
}

// maxShown bounds the error text: a template that names nothing apart can
// collide on every build of a 100,000-kernel set.
const maxShown = 3

func (e *CollisionError) Error() string {
	var b strings.Builder
	names := 0
	for _, c := range e.Collisions {
		if c.Field == "artifact" {
			names++
		}
	}
	if names > 0 {
		fmt.Fprintf(&b, "artifact template %s (%s) gives %d %s to more than one build: it is too coarse for this kernel set", e.Template, e.Text, names, plural(names, "name", "names"))
	} else {
		b.WriteString("the same kernel is listed twice: builds share a cache key")
	}
	for i, c := range e.Collisions {
		if i == maxShown {
			fmt.Fprintf(&b, "\n  and %d more", len(e.Collisions)-maxShown)
			break
		}
		fmt.Fprintf(&b, "\n  %s %q: %d builds: %s", c.Field, c.Value, len(c.Entries), strings.Join(shorten(c.Entries, 4), ", "))
	}
	if names > 0 && e.Template == "compat-version" {
		b.WriteString("\ncompat-version names one build per driver version, axis values, kernel series and arch (NVIDIA's compatibility string): keep one kernel per series in the input")
	}
	if names > 0 {
		b.WriteString("\nevery build needs its own name: put what tells them apart into --artifact-template (e.g. {{.KernelRelease}} or {{axis \"NAME\"}}) or narrow the kernels (--target, --arch, --distro-version)")
	}
	return b.String()
}

func shorten(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ref points at one build of the product: kernel, driver and axis combo
// indices.
type ref struct{ k, d, c int32 }

type dup struct {
	field, value string
	refs         []ref
	at           int // product index of the second build: where the sharing shows
}

// nameSet holds one field's value for every build of the product, in
// product order, and finds the values more than one build has. It sorts
// 64-bit hashes instead of filling a map of 200,000 strings: values are
// compared whole only where hashes are equal.
type nameSet struct {
	field  string
	seed   maphash.Seed
	values []string
	hashes []uint64 // of values, in product order
}

func newNameSet(field string, n int) *nameSet {
	return &nameSet{field: field, seed: maphash.MakeSeed(), values: make([]string, 0, n), hashes: make([]uint64, 0, n)}
}

// add records the value of the next build of the product.
func (s *nameSet) add(v string) {
	s.hashes = append(s.hashes, maphash.String(s.seed, v))
	s.values = append(s.values, v)
}

// dups returns the values held by more than one build, each with the
// product indices that hold it, in product order.
func (s *nameSet) dups(refOf func(int) ref) []dup {
	sorted := slices.Clone(s.hashes)
	slices.Sort(sorted)
	var repeated map[uint64]bool
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			if repeated == nil {
				repeated = map[uint64]bool{}
			}
			repeated[sorted[i]] = true
		}
	}
	if repeated == nil {
		return nil
	}
	// Only the builds whose hash repeats: group them by value.
	var out []dup
	at := map[string]int{} // value → index in out
	for i, h := range s.hashes {
		if !repeated[h] {
			continue
		}
		v := s.values[i]
		j, ok := at[v]
		if !ok {
			j = len(out)
			at[v] = j
			out = append(out, dup{field: s.field, value: v})
		}
		out[j].refs = append(out[j].refs, refOf(i))
		if len(out[j].refs) == 2 {
			out[j].at = i
		}
	}
	return slices.DeleteFunc(out, func(d dup) bool { return len(d.refs) < 2 }) // equal hashes, different values
}

// collisions remembers every artifact and cache key Build made.
type collisions struct {
	drivers, combos int
	artifacts, keys *nameSet // keys is nil when no cache key can repeat
}

func newCollisions(n, drivers, combos int, checkKeys bool) *collisions {
	c := &collisions{drivers: drivers, combos: combos, artifacts: newNameSet("artifact", n)}
	if checkKeys {
		c.keys = newNameSet("cache_key", n)
	}
	return c
}

// add records the artifact and cache key of the next build of the product
// (kernel, then driver, then axis combo order).
func (c *collisions) add(artifact, key string) {
	c.artifacts.add(artifact)
	if c.keys != nil {
		c.keys.add(key)
	}
}

func (c *collisions) ref(i int) ref {
	return ref{int32(i / (c.drivers * c.combos)), int32(i / c.combos % c.drivers), int32(i % c.combos)}
}

func (c *collisions) err(kernels []matrixgen.Kernel, drivers []string, combos [][]AxisValue, t *template.Template) error {
	dups := c.artifacts.dups(c.ref)
	if c.keys != nil {
		dups = append(dups, c.keys.dups(c.ref)...)
	}
	if len(dups) == 0 {
		return nil
	}
	// In the order the product shows them: by the build that repeats a
	// value, an artifact before a cache key.
	slices.SortStableFunc(dups, func(a, b dup) int { return cmp.Compare(a.at, b.at) })
	e := &CollisionError{Template: DefaultPreset, Text: presets[DefaultPreset]}
	if t != nil {
		e.Template, e.Text = t.Name(), t.Root.String()
	}
	for _, d := range dups {
		col := Collision{Field: d.field, Value: d.value}
		for _, r := range d.refs {
			col.Entries = append(col.Entries, describe(kernels[r.k], drivers[r.d], combos[r.c]))
		}
		e.Collisions = append(e.Collisions, col)
	}
	return e
}

// describe names one build for people: the kernel's key, then the driver
// version and axis values when there are any.
func describe(k matrixgen.Kernel, driver string, combo []AxisValue) string {
	s := k.Key().String()
	if driver != "" {
		s += " driver " + driver
	}
	for _, a := range combo {
		s += " " + a.Name + "=" + a.Value
	}
	return s
}
