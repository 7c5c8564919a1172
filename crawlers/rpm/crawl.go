package rpm

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	rpmutils "github.com/sassoftware/go-rpmutils"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
	"github.com/matrixgen/matrixgen/internal/transport"
)

// Repo is one rpm-md repository to read for one arch.
type Repo struct {
	// Base is the repository URL, the folder that holds repodata/ (a missing trailing
	// slash is added).
	Base string
	// Arch is the crawl's arch: x86_64, aarch64, or aarch64+64k (read from the aarch64
	// repository; only kernel-64k-devel counts).
	Arch matrixgen.Arch
	// Distribution is copied into every Kernel; DistroVersion is the caller's to set.
	Distribution string
	// Packages decides which packages are kernels. nil means Headers().
	Packages Matcher
	// Reuse, when set, is asked with the primary record's digest ("sha256:<hex>") before
	// the index is fetched; returning ok skips the fetch and parse and the kernels are used
	// as the Result's (the runner's store of an unchanged index's kernels).
	Reuse func(digest string) (kernels []matrixgen.Kernel, ok bool)
	// MaxDB caps the decompressed primary_db written to a temp file. Default 1 GiB.
	MaxDB int64
	// Hosts are the hosts, besides Base's, that the repository's metadata may point at
	// (a Koji repository's xml:base host): a primary href elsewhere fails the repository, a
	// package location elsewhere is dropped with a warning. URLs or bare host names.
	Hosts []string
	// MaxDBRows caps the rows read from a primary_db. Default DefaultMaxDBRows.
	MaxDBRows int
	// DBTimeout bounds the queries of a primary_db. Default DefaultDBTimeout.
	DBTimeout time.Duration
}

// Result is what one repository crawl found.
type Result struct {
	Repo      Repo
	RepomdURL string
	IndexURL  string // the primary (or primary_db) fetched
	Revision  string // repomd's <revision>
	// Digest is the primary record's checksum, "sha256:<hex>": the fetched index matched it
	// (or Reused says the caller's kernels for it were taken).
	Digest   string
	Reused   bool
	Packages int // packages in a primary XML; for a primary_db, the rows named kernel* or linux*
	Kernels  []matrixgen.Kernel
	Warnings []string
}

// CrawlRepo reads repodata/repomd.xml, then the primary index it names (primary_db only when
// there is no primary), verified while it streams, and returns one Kernel per distinct
// release, ordered by rpm version (go-rpmutils Vercmp). Any failure fails the repository: the
// error names the URL, and the Result returned with it (nil only for an invalid Repo) has no
// kernels, only the URLs reached: IndexURL is set when the index itself failed.
func CrawlRepo(ctx context.Context, f source.Fetcher, r Repo) (*Result, error) {
	if a, err := matrixgen.ParseArch(string(r.Arch)); err != nil || a != r.Arch {
		return nil, fmt.Errorf("rpm: repository %s: arch %q: want x86_64, aarch64, aarch64+64k or riscv64", r.Base, r.Arch)
	}
	if r.Packages == nil {
		r.Packages = Headers()
	}
	if r.MaxDB <= 0 {
		r.MaxDB = 1 << 30
	}
	if !strings.HasSuffix(r.Base, "/") {
		r.Base += "/"
	}
	res := &Result{Repo: r, RepomdURL: r.Base + "repodata/repomd.xml"}
	data, err := f.Get(ctx, fetch.Request{URL: res.RepomdURL, MaxBytes: maxRepomd})
	if err != nil {
		return res.fail(err)
	}
	md, err := ParseRepomd(bytes.NewReader(data), res.RepomdURL)
	if err != nil {
		return res.fail(err)
	}
	res.Revision = md.Revision
	rec := md.Primary()
	if rec == nil {
		return res.fail(&NoPrimaryError{URL: res.RepomdURL, Types: md.Types()})
	}
	req, err := indexRequest(res.RepomdURL, r.Base, rec)
	if err != nil {
		return res.fail(err)
	}
	allowed := transport.NewHosts(append([]string{r.Base}, r.Hosts...)...)
	if err := allowed.Check(req.URL); err != nil {
		// Metadata names where its index is; it does not choose which hosts a crawl talks to.
		return res.fail(fmt.Errorf("%s: %s location: %w", res.RepomdURL, rec.Type, err))
	}
	res.IndexURL = req.URL
	res.Digest = "sha256:" + rec.Checksum.Value
	if r.Reuse != nil {
		if ks, ok := r.Reuse(res.Digest); ok {
			res.Reused = true
			res.Kernels = ks
			return res, nil
		}
	}
	c := &collector{repo: r, res: res, hosts: allowed}
	if rec.Type == "primary_db" {
		err = readPrimaryDB(ctx, f, req, r.MaxDB, dbLimits{rows: r.MaxDBRows, timeout: r.DBTimeout}, c)
	} else {
		err = readPrimaryXML(ctx, f, req, c)
	}
	if err != nil {
		return res.fail(err)
	}
	res.Kernels = c.kernels()
	return res, nil
}

// fail drops whatever was found and returns the Result beside err.
func (res *Result) fail(err error) (*Result, error) {
	res.Kernels, res.Warnings, res.Packages, res.Reused = nil, nil, 0, false
	return res, err
}

// indexRequest builds the verified request for a primary record.
func indexRequest(repomdURL, base string, rec *Data) (fetch.Request, error) {
	if rec.Checksum.Type != "sha256" {
		return fetch.Request{}, &ChecksumTypeError{URL: repomdURL, Type: rec.Type, Algo: rec.Checksum.Type}
	}
	if rec.Href == "" {
		return fetch.Request{}, &ParseError{Name: repomdURL, Msg: fmt.Sprintf("%s record without a location href", rec.Type)}
	}
	u, err := resolve(base, rec.Base, rec.Href)
	if err != nil {
		return fetch.Request{}, fmt.Errorf("%s: %s location: %w", repomdURL, rec.Type, err)
	}
	req := fetch.Request{URL: u, SHA256: rec.Checksum.Value, Size: rec.Size, Decompress: true}
	if rec.OpenChecksum.Type == "sha256" {
		req.OpenSHA256 = rec.OpenChecksum.Value
		req.OpenSize = rec.OpenSize
	}
	return req, nil
}

// resolve turns a location into an absolute URL: href against xml:base when there is one
// (a directory, written without its trailing slash), else against the repository base.
// ".." segments climb out of the repository (Amazon's ../../../../blobstore/<sha>/),
// and doubled slashes, seen in Amazon hrefs, are collapsed first.
func resolve(base, xmlBase, href string) (string, error) {
	b := base
	if xmlBase != "" {
		b = xmlBase
		if !strings.HasSuffix(b, "/") {
			b += "/"
		}
	}
	bu, err := url.Parse(b)
	if err != nil {
		return "", err
	}
	if bu.Scheme != "http" && bu.Scheme != "https" || bu.Host == "" {
		return "", fmt.Errorf("base %q is not an absolute http(s) URL", b)
	}
	hu, err := url.Parse(href)
	if err != nil {
		return "", fmt.Errorf("href %q: %w", href, err)
	}
	if hu.Scheme == "" && hu.Host == "" {
		for strings.Contains(hu.Path, "//") {
			hu.Path = strings.ReplaceAll(hu.Path, "//", "/")
		}
		hu.RawPath = ""
	}
	u := bu.ResolveReference(hu)
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("href %q resolves to %q, not an http(s) URL", href, u.Redacted())
	}
	return u.String(), nil
}

// collector turns matched packages into kernels.
type collector struct {
	repo  Repo
	res   *Result
	hosts *transport.Hosts // where header URLs may point
	byRel map[string]*matrixgen.Kernel
	// With a sharedMatcher: each kernel's build, and the newest shared package of each build.
	builds map[string]string
	shared map[string]*Package
}

func (c *collector) add(p *Package) {
	sm, _ := c.repo.Packages.(sharedMatcher)
	if sm != nil {
		if b, ok := sm.SharedBuild(p); ok {
			if c.shared == nil {
				c.shared = map[string]*Package{}
			}
			if old := c.shared[b]; old == nil || newer(p, old) {
				c.shared[b] = p
			}
			return
		}
	}
	rel, ok := c.repo.Packages.Kernel(p, c.repo.Arch)
	if !ok {
		return
	}
	if err := matrixgen.ValidateRelease(rel); err != nil {
		c.res.Warnings = append(c.res.Warnings, fmt.Sprintf("%s: package %s: %v", c.res.IndexURL, p.NEVRA(), err))
		return
	}
	if c.byRel == nil {
		c.byRel = map[string]*matrixgen.Kernel{}
	}
	k := c.byRel[rel]
	if k == nil {
		k = &matrixgen.Kernel{Distribution: c.repo.Distribution, Arch: c.repo.Arch, Release: rel, Source: c.repo.Base}
		c.byRel[rel] = k
	}
	if sm != nil {
		if b := sm.KernelBuild(p); b != "" {
			if c.builds == nil {
				c.builds = map[string]string{}
			}
			c.builds[rel] = b
		}
	}
	if !c.repo.Packages.Headers() {
		return
	}
	u, err := resolve(c.repo.Base, p.Base, p.Href)
	if err != nil || p.Href == "" {
		c.res.Warnings = append(c.res.Warnings, fmt.Sprintf("%s: package %s: no usable location (%q): %v", c.res.IndexURL, p.NEVRA(), p.Href, err))
		return
	}
	if err := c.hosts.Check(u); err != nil {
		// Never emitted as a header URL without a word: the kernel stays, this URL does not.
		c.res.Warnings = append(c.res.Warnings, fmt.Sprintf("%s: package %s: header URL dropped: %v", c.res.IndexURL, p.NEVRA(), err))
		return
	}
	if !slices.Contains(k.Headers, u) {
		k.Headers = append(k.Headers, u)
	}
}

// addShared adds to each kernel of a build the URL of the build's newest shared package
// (SUSE's noarch kernel-devel), and names each kernel whose build has none here.
func (c *collector) addShared() {
	if _, ok := c.repo.Packages.(sharedMatcher); !ok {
		return
	}
	for _, rel := range slices.Sorted(maps.Keys(c.builds)) {
		b := c.builds[rel]
		p := c.shared[b]
		if p == nil {
			c.res.Warnings = append(c.res.Warnings, fmt.Sprintf("%s: kernel %s: no shared headers package of its build %s in this repository: its header URLs lack it", c.res.IndexURL, rel, b))
			continue
		}
		u, err := resolve(c.repo.Base, p.Base, p.Href)
		if err == nil && p.Href != "" {
			err = c.hosts.Check(u)
		}
		if err != nil || p.Href == "" {
			c.res.Warnings = append(c.res.Warnings, fmt.Sprintf("%s: package %s: no usable location (%q): %v", c.res.IndexURL, p.NEVRA(), p.Href, err))
			continue
		}
		if k := c.byRel[rel]; !slices.Contains(k.Headers, u) {
			k.Headers = append(k.Headers, u)
		}
	}
}

// kernels returns the kernels in rpm version order (then by string, for equal versions).
func (c *collector) kernels() []matrixgen.Kernel {
	c.addShared()
	ks := make([]matrixgen.Kernel, 0, len(c.byRel))
	for _, k := range c.byRel {
		slices.Sort(k.Headers)
		ks = append(ks, *k)
	}
	slices.SortFunc(ks, func(a, b matrixgen.Kernel) int {
		if v := rpmutils.Vercmp(a.Release, b.Release); v != 0 {
			return v
		}
		return strings.Compare(a.Release, b.Release)
	})
	return ks
}

// readPrimaryXML streams the primary XML through the fetch layer's verification.
func readPrimaryXML(ctx context.Context, f source.Fetcher, req fetch.Request, c *collector) error {
	resp, err := f.Open(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := ScanPrimary(resp.Body, req.URL, c.repo.Packages.Match, func(p *Package) error {
		c.add(p)
		return nil
	})
	c.res.Packages = n
	// ScanPrimary returns nil only after the stream's io.EOF, that is after the fetch
	// layer verified checksum and open-checksum.
	return err
}
