package githubtest

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"
)

// Releases and their assets, as GitHub's REST docs describe them
// ("Releases" and "Release assets", API version 2022-11-28).

func (s *Server) releaseJSON(r *http.Request, rel *release) map[string]any {
	return map[string]any{"id": rel.ID, "tag_name": rel.Tag, "name": rel.Tag, "draft": false, "prerelease": false,
		"upload_url": fmt.Sprintf("http://%s/api/uploads/repos/%s/%s/releases/%d/assets{?name,label}", r.Host, s.Owner, s.Repo, rel.ID)}
}

// validationFailed is GitHub's 422 with one entry in errors[].
func validationFailed(w http.ResponseWriter, doc string, e map[string]any) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": []map[string]any{e}, "documentation_url": docs + doc, "status": "422"})
}

// createRelease is "Create a release". A tag that already has a release
// is refused with 422 Validation Failed, errors [{"resource":"Release",
// "code":"already_exists","field":"tag_name"}], as GitHub answers it.
func (s *Server) createRelease(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	var in struct {
		TagName    string `json:"tag_name"`
		MakeLatest string `json:"make_latest"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.TagName == "" {
		validationFailed(w, "/releases/releases#create-a-release", map[string]any{"resource": "Release", "code": "missing_field", "field": "tag_name"})
		return
	}
	if s.releaseByTag(in.TagName) != nil {
		validationFailed(w, "/releases/releases#create-a-release", map[string]any{"resource": "Release", "code": "already_exists", "field": "tag_name"})
		return
	}
	rel := s.newRelease(in.TagName)
	rel.MakeLatest = in.MakeLatest
	writeJSON(w, http.StatusCreated, s.releaseJSON(r, rel))
}

// getReleaseByTag is "Get a release by tag name": 404 when none.
func (s *Server) getReleaseByTag(w http.ResponseWriter, r *http.Request, tag string) {
	if !s.repo(w, r) {
		return
	}
	s.mu.Lock()
	rel := s.releaseByTag(tag)
	var out map[string]any
	if rel != nil {
		out = s.releaseJSON(r, rel)
	}
	s.mu.Unlock()
	if rel == nil {
		errJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteAsset is "Delete a release asset": 204, or 404 when no release
// holds the id.
func (s *Server) deleteAsset(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rel := range s.releases {
		for i, a := range rel.Assets {
			if a.ID == id {
				rel.Assets = append(rel.Assets[:i], rel.Assets[i+1:]...)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
	}
	errJSON(w, http.StatusNotFound, "Not Found")
}

// uploadAsset is "Upload a release asset", on the upload host: the raw
// bytes as the body, the name in ?name=. GitHub stores the name renamed
// (StoredName); a stored name the release already holds is refused with
// 422 errors [{"resource":"ReleaseAsset","code":"already_exists",
// "field":"name"}]; a release at the cap (1,000 assets, "About releases":
// storage and bandwidth quotas) is refused with 422 "file_count limited to
// 1000 assets per release", the message gh prints for that answer
// (astral-sh/python-build-standalone#691), here as an errors[] entry of
// code "custom" and field "file_count", the shape GitHub gives its other
// custom asset refusals ("size must be less than or equal to 2147483648").
func (s *Server) uploadAsset(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	name := r.URL.Query().Get("name")
	if name == "" {
		errJSON(w, http.StatusUnprocessableEntity, "name is required")
		return
	}
	// Stream the body as GitHub does; only its size is kept.
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil {
		errJSON(w, http.StatusBadRequest, "could not read the body")
		return
	}
	if r.ContentLength >= 0 && n != r.ContentLength {
		errJSON(w, http.StatusBadRequest, "body shorter than Content-Length")
		return
	}
	const doc = "/releases/assets#upload-a-release-asset"
	s.mu.Lock()
	defer s.mu.Unlock()
	var rel *release
	for _, x := range s.releases {
		if x.ID == id {
			rel = x
		}
	}
	if rel == nil {
		errJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	stored := StoredName(name)
	for _, a := range rel.Assets {
		if a.Name == stored {
			validationFailed(w, doc, map[string]any{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"})
			return
		}
	}
	if len(rel.Assets) >= s.capAssets() {
		validationFailed(w, doc, map[string]any{"resource": "ReleaseAsset", "code": "custom", "field": "file_count", "message": fmt.Sprintf("file_count limited to %d assets per release", s.capAssets())})
		return
	}
	s.assetSeq++
	a := &asset{ID: s.assetSeq, Name: stored, Label: r.URL.Query().Get("label"), ContentType: r.Header.Get("Content-Type"), Size: n, State: "uploaded"}
	rel.Assets = append(rel.Assets, a)
	if s.breakNext[stored] {
		// "When an upstream failure occurs, you will receive a 502 Bad
		// Gateway status. This may leave an empty asset with a state of
		// starter. It can be safely deleted." ("Upload a release asset")
		delete(s.breakNext, stored)
		a.State, a.Size = "starter", 0
		writeJSON(w, http.StatusBadGateway, map[string]any{"message": "Server Error"})
		return
	}
	writeJSON(w, http.StatusCreated, s.assetJSON(rel, a))
}

// BreakNextUpload makes the next upload stored as name fail as GitHub's
// upstream failures do: 502, leaving an empty asset in state "starter"
// that holds the name.
func (s *Server) BreakNextUpload(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.breakNext == nil {
		s.breakNext = map[string]bool{}
	}
	s.breakNext[name] = true
}

// StoredName is the fake's model of GitHub's renaming on upload. The REST
// docs ("Upload a release asset") say GitHub "renames asset filenames that
// have special characters, non-alphanumeric characters, and leading or
// trailing periods"; uploads show each such character becoming one ".",
// trailing periods dropped, and "default" put before a leading period.
// The fake keeps its own copy of the rule so that a client that gets the
// rule wrong disagrees with it.
func StoredName(name string) string {
	s := strings.Map(func(r rune) rune {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_.", r)) {
			return r
		}
		return '.'
	}, name)
	s = strings.TrimRight(s, ".")
	if strings.HasPrefix(s, ".") {
		s = "default" + s
	}
	return s
}

// AddAsset puts an asset stored as name into release tag, as another
// publisher's upload would (no cap or duplicate check: a test sets up
// the state it needs).
func (s *Server) AddAsset(tag, name string) error { return s.addAsset(tag, name, "uploaded") }

// AddStarterAsset is AddAsset for an upload that failed: an empty asset
// in state "starter".
func (s *Server) AddStarterAsset(tag, name string) error { return s.addAsset(tag, name, "starter") }

func (s *Server) addAsset(tag, name, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rel := s.releaseByTag(tag)
	if rel == nil {
		return fmt.Errorf("no release %s", tag)
	}
	s.assetSeq++
	rel.Assets = append(rel.Assets, &asset{ID: s.assetSeq, Name: name, ContentType: "application/octet-stream", State: state})
	return nil
}

// RemoveAsset deletes the asset stored as name from release tag.
func (s *Server) RemoveAsset(tag, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rel := s.releaseByTag(tag)
	if rel == nil {
		return fmt.Errorf("no release %s", tag)
	}
	for i, a := range rel.Assets {
		if a.Name == name {
			rel.Assets = append(rel.Assets[:i], rel.Assets[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("release %s has no asset %s", tag, name)
}
