package servicetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github"
	"github.com/matrixgen/matrixgen/github/githubtest"
	"github.com/matrixgen/matrixgen/matrix"
)

// Actions puts GitHub Actions' workflow dispatch and runs endpoints, and
// GET /repos/{owner}/{repo}, in front of the github package's fake, which
// has the git data, pulls and releases. A dispatched run is listed
// in_progress for CompleteAfter list calls, then completes with
// Conclusion; on success the driver-build workflow's artifact (the
// deb-rpm preset's name) is published in a new release
// drivers-<driver version>-<n>, as the shipped workflow does.
type Actions struct {
	*githubtest.Server
	// ReturnRunDetails answers dispatches with 200 and the run (github.com);
	// false answers 204 (GitHub Enterprise).
	ReturnRunDetails bool
	// RefuseRunDetails answers a dispatch that asks for return_run_details
	// with 422, as a GitHub that does not know the field.
	RefuseRunDetails bool
	CompleteAfter    int
	Conclusion       string // default "success"

	mu         sync.Mutex
	runs       []*actionRun
	dispatches int
	listCalls  int
	nextRel    int
}

type actionRun struct {
	id         int64
	title      string
	inputs     map[string]string
	status     string
	conclusion string
	created    time.Time
	polls      int
}

// NewActions wraps s.
func NewActions(s *githubtest.Server) *Actions {
	return &Actions{Server: s, ReturnRunDetails: true, Conclusion: "success"}
}

// SetCompleteAfter changes CompleteAfter while the fake serves.
func (a *Actions) SetCompleteAfter(n int) { a.mu.Lock(); defer a.mu.Unlock(); a.CompleteAfter = n }

// Dispatches and ListCalls count requests to those endpoints.
func (a *Actions) Dispatches() int { a.mu.Lock(); defer a.mu.Unlock(); return a.dispatches }
func (a *Actions) ListCalls() int  { a.mu.Lock(); defer a.mu.Unlock(); return a.listCalls }

func (a *Actions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/api/v3")
	repo := "/repos/" + a.Owner + "/" + a.Repo
	switch {
	case r.Method == "GET" && p == repo:
		writeJSON(w, 200, map[string]any{"full_name": a.Owner + "/" + a.Repo})
	case r.Method == "POST" && strings.HasPrefix(p, repo+"/actions/workflows/") && strings.HasSuffix(p, "/dispatches"):
		a.dispatch(w, r)
	case r.Method == "GET" && strings.HasPrefix(p, repo+"/actions/workflows/") && strings.HasSuffix(p, "/runs"):
		a.list(w, r)
	case r.Method == "GET" && strings.HasPrefix(p, repo+"/releases/") && strings.HasSuffix(p, "/assets"):
		// The git fake lists asset names only; add the download URL.
		rec := httptest.NewRecorder()
		a.Server.ServeHTTP(rec, r)
		var assets []map[string]any
		if rec.Code == 200 && json.Unmarshal(rec.Body.Bytes(), &assets) == nil {
			for _, as := range assets {
				as["browser_download_url"] = fmt.Sprintf("https://github.example/%s/%s/releases/download/%v/%v", a.Owner, a.Repo, strings.Split(p, "/")[5], as["name"])
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			writeJSON(w, 200, assets)
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	default:
		a.Server.ServeHTTP(w, r)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *Actions) dispatch(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Ref              string            `json:"ref"`
		Inputs           map[string]string `json:"inputs"`
		ReturnRunDetails *bool             `json:"return_run_details"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Ref == "" {
		writeJSON(w, 422, map[string]any{"message": "Invalid request: ref is required"})
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.RefuseRunDetails && body.ReturnRunDetails != nil {
		writeJSON(w, 422, map[string]any{"message": "Invalid request.\n\n\"return_run_details\" is not a permitted key.", "documentation_url": "https://docs.github.com/rest"})
		return
	}
	a.dispatches++
	in := body.Inputs
	run := &actionRun{id: int64(5000 + len(a.runs)), inputs: in, status: "queued", created: time.Now().UTC(),
		// driver-build.yml's run-name
		title: strings.Join([]string{"driver-build", in["build_id"], in["distribution"], in["distro_version"], in["architecture"], in["kernel_version"], in["driver_version"]}, " ")}
	a.runs = append(a.runs, run)
	if a.ReturnRunDetails && body.ReturnRunDetails != nil && *body.ReturnRunDetails {
		writeJSON(w, 200, map[string]any{"workflow_run_id": run.id, "run_url": fmt.Sprintf("https://api.github.example/repos/%s/%s/actions/runs/%d", a.Owner, a.Repo, run.id), "html_url": a.runURL(run.id)})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *Actions) runURL(id int64) string {
	return fmt.Sprintf("https://github.example/%s/%s/actions/runs/%d", a.Owner, a.Repo, id)
}

func (a *Actions) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var since time.Time
	if c, ok := strings.CutPrefix(q.Get("created"), ">="); ok {
		since, _ = time.Parse(time.RFC3339, c)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.listCalls++
	out := []map[string]any{}
	for _, run := range a.runs {
		if q.Get("event") != "" && q.Get("event") != "workflow_dispatch" {
			continue
		}
		if run.created.Before(since.Truncate(time.Second)) {
			continue
		}
		if run.status != "completed" {
			run.polls++
			run.status = "in_progress"
			if run.polls > a.CompleteAfter {
				run.status, run.conclusion = "completed", a.Conclusion
				if run.conclusion == "success" {
					a.publish(run.inputs)
				}
			}
		}
		m := map[string]any{"id": run.id, "name": "driver-build", "display_title": run.title, "html_url": a.runURL(run.id),
			"status": run.status, "event": "workflow_dispatch", "created_at": run.created.Format(time.RFC3339)}
		if run.conclusion != "" {
			m["conclusion"] = run.conclusion
		}
		out = append(out, m)
	}
	writeJSON(w, 200, map[string]any{"total_count": len(out), "workflow_runs": out})
}

// publish uploads the build's artifact as the shipped workflow names it.
func (a *Actions) publish(in map[string]string) {
	k, err := matrixgen.Make(matrixgen.Spec{Target: in["distribution"], Arch: matrixgen.Arch(in["architecture"]), Release: in["kernel_version"], DistroVersion: in["distro_version"]})
	if err != nil {
		return
	}
	es, err := matrix.Build([]matrixgen.Kernel{k}, matrix.Options{DriverVersions: []string{in["driver_version"]}})
	if err != nil {
		return
	}
	a.nextRel++
	_ = a.AddRelease(fmt.Sprintf("drivers-%s-%d", in["driver_version"], a.nextRel), []string{github.AssetName(es[0].Artifact)})
}
