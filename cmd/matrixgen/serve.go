package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/matrixgen/matrixgen/service"
	"github.com/matrixgen/matrixgen/service/githubsvc"
)

// newCmdServe's runF, when set, gets the settings instead of serving (tests).
func newCmdServe(ios *ioStreams, runF func(*githubsvc.Settings) error) *cobra.Command {
	opts := &githubsvc.Settings{Getenv: ios.Getenv, Log: ios.ErrOut, Words: flagName}
	var config string
	var gh githubFlags
	cmd := &cobra.Command{
		Use:   "serve --repo OWNER/NAME [--config FILE] [flags]",
		Short: "Run the on-demand build service (POST /build, GET /status/{id})",
		Long: `Run the build service a node calls when its kernel has no driver yet.

POST /build {"kernel_version","architecture","distribution","distro_version","driver_version"}
validates the kernel with the same rule as every other entry point, answers
"done" at once when the artifact is already in the driver version's releases,
and otherwise dispatches the build workflow once per build key
(kernel:arch:distro:distroversion:driverversion), however many requests and
replicas ask. GET /status/{id} follows it: queued, in_progress, done, error,
timed_out. Also GET /healthz, /readyz, /metrics and, with
--webhook-secret-file, POST /github/webhook (workflow_run events).

Builds and their jobs are kept in --store: SQLite (one replica) or PostgreSQL
(any number of replicas). --config FILE is a JSON object whose keys are the
flag names without "--" ({"repo": "o/r", "poll-interval": "15s",
"default-distro-version": ["ubuntu=24.04"]}); flags given on the command line
win over it. The GitHub token is never logged.` + exitCodesHelp(),
		Example: `  GITHUB_TOKEN=... matrixgen serve --repo acme/drivers --store sqlite:/var/lib/matrixgen/builds.db
  matrixgen serve --config /etc/matrixgen/serve.json --store postgres://matrixgen@db/matrixgen`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := applyConfig(cmd.Flags(), config); err != nil {
				return err
			}
			if opts.Repo == "" {
				return usageErr("serve: --repo OWNER/NAME is required (flag or config key \"repo\")")
			}
			opts.GitHub = gh.settings(ios, nil, "serve dispatches workflows and opens pull requests")
			if runF != nil {
				return runF(opts)
			}
			return githubsvc.Serve(cmd.Context(), *opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&config, "config", "", "JSON file of settings, keyed by flag name; flags win")
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:8080", "address to serve on")
	f.StringVar(&opts.Repo, "repo", "", "repository that holds the workflow, the releases and kernels.json (OWNER/NAME)")
	f.StringVar(&opts.Workflow, "workflow", service.DefaultWorkflow, "workflow file to dispatch; only its workflow_dispatch runs (or a build's recorded run id) end builds")
	f.StringVar(&opts.Ref, "ref", "main", "ref the workflow runs on, and the PR bot's base branch")
	f.StringVar(&opts.ReleaseTag, "release-tag", githubsvc.DefaultReleaseTag, "tag glob of a driver version's releases; {driver_version} is replaced")
	f.StringVar(&opts.ArtifactTemplate, "artifact-template", "deb-rpm", "artifact name: a preset (deb-rpm, precompiled-image) or a template, as matrix takes it")
	f.StringVar(&opts.Package, "package", "driver", "package name in the artifact template (.Package)")
	f.StringVar(&opts.Store, "store", "", "sqlite:PATH or postgres://... (default sqlite:$XDG_STATE_HOME/matrixgen/builds.db, ~/.local/state when unset)")
	f.DurationVar(&opts.PollInterval, "poll-interval", service.DefaultPollInterval, "how often one list-runs call checks every build in flight")
	f.DurationVar(&opts.BuildTimeout, "build-timeout", service.DefaultBuildTimeout, "a build with no result this long after its dispatch is timed_out")
	f.DurationVar(&opts.JobTimeout, "job-timeout", service.DefaultJobTimeout, "timeout of one job (a dispatch, a poll, a PR bot run)")
	f.DurationVar(&opts.RescueAfter, "rescue-after", service.DefaultRescueAfter, "a job running this long belonged to a dead replica and is run again (must exceed --job-timeout)")
	f.StringVar(&opts.AuthTokenFile, "auth-token-file", "", "require this file's first line as a bearer token on POST /build")
	f.StringVar(&opts.WebhookSecretFile, "webhook-secret-file", "", "serve POST /github/webhook, verifying X-Hub-Signature-256 with this file's first line")
	f.StringArrayVar(&opts.DefaultVersions, "default-distro-version", nil, "DIST=V: the version used when the release does not say it (repeatable; a derived version always wins)")
	gh.register(cmd, 0, "default 0: one write per build")
	return cmd
}

// applyConfig sets every flag not given on the command line from the
// config file, keyed by flag name. An unknown key is an error, never
// ignored: a typo would silently fall back to a default.
func applyConfig(fs *pflag.FlagSet, file string) error {
	if file == "" {
		return nil
	}
	settings, err := service.ReadSettingsFile(file)
	if err != nil {
		return err
	}
	for _, s := range settings {
		fl := fs.Lookup(s.Key)
		if fl == nil || s.Key == "config" {
			return usageErr("--config %s: unknown key %q (keys are serve's flag names)", file, s.Key)
		}
		if fl.Changed {
			continue // the command line wins
		}
		for _, v := range s.Values {
			if err := fs.Set(s.Key, v); err != nil {
				return usageErr("--config %s: key %q: %v", file, s.Key, err)
			}
		}
	}
	return nil
}
