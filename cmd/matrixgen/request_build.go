package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/secret"
	"github.com/matrixgen/matrixgen/service"
)

type requestBuildOptions struct {
	io            *ioStreams
	Server        string
	DriverVersion string
	OSRelease     string
	UnameR        string
	UnameV        string
	Arch          string
	DistroVersion string
	Wait          bool
	Timeout       time.Duration
	TokenFile     string
	// Backoff is the first pause between two status polls, doubled up to
	// MaxBackoff; tests shorten both.
	Backoff, MaxBackoff time.Duration
	// RetryBackoff is the first pause after a transient failure (service
	// unreachable, 5xx, 429), doubled up to RetryMaxBackoff, with jitter;
	// tests shorten it, and replace sleep.
	RetryBackoff, RetryMaxBackoff time.Duration
	HTTPClient                    *http.Client
	sleep                         func(ctx context.Context, d time.Duration) error
}

func newCmdRequestBuild(ios *ioStreams, runF func(*requestBuildOptions) error) *cobra.Command {
	opts := &requestBuildOptions{io: ios, Backoff: time.Second, MaxBackoff: 30 * time.Second, RetryBackoff: time.Second, RetryMaxBackoff: 30 * time.Second}
	cmd := &cobra.Command{
		Use:   "request-build --server URL --driver-version V [--wait]",
		Short: "Ask a build service for this node's driver (the loader's side of serve)",
		Long: `Ask a matrixgen build service (matrixgen serve) for a build for the kernel
this node runs. The distribution and its version come from os-release (ID,
VERSION_ID: rhel, rocky, almalinux, ol, amzn, ubuntu, debian, fedora, centos),
the release from uname -r and, on Ubuntu, the upload from uname -v, unless
given. It prints the artifact name the service builds (on stderr) and the
build's status; with --wait it polls, backing off from 1s to 30s, until the
build ends: done prints the artifact URL on stdout (an absolute http or https
URL; any other answer is an error).

With --wait, a service that cannot be reached (connection refused or
dropped: down, or restarting), or answers 5xx or 429, is asked again until
--timeout, with exponential backoff from 1s to 30s and jitter (a Retry-After,
in seconds or as an HTTP date, is honoured; a pause that would pass --timeout
gives up instead); each retry is one line on stderr. Without --wait
the request is sent once. A redirect answered to the POST is an error naming
its Location: the request, and its token, go to --server only.

--arch takes any spelling (amd64, x64, arm64, AArch64, ...) and sends the
canonical one (x86_64, aarch64, aarch64+64k, riscv64).

A token for the service (its --auth-token-file) is read from --token-file or
$MATRIXGEN_TOKEN.` + exitCodesHelp(
			"0  done (--wait; the artifact URL on stdout), or the request accepted",
			"1  failure: the service could not be reached or answered an error",
			"2  usage error, or the service refused the kernel (the field and rule on stderr)",
			"7  the build ended in error (the reason and run URL on stderr)",
			"8  the build timed out on the service",
			"9  --timeout passed before the build ended (it may still finish)"),
		Example: `  matrixgen request-build --server http://builds.internal:8080 --driver-version 2.4.1 --wait --timeout 30m`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return requestBuildRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Server, "server", "", "the build service's URL")
	f.StringVar(&opts.DriverVersion, "driver-version", "", "driver version to build")
	f.StringVar(&opts.OSRelease, "os-release", "/etc/os-release", "os-release file to read the distribution and version from")
	f.StringVar(&opts.UnameR, "uname-r", "", "kernel release (default: this kernel's, as uname -r)")
	f.StringVar(&opts.UnameV, "uname-v", "", "kernel build string, for Ubuntu (default: this kernel's, as uname -v)")
	f.StringVar(&opts.Arch, "arch", "", "architecture (default: this machine's: x86_64, aarch64, or aarch64+64k for a release ending +64k)")
	f.StringVar(&opts.DistroVersion, "distro-version", "", "distro version (default: from os-release)")
	f.BoolVar(&opts.Wait, "wait", false, "wait until the build ends")
	f.DurationVar(&opts.Timeout, "timeout", 20*time.Minute, "with --wait: give up after this long")
	f.StringVar(&opts.TokenFile, "token-file", "", "bearer token for the service (default: $MATRIXGEN_TOKEN)")
	// Tests shorten the backoff; not for users.
	f.DurationVar(&opts.Backoff, "poll-backoff", opts.Backoff, "first pause between two status polls")
	_ = f.MarkHidden("poll-backoff")
	f.DurationVar(&opts.RetryBackoff, "retry-backoff", opts.RetryBackoff, "first pause after a transient failure")
	_ = f.MarkHidden("retry-backoff")
	_ = cmd.MarkFlagRequired("server")
	_ = cmd.MarkFlagRequired("driver-version")
	return cmd
}

// defaultArch is the arch a node asks for when --arch is not given: the
// machine's (goarch is runtime.GOARCH), except that a 64k-page kernel on
// aarch64 (RHEL's kernel-64k, release ending +64k) is its own build.
func defaultArch(goarch, distribution, release string) string {
	switch goarch {
	case "amd64":
		return string(matrixgen.X86_64)
	case "arm64":
		if a, _, ok := matrixgen.ReleaseArch(distribution, release); ok && a == matrixgen.AArch64_64k {
			return string(a)
		}
		return string(matrixgen.AArch64)
	}
	return goarch
}

func readProc(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func requestBuildRun(ctx context.Context, opts *requestBuildOptions) error {
	ios := opts.io
	f, err := os.Open(opts.OSRelease)
	if err != nil {
		return asUsage(fmt.Errorf("--os-release: %w", err))
	}
	dist, ver, err := service.ParseOSRelease(f, opts.OSRelease)
	f.Close()
	if err != nil {
		return asUsage(err)
	}
	if opts.DistroVersion != "" {
		ver = opts.DistroVersion
	}
	req := service.Request{Distribution: dist, DistroVersion: ver, DriverVersion: opts.DriverVersion, KernelVersion: opts.UnameR, Architecture: opts.Arch, UnameV: opts.UnameV}
	if req.KernelVersion == "" {
		req.KernelVersion = readProc("/proc/sys/kernel/osrelease")
	}
	if req.Architecture == "" {
		req.Architecture = defaultArch(runtime.GOARCH, dist, req.KernelVersion)
	}
	// Any spelling in, the canonical arch out: the service keys builds by
	// it, and the workflow picks its runner by it.
	arch, err := matrixgen.ParseArch(req.Architecture)
	if err != nil {
		return usageErr("--arch: %v", err)
	}
	req.Architecture = string(arch)
	unameV := false
	if d, ok := matrixgen.Lookup(dist); ok {
		unameV = d.UnameV
	}
	if unameV && req.UnameV == "" {
		req.UnameV = readProc("/proc/sys/kernel/version")
	}
	if !unameV {
		req.UnameV = "" // only Ubuntu's says anything the release does not
	}
	token := ios.Getenv("MATRIXGEN_TOKEN")
	if opts.TokenFile != "" {
		if token, err = secret.Read("--token-file", opts.TokenFile); err != nil {
			return asUsage(err)
		}
	}
	c := &service.Client{Server: opts.Server, Token: token, HTTP: opts.HTTPClient}
	deadline := time.Now().Add(opts.Timeout)
	sctx := ctx
	if opts.Wait {
		c.Retry = &service.Retry{Base: opts.RetryBackoff, Max: opts.RetryMaxBackoff, Sleep: opts.sleep, Log: func(msg string) {
			fmt.Fprintf(ios.ErrOut, "matrixgen request-build: %s\n", msg)
		}}
		var cancel context.CancelFunc
		sctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	st, err := c.Submit(sctx, req)
	var refused *service.RefusedError
	if errors.As(err, &refused) {
		return asUsage(err) // the service refused the kernel: the field and rule are named
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(ios.ErrOut, "matrixgen request-build: %s %s %s (%s): artifact %s, build %s %s\n", dist, ver, req.KernelVersion, req.Architecture, st.Artifact, st.BuildID, st.Status)
	if !opts.Wait && st.Status != service.StateDone {
		fmt.Fprintln(ios.Out, st.BuildID)
		return nil
	}
	st, err = c.Wait(ctx, st, deadline, opts.Backoff, opts.MaxBackoff, func(next service.Status) {
		fmt.Fprintf(ios.ErrOut, "matrixgen request-build: build %s %s\n", next.BuildID, next.Status)
	})
	switch {
	case service.IsWaitTimeout(err):
		return matrixgen.Exit(matrixgen.ExitWaitTimeout, fmt.Errorf("build %s still %s after --timeout %s; ask again later, it may still finish", st.BuildID, st.Status, opts.Timeout))
	case err != nil:
		return err
	case st.Status == service.StateError:
		return matrixgen.Exit(matrixgen.ExitBuildError, fmt.Errorf("build %s failed: %s", st.BuildID, st.Reason))
	case st.Status == service.StateTimedOut:
		return matrixgen.Exit(matrixgen.ExitBuildTimedOut, fmt.Errorf("build %s timed out on the service: %s", st.BuildID, st.Reason))
	}
	if err := service.CheckArtifactURL(st.ArtifactURL); err != nil {
		return fmt.Errorf("build %s is done, but the service's answer is unusable: %w", st.BuildID, err)
	}
	fmt.Fprintln(ios.Out, st.ArtifactURL)
	return nil
}
