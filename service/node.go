package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/secret"
)

// NodeRequest is what a node's loader asks a build service for
// (matrixgen request-build): the build of the driver for the kernel it
// runs. Empty kernel fields are this node's own.
type NodeRequest struct {
	Server        string // the service's base URL
	Token         string // bearer token for the service, "" for none
	TokenFile     string // when set, the token is this file's first line instead
	DriverVersion string
	OSRelease     string // the os-release file: the distribution and its version
	Release       string // "": this kernel's (uname -r)
	UnameV        string // "": this kernel's (uname -v), read on distributions whose uname -v says anything
	Arch          string // any spelling; "": this machine's (DefaultArch)
	DistroVersion string // "": os-release's VERSION_ID
	// Wait polls until the build ends, riding out a service that is down
	// or overloaded, for at most Timeout.
	Wait    bool
	Timeout time.Duration
	// PollBackoff is the first pause between two status polls, doubled up
	// to PollMaxBackoff; RetryBackoff the first pause after a transient
	// failure, doubled up to RetryMaxBackoff, with jitter.
	PollBackoff, PollMaxBackoff   time.Duration
	RetryBackoff, RetryMaxBackoff time.Duration
	HTTPClient                    *http.Client                                     // nil: Client's default
	Sleep                         func(ctx context.Context, d time.Duration) error // nil: a timer; tests replace it
	// Words names the options above in messages (the CLI: as flags).
	Words matrixgen.Vocabulary
	// GOARCH and Proc are the machine: runtime.GOARCH, and the directory
	// of /proc/sys/kernel/osrelease and version ("/proc/sys/kernel").
	GOARCH, Proc string
}

// DefaultArch is the arch a node asks for when none is given: the
// machine's (goarch is runtime.GOARCH), except that a 64k-page kernel on
// aarch64 (RHEL's kernel-64k, release ending +64k) is its own build.
func DefaultArch(goarch, distribution, release string) string {
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

func readProc(dir, name string) string {
	b, err := os.ReadFile(dir + "/" + name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// request is n's Request: the kernel, read from the node where n leaves
// it out. A value the node gave that cannot be right is a usage error.
func (n NodeRequest) request() (Request, error) {
	f, err := os.Open(n.OSRelease)
	if err != nil {
		return Request{}, matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf("%s: %w", n.Words.Name("os-release"), err))
	}
	dist, ver, err := ParseOSRelease(f, n.OSRelease)
	f.Close()
	if err != nil {
		return Request{}, matrixgen.Exit(matrixgen.ExitUsage, err)
	}
	if n.DistroVersion != "" {
		ver = n.DistroVersion
	}
	req := Request{Distribution: dist, DistroVersion: ver, DriverVersion: n.DriverVersion, KernelVersion: n.Release, Architecture: n.Arch, UnameV: n.UnameV}
	if req.KernelVersion == "" {
		req.KernelVersion = readProc(n.Proc, "osrelease")
	}
	if req.Architecture == "" {
		req.Architecture = DefaultArch(n.GOARCH, dist, req.KernelVersion)
	}
	// Any spelling in, the canonical arch out: the service keys builds by
	// it, and the workflow picks its runner by it.
	arch, err := matrixgen.ParseArch(req.Architecture)
	if err != nil {
		return Request{}, matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf("%s: %v", n.Words.Name("arch"), err))
	}
	req.Architecture = string(arch)
	unameV := false
	if d, ok := matrixgen.Lookup(dist); ok {
		unameV = d.UnameV
	}
	if unameV && req.UnameV == "" {
		req.UnameV = readProc(n.Proc, "version")
	}
	if !unameV {
		req.UnameV = "" // only Ubuntu's says anything the release does not
	}
	return req, nil
}

// RequestBuild asks the service for n's build. It says on log what it
// asked and each status it sees, and prints on out the build id (without
// Wait, a build not done yet) or the artifact URL of the build done. Its
// errors carry their exit code: 2 for a kernel the service refused (the
// field and rule named), 7 a build that failed, 8 one the service timed
// out, 9 Timeout passed first.
func RequestBuild(ctx context.Context, out, log io.Writer, n NodeRequest) error {
	if n.TokenFile != "" {
		var err error
		if n.Token, err = secret.Read(n.Words.Name("token-file"), n.TokenFile); err != nil {
			return matrixgen.AsUsage(err)
		}
	}
	req, err := n.request()
	if err != nil {
		return err
	}
	c := &Client{Server: n.Server, Token: n.Token, HTTP: n.HTTPClient}
	deadline := time.Now().Add(n.Timeout)
	sctx := ctx
	if n.Wait {
		c.Retry = &Retry{Base: n.RetryBackoff, Max: n.RetryMaxBackoff, Sleep: n.Sleep, Log: func(msg string) {
			fmt.Fprintf(log, "matrixgen request-build: %s\n", msg)
		}}
		var cancel context.CancelFunc
		sctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	st, err := c.Submit(sctx, req)
	var refused *RefusedError
	if errors.As(err, &refused) {
		return matrixgen.Exit(matrixgen.ExitUsage, err) // the service refused the kernel: the field and rule are named
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "matrixgen request-build: %s %s %s (%s): artifact %s, build %s %s\n", req.Distribution, req.DistroVersion, req.KernelVersion, req.Architecture, st.Artifact, st.BuildID, st.Status)
	if !n.Wait && st.Status != StateDone {
		fmt.Fprintln(out, st.BuildID)
		return nil
	}
	st, err = c.Wait(ctx, st, deadline, n.PollBackoff, n.PollMaxBackoff, func(next Status) {
		fmt.Fprintf(log, "matrixgen request-build: build %s %s\n", next.BuildID, next.Status)
	})
	switch {
	case IsWaitTimeout(err):
		return matrixgen.Exit(matrixgen.ExitWaitTimeout, fmt.Errorf("build %s still %s after %s %s; ask again later, it may still finish", st.BuildID, st.Status, n.Words.Name("timeout"), n.Timeout))
	case err != nil:
		return err
	case st.Status == StateError:
		return matrixgen.Exit(matrixgen.ExitBuildError, fmt.Errorf("build %s failed: %s", st.BuildID, st.Reason))
	case st.Status == StateTimedOut:
		return matrixgen.Exit(matrixgen.ExitBuildTimedOut, fmt.Errorf("build %s timed out on the service: %s", st.BuildID, st.Reason))
	}
	if err := CheckArtifactURL(st.ArtifactURL); err != nil {
		return fmt.Errorf("build %s is done, but the service's answer is unusable: %w", st.BuildID, err)
	}
	fmt.Fprintln(out, st.ArtifactURL)
	return nil
}
