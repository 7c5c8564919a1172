package servicetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/service"
)

// Fate is what becomes of a dispatched run.
type Fate int

const (
	Succeed Fate = iota // completes with success and publishes the artifact
	Fail                // completes with failure
	Hang                // never completes
	Manual              // stays in progress until Complete is called
)

// GitHub is a fake GitHub for the service. The zero value is not usable:
// call New.
type GitHub struct {
	mu sync.Mutex
	// ReturnRunDetails makes Dispatch return the run (github.com does with
	// return_run_details); false behaves as GitHub Enterprise: 204, no run.
	ReturnRunDetails bool
	// Fate decides each dispatched run's end; default Succeed.
	Fate func(in service.DispatchInputs) Fate
	// CompleteAfter is how many ListRuns calls see a run in progress
	// before it completes (its fate decides how).
	CompleteAfter int
	// LoseAnswers is how many dispatches start their run but answer an
	// error, as when the connection drops after GitHub accepted it.
	LoseAnswers int

	assets     map[string]map[string]string // driver version → stored name → URL
	runs       []*run
	dispatches []service.DispatchInputs
	listCalls  []time.Time
	listings   int
	prs        []string
	foreign    []service.Run
	prInfo     []service.KernelPR
	now        func() time.Time
}

// WorkflowPath is the path of the fake's runs, as GitHub reports it.
const WorkflowPath = ".github/workflows/" + Workflow

// AddForeignRun lists r among the runs, as it is: a run of another
// workflow, or not a dispatch, which ListRuns on github.com would list
// too when it is the same workflow with another event.
func (g *GitHub) AddForeignRun(r service.Run) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.foreign = append(g.foreign, r)
}

type run struct {
	service.Run
	in    service.DispatchInputs
	fate  Fate
	polls int
}

// New returns an empty fake GitHub.
func New() *GitHub {
	return &GitHub{ReturnRunDetails: true, assets: map[string]map[string]string{}, now: time.Now}
}

// StoredName renames as GitHub does for the characters release names hold.
func (g *GitHub) StoredName(name string) string {
	return strings.NewReplacer("~", ".", "+", ".").Replace(name)
}

// Publish adds an asset to the driver version's release.
func (g *GitHub) Publish(driverVersion, name string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.publish(driverVersion, name)
}

// Unpublish deletes an asset from the driver version's release, as a
// maintainer cleaning up a release does.
func (g *GitHub) Unpublish(driverVersion, name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.assets[driverVersion], g.StoredName(name))
}

func (g *GitHub) publish(driverVersion, name string) string {
	if g.assets[driverVersion] == nil {
		g.assets[driverVersion] = map[string]string{}
	}
	stored := g.StoredName(name)
	url := "https://github.example/o/r/releases/download/" + driverVersion + "/" + stored
	g.assets[driverVersion][stored] = url
	return url
}

func (g *GitHub) ReleaseAssets(ctx context.Context, driverVersion string) (map[string]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.listings++
	out := map[string]string{}
	for k, v := range g.assets[driverVersion] {
		out[k] = v
	}
	return out, nil
}

func (g *GitHub) Dispatch(ctx context.Context, in service.DispatchInputs) (service.Dispatched, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.dispatches = append(g.dispatches, in)
	id := int64(1000 + len(g.runs))
	r := &run{Run: service.Run{ID: id, Name: "driver-build " + in.BuildID, URL: fmt.Sprintf("https://github.example/o/r/actions/runs/%d", id), Status: "queued", CreatedAt: g.now(),
		Path: WorkflowPath, Event: "workflow_dispatch"}, in: in}
	if g.Fate != nil {
		r.fate = g.Fate(in)
	}
	g.runs = append(g.runs, r)
	if g.LoseAnswers > 0 {
		g.LoseAnswers--
		return service.Dispatched{}, fmt.Errorf("POST dispatches: connection reset after the request was sent")
	}
	if !g.ReturnRunDetails {
		return service.Dispatched{}, nil
	}
	return service.Dispatched{RunID: id, RunURL: r.URL}, nil
}

func (g *GitHub) ListRuns(ctx context.Context, since time.Time) ([]service.Run, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.listCalls = append(g.listCalls, g.now())
	var out []service.Run
	for _, r := range g.runs {
		if r.CreatedAt.Before(since) {
			continue
		}
		if r.Status != "completed" && r.fate != Manual {
			r.polls++
			r.Status = "in_progress"
			if r.polls > g.CompleteAfter {
				g.finish(r)
			}
		}
		out = append(out, r.Run)
	}
	// Added later, so newer: listed first, as GitHub lists runs.
	return append(append([]service.Run(nil), g.foreign...), out...), nil
}

func (g *GitHub) finish(r *run) {
	switch r.fate {
	case Succeed:
		g.publish(r.in.DriverVersion, r.in.Artifact)
		r.Status, r.Conclusion = "completed", "success"
	case Fail:
		r.Status, r.Conclusion = "completed", "failure"
	}
}

// Complete ends a Manual run of a build as conclusion says ("success"
// publishes the artifact) and returns the run.
func (g *GitHub) Complete(buildID, conclusion string) (service.Run, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range g.runs {
		if r.in.BuildID == buildID {
			if conclusion == "success" {
				g.publish(r.in.DriverVersion, r.in.Artifact)
			}
			r.Status, r.Conclusion = "completed", conclusion
			return r.Run, true
		}
	}
	return service.Run{}, false
}

func (g *GitHub) AddKernel(ctx context.Context, k matrixgen.Kernel, pr service.KernelPR) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.prs = append(g.prs, k.Key().String()+" ("+pr.SeenBy+")")
	g.prInfo = append(g.prInfo, pr)
	return nil
}

// PRInfos returns what each PR bot run was told about its build.
func (g *GitHub) PRInfos() []service.KernelPR {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]service.KernelPR(nil), g.prInfo...)
}

func (g *GitHub) Ping(ctx context.Context) error { return nil }

// Dispatches returns every dispatch so far.
func (g *GitHub) Dispatches() []service.DispatchInputs {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]service.DispatchInputs(nil), g.dispatches...)
}

// Listings counts ReleaseAssets calls.
func (g *GitHub) Listings() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.listings
}

// ListCalls returns the time of every ListRuns call.
func (g *GitHub) ListCalls() []time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]time.Time(nil), g.listCalls...)
}

// PRs returns the PR bot's kernels, "distribution/version/arch/release (seen by)".
func (g *GitHub) PRs() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.prs...)
}
