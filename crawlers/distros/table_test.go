package distros

import (
	"maps"
	"slices"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/deb"
	"github.com/matrixgen/matrixgen/crawlers/fcos"
	"github.com/matrixgen/matrixgen/crawlers/flatcar"
	"github.com/matrixgen/matrixgen/crawlers/openshift"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// TestAllIsTheTable: the crawler configurations are the table's crawled
// distributions, each with the table's --mirror keys, releases and arches,
// so a table entry marked crawled without a configuration (or the reverse)
// fails here.
func TestAllIsTheTable(t *testing.T) {
	configs := map[string][]string{} // distribution → its configurations' names
	keys := map[string][]string{}    // distribution → --mirror keys of its configurations
	for _, c := range All() {
		var dist string
		switch d := c.(type) {
		case *deb.Distribution:
			dist = d.ID
			var want []string
			for _, r := range matrixgen.CrawledReleases(d.ID) {
				want = append(want, r.Codename)
			}
			if got := d.Releases(); !slices.Equal(got, want) {
				t.Errorf("%s crawls %v, the table %v", d.ID, got, want)
			}
		case *rpm.Distribution:
			dist = d.Kernels
			e, _ := matrixgen.Lookup(dist)
			if d.Arches == nil || !slices.Equal(d.Arches, e.Arches) {
				t.Errorf("%s crawls arches %v, the table says %v", d.ID, d.Arches, e.Arches)
			}
		case *flatcar.Distribution:
			dist = d.Kernels
		case *fcos.Distribution:
			dist = d.Kernels
			e, _ := matrixgen.Lookup(dist)
			for _, a := range d.Arches {
				if !slices.Contains(e.Arches, a) {
					t.Errorf("%s crawls arch %s, which the table's %s does not ship", d.ID, a, dist)
				}
			}
		case *openshift.Distribution:
			dist = d.Kernels
			e, _ := matrixgen.Lookup(dist)
			if !slices.Equal(d.Arches, e.Arches) || !slices.Equal(d.Releases(), e.CrawlVersions) {
				t.Errorf("%s crawls %v on %v, the table says %v on %v", d.ID, d.Releases(), d.Arches, e.CrawlVersions, e.Arches)
			}
		default:
			t.Fatalf("configuration %T is of no known format", c)
		}
		configs[dist] = append(configs[dist], c.Name())
		keys[dist] = append(keys[dist], slices.Collect(maps.Keys(c.Mirrors()))...)
	}
	for _, e := range matrixgen.Distros() {
		if got := configs[e.Name]; !slices.Equal(got, e.Crawl) {
			t.Errorf("%s: configurations %v in All(), the table says %v", e.Name, got, e.Crawl)
		}
		// Configurations of one distribution may share a key (Fedora's
		// and Fedora CoreOS's koji-fedora-files).
		got := slices.Compact(slices.Sorted(slices.Values(keys[e.Name])))
		want := slices.Sorted(slices.Values(e.MirrorKeys()))
		if !slices.Equal(got, want) {
			t.Errorf("%s: --mirror keys %v, the table says %v", e.Name, got, want)
		}
		delete(configs, e.Name)
	}
	if len(configs) > 0 {
		t.Errorf("configurations of distributions the table does not have: %v", configs)
	}
}
