package github

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
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/github/githubtest"
)

// Real artifact names: "+" and "~" are renamed by GitHub on upload.
var (
	debName    = "driver-debian-12-6.12.95+deb12-amd64_570.1_amd64.deb"
	debStored  = "driver-debian-12-6.12.95.deb12-amd64_570.1_amd64.deb"
	ubuName    = "driver-ubuntu-24.04-6.8.0-51-generic_570.1_amd64.deb"
	rockyName  = "rocky-9-5.14.0-427.el9.aarch64+64k_1.0_aarch64+64k.rpm"
	rockyStore = "rocky-9-5.14.0-427.el9.aarch64.64k_1.0_aarch64.64k.rpm"
)

// artifacts writes files named names (content: the name repeated) into a
// temp dir and returns their paths.
func artifacts(t *testing.T, names ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte(strings.Repeat(n, 3)), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// publishEnv is the fake served on loopback and a client for it.
func publishEnv(t *testing.T, handler func(http.Handler) http.Handler) (*githubtest.Server, *Client) {
	t.Helper()
	fake := githubtest.New("acme", "drivers", "main", map[string]string{"README.md": "x\n"})
	var h http.Handler = fake
	if handler != nil {
		h = handler(fake)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	var log bytes.Buffer
	return fake, newTestClient(t, srv.URL, githubtest.NewClock(t0), &log, Options{})
}

// where maps each stored name to the tags of the releases holding it.
func where(fake *githubtest.Server) map[string][]string {
	out := map[string][]string{}
	for _, r := range fake.Releases() {
		for _, a := range r.Assets {
			out[a.Name] = append(out[a.Name], r.Tag)
		}
	}
	return out
}

func tags(fake *githubtest.Server) []string {
	var out []string
	for _, r := range fake.Releases() {
		out = append(out, r.Tag)
	}
	return out
}

func opts570() PublishOptions { return PublishOptions{Repo: acme, DriverVersion: "570.1"} }

func TestPublishFirstRunThenRerun(t *testing.T) {
	fake, c := publishEnv(t, nil)
	files := artifacts(t, debName, ubuName, rockyName)
	ctx := context.Background()
	res, err := c.Publish(ctx, opts570(), files)
	if err != nil {
		t.Fatal(err)
	}
	want := []Published{{debName, debStored, "drivers-570.1-1"}, {ubuName, ubuName, "drivers-570.1-1"}, {rockyName, rockyStore, "drivers-570.1-1"}}
	if !slices.Equal(res.Uploaded, want) || len(res.Skipped) != 0 || len(res.Failed) != 0 {
		t.Fatalf("first run: %+v", res)
	}
	rels := fake.Releases()
	if len(rels) != 1 || rels[0].Tag != "drivers-570.1-1" || rels[0].MakeLatest != "false" || len(rels[0].Assets) != 3 {
		t.Fatalf("releases %+v", rels)
	}
	for i, a := range rels[0].Assets {
		fi, _ := os.Stat(files[i])
		if a.Name != want[i].StoredName || a.ContentType != "application/octet-stream" || a.Size != fi.Size() {
			t.Errorf("asset %d: %+v, want %s, application/octet-stream, %d bytes", i, a, want[i].StoredName, fi.Size())
		}
	}
	// The uploads went to the upload root, not to the API's path.
	for _, r := range fake.Writes() {
		if strings.HasSuffix(r, "/assets") && !strings.HasPrefix(r, "POST /api/uploads/repos/acme/drivers/releases/") {
			t.Errorf("upload sent to %s", r)
		}
	}

	writes := len(fake.Writes())
	again, err := c.Publish(ctx, opts570(), files)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Uploaded) != 0 || !slices.Equal(again.Skipped, want) || len(again.Failed) != 0 {
		t.Fatalf("re-run: %+v", again)
	}
	if w := fake.Writes()[writes:]; len(w) != 0 {
		t.Errorf("the re-run wrote %v", w)
	}
}

// TestPublishMatchesStoredNames: a file is skipped when its name as GitHub
// stores it is in any release of the driver version, whatever N; releases
// of other versions, and tags that only look alike, do not count.
func TestPublishMatchesStoredNames(t *testing.T) {
	fake, c := publishEnv(t, nil)
	for tag, assets := range map[string][]string{
		"drivers-570.1-1":    {"other.deb"},
		"drivers-570.1-2":    {debStored},
		"drivers-570.10-1":   {ubuName},
		"drivers-570.1-rc-1": {rockyStore},
		"drivers-570.1-01":   {rockyStore},
	} {
		if err := fake.AddRelease(tag, assets); err != nil {
			t.Fatal(err)
		}
	}
	res, err := c.Publish(context.Background(), opts570(), artifacts(t, debName, ubuName, rockyName))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Skipped, []Published{{debName, debStored, "drivers-570.1-2"}}) {
		t.Errorf("skipped %+v", res.Skipped)
	}
	if !slices.Equal(res.Uploaded, []Published{{ubuName, ubuName, "drivers-570.1-1"}, {rockyName, rockyStore, "drivers-570.1-1"}}) {
		t.Errorf("uploaded %+v", res.Uploaded)
	}
}

func TestPublishClobber(t *testing.T) {
	fake, c := publishEnv(t, nil)
	fake.SetMaxAssets(2)
	if err := fake.AddRelease("drivers-570.1-1", []string{"a.deb", "b.deb"}); err != nil {
		t.Fatal(err)
	}
	if err := fake.AddRelease("drivers-570.1-2", []string{debStored}); err != nil {
		t.Fatal(err)
	}
	o := opts570()
	o.Clobber = true
	files := artifacts(t, debName, "b.deb")
	res, err := c.Publish(context.Background(), o, files)
	if err != nil {
		t.Fatal(err)
	}
	want := []Published{{debName, debStored, "drivers-570.1-2"}, {"b.deb", "b.deb", "drivers-570.1-1"}}
	if !slices.Equal(res.Uploaded, want) || len(res.Skipped)+len(res.Failed) != 0 {
		t.Fatalf("%+v", res)
	}
	for _, r := range fake.Releases() {
		for _, a := range r.Assets {
			if a.Name == debStored || a.Name == "b.deb" {
				if a.Size == 0 {
					t.Errorf("%s in %s is the old asset", a.Name, r.Tag)
				}
			}
		}
	}
	if got := where(fake); !slices.Equal(got[debStored], []string{"drivers-570.1-2"}) || !slices.Equal(got["b.deb"], []string{"drivers-570.1-1"}) {
		t.Errorf("stored at %v", got)
	}
}

// TestPublishFullRelease: a release the listing shows full is passed over;
// one that GitHub refuses as full (another publisher filled it, or this
// publisher's cap is GitHub's) moves the file to the next N.
func TestPublishFullRelease(t *testing.T) {
	for _, tc := range []struct {
		name         string
		publisherCap int // 0: GitHub's 1,000, so only the 422 says the release is full
		pre          []string
		files        []string
		want         map[string][]string
	}{
		{"listed full", 2, []string{"a.deb", "b.deb"}, []string{"c.deb", "d.deb", "e.deb"},
			map[string][]string{"a.deb": {"drivers-570.1-1"}, "b.deb": {"drivers-570.1-1"}, "c.deb": {"drivers-570.1-2"}, "d.deb": {"drivers-570.1-2"}, "e.deb": {"drivers-570.1-3"}}},
		{"refused as full", 0, []string{"a.deb"}, []string{"b.deb", "c.deb", "d.deb"},
			map[string][]string{"a.deb": {"drivers-570.1-1"}, "b.deb": {"drivers-570.1-1"}, "c.deb": {"drivers-570.1-2"}, "d.deb": {"drivers-570.1-2"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, c := publishEnv(t, nil)
			fake.SetMaxAssets(2)
			if err := fake.AddRelease("drivers-570.1-1", tc.pre); err != nil {
				t.Fatal(err)
			}
			o := opts570()
			o.MaxAssets = tc.publisherCap
			res, err := c.Publish(context.Background(), o, artifacts(t, tc.files...))
			if err != nil || len(res.Failed) != 0 || len(res.Uploaded) != len(tc.files) {
				t.Fatalf("%+v %v", res, err)
			}
			got := where(fake)
			for name, w := range tc.want {
				if !slices.Equal(got[name], w) {
					t.Errorf("%s in %v, want %v", name, got[name], w)
				}
			}
			for _, p := range res.Uploaded {
				if !slices.Equal(got[p.StoredName], []string{p.Release}) {
					t.Errorf("reported %s in %s, stored in %v", p.StoredName, p.Release, got[p.StoredName])
				}
			}
		})
	}
}

// TestPublishReleaseCreatedByAnother: between this publisher's listing and
// its "Create a release", another publisher creates the release (and
// uploads to it): the 422 already_exists is read as "use it".
func TestPublishReleaseCreatedByAnother(t *testing.T) {
	var once sync.Once
	var fake *githubtest.Server
	fake, c := publishEnv(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/releases") {
				once.Do(func() {
					_ = fake.AddRelease("drivers-570.1-1", []string{"b.deb"})
				})
			}
			next.ServeHTTP(w, r)
		})
	})
	res, err := c.Publish(context.Background(), opts570(), artifacts(t, "a.deb", "b.deb"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Uploaded, []Published{{"a.deb", "a.deb", "drivers-570.1-1"}}) || !slices.Equal(res.Skipped, []Published{{"b.deb", "b.deb", "drivers-570.1-1"}}) {
		t.Errorf("%+v", res)
	}
	if got := tags(fake); !slices.Equal(got, []string{"drivers-570.1-1"}) {
		t.Errorf("releases %v", got)
	}
	if !slices.Contains(fake.Requests(), "GET /repos/acme/drivers/releases/tags/drivers-570.1-1") {
		t.Errorf("the release was not fetched by its tag: %v", fake.Requests())
	}
}

// TestPublishReconcile: another publisher put the same name into a lower
// release while this one uploaded it to a higher one; the copy in the
// higher N is deleted and the file reported as skipped where it stays.
func TestPublishReconcile(t *testing.T) {
	var once sync.Once
	var fake *githubtest.Server
	fake, c := publishEnv(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/assets") {
				once.Do(func() {
					// The other publisher frees a slot in N=1 (its own
					// reconciling) and fills it with x.deb.
					_ = fake.RemoveAsset("drivers-570.1-1", "b.deb")
					_ = fake.AddAsset("drivers-570.1-1", "x.deb")
				})
			}
			next.ServeHTTP(w, r)
		})
	})
	fake.SetMaxAssets(2)
	if err := fake.AddRelease("drivers-570.1-1", []string{"a.deb", "b.deb"}); err != nil {
		t.Fatal(err)
	}
	o := opts570()
	o.MaxAssets = 2
	res, err := c.Publish(context.Background(), o, artifacts(t, "x.deb"))
	if err != nil || res.ReconcileErr != nil {
		t.Fatal(err, res.ReconcileErr)
	}
	if len(res.Uploaded) != 0 || !slices.Equal(res.Skipped, []Published{{"x.deb", "x.deb", "drivers-570.1-1"}}) {
		t.Errorf("%+v", res)
	}
	if got := where(fake)["x.deb"]; !slices.Equal(got, []string{"drivers-570.1-1"}) {
		t.Errorf("x.deb stored in %v", got)
	}
}

// TestPublishConcurrent: publishers with overlapping files at once, on one
// fake with a small cap: afterwards each name is stored once, no release
// is over the cap, each N has one release, and every publisher reports
// each of its files where it is.
func TestPublishConcurrent(t *testing.T) {
	const capacity, publishers = 4, 5
	fake := githubtest.New("acme", "drivers", "main", map[string]string{"README.md": "x\n"})
	fake.SetMaxAssets(capacity)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var pool []string
	for i := range 14 {
		pool = append(pool, fmt.Sprintf("driver-ubuntu-24.04-6.8.0-%d-generic+k_570.1_amd64.deb", i))
	}
	paths := artifacts(t, pool...)
	results := make([]PublishResult, publishers)
	var wg sync.WaitGroup
	for p := range publishers {
		var mine []string
		for i := range paths {
			if (i+p)%3 != 0 { // overlapping two-thirds of the pool each
				mine = append(mine, paths[i])
			}
		}
		if p%2 == 1 {
			slices.Reverse(mine)
		}
		var log bytes.Buffer
		c := newTestClient(t, srv.URL, githubtest.NewClock(t0), &log, Options{})
		o := opts570()
		if p%2 == 0 {
			o.MaxAssets = capacity // the others learn the cap from GitHub's 422
		}
		wg.Go(func() {
			res, err := c.Publish(context.Background(), o, mine)
			if err != nil || res.ReconcileErr != nil || len(res.Failed) != 0 {
				t.Errorf("publisher %d: %v %v %+v", p, err, res.ReconcileErr, res.Failed)
			}
			results[p] = res
		})
	}
	wg.Wait()
	got := where(fake)
	for _, n := range pool {
		if s := AssetName(n); len(got[s]) != 1 {
			t.Errorf("%s stored in %v", s, got[s])
		}
	}
	if len(got) != len(pool) {
		t.Errorf("%d names stored, want %d", len(got), len(pool))
	}
	seen := map[string]bool{}
	for _, r := range fake.Releases() {
		if len(r.Assets) > capacity || seen[r.Tag] {
			t.Errorf("release %s: %d assets, seen before %v", r.Tag, len(r.Assets), seen[r.Tag])
		}
		seen[r.Tag] = true
	}
	// A publisher reports where each name was when it finished; a later
	// publisher's reconciling can only move it to a lower N since.
	o := opts570()
	for p, res := range results {
		for _, pub := range append(slices.Clone(res.Uploaded), res.Skipped...) {
			at := got[pub.StoredName]
			if len(at) != 1 || o.releaseN(at[0]) > o.releaseN(pub.Release) || o.releaseN(pub.Release) == 0 {
				t.Errorf("publisher %d reports %s in %s, stored in %v", p, pub.StoredName, pub.Release, at)
			}
		}
	}
	var tagList []string
	for tg := range seen {
		tagList = append(tagList, tg)
	}
	sort.Strings(tagList)
	deletes := 0
	for _, w := range fake.Writes() {
		if strings.HasPrefix(w, "DELETE ") {
			deletes++
		}
	}
	t.Logf("releases %v; %d duplicate copies deleted", tagList, deletes)
}

// TestPublishPartialFailure: a file GitHub refuses is named with its
// reason; the others are published.
func TestPublishPartialFailure(t *testing.T) {
	fake, c := publishEnv(t, nil)
	fake.FailNext(func(r *http.Request) bool { return r.URL.Query().Get("name") == "b.deb" },
		githubtest.Fault{Status: 422, Header: http.Header{}, Body: `{"message":"Validation Failed","errors":[{"resource":"ReleaseAsset","code":"custom","field":"size","message":"size must be less than or equal to 2147483648"}],"documentation_url":"https://docs.github.com/rest/releases/assets#upload-a-release-asset","status":"422"}`})
	res, err := c.Publish(context.Background(), opts570(), artifacts(t, "a.deb", "b.deb", "c.deb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Uploaded) != 2 || len(res.Failed) != 1 || res.Failed[0].Name != "b.deb" || !strings.Contains(res.Failed[0].Error, "size must be less than or equal to 2147483648") {
		t.Errorf("%+v", res)
	}
}

// TestPublishRetryReopensTheFile: a 502 on an upload is retried with the
// whole file again.
func TestPublishRetryReopensTheFile(t *testing.T) {
	fake, c := publishEnv(t, nil)
	fake.FailNext(func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/assets") && r.Method == http.MethodPost
	}, githubtest.BadGateway())
	files := artifacts(t, "a.deb")
	res, err := c.Publish(context.Background(), opts570(), files)
	if err != nil || len(res.Uploaded) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	fi, _ := os.Stat(files[0])
	if a := fake.Releases()[0].Assets; len(a) != 1 || a[0].Size != fi.Size() {
		t.Errorf("assets %+v, want one of %d bytes", a, fi.Size())
	}
}

func TestPublishListingFails(t *testing.T) {
	fake, c := publishEnv(t, nil)
	fake.FailNext(githubtest.PathSuffix("GET", "/releases"), githubtest.Fault{Status: 403, Header: http.Header{}, Body: `{"message":"Resource not accessible by integration"}`})
	_, err := c.Publish(context.Background(), opts570(), artifacts(t, "a.deb"))
	if err == nil || !strings.Contains(err.Error(), "list releases of acme/drivers") {
		t.Errorf("err %v", err)
	}
	if w := fake.Writes(); len(w) != 0 {
		t.Errorf("wrote %v", w)
	}
}

func TestPublishOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		o    PublishOptions
		want string
	}{
		{PublishOptions{DriverVersion: "570.1"}, ""},
		{PublishOptions{DriverVersion: "570.1", TagPrefix: "nvidia-"}, ""},
		{PublishOptions{}, "driver-version"},
		{PublishOptions{DriverVersion: "570 1"}, "driver-version"},
		{PublishOptions{DriverVersion: "570.1", TagPrefix: "a/b-"}, "tag-prefix"},
		{PublishOptions{DriverVersion: "570.1", TagPrefix: "x..y-"}, "tag-prefix"},
	} {
		err := tc.o.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
}

func TestUploadURLFor(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.github.com/":           "https://uploads.github.com/",
		"https://ghe.example/api/v3/":       "https://ghe.example/api/uploads/",
		"https://api.acme.ghe.com/":         "https://uploads.acme.ghe.com/",
		"http://127.0.0.1:8080/":            "http://127.0.0.1:8080/api/uploads/",
		"https://ghe.example/prefix/api/v3": "https://ghe.example/prefix/api/uploads/",
	} {
		if got := UploadURLFor(in); got != want {
			t.Errorf("UploadURLFor(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPublishUploadHosts: uploads go to the upload root of each layout,
// with the token: github.com's own upload host, and /api/uploads/ under an
// Enterprise Server's /api/v3/.
func TestPublishUploadHosts(t *testing.T) {
	type seen struct {
		mu   sync.Mutex
		auth []string
	}
	record := func(s *seen, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/assets") && r.Method == http.MethodPost {
				s.mu.Lock()
				s.auth = append(s.auth, r.Host+r.URL.Path+" "+r.Header.Get("Authorization"))
				s.mu.Unlock()
			}
			h.ServeHTTP(w, r)
		})
	}
	t.Run("enterprise", func(t *testing.T) {
		fake := githubtest.New("acme", "drivers", "main", nil)
		var s seen
		srv := httptest.NewServer(record(&s, fake))
		defer srv.Close()
		var log bytes.Buffer
		c := newTestClient(t, srv.URL+"/api/v3", githubtest.NewClock(t0), &log, Options{})
		res, err := c.Publish(context.Background(), opts570(), artifacts(t, "a.deb"))
		if err != nil || len(res.Uploaded) != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		host := strings.TrimPrefix(srv.URL, "http://")
		if !slices.Equal(s.auth, []string{host + "/api/uploads/repos/acme/drivers/releases/1/assets Bearer ghs_topsecret"}) {
			t.Errorf("uploads %v", s.auth)
		}
		if !slices.Contains(fake.Requests(), "POST /api/v3/repos/acme/drivers/releases") {
			t.Errorf("the release was not created under /api/v3/: %v", fake.Requests())
		}
	})
	t.Run("github.com", func(t *testing.T) {
		fake := githubtest.New("acme", "drivers", "main", nil)
		var s seen
		api := httptest.NewServer(fake)
		defer api.Close()
		uploads := httptest.NewServer(record(&s, fake.Uploads()))
		defer uploads.Close()
		var log bytes.Buffer
		c := newTestClient(t, api.URL, githubtest.NewClock(t0), &log, Options{UploadURL: uploads.URL + "/"})
		res, err := c.Publish(context.Background(), opts570(), artifacts(t, "a.deb"))
		if err != nil || len(res.Uploaded) != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		host := strings.TrimPrefix(uploads.URL, "http://")
		if !slices.Equal(s.auth, []string{host + "/repos/acme/drivers/releases/1/assets Bearer ghs_topsecret"}) {
			t.Errorf("uploads %v", s.auth)
		}
	})
}

type deadlineRecorder struct {
	mu   sync.Mutex
	left map[string]time.Duration // "METHOD path" → time left before the attempt's deadline
}

func (d *deadlineRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if dl, ok := req.Context().Deadline(); ok {
		d.mu.Lock()
		d.left[req.Method+" "+req.URL.Path] = time.Until(dl)
		d.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestPublishUploadTimeout: an upload's attempt may last the client's
// timeout plus a second per MiB; other requests keep the timeout.
func TestPublishUploadTimeout(t *testing.T) {
	fake := githubtest.New("acme", "drivers", "main", nil)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	rec := &deadlineRecorder{left: map[string]time.Duration{}}
	var log bytes.Buffer
	c := newTestClient(t, srv.URL, githubtest.NewClock(t0), &log, Options{Transport: rec, Timeout: 30 * time.Second})
	path := filepath.Join(t.TempDir(), "big.deb")
	if err := os.WriteFile(path, make([]byte, 3<<20+1), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := c.Publish(context.Background(), opts570(), []string{path})
	if err != nil || len(res.Uploaded) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	up := rec.left["POST /api/uploads/repos/acme/drivers/releases/1/assets"]
	if up <= 33*time.Second || up > 34*time.Second {
		t.Errorf("upload attempt deadline in %s, want 30s + 4s for 3 MiB and a byte", up)
	}
	if get := rec.left["GET /repos/acme/drivers/releases"]; get <= 0 || get > 30*time.Second {
		t.Errorf("listing attempt deadline in %s, want 30s", get)
	}
}

// TestPublishStarterAssets: GitHub documents that an upload that fails
// upstream (502) "may leave an empty asset with a state of starter. It can
// be safely deleted." Such an asset holds the name but not the file: it is
// deleted and the file uploaded, whether an earlier run left it or this
// run's own attempt did (its retry then meets 422 already_exists).
func TestPublishStarterAssets(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*githubtest.Server) error
	}{
		{"left by an earlier run", func(f *githubtest.Server) error {
			return errors.Join(f.AddRelease("drivers-570.1-1", []string{"b.deb"}), f.AddStarterAsset("drivers-570.1-1", "a.deb"))
		}},
		{"left by this run's first attempt", func(f *githubtest.Server) error { f.BreakNextUpload("a.deb"); return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, c := publishEnv(t, nil)
			if err := tc.setup(fake); err != nil {
				t.Fatal(err)
			}
			files := artifacts(t, "a.deb")
			res, err := c.Publish(context.Background(), opts570(), files)
			if err != nil || !slices.Equal(res.Uploaded, []Published{{"a.deb", "a.deb", "drivers-570.1-1"}}) {
				t.Fatalf("%+v %v", res, err)
			}
			fi, _ := os.Stat(files[0])
			var got []githubtest.ReleaseAsset
			for _, r := range fake.Releases() {
				for _, a := range r.Assets {
					if a.Name == "a.deb" {
						got = append(got, a)
					}
				}
			}
			if len(got) != 1 || got[0].State != "uploaded" || got[0].Size != fi.Size() {
				t.Errorf("a.deb stored as %+v, want one uploaded asset of %d bytes", got, fi.Size())
			}
		})
	}
}

// TestPublishPaced: release creation and uploads are writes: one at a
// time, WriteInterval apart, at most WritesPerHour in any hour.
func TestPublishPaced(t *testing.T) {
	fake := githubtest.New("acme", "drivers", "main", nil)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	clock := githubtest.NewClock(t0)
	var log bytes.Buffer
	c := newTestClient(t, srv.URL, clock, &log, Options{WriteInterval: time.Second, WritesPerHour: 2})
	files := artifacts(t, "a.deb", "b.deb", "c.deb")
	res, err := c.Publish(context.Background(), opts570(), append(files, files[0]))
	if err != nil || len(res.Uploaded) != 3 || len(res.Failed) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	// create at 0s; a at 1s; b waits 1s, then until an hour after the
	// create; c 1s after b. The same file named twice is uploaded once.
	want := []time.Duration{time.Second, time.Second, time.Hour - 2*time.Second, time.Second}
	if !slices.Equal(clock.Slept(), want) {
		t.Errorf("slept %v, want %v", clock.Slept(), want)
	}
}
