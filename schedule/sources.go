package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/inputs"
	"github.com/matrixgen/matrixgen/matrix"
	"github.com/matrixgen/matrixgen/output"
)

// Sources are the kernel-set inputs and filters matrix and compat share.
type Sources struct {
	// Kernels is the kernels.json to read (a path, git:REV:path or -).
	Kernels string
	// KernelsOptional: Kernels is the default path, not one the caller
	// named, so a missing file is no error when Crawled is given.
	KernelsOptional bool
	// Crawled are crawl outputs to merge in (inputs.LoadCrawled specs).
	Crawled []string
	Filter  matrix.Filter
	// IncludeHeaderless schedules crawled kernels with no header source
	// too; by default they are left out and named.
	IncludeHeaderless bool
	// Words names the options above in messages (the CLI: as flags).
	Words matrixgen.Vocabulary
}

// Load reads every input, names each unusable entry on errOut, and returns
// the merged, filtered set and whether anything was left out (partial).
// Unknown filter values are usage errors, and aliases mean their canonical
// name, as everywhere else a distribution or an arch is given.
func (s *Sources) Load(ctx context.Context, stdin io.Reader, errOut io.Writer) ([]matrixgen.Kernel, bool, error) {
	w := s.Words.Name
	if err := s.Filter.Validate(); err != nil {
		return nil, false, matrixgen.Exit(matrixgen.ExitUsage, err)
	}
	var err error
	if s.Filter.Target, err = matrixgen.DistributionFilter(s.Filter.Target); err != nil {
		return nil, false, matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf("%s: %w", w("target"), err))
	}
	if s.Filter.Arch, err = matrixgen.ArchFilter(s.Filter.Arch); err != nil {
		return nil, false, matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf("%s: %w", w("arch"), err))
	}
	if s.Kernels == "" {
		return nil, false, matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf("%s is empty: give the kernels.json to read (a path, git:REV:path or -)", w("kernels")))
	}
	var sets [][]matrixgen.Kernel
	partial := false
	k, err := inputs.LoadFrom(ctx, s.Kernels, stdin)
	switch {
	case err == nil:
		sets = append(sets, k.Kernels)
	case errors.Is(err, fs.ErrNotExist) && s.KernelsOptional && len(s.Crawled) > 0:
		// The default kernels.json is optional when crawl output is given.
	default:
		return nil, false, err
	}
	var headerless []matrixgen.Kernel
	for _, c := range s.Crawled {
		loaded, err := inputs.LoadCrawled(ctx, c, stdin)
		if err != nil {
			return nil, false, err
		}
		for _, set := range loaded {
			for _, g := range inputs.GroupProblems(set.Problems) {
				fmt.Fprintln(errOut, "matrixgen: skipped:", g)
				partial = true
			}
			kept, hl := matrix.Headerless(set.Kernels)
			if s.IncludeHeaderless {
				kept = set.Kernels
			}
			sets = append(sets, kept)
			headerless = append(headerless, hl...)
		}
	}
	kernels := s.Filter.Apply(matrix.Merge(sets...))
	reportHeaderless(errOut, w("include-headerless"), kernels, s.Filter.Apply(headerless), s.IncludeHeaderless)
	return kernels, partial, nil
}

// reportHeaderless names, grouped by distribution, version, arch and
// origin, the crawled kernels with no header source: left out (not
// scheduled, a build could only fail), or built with IncludeHeaderless.
// One that kernels.json or another crawl lists with headers is built as
// usual and not named. Leaving them out is the rule, not a failure: the
// exit code does not change.
func reportHeaderless(w io.Writer, option string, kernels, headerless []matrixgen.Kernel, included bool) {
	if len(headerless) == 0 {
		return // kernels.json alone: no set of 100,000 keys to make
	}
	in := make(map[matrixgen.Key]bool, len(kernels))
	for _, k := range kernels {
		in[k.Key()] = true
	}
	var named []matrixgen.Kernel
	for _, k := range matrix.Merge(headerless) {
		if in[k.Key()] == included {
			named = append(named, k)
		}
	}
	if len(named) == 0 {
		return
	}
	type group struct{ name, releases string }
	var groups []group
	for _, k := range named { // sorted by Merge: a group's kernels are adjacent
		name := fmt.Sprintf("%s %s %s", k.Distribution, k.DistroVersion, k.Arch)
		if k.Origin != "" {
			name += " (" + k.Origin + ")"
		}
		if n := len(groups); n > 0 && groups[n-1].name == name {
			groups[n-1].releases += ", " + k.Release
			continue
		}
		groups = append(groups, group{name, k.Release})
	}
	what := output.Count(len(named), "crawled kernel", "crawled kernels")
	if included {
		fmt.Fprintf(w, "matrixgen: %s: building %s with no header source (\"headers\": []):\n", option, what)
	} else {
		fmt.Fprintf(w, "matrixgen: not scheduled: %s with no header source (\"headers\": []; %s builds them anyway):\n", what, option)
	}
	for _, g := range groups {
		fmt.Fprintf(w, "matrixgen:   %s: %s\n", g.name, g.releases)
	}
}
