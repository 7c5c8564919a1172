package resolve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/koji"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Links of the chain, in the order they are tried.
const (
	LinkRepo = "repo" // the distribution's repositories, as the crawl reads them
	LinkURL  = "url"  // an explicit --url
	LinkKoji = "koji" // a Koji or CBS hub
)

// Hubs are the Koji hubs asked, in order, for a distribution's kernels:
// the ones its crawl --koji reads (rpm.Distribution.Koji). Amazon Linux,
// Rocky, AlmaLinux and Oracle have none.
func Hubs(d *rpm.Distribution) []string { return slices.Clone(d.Koji) }

// HubHelp describes every Koji hub's --mirror keys with their defaults, for
// --help (cmd imports no format package).
func HubHelp() string {
	var b strings.Builder
	for _, h := range koji.Hubs() {
		fmt.Fprintf(&b, "  %-20s %s\n  %-20s %s\n", h.Key, h.URL, h.FilesKey, h.TopURL)
	}
	return b.String()
}

// Request is one kernel to resolve.
type Request struct {
	Target  string // a distribution or Falco key: "fedora", "centos", "amazonlinux2023"
	Release string // as uname -r prints it
	Arch    matrixgen.Arch
	URLs    []string // explicit URLs, tried after the repositories
	Verify  bool     // read each RPM's header over Range before answering
	// Mirrors overrides base URLs by --mirror key (the distribution's and the hubs').
	Mirrors map[string]string
	// LinkTimeout bounds each link (one repository crawl, one URL, one hub); 0 = none.
	// A link that runs out is reported in Tried and the chain goes on.
	LinkTimeout time.Duration
}

// Attempt is a link tried before the one that answered, and why it did not.
type Attempt struct {
	Link   string `json:"link"`
	Source string `json:"source"`
	URL    string `json:"url"`
	Error  string `json:"error"`
}

// Result is the answer, in the shape `resolve --json` prints.
type Result struct {
	Target   string    `json:"target"`
	Release  string    `json:"release"`
	Arch     string    `json:"arch"`
	Link     *string   `json:"link"` // nil: no link has the kernel
	Source   string    `json:"source"`
	URLs     []string  `json:"urls"`
	Verified bool      `json:"verified"`
	Tried    []Attempt `json:"tried"`
	// Unsure is set when a link could not be asked (a timeout, a fault, an HTTP error):
	// with no answer, the kernel may still exist there.
	Unsure bool `json:"-"`
}

// Found says whether a link answered.
func (r *Result) Found() bool { return r.Link != nil }

// expected is the package a kernel's headers are in.
type expected struct {
	names   []string // "kernel-devel"; Amazon Linux's may be kernel6.12-devel
	version string
	release string
	arch    string // the RPM arch: x86_64, aarch64
}

func (e expected) nevra(name string) NEVRA {
	return NEVRA{Name: name, Version: e.version, Release: e.release, Arch: e.arch}
}

func (e expected) files() []string {
	var fs []string
	for _, n := range e.names {
		fs = append(fs, fmt.Sprintf("%s-%s-%s.%s.rpm", n, e.version, e.release, e.arch))
	}
	return fs
}

// Resolve walks the chain for one kernel: table holds the distributions (distros.All()).
// The error is a *matrixgen.UsageError or a *matrixgen.InvalidError for a request that names no
// kernel of an RPM distribution; not finding it is not an error (Result.Found).
func Resolve(ctx context.Context, f source.Fetcher, table []source.Distribution, req Request) (*Result, error) {
	k, err := matrixgen.Make(matrixgen.Spec{Target: req.Target, Arch: req.Arch, Release: req.Release})
	if err != nil {
		return nil, err
	}
	d, rel := distributionOf(table, k)
	if d == nil {
		var covered []string
		for _, s := range table {
			if d, ok := s.(*rpm.Distribution); ok && !slices.Contains(covered, d.Kernels) {
				covered = append(covered, d.Kernels)
			}
		}
		slices.Sort(covered)
		return nil, &matrixgen.UsageError{Option: "target", Msg: fmt.Sprintf("%s: %s %s has no RPM repositories matrixgen reads (resolve covers %s)", req.Target, k.Distribution, k.DistroVersion, strings.Join(covered, ", "))}
	}
	mirrors := map[string]string{}
	for key, v := range d.Defaults {
		mirrors[key] = strings.TrimSuffix(v, "/")
	}
	for key, v := range koji.Mirrors() {
		mirrors[key] = strings.TrimSuffix(v, "/")
	}
	known := koji.Mirrors()
	for _, s := range table {
		for key, v := range s.Mirrors() {
			known[key] = v
		}
	}
	for key, v := range req.Mirrors {
		if _, ok := known[key]; !ok {
			return nil, &matrixgen.UsageError{Option: "mirror", Msg: fmt.Sprintf("%s: unknown key (want %s)", key, strings.Join(slices.Sorted(maps.Keys(known)), ", "))}
		}
		if _, ok := mirrors[key]; ok {
			mirrors[key] = strings.TrimSuffix(v, "/") // another distribution's key is ignored
		}
	}
	exp := expectedOf(k)
	if dv, ok := d.Packages.(*rpm.Devel); ok {
		exp.names = dv.Names(k.Flavor) // the cloud fleets' own package names (Photon's linux-esx-devel)
	}
	res := &Result{Target: req.Target, Release: req.Release, Arch: string(req.Arch), URLs: []string{}, Tried: []Attempt{}}
	r := &resolver{f: f, req: req, res: res, exp: exp, mirrors: mirrors}

	if r.repos(ctx, d, rel, k) {
		return res, nil
	}
	for _, u := range req.URLs {
		if r.explicit(ctx, u) {
			return res, nil
		}
	}
	for _, hub := range Hubs(d) {
		if r.koji(ctx, hub) {
			return res, nil
		}
	}
	return res, nil
}

type resolver struct {
	f       source.Fetcher
	req     Request
	res     *Result
	exp     expected
	mirrors map[string]string
}

func (r *resolver) linkCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return source.WithTimeout(ctx, r.req.LinkTimeout)
}

// fail records a link that did not answer; unsure marks one that could not be asked.
func (r *resolver) fail(link, src, u string, err error, unsure bool) {
	r.res.Tried = append(r.res.Tried, Attempt{Link: link, Source: src, URL: u, Error: err.Error()})
	r.res.Unsure = r.res.Unsure || unsure
}

func (r *resolver) answer(link, src string, urls []string) bool {
	l := link
	r.res.Link, r.res.Source, r.res.URLs, r.res.Verified = &l, src, urls, r.req.Verify
	return true
}

// timeoutErr names a link's own deadline instead of a bare "context deadline exceeded".
func (r *resolver) timeoutErr(ctx context.Context, err error) error {
	return source.TimeoutErr(ctx, r.req.LinkTimeout, err)
}

// repos crawls the release's repositories for the one arch.
func (r *resolver) repos(parent context.Context, d *rpm.Distribution, rel string, k matrixgen.Kernel) bool {
	ctx, cancel := r.linkCtx(parent)
	defer cancel()
	plan, err := d.Plan(ctx, r.f, source.PlanRequest{Releases: []string{rel}, Arches: []matrixgen.Arch{k.Arch}, Mirrors: r.mirrors})
	if err != nil {
		r.fail(LinkRepo, d.ID, "", r.timeoutErr(ctx, err), true)
		return false
	}
	for _, fl := range plan.Failures {
		r.fail(LinkRepo, r.keyOf(fl.URL, d.ID), fl.URL, r.timeoutErr(ctx, fl.Err), true)
	}
	for _, job := range plan.Jobs {
		out := job.Crawl(ctx, r.f, nil)
		var hit *matrixgen.Kernel
		for i := range out.Kernels {
			if out.Kernels[i].Release == k.Release {
				hit = &out.Kernels[i]
			}
		}
		if hit != nil && len(hit.Headers) > 0 {
			if ok := r.verifyAll(ctx, LinkRepo, r.keyOf(hit.Headers[0], d.ID), hit.Headers); ok {
				return r.answer(LinkRepo, r.keyOf(hit.Headers[0], d.ID), hit.Headers)
			}
			continue
		}
		for _, s := range out.Sources {
			switch {
			case s.Err != nil:
				r.fail(LinkRepo, r.keyOf(s.URL, d.ID), s.URL, r.timeoutErr(ctx, s.Err), true)
			case hit != nil && hit.Origin == matrixgen.OriginLivepatch && strings.Contains(s.Name, "livepatch"):
				// The kernel-livepatch package is a kpatch module, not a build
				// tree (see rpm's livepatch merge): no header source here.
				r.fail(LinkRepo, r.keyOf(s.URL, d.ID), s.URL, fmt.Errorf("%s lists a live patch for %s, but core no longer has its %s and a kernel-livepatch package is a kpatch module, not a build tree: no header source (give its %s with --url)", s.Name, k.Release, strings.Join(r.exp.names, " or "), r.exp.names[0]), false)
			default:
				r.fail(LinkRepo, r.keyOf(s.URL, d.ID), s.URL, fmt.Errorf("%s has no %s for %s", s.Name, strings.Join(r.exp.names, " or "), k.Release), false)
			}
		}
	}
	return false
}

// explicit tries one --url: its file name must be the expected package's, and it must
// exist (a one-byte Range read) or, with Verify, carry the expected header.
func (r *resolver) explicit(parent context.Context, raw string) bool {
	ctx, cancel := r.linkCtx(parent)
	defer cancel()
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail(LinkURL, "url", raw, errors.New("not an absolute http(s) URL"), false)
		return false
	}
	base := path.Base(u.Path)
	if !slices.Contains(r.exp.files(), base) {
		r.fail(LinkURL, "url", raw, fmt.Errorf("file name %s is not %s", base, strings.Join(r.exp.files(), " or ")), false)
		return false
	}
	if r.req.Verify {
		if r.verifyAll(ctx, LinkURL, "url", []string{raw}) {
			return r.answer(LinkURL, "url", []string{raw})
		}
		return false
	}
	resp, err := r.f.Open(ctx, fetch.Request{URL: raw, Range: "bytes=0-0"})
	if err != nil {
		r.fail(LinkURL, "url", raw, r.timeoutErr(ctx, err), !gone(err))
		return false
	}
	resp.Body.Close() // one byte asked; a server ignoring Range is cut off here
	return r.answer(LinkURL, "url", []string{raw})
}

// koji asks one hub for the kernel's build and its headers RPM on the arch.
func (r *resolver) koji(parent context.Context, hubKey string) bool {
	ctx, cancel := r.linkCtx(parent)
	defer cancel()
	var hub koji.Hub
	for _, h := range koji.Hubs() {
		if h.Key == hubKey {
			hub = h
		}
	}
	hubURL := r.mirrors[hub.Key]
	c := koji.NewClient(r.f, hubURL)
	nvr := "kernel-" + r.exp.version + "-" + r.exp.release
	b, err := c.GetBuild(ctx, nvr)
	switch {
	case err != nil:
		r.fail(LinkKoji, hub.Key, hubURL, r.timeoutErr(ctx, err), true)
		return false
	case b == nil:
		r.fail(LinkKoji, hub.Key, hubURL, fmt.Errorf("no build %s", nvr), false)
		return false
	case b.State == koji.Building:
		r.fail(LinkKoji, hub.Key, hubURL, fmt.Errorf("build %s is still BUILDING: not yet", nvr), false)
		return false
	case b.State != koji.Complete:
		r.fail(LinkKoji, hub.Key, hubURL, fmt.Errorf("build %s is %s", nvr, b.State), false)
		return false
	}
	rpms, err := c.ListRPMs(ctx, b.ID, []string{r.exp.arch})
	if err != nil {
		r.fail(LinkKoji, hub.Key, hubURL, r.timeoutErr(ctx, err), true)
		return false
	}
	var urls []string
	for _, p := range rpms {
		if slices.Contains(r.exp.names, p.Name) && p.Arch == r.exp.arch {
			urls = append(urls, koji.RPMURL(r.mirrors[hub.FilesKey], *b, p))
		}
	}
	if len(urls) == 0 {
		r.fail(LinkKoji, hub.Key, hubURL, fmt.Errorf("build %s (id %d) has no %s for %s", nvr, b.ID, strings.Join(r.exp.names, " or "), r.exp.arch), false)
		return false
	}
	if !r.verifyAll(ctx, LinkKoji, hub.Key, urls) {
		return false
	}
	return r.answer(LinkKoji, hub.Key, urls)
}

// verifyAll checks every URL's header when Verify is set; a failure is a tried entry.
func (r *resolver) verifyAll(ctx context.Context, link, src string, urls []string) bool {
	if !r.req.Verify {
		return true
	}
	for _, u := range urls {
		name := strings.TrimSuffix(path.Base(u), "-"+r.exp.version+"-"+r.exp.release+"."+r.exp.arch+".rpm")
		if !slices.Contains(r.exp.names, name) {
			name = r.exp.names[0]
		}
		if v, err := VerifyRPM(ctx, r.f, u, r.exp.nevra(name)); err != nil {
			// Another package, or no such file, is an answer; a transfer that
			// failed before the header was read is not.
			unsure := v.Got == (NEVRA{}) && !gone(err)
			r.fail(link, src, u, fmt.Errorf("--verify: %w", r.timeoutErr(ctx, err)), unsure)
			return false
		}
	}
	return true
}

// gone says whether err is a server's answer that the file is not there (404, 410).
func gone(err error) bool {
	var he *fetch.HTTPError
	return errors.As(err, &he) && (he.StatusCode == http.StatusNotFound || he.StatusCode == http.StatusGone)
}

// keyOf is the mirror key whose base URL is the longest prefix of u.
func (r *resolver) keyOf(u, fallback string) string {
	best := ""
	for k, base := range r.mirrors {
		if strings.HasPrefix(u, base+"/") && len(base) > len(r.mirrors[best]) {
			best = k
		}
	}
	if best == "" {
		return fallback
	}
	return best
}

// distributionOf picks the RPM distribution and release whose repositories hold k.
func distributionOf(table []source.Distribution, k matrixgen.Kernel) (*rpm.Distribution, string) {
	for _, s := range table {
		d, ok := s.(*rpm.Distribution)
		if !ok || d.Kernels != k.Distribution {
			continue
		}
		if rel, ok := d.ReleaseOf(k.DistroVersion); ok {
			return d, rel
		}
	}
	return nil, ""
}

// expectedOf names the headers package of a kernel: kernel-devel, kernel-64k-devel for
// aarch64+64k, Oracle's kernel-uek-devel, Amazon Linux's kernel<series>-devel.
func expectedOf(k matrixgen.Kernel) expected {
	arch := string(k.Arch.Target())
	vr := strings.TrimSuffix(k.Release, "+64k")
	vr = strings.TrimSuffix(vr, "."+arch)
	v, rel, _ := strings.Cut(vr, "-")
	e := expected{version: v, release: rel, arch: arch, names: []string{"kernel-devel"}}
	switch {
	case k.Arch == matrixgen.AArch64_64k:
		e.names = []string{"kernel-64k-devel"}
	case strings.HasSuffix(rel, "uek"):
		e.names = []string{"kernel-uek-devel"}
	default:
		// Amazon Linux's newer kernels: kernel6.12-devel, as the table says.
		d, _ := matrixgen.Lookup(k.Distribution)
		parts := strings.SplitN(v, ".", 3)
		if d != nil && d.SeriesHeaders != "" && len(parts) >= 2 {
			e.names = append(e.names, strings.ReplaceAll(d.SeriesHeaders, "{series}", parts[0]+"."+parts[1]))
		}
	}
	return e
}
