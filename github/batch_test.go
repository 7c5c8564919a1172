package github

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github/githubtest"
)

// TestAddKernelsBudgetAndCollisions: AddKernels opens at most MaxPRs new
// PRs per run and defers the rest (exit 3), in matrixgen.Compare order
// whatever order it is given; a kernel whose branch holds something else is
// a collision that is counted and passed over (exit 1), never stopping the
// others; a kernel already on the base costs no budget.
func TestAddKernelsBudgetAndCollisions(t *testing.T) {
	ctx := context.Background()
	inBase := mustKernel(t, "amazonlinux", matrixgen.X86_64, "6.12.58-82.121.amzn2023.x86_64", "2023")
	a := mustKernel(t, "debian", matrixgen.X86_64, "6.12.95+deb12-amd64", "")
	b := mustKernel(t, "fedora", matrixgen.X86_64, "6.14.0-100.fc42.x86_64", "")
	c := mustKernel(t, "ubuntu", matrixgen.X86_64, "6.8.0-51-generic", "24.04")
	d := mustKernel(t, "ubuntu", matrixgen.X86_64, "6.8.0-52-generic", "24.04")
	tests := []struct {
		name      string
		max       int
		collide   []matrixgen.Kernel // a foreign branch under the kernel's name
		opened    int
		deferred  []matrixgen.Kernel
		collision int
		code      int
	}{
		{"budget of 2: two opened, the rest deferred", 2, nil, 2, []matrixgen.Kernel{c, d}, 0, 3},
		{"budget of 10: all opened", 10, nil, 4, nil, 0, 0},
		{"a collision is counted and passed over", 10, []matrixgen.Kernel{b}, 3, nil, 1, 1},
		{"a collision costs no budget", 2, []matrixgen.Kernel{a}, 2, []matrixgen.Kernel{d}, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := githubtest.New("acme", "drivers", "main", map[string]string{"kernels.json": botKernels})
			srv := httptestServer(t, fake)
			cl, err := New(Options{BaseURL: srv + "/", Token: "ghs_x", Clock: githubtest.NewClock(t0)})
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tt.collide {
				fake.PushCommit(KernelBranch(k), "main", "hand edit", map[string]string{"kernels.json": botKernels + " "})
			}
			// Given out of order, the base's kernel among them.
			changes := []KernelChange{Change(d, "t", "t"), Change(inBase, "t", "t"), Change(b, "t", "t"), Change(c, "t", "t"), Change(a, "t", "t")}
			var reported []string
			out, err := cl.AddKernels(ctx, BotOptions{Repo: acme}, changes, Batch{MaxPRs: tt.max, Report: func(r Result, err error) {
				var ce *BranchConflictError
				if errors.As(err, &ce) {
					reported = append(reported, "collision "+ce.Kernel.String())
					return
				}
				reported = append(reported, string(r.Status))
			}})
			if err != nil {
				t.Fatal(err)
			}
			var deferred []matrixgen.Key
			for _, k := range tt.deferred {
				deferred = append(deferred, k.Key())
			}
			if out.Opened != tt.opened || out.Collisions != tt.collision || !slices.Equal(out.Deferred, deferred) {
				t.Errorf("opened %d, collisions %d, deferred %v; want %d, %d, %v (reported %v)", out.Opened, out.Collisions, out.Deferred, tt.opened, tt.collision, deferred, reported)
			}
			if n := len(fake.Pulls()); n != tt.opened {
				t.Errorf("%d PRs on GitHub, want %d", n, tt.opened)
			}
			var ec interface{ ExitCode() int }
			switch err := out.Err(); {
			case tt.code == 0 && err != nil:
				t.Errorf("Err = %v, want nil", err)
			case tt.code != 0 && (!errors.As(err, &ec) || ec.ExitCode() != tt.code):
				t.Errorf("Err = %v, want exit %d", err, tt.code)
			}
		})
	}
}
