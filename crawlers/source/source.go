// Package source holds what the crawl runner and the repository formats
// share: a distribution plans jobs (release × arch), and each job crawls
// through the fetch layer and reports its kernels, its sources and warnings.
package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// Fetcher is the fetch layer as formats use it; *fetch.Client is one.
type Fetcher interface {
	Get(ctx context.Context, req fetch.Request) ([]byte, error)
	Open(ctx context.Context, req fetch.Request) (*fetch.Response, error)
	// Transport is for HTML directory listings (colly), which need a
	// plain RoundTripper: the same limits, retries and counters.
	Transport() http.RoundTripper
	LoadMemo(key string, v any) bool
	StoreMemo(key string, v any) error
}

// Distribution is one distribution as configuration over a format.
type Distribution interface {
	// Name is the --distro value and the Falco key family ("debian",
	// "amazonlinux2023", "oracle").
	Name() string
	// Aliases are other --distro spellings ("ol" for oracle).
	Aliases() []string
	// Mirrors are the default base URLs by --mirror key.
	Mirrors() map[string]string
	// Releases are the release names --release accepts by default
	// ("bookworm", "9", "stream10", "latest").
	Releases() []string
	// Plan turns a request into jobs. It returns a *matrixgen.UsageError for a
	// request it cannot serve (an arch the distribution never ships).
	Plan(ctx context.Context, f Fetcher, req PlanRequest) (*Plan, error)
}

// Options are the knobs every distribution may read.
type Options struct {
	Component      string   // Debian archive component; "" = main
	KeyringFiles   []string // replace the embedded archive keyrings (Debian, Ubuntu)
	SkipValidUntil bool
	Now            func() time.Time // clock for signatures and expiry; nil = time.Now
	Discover       bool             // list mirrors for releases the table does not know
	Vault          bool             // also crawl the vault's minor releases (Rocky, AlmaLinux)
	// Koji, when set, adds the kernel builds a distribution's Koji hubs hold
	// that its mirrors no longer carry (Fedora, CentOS Stream).
	Koji *KojiOptions
	// FCOSBuilds is how many of each Fedora CoreOS stream's newest builds
	// are read (crawl --fcos-builds); <= 0 = the distribution's default.
	FCOSBuilds int
	// PullSecret is a registry auth file ({"auths":{…}}) for distributions
	// read from container registries (RHCOS); "" = REGISTRY_AUTH_FILE,
	// then the docker config.
	PullSecret string
	// Registries are HOST=URL values: a registry host reached at another
	// address (a disconnected cluster's mirror).
	Registries []string
}

// OptIn is a Distribution that a crawl of every distribution leaves out:
// it is crawled only when --distro or a DISTRO/RELEASE names it (RHCOS,
// which needs a pull secret).
type OptIn interface {
	OptIn() bool
}

// KojiOptions bound what `crawl --koji` asks a hub for, per release.
type KojiOptions struct {
	Since  time.Time // only builds completed after this; zero = no bound
	Newest int       // at most this many builds, newest first; <= 0 = DefaultKojiNewest
	// Timeout bounds each hub's calls for one release and arch (a hub that
	// never stops answering fails alone); <= 0 = none but the crawl's.
	Timeout time.Duration
}

// DefaultKojiTimeout is crawl --koji's bound on one hub for one release
// and arch: the default --koji-newest 10 costs a dozen calls, and a long
// --koji-since far more, each retried as a GET is.
const DefaultKojiTimeout = 5 * time.Minute

// DefaultKojiNewest is how many of a release's newest kernel builds
// `crawl --koji` reads from each hub when neither bound is given.
const DefaultKojiNewest = 10

// DefaultFCOSBuilds is how many of each Fedora CoreOS stream's newest
// builds a crawl reads (crawl --fcos-builds).
const DefaultFCOSBuilds = 10

// PlanRequest is what one distribution is asked for.
type PlanRequest struct {
	// Releases names releases of this distribution; nil = its defaults.
	Releases []string
	Arches   []matrixgen.Arch
	// Mirrors holds a base URL (no trailing slash) for every key the
	// distribution declared, overrides applied.
	Mirrors map[string]string
	Options
}

// Plan is a distribution's answer.
type Plan struct {
	Jobs []Job
	// Matched lists the requested release names the plan covers; the
	// runner refuses names no distribution matched.
	Matched []string
	// Discovered names releases found by listing the mirror ("duke").
	Discovered []string
	// Failures are listings that failed while planning (a releases/ or
	// dists/ listing, a vault's, a releasemd.xml). Each stands for the
	// sources it would have produced, which are unknown: its Job names the
	// distribution (Distro, Distribution) and what the listing covers, an
	// Arch ("" = every arch asked for), and a Release and DistroVersion
	// where the listing was read for one release ("" = every release of
	// the distribution). The runner counts it as a failed source of each
	// arch and carries over what the previous crawl had there.
	Failures []Failure
	Warnings []string
}

// Job is one release of a distribution on one arch.
type Job interface {
	Info() JobInfo
	// Crawl never returns an error: each source's outcome is in the result.
	// events, when not nil, is called as sources finish.
	Crawl(ctx context.Context, f Fetcher, events func(Event)) *Result
}

// JobInfo names a job.
type JobInfo struct {
	Distro        string // Distribution.Name()
	Distribution  string // the kernels' distribution ("amazonlinux" for Distro "amazonlinux2023")
	Release       string // "bookworm", "9", "latest"
	DistroVersion string // "" = known only after the crawl
	Arch          matrixgen.Arch
	Sources       int // sources the job will read, for progress
}

func (j JobInfo) String() string { return fmt.Sprintf("%s %s %s", j.Distro, j.Release, j.Arch) }

// Result is what a job found.
type Result struct {
	Info          JobInfo
	DistroVersion string
	Kernels       []matrixgen.Kernel
	Sources       []SourceResult
	Warnings      []string
}

// Failed says whether any source failed.
func (r *Result) Failed() bool {
	for _, s := range r.Sources {
		if s.Err != nil {
			return true
		}
	}
	return false
}

// SourceResult says how one source (a suite, a repository) went.
type SourceResult struct {
	Name    string // "bookworm-security", "BaseOS"
	URL     string // the index read, or the file that failed
	Kernels int
	Reused  bool // its verified digest was unchanged: kernels came from the memo
	Err     error
}

// Failure is a source that failed, named by its job and URL.
type Failure struct {
	Job    JobInfo
	Source string
	URL    string
	Err    error
}

func (f Failure) Error() string {
	return fmt.Sprintf("%s: %s %s: %v", f.Job, f.Source, f.URL, f.Err)
}

func (f Failure) Unwrap() error { return f.Err }

// Event is progress: a source finished, or a request is waiting.
type Event struct {
	Job    JobInfo
	Source string
	URL    string
	Err    error
}

// WithTimeout bounds one link of a crawl or a resolve (a Koji hub, a
// repository, a URL) by d, so that one that never stops answering (a hub
// paged forever, a body dripped byte by byte) fails alone; d <= 0 = only
// ctx's own bound.
func WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return context.WithCancel(ctx)
}

// TimeoutErr names the link's own deadline d (ctx is the one WithTimeout
// made) instead of a bare "context deadline exceeded".
func TimeoutErr(ctx context.Context, d time.Duration, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil && d > 0 {
		return fmt.Errorf("timed out after %s: %w", d, err)
	}
	return err
}

// Named is the releases a plan request names for a distribution whose
// releases are names the host serves a file for (Flatcar's channels, Fedora
// CoreOS's streams): the known names to read (its defaults when none is
// named), the unknown ones to ask the host for under --discover (probe:
// valid path segments only, read after the known ones; a 404 means "not
// this distribution's"), and the requested names matched. An unknown name
// without --discover is a usage error naming "release"; kind says what a
// name is ("channel", "stream").
func Named(id, kind string, defaults, others []string, req PlanRequest) (names, probe, matched []string, err error) {
	if len(req.Releases) == 0 {
		return defaults, nil, nil, nil
	}
	for _, r := range req.Releases {
		if !slices.Contains(defaults, r) && !slices.Contains(others, r) {
			if !req.Discover {
				return nil, nil, nil, &matrixgen.UsageError{Option: "release", Msg: fmt.Sprintf("%s/%s: not a %s of %s (known: %s)", id, r, kind, id, strings.Join(append(slices.Clone(defaults), others...), ", "))}
			}
			if ValidName(r) && !slices.Contains(probe, r) {
				probe = append(probe, r)
			}
			continue
		}
		matched = append(matched, r)
		if !slices.Contains(names, r) {
			names = append(names, r)
		}
	}
	return names, probe, matched, nil
}

// ReadNamed reads the file of each name Named gave, the known names first
// and then the probes, and hands each file read to add. A probe the host
// has no file for (NotFound) is left out: the name is not this
// distribution's; any other probe is Matched and Discovered. A file that
// fails is its release's listing failing: a Failure on each arch (job
// gives Distro and Distribution), so the runner carries over the arches'
// previous kernels. file names a name's source and URL; read reads a URL.
func ReadNamed[T any](plan *Plan, job JobInfo, arches []matrixgen.Arch, names, probe []string,
	file func(name string) (src, url string), read func(url string) (T, error), add func(name, url string, v T)) {
	for i, name := range append(slices.Clone(names), probe...) {
		src, url := file(name)
		v, err := read(url)
		if i >= len(names) {
			if NotFound(err) {
				continue
			}
			plan.Matched, plan.Discovered = append(plan.Matched, name), append(plan.Discovered, name)
		}
		if err != nil {
			for _, a := range arches {
				j := job
				j.Release, j.Arch = name, a
				plan.Failures = append(plan.Failures, Failure{Job: j, Source: src, URL: url, Err: err})
			}
			continue
		}
		add(name, url, v)
	}
}

// ValidName says a --release name may go into a path a format asks a host
// for ("lts-2025", "testing-devel"): lowercase letters, digits, "-" and
// "." inside, at most 64 bytes, never "..".
func ValidName(s string) bool {
	if s == "" || len(s) > 64 || strings.Contains(s, "..") || s[0] == '.' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// NotFound says err is a host's 404 (or 410): the name asked for is not
// there, which --discover takes as "not this distribution's".
func NotFound(err error) bool {
	var he *fetch.HTTPError
	return errors.As(err, &he) && (he.StatusCode == http.StatusNotFound || he.StatusCode == http.StatusGone)
}

// ParseKojiBounds reads crawl's Koji bounds: since is "" or a date
// (2026-01-31) or RFC 3339 time; newest bounds the count, and when a date
// is given and newest was not (newestGiven false), the date alone bounds
// it. A since it cannot read, a timeout that is not positive and a
// negative newest are usage errors naming "koji-since", "koji-timeout" and
// "koji-newest".
func ParseKojiBounds(since string, newest int, newestGiven bool, timeout time.Duration) (*KojiOptions, error) {
	o := &KojiOptions{Newest: newest, Timeout: timeout}
	switch {
	case timeout <= 0:
		return nil, &matrixgen.UsageError{Option: "koji-timeout", Msg: fmt.Sprintf("%s: want a positive duration, e.g. 5m", timeout)}
	case newest < 0:
		return nil, &matrixgen.UsageError{Option: "koji-newest", Msg: fmt.Sprintf("%d: want 0 (no count bound, with a since date) or more", newest)}
	}
	if since == "" {
		return o, nil
	}
	t, err := time.Parse(time.DateOnly, since)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, since); err != nil {
			return nil, &matrixgen.UsageError{Option: "koji-since", Msg: fmt.Sprintf("%q: want a date (2026-01-31) or RFC 3339", since)}
		}
	}
	o.Since = t
	if !newestGiven {
		o.Newest = 0 // the date bounds it
	}
	return o, nil
}
