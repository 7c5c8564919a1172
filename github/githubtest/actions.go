package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Run is a workflow run as the fake keeps it.
type Run struct {
	ID         int64
	Workflow   string // file name, e.g. "driver-build.yml"
	Ref        string
	Name       string // the rendered run-name
	Event      string // "workflow_dispatch"
	Status     string // queued, in_progress, completed
	Conclusion string // success, failure, cancelled, ... when completed
	Inputs     map[string]string
	Created    time.Time
}

// AddWorkflow makes file (e.g. "driver-build.yml") a workflow that can be
// dispatched; runName renders its run-name from the inputs, as GitHub
// renders the workflow's run-name expression (nil: the file name).
func (s *Server) AddWorkflow(file string, runName func(inputs map[string]string) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.workflows == nil {
		s.workflows = map[string]func(map[string]string) string{}
	}
	s.workflows[file] = runName
}

// SetNow sets the fake's clock for run creation times (default time.Now).
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Runs returns copies of every run, oldest first.
func (s *Server) Runs() []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Run, 0, len(s.runs))
	for _, r := range s.runs {
		c := *r
		out = append(out, c)
	}
	return out
}

// SetRunStatus moves run id along: status queued, in_progress or
// completed (with a conclusion).
func (s *Server) SetRunStatus(id int64, status, conclusion string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.runs {
		if r.ID == id {
			r.Status, r.Conclusion = status, conclusion
		}
	}
}

func (s *Server) actionRoutes(m *http.ServeMux) {
	p := "/repos/{owner}/{repo}"
	m.HandleFunc("POST "+p+"/actions/workflows/{workflow}/dispatches", s.dispatch)
	m.HandleFunc("GET "+p+"/actions/runs", s.listRuns)
	m.HandleFunc("GET "+p+"/actions/runs/{id}", s.getRun)
}

// dispatch is "Create a workflow dispatch event": 204 No Content, or 200
// with the run's id and URLs when return_run_details is true; 404 for an
// unknown workflow, 422 for a ref that does not exist or inputs that are
// not strings.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	var in struct {
		Ref              string                     `json:"ref"`
		Inputs           map[string]json.RawMessage `json:"inputs"`
		ReturnRunDetails bool                       `json:"return_run_details"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	file := r.PathValue("workflow")
	namer, ok := s.workflows[file]
	if !ok {
		errJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	branch := strings.TrimPrefix(in.Ref, "refs/heads/")
	if _, ok := s.refs[branch]; !ok {
		errJSON(w, http.StatusUnprocessableEntity, "No ref found for: "+in.Ref)
		return
	}
	if len(in.Inputs) > 25 {
		errJSON(w, http.StatusUnprocessableEntity, "you may only define up to 25 `inputs` for a `workflow_dispatch` event")
		return
	}
	inputs := map[string]string{}
	for k, raw := range in.Inputs {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			errJSON(w, http.StatusUnprocessableEntity, fmt.Sprintf("For 'properties/%s', %s is not a string.", k, raw))
			return
		}
		inputs[k] = v
	}
	now := time.Now
	if s.now != nil {
		now = s.now
	}
	name := file
	if namer != nil {
		name = namer(inputs)
	}
	run := &Run{ID: int64(len(s.runs) + 1), Workflow: file, Ref: branch, Name: name, Event: "workflow_dispatch", Status: "queued", Inputs: inputs, Created: now().UTC()}
	s.runs = append(s.runs, run)
	if !in.ReturnRunDetails {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"workflow_run_id": run.ID, "run_url": s.runAPIURL(r, run.ID), "html_url": s.runHTMLURL(run.ID)})
}

func (s *Server) runAPIURL(r *http.Request, id int64) string {
	return fmt.Sprintf("http://%s/repos/%s/%s/actions/runs/%d", r.Host, s.Owner, s.Repo, id)
}

func (s *Server) runHTMLURL(id int64) string {
	return fmt.Sprintf("https://github.invalid/%s/%s/actions/runs/%d", s.Owner, s.Repo, id)
}

func (s *Server) runJSON(r *http.Request, run *Run) map[string]any {
	out := map[string]any{"id": run.ID, "name": run.Name, "display_title": run.Name, "event": run.Event, "status": run.Status,
		"head_branch": run.Ref, "path": ".github/workflows/" + run.Workflow, "created_at": run.Created.Format(time.RFC3339),
		"url": s.runAPIURL(r, run.ID), "html_url": s.runHTMLURL(run.ID)}
	if run.Conclusion != "" {
		out["conclusion"] = run.Conclusion
	} else {
		out["conclusion"] = nil
	}
	return out
}

// listRuns is "List workflow runs for a repository" with the event,
// status (a status or a conclusion) and created (">=TIME") filters,
// newest first, paginated as GitHub does.
func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	q := r.URL.Query()
	var after time.Time
	if c := q.Get("created"); c != "" {
		t, err := time.Parse(time.RFC3339, strings.TrimPrefix(c, ">="))
		if err != nil || !strings.HasPrefix(c, ">=") {
			errJSON(w, http.StatusUnprocessableEntity, "githubtest: created supports >=RFC3339 only")
			return
		}
		after = t
	}
	s.mu.Lock()
	var items []map[string]any
	for i := len(s.runs) - 1; i >= 0; i-- {
		run := s.runs[i]
		if e := q.Get("event"); e != "" && e != run.Event {
			continue
		}
		if st := q.Get("status"); st != "" && st != run.Status && st != run.Conclusion {
			continue
		}
		if run.Created.Before(after) {
			continue
		}
		items = append(items, s.runJSON(r, run))
	}
	s.mu.Unlock()
	if items == nil {
		items = []map[string]any{}
	}
	pageWrapped(w, r, items, func(page []map[string]any) any {
		return map[string]any{"total_count": len(items), "workflow_runs": page}
	})
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	if !s.repo(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, run := range s.runs {
		if run.ID == id {
			writeJSON(w, http.StatusOK, s.runJSON(r, run))
			return
		}
	}
	errJSON(w, http.StatusNotFound, "Not Found")
}
