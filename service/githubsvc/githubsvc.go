package githubsvc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	gh "github.com/google/go-github/v93/github"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github"
	"github.com/matrixgen/matrixgen/service"
)

// DefaultReleaseTag is the tag glob of a driver version's releases: the
// shipped nightly publishes to drivers-<driver version>-N, a new N each
// time a release reaches GitHub's 1,000 assets.
const DefaultReleaseTag = "drivers-{driver_version}-*"

// maxRunPages bounds one ListRuns: 100 runs a page, GitHub's maximum.
const maxRunPages = 10

// Options say which repository, workflow and releases the service uses.
type Options struct {
	Client   *github.Client
	Repo     github.Repo
	Workflow string // the workflow file, e.g. "driver-build.yml"
	Ref      string // the ref the workflow runs on (default "main")
	// ReleaseTag is a path.Match glob; {driver_version} is replaced by the
	// driver version (default DefaultReleaseTag).
	ReleaseTag string
	Bot        github.BotOptions
}

// GitHub implements service.GitHub over the github package.
type GitHub struct{ o Options }

// New returns the adapter.
func New(o Options) *GitHub {
	if o.Ref == "" {
		o.Ref = "main"
	}
	if o.ReleaseTag == "" {
		o.ReleaseTag = DefaultReleaseTag
	}
	if o.Workflow == "" {
		o.Workflow = "driver-build.yml"
	}
	o.Bot.Repo = o.Repo
	return &GitHub{o: o}
}

var _ service.GitHub = (*GitHub)(nil)

// rateLimited marks an error the github package's policy gave up on
// because GitHub kept rate-limiting, for the service's metrics.
type rateLimited struct{ error }

func (rateLimited) RateLimited() bool { return true }
func (e rateLimited) Unwrap() error   { return e.error }

func wrap(err error) error {
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return rateLimited{err}
	}
	return err
}

func (g *GitHub) api() *gh.Client { return g.o.Client.API() }

// StoredName is github.AssetName: the name GitHub stores.
func (g *GitHub) StoredName(name string) string { return github.AssetName(name) }

// ReleaseAssets is every asset of every release whose tag matches the
// driver version's glob (github.Client.ListReleaseAssets: every page, 100
// a page): its download URL by stored name.
func (g *GitHub) ReleaseAssets(ctx context.Context, driverVersion string) (map[string]string, error) {
	glob := strings.ReplaceAll(g.o.ReleaseTag, "{driver_version}", driverVersion)
	ra, err := g.o.Client.ListReleaseAssets(ctx, g.o.Repo, glob)
	if err != nil {
		return nil, wrap(fmt.Errorf("release assets of driver version %s: %w", driverVersion, err))
	}
	return ra.URLs, nil
}

// Dispatch starts the workflow with return_run_details; a GitHub that
// refuses the request with it (400 or 422: GitHub Enterprise versions that
// predate the field) gets the plain dispatch, and the service finds the
// run by its run-name. A request bad for another reason fails again, so
// it never starts two runs.
func (g *GitHub) Dispatch(ctx context.Context, in service.DispatchInputs) (service.Dispatched, error) {
	inputs := map[string]any{
		"build_id": in.BuildID, "kernel_version": in.KernelRelease, "architecture": in.Arch,
		"distribution": in.Distribution, "distro_version": in.DistroVersion, "driver_version": in.DriverVersion,
	}
	r := g.o.Repo
	yes := true
	d, _, err := g.api().Actions.CreateWorkflowDispatchEventByFileName(ctx, r.Owner, r.Name, g.o.Workflow, gh.CreateWorkflowDispatchEventRequest{Ref: g.o.Ref, Inputs: inputs, ReturnRunDetails: &yes})
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && (er.Response.StatusCode == http.StatusUnprocessableEntity || er.Response.StatusCode == http.StatusBadRequest) {
		d, _, err = g.api().Actions.CreateWorkflowDispatchEventByFileName(ctx, r.Owner, r.Name, g.o.Workflow, gh.CreateWorkflowDispatchEventRequest{Ref: g.o.Ref, Inputs: inputs})
	}
	if err != nil {
		return service.Dispatched{}, wrap(fmt.Errorf("dispatch %s on %s: %w", g.o.Workflow, r, err))
	}
	if d == nil {
		return service.Dispatched{}, nil
	}
	return service.Dispatched{RunID: d.GetWorkflowRunID(), RunURL: d.GetHTMLURL()}, nil
}

// ListRuns lists the repository's workflow_dispatch runs created since
// and keeps the workflow's: one page holds 100, enough for the builds in
// flight of one service; more pages are read up to maxRunPages.
func (g *GitHub) ListRuns(ctx context.Context, since time.Time) ([]service.Run, error) {
	r := g.o.Repo
	opt := &gh.ListWorkflowRunsOptions{Event: "workflow_dispatch", Created: ">=" + since.UTC().Format(time.RFC3339), ListOptions: gh.ListOptions{PerPage: 100}}
	var out []service.Run
	for page := 0; page < maxRunPages; page++ {
		runs, resp, err := g.api().Actions.ListRepositoryWorkflowRuns(ctx, r.Owner, r.Name, opt)
		if err != nil {
			return nil, wrap(fmt.Errorf("list runs of %s: %w", r, err))
		}
		for _, w := range runs.WorkflowRuns {
			// path is ".github/workflows/driver-build.yml", sometimes with "@ref".
			if p, _, _ := strings.Cut(w.GetPath(), "@"); p != "" && path.Base(p) != g.o.Workflow {
				continue
			}
			out = append(out, service.Run{ID: w.GetID(), Name: w.GetDisplayTitle() + " " + w.GetName(), URL: w.GetHTMLURL(), Status: w.GetStatus(), Conclusion: w.GetConclusion(), CreatedAt: w.GetCreatedAt().Time,
				Path: w.GetPath(), Event: w.GetEvent()})
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	return out, nil
}

// AddKernel runs the PR bot; a kernel already in kernels.json or with an
// open PR is a no-op there. The PR names the build and its run.
func (g *GitHub) AddKernel(ctx context.Context, k matrixgen.Kernel, pr service.KernelPR) error {
	ch := github.Change(k, "POST /build", pr.SeenBy)
	ch.BuildID, ch.RunURL = pr.BuildID, pr.RunURL
	_, err := g.o.Client.AddKernel(ctx, g.o.Bot, ch)
	return wrap(err)
}

// Ping reads the repository.
func (g *GitHub) Ping(ctx context.Context) error {
	_, _, err := g.api().Repositories.Get(ctx, g.o.Repo.Owner, g.o.Repo.Name)
	return wrap(err)
}
