package service

import (
	"context"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
)

// listingGitHub counts release listings; its other methods are unused.
type listingGitHub struct {
	GitHub
	calls  int
	assets map[string]string
}

func (g *listingGitHub) ReleaseAssets(context.Context, string) (map[string]string, error) {
	g.calls++
	return g.assets, nil
}
func (g *listingGitHub) StoredName(n string) string { return n }
func (g *listingGitHub) AddKernel(context.Context, matrixgen.Kernel, KernelPR) error {
	return nil
}

func TestAssetCache(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	gh := &listingGitHub{assets: map[string]string{"a.deb": "https://x/a.deb"}}
	c := newAssetCache(gh, 30*time.Second, func() time.Time { return now })
	steps := []struct {
		advance time.Duration
		maxAge  time.Duration
		name    string
		found   bool
		calls   int
	}{
		{0, 30 * time.Second, "a.deb", true, 1},                 // first use lists
		{10 * time.Second, 30 * time.Second, "b.deb", false, 1}, // within the TTL: cached, even for a miss
		{0, 5 * time.Second, "b.deb", true, 2},                  // a miss decided on a listing at most 5s old: 10s is too old
		{3 * time.Second, 5 * time.Second, "b.deb", true, 2},    // 3s old: fine
		{0, 0, "b.deb", true, 3},                                // forced
		{31 * time.Second, 30 * time.Second, "a.deb", true, 4},  // TTL passed
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if i == 2 { // b.deb is published after the listing of step 0
			gh.assets = map[string]string{"a.deb": "https://x/a.deb", "b.deb": "https://x/b.deb"}
		}
		_, found, err := c.find(context.Background(), "1.0", s.name, s.maxAge)
		if err != nil || found != s.found || gh.calls != s.calls {
			t.Errorf("step %d (%s, max age %s): found %v, %d listings (%v); want %v, %d", i, s.name, s.maxAge, found, gh.calls, err, s.found, s.calls)
		}
	}
}
