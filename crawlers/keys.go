package crawlers

import (
	"maps"
	"slices"

	"github.com/matrixgen/matrixgen/crawlers/source"
)

// MirrorKeys lists every --mirror key of table, sorted.
func MirrorKeys(table []source.Distribution) []string {
	var keys []string
	for _, d := range table {
		keys = append(keys, slices.Collect(maps.Keys(d.Mirrors()))...)
	}
	slices.Sort(keys)
	return keys
}
