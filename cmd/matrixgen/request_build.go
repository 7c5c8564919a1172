package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen/service"
)

// request-build's own exit codes, one per way a build can fail to arrive.
const (
	// Codes of their own, after resolve's 6: one meaning per code across the CLI.
	exitBuildError    = 7 // the build ended in error (the workflow run failed)
	exitBuildTimedOut = 8 // the service gave up on the build (its --build-timeout)
	exitWaitTimeout   = 9 // --timeout passed before the build ended
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
	HTTPClient          *http.Client
}

func newCmdRequestBuild(ios *ioStreams, runF func(*requestBuildOptions) error) *cobra.Command {
	opts := &requestBuildOptions{io: ios, Backoff: time.Second, MaxBackoff: 30 * time.Second}
	cmd := &cobra.Command{
		Use:   "request-build --server URL --driver-version V [--wait]",
		Short: "Ask a build service for this node's driver (the loader's side of serve)",
		Long: `Ask a matrixgen build service (matrixgen serve) for a build for the kernel
this node runs. The distribution and its version come from os-release (ID,
VERSION_ID: rhel, rocky, almalinux, ol, amzn, ubuntu, debian, fedora, centos),
the release from uname -r and, on Ubuntu, the upload from uname -v, unless
given. It prints the artifact name the service builds (on stderr) and the
build's status; with --wait it polls, backing off from 1s to 30s, until the
build ends: done prints the artifact URL on stdout.

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
	f.StringVar(&opts.Arch, "arch", "", "architecture (default: this machine's: x86_64, aarch64)")
	f.StringVar(&opts.DistroVersion, "distro-version", "", "distro version (default: from os-release)")
	f.BoolVar(&opts.Wait, "wait", false, "wait until the build ends")
	f.DurationVar(&opts.Timeout, "timeout", 20*time.Minute, "with --wait: give up after this long")
	f.StringVar(&opts.TokenFile, "token-file", "", "bearer token for the service (default: $MATRIXGEN_TOKEN)")
	// Tests shorten the backoff; not for users.
	f.DurationVar(&opts.Backoff, "poll-backoff", opts.Backoff, "first pause between two status polls")
	_ = f.MarkHidden("poll-backoff")
	_ = cmd.MarkFlagRequired("server")
	_ = cmd.MarkFlagRequired("driver-version")
	return cmd
}

// osReleaseIDs maps os-release ID to matrixgen's distribution.
var osReleaseIDs = map[string]string{
	"rhel": "rhel", "rocky": "rocky", "almalinux": "almalinux", "ol": "oracle", "amzn": "amazonlinux",
	"ubuntu": "ubuntu", "debian": "debian", "fedora": "fedora", "centos": "centos",
}

// parseOSRelease reads ID and VERSION_ID (os-release(5): KEY=VALUE, the
// value optionally quoted) and maps them to a distribution and version.
func parseOSRelease(r io.Reader, name string) (distribution, version string, err error) {
	vals := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return "", "", fmt.Errorf("%s:%d: want KEY=VALUE, got %q", name, n, line)
		}
		if v != "" && (v[0] == '"' || v[0] == '\'') {
			if len(v) < 2 || v[len(v)-1] != v[0] {
				return "", "", fmt.Errorf("%s:%d: %s: unterminated quote", name, n, k)
			}
			v = v[1 : len(v)-1]
		}
		vals[k] = v
	}
	if err := sc.Err(); err != nil {
		return "", "", fmt.Errorf("%s: %w", name, err)
	}
	// os-release(5): ID and VERSION_ID hold lowercase letters, digits
	// and "._-" only (VERSION_ID may have capitals in the wild).
	for _, k := range []string{"ID", "VERSION_ID"} {
		if strings.IndexFunc(vals[k], func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
		}) >= 0 {
			return "", "", fmt.Errorf("%s: %s=%q: want letters, digits and . _ - only", name, k, vals[k])
		}
	}
	id := vals["ID"]
	distribution, ok := osReleaseIDs[id]
	if !ok {
		return "", "", fmt.Errorf("%s: ID=%q is not a distribution matrixgen builds for (rhel, rocky, almalinux, ol, amzn, ubuntu, debian, fedora, centos)", name, id)
	}
	version = vals["VERSION_ID"]
	switch distribution {
	case "rhel", "rocky", "almalinux", "oracle":
		version, _, _ = strings.Cut(version, ".") // 9.4 → 9: builds are per major
	case "centos":
		version, _, _ = strings.Cut(version, ".")
		if n, err := strconv.Atoi(version); err == nil && n >= 9 {
			version = "stream" + version // CentOS Stream 9 and later say VERSION_ID="9"
		}
	}
	return distribution, version, nil
}

func hostArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return runtime.GOARCH
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
	dist, ver, err := parseOSRelease(f, opts.OSRelease)
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
		req.Architecture = hostArch()
	}
	if dist == "ubuntu" && req.UnameV == "" {
		req.UnameV = readProc("/proc/sys/kernel/version")
	}
	if dist != "ubuntu" {
		req.UnameV = "" // only Ubuntu's says anything the release does not
	}
	token := ios.Getenv("MATRIXGEN_TOKEN")
	if opts.TokenFile != "" {
		if token, err = firstLine("--token-file", opts.TokenFile); err != nil {
			return asUsage(err)
		}
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	server := strings.TrimRight(opts.Server, "/")
	body, _ := json.Marshal(req)
	st, err := call(ctx, client, "POST", server+"/build", token, body)
	if err != nil {
		return err
	}
	fmt.Fprintf(ios.ErrOut, "matrixgen request-build: %s %s %s (%s): artifact %s, build %s %s\n", dist, ver, req.KernelVersion, req.Architecture, st.Artifact, st.BuildID, st.Status)
	if !opts.Wait && st.Status != service.StateDone {
		fmt.Fprintln(ios.Out, st.BuildID)
		return nil
	}
	deadline := time.Now().Add(opts.Timeout)
	pause := opts.Backoff
	for {
		switch st.Status {
		case service.StateDone:
			fmt.Fprintln(ios.Out, st.ArtifactURL)
			return nil
		case service.StateError:
			return &exitError{code: exitBuildError, err: fmt.Errorf("build %s failed: %s", st.BuildID, st.Reason)}
		case service.StateTimedOut:
			return &exitError{code: exitBuildTimedOut, err: fmt.Errorf("build %s timed out on the service: %s", st.BuildID, st.Reason)}
		}
		if time.Now().Add(pause).After(deadline) {
			return &exitError{code: exitWaitTimeout, err: fmt.Errorf("build %s still %s after --timeout %s; ask again later, it may still finish", st.BuildID, st.Status, opts.Timeout)}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*2, opts.MaxBackoff)
		next, err := call(ctx, client, "GET", server+"/status/"+st.BuildID, "", nil)
		if err != nil {
			return err
		}
		if next.Status != st.Status {
			fmt.Fprintf(ios.ErrOut, "matrixgen request-build: build %s %s\n", next.BuildID, next.Status)
		}
		st = next
	}
}

// call sends one request to the service; a 400 is the service refusing
// the kernel, a usage error naming the field.
func call(ctx context.Context, c *http.Client, method, url, token string, body []byte) (service.Status, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return service.Status{}, asUsage(fmt.Errorf("--server: %w", err))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return service.Status{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return service.Status{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		_ = json.Unmarshal(raw, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(raw))
		}
		err := fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, e.Error)
		if resp.StatusCode == http.StatusBadRequest {
			return service.Status{}, asUsage(err)
		}
		return service.Status{}, err
	}
	var st service.Status
	if err := json.Unmarshal(raw, &st); err != nil {
		return service.Status{}, fmt.Errorf("%s %s: answer: %w", method, url, err)
	}
	if st.BuildID == "" {
		return service.Status{}, errors.New(method + " " + url + ": answer holds no build_id")
	}
	return st, nil
}
