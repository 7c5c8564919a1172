package deb

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Suite is one suite of a release on one mirror: "bookworm-security" on
// the security archive, "noble-updates" on the Ubuntu archive.
type Suite struct {
	Name   string
	Mirror string // base URL, the folder that holds dists/ and pool/
}

// Spec is one release of a distribution on one arch: every suite in it is
// crawled, and companion packages are resolved across all of them.
type Spec struct {
	Distribution  string // matrixgen.Debian, matrixgen.Ubuntu
	Codename      string
	DistroVersion string // "" = take Version from the first verified Release
	Arch          matrixgen.Arch
	Component     string // default "main"
	Suites        []Suite
	// The distribution's hooks, from its configuration in crawlers.
	// ReleaseVersion maps the Version a Release file states to the distro
	// version (Debian's "12.8" → "12"); nil keeps it as stated.
	ReleaseVersion func(string) string
	// KernelVersion gives a kernel's version from its release and its
	// headers package version (Ubuntu's upload); nil gives none.
	KernelVersion func(release, pkgVersion string) string
}

// suiteFor is the suite a kernel is checked against: its own where the
// domain knows the codename, else none, so releases found by --discover
// are checked against their distro version alone.
func (s Spec) suiteFor(name string) string {
	if _, ok := matrixgen.VersionFromSuite(s.Distribution, name); ok {
		return name
	}
	return ""
}

// Options are the knobs shared by every release crawled.
type Options struct {
	Keyring openpgp.EntityList // required: every InRelease is verified against it
	Now     func() time.Time   // clock for signatures and Valid-Until; default time.Now
	// SkipValidUntil ignores Valid-Until, as apt's Check-Valid-Until=false.
	SkipValidUntil bool
	// Parallel suites in flight per release; default 4.
	Parallel int
	// Releases, when set, shares verified Release files between crawls of
	// the same suite for several arches: one InRelease per suite per run,
	// and every arch sees the same snapshot of the mirror.
	Releases *ReleaseMemo
	// OnSuite, when set, is called as each suite finishes (progress).
	OnSuite func(SuiteResult)
}

// ReleaseMemo remembers each InRelease fetched and verified in one run,
// and the kept stanzas of each Packages index by its SHA256.
type ReleaseMemo struct {
	releases onceMap[memoEntry]
	indices  onceMap[idxEntry]
}

type idxEntry struct {
	stanzas []Stanza
	reused  bool
}

type memoEntry struct {
	rel *Release
	err error
}

// NewReleaseMemo returns an empty memo for one run.
func NewReleaseMemo() *ReleaseMemo { return &ReleaseMemo{} }

// stanzas gives the kept stanzas of the Packages index whose SHA256 is sha,
// loading them once per run: suites of one release often list the same
// index (an empty -updates), and which of them reads it must not depend on
// timing. Only successes are shared: a suite whose mirror failed does not
// fail another's, which then reads its own.
func (m *ReleaseMemo) stanzas(sha string, load func() ([]Stanza, bool, error)) ([]Stanza, bool, error) {
	if m == nil {
		return load()
	}
	e, err := m.indices.get(sha, func() (idxEntry, error) {
		st, reused, err := load()
		return idxEntry{st, reused}, err
	})
	return e.stanzas, e.reused, err
}

// get gives the verified Release at url, fetched once per run; its
// failure is the run's answer for that url too (every arch sees the same).
func (m *ReleaseMemo) get(url string, load func() (*Release, error)) (*Release, error) {
	if m == nil {
		return load()
	}
	e, _ := m.releases.get(url, func() (memoEntry, error) {
		rel, err := load()
		return memoEntry{rel, err}, nil
	})
	return e.rel, e.err
}

// onceMap loads each key once: concurrent askers share one load and later
// ones its result. A failed load is not kept: each asker it failed for
// loads again, alone.
type onceMap[V any] struct {
	g  singleflight.Group
	mu sync.Mutex
	m  map[string]V
}

func (o *onceMap[V]) lookup(key string) (V, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	v, ok := o.m[key]
	return v, ok
}

func (o *onceMap[V]) get(key string, load func() (V, error)) (V, error) {
	if v, ok := o.lookup(key); ok {
		return v, nil
	}
	r, err, shared := o.g.Do(key, func() (any, error) {
		// A flight may have ended between the lookup above and this one
		// starting: look again, so the key is loaded once.
		if v, ok := o.lookup(key); ok {
			return v, nil
		}
		v, err := load()
		if err != nil {
			return nil, err
		}
		o.mu.Lock()
		if o.m == nil {
			o.m = map[string]V{}
		}
		o.m[key] = v
		o.mu.Unlock()
		return v, nil
	})
	if err != nil {
		if shared {
			return load()
		}
		var zero V
		return zero, err
	}
	return r.(V), nil
}

// SuiteResult says how one suite went.
type SuiteResult struct {
	Suite   Suite
	URL     string // the Packages index fetched, or the InRelease that failed
	Kernels int    // flavored headers packages found in this suite
	Reused  bool   // its Packages digest was unchanged: stanzas came from the memo
	Err     error
}

// Result is what a release crawl found.
type Result struct {
	Spec     Spec
	Kernels  []matrixgen.Kernel
	Suites   []SuiteResult
	Warnings []string
}

// CrawlRelease fetches and verifies every suite of spec concurrently, then
// builds one kernel per flavored linux-headers package. A failed suite is
// recorded in Result.Suites and never stops the others.
func CrawlRelease(ctx context.Context, f source.Fetcher, spec Spec, opts Options) *Result {
	if spec.Component == "" {
		spec.Component = "main"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	res := &Result{Spec: spec, Suites: make([]SuiteResult, len(spec.Suites))}
	pools := make([]*suitePool, len(spec.Suites))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Parallel)
	for i, s := range spec.Suites {
		g.Go(func() error {
			p, url, err := crawlSuite(gctx, f, spec, s, opts)
			res.Suites[i] = SuiteResult{Suite: s, URL: url, Err: err}
			if err == nil {
				pools[i] = p
				res.Suites[i].Reused = p.reused
			}
			if opts.OnSuite != nil {
				opts.OnSuite(res.Suites[i])
			}
			return nil // one suite's failure is not the release's
		})
	}
	_ = g.Wait()
	if spec.DistroVersion == "" {
		for _, p := range pools {
			if p != nil && p.version != "" {
				spec.DistroVersion = p.version
				if spec.ReleaseVersion != nil {
					spec.DistroVersion = spec.ReleaseVersion(p.version)
				}
				res.Spec.DistroVersion = spec.DistroVersion
				break
			}
		}
	}
	if spec.DistroVersion == "" {
		for i := range res.Suites {
			if res.Suites[i].Err == nil {
				res.Suites[i].Err = fmt.Errorf("%s: no distro version: unknown codename and no Version in its Release", res.Suites[i].URL)
			}
		}
		return res
	}
	// A release --discover found that the domain does not know (a new
	// Ubuntu): its every kernel would be refused one by one; fail its
	// sources once, saying what to add, so the crawl cannot pass for whole.
	if err := matrixgen.CheckDistroVersion(spec.Distribution, spec.DistroVersion); err != nil {
		for i := range res.Suites {
			if res.Suites[i].Err == nil {
				res.Suites[i].Err = fmt.Errorf("%s: %s %s (%s) is not a release matrixgen knows, so its kernels cannot be checked (add it to the domain's release table): %w", res.Suites[i].URL, spec.Distribution, spec.DistroVersion, spec.Codename, err)
			}
		}
		return res
	}
	assemble(spec, pools, res)
	return res
}

// suitePool holds the linux-* stanzas of one suite that kernels are built from.
type suitePool struct {
	suite   Suite
	version string // Release's Version field
	stanzas []Stanza
	reused  bool
}

// stanzaMemoKey names the kept stanzas of a Packages index by its SHA256,
// as listed in a verified InRelease. Bump the version when keepStanza or
// Stanza change.
func stanzaMemoKey(sha256 string) string { return "deb-stanzas-v1-" + sha256 }

// keepStanza keeps only what kernel assembly reads: headers and kbuild
// packages, flavored and common. Everything else is skipped unparsed.
func keepStanza(pkg string) bool {
	return strings.HasPrefix(pkg, "linux-") && (strings.Contains(pkg, "headers-") || strings.HasPrefix(pkg, "linux-kbuild-"))
}

func crawlSuite(ctx context.Context, f source.Fetcher, spec Spec, s Suite, opts Options) (*suitePool, string, error) {
	base := strings.TrimSuffix(s.Mirror, "/") + "/dists/" + s.Name + "/"
	inURL := base + "InRelease"
	rel, err := opts.Releases.get(inURL, func() (*Release, error) { return fetchRelease(ctx, f, inURL, opts) })
	if err != nil {
		return nil, inURL, err
	}
	if !opts.SkipValidUntil {
		if err := rel.CheckValidUntil(opts.Now()); err != nil {
			return nil, inURL, err
		}
	}
	idx, err := rel.PackagesIndex(spec.Component, spec.Arch.Deb())
	if err != nil {
		return nil, inURL, err
	}
	pkURL := base + idx.Path
	p := &suitePool{suite: s, version: rel.Version}
	p.stanzas, p.reused, err = opts.Releases.stanzas(idx.SHA256, func() ([]Stanza, bool, error) {
		return readStanzas(ctx, f, pkURL, idx)
	})
	if err != nil {
		return nil, pkURL, err
	}
	return p, pkURL, nil
}

// readStanzas reads the kept stanzas of one Packages index, verified while
// it streams. An index the signed InRelease lists with the digest it had
// last run is not fetched, decompressed or parsed again (reused).
func readStanzas(ctx context.Context, f source.Fetcher, pkURL string, idx FileSum) ([]Stanza, bool, error) {
	var stanzas []Stanza
	if f.LoadMemo(stanzaMemoKey(idx.SHA256), &stanzas) {
		return stanzas, true, nil
	}
	resp, err := f.Open(ctx, fetch.Request{URL: pkURL, SHA256: idx.SHA256, Size: idx.Size, Decompress: true})
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	sc := NewScanner(resp.Body, pkURL)
	sc.Filter(keepStanza)
	for sc.Scan() {
		stanzas = append(stanzas, *sc.Stanza())
	}
	// A checksum mismatch or truncation surfaces here, at the end of the
	// stream: the suite's stanzas are then discarded, never half-used.
	if err := sc.Err(); err != nil {
		return nil, false, err
	}
	if stanzas == nil {
		stanzas = []Stanza{} // memoised as [], so a reload is not a miss
	}
	_ = f.StoreMemo(stanzaMemoKey(idx.SHA256), stanzas) // a memo is an optimisation: failing to keep one costs a re-parse
	return stanzas, false, nil
}

// fetchRelease fetches, verifies and parses one InRelease.
func fetchRelease(ctx context.Context, f source.Fetcher, inURL string, opts Options) (*Release, error) {
	data, err := f.Get(ctx, fetch.Request{URL: inURL, MaxBytes: 16 << 20})
	if err != nil {
		return nil, err
	}
	if len(opts.Keyring) == 0 {
		return nil, fmt.Errorf("%s: no keyring to verify it with", inURL)
	}
	plain, err := VerifyInRelease(data, opts.Keyring, opts.Now(), inURL)
	if err != nil {
		return nil, err
	}
	return ParseRelease(strings.NewReader(string(plain)), inURL)
}
