package openshift

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Mirror keys (crawl --mirror KEY=URL) and their published layouts.
const (
	// MirrorKey serves <arch>/clients/ocp/<version>/release.txt (arch x86_64, aarch64).
	MirrorKey = "openshift"
	// GraphKey serves v1/graph?channel=stable-<minor>&arch=<amd64|arm64>.
	GraphKey = "openshift-graph"
	// ComponentRepo holds a release's component images, by digest (what
	// `oc adm release info --pullspecs` prints).
	ComponentRepo = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
	// KernelLabel is the label of an ostree/bootc image's config that holds
	// its kernel release.
	KernelLabel = "ostree.linux"
	// FirstMinor is where --discover starts: RHCOS on RHEL 9 (the NVIDIA
	// precompiled-driver procedure's floor).
	FirstMinor = matrixgen.FirstOpenShiftMinor
)

// Mirrors are the default base URLs by mirror key, from the distribution
// table.
func Mirrors() map[string]string {
	m := map[string]string{}
	if d, ok := matrixgen.Lookup(matrixgen.RHCOS); ok {
		for _, mi := range d.Mirrors {
			m[mi.Key] = mi.URL
		}
	}
	return m
}

// Arches are the arches RHCOS is crawled for, from the distribution
// table; aarch64+64k is the aarch64 build's 64k-page kernel, read from
// the aarch64 release.
func Arches() []matrixgen.Arch {
	if d, ok := matrixgen.Lookup(matrixgen.RHCOS); ok {
		return slices.Clone(d.Arches)
	}
	return nil
}

// names of an arch: the graph's and the registry platform's, and the mirror's directory.
func archNames(a matrixgen.Arch) (goArch, mirrorDir string, ok bool) {
	switch a {
	case matrixgen.X86_64:
		return "amd64", "x86_64", true
	case matrixgen.AArch64, matrixgen.AArch64_64k:
		return "arm64", "aarch64", true
	}
	return "", "", false
}

// Kernel is one RHCOS kernel of an OpenShift minor on one arch.
type Kernel struct {
	Minor   string         // distro version: the OpenShift minor, "4.15"
	Arch    matrixgen.Arch // x86_64, aarch64, aarch64+64k
	Release string         // uname -r: 5.14.0-284.54.1.el9_2.aarch64+64k
	// OpenShiftReleases are the z-streams that ship it, oldest first.
	OpenShiftReleases []string
	// BuildImage is the driver-toolkit image of the newest of them, by digest.
	BuildImage string
}

// Failure is a source that failed: an upgrade graph, a release.txt or an image.
type Failure struct {
	Minor  string
	Arches []matrixgen.Arch // the requested arches it stands for
	Source string           // "upgrade graph stable-4.15", "release 4.15.3", "rhel-coreos of 4.15.3"
	URL    string
	Err    error
}

func (f Failure) Error() string {
	return fmt.Sprintf("rhcos %s %v: %s %s: %v", f.Minor, f.Arches, f.Source, f.URL, f.Err)
}

func (f Failure) Unwrap() error { return f.Err }

// Request is what Crawl is asked for.
type Request struct {
	// Minors are OpenShift minors ("4.15"); with Discover, those found
	// from 4.13 on are added.
	Minors   []string
	Discover bool
	Arches   []matrixgen.Arch // nil = Arches()
	// Mirrors holds a base URL (no trailing slash) for MirrorKey and GraphKey.
	Mirrors map[string]string
}

// Result is what Crawl found.
type Result struct {
	Minors     []string // the minors crawled, discovered ones included
	Kernels    []Kernel
	Failures   []Failure
	Registry   int // images read from the registry (the others came from the memo)
	MemoHits   int
	Discovered []string
}

// Session is what the crawls of one run share: the registry, one read of
// each upgrade graph, release.txt and image (the runner's aarch64 and
// aarch64+64k jobs read the same files and images; one image ships in many
// z-streams), and which registries already refused the run's
// credentials, so that refusal is named in full once.
type Session struct {
	reg *Registry

	mu       sync.Mutex
	reported map[error]bool // registry authentication failures already named
	reads    map[string]any // a URL, or "image <ref> <arch>" → its *readOnce in this run
	once     bool           // leave repeated refusals out (one Crawl is the run)
}

// NewSession starts a run over reg (nil: every image read fails).
func NewSession(reg *Registry) *Session {
	return &Session{reg: reg, reported: map[error]bool{}, reads: map[string]any{}}
}

// readOnce is one read's outcome, shared by the session's crawls.
type readOnce[T any] struct {
	once sync.Once
	v    T
	err  error
}

// once returns the outcome of the session's one read of key: read's, run
// by the first crawl that asks.
func once[T any](s *Session, key string, read func() (T, error)) (T, error) {
	s.mu.Lock()
	r, _ := s.reads[key].(*readOnce[T])
	if r == nil {
		r = &readOnce[T]{}
		s.reads[key] = r
	}
	s.mu.Unlock()
	r.once.Do(func() { r.v, r.err = read() })
	return r.v, r.err
}

// zStreams are the z-streams of minor in the upgrade graph at u.
func (s *Session) zStreams(ctx context.Context, f source.Fetcher, u, minor string) ([]string, error) {
	return once(s, u, func() ([]string, error) {
		data, err := getJSON(ctx, f, u)
		if err != nil {
			return nil, err
		}
		return ZStreams(data, minor)
	})
}

// RepeatedAuthError is a source that failed on a registry whose refusal
// an earlier source of the run named in full: it says so in a line.
type RepeatedAuthError struct{ *AuthError }

func (e *RepeatedAuthError) Error() string {
	return e.AuthError.Registry + " refused the crawl (another rhcos failure names it in full, with how to give a pull secret)"
}

func (e *RepeatedAuthError) Unwrap() error { return e.AuthError }

// Crawl finds the RHCOS kernel of every z-stream of the minors asked, on
// each arch. It never stops at a failed source: each is in the result,
// and a registry that refused the crawl's credentials is named once.
func Crawl(ctx context.Context, f source.Fetcher, reg *Registry, req Request) *Result {
	s := NewSession(reg)
	s.once = true
	return s.Crawl(ctx, f, req)
}

// Crawl is one crawl of the session. A registry's refusal is named in
// full by the first source it fails; later sources of the run fail with a
// *RepeatedAuthError (Crawl, the function, leaves them out).
func (s *Session) Crawl(ctx context.Context, f source.Fetcher, req Request) *Result {
	res := &Result{}
	arches := req.Arches
	if arches == nil {
		arches = Arches()
	}
	minors := slices.Clone(req.Minors)
	if req.Discover {
		found, fails := s.discover(ctx, f, req.Mirrors[GraphKey], arches)
		res.Failures = append(res.Failures, fails...)
		for _, m := range found {
			if !slices.Contains(minors, m) {
				minors = append(minors, m)
				res.Discovered = append(res.Discovered, m)
			}
		}
	}
	res.Minors = minors
	c := &crawl{s: s, f: f, mirrors: req.Mirrors, res: res, auth: map[*AuthError]bool{}}
	// One job per minor and registry arch: aarch64+64k is read with aarch64.
	type job struct {
		minor  string
		goArch string
		dir    string
		want   []matrixgen.Arch
	}
	var jobs []*job
	for _, m := range minors {
		byArch := map[string]*job{}
		for _, a := range arches {
			goArch, dir, ok := archNames(a)
			if !ok {
				continue
			}
			j := byArch[goArch]
			if j == nil {
				j = &job{minor: m, goArch: goArch, dir: dir}
				byArch[goArch] = j
				jobs = append(jobs, j)
			}
			j.want = append(j.want, a)
		}
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { c.minorArch(ctx, j.minor, j.goArch, j.dir, j.want) })
	}
	wg.Wait()
	slices.SortFunc(res.Kernels, func(a, b Kernel) int {
		if c := CompareVersions(a.Minor, b.Minor); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.Arch), string(b.Arch)); c != 0 {
			return c
		}
		return strings.Compare(a.Release, b.Release)
	})
	slices.SortStableFunc(res.Failures, func(a, b Failure) int {
		if c := CompareVersions(a.Minor, b.Minor); c != 0 {
			return c
		}
		return strings.Compare(a.Source, b.Source)
	})
	return res
}

type crawl struct {
	s       *Session
	f       source.Fetcher
	mirrors map[string]string

	mu   sync.Mutex
	res  *Result
	auth map[*AuthError]bool // refusals this crawl already has a failure for
}

func (c *crawl) fail(fl Failure) {
	var ae *AuthError
	if errors.As(fl.Err, &ae) {
		// One failure per refusal in a crawl: its other sources fail
		// for the same reason.
		c.mu.Lock()
		dup := c.auth[ae]
		c.auth[ae] = true
		c.mu.Unlock()
		if dup {
			return
		}
		c.s.mu.Lock()
		seen := c.s.reported[ae]
		c.s.reported[ae] = true
		c.s.mu.Unlock()
		if seen && c.s.once {
			return
		}
		if seen {
			fl.Err = &RepeatedAuthError{ae}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Failures = append(c.res.Failures, fl)
}

// release is what one z-stream says on one arch.
type release struct {
	version, kernel, dtk string
}

func (c *crawl) minorArch(ctx context.Context, minor, goArch, dir string, want []matrixgen.Arch) {
	graphURL := graphURL(c.mirrors[GraphKey], minor, goArch)
	versions, err := c.s.zStreams(ctx, c.f, graphURL, minor)
	if err == nil {
		c.releases(ctx, minor, goArch, dir, want, versions)
		return
	}
	c.fail(Failure{Minor: minor, Arches: want, Source: "upgrade graph stable-" + minor, URL: graphURL, Err: err})
}

func (c *crawl) releases(ctx context.Context, minor, goArch, dir string, want []matrixgen.Arch, versions []string) {
	rels := make([]*release, len(versions))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, v := range versions {
		g.Go(func() error {
			rels[i] = c.release(gctx, minor, goArch, dir, want, v)
			return nil
		})
	}
	_ = g.Wait()
	// Group the z-streams by kernel; the build image is the newest's.
	byKernel := map[string]*Kernel{}
	var order []string
	for _, r := range rels {
		if r == nil {
			continue
		}
		k := byKernel[r.kernel]
		if k == nil {
			k = &Kernel{Minor: minor, Release: r.kernel}
			byKernel[r.kernel] = k
			order = append(order, r.kernel)
		}
		k.OpenShiftReleases = append(k.OpenShiftReleases, r.version) // versions are sorted
		k.BuildImage = r.dtk
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rel := range order {
		k := byKernel[rel]
		for _, a := range want {
			out := *k
			out.Arch = a
			out.OpenShiftReleases = slices.Clone(k.OpenShiftReleases)
			if a == matrixgen.AArch64_64k {
				out.Release += "+64k"
			}
			c.res.Kernels = append(c.res.Kernels, out)
		}
	}
}

// memoEntry is what is kept per image digest and arch.
type memoEntry struct {
	Kernel string `json:"kernel"`
}

func (c *crawl) release(ctx context.Context, minor, goArch, dir string, want []matrixgen.Arch, version string) *release {
	u := c.mirrors[MirrorKey] + "/" + dir + "/clients/ocp/" + url.PathEscape(version) + "/release.txt"
	info, err := once(c.s, u, func() (*ReleaseInfo, error) {
		data, err := c.f.Get(ctx, fetch.Request{URL: u, MaxBytes: 1 << 20})
		if err != nil {
			return nil, err
		}
		return ParseReleaseTxt(data)
	})
	if err == nil && info.Name != version {
		err = fmt.Errorf("release.txt names %s", info.Name)
	}
	if err != nil {
		c.fail(Failure{Minor: minor, Arches: want, Source: "release " + version, URL: u, Err: err})
		return nil
	}
	tag, ok := info.CoreOSTag()
	dtk := info.Image("driver-toolkit", ComponentRepo)
	if !ok || dtk == "" {
		c.fail(Failure{Minor: minor, Arches: want, Source: "release " + version, URL: u,
			Err: fmt.Errorf("its Images table names no rhel-coreos or no driver-toolkit image")})
		return nil
	}
	ref := info.Image(tag, ComponentRepo)
	kernel, err := c.kernel(ctx, ref, goArch)
	if err == nil {
		err = checkKernel(kernel, goArch)
	}
	if err != nil {
		c.fail(Failure{Minor: minor, Arches: want, Source: tag + " of " + version, URL: ref, Err: err})
		return nil
	}
	return &release{version: version, kernel: kernel, dtk: dtk}
}

// kernel reads the image's ostree.linux label: from the memo when the
// digest was read before (an image by digest never changes).
func (c *crawl) kernel(ctx context.Context, ref, goArch string) (string, error) {
	_, digest, _ := strings.Cut(ref, "@sha256:")
	key := "rhcos-ostree-linux-v1-" + digest + "-" + goArch
	return once(c.s, "image "+ref+" "+goArch, func() (string, error) { return c.read(ctx, key, digest, ref, goArch) })
}

func (c *crawl) read(ctx context.Context, key, digest, ref, goArch string) (string, error) {
	var m memoEntry
	if digest != "" && c.f.LoadMemo(key, &m) && m.Kernel != "" {
		c.mu.Lock()
		c.res.MemoHits++
		c.mu.Unlock()
		return m.Kernel, nil
	}
	if c.s.reg == nil {
		return "", errors.New("no registry configured")
	}
	c.mu.Lock()
	c.res.Registry++
	c.mu.Unlock()
	cf, err := c.s.reg.ConfigFile(ctx, ref, goArch)
	if err != nil {
		return "", err
	}
	k := cf.Config.Labels[KernelLabel]
	if k == "" {
		return "", fmt.Errorf("its config has no %s label", KernelLabel)
	}
	if err := c.f.StoreMemo(key, memoEntry{Kernel: k}); err != nil {
		return "", fmt.Errorf("memo: %w", err)
	}
	return k, nil
}

// checkKernel refuses a label that is not a release of the arch read.
func checkKernel(k, goArch string) error {
	if err := matrixgen.ValidateRelease(k); err != nil {
		return fmt.Errorf("%s label: %w", KernelLabel, err)
	}
	suffix := map[string]string{"amd64": ".x86_64", "arm64": ".aarch64"}[goArch]
	if !strings.HasSuffix(k, suffix) {
		return fmt.Errorf("%s label %q is not an %s kernel release", KernelLabel, k, strings.TrimPrefix(suffix, "."))
	}
	return nil
}

func graphURL(base, minor, goArch string) string {
	return base + "/v1/graph?" + url.Values{"channel": {"stable-" + minor}, "arch": {goArch}}.Encode()
}

// getJSON GETs u with Accept: application/json (the graph answers JSON
// only when asked) through the crawl's transport.
func getJSON(ctx context.Context, f source.Fetcher, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := (&http.Client{Transport: f.Transport()}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	if len(data) > 32<<20 {
		return nil, fmt.Errorf("%s: larger than 32 MiB", u)
	}
	return data, nil
}

// discover lists the minors from 4.13 on whose stable channel has a
// z-stream, stopping at the first that has none.
func (s *Session) discover(ctx context.Context, f source.Fetcher, base string, arches []matrixgen.Arch) ([]string, []Failure) {
	var found []string
	for n := FirstMinor; n < 100; n++ {
		minor := fmt.Sprintf("4.%d", n)
		u := graphURL(base, minor, "amd64")
		zs, err := s.zStreams(ctx, f, u, minor)
		if err != nil {
			return found, []Failure{{Minor: minor, Arches: arches, Source: "discovery: upgrade graph stable-" + minor, URL: u, Err: err}}
		}
		if len(zs) == 0 {
			break
		}
		found = append(found, minor)
	}
	return found, nil
}
