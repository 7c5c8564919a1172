package github

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	gh "github.com/google/go-github/v93/github"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/kernelsfile"
)

// KernelChange is a kernel the bot adds, with what its PR says about it.
type KernelChange struct {
	Kernel matrixgen.Kernel
	// Rule is the rule that derived the distro version ("ubuntu ~YY.MM
	// in kernel version"), or how it was given.
	Rule string
	// Seen says where the kernel was seen: a crawl source, livepatch,
	// Koji, an on-demand build.
	Seen string
	// BuildID and RunURL name the on-demand build (matrixgen serve) that
	// built the kernel and its workflow run ("" when none); the PR body
	// links them, so a reviewer sees the build that asked for the kernel.
	BuildID, RunURL string
}

// Change is the change adding k, seen where seen says: its Rule is the
// derivation rule of k's distro version, or, when the version was given
// (by givenBy) rather than derivable, says so.
func Change(k matrixgen.Kernel, givenBy, seen string) KernelChange {
	rule, ok := k.Rule()
	if !ok {
		rule = "given by " + givenBy + ", checked against the release"
	}
	return KernelChange{Kernel: k, Rule: rule, Seen: seen}
}

// ClosedPolicy is what the bot does when the kernel's branch had a PR
// that was closed without being merged (someone decided against it).
type ClosedPolicy string

const (
	// ClosedSkip (the default) reports it and does nothing: a person
	// closed that PR; reopening it is theirs to do.
	ClosedSkip ClosedPolicy = "skip"
	// ClosedReopen opens a new PR from the same branch (the bot's commit
	// is still there; nothing is pushed).
	ClosedReopen ClosedPolicy = "reopen"
)

// BotOptions say where the bot works.
type BotOptions struct {
	Repo Repo
	// Base is the branch PRs target (default "main").
	Base string
	// KernelsPath is kernels.json's path in the repository (default "kernels.json").
	KernelsPath string
	// DryRun sends no write: the plan is written to Plan.
	DryRun bool
	Plan   io.Writer
	// OnClosed defaults to ClosedSkip.
	OnClosed ClosedPolicy
}

func (o BotOptions) withDefaults() BotOptions {
	if o.Base == "" {
		o.Base = "main"
	}
	if o.KernelsPath == "" {
		o.KernelsPath = "kernels.json"
	}
	if o.OnClosed == "" {
		o.OnClosed = ClosedSkip
	}
	if o.Plan == nil {
		o.Plan = io.Discard
	}
	return o
}

// Status is what a bot run did.
type Status string

const (
	Created     Status = "created"         // this run made the branch, its commit and the PR
	Updated     Status = "updated"         // --single-pr: a new commit on the day's branch
	InBase      Status = "already-in-base" // kernels.json on the base branch has it
	PROpen      Status = "pr-open"         // the branch exists with an open PR
	PROpened    Status = "pr-opened"       // the bot's branch existed without a PR; this run opened it
	ByOther     Status = "done-by-another" // another run created the branch or the PR first
	PRClosed    Status = "pr-closed"       // a PR for it was closed; nothing done (ClosedSkip)
	Planned     Status = "planned"         // --dry-run
	NothingToDo Status = "nothing-to-do"   // --single-pr: the branch holds every kernel and has an open PR
)

// Result is the outcome for one branch.
type Result struct {
	Status  Status
	Branch  string
	Kernels []matrixgen.Key
	PR      int    // 0 when none
	PRURL   string // "" when none
	Commit  string // the commit this run made, "" when none
	// Detail says why, in words, e.g. "PR #12 is open".
	Detail string
	// LeftOut are the kernels AddKernelsSingle left out because a
	// per-kernel PR for them is open (merging both would add them twice).
	LeftOut []LeftOut
}

// LeftOut is a kernel left out of a --single-pr batch, with its open PR.
type LeftOut struct {
	Kernel matrixgen.Key
	Branch string
	PR     int
	PRURL  string
}

// BranchConflictError is a branch with the bot's name whose content the bot
// did not write: another kernel (a name collision) or commits made by
// someone else. The bot never force-pushes over it.
type BranchConflictError struct {
	Branch string
	Kernel matrixgen.Key
	Why    string
}

func (e *BranchConflictError) Error() string {
	return fmt.Sprintf("branch %s exists but %s: not touching it (kernel %s)", e.Branch, e.Why, e.Kernel)
}

// Title is the PR title and commit subject for changes.
func Title(changes []KernelChange) string {
	if len(changes) == 1 {
		k := changes[0].Kernel
		return fmt.Sprintf("kernels.json: add %s %s %s %s", k.Distribution, k.DistroVersion, k.Arch, k.Release)
	}
	return fmt.Sprintf("kernels.json: add %d kernels", len(changes))
}

// Body is the PR body: each kernel, its derived distro version, the rule
// that derived it and where it was seen.
func Body(changes []KernelChange, branch string) string {
	var b strings.Builder
	if len(changes) == 1 {
		b.WriteString("Adds one kernel to `kernels.json`.\n\n")
	} else {
		fmt.Fprintf(&b, "Adds %d kernels to `kernels.json`.\n\n", len(changes))
	}
	b.WriteString("| distribution | distro version | arch | kernel release | flavor | distro version rule | seen in |\n|---|---|---|---|---|---|---|\n")
	for _, c := range changes {
		k := c.Kernel
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` | %s | %s | %s |\n", k.Distribution, k.DistroVersion, k.Arch, k.Release, orDash(k.Flavor), orDash(cell(c.Rule)), orDash(cell(c.Seen)))
	}
	for _, c := range changes {
		if c.BuildID == "" {
			continue
		}
		run := "no workflow run (the artifact was already released)"
		if c.RunURL != "" {
			run = "workflow run " + c.RunURL
		}
		fmt.Fprintf(&b, "\nBuilt on demand for %s: build `%s`, %s.\n", c.Kernel.Key(), cell(c.BuildID), cell(run))
	}
	fmt.Fprintf(&b, "\nOpened by `matrixgen pr` from branch `%s`. The bot adds commits to its branches and never force-pushes them.\n", branch)
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cell keeps free text from breaking the table.
func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ").Replace(s)
}

// commitMessage is what the bot's commit says; the bot recognises its own
// commit by it.
func commitMessage(changes []KernelChange) string {
	return Title(changes) + "\n\nAdded by matrixgen pr.\n"
}

// base reads the base branch's head and kernels.json. A malformed or
// contradictory kernels.json is an error, before anything is written.
func (c *Client) base(ctx context.Context, o BotOptions) (sha string, data []byte, kernels []matrixgen.Kernel, err error) {
	sha, ok, err := c.branchHead(ctx, o.Repo, o.Base)
	if err != nil {
		return "", nil, nil, c.tokenHint(err, o.Repo)
	}
	if !ok {
		err := fmt.Errorf("base branch %s of %s: not found", o.Base, o.Repo)
		if !c.hasToken {
			err = fmt.Errorf("%w (404)%s", err, noTokenHint(o.Repo))
		}
		return "", nil, nil, err
	}
	data, kernels, err = c.kernelsAt(ctx, o, sha, o.Base)
	return sha, data, kernels, err
}

// kernelsAt reads and parses kernels.json at commit (a missing file holds
// no kernels); name is the branch, for messages.
func (c *Client) kernelsAt(ctx context.Context, o BotOptions, commit, branch string) ([]byte, []matrixgen.Kernel, error) {
	data, ok, err := c.readFile(ctx, o.Repo, commit, o.KernelsPath)
	if err != nil || !ok {
		return nil, nil, err
	}
	ks, err := kernelsfile.Parse(data, fmt.Sprintf("%s:%s:%s", o.Repo, branch, o.KernelsPath))
	if err != nil {
		return nil, nil, fmt.Errorf("kernels file on %s (nothing was sent): %w", branch, err)
	}
	return data, ks, nil
}

func has(ks []matrixgen.Kernel, k matrixgen.Key) bool {
	return slices.ContainsFunc(ks, func(h matrixgen.Kernel) bool { return h.Key() == k })
}

// AddKernel runs the PR bot for one kernel: one branch (KernelBranch), one
// commit, one PR. It is idempotent and safe to race: a kernel already on
// the base branch, or a branch with an open PR, is left alone; another
// run that created the branch or the PR first is success ("Reference
// already exists", "A pull request already exists for ..."); a branch
// with anything else on it is a *BranchConflictError.
func (c *Client) AddKernel(ctx context.Context, opts BotOptions, ch KernelChange) (Result, error) {
	o := opts.withDefaults()
	k := ch.Kernel
	if err := k.Validate(); err != nil {
		return Result{}, err
	}
	branch := KernelBranch(k)
	res := Result{Branch: branch, Kernels: []matrixgen.Key{k.Key()}}
	if err := CheckRefFormat("refs/heads/" + branch); err != nil {
		return res, err // KernelBranch's promise broken: a bug, never sent
	}
	baseSHA, baseData, baseKernels, err := c.base(ctx, o)
	if err != nil {
		return res, err
	}
	if has(baseKernels, k.Key()) {
		res.Status, res.Detail = InBase, fmt.Sprintf("%s on %s already holds it", o.KernelsPath, o.Base)
		return res, nil
	}
	changes := []KernelChange{ch}
	msg := commitMessage(changes)
	newData, err := kernelsfile.Marshal(append(slices.Clone(baseKernels), k))
	if err != nil {
		return res, err
	}
	head, exists, err := c.branchHead(ctx, o.Repo, branch)
	if err != nil {
		return res, err
	}
	raced := false
	if !exists {
		if o.DryRun {
			c.plan(o, []string{fmt.Sprintf("create refs/heads/%s at a new commit on %s (%s) changing %s", branch, o.Base, baseSHA, o.KernelsPath)}, baseData, newData, changes, branch, true)
			res.Status, res.Detail = Planned, "dry run: nothing sent"
			return res, nil
		}
		commit, err := c.commitFile(ctx, o.Repo, baseSHA, o.KernelsPath, newData, msg)
		if err != nil {
			return res, err
		}
		_, _, err = c.gh.Git.CreateRef(ctx, o.Repo.Owner, o.Repo.Name, gh.CreateRef{Ref: "refs/heads/" + branch, SHA: commit})
		switch {
		case hasMessage(err, msgRefExists):
			// Another run made the branch between our read and our write.
			raced = true
			if head, exists, err = c.branchHead(ctx, o.Repo, branch); err != nil {
				return res, err
			}
			if !exists {
				return res, fmt.Errorf("branch %s: GitHub said it exists, then that it does not (deleted meanwhile?): run again", branch)
			}
		case err != nil:
			return res, fmt.Errorf("create branch %s in %s: %w", branch, o.Repo, err)
		default:
			res.Commit = commit
			return c.openPR(ctx, o, res, changes, Created)
		}
	}
	return c.existingBranch(ctx, o, res, changes, head, raced)
}

// existingBranch handles a kernel branch that exists: leave an open PR
// alone, refuse a branch the bot did not write, follow OnClosed, or open
// the missing PR.
func (c *Client) existingBranch(ctx context.Context, o BotOptions, res Result, changes []KernelChange, head string, raced bool) (Result, error) {
	k := changes[0].Kernel
	prs, err := c.pullsFor(ctx, o.Repo, res.Branch)
	if err != nil {
		return res, err
	}
	for _, pr := range prs {
		if pr.GetState() == "open" {
			res.Status, res.PR, res.PRURL = PROpen, pr.GetNumber(), pr.GetHTMLURL()
			res.Detail = fmt.Sprintf("branch %s exists with open PR #%d", res.Branch, pr.GetNumber())
			if raced {
				res.Status, res.Detail = ByOther, "another run created the branch and PR #"+fmt.Sprint(pr.GetNumber())
			}
			return res, nil
		}
	}
	if why, err := c.notBots(ctx, o, head, changes); err != nil {
		return res, err
	} else if why != "" {
		return res, &BranchConflictError{Branch: res.Branch, Kernel: k.Key(), Why: why}
	}
	if len(prs) > 0 && o.OnClosed != ClosedReopen {
		pr := prs[0]
		what := "closed without merging"
		if pr.MergedAt != nil {
			what = "merged, yet the base branch lacks the kernel (reverted?)"
		}
		res.Status, res.PR, res.PRURL = PRClosed, pr.GetNumber(), pr.GetHTMLURL()
		res.Detail = fmt.Sprintf("PR #%d for branch %s was %s: doing nothing (policy %q; reopen it by hand, or run with --on-closed %s)", pr.GetNumber(), res.Branch, what, ClosedSkip, ClosedReopen)
		return res, nil
	}
	if o.DryRun {
		c.plan(o, []string{fmt.Sprintf("keep refs/heads/%s at %s (the bot's commit adding this kernel)", res.Branch, head)}, nil, nil, changes, res.Branch, true)
		res.Status, res.Detail = Planned, "dry run: nothing sent"
		return res, nil
	}
	if raced {
		// Another run made the branch; whichever run's POST succeeds
		// opened the PR, so exactly one run reports created or pr-opened.
		res.Detail = "another run created the branch; this run opened the PR"
	}
	return c.openPR(ctx, o, res, changes, PROpened)
}

// notBots says why the branch at head is not the bot's commit adding
// exactly changes on top of its parent ("" when it is).
func (c *Client) notBots(ctx context.Context, o BotOptions, head string, changes []KernelChange) (string, error) {
	branch := KernelBranch(changes[0].Kernel)
	data, ks, err := c.kernelsAt(ctx, o, head, branch)
	if err != nil {
		return "", err
	}
	for _, ch := range changes {
		if !has(ks, ch.Kernel.Key()) {
			return fmt.Sprintf("its %s does not hold %s (a name collision)", o.KernelsPath, ch.Kernel.Key()), nil
		}
	}
	cm, _, err := c.gh.Git.GetCommit(ctx, o.Repo.Owner, o.Repo.Name, head)
	if err != nil {
		return "", fmt.Errorf("commit %s of %s: %w", head, branch, err)
	}
	if cm.GetMessage() != commitMessage(changes) || len(cm.Parents) != 1 {
		return fmt.Sprintf("its head %s is not the bot's commit for this kernel", head), nil
	}
	_, parentKernels, err := c.kernelsAt(ctx, o, cm.Parents[0].GetSHA(), branch+"^")
	if err != nil {
		return "", err
	}
	for _, ch := range changes {
		parentKernels, _ = kernelsfile.Add(parentKernels, ch.Kernel)
	}
	want, err := kernelsfile.Marshal(parentKernels)
	if err != nil {
		return "", err
	}
	if string(want) != string(data) {
		return fmt.Sprintf("its head %s changes %s in more ways than adding this kernel", head, o.KernelsPath), nil
	}
	return "", nil
}

// openPR opens the PR for res.Branch; "A pull request already exists" is
// another run's success.
func (c *Client) openPR(ctx context.Context, o BotOptions, res Result, changes []KernelChange, status Status) (Result, error) {
	pr, _, err := c.gh.PullRequests.Create(ctx, o.Repo.Owner, o.Repo.Name, gh.CreatePullRequest{Title: new(Title(changes)), Head: res.Branch, Base: o.Base, Body: new(Body(changes, res.Branch))})
	switch {
	case hasMessage(err, msgPRExists):
		prs, lerr := c.pullsFor(ctx, o.Repo, res.Branch)
		if lerr != nil {
			return res, lerr
		}
		for _, p := range prs {
			if p.GetState() == "open" {
				res.PR, res.PRURL = p.GetNumber(), p.GetHTMLURL()
			}
		}
		res.Status, res.Detail = ByOther, fmt.Sprintf("another run opened PR #%d first", res.PR)
		if status == Updated {
			res.Status = Updated
		}
		return res, nil
	case err != nil:
		return res, fmt.Errorf("open PR for %s in %s: %w", res.Branch, o.Repo, err)
	}
	res.Status, res.PR, res.PRURL = status, pr.GetNumber(), pr.GetHTMLURL()
	if res.Detail == "" {
		res.Detail = fmt.Sprintf("opened PR #%d", pr.GetNumber())
	} else {
		res.Detail += fmt.Sprintf(" #%d", pr.GetNumber())
	}
	return res, nil
}

// AddKernelsSingle adds every kernel not on the base branch through one PR
// from the day's branch (KernelsBranch(day)). A run on a day whose branch
// exists adds a commit to it with the kernels it lacks (a fast-forward,
// never a force-push) and opens the PR if none is open. A kernel with an
// open per-kernel PR (its KernelBranch is the head of an open PR) is left
// out and listed in Result.LeftOut: merging both PRs would add it twice.
func (c *Client) AddKernelsSingle(ctx context.Context, opts BotOptions, changes []KernelChange, day string) (Result, error) {
	o := opts.withDefaults()
	branch := KernelsBranch(day)
	res := Result{Branch: branch}
	baseSHA, baseData, baseKernels, err := c.base(ctx, o)
	if err != nil {
		return res, err
	}
	var missing []KernelChange
	for _, ch := range changes {
		if err := ch.Kernel.Validate(); err != nil {
			return res, err
		}
		if !has(baseKernels, ch.Kernel.Key()) && !slices.ContainsFunc(missing, func(m KernelChange) bool { return m.Kernel.Key() == ch.Kernel.Key() }) {
			missing = append(missing, ch)
		}
	}
	if len(missing) == 0 {
		res.Status, res.Detail = InBase, fmt.Sprintf("%s on %s already holds all %d kernels", o.KernelsPath, o.Base, len(changes))
		return res, nil
	}
	open, err := c.openKernelPRs(ctx, o.Repo)
	if err != nil {
		return res, err
	}
	kept := missing[:0:0]
	for _, ch := range missing {
		b := KernelBranch(ch.Kernel)
		if pr, ok := open[b]; ok {
			res.LeftOut = append(res.LeftOut, LeftOut{Kernel: ch.Kernel.Key(), Branch: b, PR: pr.GetNumber(), PRURL: pr.GetHTMLURL()})
			continue
		}
		kept = append(kept, ch)
	}
	missing = kept
	if len(missing) == 0 {
		res.Status, res.Detail = NothingToDo, fmt.Sprintf("each of the %d kernels %s on %s lacks has an open per-kernel PR", len(res.LeftOut), o.KernelsPath, o.Base)
		return res, nil
	}
	head, exists, err := c.branchHead(ctx, o.Repo, branch)
	if err != nil {
		return res, err
	}
	parent, parentData, parentKernels, refLine := baseSHA, baseData, baseKernels, ""
	if exists {
		if parentData, parentKernels, err = c.kernelsAt(ctx, o, head, branch); err != nil {
			return res, err
		}
		parent = head
	}
	var adding []KernelChange
	updated := slices.Clone(parentKernels)
	for _, ch := range missing {
		var added bool
		if updated, added = kernelsfile.Add(updated, ch.Kernel); added {
			adding = append(adding, ch)
		}
	}
	for _, ch := range missing {
		res.Kernels = append(res.Kernels, ch.Kernel.Key())
	}
	var newData []byte
	if len(adding) > 0 {
		if newData, err = kernelsfile.Marshal(updated); err != nil {
			return res, err
		}
		refLine = fmt.Sprintf("create refs/heads/%s at a new commit on %s (%s) changing %s", branch, o.Base, baseSHA, o.KernelsPath)
		if exists {
			refLine = fmt.Sprintf("update refs/heads/%s from %s to a new commit on it changing %s (fast-forward, no force)", branch, head, o.KernelsPath)
		}
	} else {
		refLine = fmt.Sprintf("keep refs/heads/%s at %s (it holds every kernel)", branch, head)
	}
	prs, err := c.pullsFor(ctx, o.Repo, branch)
	if err != nil {
		return res, err
	}
	var openPR *gh.PullRequest
	for _, p := range prs {
		if p.GetState() == "open" {
			openPR = p
		}
	}
	if o.DryRun {
		c.plan(o, []string{refLine}, parentData, newData, missing, branch, openPR == nil)
		res.Status, res.Detail = Planned, "dry run: nothing sent"
		return res, nil
	}
	if len(adding) > 0 {
		commit, err := c.commitFile(ctx, o.Repo, parent, o.KernelsPath, newData, commitMessage(adding))
		if err != nil {
			return res, err
		}
		if exists {
			_, _, err = c.gh.Git.UpdateRef(ctx, o.Repo.Owner, o.Repo.Name, "heads/"+branch, gh.UpdateRef{SHA: commit, Force: new(false)})
			if err != nil {
				// "Reference update failed" or "not a fast forward": the
				// branch moved since we read it. Not success: run again.
				return res, fmt.Errorf("update branch %s in %s (it moved since it was read: run again): %w", branch, o.Repo, err)
			}
		} else {
			_, _, err = c.gh.Git.CreateRef(ctx, o.Repo.Owner, o.Repo.Name, gh.CreateRef{Ref: "refs/heads/" + branch, SHA: commit})
			if err != nil {
				return res, fmt.Errorf("create branch %s in %s (if it exists now, another run made it: run again): %w", branch, o.Repo, err)
			}
		}
		res.Commit = commit
	}
	status := Created
	if exists {
		status = Updated
	}
	if openPR != nil {
		res.PR, res.PRURL = openPR.GetNumber(), openPR.GetHTMLURL()
		if len(adding) == 0 {
			res.Status, res.Detail = NothingToDo, fmt.Sprintf("branch %s holds every kernel and PR #%d is open", branch, openPR.GetNumber())
			return res, nil
		}
		res.Status, res.Detail = status, fmt.Sprintf("added %d kernels to open PR #%d", len(adding), openPR.GetNumber())
		return res, nil
	}
	return c.openPR(ctx, o, res, missing, status)
}

// plan writes what a run would send: refs, the kernels.json diff, the PR.
func (c *Client) plan(o BotOptions, refs []string, oldData, newData []byte, changes []KernelChange, branch string, openPR bool) {
	w := o.Plan
	fmt.Fprintf(w, "repository: %s (base %s)\n", o.Repo, o.Base)
	for _, r := range refs {
		fmt.Fprintln(w, "ref:", r)
	}
	if newData != nil {
		fmt.Fprint(w, Diff("a/"+o.KernelsPath, "b/"+o.KernelsPath, oldData, newData))
	}
	if !openPR {
		fmt.Fprintln(w, "pull request: one is open already")
		return
	}
	fmt.Fprintf(w, "pull request: %s <- %s\ntitle: %s\nbody:\n", o.Base, branch, Title(changes))
	for _, l := range strings.SplitAfter(Body(changes, branch), "\n") {
		switch l {
		case "":
		case "\n":
			fmt.Fprint(w, l)
		default:
			fmt.Fprint(w, "  ", l)
		}
	}
}

// noTokenHint is what a 404 without a token most likely means: GitHub
// answers 404, not 401 or 403, to an anonymous request for a private
// repository ("Troubleshooting the REST API": "404 Not Found for an
// existing resource ... the request is not properly authenticated").
func noTokenHint(r Repo) string {
	return fmt.Sprintf("; no GitHub token was sent, and GitHub answers 404 for a private repository to a request without one: a token is probably missing for %s (set GITHUB_TOKEN or --github-token-file)", r)
}

// tokenHint adds noTokenHint to a 404 answered to a request sent without
// a token.
func (c *Client) tokenHint(err error, r Repo) error {
	if err == nil || c.hasToken || statusOf(err) != http.StatusNotFound {
		return err
	}
	return fmt.Errorf("%w%s", err, noTokenHint(r))
}

// openKernelPRs maps the head branch of every open per-kernel PR
// (KernelBranchPrefix) of the repository's own branches to the PR.
func (c *Client) openKernelPRs(ctx context.Context, r Repo) (map[string]*gh.PullRequest, error) {
	out := map[string]*gh.PullRequest{}
	opt := &gh.PullRequestListOptions{State: "open", ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		prs, resp, err := c.gh.PullRequests.List(ctx, r.Owner, r.Name, opt)
		if err != nil {
			return nil, fmt.Errorf("open pull requests of %s: %w", r, c.tokenHint(err, r))
		}
		for _, p := range prs {
			head := p.GetHead()
			// A fork's PR is labelled "fork-owner:branch": not the bot's.
			if label := head.GetLabel(); label != "" && label != r.Owner+":"+head.GetRef() {
				continue
			}
			if strings.HasPrefix(head.GetRef(), KernelBranchPrefix) {
				out[head.GetRef()] = p
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}
