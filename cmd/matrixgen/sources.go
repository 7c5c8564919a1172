package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/falco"
	"github.com/matrixgen/matrixgen/inputs"
	"github.com/matrixgen/matrixgen/matrix"
)

// sourceFlags are the kernel-set inputs and filters shared by matrix and compat.
type sourceFlags struct {
	Kernels string
	Crawled []string
	Filter  matrix.Filter
}

func (s *sourceFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.Kernels, "kernels", "kernels.json", "kernels.json to build (a path or git:REV:path)")
	f.StringArrayVar(&s.Crawled, "crawled", nil, "crawl output to merge in, repeatable: FILE, ARCH=FILE, a crawl --out-dir DIR (DIR/<arch>/list.json), or - for stdin; a FILE's arch is what its releases name (-arm64, .aarch64), else its path (<arch>/list.json, <arch>.json), else x86_64, and a file whose releases contradict its arch is refused")
	f.StringVar(&s.Filter.Target, "target", "", "keep distributions matching these globs (comma-separated), e.g. 'ubuntu,debian'")
	f.StringVar(&s.Filter.Arch, "arch", "", "keep arches matching these globs, e.g. 'x86_64'")
	f.StringVar(&s.Filter.DistroVersion, "distro-version", "", "keep distro versions matching these globs, e.g. '2?.04'")
}

// load reads every input, names each unusable entry on stderr, and returns
// the merged, filtered set and whether anything was left out.
func (s *sourceFlags) load(ctx context.Context, cmd *cobra.Command, ios *ioStreams) ([]matrixgen.Kernel, bool, error) {
	if err := s.Filter.Validate(); err != nil {
		return nil, false, usageErr("%w", err)
	}
	var sets [][]matrixgen.Kernel
	partial := false
	k, err := inputs.Load(ctx, s.Kernels)
	switch {
	case err == nil:
		sets = append(sets, k.Kernels)
	case errors.Is(err, fs.ErrNotExist) && !cmd.Flags().Changed("kernels") && len(s.Crawled) > 0:
		// The default kernels.json is optional when crawl output is given.
	default:
		return nil, false, err
	}
	for _, c := range s.Crawled {
		loaded, err := inputs.LoadCrawled(ctx, c, ios.In)
		if err != nil {
			return nil, false, err
		}
		for _, set := range loaded {
			for _, g := range falco.GroupProblems(set.Problems) {
				fmt.Fprintln(ios.ErrOut, "matrixgen: skipped:", g)
				partial = true
			}
			sets = append(sets, set.Kernels)
		}
	}
	return s.Filter.Apply(matrix.Merge(sets...)), partial, nil
}
