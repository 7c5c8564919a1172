package githubtest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v93/github"
)

// TestAnswers checks the fake's answers as go-github decodes them, against
// the status codes and messages GitHub's REST docs give.
func TestAnswers(t *testing.T) {
	fake := New("acme", "drivers", "main", map[string]string{"kernels.json": "{}\n"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	base := srv.URL + "/"
	c, err := gh.NewClient(gh.WithURLs(&base, &base), gh.WithDisableRateLimitCheck())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	status := func(err error) (int, string) {
		var er *gh.ErrorResponse
		if !errors.As(err, &er) {
			t.Fatalf("want an *ErrorResponse, got %v", err)
		}
		msg := er.Message
		for _, e := range er.Errors {
			msg += " | " + e.Message
		}
		return er.Response.StatusCode, msg
	}
	check := func(what string, err error, code int, msg string) {
		t.Helper()
		gotCode, gotMsg := status(err)
		if gotCode != code || !strings.Contains(gotMsg, msg) {
			t.Errorf("%s: %d %q, want %d %q", what, gotCode, gotMsg, code, msg)
		}
	}

	_, _, err = c.Git.GetRef(ctx, "acme", "drivers", "heads/nope")
	check("missing ref", err, 404, "Not Found")
	_, _, err = c.Git.GetRef(ctx, "acme", "other", "heads/main")
	check("other repository", err, 404, "Not Found")

	main := fake.Head("main")
	if _, _, err := c.Git.CreateRef(ctx, "acme", "drivers", gh.CreateRef{Ref: "refs/heads/b", SHA: main}); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Git.CreateRef(ctx, "acme", "drivers", gh.CreateRef{Ref: "refs/heads/b", SHA: main})
	check("existing ref", err, 422, "Reference already exists")

	if _, _, err := c.PullRequests.Create(ctx, "acme", "drivers", gh.CreatePullRequest{Title: new("t"), Head: "b", Base: "main"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.PullRequests.Create(ctx, "acme", "drivers", gh.CreatePullRequest{Title: new("t"), Head: "b", Base: "main"})
	check("second PR", err, 422, "Validation Failed | A pull request already exists for acme:b.")
	_, _, err = c.PullRequests.Create(ctx, "acme", "drivers", gh.CreatePullRequest{Title: new("t"), Head: "nope", Base: "main"})
	check("PR from a missing branch", err, 422, "Validation Failed")

	// A commit that is not a descendant: not a fast-forward without force.
	other := fake.PushCommit("c", "main", "c", map[string]string{"x": "1"})
	fake.PushCommit("b", "main", "b", map[string]string{"y": "1"})
	_, _, err = c.Git.UpdateRef(ctx, "acme", "drivers", "heads/b", gh.UpdateRef{SHA: other, Force: new(false)})
	check("non-fast-forward", err, 422, "Update is not a fast forward")

	// Contents API: a stale blob sha is 409.
	fc, _, _, err := c.Repositories.GetContents(ctx, "acme", "drivers", "kernels.json", &gh.RepositoryContentGetOptions{Ref: "main"})
	if err != nil {
		t.Fatal(err)
	}
	opts := &gh.RepositoryContentFileOptions{Message: new("m"), Content: []byte("{\"x86_64\": []}\n"), SHA: fc.SHA, Branch: new("main")}
	if _, _, err := c.Repositories.UpdateFile(ctx, "acme", "drivers", "kernels.json", opts); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Repositories.UpdateFile(ctx, "acme", "drivers", "kernels.json", opts)
	check("stale contents sha", err, 409, "does not match")

	// Faults come first, once.
	fake.FailNext(Method(http.MethodGet), BadGateway())
	_, _, err = c.Git.GetRef(ctx, "acme", "drivers", "heads/main")
	check("502", err, 502, "Server Error")
	if _, _, err := c.Git.GetRef(ctx, "acme", "drivers", "heads/main"); err != nil {
		t.Errorf("after the fault: %v", err)
	}

	// Releases: 1,000 assets at most, listed 100 a page.
	names := make([]string, 1000)
	for i := range names {
		names[i] = "a" + strings.Repeat("x", i%7)
	}
	if err := fake.AddRelease("v1", names); err != nil {
		t.Fatal(err)
	}
	pages, total := 0, 0
	opt := &gh.ListOptions{PerPage: 100}
	for {
		as, resp, err := c.Repositories.ListReleaseAssets(ctx, "acme", "drivers", 1, opt)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		total += len(as)
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	if pages != 10 || total != 1000 {
		t.Errorf("%d pages, %d assets; want 10 and 1000", pages, total)
	}
}

// TestWorkflowDispatch: dispatches become runs, found by their run-name.
func TestWorkflowDispatch(t *testing.T) {
	fake := New("acme", "drivers", "main", map[string]string{"kernels.json": "{}\n"})
	fake.AddWorkflow("driver-build.yml", func(in map[string]string) string { return "driver-build " + in["build_id"] })
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	now := t0
	fake.SetNow(func() time.Time { return now })
	srv := httptest.NewServer(fake)
	defer srv.Close()
	base := srv.URL + "/"
	c, err := gh.NewClient(gh.WithURLs(&base, &base), gh.WithDisableRateLimitCheck())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	details, resp, err := c.Actions.CreateWorkflowDispatchEventByFileName(ctx, "acme", "drivers", "driver-build.yml", gh.CreateWorkflowDispatchEventRequest{Ref: "main", Inputs: map[string]any{"build_id": "b-1"}})
	if err != nil || resp.StatusCode != 204 || details != nil {
		t.Fatalf("plain dispatch: %v %v %v", details, resp, err)
	}
	now = t0.Add(time.Minute)
	details, resp, err = c.Actions.CreateWorkflowDispatchEventByFileName(ctx, "acme", "drivers", "driver-build.yml", gh.CreateWorkflowDispatchEventRequest{Ref: "main", Inputs: map[string]any{"build_id": "b-2"}, ReturnRunDetails: new(true)})
	if err != nil || resp.StatusCode != 200 || details.GetWorkflowRunID() != 2 {
		t.Fatalf("dispatch with details: %v %v %v", details, resp, err)
	}
	_, _, err = c.Actions.CreateWorkflowDispatchEventByFileName(ctx, "acme", "drivers", "nope.yml", gh.CreateWorkflowDispatchEventRequest{Ref: "main"})
	if er := (*gh.ErrorResponse)(nil); !errors.As(err, &er) || er.Response.StatusCode != 404 {
		t.Errorf("unknown workflow: %v", err)
	}
	_, _, err = c.Actions.CreateWorkflowDispatchEventByFileName(ctx, "acme", "drivers", "driver-build.yml", gh.CreateWorkflowDispatchEventRequest{Ref: "gone"})
	if er := (*gh.ErrorResponse)(nil); !errors.As(err, &er) || er.Response.StatusCode != 422 || er.Message != "No ref found for: gone" {
		t.Errorf("missing ref: %v", err)
	}

	fake.SetRunStatus(1, "completed", "success")
	runs, _, err := c.Actions.ListRepositoryWorkflowRuns(ctx, "acme", "drivers", &gh.ListWorkflowRunsOptions{Event: "workflow_dispatch", Created: ">=" + t0.Add(30*time.Second).Format(time.RFC3339)})
	if err != nil || runs.GetTotalCount() != 1 || runs.WorkflowRuns[0].GetName() != "driver-build b-2" || runs.WorkflowRuns[0].GetStatus() != "queued" {
		t.Errorf("runs created after 30s: %+v %v", runs, err)
	}
	runs, _, err = c.Actions.ListRepositoryWorkflowRuns(ctx, "acme", "drivers", &gh.ListWorkflowRunsOptions{Status: "success"})
	if err != nil || runs.GetTotalCount() != 1 || runs.WorkflowRuns[0].GetID() != 1 || runs.WorkflowRuns[0].GetConclusion() != "success" {
		t.Errorf("successful runs: %+v %v", runs, err)
	}
	run, _, err := c.Actions.GetWorkflowRunByID(ctx, "acme", "drivers", 2)
	if err != nil || run.GetName() != "driver-build b-2" {
		t.Errorf("run 2: %+v %v", run, err)
	}
}

// TestReleaseAnswers checks the fake's release endpoints as go-github
// decodes them: create (422 already_exists on a tag that has a release),
// get by tag, upload on the upload root with GitHub's renaming, 422 on a
// duplicate stored name and on a full release, delete.
func TestReleaseAnswers(t *testing.T) {
	fake := New("acme", "drivers", "main", nil)
	fake.SetMaxAssets(2)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	base, upload := srv.URL+"/api/v3/", srv.URL+"/api/uploads/"
	c, err := gh.NewClient(gh.WithURLs(&base, &upload), gh.WithDisableRateLimitCheck())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	validation := func(what string, err error, code, field, msg string) {
		t.Helper()
		var er *gh.ErrorResponse
		if !errors.As(err, &er) || er.Response.StatusCode != 422 || er.Message != "Validation Failed" || len(er.Errors) != 1 ||
			er.Errors[0].Code != code || er.Errors[0].Field != field || !strings.Contains(er.Errors[0].Message, msg) {
			t.Errorf("%s: %v, want 422 Validation Failed %s on %s %q", what, err, code, field, msg)
		}
	}
	rel, _, err := c.Repositories.CreateRelease(ctx, "acme", "drivers", gh.CreateReleaseRequest{TagName: "drivers-1-1", MakeLatest: new("false")})
	if err != nil || rel.GetTagName() != "drivers-1-1" {
		t.Fatalf("create: %v %v", rel, err)
	}
	_, _, err = c.Repositories.CreateRelease(ctx, "acme", "drivers", gh.CreateReleaseRequest{TagName: "drivers-1-1"})
	validation("second create", err, "already_exists", "tag_name", "")
	got, _, err := c.Repositories.GetReleaseByTag(ctx, "acme", "drivers", "drivers-1-1")
	if err != nil || got.GetID() != rel.GetID() {
		t.Errorf("get by tag: %v %v", got, err)
	}
	if _, _, err := c.Repositories.GetReleaseByTag(ctx, "acme", "drivers", "nope"); statusOf(err) != 404 {
		t.Errorf("missing tag: %v", err)
	}
	up := func(name string) (*gh.ReleaseAsset, error) {
		req, err := c.NewUploadRequest(ctx, "repos/acme/drivers/releases/1/assets?name="+url.QueryEscape(name), strings.NewReader("bytes"), 5, "application/octet-stream")
		if err != nil {
			t.Fatal(err)
		}
		var a *gh.ReleaseAsset
		_, err = c.Do(req, &a)
		return a, err
	}
	a, err := up("drv-6.12.95+deb12~1_amd64.deb")
	if err != nil || a.GetName() != "drv-6.12.95.deb12.1_amd64.deb" || a.GetSize() != 5 || a.GetContentType() != "application/octet-stream" {
		t.Errorf("upload: %+v %v", a, err)
	}
	// The upload's answer is a whole release asset, its download URL (under
	// the stored name) included, as the listing gives it.
	if want := "https://github.invalid/acme/drivers/releases/download/drivers-1-1/drv-6.12.95.deb12.1_amd64.deb"; a.GetBrowserDownloadURL() != want {
		t.Errorf("upload answer's browser_download_url %q, want %q", a.GetBrowserDownloadURL(), want)
	}
	listed, _, err := c.Repositories.ListReleaseAssets(ctx, "acme", "drivers", rel.GetID(), nil)
	if err != nil || len(listed) != 1 || listed[0].GetBrowserDownloadURL() != a.GetBrowserDownloadURL() {
		t.Errorf("listing %v %v: want the upload's browser_download_url %q", listed, err, a.GetBrowserDownloadURL())
	}
	_, err = up("drv-6.12.95.deb12~1_amd64.deb")
	validation("same stored name", err, "already_exists", "name", "")
	if _, err := up("b.deb"); err != nil {
		t.Fatal(err)
	}
	_, err = up("c.deb")
	validation("full release", err, "custom", "file_count", "file_count limited to 2 assets per release")
	// The API's own path is not the upload endpoint.
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"repos/acme/drivers/releases/1/assets?name=d.deb", strings.NewReader("x"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode < 400 {
		t.Errorf("upload on the API path: %v %v", resp, err)
	}
	if _, err := c.Repositories.DeleteReleaseAsset(ctx, "acme", "drivers", a.GetID()); err != nil {
		t.Errorf("delete: %v", err)
	}
	if _, err := c.Repositories.DeleteReleaseAsset(ctx, "acme", "drivers", a.GetID()); statusOf(err) != 404 {
		t.Errorf("delete again: %v", err)
	}
	if _, err := up("c.deb"); err != nil {
		t.Errorf("upload after a delete: %v", err)
	}
	rels := fake.Releases()
	if len(rels) != 1 || rels[0].MakeLatest != "false" || len(rels[0].Assets) != 2 {
		t.Errorf("releases %+v", rels)
	}
}

func statusOf(err error) int {
	var er *gh.ErrorResponse
	if errors.As(err, &er) {
		return er.Response.StatusCode
	}
	return 0
}

// TestStoredName: the fake renames as uploads to github.com showed.
func TestStoredName(t *testing.T) {
	for in, want := range map[string]string{
		"tobwen-1.1.0-1~buster_amd64.deb":            "tobwen-1.1.0-1.buster_amd64.deb",
		"The Brain.js":                               "The.Brain.js",
		"app.prod-v1.3.0-(15-5)-6064eac-release.apk": "app.prod-v1.3.0-.15-5.-6064eac-release.apk",
		".env":      "default.env",
		"trailing.": "trailing",
	} {
		if got := StoredName(in); got != want {
			t.Errorf("StoredName(%q) = %q, want %q", in, got, want)
		}
	}
}
