package matrix

import (
	"fmt"
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
// indices. It is small because Build keeps one per artifact and cache key.
type ref struct{ k, d, c int32 }

type dup struct {
	field, value string
	refs         []ref
}

// collisions remembers every artifact and cache key Build made.
type collisions struct {
	artifacts, keys map[string]ref
	dups            []dup
	dupIdx          map[string]int // field + "\x00" + value → index in dups
}

func newCollisions(n int) *collisions {
	return &collisions{artifacts: make(map[string]ref, n), keys: map[string]ref{}}
}

func (c *collisions) add(field, value string, r ref) {
	m := c.artifacts
	if field == "cache_key" {
		m = c.keys
	}
	first, ok := m[value]
	if !ok {
		m[value] = r
		return
	}
	if c.dupIdx == nil {
		c.dupIdx = map[string]int{}
	}
	id := field + "\x00" + value
	i, ok := c.dupIdx[id]
	if !ok {
		i = len(c.dups)
		c.dupIdx[id] = i
		c.dups = append(c.dups, dup{field: field, value: value, refs: []ref{first}})
	}
	c.dups[i].refs = append(c.dups[i].refs, r)
}

func (c *collisions) err(kernels []matrixgen.Kernel, drivers []string, combos [][]AxisValue, t *template.Template) error {
	if len(c.dups) == 0 {
		return nil
	}
	e := &CollisionError{Template: DefaultPreset, Text: presets[DefaultPreset]}
	if t != nil {
		e.Template, e.Text = t.Name(), t.Root.String()
	}
	for _, d := range c.dups {
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
