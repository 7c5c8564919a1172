package matrix

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/matrixgen/matrixgen"
)

// Merge unions kernel sets: one kernel per (distribution, distro version,
// arch, release), so an HWE release stays once per Ubuntu version. The
// first occurrence wins; header URLs of later duplicates are added to it.
//
// It sorts instead of keeping a map of keys: kernels with one key end up
// next to each other, in input order (the sort is stable), and the first
// of each run takes in the rest. kernels.json is written sorted, so a
// single file usually needs no sort at all, and when it is the only set
// and holds no repeats, Merge returns it as it is, without a copy (callers
// read the result; neither is to be changed).
func Merge(sets ...[]matrixgen.Kernel) []matrixgen.Kernel {
	if len(sets) == 1 && strictlySorted(sets[0]) {
		return sets[0]
	}
	n := 0
	for _, set := range sets {
		n += len(set)
	}
	all := make([]matrixgen.Kernel, 0, n)
	for _, set := range sets {
		all = append(all, set...)
	}
	if !slices.IsSortedFunc(all, matrixgen.Compare) {
		// Sort indices, not the large structs, then gather once.
		idx := make([]int32, len(all))
		for i := range idx {
			idx[i] = int32(i)
		}
		slices.SortFunc(idx, func(a, b int32) int {
			if c := matrixgen.Compare(all[a], all[b]); c != 0 {
				return c
			}
			return cmp.Compare(a, b) // stable: the first occurrence first
		})
		sorted := make([]matrixgen.Kernel, len(all))
		for i, j := range idx {
			sorted[i] = all[j]
		}
		all = sorted
	}
	out := all[:0]
	for _, k := range all {
		if last := len(out) - 1; last >= 0 && matrixgen.Compare(out[last], k) == 0 {
			for _, h := range k.Headers {
				if !slices.Contains(out[last].Headers, h) {
					out[last].Headers = append(out[last].Headers, h)
				}
			}
			if out[last].KernelVersion == "" {
				out[last].KernelVersion = k.KernelVersion
			}
			if out[last].BuildImage == "" {
				// A kernels.json entry (no build image) takes the one its
				// crawl names (RHCOS: the release's Driver Toolkit).
				out[last].BuildImage, out[last].OpenShiftReleases = k.BuildImage, k.OpenShiftReleases
			}
			continue
		}
		k.Headers = slices.Clone(k.Headers)
		out = append(out, k)
	}
	clear(all[len(out):])
	return out
}

// strictlySorted says whether ks is in Compare order with no key twice.
func strictlySorted(ks []matrixgen.Kernel) bool {
	for i := 1; i < len(ks); i++ {
		if matrixgen.Compare(ks[i-1], ks[i]) >= 0 {
			return false
		}
	}
	return true
}

// Headerless splits a crawl's kernels into those with a header source and
// those without (matrixgen.Kernel.Headerless: an Amazon Linux 2023
// live-patched kernel whose kernel-devel core no longer carries: the
// kernel-livepatch package is a kpatch module, not a build tree). A build
// of such a kernel fails every time, so it is not scheduled unless asked
// for.
func Headerless(ks []matrixgen.Kernel) (kept, headerless []matrixgen.Kernel) {
	for _, k := range ks {
		if k.Headerless() {
			headerless = append(headerless, k)
		} else {
			kept = append(kept, k)
		}
	}
	return kept, headerless
}

// Filter keeps kernels whose distribution, arch and distro version match
// the globs (path.Match syntax, comma-separated alternatives; "" = any).
type Filter struct {
	Target, Arch, DistroVersion string
}

// Validate reports a malformed glob before any kernel is looked at.
func (f Filter) Validate() error {
	for _, g := range []struct{ flag, v string }{{"--target", f.Target}, {"--arch", f.Arch}, {"--distro-version", f.DistroVersion}} {
		for _, alt := range splitList(g.v) {
			if _, err := path.Match(alt, ""); err != nil {
				return fmt.Errorf("%s %q: bad glob: %w", g.flag, g.v, err)
			}
		}
	}
	return nil
}

// Apply returns the kernels that match f.
func (f Filter) Apply(ks []matrixgen.Kernel) []matrixgen.Kernel {
	if f == (Filter{}) {
		return ks
	}
	// Kernels hold the canonical arch: an alias (amd64, arm64, x64) in
	// --arch means it, as everywhere else an arch is given.
	archs := splitList(f.Arch)
	for i, a := range archs {
		if c, err := matrixgen.ParseArch(a); err == nil {
			archs[i] = string(c)
		}
	}
	arch := strings.Join(archs, ",")
	var out []matrixgen.Kernel
	for _, k := range ks {
		if match(f.Target, k.Distribution) && match(arch, string(k.Arch)) && match(f.DistroVersion, k.DistroVersion) {
			out = append(out, k)
		}
	}
	return out
}

func match(globs, s string) bool {
	alts := splitList(globs)
	if len(alts) == 0 {
		return true
	}
	for _, g := range alts {
		if ok, _ := path.Match(g, s); ok {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Diff is what changed between two kernel sets.
type Diff struct {
	Added, Removed []matrixgen.Kernel
}

// Empty says whether the two sides hold the same kernels.
func (d Diff) Empty() bool { return len(d.Added) == 0 && len(d.Removed) == 0 }

// Compare returns the kernels only in newer (Added) and only in older
// (Removed), each sorted.
func Compare(older, newer []matrixgen.Kernel) Diff {
	in := func(ks []matrixgen.Kernel) map[matrixgen.Key]bool {
		m := make(map[matrixgen.Key]bool, len(ks))
		for _, k := range ks {
			m[k.Key()] = true
		}
		return m
	}
	o, n := in(older), in(newer)
	var d Diff
	for _, k := range Merge(newer) {
		if !o[k.Key()] {
			d.Added = append(d.Added, k)
		}
	}
	for _, k := range Merge(older) {
		if !n[k.Key()] {
			d.Removed = append(d.Removed, k)
		}
	}
	return d
}
