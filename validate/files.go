package validate

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/inputs"
)

// Files checks every file (inputs.ReadSpec specs: a path, git:REV:path or
// - for stdin) and says on out which are valid, and on errOut every
// problem of every other one. Its error, when a file is invalid or cannot
// be read, carries exit code 1 and no text (the problems are printed).
// An empty spec, or - given twice (stdin is read once), is a usage error
// and nothing is read.
func Files(ctx context.Context, specs []string, stdin io.Reader, out, errOut io.Writer) error {
	stdins := 0
	for _, spec := range specs {
		if spec == "" {
			return matrixgen.Exit(matrixgen.ExitUsage, errors.New("validate: an empty FILE argument (want a path, git:REV:path or -)"))
		}
		if spec == inputs.Stdin {
			stdins++
		}
	}
	if stdins > 1 {
		return matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf("validate: - given %d times (stdin is read once)", stdins))
	}
	bad := 0
	for _, spec := range specs {
		data, err := inputs.ReadSpec(ctx, spec, stdin)
		if err != nil {
			fmt.Fprintf(errOut, "matrixgen: %v\n", err)
			bad++
			continue
		}
		name := inputs.DisplayName(spec)
		r := Check(name, data, "")
		if r.Valid() {
			fmt.Fprintf(out, "%s: valid %s\n", name, r.Kind)
			continue
		}
		bad++
		for _, p := range r.Problems {
			fmt.Fprintln(errOut, p)
		}
		kind, problems := "file", "problems"
		if r.Kind != "" {
			kind = string(r.Kind)
		}
		if len(r.Problems) == 1 {
			problems = "problem"
		}
		fmt.Fprintf(errOut, "%s: invalid %s: %d %s\n", name, kind, len(r.Problems), problems)
	}
	if bad > 0 {
		return matrixgen.Exit(matrixgen.ExitFailure, nil)
	}
	return nil
}
