package github

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/inputs"
)

// DefaultMaxPRs is Batch.MaxPRs's default: the new per-kernel PRs one run
// opens at most.
const DefaultMaxPRs = 20

// Batch says how AddKernels works through many kernels.
type Batch struct {
	// SinglePR makes one PR from the day's branch add-kernels/<YYYY-MM-DD>
	// (UTC, by the client's clock) instead of one per kernel.
	SinglePR bool
	// MaxPRs bounds the new per-kernel PRs one run opens (default
	// DefaultMaxPRs): the kernels after it are deferred to the next run.
	MaxPRs int
	// IncludeHeaderless adds crawled kernels listed with no header source
	// too (Run.AddKernels leaves them out and names them by default).
	IncludeHeaderless bool
	// Report, when set, is called with each branch's result as it is known,
	// or with the *BranchConflictError of a kernel whose branch the bot did not
	// write (the other kernels are still done).
	Report func(Result, error)
}

// BatchOutcome is what AddKernels did.
type BatchOutcome struct {
	Results    []Result
	Opened     int // PRs opened (or planned, in a dry run)
	Collisions int
	// Deferred are the kernels left for the next run: MaxPRs was reached.
	Deferred []matrixgen.Key
	// LeftOut (SinglePR) are the kernels with an open per-kernel PR.
	LeftOut []LeftOut
}

// BatchError is a batch that did not do everything: name collisions
// (exit 1) or kernels deferred to the next run (exit 3, partial).
type BatchError struct {
	Code int
	Msg  string
}

func (e *BatchError) Error() string { return e.Msg }

// ExitCode is 1 for collisions, 3 for a partial run (README "Exit codes").
func (e *BatchError) ExitCode() int { return e.Code }

// ExitCode is 1: the bot never force-pushes over a branch it did not write.
func (e *BranchConflictError) ExitCode() int { return 1 }

// Err is nil when every kernel was done, else a *BatchError.
func (o *BatchOutcome) Err() error {
	switch {
	case o.Collisions > 0:
		return &BatchError{1, fmt.Sprintf("%d name collisions (above); the other kernels were done", o.Collisions)}
	case len(o.Deferred) > 0:
		return &BatchError{3, fmt.Sprintf("%d kernels deferred to the next run (the PR budget of one run is spent)", len(o.Deferred))}
	}
	return nil
}

// AddKernels adds every kernel of changes that kernels.json on the base
// lacks, in matrixgen.Compare order: one PR per kernel (AddKernel) up to
// b.MaxPRs new ones, counting name collisions and going on past them, or
// one PR for all (AddKernelsSingle). The error is GitHub's, which stops
// the run; how the batch ended is BatchOutcome.Err.
func (c *Client) AddKernels(ctx context.Context, opts BotOptions, changes []KernelChange, b Batch) (*BatchOutcome, error) {
	changes = slices.Clone(changes)
	slices.SortFunc(changes, func(a, b KernelChange) int { return matrixgen.Compare(a.Kernel, b.Kernel) })
	report := b.Report
	if report == nil {
		report = func(Result, error) {}
	}
	out := &BatchOutcome{}
	if b.SinglePR {
		res, err := c.AddKernelsSingle(ctx, opts, changes, c.clock.Now().UTC().Format("2006-01-02"))
		if err != nil {
			return nil, err
		}
		out.Results, out.LeftOut = []Result{res}, res.LeftOut
		report(res, nil)
		return out, nil
	}
	if b.MaxPRs <= 0 {
		b.MaxPRs = DefaultMaxPRs
	}
	for i, ch := range changes {
		if out.Opened >= b.MaxPRs {
			for _, rest := range changes[i:] {
				out.Deferred = append(out.Deferred, rest.Kernel.Key())
			}
			break
		}
		res, err := c.AddKernel(ctx, opts, ch)
		var ce *BranchConflictError
		switch {
		case errors.As(err, &ce):
			out.Collisions++
			report(res, err)
			continue
		case err != nil:
			return nil, err
		}
		out.Results = append(out.Results, res)
		report(res, nil)
		switch res.Status {
		case Created, PROpened, Planned:
			out.Opened++
		}
	}
	return out, nil
}

// From is what a --from document asks the bot to add.
type From struct {
	Changes []KernelChange
	// Problems are unusable entries of crawl output or a kernels.json, left
	// out.
	Problems []inputs.ProblemGroup
	// Headerless are crawled kernels listed with no header source
	// ("headers": []): a kernel in kernels.json is always built, and such a
	// build fails every time, so they are left out unless asked for (the
	// matrix's --include-headerless rule, applied where they would enter
	// kernels.json).
	Headerless []matrixgen.Kernel
}

// ChangesFrom reads the kernels to add from data (read from name): the
// output of `matrixgen diff --json` (its "added" kernels), crawl output
// (Falco list.json) or a kernels.json, told apart by content. Each change
// says where it was seen. Entries of crawl output or kernels.json that are
// unusable are left out and returned as problems; an unusable entry of a
// diff document fails the whole file. Headerless crawled kernels are left
// out (From.Headerless) unless includeHeaderless.
func ChangesFrom(data []byte, name string, includeHeaderless bool) (*From, error) {
	from := &From{}
	if added, isDiff, err := inputs.DiffAdded(data, name); isDiff {
		if err != nil {
			return nil, err
		}
		for _, k := range added {
			from.Changes = append(from.Changes, Change(k, name, "diff --json "+name))
		}
		return from, nil
	}
	set, err := inputs.Parse(data, name)
	if err != nil {
		return nil, err
	}
	for _, k := range set.Kernels {
		if !includeHeaderless && k.Headerless() {
			from.Headerless = append(from.Headerless, k)
			continue
		}
		seen := fmt.Sprintf("%s %s", set.Format, name)
		if set.Format == inputs.Falco {
			seen = "crawl output " + name
			if k.Origin != "" {
				seen = k.Origin + ", crawl output " + name
			}
		}
		from.Changes = append(from.Changes, Change(k, name, seen))
	}
	from.Problems = inputs.GroupProblems(set.Problems)
	return from, nil
}
