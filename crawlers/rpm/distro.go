package rpm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	rpmutils "github.com/sassoftware/go-rpmutils"
	"golang.org/x/sync/errgroup"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/listing"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Distribution is a distribution in the rpm-md format, as configuration:
// where its releases come from, which repositories each has on an arch,
// and the distro version of a release. The loop is written once, here.
type Distribution struct {
	ID      string   // --distro name and Falco key: "fedora", "amazonlinux2023", "oracle"
	Kernels string   // the kernels' distribution: "fedora", "amazonlinux", "oracle"
	Alias   []string // other --distro spellings ("ol")
	// Defaults are the mirror base URLs by --mirror key.
	Defaults map[string]string
	// Table lists the releases crawled by default, unless Listing decides.
	Table []string
	// Names maps other spellings of a release to its name ("stream9" → "9").
	Names map[string]string
	// Version is a release's distro version ("9" → "stream9"; nil: the
	// release name up to its first dot, "9.4" → "9").
	Version func(release string) string
	// Listing, when set, finds releases in a mirror's directory listing.
	Listing *Listing
	// Vault, when set, is the mirror key whose top listing holds the
	// minor releases ("9.4/") that --vault adds.
	Vault string
	// ReleaseMD, when set, is the mirror key whose releasemd.xml lists the
	// releases a --release may name and --discover finds (Amazon Linux 2023).
	ReleaseMD string
	// Repos lists a release's repositories on a repository arch
	// (x86_64, aarch64: aarch64+64k reads the aarch64 ones).
	Repos func(r Rel, basearch string) []RepoRef
	// Koji lists the --mirror keys of the Koji hubs that built the
	// distribution's kernels, asked in order by crawl --koji (each hub's
	// file root is its key + "-files"); nil = none.
	Koji []string
	// KojiDist is the dist tag ending a release's kernel NVRs on Koji
	// ("41" → "fc41", "stream9" → "el9").
	KojiDist func(release string) string
	// Discovery, when set, is where --discover lists the releases the
	// distribution publishes (Photon's top folder holds 4.0/, 5.0/): a
	// release newer than every Table one is crawled and named as discovered.
	Discovery *Discovery
	// Packages decides which packages of its repositories are kernel headers and each
	// one's uname -r, as the distribution names and numbers them (a Devel); nil = Headers,
	// the Red Hat family's kernel-devel. Livepatch repositories use Livepatches.
	Packages Matcher
	// Arches the distribution ships; nil = x86_64, aarch64 and aarch64+64k
	// (read from the aarch64 repositories; a distribution with no
	// kernel-64k-devel yields no kernels there, which is not a failure).
	Arches []matrixgen.Arch
}

func (d *Distribution) ships(a matrixgen.Arch) bool {
	if d.Arches == nil {
		return a == matrixgen.X86_64 || a == matrixgen.AArch64 || a == matrixgen.AArch64_64k
	}
	return slices.Contains(d.Arches, a)
}

// Listing says where a distribution's releases are listed: the numeric
// directories under Key's Path, the newest Newest of them by default, and
// Archive, the key whose tree holds the releases the listing no longer has.
type Listing struct {
	Key, Path, Archive string
	Newest             int
}

// Discovery is a listing of release folders: those under Key's Path whose
// name matches Pattern ("5.0", "15.6"; "3").
type Discovery struct {
	Key, Path string
	Pattern   *regexp.Regexp
}

// Rel is a release being planned: its name and the mirror key its tree is under.
type Rel struct {
	Name string
	Key  string // "" = the distribution's main key; "fedora-archive", "rocky-vault"
}

// RepoRef is one repository of a release.
type RepoRef struct {
	Name      string // "BaseOS", "updates", "kernel-livepatch"
	MirrorKey string
	// Path is the repository's folder under the mirror (holding repodata/),
	// or with MirrorList the path of an Amazon mirror.list naming it.
	Path       string
	MirrorList bool
	// Fallback is a second mirror.list path, tried only when Path answers 404.
	Fallback string
	// Livepatch marks the AL2023 kernel-livepatch repository: its packages
	// name the kernels they patch, merged into the release's kernels.
	Livepatch bool
}

// Name implements source.Distribution.
func (d *Distribution) Name() string { return d.ID }

// Aliases implements source.Distribution.
func (d *Distribution) Aliases() []string { return d.Alias }

// Mirrors implements source.Distribution.
func (d *Distribution) Mirrors() map[string]string { return d.Defaults }

// Releases implements source.Distribution: the default releases, and
// "newest N" where a listing decides.
func (d *Distribution) Releases() []string {
	if d.Listing != nil && len(d.Table) == 0 {
		return []string{fmt.Sprintf("newest %d of %s/%s", d.Listing.Newest, d.Listing.Key, d.Listing.Path)}
	}
	return d.Table
}

func (d *Distribution) version(release string) string {
	if d.Version != nil {
		return d.Version(release)
	}
	major, _, _ := strings.Cut(release, ".")
	return major
}

var reMinor = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)

// Plan implements source.Distribution.
func (d *Distribution) Plan(ctx context.Context, f source.Fetcher, req source.PlanRequest) (*source.Plan, error) {
	plan := &source.Plan{}
	// fail names a listing that failed, once for each arch the
	// distribution ships (it would have produced sources there), covering
	// one release where it was read for one, else every release (version
	// "") or every release of one distro version.
	fail := func(what, url, release, version string, err error) {
		for _, a := range req.Arches {
			if d.ships(a) {
				plan.Failures = append(plan.Failures, source.Failure{Job: source.JobInfo{Distro: d.ID, Distribution: d.Kernels, Release: release, DistroVersion: version, Arch: a},
					Source: what, URL: url, Err: err})
			}
		}
	}
	wanted := []string{}
	for _, r := range req.Releases {
		name := r
		if n, ok := d.Names[r]; ok {
			name = n
		}
		wanted = append(wanted, name)
		plan.Matched = append(plan.Matched, r)
	}
	var rels []Rel
	add := func(r Rel) {
		if !slices.ContainsFunc(rels, func(x Rel) bool { return x.Name == r.Name }) {
			rels = append(rels, r)
		}
	}
	switch {
	case d.Listing != nil:
		l := d.Listing
		url := req.Mirrors[l.Key] + "/" + l.Path
		dirs, err := listing.Dirs(ctx, f.Transport(), url)
		var listed []int
		for _, name := range dirs {
			if n, err := strconv.Atoi(name); err == nil && strconv.Itoa(n) == name {
				listed = append(listed, n)
			}
		}
		sort.Sort(sort.Reverse(sort.IntSlice(listed)))
		if err != nil || len(listed) == 0 {
			if err == nil {
				err = errors.New("lists no numeric release directories")
			}
			// The releases it would have listed are unknown: it fails in
			// their place. Releases asked for by name are still read, from
			// the archive, where an unlisted release lives.
			if len(wanted) == 0 {
				fail("releases listing", url, "", "", err)
			}
			for _, w := range wanted {
				fail("releases listing", url, w, d.version(w), err)
			}
		}
		inMain := func(name string) bool { return slices.Contains(listed, atoi(name)) }
		for _, w := range wanted {
			if inMain(w) {
				add(Rel{Name: w})
			} else {
				add(Rel{Name: w, Key: l.Archive}) // aged out of the main tree
			}
		}
		if len(wanted) == 0 {
			for i, n := range listed {
				switch {
				case i < l.Newest:
					add(Rel{Name: strconv.Itoa(n)})
				case req.Discover:
					plan.Discovered = append(plan.Discovered, strconv.Itoa(n))
					add(Rel{Name: strconv.Itoa(n)})
				}
			}
		}
	case d.ReleaseMD != "":
		var known []string
		if len(wanted) > 0 && !onlyLatest(wanted) || req.Discover {
			url := req.Mirrors[d.ReleaseMD] + "/releasemd.xml"
			data, err := f.Get(ctx, fetch.Request{URL: url, MaxBytes: 16 << 20})
			if err == nil {
				var rs []Release
				if rs, err = ParseReleaseMD(bytes.NewReader(data), url); err == nil {
					for _, r := range rs {
						known = append(known, r.Version)
					}
				}
			}
			if err != nil {
				// Every release releasemd.xml lists is of the one distro
				// version the table's releases have (AL2023: 2023), which
				// Amazon Linux 2's kernels, of the same distribution, lack.
				version := ""
				if len(d.Table) > 0 {
					version = d.version(d.Table[0])
				}
				fail("releasemd.xml", url, "", version, err)
			}
			for _, w := range wanted {
				if w != "latest" && err == nil && !slices.Contains(known, w) {
					return nil, &matrixgen.UsageError{Option: "release", Msg: fmt.Sprintf("%s/%s: not a release %s lists (newest: %s)", d.ID, w, url, strings.Join(newest(known, 5), ", "))}
				}
			}
		}
		for _, w := range wanted {
			add(Rel{Name: w})
		}
		if len(wanted) == 0 {
			for _, t := range d.Table {
				add(Rel{Name: t})
			}
			if req.Discover {
				for _, k := range known {
					plan.Discovered = append(plan.Discovered, k)
					add(Rel{Name: k})
				}
			}
		}
	default:
		for _, w := range wanted {
			if reMinor.MatchString(w) && d.Vault != "" {
				add(Rel{Name: w, Key: d.Vault}) // a minor release lives in the vault
				continue
			}
			if !slices.Contains(d.Table, w) {
				return nil, &matrixgen.UsageError{Option: "release", Msg: fmt.Sprintf("%s/%s: not a release of %s (known: %s%s)", d.ID, w, d.ID, strings.Join(d.Table, ", "), vaultHint(d))}
			}
			add(Rel{Name: w})
		}
		if len(wanted) == 0 {
			for _, t := range d.Table {
				add(Rel{Name: t})
			}
			if req.Discover && d.Discovery != nil {
				for _, n := range d.discover(ctx, f, req, fail) {
					plan.Discovered = append(plan.Discovered, n)
					// A version the distribution table does not know yet fails
					// in place of its kernels, which Make would refuse one by one.
					if err := matrixgen.CheckDistroVersion(d.Kernels, d.version(n)); err != nil {
						fail("distribution table", req.Mirrors[d.Discovery.Key]+"/"+d.Discovery.Path, n, d.version(n),
							fmt.Errorf("discovered release %s: %w: its kernels are not written until the distribution table has it", n, err))
						continue
					}
					add(Rel{Name: n})
				}
			}
		}
	}
	if req.Vault && d.Vault != "" && len(wanted) == 0 {
		url := req.Mirrors[d.Vault] + "/"
		dirs, err := listing.Dirs(ctx, f.Transport(), url)
		if err != nil {
			fail("vault listing", url, "", "", err)
		}
		for _, name := range dirs {
			if reMinor.MatchString(name) {
				add(Rel{Name: name, Key: d.Vault})
			}
		}
	}
	for _, r := range rels {
		for _, a := range req.Arches {
			if !d.ships(a) {
				continue // e.g. riscv64: the distribution publishes no repositories for it
			}
			basearch := string(a.Target())
			refs := d.Repos(r, basearch)
			if len(refs) == 0 {
				continue
			}
			plan.Jobs = append(plan.Jobs, &job{d: d, rel: r, arch: a, refs: refs, mirrors: req.Mirrors, koji: req.Koji})
		}
	}
	return plan, nil
}

// discover lists d's release folders and returns those newer than every
// Table release, oldest first; a listing that fails is named (fail) in
// place of the releases it would have listed.
func (d *Distribution) discover(ctx context.Context, f source.Fetcher, req source.PlanRequest, fail func(what, url, release, version string, err error)) []string {
	url := req.Mirrors[d.Discovery.Key] + "/" + d.Discovery.Path
	dirs, err := listing.Dirs(ctx, f.Transport(), url)
	if err != nil {
		fail("releases listing", url, "", "", err)
		return nil
	}
	var out []string
	for _, name := range dirs {
		if !d.Discovery.Pattern.MatchString(name) || slices.Contains(d.Table, name) {
			continue
		}
		newer := true
		for _, t := range d.Table {
			if rpmutils.Vercmp(name, t) <= 0 {
				newer = false
			}
		}
		if newer {
			out = append(out, name)
		}
	}
	slices.SortFunc(out, rpmutils.Vercmp)
	return out
}

func vaultHint(d *Distribution) string {
	if d.Vault == "" {
		return ""
	}
	return "; minor releases such as 9.4 come from the vault"
}

func onlyLatest(ws []string) bool {
	for _, w := range ws {
		if w != "latest" {
			return false
		}
	}
	return true
}

func newest(vs []string, n int) []string {
	if len(vs) > n {
		return vs[len(vs)-n:]
	}
	return vs
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// job is one release of an rpm-md distribution on one arch.
type job struct {
	d       *Distribution
	rel     Rel
	arch    matrixgen.Arch
	refs    []RepoRef
	mirrors map[string]string
	koji    *source.KojiOptions // nil: no Koji
}

func (j *job) Info() source.JobInfo {
	n := len(j.refs)
	if j.koji != nil && j.d.KojiDist != nil {
		n += len(j.d.Koji)
	}
	return source.JobInfo{Distro: j.d.ID, Distribution: j.d.Kernels, Release: j.rel.Name, DistroVersion: j.d.version(j.rel.Name), Arch: j.arch, Sources: n}
}

// repoOutcome is one repository's crawl.
type repoOutcome struct {
	ref      RepoRef
	url      string
	res      *Result
	err      error
	kernels  []matrixgen.Kernel
	warnings []string // the mirror.list's dropped lines
}

func (j *job) Crawl(ctx context.Context, f source.Fetcher, events func(source.Event)) *source.Result {
	info := j.Info()
	out := &source.Result{Info: info, DistroVersion: info.DistroVersion}
	outcomes := make([]repoOutcome, len(j.refs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, ref := range j.refs {
		g.Go(func() error {
			o := j.crawlRepo(gctx, f, ref)
			outcomes[i] = o
			if events != nil {
				events(source.Event{Job: info, Source: ref.Name, URL: o.url, Err: o.err})
			}
			return nil // one repository's failure is not the release's
		})
	}
	_ = g.Wait()
	byRel := map[string]int{}
	var livepatch []matrixgen.Kernel
	for _, o := range outcomes {
		sr := source.SourceResult{Name: o.ref.Name, URL: o.url, Err: o.err}
		out.Warnings = append(out.Warnings, o.warnings...)
		if o.res != nil {
			sr.Kernels, sr.Reused = len(o.kernels), o.res.Reused
			out.Warnings = append(out.Warnings, o.res.Warnings...)
		}
		out.Sources = append(out.Sources, sr)
		if o.ref.Livepatch {
			livepatch = append(livepatch, o.kernels...)
			continue
		}
		for _, k := range o.kernels {
			if i, dup := byRel[k.Release]; dup {
				// The same kernel in two repositories of the release: one
				// kernel, with every repository's header URLs.
				for _, h := range k.Headers {
					if !slices.Contains(out.Kernels[i].Headers, h) {
						out.Kernels[i].Headers = append(slices.Clip(out.Kernels[i].Headers), h)
					}
				}
				continue
			}
			byRel[k.Release] = len(out.Kernels)
			out.Kernels = append(out.Kernels, k)
		}
	}
	if j.koji != nil && len(j.d.Koji) > 0 && j.d.KojiDist != nil {
		j.addKoji(ctx, f, out, byRel, events)
	}
	// Live-patched kernels are published only in the livepatch repository:
	// each is the kernel it patches, with core's headers where core still
	// has them, and none (named) where it does not. The kernel-livepatch
	// package is no header source: it is a kpatch module for one kernel,
	// not a build tree (a dnf repolist of the AL2023 kernel-livepatch repo
	// shows 28 packages in 658 k, ~24 KB each, where one kernel-devel is
	// tens of MB; shared/data/rpm/FORMATS.md § Amazon Linux). Such a kernel
	// is kept with "headers": [], which matrix --crawled does not schedule.
	for _, k := range livepatch {
		k.Origin = matrixgen.OriginLivepatch
		if i, ok := byRel[k.Release]; ok {
			out.Kernels[i].Origin = matrixgen.OriginLivepatch
			continue
		}
		k.Headers = []string{}
		out.Warnings = append(out.Warnings, fmt.Sprintf("%s: live-patched kernel %s: core no longer has its kernel-devel, and a kernel-livepatch package is a kpatch module, not a build tree: kept with no header source (\"headers\": []), which matrix --crawled does not schedule", info, k.Release))
		byRel[k.Release] = len(out.Kernels)
		out.Kernels = append(out.Kernels, k)
	}
	return out
}

// crawlRepo reads one repository, reusing the kernels of an index whose
// verified digest is unchanged since the last run, and passes each kernel
// through the domain's consistency rule.
func (j *job) crawlRepo(ctx context.Context, f source.Fetcher, ref RepoRef) repoOutcome {
	o := repoOutcome{ref: ref}
	base := j.mirrors[ref.MirrorKey] + "/" + strings.TrimPrefix(ref.Path, "/")
	if ref.MirrorList {
		o.url = base
		b, warns, err := ResolveMirrorList(ctx, f, base, j.arch)
		var he *fetch.HTTPError
		if errors.As(err, &he) && he.StatusCode == http.StatusNotFound && ref.Fallback != "" {
			// The regional form, tried only when the CDN's answers 404.
			o.url = j.mirrors[ref.MirrorKey] + "/" + strings.TrimPrefix(ref.Fallback, "/")
			b, warns, err = ResolveMirrorList(ctx, f, o.url, j.arch)
		}
		o.warnings = append(o.warnings, warns...)
		if err != nil {
			o.err = err
			return o
		}
		base = b
	}
	matcher := Headers()
	if j.d.Packages != nil {
		matcher = j.d.Packages
	}
	if ref.Livepatch {
		matcher = Livepatches()
	}
	memoKey := func(digest string) string {
		kind := "headers"
		if ref.Livepatch {
			kind = "livepatch"
		}
		return "rpm-kernels-v1-" + strings.ReplaceAll(digest, ":", "-") + "-" + strings.ReplaceAll(string(j.arch), "+", "_") + "-" + kind + "-" + j.d.Kernels
	}
	res, err := CrawlRepo(ctx, f, Repo{
		Base: base, Arch: j.arch, Distribution: j.d.Kernels, Packages: matcher,
		// The configured mirror's host, besides the one its mirror.list names (Base).
		Hosts: []string{j.mirrors[ref.MirrorKey]},
		Reuse: func(digest string) ([]matrixgen.Kernel, bool) {
			var ks []matrixgen.Kernel
			if !f.LoadMemo(memoKey(digest), &ks) {
				return nil, false
			}
			return ks, true
		},
	})
	if res != nil {
		o.url = res.IndexURL
		if o.url == "" {
			o.url = res.RepomdURL
		}
	}
	if err != nil {
		if o.url == "" {
			o.url = base + "repodata/repomd.xml"
		}
		o.err = err
		return o
	}
	o.res = res
	if !res.Reused {
		_ = f.StoreMemo(memoKey(res.Digest), res.Kernels) // an optimisation: a failed store costs a re-parse
	}
	version := j.d.version(j.rel.Name)
	for _, k := range res.Kernels {
		mk, err := matrixgen.Make(matrixgen.Spec{Target: j.d.Kernels, Arch: j.arch, Release: k.Release, DistroVersion: version})
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s %s %s: %s in %s: refused: %v", j.d.ID, j.rel.Name, j.arch, k.Release, ref.Name, err))
			continue
		}
		mk.Headers, mk.Source, mk.Origin = k.Headers, k.Source, k.Origin
		o.kernels = append(o.kernels, mk)
	}
	return o
}

// ReleaseOf is the release whose repositories hold the kernels of a distro
// version ("41" → "41", "stream9" → "stream9", "2023" → "latest"), for
// reading one kernel's repositories rather than crawling every release.
// Where a listing decides (Fedora), the version is the release and Plan
// finds whether it is still on the main mirror or only in the archive.
func (d *Distribution) ReleaseOf(version string) (string, bool) {
	for _, t := range d.Table {
		if d.version(t) == version {
			return t, true
		}
	}
	if d.Listing != nil && atoi(version) > 0 {
		return version, true
	}
	return "", false
}
