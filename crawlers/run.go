package crawlers

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Request says what to crawl. Zero values mean the defaults stated.
type Request struct {
	Distros []string // --distro names or aliases; default: all
	// Releases are "RELEASE" (where it names exactly one release of the
	// distributions asked for) or "DISTRO/RELEASE"; default: each
	// distribution's own defaults.
	Releases []string
	Arches   []matrixgen.Arch // default: x86_64
	Mirrors  map[string]string
	// The options every distribution may read (source.Options).
	Component      string   // Debian archive component; default main
	KeyringFiles   []string // replace the embedded archive keyrings
	SkipValidUntil bool
	Now            func() time.Time
	Discover       bool // list mirrors for releases the tables do not know
	Vault          bool // also the vaults' minor releases (Rocky, AlmaLinux)
	// Koji adds the kernel builds Fedora's and CentOS Stream's hubs hold that
	// the mirrors lack (crawl --koji); nil = none.
	Koji *source.KojiOptions
	// FCOSBuilds is how many of each Fedora CoreOS stream's newest builds
	// are read (crawl --fcos-builds); <= 0 = the distribution's default.
	FCOSBuilds int
	// PullSecret and Registries reach container registries (RHCOS):
	// crawl --pull-secret FILE and --registry HOST=URL (source.Options).
	PullSecret  string
	Registries  []string
	Concurrency int // jobs (release × arch) crawled at once; default 4
	// Previous is the last crawl's output: kernels of a job whose source
	// failed this time are carried over from it.
	Previous []matrixgen.Kernel
	// Progress, when set, is called (never concurrently) as sources finish.
	Progress func(Progress)
	// Table is the distributions known: distros.All(), or some of them
	// (tests crawl fixtures that hold only some suites). The runner imports
	// no format package, so the caller gives it.
	Table []source.Distribution
}

// Progress reports one finished source.
type Progress struct {
	source.Event
	Done, Total int // sources
}

// Failure is a source that failed, named by its job and URL.
type Failure = source.Failure

// Count is the outcome for one distribution × arch asked for.
type Count struct {
	Distro   string
	Arch     matrixgen.Arch
	Kernels  int
	Sources  int
	Failures int
}

// Report is the outcome of a crawl.
type Report struct {
	Kernels     []matrixgen.Kernel
	Failures    []Failure
	Warnings    []string
	Discovered  []string // "debian/duke"
	CarriedOver int
	Sources     int // sources attempted
	Reused      int // sources whose verified digest was unchanged (not parsed again)
	// Counts has one row per distribution × arch asked for, 0 kernels included.
	Counts []Count
	// Interrupted is the context's error when the crawl was cut short
	// (Ctrl-C, --timeout): what finished is in the report, and every
	// unfinished job is a failure.
	Interrupted error
}

type planned struct {
	dist source.Distribution
	jobs []source.Job
	// listings are the distribution's failed listings, one per arch.
	listings []source.Failure
}

// Run crawls what req asks for. Sources fail independently: the report
// names each failure, and Run returns an error only for a bad request.
func Run(ctx context.Context, f source.Fetcher, req Request) (*Report, error) {
	plans, rep, err := plan(ctx, f, req)
	if err != nil {
		return nil, err
	}
	var jobs []source.Job
	total := 0
	for _, p := range plans {
		jobs = append(jobs, p.jobs...)
		for _, j := range p.jobs {
			total += j.Info().Sources
		}
	}
	conc := req.Concurrency
	if conc <= 0 {
		conc = 4
	}
	results := make([]*source.Result, len(jobs))
	var mu sync.Mutex
	done := 0
	events := func(e source.Event) {
		if req.Progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		done++
		req.Progress(Progress{Event: e, Done: done, Total: total})
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i, j := range jobs {
		g.Go(func() error {
			if gctx.Err() != nil {
				return nil // not started: named as unfinished below
			}
			results[i] = j.Crawl(gctx, f, events)
			return nil
		})
	}
	_ = g.Wait()
	rep.Interrupted = ctx.Err()
	counts := map[string]*Count{}
	for i, c := range rep.Counts {
		counts[c.Distro+"\t"+string(c.Arch)] = &rep.Counts[i]
	}
	// owner[i] is the count rep.Kernels[i] was counted in (nil: none).
	var owner []*Count
	own := func(c *Count) {
		for len(owner) < len(rep.Kernels) {
			owner = append(owner, c)
		}
	}
	// A failed listing is a failed source of each arch it covers, in place
	// of the releases it would have listed, which are unknown: every
	// kernel the previous crawl had in what it covers is carried over
	// (those seen this time by other jobs replace their copies in dedupe).
	for _, p := range plans {
		for _, f := range p.listings {
			rep.Failures = append(rep.Failures, f)
			rep.Sources++
			n := carryOver(rep, req.Previous, nil, listed(f.Job))
			rep.CarriedOver += n
			c := counts[f.Job.Distro+"\t"+string(f.Job.Arch)]
			if c != nil {
				c.Sources++
				c.Failures++
				c.Kernels += n
			}
			own(c)
		}
	}
	for i, r := range results {
		info := jobs[i].Info()
		c := counts[info.Distro+"\t"+string(info.Arch)]
		if r == nil {
			// Cut short before it started: its kernels are carried over
			// like any failed source's, and it is named.
			rep.Failures = append(rep.Failures, Failure{Job: info, Source: "(not started)", Err: fmt.Errorf("crawl interrupted: %w", rep.Interrupted)})
			c.Failures++
			n := carryOver(rep, req.Previous, nil, released(info, info.DistroVersion))
			rep.CarriedOver += n
			c.Kernels += n // the summary counts what the output holds
			own(c)
			continue
		}
		rep.Sources += len(r.Sources)
		c.Sources += len(r.Sources)
		c.Kernels += len(r.Kernels)
		rep.Warnings = append(rep.Warnings, r.Warnings...)
		rep.Kernels = append(rep.Kernels, r.Kernels...)
		own(c)
		for _, s := range r.Sources {
			if s.Reused {
				rep.Reused++
			}
			if s.Err != nil {
				rep.Failures = append(rep.Failures, Failure{Job: info, Source: s.Name, URL: s.URL, Err: s.Err})
				c.Failures++
			}
		}
		if r.Failed() {
			n := carryOver(rep, req.Previous, r.Kernels, released(info, r.DistroVersion))
			rep.CarriedOver += n
			c.Kernels += n
			own(c)
		}
	}
	rep.Kernels = dedupe(rep, owner)
	slices.SortFunc(rep.Kernels, matrixgen.Compare)
	return rep, nil
}

// dedupe keeps one kernel per key. Two jobs of a distribution can share a
// distro version and so a kernel: AL2023's releases (two --release values,
// or --discover, which reads every release releasemd.xml lists) carry the
// same kernels, and the livepatch repository is read with each. Header URLs
// are united, so a live-patched kernel gets the headers of whichever core
// has them, and the livepatch mark is kept; a kernel seen this time replaces
// a carried-over copy. The counts lose the duplicates.
func dedupe(rep *Report, owner []*Count) []matrixgen.Kernel {
	idx := make(map[matrixgen.Key]int, len(rep.Kernels))
	out := make([]matrixgen.Kernel, 0, len(rep.Kernels))
	for i, k := range rep.Kernels {
		j, dup := idx[k.Key()]
		if !dup {
			idx[k.Key()] = len(out)
			out = append(out, k)
			continue
		}
		if owner[i] != nil {
			owner[i].Kernels--
		}
		o := &out[j]
		if o.CarriedOver || k.CarriedOver {
			rep.CarriedOver-- // counted twice, or carried although seen this time
		}
		switch {
		case o.CarriedOver && !k.CarriedOver:
			*o = k // seen this time: the previous run's values give way
			continue
		case k.CarriedOver && !o.CarriedOver:
			continue
		}
		for _, h := range k.Headers {
			if !slices.Contains(o.Headers, h) {
				o.Headers = append(slices.Clip(o.Headers), h) // never into a job's backing array
			}
		}
		if o.Origin == "" {
			o.Origin, o.Stream, o.Build = k.Origin, k.Stream, k.Build
		}
	}
	return out
}

// carryOver adds the previous run's kernels that match (those of a job
// that had a failed source, or of a failed listing) and that this run did
// not see, marked as carried over.
func carryOver(rep *Report, previous, seen []matrixgen.Kernel, match func(matrixgen.Kernel) bool) int {
	have := map[matrixgen.Key]bool{}
	for _, k := range seen {
		have[k.Key()] = true
	}
	n := 0
	for _, k := range previous {
		if match(k) && !have[k.Key()] {
			k.CarriedOver = true
			rep.Kernels = append(rep.Kernels, k)
			have[k.Key()] = true
			n++
		}
	}
	return n
}

// released matches the kernels of a job's release: its distribution,
// distro version and arch. A job whose distro version is unknown (a
// discovered release that failed before its Release file was read) has
// none to keep.
func released(info source.JobInfo, version string) func(matrixgen.Kernel) bool {
	return func(k matrixgen.Kernel) bool {
		return version != "" && k.Distribution == info.Distribution && k.DistroVersion == version && k.Arch == info.Arch
	}
}

// listed matches the kernels a failed listing covers: its distribution's
// on its arch, of its distro version where it names one (Amazon Linux 2
// and 2023 share the distribution "amazonlinux"), of every one otherwise.
func listed(info source.JobInfo) func(matrixgen.Kernel) bool {
	return func(k matrixgen.Kernel) bool {
		return info.Distribution != "" && k.Distribution == info.Distribution && k.Arch == info.Arch &&
			(info.DistroVersion == "" || k.DistroVersion == info.DistroVersion)
	}
}

// plan turns a request into each distribution's jobs, refusing unknown names.
func plan(ctx context.Context, f source.Fetcher, req Request) ([]planned, *Report, error) {
	rep := &Report{}
	table := req.Table
	if len(table) == 0 {
		return nil, nil, &matrixgen.UsageError{Msg: "no distributions to crawl (Request.Table is empty)"}
	}
	distros := table
	if len(req.Distros) > 0 {
		distros = nil
		for _, name := range req.Distros {
			ds := lookupAll(table, name)
			if len(ds) == 0 {
				return nil, nil, &matrixgen.UsageError{Option: "distro", Msg: fmt.Sprintf("%q: unknown (want %s)", name, strings.Join(distroNames(table), ", "))}
			}
			for _, d := range ds {
				if !slices.Contains(distros, d) {
					distros = append(distros, d)
				}
			}
		}
	}
	var arches []matrixgen.Arch
	for _, a := range req.Arches {
		if !slices.Contains(arches, a) {
			arches = append(arches, a)
		}
	}
	if len(arches) == 0 {
		arches = []matrixgen.Arch{matrixgen.X86_64}
	}
	keys := MirrorKeys(table)
	for k := range req.Mirrors {
		if !slices.Contains(keys, k) {
			return nil, nil, &matrixgen.UsageError{Option: "mirror", Msg: fmt.Sprintf("%s: unknown key (want %s)", k, strings.Join(keys, ", "))}
		}
	}
	perDistro, open, err := assignReleases(distros, req.Releases, req.Discover)
	if err != nil {
		return nil, nil, err
	}
	if len(req.Releases) > 0 {
		var kept []source.Distribution
		for _, d := range distros {
			if len(perDistro[d]) > 0 || len(open) > 0 {
				kept = append(kept, d)
			}
		}
		distros = kept
	}
	if len(req.Distros) == 0 {
		// Unnamed, an opt-in distribution (RHCOS) is left out.
		distros = slices.DeleteFunc(slices.Clone(distros), func(d source.Distribution) bool {
			o, ok := d.(source.OptIn)
			return ok && o.OptIn() && len(perDistro[d]) == 0
		})
	}
	matched := map[string]bool{}
	var plans []planned
	for _, d := range distros {
		mirrors := map[string]string{}
		for k, v := range d.Mirrors() {
			mirrors[k] = strings.TrimSuffix(v, "/")
		}
		for k, v := range req.Mirrors {
			if _, ok := mirrors[k]; ok {
				mirrors[k] = strings.TrimSuffix(v, "/")
			}
		}
		names := append(slices.Clone(perDistro[d]), open...)
		opts := source.Options{Component: req.Component, KeyringFiles: req.KeyringFiles, SkipValidUntil: req.SkipValidUntil, Now: req.Now, Discover: req.Discover, Vault: req.Vault, Koji: req.Koji,
			FCOSBuilds: req.FCOSBuilds, PullSecret: req.PullSecret, Registries: req.Registries}
		p, err := d.Plan(ctx, f, source.PlanRequest{Releases: names, Arches: arches, Mirrors: mirrors, Options: opts})
		if err != nil {
			return nil, nil, err
		}
		for _, m := range p.Matched {
			matched[m] = true
		}
		for _, c := range p.Discovered {
			rep.Discovered = append(rep.Discovered, d.Name()+"/"+c)
		}
		rep.Warnings = append(rep.Warnings, p.Warnings...)
		var listings []source.Failure
		for _, f := range p.Failures {
			if f.Job.Arch != "" {
				listings = append(listings, f)
				continue
			}
			for _, a := range arches {
				f.Job.Arch = a
				listings = append(listings, f)
			}
		}
		plans = append(plans, planned{dist: d, jobs: p.Jobs, listings: listings})
		for _, a := range arches {
			rep.Counts = append(rep.Counts, Count{Distro: d.Name(), Arch: a})
		}
	}
	for _, r := range open {
		if !matched[r] {
			return nil, nil, &matrixgen.UsageError{Option: "release", Msg: fmt.Sprintf("%q: not a release of %s, nor a discovered one", r, strings.Join(distroNames(distros), ", "))}
		}
	}
	return plans, rep, nil
}

// assignReleases maps each --release to the distribution it names:
// "DISTRO/RELEASE", or a bare name that exactly one distribution knows.
// With --discover a bare name no table knows is open: every distribution
// is asked, and the runner refuses it if none matched.
func assignReleases(distros []source.Distribution, releases []string, discover bool) (map[source.Distribution][]string, []string, error) {
	out := map[source.Distribution][]string{}
	var open []string
	for _, r := range releases {
		if dn, rel, ok := strings.Cut(r, "/"); ok {
			d := lookup(distros, dn)
			if d == nil || rel == "" {
				return nil, nil, &matrixgen.UsageError{Option: "release", Msg: fmt.Sprintf("%q: want DISTRO/RELEASE with DISTRO one of %s", r, strings.Join(distroNames(distros), ", "))}
			}
			out[d] = append(out[d], rel)
			continue
		}
		var hits []source.Distribution
		for _, d := range distros {
			if slices.Contains(d.Releases(), r) {
				hits = append(hits, d)
			}
		}
		switch {
		case len(hits) == 1:
			out[hits[0]] = append(out[hits[0]], r)
		case len(hits) > 1:
			var opts []string
			for _, d := range hits {
				opts = append(opts, d.Name()+"/"+r)
			}
			return nil, nil, &matrixgen.UsageError{Option: "release", Msg: fmt.Sprintf("%q names a release of several distributions: say which (%s)", r, strings.Join(opts, ", "))}
		case discover:
			open = append(open, r)
		default:
			return nil, nil, &matrixgen.UsageError{Option: "release", Msg: fmt.Sprintf("%q: not a release of %s (known: %s; discovering the mirrors' releases finds new ones)", r, strings.Join(distroNames(distros), ", "), strings.Join(releaseNames(distros), ", "))}
		}
	}
	return out, open, nil
}

func lookup(table []source.Distribution, name string) source.Distribution {
	for _, d := range table {
		if d.Name() == name || slices.Contains(d.Aliases(), name) {
			return d
		}
	}
	return nil
}

// lookupAll is every configuration in table that crawls the distribution
// name stands for: a configuration's name or alias, or any name the
// distribution table accepts for it ("amazonlinux" and "amzn" are both
// Amazon Linux configurations, "rockylinux" is rocky).
func lookupAll(table []source.Distribution, name string) []source.Distribution {
	if d := lookup(table, name); d != nil {
		return []source.Distribution{d}
	}
	canon, ok := matrixgen.CanonicalDistribution(name)
	if !ok {
		return nil
	}
	e, _ := matrixgen.Lookup(canon)
	var out []source.Distribution
	for _, c := range e.Crawl {
		if d := lookup(table, c); d != nil {
			out = append(out, d)
		}
	}
	return out
}

func distroNames(ds []source.Distribution) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name())
	}
	return out
}

func releaseNames(ds []source.Distribution) []string {
	var out []string
	for _, d := range ds {
		for _, r := range d.Releases() {
			out = append(out, d.Name()+"/"+r)
		}
	}
	sort.Strings(out)
	return out
}
