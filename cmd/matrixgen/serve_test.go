package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github/githubtest"
	"github.com/matrixgen/matrixgen/service"
	"github.com/matrixgen/matrixgen/service/githubsvc"
	"github.com/matrixgen/matrixgen/service/servicetest"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var reListening = regexp.MustCompile(`listening on (http://[0-9.:]+)`)

// fakeGitHub serves the github package's fake with Actions in front.
func fakeGitHub(t *testing.T) (*servicetest.Actions, *httptest.Server) {
	t.Helper()
	a := servicetest.NewActions(githubtest.New("acme", "drivers", "main", map[string]string{"kernels.json": baseKernels}))
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, srv
}

// startServe runs `matrixgen serve` in this process until the test ends.
func startServe(t *testing.T, gh *httptest.Server, args ...string) string {
	url, _ := startServeLog(t, gh, args...)
	return url
}

// startServeLog is startServe that also returns serve's stderr.
func startServeLog(t *testing.T, gh *httptest.Server, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var errOut syncBuffer
	ios := &ioStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: &errOut, Getenv: func(k string) string {
		return map[string]string{"GITHUB_TOKEN": "ghs_secret123"}[k]
	}}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--repo", "acme/drivers", "--github-url", gh.URL + "/", "--listen", "127.0.0.1:0", "--poll-interval", "50ms"}, args...), ios)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d after SIGTERM-like cancel:\n%s", code, errOut.String())
		}
		if strings.Contains(errOut.String(), "ghs_secret123") {
			t.Errorf("the token appears in serve's log")
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := reListening.FindStringSubmatch(errOut.String()); m != nil {
			return m[1], &errOut
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s", code, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not listen:\n%s", errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func writeOSRelease(t *testing.T, id, version string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "os-release")
	if err := os.WriteFile(p, []byte(fmt.Sprintf("NAME=\"X\"\nID=%s\nVERSION_ID=\"%s\"\n", id, version)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRequestBuildWaitWholeLoop: request-build --wait against a served
// instance on the fake GitHub: dispatch, run, done, PR opened.
func TestRequestBuildWaitWholeLoop(t *testing.T) {
	a, gh := fakeGitHub(t)
	a.CompleteAfter = 2
	url, serveLog := startServeLog(t, gh, "--store", "sqlite:"+filepath.Join(t.TempDir(), "b.db"))
	osr := writeOSRelease(t, "ubuntu", "24.04")
	res := runCLI(t, "", nil, "request-build", "--server", url, "--driver-version", "2.4.1", "--os-release", osr,
		"--uname-r", "6.8.0-51-generic", "--uname-v", "#52-Ubuntu SMP PREEMPT_DYNAMIC Thu Dec  5 13:09:44 UTC 2024", "--arch", "x86_64",
		"--wait", "--timeout", "60s", "--poll-backoff", "20ms")
	t.Logf("request-build:\n%s%s[exit %d]", res.stderr, res.stdout, res.code)
	const art = "driver-ubuntu-24.04-6.8.0-51-generic_2.4.1_amd64.deb"
	if res.code != 0 || !strings.HasSuffix(res.stdout, "/"+art+"\n") || !strings.Contains(res.stderr, "artifact "+art) {
		t.Fatalf("exit %d\nstdout %q\nstderr %s", res.code, res.stdout, res.stderr)
	}
	if n := a.Dispatches(); n != 1 {
		t.Errorf("%d dispatches, want 1", n)
	}
	servicetest.WaitFor(t, "the PR", func() bool { return len(a.Pulls()) == 1 })
	if p := a.Pulls()[0]; !strings.Contains(p.Head, "add-kernel/ubuntu/24-04/x86_64/6-8-0-51-generic") {
		t.Errorf("PR head %q", p.Head)
	}
	t.Logf("serve:\n%s\nPR: %+v", serveLog.String(), a.Pulls()[0])
	// Asked again: answered done from the release, nothing dispatched.
	again := runCLI(t, "", nil, "request-build", "--server", url, "--driver-version", "2.4.1", "--os-release", osr,
		"--uname-r", "6.8.0-51-generic", "--uname-v", "#52-Ubuntu SMP", "--arch", "x86_64", "--wait", "--poll-backoff", "20ms")
	if again.code != 0 || again.stdout != res.stdout || a.Dispatches() != 1 {
		t.Errorf("again: exit %d %q, %d dispatches", again.code, again.stdout, a.Dispatches())
	}
	if code, body := get(t, url+"/readyz"); code != 200 || !strings.Contains(body, `"ready"`) {
		t.Errorf("/readyz: %d %s", code, body)
	}
	_, metrics := get(t, url+"/metrics")
	for _, want := range []string{
		`matrixgen_http_requests_total{code="202",route="POST /build"} 1`,
		`matrixgen_http_requests_total{code="200",route="POST /build"} 1`,
		`matrixgen_build_dedupe_hits_total 1`,
		`matrixgen_builds{state="done"} 1`,
		`matrixgen_builds{state="queued"} 0`,
		`matrixgen_dispatch_latency_seconds_count 1`,
		`matrixgen_build_duration_seconds_count{state="done"} 1`,
		`matrixgen_github_requests_total{op="dispatch",outcome="ok"} 1`,
		`matrixgen_github_http_requests_total{code="200",method="POST"} 1`, // the dispatch with run details
		`matrixgen_github_rate_limit_waits_total 0`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", metrics)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRequestBuildOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		conclusion string
		hang       bool
		serveArgs  []string
		args       []string
		code       int
		stderr     string
	}{
		{"run fails", "failure", false, []string{"--build-timeout", "60s"}, nil, matrixgen.ExitBuildError, "workflow run concluded failure: https://github.invalid/acme/drivers/actions/runs/1"},
		{"service times the build out", "", true, nil, []string{"--timeout", "60s"}, matrixgen.ExitBuildTimedOut, "timed out on the service"},
		// The service's own timeout is far off, so only the client's can end it; 1s, not less,
		// so that on a loaded machine the POST itself is answered before it (it failed once at 100ms).
		{"client gives up", "", true, []string{"--build-timeout", "60s"}, []string{"--timeout", "1s"}, matrixgen.ExitWaitTimeout, "after --timeout 1s"},
		{"refused kernel", "", false, nil, []string{"--uname-r", "6.8.0-51-generic;reboot"}, matrixgen.ExitUsage, "kernel_version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, gh := fakeGitHub(t)
			a.Conclusion = tt.conclusion
			if tt.hang {
				a.CompleteAfter = 1 << 30
			}
			url := startServe(t, gh, append([]string{"--store", "sqlite:" + filepath.Join(t.TempDir(), "b.db"), "--build-timeout", "300ms"}, tt.serveArgs...)...)
			args := append([]string{"request-build", "--server", url, "--driver-version", "2.4.1", "--os-release", writeOSRelease(t, "amzn", "2023"),
				"--uname-r", "6.1.174-217.345.amzn2023.x86_64", "--arch", "x86_64", "--wait", "--poll-backoff", "20ms"}, tt.args...)
			res := runCLI(t, "", nil, args...)
			if res.code != tt.code || !strings.Contains(res.stderr, tt.stderr) || res.stdout != "" {
				t.Errorf("exit %d, want %d with %q\nstdout %q\nstderr %s", res.code, tt.code, tt.stderr, res.stdout, res.stderr)
			}
		})
	}
}

func TestServeConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "serve.json")
	if err := os.WriteFile(cfg, []byte(`{"repo": "acme/drivers", "poll-interval": "5s", "listen": "127.0.0.1:9999", "default-distro-version": ["ubuntu=24.04", "debian=12"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(`{"repo": "acme/drivers", "poll-intervall": "5s"}`), 0o644)
	tests := []struct {
		name string
		args []string
		want func(*githubsvc.Settings) bool
		code int
		err  string
	}{
		{"file only", []string{"--config", cfg}, func(o *githubsvc.Settings) bool {
			return o.Repo == "acme/drivers" && o.PollInterval == 5*time.Second && o.Listen == "127.0.0.1:9999" && strings.Join(o.DefaultVersions, ",") == "ubuntu=24.04,debian=12" && o.BuildTimeout == service.DefaultBuildTimeout
		}, 0, ""},
		{"flags win", []string{"--config", cfg, "--poll-interval", "1s", "--repo", "other/repo"}, func(o *githubsvc.Settings) bool {
			return o.Repo == "other/repo" && o.PollInterval == time.Second && o.Listen == "127.0.0.1:9999"
		}, 0, ""},
		{"no file", []string{"--repo", "acme/drivers"}, func(o *githubsvc.Settings) bool {
			return o.PollInterval == 15*time.Second && o.Listen == "127.0.0.1:8080" && o.Workflow == "driver-build.yml"
		}, 0, ""},
		{"unknown key", []string{"--config", bad}, nil, matrixgen.ExitUsage, `unknown key "poll-intervall"`},
		{"no repo", nil, nil, matrixgen.ExitUsage, "--repo OWNER/NAME is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *githubsvc.Settings
			var out, errOut bytes.Buffer
			ios := &ioStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
			cmd := newCmdServe(ios, func(o *githubsvc.Settings) error { got = o; return nil })
			typeUsageErrors(cmd)
			cmd.SetArgs(tt.args)
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			if code := matrixgen.ExitCodeOf(err); code != tt.code || (tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err))) {
				t.Fatalf("exit %d (%v), want %d %q", code, err, tt.code, tt.err)
			}
			if tt.want != nil && (got == nil || !tt.want(got)) {
				t.Errorf("options %+v", got)
			}
		})
	}
}

// TestHelperServe is not a test: the kill -9 test runs the test binary
// as `matrixgen serve` through it.
func TestHelperServe(t *testing.T) {
	args := os.Getenv("MATRIXGEN_HELPER_SERVE")
	if args == "" {
		t.Skip("helper process for TestServeKilledMidBuild")
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	os.Exit(run(ctx, strings.Split(args, "\x1f"), systemIO()))
}

// TestServeKilledMidBuild: kill -9 a serve process whose build is in
// progress, start another on the same store: it resumes the build (River
// hands the follow job on) and finishes it, with no second dispatch.
func TestServeKilledMidBuild(t *testing.T) {
	a, gh := fakeGitHub(t)
	a.CompleteAfter = 1 << 30
	store := "sqlite:" + filepath.Join(t.TempDir(), "b.db")
	spawn := func() (*exec.Cmd, string) {
		args := []string{"serve", "--repo", "acme/drivers", "--github-url", gh.URL + "/", "--listen", "127.0.0.1:0", "--store", store,
			"--poll-interval", "50ms", "--job-timeout", "1s", "--rescue-after", "2s"}
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
		cmd.Env = append(os.Environ(), "MATRIXGEN_HELPER_SERVE="+strings.Join(args, "\x1f"), "GITHUB_TOKEN=ghs_secret123")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		urls := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if m := reListening.FindStringSubmatch(sc.Text()); m != nil {
					urls <- m[1]
				}
			}
		}()
		select {
		case u := <-urls:
			return cmd, u
		case <-time.After(30 * time.Second):
			t.Fatal("serve subprocess did not listen")
		}
		return nil, ""
	}
	first, url := spawn()
	body, _ := json.Marshal(service.Request{KernelVersion: "6.1.174-217.345.amzn2023.x86_64", Architecture: "x86_64", Distribution: "amazonlinux", DriverVersion: "2.4.1"})
	resp, err := http.Post(url+"/build", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var st service.Status
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	getStatus := func(url string) service.Status {
		resp, err := http.Get(url + "/status/" + st.BuildID)
		if err != nil {
			return service.Status{}
		}
		defer resp.Body.Close()
		var s service.Status
		_ = json.NewDecoder(resp.Body).Decode(&s)
		return s
	}
	servicetest.WaitFor(t, "in_progress", func() bool { return getStatus(url).Status == service.StateInProgress })
	servicetest.WaitFor(t, "a poll of the run", func() bool { return a.ListCalls() > 0 })
	if err := first.Process.Kill(); err != nil { // SIGKILL: no shutdown, jobs left as they were
		t.Fatal(err)
	}
	_ = first.Wait()
	a.SetCompleteAfter(0)
	_, url2 := spawn()
	var end service.Status
	servicetest.WaitFor(t, "the build to end on the second process", func() bool {
		end = getStatus(url2)
		return end.Status == service.StateDone || end.Status == service.StateError || end.Status == service.StateTimedOut
	})
	if end.Status != service.StateDone || !strings.HasSuffix(end.ArtifactURL, "/driver-amazonlinux-2023-6.1.174-217.345.amzn2023.x86_64_2.4.1_x86_64.rpm") {
		t.Errorf("end: %+v", end)
	}
	if n := a.Dispatches(); n != 1 {
		t.Errorf("%d dispatches, want 1", n)
	}
}

// TestServeTranscripts records the error messages of serve and
// request-build that need no server (golden files, -update rewrites).
func TestServeTranscripts(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"serve-no-repo", []string{"serve"}, 2},
		{"serve-config-unknown-key", []string{"serve", "--config", "testdata/serve-bad-key.json"}, 2},
		{"serve-bad-store", []string{"serve", "--repo", "acme/drivers", "--store", "mysql://db/x"}, 2},
		{"serve-bad-default-version", []string{"serve", "--repo", "acme/drivers", "--default-distro-version", "ubuntu"}, 2},
		{"serve-bad-repo", []string{"serve", "--repo", "acme"}, 2},
		{"request-build-no-server", []string{"request-build", "--driver-version", "1.0"}, 2},
		{"request-build-unknown-distribution", []string{"request-build", "--server", "http://127.0.0.1:1", "--driver-version", "1.0", "--os-release", "testdata/os-release-arch"}, 2},
		{"request-build-no-os-release", []string{"request-build", "--server", "http://127.0.0.1:1", "--driver-version", "1.0", "--os-release", "testdata/nope"}, 2},
	}
	// A token, so each case reaches the check it is about.
	env := map[string]string{"GITHUB_TOKEN": "ghs_secret123"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", env, tt.args...)
			if r.code != tt.code {
				t.Errorf("matrixgen %s: exit %d, want %d\n%s", strings.Join(tt.args, " "), r.code, tt.code, r.stderr)
			}
			checkGolden(t, tt.name, tt.args, r)
		})
	}
	// Without one, serve refuses to start: every dispatch would be refused.
	t.Run("serve-no-token", func(t *testing.T) {
		transcript(t, "serve-no-token", "", 2, "serve", "--repo", "acme/drivers", "--store", "sqlite:/nonexistent/b.db")
	})
}
