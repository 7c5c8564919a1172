package service

import (
	"context"
	"errors"
	"time"

	"github.com/matrixgen/matrixgen"
)

// RateLimited is implemented by errors that mean GitHub rate-limited us;
// countingGitHub counts them apart.
type RateLimited interface{ RateLimited() bool }

// countingGitHub counts every GitHub call by operation and outcome.
type countingGitHub struct {
	GitHub
	s *Service
}

func (c *countingGitHub) count(op string, err error) {
	outcome := "ok"
	var rl RateLimited
	switch {
	case errors.As(err, &rl) && rl.RateLimited():
		outcome = "rate_limited"
	case err != nil:
		outcome = "error"
	}
	c.s.m.ghRequests.WithLabelValues(op, outcome).Inc()
}

func (c *countingGitHub) ReleaseAssets(ctx context.Context, dv string) (map[string]string, error) {
	a, err := c.GitHub.ReleaseAssets(ctx, dv)
	c.count("release_assets", err)
	return a, err
}

func (c *countingGitHub) Dispatch(ctx context.Context, in DispatchInputs) (Dispatched, error) {
	d, err := c.GitHub.Dispatch(ctx, in)
	c.count("dispatch", err)
	return d, err
}

func (c *countingGitHub) ListRuns(ctx context.Context, since time.Time) ([]Run, error) {
	r, err := c.GitHub.ListRuns(ctx, since)
	c.count("list_runs", err)
	return r, err
}

func (c *countingGitHub) AddKernel(ctx context.Context, k matrixgen.Kernel, pr KernelPR) error {
	err := c.GitHub.AddKernel(ctx, k, pr)
	c.count("add_kernel", err)
	return err
}

func (c *countingGitHub) Ping(ctx context.Context) error {
	err := c.GitHub.Ping(ctx)
	c.count("ping", err)
	return err
}
