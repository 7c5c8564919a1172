package inputs

import (
	"context"
	"fmt"
	"io"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/matrix"
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
