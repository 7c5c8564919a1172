package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/matrixgen/matrixgen"
)

// activeStates are the job states River's uniqueness covers here: never
// completed, discarded or cancelled (River's default includes completed,
// which would block the next follow job, or a retry of a key, for a day).
var activeStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// dispatchArgs: dispatch the workflow for one build.
type dispatchArgs struct {
	BuildID string `json:"build_id"`
}

func (dispatchArgs) Kind() string { return "matrixgen_dispatch" }
func (dispatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: activeStates}}
}

// followArgs: the one follow job. It polls GitHub once for every build in
// flight and snoozes for the poll interval; unique over active states, so
// however many replicas start, one exists.
type followArgs struct{}

func (followArgs) Kind() string { return "matrixgen_follow" }
func (followArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1000, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: activeStates}}
}

// prArgs: run the PR bot for one kernel.
type prArgs struct {
	BuildID       string `json:"build_id"`
	Distribution  string `json:"distribution"`
	DistroVersion string `json:"distro_version"`
	Arch          string `json:"arch"`
	Release       string `json:"release"`
	KernelVersion string `json:"kernel_version"`
	SeenBy        string `json:"seen_by"`
	RunURL        string `json:"run_url,omitempty"`
}

func (prArgs) Kind() string { return "matrixgen_prbot" }
func (prArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: activeStates}}
}

type dispatchWorker struct {
	river.WorkerDefaults[dispatchArgs]
	s *Service
}

// Work dispatches once: a build already past queued is left alone, and a
// build whose dispatch had started (a crash, or an error after GitHub
// accepted it) is first looked for among the runs by its id.
func (w *dispatchWorker) Work(ctx context.Context, job *river.Job[dispatchArgs]) error {
	s := w.s
	b, err := s.be.get(ctx, job.Args.BuildID)
	if errors.Is(err, errNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if b.State != StateQueued {
		return nil
	}
	if !b.DispatchStarted.IsZero() {
		runs, err := s.gh.ListRuns(ctx, b.DispatchStarted.Add(-time.Minute))
		if err != nil {
			return fmt.Errorf("build %s: list runs: %w", b.ID, err)
		}
		if r, ok := s.runFor(runs, b); ok {
			s.log.InfoContext(ctx, "dispatch already done, run found by build id", "build", b.ID, "run", r.ID)
			_, err := s.be.markInProgress(ctx, b.ID, Dispatched{RunID: r.ID, RunURL: r.URL}, s.cfg.Now())
			return err
		}
	}
	if err := s.be.markDispatchStarted(ctx, b.ID, s.cfg.Now()); err != nil {
		return err
	}
	d, err := s.gh.Dispatch(ctx, DispatchInputs{
		BuildID: b.ID, Distribution: b.Distribution, DistroVersion: b.DistroVersion, Arch: b.Arch,
		KernelRelease: b.Release, KernelVersion: b.KernelVersion, DriverVersion: b.DriverVersion, Artifact: b.Artifact,
	})
	if err != nil {
		return fmt.Errorf("build %s: dispatch: %w", b.ID, err)
	}
	now := s.cfg.Now()
	ok, err := s.be.markInProgress(ctx, b.ID, d, now)
	if err != nil {
		return err
	}
	if !ok {
		// The build ended (timed out) while GitHub was accepting the
		// dispatch: the run goes on unrecorded. Say so, so its run is not
		// a mystery; a successful one publishes the artifact, which the
		// next request for the key finds in the release.
		s.log.WarnContext(ctx, "dispatched a build that had already ended; its run is not followed", "build", b.ID, "key", b.Key, "run", d.RunID, "run_url", d.RunURL)
		return nil
	}
	s.m.dispatchLatency.Observe(now.Sub(b.CreatedAt).Seconds())
	s.log.InfoContext(ctx, "dispatched", "build", b.ID, "key", b.Key, "run", d.RunID)
	return nil
}

// runFor finds b's run: by id when the dispatch returned one, and only
// by it; else by the build id in the run-name of a workflow_dispatch run
// of the build workflow. Any workflow's run title can hold a build id (a
// pull request's CI, for one): that alone never ends a build.
func (s *Service) runFor(runs []Run, b Build) (Run, bool) {
	for _, r := range runs {
		if b.RunID != 0 {
			if r.ID == b.RunID {
				return r, true
			}
			continue
		}
		if strings.Contains(r.Name, b.ID) && s.buildRun(r) {
			return r, true
		}
	}
	return Run{}, false
}

// buildRun says whether r is a dispatch of the build workflow.
func (s *Service) buildRun(r Run) bool {
	p, _, _ := strings.Cut(r.Path, "@")
	return r.Event == "workflow_dispatch" && p == WorkflowPath(s.cfg.Workflow)
}

type followWorker struct {
	river.WorkerDefaults[followArgs]
	s *Service
}

// Work is one poll: timeouts first, then one list-runs call for every
// build in flight, then sleep (snooze) for the poll interval. It never
// completes, so a build enqueued while it runs is never missed.
func (w *followWorker) Work(ctx context.Context, job *river.Job[followArgs]) error {
	if err := w.s.poll(ctx); err != nil {
		w.s.log.WarnContext(ctx, "poll failed; next poll after the interval", "err", err)
	}
	return river.JobSnooze(w.s.cfg.PollInterval)
}

func (s *Service) poll(ctx context.Context) error {
	builds, err := s.be.active(ctx)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	var since time.Time
	var follow []Build
	for _, b := range builds {
		start := b.CreatedAt
		if !b.DispatchedAt.IsZero() {
			start = b.DispatchedAt
		}
		if now.Sub(start) >= s.cfg.BuildTimeout {
			s.end(ctx, b, StateTimedOut, "", fmt.Sprintf("no result within the build timeout (%s)", s.cfg.BuildTimeout))
			continue
		}
		if b.State != StateInProgress {
			continue
		}
		follow = append(follow, b)
		if since.IsZero() || b.DispatchedAt.Before(since) {
			since = b.DispatchedAt
		}
	}
	if len(follow) == 0 {
		return nil
	}
	// GitHub's created>= is to the second; a minute of slack covers clock skew.
	runs, err := s.gh.ListRuns(ctx, since.Add(-time.Minute))
	if err != nil {
		return fmt.Errorf("list runs for %d builds: %w", len(follow), err)
	}
	for _, b := range follow {
		r, ok := s.runFor(runs, b)
		if !ok {
			continue
		}
		if b.RunID == 0 {
			// Found by its run-name: record it, so that from now on only
			// this run id ends the build (and GET /status shows its URL).
			if err := s.be.recordRun(ctx, b.ID, r.ID, r.URL); err != nil {
				s.log.WarnContext(ctx, "recording a build's run failed; next poll retries", "build", b.ID, "err", err)
			} else {
				b.RunID, b.RunURL = r.ID, r.URL
			}
		}
		s.runEnded(ctx, b, r)
	}
	return nil
}

// runEnded applies a run's state to its build: the poller and the
// webhook both call it.
func (s *Service) runEnded(ctx context.Context, b Build, r Run) {
	if r.Status != "completed" {
		return
	}
	if b.RunID == 0 {
		b.RunID, b.RunURL = r.ID, r.URL
	}
	if r.Conclusion != "success" {
		s.end(ctx, b, StateError, "", fmt.Sprintf("workflow run concluded %s: %s", r.Conclusion, r.URL))
		return
	}
	url, ok, err := s.assets.find(ctx, b.DriverVersion, b.Artifact, 0)
	switch {
	case err != nil:
		s.log.WarnContext(ctx, "run succeeded, release listing failed; next poll retries", "build", b.ID, "err", err)
	case !ok:
		s.end(ctx, b, StateError, "", fmt.Sprintf("workflow run succeeded but no release of driver version %s holds %s: %s", b.DriverVersion, b.Artifact, r.URL))
	default:
		s.end(ctx, b, StateDone, url, "")
	}
}

func (s *Service) end(ctx context.Context, b Build, state, url, reason string) {
	now := s.cfg.Now()
	ok, err := s.be.finish(ctx, b, state, url, reason, now)
	if err != nil {
		s.log.WarnContext(ctx, "recording a build's end failed; next poll retries", "build", b.ID, "err", err)
		return
	}
	if ok {
		start := b.CreatedAt
		if !b.DispatchedAt.IsZero() {
			start = b.DispatchedAt
		}
		s.m.buildDuration.WithLabelValues(state).Observe(now.Sub(start).Seconds())
		s.log.InfoContext(ctx, "build ended", "build", b.ID, "key", b.Key, "state", state, slog.String("reason", reason))
	}
}

type prWorker struct {
	river.WorkerDefaults[prArgs]
	s *Service
}

func (w *prWorker) Work(ctx context.Context, job *river.Job[prArgs]) error {
	a := job.Args
	k, err := matrixgen.Make(matrixgen.Spec{Target: a.Distribution, Arch: matrixgen.Arch(a.Arch), Release: a.Release, DistroVersion: a.DistroVersion, KernelVersion: a.KernelVersion})
	if err != nil {
		return river.JobCancel(fmt.Errorf("build %s: %w", a.BuildID, err))
	}
	if err := w.s.gh.AddKernel(ctx, k, KernelPR{SeenBy: a.SeenBy, BuildID: a.BuildID, RunURL: a.RunURL}); err != nil {
		return fmt.Errorf("build %s: PR bot: %w", a.BuildID, err)
	}
	return nil
}
