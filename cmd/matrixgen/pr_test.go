package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github"
	"github.com/matrixgen/matrixgen/github/githubtest"
	"github.com/matrixgen/matrixgen/kernelsfile"
	"github.com/matrixgen/matrixgen/schemas"
)

var epoch = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

const baseKernels = `{
  "x86_64": [
    {"target": "amazonlinux", "kernelrelease": "6.12.58-82.121.amzn2023.x86_64", "distroversion": "2023"}
  ]
}
`

// newFake serves a fake acme/drivers whose main holds kernels.json.
func newFake(t *testing.T, kernelsJSON string) (*githubtest.Server, *httptest.Server) {
	t.Helper()
	fake := githubtest.New("acme", "drivers", "main", map[string]string{"kernels.json": kernelsJSON, "README.md": "drivers\n"})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, srv
}

// runPR runs the real pr command against srv with clock.
func runPR(t *testing.T, srv *httptest.Server, clock *githubtest.Clock, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	if env == nil {
		env = map[string]string{"GITHUB_TOKEN": "ghs_secret123"}
	}
	ios := &ioStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return env[k] }}
	root := &cobra.Command{Use: "matrixgen", SilenceUsage: true, SilenceErrors: true}
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.AddCommand(newCmdPR(ios, &prDeps{Clock: clock}))
	typeUsageErrors(root)
	root.SetArgs(append(args, "--github-url", srv.URL+"/"))
	err := root.ExecuteContext(context.Background())
	var ee *matrixgen.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.Err != nil) { // as run prints it
		fmt.Fprintln(&errOut, "matrixgen:", err)
	}
	if strings.Contains(out.String()+errOut.String(), "ghs_secret123") {
		t.Errorf("the token appears in the output:\n%s\n%s", out.String(), errOut.String())
	}
	return result{matrixgen.ExitCodeOf(err), out.String(), errOut.String()}
}

var gcp2404 = []string{"pr", "add-kernel", "--repo", "acme/drivers", "--target", "ubuntu", "--arch", "x86_64", "--release", "6.8.0-1042-gcp", "--distro-version", "24.04", "--seen-in", "on-demand build 4711"}

func TestPRAddKernelNewThenNoop(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	clock := githubtest.NewClock(epoch)
	r := runPR(t, srv, clock, nil, gcp2404...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	const branch = "add-kernel/ubuntu/24-04/x86_64/6-8-0-1042-gcp"
	if got := fake.Branches(); !slices.Equal(got, []string{branch, "main"}) {
		t.Fatalf("branches %v", got)
	}
	head, _ := fake.Commit(fake.Head(branch))
	if !slices.Equal(head.Parents, []string{fake.Head("main")}) {
		t.Errorf("branch commit parents %v, want main %s", head.Parents, fake.Head("main"))
	}
	if head.Message != "kernels.json: add ubuntu 24.04 x86_64 6.8.0-1042-gcp\n\nAdded by matrixgen pr.\n" {
		t.Errorf("commit message %q", head.Message)
	}
	got := head.Files["kernels.json"]
	want := `{
  "x86_64": [
    {"target": "amazonlinux", "kernelrelease": "6.12.58-82.121.amzn2023.x86_64", "distroversion": "2023"},
    {"target": "ubuntu", "kernelrelease": "6.8.0-1042-gcp", "distroversion": "24.04"}
  ]
}
`
	if got != want {
		t.Errorf("kernels.json on the branch:\n%s\nwant:\n%s", got, want)
	}
	if err := schemas.Validate(schemas.Kernels, []byte(got)); err != nil {
		t.Errorf("not schema-valid: %v", err)
	}
	if head.Files["README.md"] != "drivers\n" {
		t.Errorf("the commit lost README.md: %v", head.Files)
	}
	pulls := fake.Pulls()
	if len(pulls) != 1 || pulls[0].Head != branch || pulls[0].Base != "main" || pulls[0].Title != "kernels.json: add ubuntu 24.04 x86_64 6.8.0-1042-gcp" {
		t.Fatalf("pulls %+v", pulls)
	}
	for _, s := range []string{"| ubuntu | 24.04 | x86_64 | `6.8.0-1042-gcp` | gcp |", "given by --distro-version, checked against the release", "on-demand build 4711"} {
		if !strings.Contains(pulls[0].Body, s) {
			t.Errorf("PR body lacks %q:\n%s", s, pulls[0].Body)
		}
	}
	if !strings.Contains(r.stderr, "matrixgen: created: "+branch+": opened PR #1") {
		t.Errorf("stderr: %s", r.stderr)
	}

	writes := len(fake.Writes())
	r = runPR(t, srv, clock, nil, gcp2404...)
	if r.code != 0 || !strings.Contains(r.stderr, "pr-open: "+branch+": branch "+branch+" exists with open PR #1") {
		t.Errorf("second run: exit %d\n%s", r.code, r.stderr)
	}
	if len(fake.Writes()) != writes || len(fake.Pulls()) != 1 {
		t.Errorf("second run wrote: %v", fake.Writes()[writes:])
	}

	// Once merged into main, the kernel is in the base: nothing to do.
	fake.PushCommit("main", "main", "merge", map[string]string{"kernels.json": want})
	r = runPR(t, srv, clock, nil, gcp2404...)
	if r.code != 0 || !strings.Contains(r.stderr, "already-in-base: "+branch+": kernels.json on main already holds it") {
		t.Errorf("after merge: exit %d\n%s", r.code, r.stderr)
	}
	if len(clock.Slept()) != 0 {
		t.Errorf("waited %v with no rate limit", clock.Slept())
	}
}

func TestPRAddKernelConcurrent(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	var wg sync.WaitGroup
	results := make([]result, 20)
	for i := range results {
		wg.Go(func() { results[i] = runPR(t, srv, githubtest.NewClock(epoch), nil, gcp2404...) })
	}
	wg.Wait()
	statuses := map[string]int{}
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("run %d: exit %d\n%s", i, r.code, r.stderr)
		}
		statuses[strings.SplitN(strings.TrimPrefix(r.stderr, "matrixgen: "), ":", 2)[0]]++
	}
	if got := fake.Branches(); len(got) != 2 {
		t.Errorf("branches %v, want main and one kernel branch", got)
	}
	if p := fake.Pulls(); len(p) != 1 {
		t.Errorf("%d pull requests, want 1: %+v", len(p), p)
	}
	if statuses["created"]+statuses["pr-opened"] != 1 {
		t.Errorf("statuses %v: want exactly one run that opened the PR", statuses)
	}
}

func TestPRAddKernelHWEAndBackports(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	clock := githubtest.NewClock(epoch)
	for _, args := range [][]string{
		{"--target", "ubuntu", "--arch", "x86_64", "--release", "6.8.0-51-generic", "--distro-version", "22.04"},
		{"--target", "ubuntu", "--arch", "x86_64", "--release", "6.8.0-51-generic", "--distro-version", "24.04"},
		{"--target", "debian", "--arch", "x86_64", "--release", "5.10.0-0.deb10.16-amd64"},
	} {
		r := runPR(t, srv, clock, nil, append([]string{"pr", "add-kernel", "--repo", "acme/drivers"}, args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	want := []string{
		"add-kernel/debian/10/x86_64/5-10-0-0-deb10-16-amd64.81",
		"add-kernel/ubuntu/22-04/x86_64/6-8-0-51-generic",
		"add-kernel/ubuntu/24-04/x86_64/6-8-0-51-generic",
		"main",
	}
	if got := fake.Branches(); !slices.Equal(got, want) {
		t.Errorf("branches:\n%v\nwant\n%v", got, want)
	}
	if len(fake.Pulls()) != 3 {
		t.Errorf("pulls %+v", fake.Pulls())
	}
}

func TestPRAddKernelTildeRelease(t *testing.T) {
	// A ~bpo release: git refuses "~" in ref names.
	fake, srv := newFake(t, baseKernels)
	r := runPR(t, srv, githubtest.NewClock(epoch), nil, "pr", "add-kernel", "--repo", "acme/drivers", "--target", "debian", "--arch", "x86_64", "--release", "4.19.0-0.bpo.19~bpo9+1-amd64")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	const want = "add-kernel/debian/9/x86_64/4-19-0-0-bpo-19_bpo9+1-amd64.83"
	if got := fake.Branches(); !slices.Equal(got, []string{want, "main"}) {
		t.Errorf("branches %v, want %s", got, want)
	}
	if err := github.CheckRefFormat("refs/heads/" + want); err != nil {
		t.Error(err)
	}
	ks, err := kernelsfile.Parse([]byte(mustFile(t, fake, want)), want)
	if err != nil || len(ks) != 2 || ks[1].Release != "4.19.0-0.bpo.19~bpo9+1-amd64" {
		t.Errorf("kernels.json on the branch: %v %v", ks, err)
	}
}

func mustFile(t *testing.T, fake *githubtest.Server, branch string) string {
	t.Helper()
	f, ok := fake.File(branch, "kernels.json")
	if !ok {
		t.Fatalf("no kernels.json on %s", branch)
	}
	return f
}

func TestPRAddKernelRateLimited(t *testing.T) {
	tests := []struct {
		name      string
		fault     func() githubtest.Fault
		match     func(*http.Request) bool
		wantSleep time.Duration
		wantLog   string
	}{
		{"primary on the ref read", func() githubtest.Fault { return githubtest.PrimaryLimit(epoch.Add(10 * time.Minute)) },
			githubtest.Method("GET"), 10*time.Minute + time.Second, "primary rate limit (403, x-ratelimit-remaining 0): resets at 2026-03-14T09:36:53Z"},
		{"secondary on the commit, retry-after", func() githubtest.Fault { return githubtest.SecondaryLimit(403, 90) },
			githubtest.PathSuffix("POST", "/git/commits"), 90 * time.Second, "secondary rate limit (403): retry-after 1m30s"},
		{"secondary 429 on the PR, no retry-after", func() githubtest.Fault { return githubtest.SecondaryLimit(429, 0) },
			githubtest.PathSuffix("POST", "/pulls"), time.Minute, "secondary rate limit (429), no retry-after: backing off"},
		{"502 on the ref create", githubtest.BadGateway, githubtest.PathSuffix("POST", "/git/refs"), time.Second, "502 Bad Gateway: backing off"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, srv := newFake(t, baseKernels)
			fake.FailNext(tc.match, tc.fault())
			clock := githubtest.NewClock(epoch)
			r := runPR(t, srv, clock, nil, gcp2404...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			if got := clock.Slept(); !slices.Equal(got, []time.Duration{tc.wantSleep}) {
				t.Errorf("slept %v, want [%s]", got, tc.wantSleep)
			}
			if !strings.Contains(r.stderr, tc.wantLog) || !strings.Contains(r.stderr, "github: waiting") {
				t.Errorf("stderr lacks %q:\n%s", tc.wantLog, r.stderr)
			}
			if len(fake.Pulls()) != 1 || len(fake.Branches()) != 2 {
				t.Errorf("pulls %v branches %v", fake.Pulls(), fake.Branches())
			}
		})
	}
}

func TestPRAddKernelBadBase(t *testing.T) {
	tests := []struct {
		name, kernels, want string
	}{
		{"malformed", "{\"x86_64\": [\n  {\"target\": \"ubuntu\",\n", "acme/drivers:main:kernels.json:3:1"},
		{"contradiction", `{"x86_64": [{"target": "fedora", "kernelrelease": "6.14.0-100.fc42.x86_64", "distroversion": "41"}]}`, "contradicts the release"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, srv := newFake(t, tc.kernels)
			r := runPR(t, srv, githubtest.NewClock(epoch), nil, gcp2404...)
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "nothing was sent") {
				t.Errorf("exit %d, want 1 naming %q:\n%s", r.code, tc.want, r.stderr)
			}
			if w := fake.Writes(); len(w) != 0 {
				t.Errorf("writes: %v", w)
			}
		})
	}
}

func TestPRAddKernelExistingBranch(t *testing.T) {
	const branch = "add-kernel/ubuntu/24-04/x86_64/6-8-0-1042-gcp"
	withKernel := strings.Replace(baseKernels, "\"2023\"}\n", "\"2023\"},\n    {\"target\": \"ubuntu\", \"kernelrelease\": \"6.8.0-1042-gcp\", \"distroversion\": \"24.04\"}\n", 1)
	tests := []struct {
		name   string
		setup  func(f *githubtest.Server, srv *httptest.Server)
		code   int
		want   string
		pulls  int
		writes int // writes by the run under test
	}{
		{"bot branch without PR (a crashed run): opens the PR", func(f *githubtest.Server, _ *httptest.Server) {
			f.PushCommit(branch, "main", "kernels.json: add ubuntu 24.04 x86_64 6.8.0-1042-gcp\n\nAdded by matrixgen pr.\n", map[string]string{"kernels.json": withKernel})
		}, 0, "pr-opened: " + branch, 1, 1},
		{"closed PR: skip by default", func(f *githubtest.Server, srv *httptest.Server) {
			runPR(t, srv, githubtest.NewClock(epoch), nil, gcp2404...)
			f.SetPullState(1, "closed")
		}, 0, "pr-closed: " + branch + ": PR #1 for branch " + branch + " was closed without merging: doing nothing", 1, 0},
		{"closed PR: --on-closed reopen opens a new one from the same branch", func(f *githubtest.Server, srv *httptest.Server) {
			runPR(t, srv, githubtest.NewClock(epoch), nil, gcp2404...)
			f.SetPullState(1, "closed")
		}, 0, "pr-opened: " + branch + ": opened PR #2", 2, 1},
		{"name collision: the branch holds another kernel", func(f *githubtest.Server, _ *httptest.Server) {
			f.PushCommit(branch, "main", "something else", map[string]string{"kernels.json": baseKernels + " "})
		}, 1, "does not hold ubuntu/24.04/x86_64/6.8.0-1042-gcp (a name collision)", 0, 0},
		{"someone else's commit on the branch", func(f *githubtest.Server, _ *httptest.Server) {
			f.PushCommit(branch, "main", "hand edit", map[string]string{"kernels.json": withKernel})
		}, 1, "is not the bot's commit for this kernel", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, srv := newFake(t, baseKernels)
			tc.setup(fake, srv)
			before := len(fake.Writes())
			head := fake.Head(branch)
			args := gcp2404
			if strings.Contains(tc.name, "reopen") {
				args = append(slices.Clone(gcp2404), "--on-closed", "reopen")
			}
			r := runPR(t, srv, githubtest.NewClock(epoch), nil, args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d (want %d), stderr lacks %q:\n%s", r.code, tc.code, tc.want, r.stderr)
			}
			if n := len(fake.Pulls()); n != tc.pulls {
				t.Errorf("%d pulls, want %d", n, tc.pulls)
			}
			if w := fake.Writes()[before:]; len(w) != tc.writes {
				t.Errorf("writes %v, want %d", w, tc.writes)
			}
			if fake.Head(branch) != head {
				t.Errorf("the branch moved")
			}
		})
	}
}

func TestPRAddKernelDryRun(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	r := runPR(t, srv, githubtest.NewClock(epoch), nil, append(gcp2404, "--dry-run")...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	main := fake.Head("main")
	want := `repository: acme/drivers (base main)
ref: create refs/heads/add-kernel/ubuntu/24-04/x86_64/6-8-0-1042-gcp at a new commit on main (` + main + `) changing kernels.json
--- a/kernels.json
+++ b/kernels.json
@@ -1,5 +1,6 @@
 {
   "x86_64": [
-    {"target": "amazonlinux", "kernelrelease": "6.12.58-82.121.amzn2023.x86_64", "distroversion": "2023"}
+    {"target": "amazonlinux", "kernelrelease": "6.12.58-82.121.amzn2023.x86_64", "distroversion": "2023"},
+    {"target": "ubuntu", "kernelrelease": "6.8.0-1042-gcp", "distroversion": "24.04"}
   ]
 }
pull request: main <- add-kernel/ubuntu/24-04/x86_64/6-8-0-1042-gcp
title: kernels.json: add ubuntu 24.04 x86_64 6.8.0-1042-gcp
body:
  Adds one kernel to ` + "`kernels.json`" + `.

  | distribution | distro version | arch | kernel release | flavor | distro version rule | seen in |
  |---|---|---|---|---|---|---|
  | ubuntu | 24.04 | x86_64 | ` + "`6.8.0-1042-gcp`" + ` | gcp | given by --distro-version, checked against the release | on-demand build 4711 |

  Opened by ` + "`matrixgen pr`" + ` from branch ` + "`add-kernel/ubuntu/24-04/x86_64/6-8-0-1042-gcp`" + `. The bot adds commits to its branches and never force-pushes them.
`
	if r.stdout != want {
		t.Errorf("plan:\n%s\nwant:\n%s", r.stdout, want)
	}
	if w := fake.Writes(); len(w) != 0 {
		t.Errorf("dry run wrote: %v", w)
	}
}

func TestPRAddKernelsSinglePR(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	dir := t.TempDir()
	from := filepath.Join(dir, "new.json")
	write := func(ks ...matrixgen.Kernel) {
		data, err := kernelsfile.Marshal(ks)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(from, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k1, _ := matrixgen.Make(matrixgen.Spec{Target: "fedora", Arch: "x86_64", Release: "6.14.0-100.fc42.x86_64"})
	k2, _ := matrixgen.Make(matrixgen.Spec{Target: "debian", Arch: "aarch64", Release: "6.12.95+deb12-arm64"})
	write(k1)
	clock := githubtest.NewClock(epoch)
	args := []string{"pr", "add-kernels", "--repo", "acme/drivers", "--from", from, "--single-pr"}
	r := runPR(t, srv, clock, nil, args...)
	const branch = "add-kernels/2026-03-14"
	if r.code != 0 || !strings.Contains(r.stderr, "created: "+branch) {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	first := fake.Head(branch)
	write(k1, k2)
	r = runPR(t, srv, clock, nil, args...)
	if r.code != 0 || !strings.Contains(r.stderr, "updated: "+branch+": added 1 kernels to open PR #1") {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
	}
	second, _ := fake.Commit(fake.Head(branch))
	if !slices.Equal(second.Parents, []string{first}) {
		t.Errorf("second commit's parents %v, want the first %s (no force-push)", second.Parents, first)
	}
	ks, err := kernelsfile.Parse([]byte(second.Files["kernels.json"]), "branch")
	if err != nil || len(ks) != 3 {
		t.Errorf("branch kernels.json: %v %v", ks, err)
	}
	if len(fake.Pulls()) != 1 {
		t.Errorf("pulls: %+v", fake.Pulls())
	}
	r = runPR(t, srv, clock, nil, args...)
	if r.code != 0 || !strings.Contains(r.stderr, "nothing-to-do: "+branch) {
		t.Errorf("third run: exit %d\n%s", r.code, r.stderr)
	}
	// Writes were paced by the default 1s --write-interval.
	for _, d := range clock.Slept() {
		if d <= 0 || d > time.Second {
			t.Errorf("slept %v", d)
		}
	}
	// --dry-run on a day whose branch exists: the update it would make.
	write(k1, k2, mustMake(t, "centos", "6.12.0-212.el10.x86_64"))
	writes := len(fake.Writes())
	r = runPR(t, srv, clock, nil, append(args, "--dry-run")...)
	wantPlan := "ref: update refs/heads/" + branch + " from " + fake.Head(branch) + " to a new commit on it changing kernels.json (fast-forward, no force)\n"
	if r.code != 0 || !strings.Contains(r.stdout, wantPlan) || !strings.Contains(r.stdout, "pull request: one is open already") ||
		!strings.Contains(r.stdout, `+    {"target": "centos", "kernelrelease": "6.12.0-212.el10.x86_64", "distroversion": "stream10"}`) {
		t.Errorf("dry run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if len(fake.Writes()) != writes {
		t.Errorf("dry run wrote %v", fake.Writes()[writes:])
	}
	// A moved branch makes GitHub refuse the ref update: an error, not success.
	write(k1, k2, mustMake(t, "centos", "6.12.0-212.el10.x86_64"))
	fake.FailNext(githubtest.PathSuffix("PATCH", "/git/refs/heads/"+branch), githubtest.RefUpdateFailed())
	r = runPR(t, srv, clock, nil, args...)
	if r.code != 1 || !strings.Contains(r.stderr, "Reference update failed") {
		t.Errorf("ref update failed: exit %d\n%s", r.code, r.stderr)
	}
}

func mustMake(t *testing.T, target, release string) matrixgen.Kernel {
	t.Helper()
	k, err := matrixgen.Make(matrixgen.Spec{Target: target, Arch: "x86_64", Release: release})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestPRAddKernelsFromDiff(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	from := filepath.Join(t.TempDir(), "diff.json")
	diff := `{"added":[{"distribution":"fedora","distroversion":"42","arch":"x86_64","kernelrelease":"6.14.0-100.fc42.x86_64"},{"distribution":"amazonlinux","distroversion":"2023","arch":"x86_64","kernelrelease":"6.12.58-82.121.amzn2023.x86_64"}],"removed":[]}`
	if err := os.WriteFile(from, []byte(diff), 0o644); err != nil {
		t.Fatal(err)
	}
	clock := githubtest.NewClock(epoch)
	r := runPR(t, srv, clock, nil, "pr", "add-kernels", "--repo", "acme/drivers", "--from", from)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, s := range []string{"already-in-base: add-kernel/amazonlinux/2023/x86_64/6-12-58-82-121-amzn2023-x86_64", "created: add-kernel/fedora/42/x86_64/6-14-0-100-fc42-x86_64"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	p := fake.Pulls()
	if len(p) != 1 || !strings.Contains(p[0].Body, "fedora .fcNN") || !strings.Contains(p[0].Body, "diff --json "+from) {
		t.Errorf("pulls %+v", p)
	}
}

func TestPRUsage(t *testing.T) {
	_, srv := newFake(t, baseKernels)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"pr", "add-kernel", "--repo", "acme", "--target", "ubuntu", "--arch", "x86_64", "--release", "6.8.0-1-generic"}, `--repo: repository "acme": want OWNER/NAME`},
		{append(slices.Clone(gcp2404), "--on-closed", "force"), `--on-closed "force": want skip or reopen`},
		{[]string{"pr", "add-kernel", "--repo", "acme/drivers", "--target", "ubuntu", "--arch", "x86_64", "--release", "6.8.0-1042-gcp;reboot", "--distro-version", "24.04"}, `character ';'`},
	}
	for _, tc := range tests {
		r := runPR(t, srv, githubtest.NewClock(epoch), nil, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, want 2 with %q:\n%s", tc.args, r.code, tc.want, r.stderr)
		}
	}
}

// TestPRNeedsToken: without a token a run that writes is refused before it
// reads anything (GitHub would refuse its first write after the reading);
// --dry-run writes nothing and needs none.
func TestPRNeedsToken(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	noToken := map[string]string{}
	r := runPR(t, srv, githubtest.NewClock(epoch), noToken, gcp2404...)
	if r.code != 2 || !strings.Contains(r.stderr, "no GitHub token: set $GITHUB_TOKEN or --github-token-file") {
		t.Errorf("without a token: exit %d\n%s", r.code, r.stderr)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests sent without a token, want 0: %v", n, fake.Requests())
	}
	r = runPR(t, srv, githubtest.NewClock(epoch), noToken, append(slices.Clone(gcp2404), "--dry-run")...)
	if r.code != 0 || !strings.Contains(r.stdout, "add-kernel/ubuntu/24-04/x86_64/6-8-0-1042-gcp") {
		t.Errorf("--dry-run without a token: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestMatrixBuiltFromRelease(t *testing.T) {
	// 800 Debian kernels × 3 driver versions = 2,400 artifacts, published
	// over three releases of up to 1,000 assets with the names GitHub
	// stores ("+" and "~" become ".").
	var ks []matrixgen.Kernel
	for n := 1; n <= 800; n++ {
		ks = append(ks, mustMake(t, "debian", fmt.Sprintf("6.12.%d+deb12-amd64", n)))
	}
	data, err := kernelsfile.Marshal(ks)
	if err != nil {
		t.Fatal(err)
	}
	kernels := filepath.Join(t.TempDir(), "kernels.json")
	if err := os.WriteFile(kernels, data, 0o644); err != nil {
		t.Fatal(err)
	}
	drivers := []string{"570.1~rc1", "570.1~rc2", "570.1"}
	var stored []string
	renamed := strings.NewReplacer("+", ".", "~", ".")
	for _, d := range drivers {
		for _, k := range ks {
			stored = append(stored, renamed.Replace(fmt.Sprintf("driver-debian-12-%s_%s_amd64.deb", k.Release, d)))
		}
	}
	const missing = "driver-debian-12-6.12.77.deb12-amd64_570.1.rc2_amd64.deb"
	i := slices.Index(stored, missing)
	if i < 0 {
		t.Fatal("test bug: missing asset not among the names")
	}
	fake, srv := newFake(t, baseKernels)
	for j, chunk := range [][]string{stored[:1000], stored[1000:2000], stored[2000:]} {
		if err := fake.AddRelease(fmt.Sprintf("drivers-570.1-%d", j+1), chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := fake.AddRelease("drivers-570.1-4", make([]string, 1001)); err == nil {
		t.Error("the fake took 1,001 assets in one release")
	}
	args := []string{"matrix", "--kernels", kernels, "--allow-empty", "--built-from-release", "acme/drivers@drivers-570.1-*", "--github-url", srv.URL + "/"}
	for _, d := range drivers {
		args = append(args, "--driver-version", d)
	}
	r := runCLI(t, "", nil, args...)
	if r.code != 0 || strings.TrimSpace(r.stdout) != `{"include":[]}` {
		t.Fatalf("exit %d, stdout %s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, s := range []string{"2400 assets in 3 releases of acme/drivers; 2400 of 2400 builds already there", "release drivers-570.1-1 of acme/drivers holds 1000 assets"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}

	// Without one asset, exactly its build is left; a release outside the
	// glob holding it does not count.
	fake2, srv2 := newFake(t, baseKernels)
	rest := slices.Delete(slices.Clone(stored), i, i+1)
	for j, chunk := range [][]string{rest[:1000], rest[1000:2000], rest[2000:]} {
		if err := fake2.AddRelease(fmt.Sprintf("drivers-570.1-%d", j+1), chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := fake2.AddRelease("nightly", []string{missing}); err != nil {
		t.Fatal(err)
	}
	args[len(args)-len(drivers)*2-1] = srv2.URL + "/"
	r = runCLI(t, "", nil, args...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, `"artifact":"driver-debian-12-6.12.77+deb12-amd64_570.1~rc2_amd64.deb"`) || strings.Count(r.stdout, `"artifact"`) != 1 {
		t.Errorf("want the one missing build, got %s", r.stdout)
	}
}

// TestPRAddKernelsFromCrawl: crawl output (Falco list.json) in, one
// planned PR per valid kernel, its entries that fail the rule named, and
// nothing sent.
func TestPRAddKernelsFromCrawl(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	r := runPR(t, srv, githubtest.NewClock(epoch), nil, "pr", "add-kernels", "--repo", "acme/drivers", "--from", "testdata/crawled.json", "--dry-run")
	for _, s := range []string{
		"ref: create refs/heads/add-kernel/debian/12/x86_64/6-1-0-57-amd64 at a new commit",
		"ref: create refs/heads/add-kernel/ubuntu/24-04/x86_64/6-8-0-149-generic at a new commit",
		"ref: create refs/heads/add-kernel/ubuntu/22-04/x86_64/6-8-0-149-generic at a new commit",
		"| crawl output testdata/crawled.json |",
	} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("plan lacks %q:\n%s", s, r.stdout)
		}
	}
	if r.code != 3 || !strings.Contains(r.stderr, "matrixgen: skipped: testdata/crawled.json:8:5: ubuntu: underivable: ubuntu-oem 5.14.0-1005-oem") {
		t.Errorf("exit %d, want 3 naming the underivable entry:\n%s", r.code, r.stderr)
	}
	if w := fake.Writes(); len(w) != 0 {
		t.Errorf("dry run wrote %v", w)
	}
}

func TestPRAddKernelsMaxPRs(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	r := runPR(t, srv, githubtest.NewClock(epoch), nil, "pr", "add-kernels", "--repo", "acme/drivers", "--from", "testdata/crawled.json", "--max-prs", "2")
	if r.code != 3 || !strings.Contains(r.stderr, "deferred (--max-prs 2 reached): ubuntu/24.04/x86_64/6.8.0-149-generic") {
		t.Errorf("exit %d, want 3 with the third kernel deferred:\n%s", r.code, r.stderr)
	}
	if p := fake.Pulls(); len(p) != 2 || p[0].Head != "add-kernel/debian/12/x86_64/6-1-0-57-amd64" || p[1].Head != "add-kernel/ubuntu/22-04/x86_64/6-8-0-149-generic" {
		t.Errorf("pulls %+v", p)
	}
}

// TestPRSinglePRLeftOutAndNoToken: --single-pr names each kernel it left
// out for its open per-kernel PR; a private repository read without a
// token says a token is probably missing (issue 13).
func TestPRSinglePRLeftOutAndNoToken(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	clock := githubtest.NewClock(epoch)
	if r := runPR(t, srv, clock, nil, gcp2404...); r.code != 0 {
		t.Fatalf("per-kernel PR: exit %d\n%s", r.code, r.stderr)
	}
	gcp := mustMakeV(t, "ubuntu", "6.8.0-1042-gcp", "24.04")
	fedora := mustMake(t, "fedora", "6.14.0-100.fc42.x86_64")
	data, err := kernelsfile.Marshal([]matrixgen.Kernel{gcp, fedora})
	if err != nil {
		t.Fatal(err)
	}
	from := filepath.Join(t.TempDir(), "new.json")
	if err := os.WriteFile(from, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runPR(t, srv, clock, nil, "pr", "add-kernels", "--repo", "acme/drivers", "--from", from, "--single-pr")
	want := "matrixgen: left out: ubuntu/24.04/x86_64/6.8.0-1042-gcp: per-kernel PR #1 (https://github.invalid/acme/drivers/pull/1) from add-kernel/ubuntu/24-04/x86_64/6-8-0-1042-gcp is open\n"
	if r.code != 0 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "created: add-kernels/2026-03-14") {
		t.Errorf("exit %d, want 0 and\n%s\ngot:\n%s", r.code, want, r.stderr)
	}
	if file, _ := fake.File("add-kernels/2026-03-14", "kernels.json"); strings.Contains(file, "1042-gcp") {
		t.Errorf("the batch holds the left-out kernel:\n%s", file)
	}

	private := httptest.NewServer(fake.Private())
	t.Cleanup(private.Close)
	r = runPR(t, private, clock, map[string]string{}, append(gcp2404, "--dry-run")...)
	if r.code != 1 || !strings.Contains(r.stderr, "a token is probably missing for acme/drivers (set GITHUB_TOKEN or --github-token-file)") {
		t.Errorf("private repository without a token: exit %d\n%s", r.code, r.stderr)
	}
}

func mustMakeV(t *testing.T, target, release, dv string) matrixgen.Kernel {
	t.Helper()
	k, err := matrixgen.Make(matrixgen.Spec{Target: target, Arch: "x86_64", Release: release, DistroVersion: dv})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestPRAddKernelsHeaderless: a crawled kernel listed with no header
// source ("headers": [], an AL2023 live-patched kernel whose kernel-devel
// is gone) is not added to kernels.json (every kernel there is built, and
// its build would fail every time) unless --include-headerless; it is named.
// A kernel with a build_image instead (RHCOS) is not headerless.
func TestPRAddKernelsHeaderless(t *testing.T) {
	const headerless = "add-kernel/amazonlinux/2023/x86_64/6-1-153-175-280-amzn2023-x86_64"
	const withHeaders = "add-kernel/amazonlinux/2023/x86_64/6-1-158-180-294-amzn2023-x86_64"
	// An RHCOS kernel lists no header package either: it builds in its
	// build_image (the release's Driver Toolkit), so it is not headerless.
	const rhcos = "add-kernel/rhcos/4-16/x86_64/5-14-0-427-22-1-el9_4-x86_64"
	for _, tt := range []struct {
		name    string
		args    []string
		want    []string
		notWant []string
	}{
		{"default", nil, []string{withHeaders, rhcos}, []string{headerless}},
		{"include-headerless", []string{"--include-headerless"}, []string{withHeaders, headerless, rhcos}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := newFake(t, baseKernels)
			args := append([]string{"pr", "add-kernels", "--repo", "acme/drivers", "--from", "testdata/crawled-headerless.json", "--dry-run"}, tt.args...)
			r := runPR(t, srv, githubtest.NewClock(epoch), nil, args...)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			for _, b := range tt.want {
				if !strings.Contains(r.stdout, "refs/heads/"+b+" ") {
					t.Errorf("plan lacks branch %s:\n%s", b, r.stdout)
				}
			}
			for _, b := range tt.notWant {
				if strings.Contains(r.stdout, b) {
					t.Errorf("plan adds headerless kernel %s:\n%s", b, r.stdout)
				}
			}
			named := strings.Contains(r.stderr, "left out: amazonlinux/2023/x86_64/6.1.153-175.280.amzn2023.x86_64: crawled with no header source")
			if named != (tt.args == nil) {
				t.Errorf("stderr names the left-out kernel: %v, want %v:\n%s", named, tt.args == nil, r.stderr)
			}
		})
	}
}
