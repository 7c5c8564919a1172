package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/inputs"
	"github.com/matrixgen/matrixgen/matrix"
)

// sourceFlags are the kernel-set inputs and filters shared by matrix and compat.
type sourceFlags struct {
	Kernels           string
	Crawled           []string
	Filter            matrix.Filter
	IncludeHeaderless bool
}

func (s *sourceFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.Kernels, "kernels", "kernels.json", "kernels.json to build (a path or git:REV:path)")
	f.StringArrayVar(&s.Crawled, "crawled", nil, "crawl output to merge in, repeatable: FILE, ARCH=FILE, a crawl --out-dir DIR (DIR/<arch>/list.json), or - for stdin; a FILE's arch is what its releases name (-arm64, .aarch64), else its path (<arch>/list.json, <arch>.json), else x86_64, and a file whose releases contradict its arch is refused")
	f.StringVar(&s.Filter.Target, "target", "", "keep distributions matching these names or globs (comma-separated, aliases such as ol or amzn accepted), e.g. 'ubuntu,debian'; an unknown name is a usage error")
	f.StringVar(&s.Filter.Arch, "arch", "", "keep arches matching these names or globs (aliases such as arm64 accepted), e.g. 'x86_64'; an unknown arch is a usage error")
	f.StringVar(&s.Filter.DistroVersion, "distro-version", "", "keep distro versions matching these globs, e.g. '2?.04'")
	f.BoolVar(&s.IncludeHeaderless, "include-headerless", false, `also build crawled kernels listed with no header source ("headers": [], e.g. AL2023 live-patched kernels whose kernel-devel is gone); default: left out and named on stderr`)
}

// load reads every input, names each unusable entry on stderr, and returns
// the merged, filtered set and whether anything was left out.
func (s *sourceFlags) load(ctx context.Context, cmd *cobra.Command, ios *ioStreams) ([]matrixgen.Kernel, bool, error) {
	if err := s.Filter.Validate(); err != nil {
		return nil, false, usageErr("%w", err)
	}
	// Unknown values are usage errors and aliases mean their canonical
	// name, as everywhere else a distribution or an arch is given.
	var err error
	if s.Filter.Target, err = matrixgen.DistributionFilter(s.Filter.Target); err != nil {
		return nil, false, usageErr("--target: %w", err)
	}
	if s.Filter.Arch, err = matrixgen.ArchFilter(s.Filter.Arch); err != nil {
		return nil, false, usageErr("--arch: %w", err)
	}
	if s.Kernels == "" {
		return nil, false, usageErr("--kernels is empty: give the kernels.json to read (a path, git:REV:path or -)")
	}
	var sets [][]matrixgen.Kernel
	partial := false
	k, err := inputs.LoadFrom(ctx, s.Kernels, ios.In)
	switch {
	case err == nil:
		sets = append(sets, k.Kernels)
	case errors.Is(err, fs.ErrNotExist) && !cmd.Flags().Changed("kernels") && len(s.Crawled) > 0:
		// The default kernels.json is optional when crawl output is given.
	default:
		return nil, false, err
	}
	var headerless []matrixgen.Kernel
	for _, c := range s.Crawled {
		loaded, err := inputs.LoadCrawled(ctx, c, ios.In)
		if err != nil {
			return nil, false, err
		}
		for _, set := range loaded {
			for _, g := range inputs.GroupProblems(set.Problems) {
				fmt.Fprintln(ios.ErrOut, "matrixgen: skipped:", g)
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
	reportHeaderless(ios.ErrOut, kernels, s.Filter.Apply(headerless), s.IncludeHeaderless)
	return kernels, partial, nil
}

// reportHeaderless names, grouped by distribution, version, arch and
// origin, the crawled kernels with no header source: left out (not
// scheduled, a build could only fail), or built with --include-headerless.
// One that kernels.json or another crawl lists with headers is built as
// usual and not named. Leaving them out is the rule, not a failure: the
// exit code does not change.
func reportHeaderless(w io.Writer, kernels, headerless []matrixgen.Kernel, included bool) {
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
	what := count(len(named), "crawled kernel", "crawled kernels")
	if included {
		fmt.Fprintf(w, "matrixgen: --include-headerless: building %s with no header source (\"headers\": []):\n", what)
	} else {
		fmt.Fprintf(w, "matrixgen: not scheduled: %s with no header source (\"headers\": []; --include-headerless builds them anyway):\n", what)
	}
	for _, g := range groups {
		fmt.Fprintf(w, "matrixgen:   %s: %s\n", g.name, g.releases)
	}
}
