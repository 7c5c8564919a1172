package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github"
	"github.com/matrixgen/matrixgen/github/githubtest"
)

// runPublish runs the real publish command against url (the fake's API
// root) with a fake clock.
func runPublish(t *testing.T, url string, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	if env == nil {
		env = map[string]string{"GITHUB_TOKEN": "ghs_secret123"}
	}
	ios := &ioStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return env[k] }}
	root := &cobra.Command{Use: "matrixgen", SilenceUsage: true, SilenceErrors: true}
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.AddCommand(newCmdPublish(ios, &prDeps{Clock: githubtest.NewClock(epoch)}, nil))
	typeUsageErrors(root)
	root.SetArgs(append([]string{"publish", "--github-url", url}, args...))
	err := root.ExecuteContext(context.Background())
	var ee *matrixgen.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.Err != nil) {
		fmt.Fprintln(&errOut, "matrixgen:", err)
	}
	if strings.Contains(out.String()+errOut.String(), "ghs_secret123") {
		t.Errorf("the token appears in the output:\n%s\n%s", out.String(), errOut.String())
	}
	return result{matrixgen.ExitCodeOf(err), out.String(), errOut.String()}
}

func publishFiles(t *testing.T, names ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte("artifact "+n), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

const debArtifact = "driver-debian-12-6.12.95+deb12-amd64_570.1_amd64.deb"

// TestPublishCmdJSONThenRerun: the first run creates drivers-570.1-1 and
// uploads; --json has exactly the documented shape; a re-run skips all.
func TestPublishCmdJSONThenRerun(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	files := publishFiles(t, debArtifact, "b.rpm")
	args := append([]string{"--repo", "acme/drivers", "--driver-version", "570.1", "--json"}, files...)
	r := runPublish(t, srv.URL+"/", nil, args...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	want := `{"uploaded":[{"name":"driver-debian-12-6.12.95+deb12-amd64_570.1_amd64.deb","stored_name":"driver-debian-12-6.12.95.deb12-amd64_570.1_amd64.deb","release":"drivers-570.1-1"},{"name":"b.rpm","stored_name":"b.rpm","release":"drivers-570.1-1"}],"skipped":[],"failed":[]}` + "\n"
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	if !strings.Contains(r.stderr, "matrixgen: 2 files of driver version 570.1 in acme/drivers: 2 uploaded, 0 already there, 0 not published") {
		t.Errorf("stderr: %s", r.stderr)
	}
	rels := fake.Releases()
	if len(rels) != 1 || rels[0].Tag != "drivers-570.1-1" || len(rels[0].Assets) != 2 {
		t.Fatalf("releases %+v", rels)
	}

	r = runPublish(t, srv.URL+"/", nil, args...)
	if r.code != 0 {
		t.Fatalf("re-run: exit %d\n%s", r.code, r.stderr)
	}
	var got struct {
		Uploaded, Skipped []map[string]string
		Failed            []map[string]string
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Uploaded) != 0 || len(got.Skipped) != 2 || got.Skipped[0]["stored_name"] != "driver-debian-12-6.12.95.deb12-amd64_570.1_amd64.deb" || got.Skipped[1]["release"] != "drivers-570.1-1" {
		t.Errorf("re-run: %s", r.stdout)
	}
	if n := len(fake.Releases()[0].Assets); n != 2 {
		t.Errorf("%d assets after the re-run", n)
	}
}

// TestPublishCmdClobber: --clobber replaces the asset in its release.
func TestPublishCmdClobber(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	if err := fake.AddRelease("drivers-570.1-1", []string{"b.rpm"}); err != nil {
		t.Fatal(err)
	}
	r := runPublish(t, srv.URL+"/", nil, append([]string{"--repo", "acme/drivers", "--driver-version", "570.1", "--clobber"}, publishFiles(t, "b.rpm")...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	a := fake.Releases()[0].Assets
	if len(a) != 1 || a[0].Name != "b.rpm" || a[0].Size != int64(len("artifact b.rpm")) {
		t.Errorf("assets %+v", a)
	}
}

// TestPublishCmdPartial: a file GitHub refuses is named on stderr and in
// "failed"; the others are published; exit 3. When every file fails, or
// the releases cannot be listed, exit 1.
func TestPublishCmdFailures(t *testing.T) {
	sizeRefused := githubtest.Fault{Status: 422, Header: http.Header{}, Body: `{"message":"Validation Failed","errors":[{"resource":"ReleaseAsset","code":"custom","field":"size","message":"size must be less than or equal to 2147483648"}],"documentation_url":"https://docs.github.com/rest","status":"422"}`}
	forbidden := githubtest.Fault{Status: 403, Header: http.Header{}, Body: `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest"}`}
	for _, tc := range []struct {
		name      string
		match     func(*http.Request) bool
		fault     githubtest.Fault
		code      int
		stderr    string
		uploaded  int
		wantFails []string
	}{
		{"one file refused", func(r *http.Request) bool { return r.URL.Query().Get("name") == "b.rpm" }, sizeRefused, 3,
			"matrixgen: not published: b.rpm: POST ", 2, []string{"b.rpm"}},
		{"release cannot be created", githubtest.PathSuffix("POST", "/releases"), forbidden, 1,
			"matrixgen: not published: c.rpm: create release drivers-570.1-1 of acme/drivers: POST ", 0, []string{"a.rpm", "b.rpm", "c.rpm"}},
		{"releases cannot be listed", githubtest.PathSuffix("GET", "/releases"), forbidden, 1,
			"matrixgen: list releases of acme/drivers: GET ", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, srv := newFake(t, baseKernels)
			fake.FailNext(tc.match, tc.fault)
			r := runPublish(t, srv.URL+"/", nil, append([]string{"--repo", "acme/drivers", "--driver-version", "570.1", "--json"}, publishFiles(t, "a.rpm", "b.rpm", "c.rpm")...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", r.code, tc.code, tc.stderr, r.stderr)
			}
			if tc.wantFails == nil {
				if r.stdout != "" {
					t.Errorf("stdout %q", r.stdout)
				}
				return
			}
			var got struct {
				Uploaded []map[string]string
				Failed   []struct{ Name, Error string }
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("%v: %s", err, r.stdout)
			}
			var fails []string
			for _, f := range got.Failed {
				fails = append(fails, f.Name)
				if f.Error == "" {
					t.Errorf("%s failed without a reason", f.Name)
				}
			}
			if len(got.Uploaded) != tc.uploaded || !slices.Equal(fails, tc.wantFails) {
				t.Errorf("uploaded %d, failed %v; want %d, %v", len(got.Uploaded), fails, tc.uploaded, tc.wantFails)
			}
		})
	}
}

// TestPublishCmdUsage: usage errors exit 2 before any request.
func TestPublishCmdUsage(t *testing.T) {
	files := publishFiles(t, "a.rpm")
	dir := t.TempDir()
	unreadable := filepath.Join(dir, "locked.rpm")
	if err := os.WriteFile(unreadable, []byte("x"), 0o000); err != nil {
		t.Fatal(err)
	}
	ok := []string{"--repo", "acme/drivers", "--driver-version", "570.1"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		msg  string
	}{
		{"no file", nil, ok, "no FILE to publish"},
		{"missing file", nil, append(slices.Clone(ok), files[0], filepath.Join(dir, "nope.rpm")), "nope.rpm: "},
		{"directory", nil, append(slices.Clone(ok), dir), "not a regular file"},
		{"bad repo", nil, []string{"--repo", "acme", "--driver-version", "570.1", files[0]}, "--repo: repository \"acme\""},
		{"no repo", nil, []string{"--driver-version", "570.1", files[0]}, `"repo" not set`},
		{"no driver version", nil, []string{"--repo", "acme/drivers", files[0]}, `"driver-version" not set`},
		{"bad driver version", nil, []string{"--repo", "acme/drivers", "--driver-version", "570 1", files[0]}, "driver-version"},
		{"bad tag prefix", nil, append(slices.Clone(ok), "--tag-prefix", "a..b-", files[0]), "tag-prefix"},
		{"empty tag prefix", nil, append(slices.Clone(ok), "--tag-prefix", "", files[0]), "--tag-prefix must not be empty"},
		{"no token", map[string]string{}, append(slices.Clone(ok), files[0]), "no GitHub token"},
		{"negative budget", nil, append(slices.Clone(ok), "--writes-per-hour", "-1", files[0]), "--writes-per-hour must be >= 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, srv := newFake(t, baseKernels)
			r := runPublish(t, srv.URL+"/", tc.env, tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.msg) {
				t.Errorf("exit %d, want 2; stderr lacks %q:\n%s", r.code, tc.msg, r.stderr)
			}
			if req := fake.Requests(); len(req) != 0 {
				t.Errorf("sent %v", req)
			}
		})
	}
	if os.Getuid() != 0 { // root reads a mode-0 file
		fake, srv := newFake(t, baseKernels)
		r := runPublish(t, srv.URL+"/", nil, append(slices.Clone(ok), unreadable)...)
		if r.code != 2 || !strings.Contains(r.stderr, "locked.rpm") || len(fake.Requests()) != 0 {
			t.Errorf("unreadable file: exit %d\n%s", r.code, r.stderr)
		}
	}
}

// TestPublishCmdEnterprise: with an Enterprise Server --github-url
// (https://HOST/api/v3/) uploads go to https://HOST/api/uploads/.
func TestPublishCmdEnterprise(t *testing.T) {
	fake, srv := newFake(t, baseKernels)
	r := runPublish(t, srv.URL+"/api/v3/", nil, append([]string{"--repo", "acme/drivers", "--driver-version", "570.1"}, publishFiles(t, "a.rpm")...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	want := []string{"POST /api/v3/repos/acme/drivers/releases", "POST /api/uploads/repos/acme/drivers/releases/1/assets"}
	if got := fake.Writes(); !slices.Equal(got, want) {
		t.Errorf("writes %v, want %v", got, want)
	}
}

// TestPublishCmdFlags: the defaults the workflows rely on.
func TestPublishCmdFlags(t *testing.T) {
	var got github.PublishOptions
	var gh *githubFlags
	var files []string
	var jsonOut bool
	ios := &ioStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	cmd := newCmdPublish(ios, nil, func(po github.PublishOptions, g *githubFlags, args []string, j bool) error {
		got, gh, files, jsonOut = po, g, args, j
		return nil
	})
	cmd.SetArgs([]string{"--repo", "acme/drivers", "--driver-version", "570.1", "--json", "a.deb", "b.deb"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.TagPrefix != "drivers-" || got.Repo.String() != "acme/drivers" || gh.WriteInterval != time.Second || gh.WritesPerHour != 500 || !jsonOut || got.Clobber || !slices.Equal(files, []string{"a.deb", "b.deb"}) {
		t.Errorf("%+v %+v %v %v", got, gh, files, jsonOut)
	}
}
