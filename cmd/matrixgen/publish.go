package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen/github"
)

// publishWritesPerHour is GitHub's secondary limit on content-creating
// requests ("Rate limits for the REST API", "About secondary rate
// limits": no more than 500 an hour, 80 a minute).
const publishWritesPerHour = 500

// newCmdPublish's runF, when set, gets the options, the GitHub flags,
// the files and --json instead of publishing (tests).
func newCmdPublish(ios *ioStreams, deps *prDeps, runF func(github.PublishOptions, *githubFlags, []string, bool) error) *cobra.Command {
	po := github.PublishOptions{Progress: func(line string) { fmt.Fprintln(ios.ErrOut, "matrixgen: "+line) }}
	var gh githubFlags
	var repo string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "publish --repo OWNER/NAME --driver-version V [--tag-prefix drivers-] [--clobber] [--json] FILE...",
		Short: "Upload build artifacts to a driver version's GitHub releases",
		Long: `Upload every FILE as an asset of the driver version's releases in --repo,
tagged <prefix><V>-<N> (drivers-570.1-1, drivers-570.1-2, ...): the tags the
build service and 'matrix --built-from-release OWNER/NAME@drivers-V-*' read.
A release holds at most 1,000 assets (GitHub's cap); when N is full, N+1 is
created. Releases are created with make_latest false.

Idempotent: GitHub renames assets on upload (~, +, spaces and other special
characters become "."); a FILE whose stored name is already in any of the
driver version's releases is skipped and reported, or with --clobber deleted
there and uploaded again into the same release. A re-run uploads nothing.

Several publishers may run at once (the nightly's chunks, on-demand builds):
a release another one created first is used; an upload GitHub refuses because
the release is full goes to the next N, one refused because the name is
already there counts as skipped; after uploading, a name stored in two
releases (two publishers raced it) keeps only its copy in the lowest N.

Uploads go to GitHub's upload host (uploads.github.com; /api/uploads/ on
GitHub Enterprise Server), with the token (sent to those hosts only). Files
are streamed from disk as application/octet-stream; an upload attempt
may take --github-timeout plus a second per MiB.

Writes (release creation, uploads, deletes) are paced by --write-interval and
--writes-per-hour: one token publishes about 500 assets an hour, a budget the
publishers running at once with it share. Waits are logged on stderr.

Output: one line per file on stderr as it is done; with --json, on stdout:
  {"uploaded":[{"name","stored_name","release"}],"skipped":[...same...],
   "failed":[{"name","error"}]}` + exitCodesHelp(
			"0  every FILE is in a release (uploaded now or already there)",
			"1  nothing could be published (the releases cannot be listed, or every FILE failed)",
			"2  usage error: no FILE, a FILE that cannot be read, a bad --repo or --driver-version, no token",
			"3  partial: some FILEs could not be published (each named on stderr), the rest are"),
		Example: `  matrixgen publish --repo acme/drivers --driver-version 570.1 out/*.deb
  matrixgen publish --repo acme/drivers --driver-version 570.1 --json artifacts/*/*.rpm > published.json
  matrixgen publish --repo acme/drivers --driver-version 570.1 --clobber driver-ubuntu-24.04-6.8.0-51-generic_570.1_amd64.deb
  matrixgen publish --repo acme/drivers --driver-version 570.1 --github-url https://ghe.example.com/api/v3/ out/*`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("no FILE to publish (see 'matrixgen publish --help')")
			}
			var err error
			if po.Repo, err = github.ParseRepo(repo); err != nil {
				return usageErr("--repo: %w", err)
			}
			if po.TagPrefix == "" {
				return usageErr("--tag-prefix must not be empty")
			}
			if runF != nil {
				return runF(po, &gh, args, jsonOut)
			}
			var w io.Writer
			if jsonOut {
				w = ios.Out
			}
			run := github.Run{Client: func() (*github.Client, error) {
				return gh.settings(ios, deps, "publish creates releases and uploads assets").Client()
			}, Log: ios.ErrOut}
			return run.Publish(cmd.Context(), po, args, w, ios.OutTTY)
		},
	}
	f := cmd.Flags()
	f.StringVar(&repo, "repo", "", "repository OWNER/NAME whose releases get the files")
	f.StringVar(&po.DriverVersion, "driver-version", "", "driver version V: the releases are <prefix><V>-<N>")
	f.StringVar(&po.TagPrefix, "tag-prefix", github.DefaultTagPrefix, "start of the release tags")
	f.BoolVar(&po.Clobber, "clobber", false, "replace an asset of the same stored name instead of skipping the file")
	f.BoolVar(&jsonOut, "json", false, `print {"uploaded":[...],"skipped":[...],"failed":[...]} on stdout`)
	gh.register(cmd, time.Second, "60 a minute, under GitHub's 80 content-creating requests a minute")
	f.IntVar(&gh.WritesPerHour, "writes-per-hour", publishWritesPerHour, "at most this many writes in any hour (GitHub's secondary limit: 500 content-creating requests an hour per token; give each of k concurrent publishers 500/k); 0: no cap")
	_ = cmd.MarkFlagRequired("repo")
	_ = cmd.MarkFlagRequired("driver-version")
	return cmd
}
