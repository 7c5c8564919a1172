package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gh "github.com/google/go-github/v93/github"
)

// Repo is OWNER/NAME.
type Repo struct{ Owner, Name string }

func (r Repo) String() string { return r.Owner + "/" + r.Name }

// ParseRepo reads OWNER/NAME.
func ParseRepo(s string) (Repo, error) {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || !repoPart(owner) || !repoPart(name) {
		return Repo{}, fmt.Errorf("repository %q: want OWNER/NAME (letters, digits, . _ -)", s)
	}
	return Repo{owner, name}, nil
}

func repoPart(s string) bool {
	if s == "" || len(s) > 100 || s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusOf is the HTTP status of a go-github error, 0 for others.
func statusOf(err error) int {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// hasMessage says whether err is GitHub's 422 whose message, or one of
// whose errors' messages, starts with prefix. GitHub answers several 422s
// ("Reference already exists", "Reference update failed", "Validation
// Failed" with "A pull request already exists for o:b."); only the message
// tells them apart.
func hasMessage(err error, prefix string) bool {
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	if strings.HasPrefix(er.Message, prefix) {
		return true
	}
	for _, e := range er.Errors {
		if strings.HasPrefix(e.Message, prefix) {
			return true
		}
	}
	return false
}

// The 422 messages the bot tells apart.
const (
	msgRefExists     = "Reference already exists"
	msgPRExists      = "A pull request already exists for"
	msgRefUpdateFail = "Reference update failed"
)

// branchHead is the commit a branch points at; ok is false when the
// branch does not exist (404).
func (c *Client) branchHead(ctx context.Context, r Repo, branch string) (sha string, ok bool, err error) {
	ref, _, err := c.gh.Git.GetRef(ctx, r.Owner, r.Name, "heads/"+branch)
	switch {
	case statusOf(err) == http.StatusNotFound:
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("branch %s of %s: %w", branch, r, err)
	}
	return ref.GetObject().GetSHA(), true, nil
}

// readFile reads path at commit; ok is false when it does not exist.
func (c *Client) readFile(ctx context.Context, r Repo, commit, path string) (data []byte, ok bool, err error) {
	fc, _, _, err := c.gh.Repositories.GetContents(ctx, r.Owner, r.Name, path, &gh.RepositoryContentGetOptions{Ref: commit})
	switch {
	case statusOf(err) == http.StatusNotFound:
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("read %s at %s in %s: %w", path, commit, r, err)
	case fc == nil:
		return nil, false, fmt.Errorf("read %s at %s in %s: a directory, not a file", path, commit, r)
	}
	if fc.GetEncoding() == "none" {
		// Files over 1 MB come without content; read the blob.
		data, _, err = c.gh.Git.GetBlobRaw(ctx, r.Owner, r.Name, fc.GetSHA())
		if err != nil {
			return nil, false, fmt.Errorf("read %s at %s in %s: blob %s: %w", path, commit, r, fc.GetSHA(), err)
		}
		return data, true, nil
	}
	s, err := fc.GetContent()
	if err != nil {
		return nil, false, fmt.Errorf("read %s at %s in %s: %w", path, commit, r, err)
	}
	return []byte(s), true, nil
}

// commitFile makes one commit on parent that sets path to data, through
// the Git Data API (blob, tree, commit) with no author or committer of our
// own: GitHub sets them from the token, and signs the commit when the
// token is a GitHub App's.
func (c *Client) commitFile(ctx context.Context, r Repo, parent, path string, data []byte, message string) (string, error) {
	pc, _, err := c.gh.Git.GetCommit(ctx, r.Owner, r.Name, parent)
	if err != nil {
		return "", fmt.Errorf("commit %s in %s: %w", parent, r, err)
	}
	blob, _, err := c.gh.Git.CreateBlob(ctx, r.Owner, r.Name, gh.Blob{Content: string(data), Encoding: new("utf-8")})
	if err != nil {
		return "", fmt.Errorf("create blob for %s in %s: %w", path, r, err)
	}
	tree, _, err := c.gh.Git.CreateTree(ctx, r.Owner, r.Name, pc.GetTree().GetSHA(), []*gh.TreeEntry{{Path: new(path), Mode: new("100644"), Type: new("blob"), SHA: blob.SHA}})
	if err != nil {
		return "", fmt.Errorf("create tree for %s in %s: %w", path, r, err)
	}
	cm, _, err := c.gh.Git.CreateCommit(ctx, r.Owner, r.Name, gh.Commit{Message: new(message), Tree: &gh.Tree{SHA: tree.SHA}, Parents: []*gh.Commit{{SHA: new(parent)}}}, nil)
	if err != nil {
		return "", fmt.Errorf("create commit in %s: %w", r, err)
	}
	return cm.GetSHA(), nil
}

// pullsFor lists the pull requests, open and closed, whose head is branch.
func (c *Client) pullsFor(ctx context.Context, r Repo, branch string) ([]*gh.PullRequest, error) {
	var all []*gh.PullRequest
	opt := &gh.PullRequestListOptions{State: "all", Head: r.Owner + ":" + branch, ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		prs, resp, err := c.gh.PullRequests.List(ctx, r.Owner, r.Name, opt)
		if err != nil {
			return nil, fmt.Errorf("pull requests for %s in %s: %w", branch, r, err)
		}
		all = append(all, prs...)
		if resp.NextPage == 0 {
			return all, nil
		}
		opt.Page = resp.NextPage
	}
}
