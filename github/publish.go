package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v93/github"

	"github.com/matrixgen/matrixgen"
)

// DefaultTagPrefix starts the tags of a driver version's releases,
// drivers-<version>-<N>: the tags the build service (its default
// --release-tag drivers-{driver_version}-*) and matrix --built-from-release
// read.
const DefaultTagPrefix = "drivers-"

// PublishOptions say where Publish puts files.
type PublishOptions struct {
	Repo          Repo
	DriverVersion string
	// TagPrefix starts every tag (default DefaultTagPrefix).
	TagPrefix string
	// Clobber replaces an asset of the same stored name instead of
	// skipping the file.
	Clobber bool
	// MaxAssets is the most assets one release holds (default
	// MaxReleaseAssets, GitHub's cap); tests make it small.
	MaxAssets int
	// Progress, when set, gets one line per file as it is done.
	Progress func(line string)
}

func (o PublishOptions) prefix() string {
	if o.TagPrefix == "" {
		return DefaultTagPrefix
	}
	return o.TagPrefix
}

func (o PublishOptions) capAssets() int {
	if o.MaxAssets > 0 {
		return o.MaxAssets
	}
	return MaxReleaseAssets
}

// Tag is the tag of the driver version's release n (1, 2, ...).
func (o PublishOptions) Tag(n int) string {
	return o.prefix() + o.DriverVersion + "-" + strconv.Itoa(n)
}

// releaseN is n when tag is the driver version's release n, else 0. N is
// a decimal without leading zeros, so "drivers-570.1-01" is no release of
// 570.1, nor is "drivers-570.1-rc-1".
func (o PublishOptions) releaseN(tag string) int {
	rest, ok := strings.CutPrefix(tag, o.prefix()+o.DriverVersion+"-")
	if !ok || rest == "" || rest[0] == '0' || len(rest) > 9 {
		return 0
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return 0
		}
	}
	n, _ := strconv.Atoi(rest)
	return n
}

// Validate checks the driver version (the charset of a kernel version, not
// empty) and that the tags it makes are valid git tag names.
func (o PublishOptions) Validate() error {
	if o.DriverVersion == "" {
		return &matrixgen.InvalidError{Field: "driver-version", Value: "", Reason: "empty"}
	}
	if err := matrixgen.ValidateKernelVersion(o.DriverVersion); err != nil {
		var ie *matrixgen.InvalidError
		if errors.As(err, &ie) {
			c := *ie
			c.Field = "driver-version"
			return &c
		}
		return err
	}
	if strings.Contains(o.prefix(), "/") {
		return &matrixgen.InvalidError{Field: "tag-prefix", Value: o.TagPrefix, Reason: "holds a /"}
	}
	if err := CheckRefFormat("refs/tags/" + o.Tag(1)); err != nil {
		return &matrixgen.InvalidError{Field: "tag-prefix", Value: o.TagPrefix, Reason: err.Error()}
	}
	return nil
}

// Published is a file that is in a release.
type Published struct {
	Name       string `json:"name"`        // the file's base name
	StoredName string `json:"stored_name"` // the asset's name, as GitHub stores it
	// Release is the tag of the release that held it when the run ended.
	// A publisher still running can only move it to a lower N since (its
	// reconciling keeps the copy in the lowest N).
	Release string `json:"release"`
}

// PublishFailure is a file that is in no release.
type PublishFailure struct {
	Name  string `json:"name"`
	Error string `json:"error"`
}

// PublishResult is what Publish did with each file: uploaded it, skipped
// it (its stored name was already in one of the driver version's
// releases), or failed.
type PublishResult struct {
	Uploaded []Published      `json:"uploaded"`
	Skipped  []Published      `json:"skipped"`
	Failed   []PublishFailure `json:"failed"`
	// ReconcileErr is set when the check for names stored twice could
	// not be done (the uploads stand).
	ReconcileErr error `json:"-"`
}

// pubRelease is one of the driver version's releases as this run knows it.
type pubRelease struct {
	n     int
	id    int64
	tag   string
	count int  // assets seen or uploaded by this run
	full  bool // GitHub refused an upload as over the cap
	err   error
}

// pubCopy is one stored copy of a name.
type pubCopy struct {
	rel     *pubRelease
	assetID int64
}

type pubState struct {
	rels  map[int]*pubRelease
	names map[string][]pubCopy // stored name → uploaded copies, lowest N first
	// starters are assets whose upload did not complete (state
	// "starter"): they hold a name but not the file.
	starters map[string][]pubCopy
}

func (st *pubState) add(name string, cp pubCopy) {
	cs := append(st.names[name], cp)
	slices.SortStableFunc(cs, func(a, b pubCopy) int { return a.rel.n - b.rel.n })
	st.names[name] = cs
}

// loadReleases lists every release of the driver version and its assets.
func (c *Client) loadReleases(ctx context.Context, o PublishOptions) (*pubState, error) {
	st := &pubState{rels: map[int]*pubRelease{}, names: map[string][]pubCopy{}, starters: map[string][]pubCopy{}}
	opt := &gh.ListOptions{PerPage: 100}
	for {
		rels, resp, err := c.gh.Repositories.ListReleases(ctx, o.Repo.Owner, o.Repo.Name, opt)
		if err != nil {
			return nil, fmt.Errorf("list releases of %s: %w", o.Repo, err)
		}
		for _, rel := range rels {
			n := o.releaseN(rel.GetTagName())
			if n == 0 || st.rels[n] != nil {
				continue
			}
			r := &pubRelease{n: n, id: rel.GetID(), tag: rel.GetTagName()}
			st.rels[n] = r
			if err := c.loadAssets(ctx, o.Repo, r, st); err != nil {
				return nil, err
			}
		}
		if resp.NextPage == 0 {
			return st, nil
		}
		opt.Page = resp.NextPage
	}
}

func (c *Client) loadAssets(ctx context.Context, repo Repo, r *pubRelease, st *pubState) error {
	return c.eachAsset(ctx, repo, r.id, r.tag, func(a *gh.ReleaseAsset) bool {
		r.count++
		cp := pubCopy{rel: r, assetID: a.GetID()}
		if a.GetState() != "uploaded" {
			st.starters[a.GetName()] = append(st.starters[a.GetName()], cp)
		} else {
			st.add(a.GetName(), cp)
		}
		return true
	})
}

// validationCode says whether err is GitHub's 422 "Validation Failed"
// with an errors[] entry of code and field.
func validationCode(err error, code, field string) bool {
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range er.Errors {
		if e.Code == code && e.Field == field {
			return true
		}
	}
	return false
}

// releaseFull says whether err is GitHub's refusal of an upload to a
// release at its cap: 422 "file_count limited to 1000 assets per release"
// (the message gh prints for it, astral-sh/python-build-standalone#691),
// an errors[] entry on the field file_count.
func releaseFull(err error) bool {
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	if strings.Contains(er.Message, "file_count") {
		return true
	}
	for _, e := range er.Errors {
		if e.Field == "file_count" || strings.Contains(e.Message, "file_count") {
			return true
		}
	}
	return false
}

// release returns release n, creating it when it does not exist. A 422
// already_exists on tag_name means another publisher created it first:
// it is fetched by its tag and used, so there is never a second release
// for one N.
func (c *Client) release(ctx context.Context, o PublishOptions, st *pubState, n int) (*pubRelease, error) {
	if r := st.rels[n]; r != nil {
		return r, r.err
	}
	tag := o.Tag(n)
	r := &pubRelease{n: n, tag: tag}
	st.rels[n] = r
	body := fmt.Sprintf("Artifacts of driver version %s, part %d, published by matrixgen publish.", o.DriverVersion, n)
	// make_latest "false": a driver release must not become the
	// repository's "Latest" ("Create a release", make_latest).
	rel, _, err := c.gh.Repositories.CreateRelease(ctx, o.Repo.Owner, o.Repo.Name, gh.CreateReleaseRequest{
		TagName: tag, Name: &tag, Body: &body, MakeLatest: new("false"),
	})
	if validationCode(err, "already_exists", "tag_name") {
		rel, _, err = c.gh.Repositories.GetReleaseByTag(ctx, o.Repo.Owner, o.Repo.Name, tag)
		// Its assets are unknown here: an upload refused as full or as a
		// duplicate says what is there.
		if err != nil {
			err = fmt.Errorf("release %s of %s was created by another publisher but cannot be read: %w", tag, o.Repo, err)
		}
	} else if err != nil {
		err = fmt.Errorf("create release %s of %s: %w", tag, o.Repo, err)
	}
	if err != nil {
		r.err = err
		return r, err
	}
	r.id = rel.GetID()
	return r, nil
}

// target is the lowest release with room, created when every one is full.
func (c *Client) target(ctx context.Context, o PublishOptions, st *pubState) (*pubRelease, error) {
	for n := 1; ; n++ {
		r, err := c.release(ctx, o, st, n)
		if err != nil {
			return nil, err
		}
		if !r.full && r.count < o.capAssets() {
			return r, nil
		}
	}
}

// uploadFile streams path into release r as name, application/octet-stream.
// It passes the *os.File itself: go-github then gives the request a
// GetBody that reads the file again from its start, which the retry of a
// 5xx or a rate limit needs (a plain io.Reader would get none).
func (c *Client) uploadFile(ctx context.Context, repo Repo, r *pubRelease, path, name string) (*gh.ReleaseAsset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	// The per-attempt timeout covers sending the body: a file gets the
	// client's timeout plus a second per MiB (a 2 GiB asset, GitHub's
	// largest, 34 minutes more).
	ctx = withAttemptTimeout(ctx, c.uploadTimeout(fi.Size()))
	u := fmt.Sprintf("repos/%s/%s/releases/%d/assets?name=%s", repo.Owner, repo.Name, r.id, url.QueryEscape(name))
	req, err := c.gh.NewUploadRequest(ctx, u, f, fi.Size(), "application/octet-stream")
	if err != nil {
		return nil, err
	}
	var asset *gh.ReleaseAsset
	if _, err := c.gh.Do(req, &asset); err != nil {
		return nil, err
	}
	return asset, nil
}

// uploadSecondsPerMiB is the slowest upload rate the per-attempt timeout
// allows for: one MiB a second.
const uploadSecondsPerMiB = 1

func (c *Client) uploadTimeout(size int64) time.Duration {
	return c.timeout + time.Duration((size+1<<20-1)>>20)*uploadSecondsPerMiB*time.Second
}

// Publish puts every file into the driver version's releases
// <prefix><version>-<N>: the lowest N with room, N+1 opened when N holds
// MaxAssets. A file whose stored name (AssetName of its base name) is in
// any of those releases is skipped, or with Clobber deleted there and
// uploaded again in the same release. Several publishers may run at once:
// a release another one created is used, an upload refused as a duplicate
// is skipped (the other publisher won), one refused because the release
// is full goes to the next N, and at the end the names this run handled
// that are stored in two releases keep only the copy in the lowest N.
//
// An asset in state "starter" holds a name but not its file (an upload
// that failed upstream leaves one; GitHub says it can be safely deleted):
// when the name has no complete copy it is deleted and the file uploaded.
// GitHub may show an upload still in progress in that state too; deleting
// it then makes that other publisher's upload fail, reported there, while
// this one's lands.
//
// The error is for a run that could do nothing (the releases cannot be
// listed); a file that could not be published is in Failed.
func (c *Client) Publish(ctx context.Context, o PublishOptions, files []string) (PublishResult, error) {
	res := PublishResult{Uploaded: []Published{}, Skipped: []Published{}, Failed: []PublishFailure{}}
	if err := o.Validate(); err != nil {
		return res, err
	}
	st, err := c.loadReleases(ctx, o)
	if err != nil {
		return res, err
	}
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, args...))
		}
	}
	owner := map[string]string{} // stored name → the file that claimed it
	for i, path := range files {
		name := filepath.Base(path)
		stored := AssetName(name)
		fail := func(err error) {
			res.Failed = append(res.Failed, PublishFailure{Name: name, Error: err.Error()})
			progress("not published (%d of %d): %s", i+1, len(files), path)
		}
		if prev, ok := owner[stored]; ok && filepath.Clean(prev) == filepath.Clean(path) {
			continue // the same file named twice (overlapping globs)
		} else if ok {
			fail(fmt.Errorf("%s is stored as %s, as %s is: GitHub would keep one of them", path, stored, prev))
			continue
		}
		owner[stored] = path
		var into *pubRelease
		if starters := st.starters[stored]; len(starters) > 0 && (len(st.names[stored]) == 0 || o.Clobber) {
			// Left by an upload that failed ("Upload a release asset": an
			// upstream failure "may leave an empty asset with a state of
			// starter. It can be safely deleted."): it holds the name, not
			// the file.
			if err := c.deleteCopies(ctx, o.Repo, stored, starters); err != nil {
				fail(err)
				continue
			}
			delete(st.starters, stored)
			into = starters[0].rel
		}
		if copies := st.names[stored]; len(copies) > 0 {
			if !o.Clobber {
				res.Skipped = append(res.Skipped, Published{name, stored, copies[0].rel.tag})
				progress("skipped (%d of %d): %s: %s is in %s", i+1, len(files), path, stored, copies[0].rel.tag)
				continue
			}
			if err := c.deleteCopies(ctx, o.Repo, stored, copies); err != nil {
				fail(err)
				continue
			}
			delete(st.names, stored)
			into = copies[0].rel
		}
		p, skipped, err := c.place(ctx, o, st, into, path, name)
		switch {
		case err != nil:
			fail(err)
		case skipped:
			res.Skipped = append(res.Skipped, p)
			progress("skipped (%d of %d): %s: %s was uploaded to %s by another publisher", i+1, len(files), path, p.StoredName, p.Release)
		default:
			res.Uploaded = append(res.Uploaded, p)
			progress("uploaded (%d of %d): %s as %s to %s", i+1, len(files), path, p.StoredName, p.Release)
		}
	}
	if len(res.Uploaded) > 0 {
		res.ReconcileErr = c.reconcile(ctx, o, &res)
	}
	return res, nil
}

// deleteCopies deletes the given stored copies of name. A copy that is
// already gone (404) was deleted by another publisher.
func (c *Client) deleteCopies(ctx context.Context, repo Repo, name string, copies []pubCopy) error {
	for _, cp := range copies {
		_, err := c.gh.Repositories.DeleteReleaseAsset(ctx, repo.Owner, repo.Name, cp.assetID)
		if err != nil && statusOf(err) != http.StatusNotFound {
			return fmt.Errorf("delete %s from release %s of %s: %w", name, cp.rel.tag, repo, err)
		}
		cp.rel.count--
		cp.rel.full = false
	}
	return nil
}

// maxFullInARow bounds how many releases in a row may refuse one upload
// as full before the file is given up: each refusal opens a new release,
// so only a GitHub that refuses every release would reach it.
const maxFullInARow = 10

// place uploads one file into into (nil: the lowest release with room),
// moving on while GitHub answers that the release is full. skipped is
// true when GitHub refused the name as already in the release.
func (c *Client) place(ctx context.Context, o PublishOptions, st *pubState, into *pubRelease, path, name string) (Published, bool, error) {
	starterDeleted := false
	for range maxFullInARow {
		r := into
		into = nil
		if r == nil || r.full || r.count >= o.capAssets() {
			var err error
			if r, err = c.target(ctx, o, st); err != nil {
				return Published{}, false, err
			}
		}
		asset, err := c.uploadFile(ctx, o.Repo, r, path, name)
		switch {
		case err == nil:
			r.count++
			st.add(asset.GetName(), pubCopy{rel: r, assetID: asset.GetID()})
			return Published{Name: name, StoredName: asset.GetName(), Release: r.tag}, false, nil
		case validationCode(err, "already_exists", "name"):
			stored := AssetName(name)
			a, ferr := c.findAsset(ctx, o.Repo, r, stored)
			if ferr != nil {
				return Published{}, false, fmt.Errorf("%s is in release %s, but its state cannot be read: %w", stored, r.tag, ferr)
			}
			if a == nil || a.GetState() == "uploaded" || starterDeleted {
				// Another publisher won the name.
				return Published{Name: name, StoredName: stored, Release: r.tag}, true, nil
			}
			// A "starter" left by a failed attempt (this run's own, whose
			// 502 was retried): delete it and upload once more.
			if err := c.deleteCopies(ctx, o.Repo, stored, []pubCopy{{rel: r, assetID: a.GetID()}}); err != nil {
				return Published{}, false, err
			}
			starterDeleted = true
			into = r
		case releaseFull(err):
			r.full = true
		default:
			return Published{}, false, err
		}
	}
	return Published{}, false, fmt.Errorf("%d releases in a row refused it as full", maxFullInARow)
}

// findAsset is release r's asset stored as name, nil when none.
func (c *Client) findAsset(ctx context.Context, repo Repo, r *pubRelease, name string) (*gh.ReleaseAsset, error) {
	var found *gh.ReleaseAsset
	err := c.eachAsset(ctx, repo, r.id, r.tag, func(a *gh.ReleaseAsset) bool {
		if a.GetName() == name {
			found = a
		}
		return found == nil
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// reconcile lists the releases again and, for each name this run
// uploaded or skipped that is stored in more than one release (two
// publishers raced it), deletes every copy but the one in the lowest N,
// so that publishers reconciling at once agree on what to keep. An
// upload whose copy went is reported as skipped, in the release kept.
func (c *Client) reconcile(ctx context.Context, o PublishOptions, res *PublishResult) error {
	st, err := c.loadReleases(ctx, o)
	if err != nil {
		return fmt.Errorf("check for names stored twice: %w", err)
	}
	var errs []error
	for _, list := range [][]Published{res.Uploaded, res.Skipped} {
		for _, p := range list {
			copies := st.names[p.StoredName]
			for _, cp := range copies[min(1, len(copies)):] {
				_, err := c.gh.Repositories.DeleteReleaseAsset(ctx, o.Repo.Owner, o.Repo.Name, cp.assetID)
				if err != nil && statusOf(err) != http.StatusNotFound {
					errs = append(errs, fmt.Errorf("delete the second copy of %s from release %s of %s: %w", p.StoredName, cp.rel.tag, o.Repo, err))
				}
			}
		}
	}
	kept := func(p Published) string {
		if cs := st.names[p.StoredName]; len(cs) > 0 {
			return cs[0].rel.tag
		}
		return p.Release
	}
	uploaded := res.Uploaded[:0]
	for _, p := range res.Uploaded {
		if k := kept(p); k != p.Release {
			p.Release = k
			res.Skipped = append(res.Skipped, p)
			continue
		}
		uploaded = append(uploaded, p)
	}
	res.Uploaded = uploaded
	for i := range res.Skipped {
		res.Skipped[i].Release = kept(res.Skipped[i])
	}
	return errors.Join(errs...)
}
