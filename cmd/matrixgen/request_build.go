package main

import (
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen/service"
)

// newCmdRequestBuild's runF, when set, gets the request instead of
// sending it (tests replace the sleeper, then send it).
func newCmdRequestBuild(ios *ioStreams, runF func(*service.NodeRequest) error) *cobra.Command {
	req := &service.NodeRequest{PollBackoff: time.Second, PollMaxBackoff: 30 * time.Second, RetryBackoff: time.Second, RetryMaxBackoff: 30 * time.Second,
		GOARCH: runtime.GOARCH, Proc: "/proc/sys/kernel", Words: flagName}
	cmd := &cobra.Command{
		Use:   "request-build --server URL --driver-version V [--wait]",
		Short: "Ask a build service for this node's driver (the loader's side of serve)",
		Long: `Ask a matrixgen build service (matrixgen serve) for a build for the kernel
this node runs. Unless given, the distribution and its version come from
os-release's ID and VERSION_ID (the IDs 'matrixgen distros --json' lists as
os_release_ids; SLE Micro's kernel release says its version), the release from
uname -r and, on Ubuntu, the upload from uname -v. It prints the artifact name
the service builds (on stderr) and the build's status; with --wait it polls,
backing off from 1s to 30s, until the build ends: done prints the artifact URL
on stdout (an absolute http or https URL; any other answer is an error).

With --wait, a service that cannot be reached (connection refused or
dropped: down, or restarting), or answers 5xx or 429, is asked again until
--timeout, with exponential backoff from 1s to 30s and jitter (a Retry-After,
in seconds or as an HTTP date, is honoured; a pause that would pass --timeout
gives up instead); each retry is one line on stderr. Without --wait
the request is sent once. A redirect answered to the POST is an error naming
its Location: the request, and its token, go to --server only.

--arch takes any spelling (amd64, x64, arm64, AArch64, ...) and sends the
canonical one. A token for the service (its --auth-token-file) is read from
--token-file or $MATRIXGEN_TOKEN.` + exitCodesHelp(
			"0  done (--wait; the artifact URL on stdout), or the request accepted",
			"1  failure: the service could not be reached or answered an error",
			"2  usage error, or the service refused the kernel (the field and rule on stderr)",
			"7  the build ended in error (the reason and run URL on stderr)",
			"8  the build timed out on the service",
			"9  --timeout passed before the build ended (it may still finish)"),
		Example: `  matrixgen request-build --server http://builds.internal:8080 --driver-version 2.4.1 --wait --timeout 30m`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Token = ios.Getenv("MATRIXGEN_TOKEN") // unless --token-file
			if runF != nil {
				return runF(req)
			}
			return service.RequestBuild(cmd.Context(), ios.Out, ios.ErrOut, *req)
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Server, "server", "", "the build service's URL")
	f.StringVar(&req.DriverVersion, "driver-version", "", "driver version to build")
	f.StringVar(&req.OSRelease, "os-release", "/etc/os-release", "os-release file to read the distribution and version from")
	f.StringVar(&req.Release, "uname-r", "", "kernel release (default: this kernel's, as uname -r)")
	f.StringVar(&req.UnameV, "uname-v", "", "kernel build string, for Ubuntu (default: this kernel's, as uname -v)")
	f.StringVar(&req.Arch, "arch", "", "architecture (default: this machine's: x86_64, aarch64, or aarch64+64k for a release ending +64k)")
	f.StringVar(&req.DistroVersion, "distro-version", "", "distro version (default: from os-release)")
	f.BoolVar(&req.Wait, "wait", false, "wait until the build ends")
	f.DurationVar(&req.Timeout, "timeout", 20*time.Minute, "with --wait: give up after this long")
	f.StringVar(&req.TokenFile, "token-file", "", "bearer token for the service (default: $MATRIXGEN_TOKEN)")
	// Tests shorten the backoff; not for users.
	f.DurationVar(&req.PollBackoff, "poll-backoff", req.PollBackoff, "first pause between two status polls")
	_ = f.MarkHidden("poll-backoff")
	f.DurationVar(&req.RetryBackoff, "retry-backoff", req.RetryBackoff, "first pause after a transient failure")
	_ = f.MarkHidden("retry-backoff")
	_ = cmd.MarkFlagRequired("server")
	_ = cmd.MarkFlagRequired("driver-version")
	return cmd
}
