package deb

import (
	"fmt"
	"slices"
	"strings"

	"github.com/matrixgen/matrixgen"
)

type poolEntry struct {
	st    *Stanza
	suite Suite
}

// flavoredRelease says whether a stanza is a flavored headers package,
// the one per kernel, and returns its release (uname -r). Common packages
// ("-common", "-common-rt", Ubuntu's unflavored "6.8.0-41"), meta packages
// ("linux-headers-amd64", "linux-headers-6.12-amd64") and per-flavor
// common trees ("linux-aws-headers-...") are not kernels.
func flavoredRelease(st *Stanza, debArch string) (string, bool) {
	r, ok := strings.CutPrefix(st.Package, "linux-headers-")
	if !ok || st.Architecture != debArch || !hasXYZ(r) {
		return "", false
	}
	if strings.HasSuffix(r, "-common") || strings.Contains(r, "-common-") {
		return "", false
	}
	last := r[strings.LastIndexByte(r, '-')+1:]
	if !strings.ContainsAny(last, "abcdefghijklmnopqrstuvwxyz") {
		return "", false
	}
	return r, true
}

// hasXYZ reports whether s starts with a three-part kernel version.
func hasXYZ(s string) bool {
	parts := 0
	i := 0
	for parts < 3 {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return false
		}
		parts++
		if parts == 3 {
			return true
		}
		if j >= len(s) || s[j] != '.' {
			return false
		}
		i = j + 1
	}
	return true
}

// dep is one relationship of a Depends field.
type dep struct{ name, op, version string }

// parseDepends reads "a (= 1), b:any (>= 2) | c, d [amd64]" into the first
// alternative of each relationship.
func parseDepends(s string) []dep {
	var out []dep
	for _, rel := range strings.Split(s, ",") {
		alt, _, _ := strings.Cut(rel, "|")
		alt = strings.TrimSpace(alt)
		if alt == "" {
			continue
		}
		d := dep{}
		name, _, _ := strings.Cut(alt, " ")
		name, _, _ = strings.Cut(name, "(")
		d.name, _, _ = strings.Cut(name, ":")
		if i := strings.IndexByte(alt, '('); i >= 0 {
			if j := strings.IndexByte(alt[i:], ')'); j > 0 {
				f := strings.Fields(alt[i+1 : i+j])
				if len(f) == 2 {
					d.op, d.version = f[0], f[1]
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// pick chooses the stanza a relationship resolves to: the exact version
// for "=", otherwise the highest version available.
func pick(entries []poolEntry, d dep) (poolEntry, bool) {
	var best poolEntry
	found := false
	for _, e := range entries {
		if d.op == "=" && e.st.Version != d.version {
			continue
		}
		if !found || CompareVersions(e.st.Version, best.st.Version) > 0 {
			best, found = e, true
		}
	}
	return best, found
}

func fileURL(s Suite, filename string) (string, error) {
	if filename == "" || strings.HasPrefix(filename, "/") || strings.Contains(filename, "..") || strings.Contains(filename, "://") {
		return "", fmt.Errorf("unsafe Filename %q", filename)
	}
	return strings.TrimSuffix(s.Mirror, "/") + "/" + filename, nil
}

// assemble turns the stanzas of all suites of a release into kernels: one
// per flavored headers package, with the URLs of the packages it depends on
// (common headers, kbuild), resolved across every suite of the release.
// A kernel whose companions are missing is kept, with a warning.
func assemble(spec Spec, pools []*suitePool, res *Result) {
	byName := map[string][]poolEntry{}
	for _, p := range pools {
		if p == nil {
			continue
		}
		for i := range p.stanzas {
			st := &p.stanzas[i]
			byName[st.Package] = append(byName[st.Package], poolEntry{st, p.suite})
		}
	}
	warn := func(format string, args ...any) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s %s %s: ", spec.Distribution, spec.Codename, spec.Arch)+fmt.Sprintf(format, args...))
	}
	type found struct {
		k       matrixgen.Kernel
		version string
	}
	kernels := map[string]*found{}
	var order []string
	for i, p := range pools {
		if p == nil {
			continue
		}
		for j := range p.stanzas {
			st := &p.stanzas[j]
			release, ok := flavoredRelease(st, spec.Arch.Deb())
			if !ok {
				continue
			}
			res.Suites[i].Kernels++
			if err := matrixgen.ValidateRelease(release); err != nil {
				warn("%s: skipped: %v", st.Package, err)
				continue
			}
			if have, dup := kernels[release]; dup && CompareVersions(st.Version, have.version) <= 0 {
				continue // the same kernel in an earlier suite, or an older upload
			}
			var kv string
			if spec.KernelVersion != nil {
				kv = spec.KernelVersion(release, st.Version)
			}
			// The domain's one consistency rule: a kernel whose own markers
			// contradict the suite it was found in is refused, not built
			// in the wrong container.
			k, err := matrixgen.Make(matrixgen.Spec{Target: spec.Distribution, Arch: spec.Arch, Release: release, DistroVersion: spec.DistroVersion, KernelVersion: kv, Suite: spec.suiteFor(p.suite.Name)})
			if err != nil {
				warn("%s in %s: refused: %v", release, p.suite.Name, err)
				continue
			}
			k.Source = strings.TrimSuffix(p.suite.Mirror, "/") + "/dists/" + p.suite.Name
			k.Headers = headersFor(st, p.suite, byName, warn)
			if _, dup := kernels[release]; !dup {
				order = append(order, release)
			}
			kernels[release] = &found{k, st.Version}
		}
	}
	for _, r := range order {
		res.Kernels = append(res.Kernels, kernels[r].k)
	}
	slices.SortFunc(res.Kernels, matrixgen.Compare)
}

// headersFor lists the URL of the flavored package and of every headers or
// kbuild package it depends on, transitively.
func headersFor(st *Stanza, s Suite, byName map[string][]poolEntry, warn func(string, ...any)) []string {
	var urls []string
	add := func(st *Stanza, s Suite) {
		u, err := fileURL(s, st.Filename)
		if err != nil {
			warn("%s %s: %v", st.Package, st.Version, err)
			return
		}
		if !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
	}
	add(st, s)
	seen := map[string]bool{st.Package: true}
	queue := []*Stanza{st}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, d := range parseDepends(cur.Depends) {
			if seen[d.name] || !keepStanza(d.name) {
				continue
			}
			seen[d.name] = true
			e, ok := pick(byName[d.name], d)
			if !ok {
				want := d.name
				if d.op != "" {
					want += " (" + d.op + " " + d.version + ")"
				}
				warn("%s %s: companion %s not found in any suite of the release; kept with the headers found", st.Package, st.Version, want)
				continue
			}
			add(e.st, e.suite)
			queue = append(queue, e.st)
		}
	}
	return urls
}
