package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/service"
)

// fakeBuilds is a build service that answers POST /build queued and each
// GET /status/{id} in_progress until its polls run out, then done with
// artifactURL. It runs on a fixed address that a test can stop and start,
// as a service restarted in place (SIGTERM, back on the same port).
type fakeBuilds struct {
	t           *testing.T
	addr        string
	artifactURL string
	inProgress  int // status polls answered in_progress before done
	// stopAfterPoll stops the service after answering that status poll
	// (0: never), as a SIGTERM would.
	stopAfterPoll int
	redirectTo    string // answer every request with a 307 to this URL

	mu       sync.Mutex
	srv      *http.Server
	posts    []service.Request
	auth     []string
	polls    int
	failNext []int // status codes to answer next, one request each
	header   http.Header
}

// newFakeBuilds reserves a loopback port; the service is down until start.
func newFakeBuilds(t *testing.T) *fakeBuilds {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f := &fakeBuilds{t: t, addr: addr, artifactURL: "https://github.example/acme/drivers/releases/download/drivers-2.4.1-1/driver.deb", inProgress: 2}
	t.Cleanup(f.stop)
	return f
}

func (f *fakeBuilds) url() string { return "http://" + f.addr }

func (f *fakeBuilds) start() {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		f.t.Errorf("restart on %s: %v", f.addr, err)
		return
	}
	srv := &http.Server{Handler: f}
	f.mu.Lock()
	f.srv = srv
	f.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (f *fakeBuilds) stop() {
	f.mu.Lock()
	srv := f.srv
	f.srv = nil
	f.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

func (f *fakeBuilds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.redirectTo != "" {
		http.Redirect(w, r, f.redirectTo, http.StatusTemporaryRedirect)
		return
	}
	if len(f.failNext) > 0 {
		code := f.failNext[0]
		f.failNext = f.failNext[1:]
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"error":"overloaded"}`))
		return
	}
	st := service.Status{BuildID: "b1", Key: "k", Artifact: "driver.deb"}
	switch {
	case r.Method == "POST" && r.URL.Path == "/build":
		var req service.Request
		_ = json.NewDecoder(r.Body).Decode(&req)
		f.posts = append(f.posts, req)
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		st.Status = service.StateQueued
	case r.Method == "GET" && r.URL.Path == "/status/b1":
		f.polls++
		st.Status = service.StateInProgress
		if f.polls > f.inProgress {
			st.Status, st.ArtifactURL = service.StateDone, f.artifactURL
		}
		if f.polls == f.stopAfterPoll {
			go f.stop()
		}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

// requestBuild runs request-build --wait against url with sleep as the
// retry backoff's sleeper; it returns the exit code, stdout and stderr.
func requestBuild(t *testing.T, url string, sleep func(ctx context.Context, d time.Duration) error, extra ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &ioStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string {
		return map[string]string{"MATRIXGEN_TOKEN": "tok_secret"}[k]
	}}
	cmd := newCmdRequestBuild(ios, func(req *service.NodeRequest) error {
		req.Sleep = sleep
		return service.RequestBuild(context.Background(), ios.Out, ios.ErrOut, *req)
	})
	cmd.SetOut(&errOut)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append([]string{"--server", url, "--driver-version", "2.4.1", "--os-release", writeOSRelease(t, "ubuntu", "24.04"),
		"--uname-r", "6.8.0-51-generic", "--uname-v", "#52-Ubuntu SMP", "--arch", "x86_64", "--wait", "--timeout", "60s", "--poll-backoff", "1ms"}, extra...))
	err := cmd.Execute()
	if err != nil {
		errOut.WriteString("matrixgen: " + err.Error() + "\n")
	}
	return matrixgen.ExitCodeOf(err), out.String(), errOut.String()
}

// TestRequestBuildRidesOutOutages: --wait rides out a service that is down
// at start, restarts while the build runs, or answers 503 and 429 for a
// while (issue 13: each exited 1 at once). The backoff's sleeper is the
// test's: it brings the service up or down at chosen retries, so nothing
// waits on real time.
func TestRequestBuildRidesOutOutages(t *testing.T) {
	tests := []struct {
		name string
		// setup runs before request-build; onSleep at each retry pause
		// (n counts them from 1).
		setup   func(f *fakeBuilds)
		onSleep func(f *fakeBuilds, n int)
		retries int // retry lines wanted on stderr
		why     string
	}{
		{
			name:  "down at start, up after three refused attempts",
			setup: func(f *fakeBuilds) {},
			onSleep: func(f *fakeBuilds, n int) {
				if n == 3 {
					f.start()
				}
			},
			retries: 3, why: "connection refused",
		},
		{
			name:  "restarted while waiting",
			setup: func(f *fakeBuilds) { f.inProgress, f.stopAfterPoll = 1<<30, 1; f.start() },
			onSleep: func(f *fakeBuilds, n int) {
				if n == 2 {
					f.mu.Lock()
					f.inProgress = f.polls
					f.mu.Unlock()
					f.start()
				}
			},
			retries: 2, why: "/status/b1", // the status poll fails while down
		},
		{
			name: "503 then 429 with Retry-After, then ok",
			setup: func(f *fakeBuilds) {
				f.start()
				f.failNext = []int{503, 503, 429}
				f.header = http.Header{"Retry-After": {"7"}}
			},
			onSleep: func(f *fakeBuilds, n int) {},
			retries: 3, why: "503 Service Unavailable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeBuilds(t)
			tt.setup(f)
			var slept []time.Duration
			var mu sync.Mutex
			sleep := func(ctx context.Context, d time.Duration) error {
				mu.Lock()
				slept = append(slept, d)
				n := len(slept)
				mu.Unlock()
				tt.onSleep(f, n)
				return nil
			}
			code, stdout, stderr := requestBuild(t, f.url(), sleep)
			if code != 0 || stdout != f.artifactURL+"\n" {
				t.Fatalf("exit %d, stdout %q, want 0 and the artifact URL\nstderr:\n%s", code, stdout, stderr)
			}
			lines := strings.Count(stderr, "; retrying in ")
			if lines != tt.retries || len(slept) != tt.retries || !strings.Contains(stderr, tt.why) {
				t.Errorf("%d retry lines, %d pauses, want %d naming %q:\n%s", lines, len(slept), tt.retries, tt.why, stderr)
			}
			if f.header != nil && !strings.Contains(stderr, "retrying in 7s") {
				t.Errorf("Retry-After: 7 not honoured:\n%s", stderr)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			for _, a := range f.auth {
				if a != "Bearer tok_secret" {
					t.Errorf("POST Authorization %q", a)
				}
			}
		})
	}
}

// TestRequestBuildGivesUpAtTimeout: a service that never comes up is
// retried until --timeout, then an error naming the last failure.
func TestRequestBuildGivesUpAtTimeout(t *testing.T) {
	f := newFakeBuilds(t)
	n := 0
	code, _, stderr := requestBuild(t, f.url(), func(ctx context.Context, d time.Duration) error {
		n++
		time.Sleep(5 * time.Millisecond) // real time must pass for --timeout to
		return nil
	}, "--timeout", "100ms", "--retry-backoff", "10ms")
	if code != matrixgen.ExitFailure || !strings.Contains(stderr, "connection refused") || !strings.Contains(stderr, "gave up") || n == 0 {
		t.Errorf("exit %d after %d retries, want 1 naming the refused connection:\n%s", code, n, stderr)
	}
}

// TestRequestBuildRefusesPostRedirect: a 307 answered to POST /build is
// not followed: the other listener never sees the request or the token,
// and the error names the Location.
func TestRequestBuildRefusesPostRedirect(t *testing.T) {
	other := newFakeBuilds(t)
	other.start()
	redirector := newFakeBuilds(t)
	redirector.redirectTo = other.url() + "/build"
	redirector.start()
	code, stdout, stderr := requestBuild(t, redirector.url(), nil)
	if code != matrixgen.ExitFailure || stdout != "" || !strings.Contains(stderr, "307 Temporary Redirect to "+other.url()+"/build") {
		t.Errorf("exit %d, stdout %q, want 1 naming the Location:\n%s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "retrying") {
		t.Errorf("a redirect was retried:\n%s", stderr)
	}
	other.mu.Lock()
	defer other.mu.Unlock()
	if len(other.posts) != 0 || len(other.auth) != 0 {
		t.Errorf("the redirect's target saw %d POSTs, Authorization %q", len(other.posts), other.auth)
	}
}

// TestRequestBuildChecksArtifactURL: request-build prints the artifact URL
// for a loader to download: anything but an absolute http(s) URL without
// whitespace or control characters is an error, and nothing is printed.
func TestRequestBuildChecksArtifactURL(t *testing.T) {
	for _, bad := range []string{
		"javascript:alert(1)",
		"https://github.example/a.deb\nhttps://evil.example/b.deb",
		"https://github.example/a b.deb",
		"file:///etc/passwd",
		"/releases/download/a.deb",
		"https://github.example/a.deb\x1b[2J",
		"",
	} {
		t.Run(bad, func(t *testing.T) {
			f := newFakeBuilds(t)
			f.artifactURL, f.inProgress = bad, 0
			f.start()
			code, stdout, stderr := requestBuild(t, f.url(), nil)
			if code != matrixgen.ExitFailure || stdout != "" || !strings.Contains(stderr, "artifact_url") {
				t.Errorf("exit %d, stdout %q, want 1 and nothing printed:\n%s", code, stdout, stderr)
			}
		})
	}
	if err := service.CheckArtifactURL("https://github.example/acme/drivers/releases/download/drivers-2.4.1-1/driver_2.4.1_amd64.deb"); err != nil {
		t.Errorf("a good URL: %v", err)
	}
}

// TestRequestBuildCanonicalArch: --arch amd64 (or any spelling) sends the
// canonical arch, the one the service keys builds by.
func TestRequestBuildCanonicalArch(t *testing.T) {
	for spelling, want := range map[string]string{"amd64": "x86_64", "X86_64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "AArch64": "aarch64"} {
		f := newFakeBuilds(t)
		f.start()
		code, _, stderr := requestBuild(t, f.url(), nil, "--arch", spelling)
		if code != 0 {
			t.Fatalf("--arch %s: exit %d\n%s", spelling, code, stderr)
		}
		f.mu.Lock()
		if len(f.posts) != 1 || f.posts[0].Architecture != want {
			t.Errorf("--arch %s sent %+v, want architecture %s", spelling, f.posts, want)
		}
		f.mu.Unlock()
	}
	code, _, stderr := requestBuild(t, "http://127.0.0.1:1", nil, "--arch", "sparc")
	if code != matrixgen.ExitUsage || !strings.Contains(stderr, "--arch") {
		t.Errorf("--arch sparc: exit %d\n%s", code, stderr)
	}
}
