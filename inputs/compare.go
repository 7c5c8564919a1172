package inputs

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/matrix"
	"github.com/matrixgen/matrixgen/output"
)

// Compare loads two kernel sets (LoadFrom specs: kernels.json or crawl
// output, a path, git:REV:path or - for stdin) and lists the kernels
// added and removed (matrix.Compare). Each entry of a side that had to be
// skipped is named on errOut, and partial says there was one.
func Compare(ctx context.Context, oldSpec, newSpec string, stdin io.Reader, errOut io.Writer) (d matrix.Diff, partial bool, err error) {
	var sides [2][]matrixgen.Kernel
	for i, spec := range []string{oldSpec, newSpec} {
		s, err := LoadFrom(ctx, spec, stdin)
		if err != nil {
			return d, false, err
		}
		for _, g := range GroupProblems(s.Problems) {
			fmt.Fprintln(errOut, "matrixgen: skipped:", g)
			partial = true
		}
		sides[i] = s.Kernels
	}
	return matrix.Compare(sides[0], sides[1]), partial, nil
}

// DiffOptions are what the diff command prints: the two sides (Compare's
// specs), the format, and whether a difference is exit 1 (as git diff
// --exit-code: a side that cannot be read is then exit 5, as 1 cannot
// also mean trouble; a usage error keeps 2).
type DiffOptions struct {
	Old, New string
	Format   output.Format
	ExitCode bool
}

// Diff compares the two sides and prints the kernels added and removed to
// out; skipped entries are named on errOut and make it partial (3). tty
// says out is a terminal. An empty side, or stdin on both, is a usage error.
func (o DiffOptions) Diff(ctx context.Context, stdin io.Reader, out, errOut io.Writer, tty bool) error {
	err := o.diff(ctx, stdin, out, errOut, tty)
	var ee *matrixgen.ExitError
	if err == nil || !o.ExitCode || errors.As(err, &ee) || matrixgen.ExitCodeOf(err) == matrixgen.ExitUsage {
		return err
	}
	return matrixgen.Exit(matrixgen.ExitTrouble, err)
}

func (o DiffOptions) diff(ctx context.Context, stdin io.Reader, out, errOut io.Writer, tty bool) error {
	if o.Old == Stdin && o.New == Stdin {
		return matrixgen.Exit(matrixgen.ExitUsage, errors.New("diff: only one side can be - (stdin is read once)"))
	}
	for i, side := range []string{o.Old, o.New} {
		if side == "" {
			return matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf("diff: %s is empty: give a path, git:REV:path or -", []string{"OLD", "NEW"}[i]))
		}
	}
	h, err := output.New(o.Format, out, output.Options{TTY: tty})
	if err != nil {
		return matrixgen.Exit(matrixgen.ExitUsage, err)
	}
	d, partial, err := Compare(ctx, o.Old, o.New, stdin, errOut)
	if err == nil {
		err = h.Diff(d)
	}
	switch {
	case err != nil:
		return err
	case partial:
		return matrixgen.Exit(matrixgen.ExitPartial, nil)
	case o.ExitCode && !d.Empty():
		return matrixgen.Exit(matrixgen.ExitFailure, nil)
	}
	return nil
}
