package crawlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"golang.org/x/sync/errgroup"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/deb"
)

// Request says what to crawl. Zero values mean the defaults stated.
type Request struct {
	Distros   []string         // default: all
	Releases  []string         // codenames; default: every release in the table
	Arches    []matrixgen.Arch // default: x86_64
	Component string           // default: main
	Mirrors   map[string]string
	// Keyring replaces every distribution's embedded archive keyring.
	Keyring        openpgp.EntityList
	SkipValidUntil bool
	Now            func() time.Time
	Concurrency    int // releases crawled at once; default 4
	// Discover lists each distribution's dists/ to find releases the table
	// does not know yet, and crawls them too.
	Discover bool
	// Lister is the transport for discovery listings; nil = http.DefaultTransport.
	Lister http.RoundTripper
	// Previous is the last crawl's output: kernels of a release whose
	// source failed this time are carried over from it.
	Previous []matrixgen.Kernel
	// Progress, when set, is called as releases finish.
	Progress func(done, total int)
	// Table replaces All, the distributions known (tests crawl fixtures
	// that hold only some suites).
	Table []*Distro
}

// Failure is a source that failed, named by URL.
type Failure struct {
	Distro, Release, Suite string
	Arch                   matrixgen.Arch
	URL                    string
	Err                    error
}

func (f Failure) Error() string {
	return fmt.Sprintf("%s %s %s %s: %v", f.Distro, f.Suite, f.Arch, f.URL, f.Err)
}

// Report is the outcome of a crawl.
type Report struct {
	Kernels     []matrixgen.Kernel
	Failures    []Failure
	Warnings    []string
	Discovered  []string // "debian/duke"
	CarriedOver int
	Sources     int // suites attempted
}

// UsageError is a request that names something unknown.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

type job struct {
	distro *Distro
	spec   deb.Spec
}

// Run crawls what req asks for. Sources fail independently: the report
// names each failure, and Run returns an error only for a bad request.
func Run(ctx context.Context, f deb.Fetcher, req Request) (*Report, error) {
	jobs, rep, err := plan(ctx, req)
	if err != nil {
		return nil, err
	}
	conc := req.Concurrency
	if conc <= 0 {
		conc = 4
	}
	keyrings := map[string]openpgp.EntityList{}
	for _, j := range jobs {
		name := j.distro.Name
		if _, ok := keyrings[name]; ok {
			continue
		}
		kr := req.Keyring
		if kr == nil {
			if kr, err = j.distro.Keyring(); err != nil {
				return nil, fmt.Errorf("%s keyring: %w", name, err)
			}
		}
		keyrings[name] = kr
	}
	results := make([]*deb.Result, len(jobs))
	memo := deb.NewReleaseMemo()
	var mu sync.Mutex
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i, j := range jobs {
		g.Go(func() error {
			results[i] = deb.CrawlRelease(gctx, f, j.spec, deb.Options{
				Keyring: keyrings[j.distro.Name], Now: req.Now, SkipValidUntil: req.SkipValidUntil, Releases: memo,
			})
			if req.Progress != nil {
				mu.Lock()
				done++
				req.Progress(done, len(jobs))
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, r := range results {
		rep.Sources += len(r.Suites)
		rep.Warnings = append(rep.Warnings, r.Warnings...)
		rep.Kernels = append(rep.Kernels, r.Kernels...)
		for _, s := range r.Suites {
			if s.Err != nil {
				rep.Failures = append(rep.Failures, Failure{Distro: r.Spec.Distribution, Release: r.Spec.Codename, Suite: s.Suite.Name, Arch: r.Spec.Arch, URL: s.URL, Err: s.Err})
			}
		}
		if r.Failed() {
			rep.CarriedOver += carryOver(rep, r, req.Previous)
		}
	}
	slices.SortFunc(rep.Kernels, matrixgen.Compare)
	return rep, nil
}

// carryOver adds the previous run's kernels of a release that had a failed
// source and that this run did not see, marked as carried over.
func carryOver(rep *Report, r *deb.Result, previous []matrixgen.Kernel) int {
	if r.Spec.DistroVersion == "" {
		return 0
	}
	have := map[matrixgen.Key]bool{}
	for _, k := range r.Kernels {
		have[k.Key()] = true
	}
	n := 0
	for _, k := range previous {
		if k.Distribution == r.Spec.Distribution && k.DistroVersion == r.Spec.DistroVersion && k.Arch == r.Spec.Arch && !have[k.Key()] {
			k.CarriedOver = true
			rep.Kernels = append(rep.Kernels, k)
			have[k.Key()] = true
			n++
		}
	}
	return n
}

// plan turns a request into release crawls, refusing unknown names.
func plan(ctx context.Context, req Request) ([]job, *Report, error) {
	rep := &Report{}
	table := req.Table
	if table == nil {
		table = All()
	}
	distros := table
	if len(req.Distros) > 0 {
		distros = nil
		for _, name := range req.Distros {
			d := lookup(table, name)
			if d == nil {
				return nil, nil, &UsageError{fmt.Sprintf("--distro %q: unknown (want %s)", name, strings.Join(distroNames(table), ", "))}
			}
			distros = append(distros, d)
		}
	}
	arches := req.Arches
	if len(arches) == 0 {
		arches = []matrixgen.Arch{matrixgen.X86_64}
	}
	for _, a := range arches {
		if a == matrixgen.AArch64_64k {
			return nil, nil, &UsageError{"--arch aarch64+64k: Debian and Ubuntu ship no 64k-page kernels; use aarch64"}
		}
	}
	mirrors := map[string]string{}
	for _, d := range distros {
		for k, v := range d.Mirrors {
			mirrors[k] = v
		}
	}
	for k, v := range req.Mirrors {
		if !slices.Contains(mirrorKeys(table), k) {
			return nil, nil, &UsageError{fmt.Sprintf("--mirror %s: unknown key (want %s)", k, strings.Join(mirrorKeys(table), ", "))}
		}
		mirrors[k] = strings.TrimSuffix(v, "/")
	}
	wanted := map[string]bool{}
	for _, r := range req.Releases {
		wanted[r] = true
	}
	matched := map[string]bool{}
	var jobs []job
	for _, d := range distros {
		releases := slices.Clone(d.Releases)
		if req.Discover {
			found, err := discover(ctx, req.Lister, mirrors[d.DiscoverKey], d)
			if err != nil {
				rep.Failures = append(rep.Failures, Failure{Distro: d.Name, Suite: "dists/", URL: mirrors[d.DiscoverKey] + "/dists/", Err: err})
			}
			for _, c := range found {
				rep.Discovered = append(rep.Discovered, d.Name+"/"+c)
				releases = append(releases, Release{Codename: c, Arches: main3})
			}
		}
		for _, rel := range releases {
			if len(wanted) > 0 && !wanted[rel.Codename] {
				continue
			}
			matched[rel.Codename] = true
			for _, a := range arches {
				if !slices.Contains(rel.Arches, a) {
					continue // e.g. riscv64 before trixie: the release does not ship it
				}
				spec := deb.Spec{Distribution: d.Name, Codename: rel.Codename, DistroVersion: rel.Version, Arch: a, Component: req.Component,
					ReleaseVersion: d.ReleaseVersion, KernelVersion: d.KernelVersion}
				for _, s := range d.Suites(rel.Codename, a) {
					spec.Suites = append(spec.Suites, deb.Suite{Name: s.Name, Mirror: mirrors[s.MirrorKey]})
				}
				jobs = append(jobs, job{distro: d, spec: spec})
			}
		}
	}
	for r := range wanted {
		if !matched[r] {
			return nil, nil, &UsageError{fmt.Sprintf("--release %q: not a release of %s (known: %s; --discover finds new ones)", r, strings.Join(distroNames(distros), ", "), strings.Join(codenames(distros), ", "))}
		}
	}
	return jobs, rep, nil
}

func lookup(table []*Distro, name string) *Distro {
	for _, d := range table {
		if d.Name == name {
			return d
		}
	}
	return nil
}

func distroNames(ds []*Distro) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

func codenames(ds []*Distro) []string {
	var out []string
	for _, d := range ds {
		for _, r := range d.Releases {
			out = append(out, r.Codename)
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
