package main

import (
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/ghactions"
	"github.com/matrixgen/matrixgen/github"
)

// prDeps are what tests replace: time and the innermost transport. nil
// fields take the real ones.
type prDeps struct {
	Clock     github.Clock
	Transport http.RoundTripper
}

// githubFlags are the flags every command that calls GitHub takes, bound
// to the client's settings (WritesPerHour: only publish registers it).
type githubFlags struct{ github.Settings }

// register adds the flags; a command that writes passes its default
// --write-interval and why, one that only reads passes intervalWhy "".
func (g *githubFlags) register(cmd *cobra.Command, interval time.Duration, intervalWhy string) {
	f := cmd.Flags()
	f.StringVar(&g.URL, "github-url", github.DefaultURL, "GitHub API base URL (GitHub Enterprise Server: https://HOST/api/v3/)")
	f.StringVar(&g.TokenFile, "github-token-file", "", "read the GitHub token from this file's first line (default: $GITHUB_TOKEN)")
	f.DurationVar(&g.Timeout, "github-timeout", 30*time.Second, "timeout of each GitHub request (rate-limit waits are outside it)")
	if intervalWhy != "" {
		f.DurationVar(&g.WriteInterval, "write-interval", interval, "pause between two GitHub writes, which are sent one at a time ("+intervalWhy+")")
	}
}

// settings are the GitHub client's settings; writes, when not "", is what
// the command writes, which needs a token.
func (g *githubFlags) settings(ios *ioStreams, deps *prDeps, writes string) github.Settings {
	s := g.Settings
	s.Writes, s.Getenv, s.Log, s.Words = writes, ios.Getenv, ios.ErrOut, flagName
	if deps != nil {
		s.Clock, s.Transport = deps.Clock, deps.Transport
	}
	return s
}

// prFlags are the flags both pr commands take, bound to the bot's options.
type prFlags struct {
	repo string
	bo   github.BotOptions
	gh   githubFlags
}

func newCmdPR(ios *ioStreams, deps *prDeps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pr",
		Short: "Open pull requests that add kernels to a repository's kernels.json",
		Long: `The PR bot: add kernels to kernels.json on GitHub through pull requests,
one branch and one commit per kernel (or one PR for a batch), made through the
API without a clone. Runs are idempotent and safe to race.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newCmdPRAddKernel(ios, deps), newCmdPRAddKernels(ios, deps))
	return cmd
}

func (o *prFlags) register(cmd *cobra.Command, interval time.Duration, intervalWhy string) {
	f := cmd.Flags()
	f.StringVar(&o.repo, "repo", "", "repository OWNER/NAME whose kernels.json gets the kernel")
	f.StringVar(&o.bo.Base, "base", "main", "branch the PR targets, whose kernels.json is read")
	f.StringVar(&o.bo.KernelsPath, "kernels-path", "kernels.json", "path of kernels.json in the repository")
	f.BoolVar(&o.bo.DryRun, "dry-run", false, "print the plan (refs, the kernels.json diff, the PR text) and send nothing that writes")
	f.StringVar((*string)(&o.bo.OnClosed), "on-closed", string(github.ClosedSkip), "when the kernel's branch had a PR closed without merging: skip (say so, exit 0) or reopen (open a new PR from the same branch)")
	_ = cmd.MarkFlagRequired("repo")
	o.gh.register(cmd, interval, intervalWhy)
}

// run checks the flags and returns the bot's options and its run: the
// client it makes when it needs one (a token unless --dry-run), stderr,
// and the step outputs.
func (o *prFlags) run(ios *ioStreams, deps *prDeps) (github.BotOptions, github.Run, error) {
	var err error
	if o.bo.Repo, err = github.ParseRepo(o.repo); err != nil {
		return o.bo, github.Run{}, usageErr("--repo: %w", err)
	}
	if o.bo.Base == "" || o.bo.KernelsPath == "" {
		return o.bo, github.Run{}, usageErr("--base and --kernels-path must not be empty")
	}
	if pol := o.bo.OnClosed; pol != github.ClosedSkip && pol != github.ClosedReopen {
		return o.bo, github.Run{}, usageErr("--on-closed %q: want %s or %s", pol, github.ClosedSkip, github.ClosedReopen)
	}
	writes := "pr creates branches, commits and pull requests; --dry-run needs none for a public repository"
	if o.bo.DryRun {
		writes = ""
	}
	o.bo.Plan = ios.Out
	return o.bo, github.Run{Client: func() (*github.Client, error) { return o.gh.settings(ios, deps, writes).Client() },
		Log: ios.ErrOut, Step: ghactions.FromEnv(ios.Getenv, ios.ErrOut), Words: flagName}, nil
}

const prBranchHelp = `
Branch: add-kernel/<distribution>/<distro version>/<arch>/<release>, dots
replaced by "-" and "~" by "_" (add-kernel/ubuntu/24-04/x86_64/6-8-0-1042-gcp).
The distro version keeps the 22.04 and 24.04 builds of one HWE release apart.
A release whose "-" and "_" are not where its distribution usually puts them
gets a suffix (".<hex>") so that distinct kernels never share a branch.

What a run does:
  - kernels.json on --base has the kernel: nothing; says so, exit 0.
  - the branch exists with an open PR: nothing; says so, exit 0.
  - the branch exists, no PR, and its head is the bot's commit adding exactly
    this kernel (another run stopped between branch and PR): opens the PR.
  - a PR for the branch was closed: --on-closed skip (default) says so and
    exits 0; reopen opens a new PR from the same branch. Never a force-push.
  - the branch holds anything else: a name collision, exit 1.
  - otherwise: one commit (blob, tree, commit, ref; no custom author, so a
    GitHub App token gives a verified commit) and one PR whose title and body
    show the kernel, its distro version, the rule that derived it, and where
    it was seen. Another run that created the branch or the PR first
    ("Reference already exists", "A pull request already exists for ...") is
    success, reported as such.

A malformed or contradictory kernels.json on --base is an error, and nothing is
created. The token is sent to the API host only. Rate limits: a primary limit
waits until its reset, a secondary one honours retry-after (else at least a
minute, with backoff), a 5xx backs off; every wait is logged on stderr.

With $GITHUB_OUTPUT set: outputs status, branch, pr_number, pr_url.`

func newCmdPRAddKernel(ios *ioStreams, deps *prDeps) *cobra.Command {
	var pf prFlags
	var spec matrixgen.Spec
	var seen string
	cmd := &cobra.Command{
		Use:   "add-kernel --repo OWNER/NAME --target T --arch A --release R [--distro-version V]",
		Short: "Open a PR that adds one kernel to a repository's kernels.json",
		Long: `Open one pull request that adds one kernel to kernels.json in --repo. The
kernel passes the same consistency rule as add-kernel before anything is sent.
` + prBranchHelp + exitCodesHelp("1  failure: a name collision, a malformed kernels.json on the base branch, a GitHub error"),
		Example: `  matrixgen pr add-kernel --repo acme/drivers --target ubuntu --arch x86_64 --release 6.8.0-1042-gcp --distro-version 24.04 --seen-in "on-demand build 4711"
  matrixgen pr add-kernel --repo acme/drivers --target debian --arch x86_64 --release 6.12.95+deb12-amd64 --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bo, run, err := pf.run(ios, deps)
			if err != nil {
				return err
			}
			// The one consistency rule, before anything is sent.
			k, err := makeKernel(spec)
			if err != nil {
				return err
			}
			return run.AddKernel(cmd.Context(), bo, github.Change(k, "--distro-version", seen))
		},
	}
	pf.register(cmd, 0, "default 0 for one kernel")
	kernelFlags(cmd, &spec)
	cmd.Flags().StringVar(&seen, "seen-in", "on-demand build", "where the kernel was seen, for the PR body (a crawl source, livepatch, Koji, an on-demand build id)")
	return cmd
}

func newCmdPRAddKernels(ios *ioStreams, deps *prDeps) *cobra.Command {
	var pf prFlags
	batch := github.Batch{}
	var from string
	cmd := &cobra.Command{
		Use:   "add-kernels --repo OWNER/NAME --from FILE [--single-pr]",
		Short: "Open PRs that add many kernels to a repository's kernels.json",
		Long: `Add every kernel of --from that kernels.json on --base lacks: the output of
'matrixgen diff --json' (its "added" kernels), crawl output (Falco list.json)
or a kernels.json, detected from the content. By default one PR per kernel, as
pr add-kernel makes it, at most --max-prs per run (the rest wait for the next
run, exit 3), writes paced by --write-interval. With --single-pr (UTC dates),
a second run on the same day adds a new commit to the day's branch with the
kernels it lacks (never a force-push) instead of opening another PR. A kernel that already has an open per-kernel PR (from
add-kernel/...) is left out of the batch, named on stderr with that PR:
merging both would add it twice.

A refused connection to GitHub is retried with backoff, as a 5xx is. A 404
for the repository when no token is given says a token is probably missing
(GitHub answers 404 for a private repository to anonymous requests).
` + prBranchHelp + exitCodesHelp(
			"1  failure: a name collision (the other kernels are still done), a malformed file, a GitHub error",
			"3  partial: some entries of --from were skipped, or more than --max-prs kernels were new (named on stderr)"),
		Example: `  matrixgen diff --json git:HEAD~1:out/x86_64/list.json out/x86_64/list.json > new.json
  matrixgen pr add-kernels --repo acme/drivers --from new.json
  matrixgen pr add-kernels --repo acme/drivers --from out/x86_64/list.json --single-pr --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bo, run, err := pf.run(ios, deps)
			if err != nil {
				return err
			}
			if batch.MaxPRs < 1 {
				return usageErr("--max-prs %d: want at least 1", batch.MaxPRs)
			}
			return run.AddKernelsFrom(cmd.Context(), bo, from, ios.In, batch)
		},
	}
	pf.register(cmd, time.Second, "default 1s, GitHub's advice for bulk writes")
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "diff --json output, crawl output or kernels.json (a path, git:REV:path, or - for stdin)")
	f.BoolVar(&batch.IncludeHeaderless, "include-headerless", false, `also add crawled kernels listed with no header source ("headers": [], e.g. AL2023 live-patched kernels whose kernel-devel is gone); default: left out and named on stderr`)
	f.BoolVar(&batch.SinglePR, "single-pr", false, "one PR for all kernels, from the branch add-kernels/<YYYY-MM-DD>; kernels with an open per-kernel PR are left out")
	f.IntVar(&batch.MaxPRs, "max-prs", 20, "at most this many new PRs per run (without --single-pr)")
	_ = cmd.MarkFlagRequired("from")
	return cmd
}
