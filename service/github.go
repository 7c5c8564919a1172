package service

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/matrixgen/matrixgen"
)

// GitHub is everything the service asks of GitHub. The adapter over the
// github package implements it in production; tests use a fake.
type GitHub interface {
	// ReleaseAssets lists the assets of every release of a driver version,
	// name (as GitHub stores it) to download URL.
	ReleaseAssets(ctx context.Context, driverVersion string) (map[string]string, error)
	// StoredName is the name GitHub stores for an uploaded asset name
	// (GitHub turns "~", "+" and other special characters into ".").
	StoredName(name string) string
	// Dispatch starts the build workflow. RunID is 0 when GitHub did not
	// return the run (GitHub Enterprise without return_run_details): the
	// follower then finds the run by the build id in its run-name.
	Dispatch(ctx context.Context, in DispatchInputs) (Dispatched, error)
	// ListRuns lists the workflow_dispatch runs of the build workflow
	// created at or after since: one call for every build in flight.
	ListRuns(ctx context.Context, since time.Time) ([]Run, error)
	// AddKernel runs the PR bot for k; it is a no-op when kernels.json
	// already holds k or its PR is open.
	AddKernel(ctx context.Context, k matrixgen.Kernel, pr KernelPR) error
	// Ping checks that GitHub answers, for /readyz.
	Ping(ctx context.Context) error
}

// KernelPR is what the PR bot's PR says about the build that asked for
// its kernel.
type KernelPR struct {
	SeenBy  string // "on-demand build", or "already-built" (no run)
	BuildID string
	RunURL  string // the build's workflow run; "" when there was none
}

// DispatchInputs are the workflow_dispatch inputs of driver-build.yml.
type DispatchInputs struct {
	BuildID       string
	Distribution  string
	DistroVersion string
	Arch          string
	KernelRelease string
	KernelVersion string
	DriverVersion string
	Artifact      string
}

// Dispatched is what a dispatch returned.
type Dispatched struct {
	RunID  int64
	RunURL string
}

// Run is one workflow run as listed.
type Run struct {
	ID         int64
	Name       string // run-name: holds the build id
	URL        string
	Status     string // queued, in_progress, completed, ...
	Conclusion string // success, failure, cancelled, timed_out, ... when completed
	CreatedAt  time.Time
	// Path is the workflow file that ran (".github/workflows/driver-build.yml",
	// sometimes with "@ref"); Event what triggered it ("workflow_dispatch",
	// "pull_request", ...). A run whose id is not recorded is a build's
	// only when both are the build workflow's dispatch (see Config.Workflow).
	Path  string
	Event string
}

// listingTimeout bounds one release listing (every page of every release
// of a driver version).
const listingTimeout = 2 * time.Minute

// assetCache answers "is this artifact released?" from a briefly cached
// release listing: one GitHub listing per driver version per TTL, however
// many requests a boot storm sends (singleflight joins concurrent misses).
type assetCache struct {
	gh  GitHub
	ttl time.Duration
	now func() time.Time
	sf  singleflight.Group

	mu      sync.Mutex
	entries map[string]assetEntry
}

type assetEntry struct {
	at     time.Time
	assets map[string]string
}

func newAssetCache(gh GitHub, ttl time.Duration, now func() time.Time) *assetCache {
	return &assetCache{gh: gh, ttl: ttl, now: now, entries: map[string]assetEntry{}}
}

// find returns the URL of the asset that name is stored as, from a
// listing at most maxAge old (0: a new listing, as a finished run's
// artifact must be seen at once). Concurrent listings of one driver
// version are one call.
func (c *assetCache) find(ctx context.Context, driverVersion, name string, maxAge time.Duration) (string, bool, error) {
	c.mu.Lock()
	e, ok := c.entries[driverVersion]
	c.mu.Unlock()
	if !ok || c.now().Sub(e.at) >= maxAge {
		key := driverVersion
		if maxAge == 0 {
			key = "fresh\x00" + driverVersion // a forced read never joins one that started earlier
		}
		v, err, _ := c.sf.Do(key, func() (any, error) {
			if maxAge > 0 {
				// A listing that finished since the check above will do.
				c.mu.Lock()
				e, ok := c.entries[driverVersion]
				c.mu.Unlock()
				if ok && c.now().Sub(e.at) < maxAge {
					return e, nil
				}
			}
			// The listing serves every request joined to it: one client
			// hanging up must not cancel it for the others.
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), listingTimeout)
			defer cancel()
			assets, err := c.gh.ReleaseAssets(lctx, driverVersion)
			if err != nil {
				return nil, err
			}
			e := assetEntry{at: c.now(), assets: assets}
			c.mu.Lock()
			c.entries[driverVersion] = e
			c.mu.Unlock()
			return e, nil
		})
		if err != nil {
			return "", false, err
		}
		e = v.(assetEntry)
	}
	url, ok := e.assets[c.gh.StoredName(name)]
	return url, ok, nil
}
