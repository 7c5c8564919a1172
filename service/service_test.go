package service_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/service"
	"github.com/matrixgen/matrixgen/service/servicetest"
)

// stores are the stores every behaviour test runs on: SQLite always,
// PostgreSQL when MATRIXGEN_TEST_POSTGRES names a server (.ci/run sets it).
func stores(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "builds.db") },
		"postgres": pgSchema,
	}
}

// pgSchema gives the test its own PostgreSQL schema (search_path), so
// tests never see each other's builds or jobs.
func pgSchema(t *testing.T) string { return pgSchemaB(t) }

func pgSchemaB(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("MATRIXGEN_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("MATRIXGEN_TEST_POSTGRES is unset: no PostgreSQL server to test against (.ci/run starts one and sets it)")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	st, err := service.OpenStore(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = st.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		st.Close()
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// burstClient keeps every connection of a burst for reuse.
var burstClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}, Timeout: time.Minute}

type instance struct {
	svc *service.Service
	srv *httptest.Server
}

// startB serves a service for a benchmark and returns its URL.
func startB(b testing.TB, dsn string, gh service.GitHub) string {
	return startTB(b, dsn, gh, nil).srv.URL
}

func start(t *testing.T, dsn string, gh service.GitHub, mod func(*service.Config)) instance {
	return startTB(t, dsn, gh, mod)
}

func startTB(t testing.TB, dsn string, gh service.GitHub, mod func(*service.Config)) instance {
	t.Helper()
	ctx := context.Background()
	st, err := service.OpenStore(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg := service.Config{
		PollInterval:      50 * time.Millisecond,
		FetchPollInterval: 10 * time.Millisecond,
		AssetTTL:          time.Hour,
		WebhookSecret:     "s3cret",
	}
	if mod != nil {
		mod(&cfg)
	}
	svc, err := service.New(ctx, st, gh, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(func() {
		srv.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = svc.Stop(sctx)
		st.Close()
	})
	return instance{svc: svc, srv: srv}
}

func post(t *testing.T, url string, body any) (int, service.Status, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := burstClient.Post(url+"/build", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Error(err)
		return 0, service.Status{}, ""
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var st service.Status
	_ = json.Unmarshal(raw, &st)
	return resp.StatusCode, st, string(raw)
}

func status(t *testing.T, url, id string) service.Status {
	t.Helper()
	resp, err := http.Get(url + "/status/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st service.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// waitState waits until the build leaves queued/in_progress and returns
// its status then.
func waitState(t *testing.T, url, id string) service.Status {
	t.Helper()
	var st service.Status
	servicetest.WaitFor(t, "build "+id+" to end", func() bool {
		st = status(t, url, id)
		return st.Status != service.StateQueued && st.Status != service.StateInProgress
	})
	return st
}

func ubuntu(release, dv string) service.Request {
	return service.Request{KernelVersion: release, Architecture: "x86_64", Distribution: "ubuntu", DistroVersion: dv, DriverVersion: "1.0.0"}
}

const amzn = "6.1.174-217.345.amzn2023.x86_64"

func TestConcurrentRequestsOneDispatchPerKey(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			gh := servicetest.New()
			gh.Fate = func(service.DispatchInputs) servicetest.Fate { return servicetest.Hang }
			// The service's clock stands still: on a loaded machine the storm
			// can outlast the 5 s a new key's listing stays fresh, and what is
			// asserted is that concurrent requests share one listing.
			t0 := time.Now()
			in := start(t, dsn(t), gh, func(c *service.Config) { c.Now = func() time.Time { return t0 } })
			reqs := make([]service.Request, 10)
			for i := range reqs {
				reqs[i] = ubuntu(fmt.Sprintf("6.8.0-%d-generic", 40+i), "24.04")
			}
			ids := make([]map[string]bool, 10)
			for i := range ids {
				ids[i] = map[string]bool{}
			}
			var mu sync.Mutex
			var wg sync.WaitGroup
			gate := make(chan struct{}) // all 1,000 are sent at once
			for n := 0; n < 1000; n++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-gate
					code, st, raw := post(t, in.srv.URL, reqs[n%10])
					if code != http.StatusAccepted && code != http.StatusOK {
						t.Errorf("POST %s: %d %s", reqs[n%10].KernelVersion, code, raw)
						return
					}
					mu.Lock()
					ids[n%10][st.BuildID] = true
					mu.Unlock()
				}()
			}
			close(gate)
			wg.Wait()
			for i, m := range ids {
				if len(m) != 1 {
					t.Errorf("%s: %d build ids, want 1: %v", reqs[i].KernelVersion, len(m), m)
				}
			}
			servicetest.WaitFor(t, "10 dispatches", func() bool { return len(gh.Dispatches()) >= 10 })
			// Give a duplicate dispatch, were there one, the chance to show.
			time.Sleep(200 * time.Millisecond)
			assertDispatches(t, gh, 10)
			// The release listing is cached and shared: a burst of new
			// keys costs one listing, not one per request or per key.
			if n := gh.Listings(); n != 1 {
				t.Errorf("%d release listings for 1,000 requests over 10 keys, want 1", n)
			}
		})
	}
}

func assertDispatches(t *testing.T, gh *servicetest.GitHub, want int) {
	t.Helper()
	ds := gh.Dispatches()
	seen := map[string]int{}
	for _, d := range ds {
		seen[d.KernelRelease+"/"+d.DistroVersion]++
	}
	if len(ds) != want {
		t.Errorf("%d dispatches, want %d: %v", len(ds), want, seen)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s dispatched %d times", k, n)
		}
	}
}

func TestTwoReplicasOnePostgres(t *testing.T) {
	dsn := pgSchema(t)
	gh := servicetest.New()
	gh.Fate = func(service.DispatchInputs) servicetest.Fate { return servicetest.Hang }
	a := start(t, dsn, gh, nil)
	b := start(t, dsn, gh, nil)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for n := 0; n < 1000; n++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			url := a.srv.URL
			if n%2 == 1 {
				url = b.srv.URL
			}
			if code, _, raw := post(t, url, ubuntu(fmt.Sprintf("6.8.0-%d-generic", 40+n%10), "24.04")); code >= 300 {
				t.Errorf("POST: %d %s", code, raw)
			}
		}()
	}
	close(gate)
	wg.Wait()
	servicetest.WaitFor(t, "10 dispatches", func() bool { return len(gh.Dispatches()) >= 10 })
	time.Sleep(300 * time.Millisecond)
	assertDispatches(t, gh, 10)
}

func TestLifecycle(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("success: done, artifact URL, one PR", func(t *testing.T) {
				gh := servicetest.New()
				gh.CompleteAfter = 1
				in := start(t, dsn(t), gh, nil)
				code, st, raw := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04"))
				if code != http.StatusAccepted || st.Status != service.StateQueued {
					t.Fatalf("POST: %d %s", code, raw)
				}
				const art = "driver-ubuntu-24.04-6.8.0-51-generic_1.0.0_amd64.deb"
				if st.Artifact != art {
					t.Errorf("artifact %q, want %q", st.Artifact, art)
				}
				end := waitState(t, in.srv.URL, st.BuildID)
				if end.Status != service.StateDone || end.ArtifactURL != "https://github.example/o/r/releases/download/1.0.0/"+art || !strings.Contains(end.RunURL, "/actions/runs/1000") {
					t.Errorf("end: %+v", end)
				}
				servicetest.WaitFor(t, "the PR", func() bool { return len(gh.PRs()) == 1 })
				if got := gh.PRs()[0]; got != "ubuntu/24.04/x86_64/6.8.0-51-generic (on-demand build)" {
					t.Errorf("PR for %q", got)
				}
				// The PR bot is told the build and its run, for the PR body.
				if got, want := gh.PRInfos()[0], (service.KernelPR{SeenBy: "on-demand build", BuildID: st.BuildID, RunURL: end.RunURL}); got != want || want.RunURL == "" {
					t.Errorf("PR bot told %+v, want %+v", got, want)
				}
				// Asked again: the same done build, no new dispatch, no new PR.
				code, again, _ := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04"))
				if code != http.StatusOK || again.BuildID != st.BuildID || again.Status != service.StateDone {
					t.Errorf("again: %d %+v", code, again)
				}
				assertDispatches(t, gh, 1)
				if n := len(gh.PRs()); n != 1 {
					t.Errorf("%d PRs, want 1", n)
				}
			})
			t.Run("already released: done at once, no dispatch, PR once", func(t *testing.T) {
				gh := servicetest.New()
				// GitHub stores "+" as "."; the service must compare as stored.
				url := gh.Publish("1.0.0", "driver-debian-12-6.12.95+deb12-amd64_1.0.0_amd64.deb")
				if !strings.Contains(url, "6.12.95.deb12") {
					t.Fatalf("the fake did not rename: %s", url)
				}
				in := start(t, dsn(t), gh, nil)
				req := service.Request{KernelVersion: "6.12.95+deb12-amd64", Architecture: "x86_64", Distribution: "debian", DriverVersion: "1.0.0"}
				for i := 0; i < 3; i++ {
					code, st, raw := post(t, in.srv.URL, req)
					if code != http.StatusOK || st.Status != service.StateDone || st.ArtifactURL != url {
						t.Fatalf("POST %d: %d %s", i, code, raw)
					}
				}
				if n := gh.Listings(); n != 1 {
					t.Errorf("%d release listings for 3 requests, want 1 (cached)", n)
				}
				servicetest.WaitFor(t, "the PR", func() bool { return len(gh.PRs()) == 1 })
				time.Sleep(100 * time.Millisecond)
				if got := gh.PRs(); len(got) != 1 || got[0] != "debian/12/x86_64/6.12.95+deb12-amd64 (already-built)" {
					t.Errorf("PRs %v", got)
				}
				assertDispatches(t, gh, 0)
			})
			t.Run("artifact deleted from the release: built again, linked to the done build", func(t *testing.T) {
				gh := servicetest.New()
				// Every request lists the release afresh, as after the TTL.
				in := start(t, dsn(t), gh, func(c *service.Config) { c.AssetTTL = time.Nanosecond })
				const art = "driver-ubuntu-24.04-6.8.0-51-generic_1.0.0_amd64.deb"
				_, first, _ := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04"))
				if end := waitState(t, in.srv.URL, first.BuildID); end.Status != service.StateDone {
					t.Fatalf("first build: %+v", end)
				}
				// Still there: answered from the release, nothing dispatched.
				if code, again, raw := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04")); code != http.StatusOK || again.BuildID != first.BuildID || again.Status != service.StateDone {
					t.Fatalf("asked again: %d %s", code, raw)
				}
				assertDispatches(t, gh, 1)

				gh.Unpublish("1.0.0", art)
				code, rebuilt, raw := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04"))
				if code != http.StatusAccepted || rebuilt.BuildID == first.BuildID || rebuilt.PreviousBuildID != first.BuildID || rebuilt.Status != service.StateQueued {
					t.Fatalf("after the delete: %d %s", code, raw)
				}
				old := status(t, in.srv.URL, first.BuildID)
				if old.Status != service.StateDone || !strings.Contains(old.Reason, "no longer in the release") {
					t.Errorf("the old build: %+v", old)
				}
				if end := waitState(t, in.srv.URL, rebuilt.BuildID); end.Status != service.StateDone || end.ArtifactURL != "https://github.example/o/r/releases/download/1.0.0/"+art {
					t.Errorf("rebuilt: %+v", end)
				}
				if n := len(gh.Dispatches()); n != 2 {
					t.Errorf("%d dispatches, want 2 (the first build and the rebuild)", n)
				}
				servicetest.WaitFor(t, "the PR", func() bool { return len(gh.PRs()) == 1 })
				time.Sleep(100 * time.Millisecond)
				if n := len(gh.PRs()); n != 1 {
					t.Errorf("%d PRs, want 1 (the kernel was added once)", n)
				}
			})
			t.Run("run fails: error with the run URL, retried as a new build", func(t *testing.T) {
				gh := servicetest.New()
				gh.Fate = func(service.DispatchInputs) servicetest.Fate { return servicetest.Fail }
				in := start(t, dsn(t), gh, nil)
				_, st, _ := post(t, in.srv.URL, service.Request{KernelVersion: amzn, Architecture: "x86_64", Distribution: "amazonlinux", DriverVersion: "1.0.0"})
				end := waitState(t, in.srv.URL, st.BuildID)
				if end.Status != service.StateError || end.Reason != "workflow run concluded failure: https://github.example/o/r/actions/runs/1000" {
					t.Errorf("end: %+v", end)
				}
				gh.Fate = nil
				code, retry, raw := post(t, in.srv.URL, service.Request{KernelVersion: amzn, Architecture: "x86_64", Distribution: "amazonlinux", DriverVersion: "1.0.0"})
				if code != http.StatusAccepted || retry.BuildID == st.BuildID || retry.PreviousBuildID != st.BuildID {
					t.Errorf("retry: %d %s", code, raw)
				}
				if end := waitState(t, in.srv.URL, retry.BuildID); end.Status != service.StateDone {
					t.Errorf("retry ended %+v", end)
				}
			})
			t.Run("run never finishes: timed_out", func(t *testing.T) {
				gh := servicetest.New()
				gh.Fate = func(service.DispatchInputs) servicetest.Fate { return servicetest.Hang }
				// The clock moves only when the test moves it: on a loaded
				// machine a real 300 ms could pass before the dispatch.
				var mu sync.Mutex
				now := time.Now()
				clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
				in := start(t, dsn(t), gh, func(c *service.Config) { c.BuildTimeout = time.Minute; c.Now = clock })
				_, st, _ := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04"))
				servicetest.WaitFor(t, "the dispatch", func() bool { return status(t, in.srv.URL, st.BuildID).Status == service.StateInProgress })
				mu.Lock()
				now = now.Add(time.Minute)
				mu.Unlock()
				end := waitState(t, in.srv.URL, st.BuildID)
				if end.Status != service.StateTimedOut || end.Reason != "no result within the build timeout (1m0s)" {
					t.Errorf("end: %+v", end)
				}
				assertDispatches(t, gh, 1)
			})
			t.Run("dispatch answer lost: the retry finds the run, no second dispatch", func(t *testing.T) {
				gh := servicetest.New()
				gh.LoseAnswers = 1
				in := start(t, dsn(t), gh, nil)
				_, st, _ := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04"))
				end := waitState(t, in.srv.URL, st.BuildID)
				if end.Status != service.StateDone || end.RunURL != "https://github.example/o/r/actions/runs/1000" {
					t.Errorf("end: %+v", end)
				}
				assertDispatches(t, gh, 1)
			})
			t.Run("GitHub Enterprise: no run details, run found by build id", func(t *testing.T) {
				gh := servicetest.New()
				gh.ReturnRunDetails = false
				in := start(t, dsn(t), gh, nil)
				_, st, _ := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04"))
				end := waitState(t, in.srv.URL, st.BuildID)
				if end.Status != service.StateDone || end.RunURL != "https://github.example/o/r/actions/runs/1000" {
					t.Errorf("end: %+v", end)
				}
			})
		})
	}
}

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestWebhook(t *testing.T) {
	gh := servicetest.New()
	gh.Fate = func(service.DispatchInputs) servicetest.Fate { return servicetest.Manual }
	in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), gh, func(c *service.Config) { c.PollInterval = time.Hour })
	_, st, _ := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04"))
	servicetest.WaitFor(t, "the dispatch", func() bool { return status(t, in.srv.URL, st.BuildID).Status == service.StateInProgress })
	run, _ := gh.Complete(st.BuildID, "success")
	body, _ := json.Marshal(map[string]any{"action": "completed", "workflow_run": map[string]any{
		"id": run.ID, "name": "driver-build", "display_title": run.Name, "html_url": run.URL, "status": "completed", "conclusion": "success"}})
	send := func(sig string) int {
		req, _ := http.NewRequest("POST", in.srv.URL+"/github/webhook", bytes.NewReader(body))
		req.Header.Set("X-GitHub-Event", "workflow_run")
		req.Header.Set("X-Hub-Signature-256", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, bad := range []string{"", "sha256=00", sign("wrong", body), "sha1=" + sign("s3cret", body)[7:]} {
		if code := send(bad); code != http.StatusUnauthorized {
			t.Errorf("signature %q: %d, want 401", bad, code)
		}
		if s := status(t, in.srv.URL, st.BuildID); s.Status != service.StateInProgress {
			t.Errorf("after a bad signature: %s, want in_progress", s.Status)
		}
	}
	if code := send(sign("s3cret", body)); code != http.StatusOK {
		t.Fatalf("good signature: %d", code)
	}
	if s := status(t, in.srv.URL, st.BuildID); s.Status != service.StateDone || s.RunURL != run.URL {
		t.Errorf("after the webhook: %+v", s)
	}
}

// TestPollingIsBatched: 100 builds in flight cost one list-runs call per
// poll interval, never one per build: consecutive calls are at least an
// interval apart, so a minute holds at most 60s/interval calls.
func TestPollingIsBatched(t *testing.T) {
	gh := servicetest.New()
	gh.Fate = func(service.DispatchInputs) servicetest.Fate { return servicetest.Hang }
	const interval = 100 * time.Millisecond
	in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), gh, func(c *service.Config) { c.PollInterval = interval })
	for i := 0; i < 100; i++ {
		if code, _, raw := post(t, in.srv.URL, ubuntu(fmt.Sprintf("6.8.0-%d-generic", 100+i), "24.04")); code != http.StatusAccepted {
			t.Fatalf("POST: %d %s", code, raw)
		}
	}
	servicetest.WaitFor(t, "100 dispatches", func() bool { return len(gh.Dispatches()) == 100 })
	n0 := len(gh.ListCalls())
	servicetest.WaitFor(t, "5 more polls", func() bool { return len(gh.ListCalls()) >= n0+5 })
	calls := gh.ListCalls()
	for i := 1; i < len(calls); i++ {
		// River schedules the next poll interval after the previous one;
		// 5ms of slack covers clock reads on either side.
		if gap := calls[i].Sub(calls[i-1]); gap < interval-5*time.Millisecond {
			t.Errorf("list-runs calls %d and %d only %s apart (interval %s)", i-1, i, gap, interval)
		}
	}
}

func TestBadRequests(t *testing.T) {
	in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), servicetest.New(), nil)
	good := `{"kernel_version":"6.8.0-51-generic","architecture":"x86_64","distribution":"ubuntu","distro_version":"24.04","driver_version":"1.0.0"}`
	tests := []struct {
		name, ctype, body string
		code              int
		field, rule       string // rule: a part of the message
	}{
		{"kernel_version charset", "application/json", `{"kernel_version":"6.8.0-51-generic;rm","architecture":"x86_64","distribution":"ubuntu","distro_version":"24.04","driver_version":"1.0.0"}`, 400, "kernel_version", ""},
		{"kernel_version empty", "application/json", `{"kernel_version":"","architecture":"x86_64","distribution":"ubuntu","distro_version":"24.04","driver_version":"1.0.0"}`, 400, "kernel_version", ""},
		{"architecture", "application/json", `{"kernel_version":"6.8.0-51-generic","architecture":"sparc","distribution":"ubuntu","distro_version":"24.04","driver_version":"1.0.0"}`, 400, "architecture", ""},
		{"architecture contradicts release", "application/json", `{"kernel_version":"` + amzn + `","architecture":"aarch64","distribution":"amazonlinux","driver_version":"1.0.0"}`, 400, "architecture", ""},
		{"distribution", "application/json", `{"kernel_version":"6.8.0-51-generic","architecture":"x86_64","distribution":"windows","distro_version":"24.04","driver_version":"1.0.0"}`, 400, "distribution", ""},
		{"distro_version contradicts release", "application/json", `{"kernel_version":"` + amzn + `","architecture":"x86_64","distribution":"amazonlinux","distro_version":"2","driver_version":"1.0.0"}`, 400, "distro_version", "contradicts the release"},
		{"distro_version never shipped the series", "application/json", `{"kernel_version":"6.8.0-51-generic","architecture":"x86_64","distribution":"ubuntu","distro_version":"20.04","driver_version":"1.0.0"}`, 400, "distro_version", ""},
		// Issue 14: a Debian 12 host's custom kernel was accepted and dispatched.
		{"debian distro_version never shipped the series", "application/json", `{"kernel_version":"6.18.44-fc-v1300","architecture":"x86_64","distribution":"debian","distro_version":"12","driver_version":"1.0.0"}`, 400, "distro_version", "no Debian release ships it"},
		{"distribution names a version the release contradicts", "application/json", `{"kernel_version":"` + amzn + `","architecture":"x86_64","distribution":"amazonlinux2","driver_version":"1.0.0"}`, 400, "distribution", "names amazonlinux 2"},
		{"distro_version underivable, no default", "application/json", `{"kernel_version":"6.8.0-51-generic","architecture":"x86_64","distribution":"ubuntu","driver_version":"1.0.0"}`, 400, "distro_version", "set a default distro version for ubuntu, setting default-distro-version)"},
		{"driver_version", "application/json", `{"kernel_version":"6.8.0-51-generic","architecture":"x86_64","distribution":"ubuntu","distro_version":"24.04","driver_version":"1.0/0"}`, 400, "driver_version", ""},
		{"driver_version empty", "application/json", `{"kernel_version":"6.8.0-51-generic","architecture":"x86_64","distribution":"ubuntu","distro_version":"24.04","driver_version":""}`, 400, "driver_version", "empty"},
		{"unknown field", "application/json", `{"kernel_version":"6.8.0-51-generic","architecture":"x86_64","distribution":"ubuntu","distro_version":"24.04","driver_version":"1.0.0","colour":"red"}`, 400, "", "unknown field \"colour\""},
		{"two objects", "application/json", good + good, 400, "", "one JSON object"},
		{"not JSON", "application/json", `kernel=6.8`, 400, "", "invalid character"},
		{"content type", "text/plain", good, 400, "Content-Type", "application/json"},
		{"no content type", "", good, 400, "Content-Type", "application/json"},
		{"10 MB body", "application/json", `{"kernel_version":"` + strings.Repeat("a", 10<<20) + `"}`, 413, "", "body over 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", in.srv.URL+"/build", strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct{ Error, Field, Rule string }
			raw, _ := io.ReadAll(resp.Body)
			_ = json.Unmarshal(raw, &e)
			// The client is not the operator: no CLI flag is named to it.
			if resp.StatusCode != tt.code || e.Field != tt.field || !strings.Contains(e.Error, tt.rule) || e.Error == "" || strings.Contains(string(raw), "--") {
				t.Errorf("%d %s; want %d naming field %q and %q", resp.StatusCode, raw, tt.code, tt.field, tt.rule)
			}
		})
	}
}

func TestDistroVersionDefault(t *testing.T) {
	gh := servicetest.New()
	in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), gh, func(c *service.Config) {
		c.DefaultDistroVersions = map[string]string{"ubuntu": "24.04", "amazonlinux": "2"}
	})
	tests := []struct {
		name string
		req  service.Request
		want string // the key's distro version
	}{
		{"release says nothing: the default", service.Request{KernelVersion: "6.8.0-51-generic", Architecture: "x86_64", Distribution: "ubuntu", DriverVersion: "1.0.0"}, "24.04"},
		{"uname -v says 22.04: derived wins over the default", service.Request{KernelVersion: "6.8.0-51-generic", UnameV: "#41~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC Fri Mar 28 2025", Architecture: "x86_64", Distribution: "ubuntu", DriverVersion: "1.0.0"}, "22.04"},
		{"release marker wins over a contradicting default", service.Request{KernelVersion: amzn, Architecture: "x86_64", Distribution: "amazonlinux", DriverVersion: "1.0.0"}, "2023"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, st, raw := post(t, in.srv.URL, tt.req)
			if code >= 300 {
				t.Fatalf("%d %s", code, raw)
			}
			if parts := strings.Split(st.Key, ":"); len(parts) != 5 || parts[3] != tt.want {
				t.Errorf("key %q, want distro version %s", st.Key, tt.want)
			}
		})
	}
}

func TestTemplateCollisionRefused(t *testing.T) {
	st, err := service.OpenStore(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tests := []struct{ name, tmpl, want string }{
		{"per series: kernels of one series collide", "compat-version", "gives distinct builds one name"},
		{"no distro version: HWE 22.04 and 24.04 collide", "{{.Package}}-{{.KernelRelease}}_{{.DriverVersion}}_{{.PkgArch}}.{{.PkgExt}}", "gives distinct builds one name"},
		{"no driver version", "{{.Package}}-{{.Distribution}}-{{.DistroVersion}}-{{.KernelRelease}}_{{.PkgArch}}", "gives distinct builds one name"},
		{"no distribution", "{{.DistroVersion}}-{{.KernelRelease}}_{{.DriverVersion}}_{{.Arch}}", "gives distinct builds one name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := service.New(context.Background(), st, servicetest.New(), service.Config{ArtifactTemplate: tt.tmpl})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want %q", err, tt.want)
			}
		})
	}
	for _, p := range []string{"deb-rpm", "precompiled-image"} {
		if _, err := service.New(context.Background(), st, servicetest.New(), service.Config{ArtifactTemplate: p}); err != nil {
			t.Errorf("preset %s refused: %v", p, err)
		}
	}
}

func TestAuthToken(t *testing.T) {
	in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), servicetest.New(), func(c *service.Config) { c.AuthToken = "tok" })
	body, _ := json.Marshal(ubuntu("6.8.0-51-generic", "24.04"))
	for _, tt := range []struct {
		auth string
		code int
	}{{"", 401}, {"Bearer nope", 401}, {"tok", 401}, {"Bearer tok", 202}} {
		req, _ := http.NewRequest("POST", in.srv.URL+"/build", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.code {
			t.Errorf("Authorization %q: %d, want %d", tt.auth, resp.StatusCode, tt.code)
		}
	}
}

func TestStatusNotFoundAndProbes(t *testing.T) {
	in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), servicetest.New(), nil)
	for _, tt := range []struct {
		path string
		code int
		body string
	}{
		{"/status/bnope", 404, `"error":"no build \"bnope\""`},
		{"/healthz", 200, `"status":"ok"`},
		{"/readyz", 200, `"status":"ready"`},
		{"/nothing", 404, ""},
	} {
		resp, err := http.Get(in.srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.Contains(string(b), tt.body) {
			t.Errorf("GET %s: %d %s, want %d %s", tt.path, resp.StatusCode, b, tt.code, tt.body)
		}
	}
}

// TestArchSpellingsOneBuild: six spellings of one kernel's arch, posted at
// once, are one build key: one dispatch (with the canonical arch, which
// driver-build.yml's runner choice reads), one artifact, one PR (issue 13).
func TestArchSpellingsOneBuild(t *testing.T) {
	for _, tc := range []struct {
		canonical string
		spellings []string
		deb       string
	}{
		{"x86_64", []string{"amd64", "X86_64", "x64", "x86_64", "AMD64", "x86-64"}, "amd64"},
		{"aarch64", []string{"arm64", "ARM64", "AArch64", "aarch64", "Arm64", "AARCH64"}, "arm64"},
	} {
		t.Run(tc.canonical, func(t *testing.T) {
			gh := servicetest.New()
			gh.CompleteAfter = 1
			in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), gh, nil)
			var mu sync.Mutex
			ids, keys := map[string]bool{}, map[string]bool{}
			var wg sync.WaitGroup
			gate := make(chan struct{})
			for i := 0; i < 60; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-gate
					r := ubuntu("6.8.0-51-generic", "24.04")
					r.Architecture = tc.spellings[i%len(tc.spellings)]
					code, st, raw := post(t, in.srv.URL, r)
					if code != http.StatusAccepted && code != http.StatusOK {
						t.Errorf("POST %s: %d %s", r.Architecture, code, raw)
						return
					}
					mu.Lock()
					ids[st.BuildID], keys[st.Key+" "+st.Artifact] = true, true
					mu.Unlock()
				}()
			}
			close(gate)
			wg.Wait()
			if len(ids) != 1 || len(keys) != 1 {
				t.Fatalf("%d builds, %d keys/artifacts for one kernel, want 1: %v", len(ids), len(keys), keys)
			}
			for k := range keys {
				if want := "6.8.0-51-generic:" + tc.canonical + ":ubuntu:24.04:1.0.0 driver-ubuntu-24.04-6.8.0-51-generic_1.0.0_" + tc.deb + ".deb"; k != want {
					t.Errorf("key and artifact %q, want %q", k, want)
				}
			}
			var id string
			for id = range ids {
			}
			if end := waitState(t, in.srv.URL, id); end.Status != service.StateDone {
				t.Errorf("end: %+v", end)
			}
			servicetest.WaitFor(t, "the PR", func() bool { return len(gh.PRs()) >= 1 })
			time.Sleep(100 * time.Millisecond) // a second PR, were there one, may show
			if ds := gh.Dispatches(); len(ds) != 1 || ds[0].Arch != tc.canonical {
				t.Errorf("dispatches %+v, want one with architecture %s", ds, tc.canonical)
			}
			if got := gh.PRs(); len(got) != 1 || got[0] != "ubuntu/24.04/"+tc.canonical+"/6.8.0-51-generic (on-demand build)" {
				t.Errorf("PRs %v, want one for ubuntu/24.04/%s/6.8.0-51-generic", got, tc.canonical)
			}
		})
	}
}

// TestWebhookOnlyTheBuildsRun: a correctly signed workflow_run event ends
// a build only when it is the build's run: its recorded run id, or, while
// none is recorded (a dispatch without run details), a workflow_dispatch
// run of the build workflow. Another workflow's run (a pull request's CI)
// whose title holds the build id leaves the build, and its key, alone
// (issue 13: it ended the build as error and freed the key).
func TestWebhookOnlyTheBuildsRun(t *testing.T) {
	type ev struct {
		id          int64
		path, event string
		wfPath      string // the top-level workflow.path, for payloads without workflow_run.path
	}
	const ours = servicetest.WorkflowPath
	tests := []struct {
		name        string
		runDetails  bool // the dispatch returned the run id
		foreign     []ev
		right       ev // 0 id: the fake's run id
		wantApplied bool
	}{
		{"run id known: another workflow's run", true, []ev{{77, ".github/workflows/ci.yml", "pull_request", ""}, {78, ours, "workflow_dispatch", ""}}, ev{}, true},
		{"no run id: another workflow's run", false, []ev{{77, ".github/workflows/ci.yml", "pull_request", ""}, {78, ".github/workflows/ci.yml", "workflow_dispatch", ""}}, ev{path: ours + "@refs/heads/main", event: "workflow_dispatch"}, true},
		{"no run id: the build workflow on another event", false, []ev{{79, ours, "pull_request", ""}, {80, ours, "push", ""}}, ev{path: ours, event: "workflow_dispatch"}, true},
		{"no run id: only the top-level workflow names the path", false, []ev{{81, "", "workflow_dispatch", ".github/workflows/ci.yml"}, {82, "", "pull_request", ours}}, ev{event: "workflow_dispatch", wfPath: ours}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := servicetest.New()
			gh.ReturnRunDetails = tt.runDetails
			gh.Fate = func(service.DispatchInputs) servicetest.Fate { return servicetest.Manual }
			in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), gh, func(c *service.Config) { c.PollInterval = time.Hour })
			_, st, _ := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04"))
			servicetest.WaitFor(t, "the dispatch", func() bool { return status(t, in.srv.URL, st.BuildID).Status == service.StateInProgress })
			send := func(e ev, conclusion string) (int, string) {
				wr := map[string]any{
					"id": e.id, "name": "CI", "display_title": "fix: retry build " + st.BuildID + " on arm", "event": e.event,
					"html_url": fmt.Sprintf("https://github.example/o/r/actions/runs/%d", e.id), "status": "completed", "conclusion": conclusion}
				if e.path != "" {
					wr["path"] = e.path
				}
				payload := map[string]any{"action": "completed", "workflow_run": wr}
				if e.wfPath != "" {
					payload["workflow"] = map[string]any{"path": e.wfPath}
				}
				body, _ := json.Marshal(payload)
				req, _ := http.NewRequest("POST", in.srv.URL+"/github/webhook", bytes.NewReader(body))
				req.Header.Set("X-GitHub-Event", "workflow_run")
				req.Header.Set("X-Hub-Signature-256", sign("s3cret", body))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(raw)
			}
			for _, e := range tt.foreign {
				code, raw := send(e, "failure")
				if code != http.StatusAccepted || !strings.Contains(raw, "ignored") {
					t.Errorf("run %d (%s, %s): %d %s, want ignored", e.id, e.path, e.event, code, raw)
				}
				if s := status(t, in.srv.URL, st.BuildID); s.Status != service.StateInProgress {
					t.Fatalf("after run %d (%s, %s): %+v, want in_progress", e.id, e.path, e.event, s)
				}
			}
			// The key is still taken: asking again joins the build.
			if _, again, _ := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04")); again.BuildID != st.BuildID {
				t.Errorf("asked again: build %s, want %s", again.BuildID, st.BuildID)
			}
			run, _ := gh.Complete(st.BuildID, "success")
			right := tt.right
			right.id = run.ID
			if right.path == "" && right.wfPath == "" {
				right.path, right.event = "", "" // matched by the recorded id alone
			}
			if code, raw := send(right, "success"); code != http.StatusOK || !strings.Contains(raw, "applied") {
				t.Errorf("the build's run: %d %s, want applied", code, raw)
			}
			if s := status(t, in.srv.URL, st.BuildID); s.Status != service.StateDone {
				t.Errorf("after the build's run: %+v, want done", s)
			}
			assertDispatches(t, gh, 1)
		})
	}
}

// TestPollOnlyTheBuildsRun: the poller applies the same rule: with no run
// id recorded, a completed run of another workflow, or of the build
// workflow on another event, whose title holds the build id is not the
// build's.
func TestPollOnlyTheBuildsRun(t *testing.T) {
	gh := servicetest.New()
	gh.ReturnRunDetails = false
	gh.Fate = func(service.DispatchInputs) servicetest.Fate { return servicetest.Manual }
	in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), gh, nil)
	_, st, _ := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04"))
	servicetest.WaitFor(t, "the dispatch", func() bool { return status(t, in.srv.URL, st.BuildID).Status == service.StateInProgress })
	now := time.Now()
	gh.AddForeignRun(service.Run{ID: 77, Name: "CI: build " + st.BuildID, URL: "https://github.example/o/r/actions/runs/77", Status: "completed", Conclusion: "failure", CreatedAt: now, Path: ".github/workflows/ci.yml", Event: "pull_request"})
	gh.AddForeignRun(service.Run{ID: 78, Name: "driver-build " + st.BuildID, URL: "https://github.example/o/r/actions/runs/78", Status: "completed", Conclusion: "failure", CreatedAt: now, Path: servicetest.WorkflowPath, Event: "push"})
	n := len(gh.ListCalls())
	servicetest.WaitFor(t, "three polls, or the build's end", func() bool {
		return len(gh.ListCalls()) >= n+3 || status(t, in.srv.URL, st.BuildID).Status != service.StateInProgress
	})
	if s := status(t, in.srv.URL, st.BuildID); s.Status != service.StateInProgress {
		t.Fatalf("after polls listing foreign runs: %+v, want in_progress", s)
	}
	gh.Complete(st.BuildID, "success")
	if end := waitState(t, in.srv.URL, st.BuildID); end.Status != service.StateDone {
		t.Errorf("end: %+v", end)
	}
	assertDispatches(t, gh, 1)
}

// TestRunRecordedOnceFound: a dispatch that returned no run (GitHub
// Enterprise) has its run recorded as soon as the poller finds it by its
// run-name; from then on only that run id ends the build, even another
// dispatch of the build workflow whose title holds the build id.
func TestRunRecordedOnceFound(t *testing.T) {
	gh := servicetest.New()
	gh.ReturnRunDetails = false
	gh.Fate = func(service.DispatchInputs) servicetest.Fate { return servicetest.Manual }
	in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), gh, nil)
	_, st, _ := post(t, in.srv.URL, ubuntu("6.8.0-51-generic", "24.04"))
	var s service.Status
	servicetest.WaitFor(t, "the run recorded", func() bool { s = status(t, in.srv.URL, st.BuildID); return s.RunURL != "" })
	if s.Status != service.StateInProgress || s.RunURL != "https://github.example/o/r/actions/runs/1000" {
		t.Fatalf("after the poll found the run: %+v", s)
	}
	send := func(id int64, conclusion string) string {
		body, _ := json.Marshal(map[string]any{"action": "completed", "workflow_run": map[string]any{
			"id": id, "name": "driver-build", "display_title": "driver-build " + st.BuildID, "path": servicetest.WorkflowPath, "event": "workflow_dispatch",
			"html_url": fmt.Sprintf("https://github.example/o/r/actions/runs/%d", id), "status": "completed", "conclusion": conclusion}})
		req, _ := http.NewRequest("POST", in.srv.URL+"/github/webhook", bytes.NewReader(body))
		req.Header.Set("X-GitHub-Event", "workflow_run")
		req.Header.Set("X-Hub-Signature-256", sign("s3cret", body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return string(raw)
	}
	if raw := send(999, "failure"); !strings.Contains(raw, "ignored") {
		t.Errorf("another dispatch's run: %s, want ignored", raw)
	}
	if s := status(t, in.srv.URL, st.BuildID); s.Status != service.StateInProgress {
		t.Fatalf("after another dispatch's run: %+v", s)
	}
	gh.Complete(st.BuildID, "success")
	if raw := send(1000, "success"); !strings.Contains(raw, "applied") {
		t.Errorf("the build's run: %s, want applied", raw)
	}
	if s := status(t, in.srv.URL, st.BuildID); s.Status != service.StateDone {
		t.Errorf("end: %+v", s)
	}
}
