package githubtest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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
