package github

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/github/githubtest"
)

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

func newTestClient(t *testing.T, url string, clock Clock, log *bytes.Buffer, o Options) *Client {
	t.Helper()
	o.BaseURL, o.Clock, o.Token = url+"/", clock, "ghs_topsecret"
	o.Logger = slog.New(slog.NewTextHandler(log, nil))
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTokenStaysOnItsHost: the API host and the upload host get the
// token; a redirect to another host (release downloads go to storage)
// does not.
func TestTokenStaysOnItsHost(t *testing.T) {
	var mu sync.Mutex
	var storageAuth []string
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		storageAuth = append(storageAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		_, _ = w.Write([]byte("asset bytes"))
	}))
	defer storage.Close()
	var apiAuth, uploadAuth string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiAuth = r.Header.Get("Authorization")
		http.Redirect(w, r, storage.URL+"/bucket/asset?sig=abc", http.StatusFound)
	}))
	defer api.Close()
	uploads := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uploadAuth = r.Header.Get("Authorization")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":1,"name":"a.deb"}`))
	}))
	defer uploads.Close()
	var log bytes.Buffer
	c := newTestClient(t, api.URL, githubtest.NewClock(t0), &log, Options{UploadURL: uploads.URL + "/"})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, api.URL+"/repos/acme/drivers/releases/assets/1", nil)
	resp, err := c.API().Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	up, err := c.API().NewUploadRequest(context.Background(), "repos/acme/drivers/releases/1/assets?name=a.deb", strings.NewReader("x"), 1, "application/octet-stream")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.API().Do(up, nil); err != nil {
		t.Fatal(err)
	}
	if apiAuth != "Bearer ghs_topsecret" {
		t.Errorf("API host got Authorization %q", apiAuth)
	}
	if uploadAuth != "Bearer ghs_topsecret" {
		t.Errorf("upload host got Authorization %q", uploadAuth)
	}
	if !slices.Equal(storageAuth, []string{""}) {
		t.Errorf("storage host got Authorization %q", storageAuth)
	}
}

// TestWritesPerHour: past the hourly budget a write waits until the
// oldest write of the last hour is an hour old; reads never wait.
func TestWritesPerHour(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"sha":"abc"}`))
	}))
	defer srv.Close()
	clock := githubtest.NewClock(t0)
	var log bytes.Buffer
	c := newTestClient(t, srv.URL, clock, &log, Options{WriteInterval: time.Second, WritesPerHour: 3})
	ctx := context.Background()
	for range 5 {
		if _, _, err := c.API().Git.CreateBlob(ctx, "acme", "drivers", blobOf("x")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.API().Git.GetBlob(ctx, "acme", "drivers", "abc"); err != nil {
			t.Fatal(err)
		}
	}
	// Writes at 0s, 1s, 2s; the 4th waits 1s (interval) then until 1h
	// after the 1st; the 5th 1s (interval), then until 1h after the 2nd,
	// which it already is.
	want := []time.Duration{time.Second, time.Second, time.Second, time.Hour - 3*time.Second, time.Second}
	if !slices.Equal(clock.Slept(), want) {
		t.Errorf("slept %v, want %v", clock.Slept(), want)
	}
	if !strings.Contains(log.String(), "hourly write budget: 3 writes started in the last hour") {
		t.Errorf("the wait was not logged with its reason:\n%s", log.String())
	}
}

func TestRetryPolicy(t *testing.T) {
	type fault = githubtest.Fault
	f := func(fl fault) fault { return fl }
	tests := []struct {
		name      string
		faults    []fault
		policy    RetryPolicy
		wantSleep []time.Duration
		wantErr   string
		wantLog   []string
	}{
		{"primary waits for the reset", []fault{f(githubtest.PrimaryLimit(t0.Add(42 * time.Minute)))}, RetryPolicy{},
			[]time.Duration{42*time.Minute + time.Second}, "", []string{"primary rate limit (403, x-ratelimit-remaining 0): resets at 2026-03-14T09:42:00Z"}},
		{"primary past MaxWait fails without waiting", []fault{f(githubtest.PrimaryLimit(t0.Add(2 * time.Hour)))}, RetryPolicy{},
			nil, "would wait 2h0m1s, more than allowed", nil},
		{"secondary with retry-after", []fault{f(githubtest.SecondaryLimit(429, 30))}, RetryPolicy{},
			[]time.Duration{30 * time.Second}, "", []string{"secondary rate limit (429): retry-after 30s"}},
		{"secondary with retry-after as an HTTP date (RFC 9110 §10.2.3)", []fault{{Status: 403, Header: http.Header{"Retry-After": {t0.Add(90 * time.Second).Format(http.TimeFormat)}},
			Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`}}, RetryPolicy{},
			[]time.Duration{90 * time.Second}, "", []string{"secondary rate limit (403): retry-after 1m30s"}},
		{"secondary without retry-after backs off from a minute", []fault{f(githubtest.SecondaryLimit(403, 0)), f(githubtest.SecondaryLimit(403, 0)), f(githubtest.SecondaryLimit(403, 0))}, RetryPolicy{},
			[]time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute}, "", []string{"secondary rate limit (403), no retry-after: backing off"}},
		{"5xx backs off", []fault{f(githubtest.BadGateway()), f(githubtest.BadGateway())}, RetryPolicy{},
			[]time.Duration{time.Second, 2 * time.Second}, "", []string{"502 Bad Gateway: backing off"}},
		{"bounded: the last 502 is returned", []fault{f(githubtest.BadGateway()), f(githubtest.BadGateway()), f(githubtest.BadGateway())}, RetryPolicy{Attempts: 3},
			[]time.Duration{time.Second, 2 * time.Second}, "502 Server Error", []string{"github: giving up"}},
		{"a 429 that does not say why is a rate limit", []fault{{Status: 429, Header: http.Header{}, Body: `{"message":"Too Many Requests"}`}}, RetryPolicy{},
			[]time.Duration{time.Minute}, "", []string{"429, no retry-after: backing off"}},
		{"a plain 403 is not retried", []fault{{Status: 403, Header: http.Header{}, Body: `{"message":"Resource not accessible by integration"}`}}, RetryPolicy{},
			nil, "403 Resource not accessible by integration", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := githubtest.New("acme", "drivers", "main", map[string]string{"kernels.json": "{}\n"})
			for _, fl := range tc.faults {
				fake.FailNext(githubtest.Method("GET"), fl)
			}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			clock := githubtest.NewClock(t0)
			var log bytes.Buffer
			c := newTestClient(t, srv.URL, clock, &log, Options{Retry: tc.policy})
			_, ok, err := c.branchHead(context.Background(), Repo{"acme", "drivers"}, "main")
			switch {
			case tc.wantErr == "" && (err != nil || !ok):
				t.Fatalf("err %v ok %v", err, ok)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			if !slices.Equal(clock.Slept(), tc.wantSleep) {
				t.Errorf("slept %v, want %v", clock.Slept(), tc.wantSleep)
			}
			for _, l := range tc.wantLog {
				if !strings.Contains(log.String(), l) {
					t.Errorf("log lacks %q:\n%s", l, log.String())
				}
			}
			if strings.Contains(log.String(), "topsecret") || (err != nil && strings.Contains(err.Error(), "topsecret")) {
				t.Error("the token leaked")
			}
			var rl *RateLimitError
			if strings.Contains(tc.wantErr, "more than allowed") && !errors.As(err, &rl) {
				t.Errorf("want a *RateLimitError, got %T", err)
			}
		})
	}
}

// TestWritesSerialisedAndSpaced: concurrent writes go one at a time, the
// second after --write-interval.
func TestWritesSerialisedAndSpaced(t *testing.T) {
	var mu sync.Mutex
	inFlight, maxInFlight := 0, 0
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		mu.Unlock()
		<-release
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"sha":"abc"}`))
	}))
	defer srv.Close()
	clock := githubtest.NewClock(t0)
	var log bytes.Buffer
	c := newTestClient(t, srv.URL, clock, &log, Options{WriteInterval: time.Second})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			_, _, err := c.API().Git.CreateBlob(context.Background(), "acme", "drivers", blobOf("x"))
			if err != nil {
				t.Error(err)
			}
		})
	}
	for range 3 {
		release <- struct{}{}
	}
	wg.Wait()
	if maxInFlight != 1 {
		t.Errorf("%d writes in flight at once, want 1", maxInFlight)
	}
	// The test clock does not move between writes: each later write waits
	// the whole interval.
	if !slices.Equal(clock.Slept(), []time.Duration{time.Second, time.Second}) {
		t.Errorf("slept %v, want [1s 1s]", clock.Slept())
	}
}

func TestTokenFrom(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/tok"
	if err := writeFile(file, "ghs_fromfile\nsecond line\n"); err != nil {
		t.Fatal(err)
	}
	env := func(string) string { return " ghs_env \n" }
	if tok, err := TokenFrom(file, env); err != nil || tok != "ghs_fromfile" {
		t.Errorf("file: %q %v", tok, err)
	}
	if tok, err := TokenFrom("", env); err != nil || tok != "ghs_env" {
		t.Errorf("env: %q %v", tok, err)
	}
	if err := writeFile(file, "\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := TokenFrom(file, env); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: %v", err)
	}
	if _, err := New(Options{Token: "a b"}); err == nil || strings.Contains(err.Error(), "a b") {
		t.Errorf("a token with a space: %v", err)
	}
}

func TestAssetName(t *testing.T) {
	for in, want := range map[string]string{
		"driver-debian-12-6.12.95+deb12-amd64_570.1_amd64.deb": "driver-debian-12-6.12.95.deb12-amd64_570.1_amd64.deb",
		"tobwen-1.1.0-1~buster_amd64.deb":                      "tobwen-1.1.0-1.buster_amd64.deb",
		"The Brain.js":                                         "The.Brain.js",
		"app.prod-v1.3.0-(15-5)-6064eac-release.apk":           "app.prod-v1.3.0-.15-5.-6064eac-release.apk",
		"pkg-1:2.0.tar.zst":                                    "pkg-1.2.0.tar.zst",
		"570.1-6.12.95_deb12-amd64-debian12-x86_64":            "570.1-6.12.95_deb12-amd64-debian12-x86_64",
		".env":      "default.env",
		"trailing.": "trailing",
		"driver-ubuntu-24.04-6.8.0-51-generic_570.1_amd64.deb":   "driver-ubuntu-24.04-6.8.0-51-generic_570.1_amd64.deb",
		"rocky-9-5.14.0-427.el9.aarch64+64k_1.0_aarch64+64k.rpm": "rocky-9-5.14.0-427.el9.aarch64.64k_1.0_aarch64.64k.rpm",
	} {
		if got := AssetName(in); got != want {
			t.Errorf("AssetName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseRepo(f *testing.F) {
	for _, s := range []string{"acme/drivers", "a/b/c", "/x", "x/", "o/..", "octo-org/hello.world_1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRepo(s)
		if err != nil {
			return
		}
		if r.String() != s {
			t.Fatalf("ParseRepo(%q) = %v: does not print back", s, r)
		}
		if strings.ContainsAny(r.Owner+r.Name, "/?#% ") {
			t.Fatalf("ParseRepo(%q) let a URL character through", s)
		}
	})
}

func FuzzKernelBranchKey(f *testing.F) {
	for _, s := range []string{"add-kernel/ubuntu/24-04/x86_64/6-8-0-1042-gcp", "add-kernel/debian/9/x86_64/4-19-0-0-bpo-19_bpo9+1-amd64.83", "add-kernel/a/b/c/d.zz", "add-kernel/a/b.f/c/d.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := KernelBranchKey(s)
		if err != nil {
			return
		}
		// What parses names a kernel; that kernel's branch parses back to it.
		again, err := KernelBranchKey(KernelBranch(kernelOf(k)))
		if err != nil || again != k {
			t.Fatalf("%q → %v → %v, %v", s, k, again, err)
		}
	})
}
