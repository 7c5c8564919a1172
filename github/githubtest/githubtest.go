// Package githubtest is a fake GitHub REST API for tests: one repository
// with real state (refs, blobs, trees, commits, contents, pull requests,
// releases with paginated assets, workflow dispatches and runs) that
// answers with GitHub's status codes and error bodies, plus injected
// faults (rate limits, 502, a failed reference update).
package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	Owner, Repo string

	mu       sync.Mutex
	blobs    map[string][]byte
	trees    map[string]map[string]string // tree sha → path → blob sha
	commits  map[string]commit
	refs     map[string]string // branch → commit sha
	pulls    []*Pull
	releases []*release
	faults   []fault
	requests []string // "METHOD /path" of every request, in order
	seq      int
	mux      *http.ServeMux

	maxAssets  int             // per release; 0 means GitHub's 1,000
	breakNext  map[string]bool // stored names whose next upload fails leaving a starter
	releaseSeq int64
	assetSeq   int64
	uploadMux  *http.ServeMux

	workflows map[string]func(map[string]string) string // dispatchable workflow files
	runs      []*Run
	now       func() time.Time
}

type commit struct {
	Tree    string
	Parents []string
	Message string
}

// Pull is a pull request as the fake keeps it.
type Pull struct {
	Number      int
	Title, Body string
	Head, Base  string
	State       string // open, closed
	Merged      bool
}

type release struct {
	ID         int64
	Tag        string
	MakeLatest string
	Assets     []*asset
}

type asset struct {
	ID          int64
	Name        string // as GitHub stores it
	Label       string
	ContentType string
	Size        int64
	State       string // "uploaded", or "starter" for an upload that failed
}

type fault struct {
	match  func(*http.Request) bool
	status int
	header http.Header
	body   string
}

// New returns a fake for owner/repo with branch base holding files
// (path → content) in one commit.
func New(owner, repo, base string, files map[string]string) *Server {
	s := &Server{Owner: owner, Repo: repo, blobs: map[string][]byte{}, trees: map[string]map[string]string{}, commits: map[string]commit{}, refs: map[string]string{}}
	tree := map[string]string{}
	for p, c := range files {
		tree[p] = s.putBlob([]byte(c))
	}
	s.refs[base] = s.putCommit(commit{Tree: s.putTree(tree), Message: "initial"})
	s.routes()
	return s
}

func hash(kind string, parts ...string) string {
	h := sha1.New()
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) putBlob(b []byte) string {
	sha := hash("blob", string(b))
	s.blobs[sha] = b
	return sha
}

func (s *Server) putTree(t map[string]string) string {
	var parts []string
	for p, b := range t {
		parts = append(parts, p+"="+b)
	}
	sort.Strings(parts)
	sha := hash("tree", parts...)
	s.trees[sha] = t
	return sha
}

func (s *Server) putCommit(c commit) string {
	// Distinct runs making the same change get distinct commits, as on
	// GitHub, where the committer's time differs.
	s.seq++
	sha := hash("commit", c.Tree, strings.Join(c.Parents, ","), c.Message, strconv.Itoa(s.seq))
	s.commits[sha] = c
	return sha
}

// Faults answer requests before the fake does.

// Fault is an answer a test forces on a request.
type Fault struct {
	Status int
	Header http.Header
	Body   string
}

// FailNext makes the next request for which match is true get f instead
// of its answer (once).
func (s *Server) FailNext(match func(*http.Request) bool, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{match, f.Status, f.Header, f.Body})
}

// Match helpers for FailNext.
func Method(m string) func(*http.Request) bool {
	return func(r *http.Request) bool { return r.Method == m }
}

func PathSuffix(method, suffix string) func(*http.Request) bool {
	return func(r *http.Request) bool { return r.Method == method && strings.HasSuffix(r.URL.Path, suffix) }
}

// PrimaryLimit is GitHub's answer when the primary rate limit is spent
// ("Rate limits for the REST API"): 403, x-ratelimit-remaining 0 and the
// reset time in epoch seconds.
func PrimaryLimit(reset time.Time) Fault {
	h := http.Header{}
	h.Set("X-Ratelimit-Limit", "5000")
	h.Set("X-Ratelimit-Remaining", "0")
	h.Set("X-Ratelimit-Used", "5000")
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-Ratelimit-Resource", "core")
	return Fault{http.StatusForbidden, h, `{"message":"API rate limit exceeded for installation ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`}
}

// SecondaryLimit is GitHub's secondary-limit answer: 403 (or 429) whose
// message names it, with retry-after when retryAfter > 0.
func SecondaryLimit(status int, retryAfter int) Fault {
	h := http.Header{}
	h.Set("X-Ratelimit-Remaining", "4000")
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(retryAfter))
	}
	return Fault{status, h, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 1234:5678.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}
}

// BadGateway is a 502 as GitHub's front end sends it.
func BadGateway() Fault {
	return Fault{http.StatusBadGateway, http.Header{}, `{"message":"Server Error"}`}
}

// RefUpdateFailed is GitHub's generic 422 on a ref write it could not do.
func RefUpdateFailed() Fault {
	return Fault{http.StatusUnprocessableEntity, http.Header{}, `{"message":"Reference update failed","documentation_url":"https://docs.github.com/rest/git/refs#update-a-reference","status":"422"}`}
}

// Requests returns "METHOD /path" of every request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Writes returns the requests that were not GETs.
func (s *Server) Writes() []string {
	var w []string
	for _, r := range s.Requests() {
		if !strings.HasPrefix(r, "GET ") {
			w = append(w, r)
		}
	}
	return w
}

// Branches returns the branch names, sorted.
func (s *Server) Branches() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for b := range s.refs {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}

// Head is the commit sha of branch ("" when missing).
func (s *Server) Head(branch string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refs[branch]
}

// CommitInfo is a commit's message, parents and files.
type CommitInfo struct {
	Message string
	Parents []string
	Files   map[string]string
}

// Commit returns a commit (ok false when unknown).
func (s *Server) Commit(sha string) (CommitInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.commits[sha]
	if !ok {
		return CommitInfo{}, false
	}
	files := map[string]string{}
	for p, b := range s.trees[c.Tree] {
		files[p] = string(s.blobs[b])
	}
	return CommitInfo{Message: c.Message, Parents: c.Parents, Files: files}, true
}

// File is path's content on branch.
func (s *Server) File(branch, path string) (string, bool) {
	c, ok := s.Commit(s.Head(branch))
	if !ok {
		return "", false
	}
	f, ok := c.Files[path]
	return f, ok
}

// Pulls returns copies of every pull request.
func (s *Server) Pulls() []Pull {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pull
	for _, p := range s.pulls {
		out = append(out, *p)
	}
	return out
}

// SetPullState closes, reopens or merges (state "merged") pull number.
func (s *Server) SetPullState(number int, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pulls {
		if p.Number == number {
			p.State, p.Merged = state, state == "merged"
			if p.Merged {
				p.State = "closed"
			}
		}
	}
}

// PushCommit commits files (path → content, over the branch's tree) to
// branch, as a person would; it creates the branch from "from" if needed.
func (s *Server) PushCommit(branch, from, message string, files map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	parent := s.refs[branch]
	if parent == "" {
		parent = s.refs[from]
	}
	tree := map[string]string{}
	for p, b := range s.trees[s.commits[parent].Tree] {
		tree[p] = b
	}
	for p, c := range files {
		tree[p] = s.putBlob([]byte(c))
	}
	sha := s.putCommit(commit{Tree: s.putTree(tree), Parents: []string{parent}, Message: message})
	s.refs[branch] = sha
	return sha
}

// AddRelease adds a release with assets named exactly as given (names as
// GitHub stores them). More than the cap (SetMaxAssets, default 1,000) is
// refused, as GitHub refuses them; so is a tag that has a release.
func (s *Server) AddRelease(tag string, assets []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(assets) > s.capAssets() {
		return fmt.Errorf("release %s: %d assets, GitHub allows %d", tag, len(assets), s.capAssets())
	}
	if s.releaseByTag(tag) != nil {
		return fmt.Errorf("release %s exists", tag)
	}
	rel := s.newRelease(tag)
	for _, a := range assets {
		s.assetSeq++
		rel.Assets = append(rel.Assets, &asset{ID: s.assetSeq, Name: a, ContentType: "application/octet-stream", State: "uploaded"})
	}
	return nil
}

// SetMaxAssets sets the assets a release may hold (default 1,000,
// GitHub's cap: "About releases", storage and bandwidth quotas), so tests
// can fill a release with a few uploads.
func (s *Server) SetMaxAssets(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxAssets = n
}

func (s *Server) capAssets() int {
	if s.maxAssets > 0 {
		return s.maxAssets
	}
	return 1000
}

// newRelease adds an empty release; call with mu held.
func (s *Server) newRelease(tag string) *release {
	s.releaseSeq++
	rel := &release{ID: s.releaseSeq, Tag: tag}
	s.releases = append(s.releases, rel)
	return rel
}

// releaseByTag is nil when tag has no release; call with mu held.
func (s *Server) releaseByTag(tag string) *release {
	for _, r := range s.releases {
		if r.Tag == tag {
			return r
		}
	}
	return nil
}

// ReleaseAsset is an asset as the fake keeps it.
type ReleaseAsset struct {
	ID          int64
	Name        string // as GitHub stores it
	Label       string
	ContentType string
	Size        int64
	State       string // "uploaded", or "starter" for an upload that failed
}

// Release is a release as the fake keeps it.
type Release struct {
	ID         int64
	Tag        string
	MakeLatest string // what "Create a release" was sent ("" for AddRelease)
	Assets     []ReleaseAsset
}

// Releases returns copies of every release, oldest first.
func (s *Server) Releases() []Release {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Release
	for _, r := range s.releases {
		c := Release{ID: r.ID, Tag: r.Tag, MakeLatest: r.MakeLatest}
		for _, a := range r.Assets {
			c.Assets = append(c.Assets, ReleaseAsset(*a))
		}
		out = append(out, c)
	}
	return out
}

// ServeHTTP serves the API at the root, as api.github.com does, and also
// under /api/v3/, as GitHub Enterprise Server does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	if s.fault(w, r) {
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/api/v3/"); ok {
		r = r.Clone(r.Context())
		r.URL.Path, r.URL.RawPath = "/"+rest, ""
	}
	s.mux.ServeHTTP(w, r)
}

// fault answers r with the first matching fault, if any.
func (s *Server) fault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	for i, f := range s.faults {
		if f.match(r) {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			s.mu.Unlock()
			for k, v := range f.header {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(f.status)
			fmt.Fprint(w, f.body)
			return true
		}
	}
	s.mu.Unlock()
	return false
}

const docs = "https://docs.github.com/rest"

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Ratelimit-Remaining", "4999")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func errJSON(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "documentation_url": docs, "status": strconv.Itoa(status)})
}

func (s *Server) routes() {
	m := http.NewServeMux()
	p := "/repos/{owner}/{repo}"
	m.HandleFunc("GET "+p+"/git/ref/{ref...}", s.getRef)
	m.HandleFunc("POST "+p+"/git/refs", s.createRef)
	m.HandleFunc("PATCH "+p+"/git/refs/{ref...}", s.updateRef)
	m.HandleFunc("GET "+p+"/git/commits/{sha}", s.getCommit)
	m.HandleFunc("POST "+p+"/git/commits", s.createCommit)
	m.HandleFunc("POST "+p+"/git/blobs", s.createBlob)
	m.HandleFunc("GET "+p+"/git/blobs/{sha}", s.getBlob)
	m.HandleFunc("POST "+p+"/git/trees", s.createTree)
	m.HandleFunc("GET "+p+"/contents/{path...}", s.getContents)
	m.HandleFunc("PUT "+p+"/contents/{path...}", s.putContents)
	m.HandleFunc("GET "+p+"/pulls", s.listPulls)
	m.HandleFunc("POST "+p+"/pulls", s.createPull)
	m.HandleFunc("GET "+p+"/releases", s.listReleases)
	m.HandleFunc("POST "+p+"/releases", s.createRelease)
	// GET releases/tags/{tag} and releases/{id}/assets overlap as mux
	// patterns (releases/tags/assets): one handler tells them apart.
	m.HandleFunc("GET "+p+"/releases/{id}/{sub}", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.PathValue("id") == "tags":
			s.getReleaseByTag(w, r, r.PathValue("sub"))
		case r.PathValue("sub") == "assets":
			s.listAssets(w, r)
		default:
			errJSON(w, http.StatusNotFound, "Not Found")
		}
	})
	m.HandleFunc("DELETE "+p+"/releases/assets/{id}", s.deleteAsset)
	// GitHub Enterprise Server takes uploads at https://HOST/api/uploads/
	// ("Upload a release asset": the endpoint is the release's upload_url).
	m.HandleFunc("POST /api/uploads"+p+"/releases/{id}/assets", s.uploadAsset)
	s.actionRoutes(m)
	s.mux = m
	// github.com takes them on its own host, uploads.github.com, at the
	// same path as the API's.
	u := http.NewServeMux()
	u.HandleFunc("POST "+p+"/releases/{id}/assets", s.uploadAsset)
	s.uploadMux = u
}

// Uploads is the fake's upload host as github.com has it
// (uploads.github.com): serve it on a server of its own and give its URL
// as the client's upload root. The fake itself also takes uploads under
// /api/uploads/, as GitHub Enterprise Server does.
func (s *Server) Uploads() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" uploads:"+r.URL.Path)
		s.mu.Unlock()
		if s.fault(w, r) {
			return
		}
		s.uploadMux.ServeHTTP(w, r)
	})
}

// repo checks the path's repository; GitHub answers 404 for any other.
func (s *Server) repo(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("owner") != s.Owner || r.PathValue("repo") != s.Repo {
		errJSON(w, http.StatusNotFound, "Not Found")
		return false
	}
	return true
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		errJSON(w, http.StatusBadRequest, "Problems parsing JSON")
		return false
	}
	return true
}

func (s *Server) refJSON(branch, sha string) map[string]any {
	return map[string]any{"ref": "refs/heads/" + branch, "object": map[string]any{"sha": sha, "type": "commit"}}
}

func (s *Server) getRef(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	branch, ok := strings.CutPrefix(r.PathValue("ref"), "heads/")
	s.mu.Lock()
	sha, found := s.refs[branch]
	s.mu.Unlock()
	if !ok || !found {
		errJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.refJSON(branch, sha))
}

func (s *Server) createRef(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	var in struct{ Ref, SHA string }
	if !decode(w, r, &in) {
		return
	}
	branch, ok := strings.CutPrefix(in.Ref, "refs/heads/")
	if !ok || branch == "" {
		errJSON(w, http.StatusUnprocessableEntity, "Reference name must start with 'refs/' and have at least two slashes.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.commits[in.SHA]; !ok {
		errJSON(w, http.StatusUnprocessableEntity, "Object does not exist")
		return
	}
	if _, exists := s.refs[branch]; exists {
		errJSON(w, http.StatusUnprocessableEntity, "Reference already exists")
		return
	}
	s.refs[branch] = in.SHA
	writeJSON(w, http.StatusCreated, s.refJSON(branch, in.SHA))
}

// isAncestor says whether a is b or an ancestor of b; call with mu held.
func (s *Server) isAncestor(a, b string) bool {
	seen := map[string]bool{}
	stack := []string{b}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c == a {
			return true
		}
		if seen[c] {
			continue
		}
		seen[c] = true
		stack = append(stack, s.commits[c].Parents...)
	}
	return false
}

func (s *Server) updateRef(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	var in struct {
		SHA   string
		Force bool
	}
	if !decode(w, r, &in) {
		return
	}
	branch, _ := strings.CutPrefix(r.PathValue("ref"), "heads/")
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.refs[branch]
	switch {
	case !ok:
		errJSON(w, http.StatusUnprocessableEntity, "Reference does not exist")
		return
	case s.commits[in.SHA].Tree == "":
		errJSON(w, http.StatusUnprocessableEntity, "Object does not exist")
		return
	case !in.Force && !s.isAncestor(old, in.SHA):
		errJSON(w, http.StatusUnprocessableEntity, "Update is not a fast forward")
		return
	}
	s.refs[branch] = in.SHA
	writeJSON(w, http.StatusOK, s.refJSON(branch, in.SHA))
}

func (s *Server) commitJSON(sha string, c commit) map[string]any {
	var parents []map[string]any
	for _, p := range c.Parents {
		parents = append(parents, map[string]any{"sha": p})
	}
	return map[string]any{"sha": sha, "message": c.Message, "tree": map[string]any{"sha": c.Tree}, "parents": parents,
		"author":    map[string]any{"name": "github-actions[bot]", "email": "41898282+github-actions[bot]@users.noreply.github.com"},
		"committer": map[string]any{"name": "GitHub", "email": "noreply@github.com"}}
}

func (s *Server) getCommit(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	s.mu.Lock()
	c, ok := s.commits[r.PathValue("sha")]
	s.mu.Unlock()
	if !ok {
		errJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.commitJSON(r.PathValue("sha"), c))
}

func (s *Server) createCommit(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	var in struct {
		Message string
		Tree    string
		Parents []string
		Author  json.RawMessage
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.trees[in.Tree]; !ok {
		errJSON(w, http.StatusUnprocessableEntity, "Tree SHA does not exist")
		return
	}
	for _, p := range in.Parents {
		if _, ok := s.commits[p]; !ok {
			errJSON(w, http.StatusUnprocessableEntity, "Parent SHA does not exist or is not a commit object")
			return
		}
	}
	if len(in.Author) > 0 && string(in.Author) != "null" {
		// The bot must leave authorship to GitHub (verified commits).
		errJSON(w, http.StatusUnprocessableEntity, "githubtest: the bot sent a custom author")
		return
	}
	c := commit{Tree: in.Tree, Parents: in.Parents, Message: in.Message}
	sha := s.putCommit(c)
	writeJSON(w, http.StatusCreated, s.commitJSON(sha, c))
}

func (s *Server) createBlob(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	var in struct{ Content, Encoding string }
	if !decode(w, r, &in) {
		return
	}
	data := []byte(in.Content)
	if in.Encoding == "base64" {
		var err error
		if data, err = base64.StdEncoding.DecodeString(in.Content); err != nil {
			errJSON(w, http.StatusUnprocessableEntity, "Invalid request.")
			return
		}
	}
	s.mu.Lock()
	sha := s.putBlob(data)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"sha": sha, "url": ""})
}

func (s *Server) getBlob(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	s.mu.Lock()
	b, ok := s.blobs[r.PathValue("sha")]
	s.mu.Unlock()
	if !ok {
		errJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "raw") {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sha": r.PathValue("sha"), "encoding": "base64", "content": base64.StdEncoding.EncodeToString(b), "size": len(b)})
}

func (s *Server) createTree(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	var in struct {
		BaseTree string `json:"base_tree"`
		Tree     []struct{ Path, Mode, Type, SHA string }
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := map[string]string{}
	if in.BaseTree != "" {
		base, ok := s.trees[in.BaseTree]
		if !ok {
			errJSON(w, http.StatusUnprocessableEntity, "base_tree is not a valid tree oid")
			return
		}
		for p, b := range base {
			t[p] = b
		}
	}
	for _, e := range in.Tree {
		if _, ok := s.blobs[e.SHA]; !ok || e.Type != "blob" || e.Mode != "100644" {
			errJSON(w, http.StatusUnprocessableEntity, "GitRPC::BadObjectState")
			return
		}
		t[e.Path] = e.SHA
	}
	writeJSON(w, http.StatusCreated, map[string]any{"sha": s.putTree(t)})
}

// resolve is a ref (branch or commit sha) as a commit; call with mu held.
func (s *Server) resolve(ref string) (commit, bool) {
	if sha, ok := s.refs[ref]; ok {
		ref = sha
	}
	c, ok := s.commits[ref]
	return c, ok
}

func (s *Server) getContents(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		ref = "main"
	}
	s.mu.Lock()
	c, ok := s.resolve(ref)
	var blob string
	var data []byte
	if ok {
		blob = s.trees[c.Tree][r.PathValue("path")]
		data = s.blobs[blob]
	}
	s.mu.Unlock()
	if !ok {
		errJSON(w, http.StatusNotFound, "No commit found for the ref "+ref)
		return
	}
	if blob == "" {
		errJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "file", "encoding": "base64", "size": len(data), "name": r.PathValue("path"), "path": r.PathValue("path"), "sha": blob, "content": base64.StdEncoding.EncodeToString(data)})
}

// putContents is "Create or update file contents": a stale or missing sha
// for an existing file is 409, as GitHub answers.
func (s *Server) putContents(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	var in struct{ Message, Content, SHA, Branch string }
	if !decode(w, r, &in) {
		return
	}
	data, err := base64.StdEncoding.DecodeString(in.Content)
	if err != nil {
		errJSON(w, http.StatusUnprocessableEntity, "content is not valid Base64")
		return
	}
	path := r.PathValue("path")
	s.mu.Lock()
	defer s.mu.Unlock()
	head, ok := s.refs[in.Branch]
	if !ok {
		errJSON(w, http.StatusNotFound, "Branch "+in.Branch+" not found")
		return
	}
	c := s.commits[head]
	if cur := s.trees[c.Tree][path]; cur != in.SHA {
		errJSON(w, http.StatusConflict, fmt.Sprintf("%s does not match %s", path, in.SHA))
		return
	}
	t := map[string]string{}
	for p, b := range s.trees[c.Tree] {
		t[p] = b
	}
	t[path] = s.putBlob(data)
	sha := s.putCommit(commit{Tree: s.putTree(t), Parents: []string{head}, Message: in.Message})
	s.refs[in.Branch] = sha
	writeJSON(w, http.StatusOK, map[string]any{"content": map[string]any{"sha": t[path], "path": path}, "commit": map[string]any{"sha": sha}})
}

func (s *Server) pullJSON(p *Pull) map[string]any {
	out := map[string]any{"number": p.Number, "state": p.State, "title": p.Title, "body": p.Body,
		"html_url": fmt.Sprintf("https://github.invalid/%s/%s/pull/%d", s.Owner, s.Repo, p.Number),
		"head":     map[string]any{"ref": p.Head, "label": s.Owner + ":" + p.Head}, "base": map[string]any{"ref": p.Base}}
	if p.Merged {
		out["merged_at"] = "2026-01-01T00:00:00Z"
	}
	return out
}

func (s *Server) listPulls(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	s.mu.Lock()
	var out []map[string]any
	for _, p := range s.pulls {
		if (state == "all" || p.State == state) && (q.Get("head") == "" || q.Get("head") == s.Owner+":"+p.Head) {
			out = append(out, s.pullJSON(p))
		}
	}
	s.mu.Unlock()
	if out == nil {
		out = []map[string]any{}
	}
	page(w, r, out)
}

func (s *Server) createPull(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	var in struct{ Title, Head, Base, Body string }
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	invalid := func(field string) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": []map[string]any{{"resource": "PullRequest", "field": field, "code": "invalid"}}, "documentation_url": docs + "/pulls/pulls#create-a-pull-request", "status": "422"})
	}
	if _, ok := s.refs[in.Head]; !ok {
		invalid("head")
		return
	}
	if _, ok := s.refs[in.Base]; !ok {
		invalid("base")
		return
	}
	for _, p := range s.pulls {
		if p.Head == in.Head && p.Base == in.Base && p.State == "open" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": []map[string]any{{"resource": "PullRequest", "code": "custom", "message": fmt.Sprintf("A pull request already exists for %s:%s.", s.Owner, in.Head)}}, "documentation_url": docs + "/pulls/pulls#create-a-pull-request", "status": "422"})
			return
		}
	}
	p := &Pull{Number: len(s.pulls) + 1, Title: in.Title, Body: in.Body, Head: in.Head, Base: in.Base, State: "open"}
	s.pulls = append(s.pulls, p)
	writeJSON(w, http.StatusCreated, s.pullJSON(p))
}

func (s *Server) listReleases(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	s.mu.Lock()
	var out []map[string]any
	// Newest first, as GitHub lists them.
	for i := len(s.releases) - 1; i >= 0; i-- {
		out = append(out, map[string]any{"id": s.releases[i].ID, "tag_name": s.releases[i].Tag})
	}
	s.mu.Unlock()
	page(w, r, out)
}

// assetJSON is a release asset as GitHub answers it, in a listing and in
// the answer to an upload alike: browser_download_url is a required field
// of the REST API's release-asset schema, whose example is
// https://github.com/OWNER/REPO/releases/download/TAG/NAME ("Upload a
// release asset", "List release assets").
func (s *Server) assetJSON(rel *release, a *asset) map[string]any {
	return map[string]any{"id": a.ID, "name": a.Name, "label": a.Label, "state": a.State, "content_type": a.ContentType, "size": a.Size,
		"browser_download_url": fmt.Sprintf("https://github.invalid/%s/%s/releases/download/%s/%s", s.Owner, s.Repo, url.PathEscape(rel.Tag), url.PathEscape(a.Name))}
}

func (s *Server) listAssets(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	out := []map[string]any{}
	found := false
	for _, rel := range s.releases {
		if rel.ID == id {
			found = true
			for _, a := range rel.Assets {
				out = append(out, s.assetJSON(rel, a))
			}
		}
	}
	s.mu.Unlock()
	if !found {
		errJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	page(w, r, out)
}

// page writes one page of items with GitHub's Link header; per_page is
// 30 by default and at most 100, as GitHub's.
func page(w http.ResponseWriter, r *http.Request, items []map[string]any) {
	pageWrapped(w, r, items, func(p []map[string]any) any { return p })
}

// pageWrapped is page for endpoints that wrap the list in an object
// ({"total_count": N, "workflow_runs": [...]}).
func pageWrapped(w http.ResponseWriter, r *http.Request, items []map[string]any, wrap func([]map[string]any) any) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	pg, _ := strconv.Atoi(q.Get("page"))
	pg = max(pg, 1)
	start := min((pg-1)*per, len(items))
	end := min(start+per, len(items))
	last := max(1, (len(items)+per-1)/per)
	link := func(n int, rel string) string {
		u := *r.URL
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(n))
		v.Set("per_page", strconv.Itoa(per))
		u.RawQuery = v.Encode()
		u.Scheme, u.Host = "http", r.Host
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if pg < last {
		links = append(links, link(pg+1, "next"), link(last, "last"))
	}
	if pg > 1 {
		links = append(links, link(1, "first"), link(pg-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, http.StatusOK, wrap(items[start:end]))
}
