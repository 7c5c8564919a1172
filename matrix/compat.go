package matrix

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/matrixgen/matrixgen"
)

// Compat is the compatibility document packagers ship beside a driver: the
// kernel series and arches it was built for, plus any axes.
type Compat struct {
	DriverVersion string
	Kernels       []string // kernel series, "5.19", "6.1", sorted numerically
	Arch          []string
	Axes          []Axis
}

// NewCompat summarises kernels for one driver version.
func NewCompat(kernels []matrixgen.Kernel, driverVersion string, axes []Axis) Compat {
	c := Compat{DriverVersion: driverVersion, Axes: axes, Kernels: []string{}, Arch: []string{}}
	for _, k := range kernels {
		if s := Series(k.Release); !slices.Contains(c.Kernels, s) {
			c.Kernels = append(c.Kernels, s)
		}
		if a := string(k.Arch); !slices.Contains(c.Arch, a) {
			c.Arch = append(c.Arch, a)
		}
	}
	slices.SortFunc(c.Kernels, compareSeries)
	slices.Sort(c.Arch)
	return c
}

func compareSeries(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x - y
		}
	}
	return len(as) - len(bs)
}

// MarshalJSON writes {"driverVersion":…,"kernels":[…],"arch":[…],<axis>:[…]}
// with keys in that order.
func (c Compat) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	put := func(key string, v any) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		val, _ := json.Marshal(v)
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('{')
	put("driverVersion", c.DriverVersion)
	put("kernels", c.Kernels)
	put("arch", c.Arch)
	for _, a := range c.Axes {
		put(a.Name, a.Values)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ValidateCompat checks the compat document's inputs by the rules of
// Options.Validate. given says the driver version was asked for, so an
// empty one is refused rather than taken as "none".
func ValidateCompat(driverVersion string, given bool, axes []Axis) error {
	o := Options{Axes: axes}
	if given {
		o.DriverVersions = []string{driverVersion}
	}
	return o.Validate()
}
