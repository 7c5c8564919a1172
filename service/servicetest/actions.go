package servicetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github"
	"github.com/matrixgen/matrixgen/github/githubtest"
	"github.com/matrixgen/matrixgen/matrix"
)

// Actions runs the driver-build workflow on the github package's fake,
// which answers GitHub's REST API (git data, pulls, releases, workflow
// dispatches and runs). What Actions adds is the workflow itself: each
// dispatched run is listed in_progress for CompleteAfter list calls, then
// completes with Conclusion, and on success the artifact (the deb-rpm
// preset's name, as GitHub stores it) is published in a new release
// drivers-<driver version>-<n>, as the shipped workflow does. It also adds
// the asset download URLs and GET /repos/{owner}/{repo}, which the fake
// does not serve.
type Actions struct {
	*githubtest.Server
	// ReturnRunDetails false drops return_run_details from dispatches, so
	// they get GitHub's 204 without the run (GitHub Enterprise).
	ReturnRunDetails bool
	// RefuseRunDetails answers a dispatch that asks for return_run_details
	// with 422, as a GitHub that does not know the field.
	RefuseRunDetails bool
	CompleteAfter    int
	Conclusion       string // default "success"

	mu        sync.Mutex
	polls     map[int64]int
	listCalls int
	nextRel   int
}

// Workflow is the workflow file Actions runs.
const Workflow = "driver-build.yml"

// NewActions makes driver-build.yml a workflow of s, with the shipped
// workflow's run-name, and returns s with Actions in front.
func NewActions(s *githubtest.Server) *Actions {
	s.AddWorkflow(Workflow, func(in map[string]string) string {
		return strings.Join([]string{"driver-build", in["build_id"], in["distribution"], in["distro_version"], in["architecture"], in["kernel_version"], in["driver_version"]}, " ")
	})
	return &Actions{Server: s, ReturnRunDetails: true, Conclusion: "success", polls: map[int64]int{}}
}

// SetCompleteAfter changes CompleteAfter while the fake serves.
func (a *Actions) SetCompleteAfter(n int) { a.mu.Lock(); defer a.mu.Unlock(); a.CompleteAfter = n }

// Dispatches counts the runs started; ListCalls the run listings.
func (a *Actions) Dispatches() int { return len(a.Runs()) }
func (a *Actions) ListCalls() int  { a.mu.Lock(); defer a.mu.Unlock(); return a.listCalls }

func (a *Actions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/api/v3")
	repo := "/repos/" + a.Owner + "/" + a.Repo
	switch {
	case r.Method == "GET" && p == repo:
		writeJSON(w, 200, map[string]any{"full_name": a.Owner + "/" + a.Repo})
		return
	case r.Method == "POST" && strings.HasSuffix(p, "/dispatches"):
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			if _, asked := m["return_run_details"]; asked && a.RefuseRunDetails {
				writeJSON(w, 422, map[string]any{"message": "Invalid request.\n\n\"return_run_details\" is not a permitted key.", "documentation_url": "https://docs.github.com/rest"})
				return
			}
			if !a.ReturnRunDetails {
				delete(m, "return_run_details")
				body, _ = json.Marshal(m)
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	case r.Method == "GET" && p == repo+"/actions/runs":
		a.advance()
	}
	a.Server.ServeHTTP(w, r)
}

// advance moves every unfinished run one poll along.
func (a *Actions) advance() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.listCalls++
	for _, run := range a.Runs() {
		if run.Status == "completed" {
			continue
		}
		a.polls[run.ID]++
		if a.polls[run.ID] <= a.CompleteAfter {
			a.SetRunStatus(run.ID, "in_progress", "")
			continue
		}
		a.SetRunStatus(run.ID, "completed", a.Conclusion)
		if a.Conclusion == "success" {
			a.publish(run.Inputs)
		}
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
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
