package github

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github/githubtest"
)

const botKernels = `{
  "x86_64": [
    {"target": "amazonlinux", "kernelrelease": "6.12.58-82.121.amzn2023.x86_64", "distroversion": "2023"}
  ]
}
`

var acme = Repo{"acme", "drivers"}

func mustKernel(t *testing.T, target string, arch matrixgen.Arch, release, dv string) matrixgen.Kernel {
	t.Helper()
	k, err := matrixgen.Make(matrixgen.Spec{Target: target, Arch: arch, Release: release, DistroVersion: dv})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// hookClock is githubtest's clock that also calls onSleep(n) at the n-th
// sleep (from 1): the test brings GitHub up at a chosen retry.
type hookClock struct {
	*githubtest.Clock
	mu      sync.Mutex
	n       int
	onSleep func(n int)
}

func (c *hookClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.n++
	n := c.n
	c.mu.Unlock()
	c.onSleep(n)
	return c.Clock.Sleep(ctx, d)
}

// TestRefusedConnectionRetried: a refused connection to GitHub (the
// Enterprise host or a proxy restarting) is retried with the 5xx backoff,
// each wait logged, writes included; the PR bot's run then succeeds. When
// GitHub never comes up, the call fails after the policy's attempts.
func TestRefusedConnectionRetried(t *testing.T) {
	for _, tc := range []struct {
		name      string
		upAt      int // the sleep at which GitHub comes up; 0: never
		wantSleep []time.Duration
		wantErr   string
	}{
		{"up after two refused attempts", 2, []time.Duration{time.Second, 2 * time.Second}, ""},
		{"never up", 0, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}, "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close() // GitHub is down: connections to addr are refused
			fake := githubtest.New("acme", "drivers", "main", map[string]string{"kernels.json": botKernels})
			srv := &http.Server{Handler: fake}
			t.Cleanup(func() { _ = srv.Close() })
			clock := &hookClock{Clock: githubtest.NewClock(t0), onSleep: func(n int) {
				if n == tc.upAt {
					l, err := net.Listen("tcp", addr)
					if err != nil {
						t.Errorf("listen on %s: %v", addr, err)
						return
					}
					go func() { _ = srv.Serve(l) }()
				}
			}}
			var log bytes.Buffer
			c, err := New(Options{BaseURL: "http://" + addr + "/", Token: "ghs_topsecret", Clock: clock, Logger: slog.New(slog.NewTextHandler(&log, nil))})
			if err != nil {
				t.Fatal(err)
			}
			k := mustKernel(t, "ubuntu", matrixgen.X86_64, "6.8.0-51-generic", "24.04")
			res, err := c.AddKernel(context.Background(), BotOptions{Repo: acme}, Change(k, "test", "test"))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
			} else if err != nil || res.Status != Created || len(fake.Pulls()) != 1 {
				t.Fatalf("AddKernel: %+v %v; pulls %+v", res, err, fake.Pulls())
			}
			if !slices.Equal(clock.Slept(), tc.wantSleep) {
				t.Errorf("slept %v, want %v", clock.Slept(), tc.wantSleep)
			}
			if got := strings.Count(log.String(), "connection refused: backing off"); got != len(tc.wantSleep) {
				t.Errorf("%d waits logged, want %d:\n%s", got, len(tc.wantSleep), log.String())
			}
		})
	}
}

// TestNotFoundWithoutToken: a private repository answers 404 to a
// request without a token; the error says a token is probably missing,
// naming the repository and where a token comes from. With a token, the
// same repository works; a 404 with a token gets no such hint.
func TestNotFoundWithoutToken(t *testing.T) {
	fake := githubtest.New("acme", "drivers", "main", map[string]string{"kernels.json": botKernels})
	srv := httptestServer(t, fake.Private())
	k := mustKernel(t, "ubuntu", matrixgen.X86_64, "6.8.0-51-generic", "24.04")
	for _, tc := range []struct {
		name, token string
		opts        BotOptions
		single      bool
		wantHint    bool
	}{
		{"add-kernel without a token", "", BotOptions{Repo: acme}, false, true},
		{"add-kernel --dry-run without a token", "", BotOptions{Repo: acme, DryRun: true}, false, true},
		{"add-kernels --single-pr without a token", "", BotOptions{Repo: acme}, true, true},
		{"with a token, another repository", "ghs_x", BotOptions{Repo: Repo{"acme", "nope"}}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(Options{BaseURL: srv + "/", Token: tc.token, Clock: githubtest.NewClock(t0)})
			if err != nil {
				t.Fatal(err)
			}
			if tc.single {
				_, err = c.AddKernelsSingle(context.Background(), tc.opts, []KernelChange{Change(k, "test", "test")}, "2026-03-14")
			} else {
				_, err = c.AddKernel(context.Background(), tc.opts, Change(k, "test", "test"))
			}
			if err == nil {
				t.Fatal("no error")
			}
			hint := strings.Contains(err.Error(), "a token is probably missing for "+tc.opts.Repo.String()) &&
				strings.Contains(err.Error(), "GITHUB_TOKEN") && strings.Contains(err.Error(), "--github-token-file")
			if hint != tc.wantHint {
				t.Errorf("error %q: token hint %v, want %v", err, hint, tc.wantHint)
			}
		})
	}
	c, err := New(Options{BaseURL: srv + "/", Token: "ghs_x", Clock: githubtest.NewClock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.AddKernel(context.Background(), BotOptions{Repo: acme}, Change(k, "test", "test")); err != nil || res.Status != Created {
		t.Errorf("with a token: %+v %v", res, err)
	}
}

// TestSinglePRLeavesOutOpenKernelPRs: --single-pr leaves out a kernel
// whose per-kernel PR (add-kernel/...) is open, and says so: merging both
// PRs would add it twice. A closed per-kernel PR does not count.
func TestSinglePRLeavesOutOpenKernelPRs(t *testing.T) {
	fake := githubtest.New("acme", "drivers", "main", map[string]string{"kernels.json": botKernels})
	srv := httptestServer(t, fake)
	c, err := New(Options{BaseURL: srv + "/", Token: "ghs_x", Clock: githubtest.NewClock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := mustKernel(t, "ubuntu", matrixgen.X86_64, "6.8.0-51-generic", "24.04")
	b := mustKernel(t, "fedora", matrixgen.X86_64, "6.14.0-100.fc42.x86_64", "")
	d := mustKernel(t, "debian", matrixgen.AArch64, "6.12.95+deb12-arm64", "")
	for _, k := range []matrixgen.Kernel{a, d} {
		if res, err := c.AddKernel(ctx, BotOptions{Repo: acme}, Change(k, "test", "test")); err != nil || res.Status != Created {
			t.Fatalf("per-kernel PR for %s: %+v %v", k.Key(), res, err)
		}
	}
	fake.SetPullState(2, "closed") // d's PR was closed: d goes into the batch
	changes := []KernelChange{Change(a, "test", "test"), Change(b, "test", "test"), Change(d, "test", "test")}
	res, err := c.AddKernelsSingle(ctx, BotOptions{Repo: acme}, changes, "2026-03-14")
	if err != nil || res.Status != Created {
		t.Fatalf("AddKernelsSingle: %+v %v", res, err)
	}
	want := []LeftOut{{Kernel: a.Key(), Branch: KernelBranch(a), PR: 1, PRURL: "https://github.invalid/acme/drivers/pull/1"}}
	if !slices.Equal(res.LeftOut, want) {
		t.Errorf("left out %+v, want %+v", res.LeftOut, want)
	}
	if !slices.Equal(res.Kernels, []matrixgen.Key{b.Key(), d.Key()}) {
		t.Errorf("batch kernels %v, want %s and %s", res.Kernels, b.Key(), d.Key())
	}
	data, _ := fake.File(res.Branch, "kernels.json")
	if strings.Contains(data, a.Release) || !strings.Contains(data, b.Release) || !strings.Contains(data, d.Release) {
		t.Errorf("the batch's kernels.json:\n%s", data)
	}
	pulls := fake.Pulls()
	if body := pulls[len(pulls)-1].Body; strings.Contains(body, a.Release) {
		t.Errorf("the batch PR names the left-out kernel:\n%s", body)
	}
	// Every kernel it lacks has an open per-kernel PR: nothing to do.
	writes := len(fake.Writes())
	res, err = c.AddKernelsSingle(ctx, BotOptions{Repo: acme}, changes[:1], "2026-03-15")
	if err != nil || res.Status != NothingToDo || len(res.LeftOut) != 1 || len(fake.Writes()) != writes {
		t.Errorf("only a left-out kernel: %+v %v, writes %v", res, err, fake.Writes()[writes:])
	}
}

// TestBodyNamesOnDemandBuild: a PR opened for an on-demand build names
// the build id and its workflow run.
func TestBodyNamesOnDemandBuild(t *testing.T) {
	k := mustKernel(t, "ubuntu", matrixgen.X86_64, "6.8.0-51-generic", "24.04")
	ch := Change(k, "POST /build", "on-demand build")
	ch.BuildID, ch.RunURL = "b0c1d2e3f4", "https://github.com/acme/drivers/actions/runs/123456"
	body := Body([]KernelChange{ch}, KernelBranch(k))
	if !strings.Contains(body, "build `b0c1d2e3f4`") || !strings.Contains(body, "workflow run https://github.com/acme/drivers/actions/runs/123456") {
		t.Errorf("body:\n%s", body)
	}
	ch.RunURL = ""
	if body := Body([]KernelChange{ch}, KernelBranch(k)); !strings.Contains(body, "build `b0c1d2e3f4`, no workflow run") {
		t.Errorf("body without a run:\n%s", body)
	}
	if body := Body([]KernelChange{Change(k, "x", "crawl")}, KernelBranch(k)); strings.Contains(body, "on demand") {
		t.Errorf("a crawled kernel's body names a build:\n%s", body)
	}
}
