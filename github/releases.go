package github

import (
	"context"
	"fmt"
	"path"
	"strings"

	gh "github.com/google/go-github/v93/github"
)

// MaxReleaseAssets is GitHub's cap on assets per release ("Limits for
// releases": 1,000 assets per release), so a driver version with more
// builds spans several releases.
const MaxReleaseAssets = 1000

// AssetName is the name GitHub stores for an asset uploaded as name.
// GitHub's REST docs ("Upload a release asset") say only that it "renames
// asset filenames that have special characters, non-alphanumeric
// characters, and leading or trailing periods"; what uploads show (tilde,
// plus, colon, space and parentheses each become a period) is this rule:
// every character but ASCII letters, digits, "-", "_" and "." becomes
// ".", one per character; a name that starts with "." gets "default" in
// front (".env" is stored as "default.env"); trailing periods are dropped.
func AssetName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('.')
		}
	}
	s := strings.TrimRight(b.String(), ".")
	if strings.HasPrefix(s, ".") {
		s = "default" + s
	}
	return s
}

// ReleaseAssets is what a set of releases holds.
type ReleaseAssets struct {
	// Names are the asset names as GitHub stores them.
	Names map[string]bool
	// URLs are their browser_download_url, by stored name (a name stored
	// in two releases: the later one listed, the older release).
	URLs map[string]string
	// Releases are the tags that matched, newest first as GitHub lists them.
	Releases []string
	// Full are the matching releases at MaxReleaseAssets.
	Full []string
}

// ListReleaseAssets lists the assets of every release of r whose tag
// matches glob (path.Match syntax; "" matches all): every page of
// releases and of each release's assets, 100 a page (GitHub's maximum).
func (c *Client) ListReleaseAssets(ctx context.Context, r Repo, glob string) (ReleaseAssets, error) {
	if glob != "" {
		if _, err := path.Match(glob, ""); err != nil {
			return ReleaseAssets{}, fmt.Errorf("tag glob %q: %w", glob, err)
		}
	}
	out := ReleaseAssets{Names: map[string]bool{}, URLs: map[string]string{}}
	opt := &gh.ListOptions{PerPage: 100}
	for {
		rels, resp, err := c.gh.Repositories.ListReleases(ctx, r.Owner, r.Name, opt)
		if err != nil {
			return out, fmt.Errorf("list releases of %s: %w", r, err)
		}
		for _, rel := range rels {
			tag := rel.GetTagName()
			if glob != "" {
				if ok, _ := path.Match(glob, tag); !ok {
					continue
				}
			}
			n := 0
			err := c.eachAsset(ctx, r, rel.GetID(), tag, func(a *gh.ReleaseAsset) bool {
				out.Names[a.GetName()] = true
				out.URLs[a.GetName()] = a.GetBrowserDownloadURL()
				n++
				return true
			})
			if err != nil {
				return out, err
			}
			out.Releases = append(out.Releases, tag)
			if n >= MaxReleaseAssets {
				out.Full = append(out.Full, tag)
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

// eachAsset calls f on every asset of release id (tagged tag, for errors)
// of r, every page, 100 a page, until f returns false.
func (c *Client) eachAsset(ctx context.Context, r Repo, id int64, tag string, f func(*gh.ReleaseAsset) bool) error {
	opt := &gh.ListOptions{PerPage: 100}
	for {
		assets, resp, err := c.gh.Repositories.ListReleaseAssets(ctx, r.Owner, r.Name, id, opt)
		if err != nil {
			return fmt.Errorf("list assets of release %s of %s: %w", tag, r, err)
		}
		for _, a := range assets {
			if !f(a) {
				return nil
			}
		}
		if resp.NextPage == 0 {
			return nil
		}
		opt.Page = resp.NextPage
	}
}
