package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/inputs"
	"github.com/matrixgen/matrixgen/matrix"
)

type diffOptions struct {
	io       *ioStreams
	Old, New string
	JSON     bool
	ExitCode bool
}

func newCmdDiff(ios *ioStreams, runF func(*diffOptions) error) *cobra.Command {
	opts := &diffOptions{io: ios}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Show kernels added and removed between two kernel files",
		Long: `Compare two kernel sets and list the kernels added and removed, grouped by
distribution and arch. Each side is kernels.json or crawl output (Falco
list.json), detected from its content, given as a path or as git:REV:path.

--exit-code exits 1 when the sides differ, as git diff does.`,
		Example: `  matrixgen diff git:HEAD~1:kernels.json kernels.json
  matrixgen diff --json old/x86_64/list.json new/x86_64/list.json | jq '.added[].kernelrelease'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageErr("diff takes two files, OLD and NEW (got %d); see 'matrixgen diff --help'", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return diffRun(cmd, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print {"added":[...],"removed":[...]}`)
	cmd.Flags().BoolVar(&opts.ExitCode, "exit-code", false, "exit 1 when the two sides differ")
	return cmd
}

type diffKernel struct {
	Distribution  string `json:"distribution"`
	DistroVersion string `json:"distroversion"`
	Arch          string `json:"arch"`
	KernelRelease string `json:"kernelrelease"`
	Flavor        string `json:"flavor,omitempty"`
}

func toDiffKernels(ks []matrixgen.Kernel) []diffKernel {
	out := make([]diffKernel, 0, len(ks))
	for _, k := range ks {
		out = append(out, diffKernel{k.Distribution, k.DistroVersion, string(k.Arch), k.Release, k.Flavor})
	}
	return out
}

func diffRun(cmd *cobra.Command, opts *diffOptions) error {
	var sides [2][]matrixgen.Kernel
	partial := false
	for i, spec := range []string{opts.Old, opts.New} {
		s, err := inputs.Load(cmd.Context(), spec)
		if err != nil {
			return err
		}
		for _, p := range s.Problems {
			fmt.Fprintln(opts.io.ErrOut, "matrixgen: skipped:", p.Error())
			partial = true
		}
		sides[i] = s.Kernels
	}
	d := matrix.Compare(sides[0], sides[1])
	if opts.JSON {
		enc := json.NewEncoder(opts.io.Out)
		enc.SetEscapeHTML(false)
		if opts.io.OutTTY {
			enc.SetIndent("", "  ")
		}
		err := enc.Encode(struct {
			Added   []diffKernel `json:"added"`
			Removed []diffKernel `json:"removed"`
		}{toDiffKernels(d.Added), toDiffKernels(d.Removed)})
		if err != nil {
			return err
		}
	} else if err := printDiff(opts.io, d); err != nil {
		return err
	}
	switch {
	case partial:
		return silentExit(exitPartial)
	case opts.ExitCode && !d.Empty():
		return silentExit(exitFailure)
	}
	return nil
}

// printDiff prints one aligned table, grouped by distribution and arch,
// additions before removals within a group.
func printDiff(ios *ioStreams, d matrix.Diff) error {
	type row struct {
		sign string
		k    matrixgen.Kernel
	}
	var rows []row
	for _, k := range d.Added {
		rows = append(rows, row{"+", k})
	}
	for _, k := range d.Removed {
		rows = append(rows, row{"-", k})
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		if c := strings.Compare(a.k.Distribution, b.k.Distribution); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.k.Arch), string(b.k.Arch)); c != 0 {
			return c
		}
		if a.sign != b.sign {
			return strings.Compare(a.sign, b.sign) // "+" sorts before "-"
		}
		return matrixgen.Compare(a.k, b.k)
	})
	tw := tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
	if len(rows) > 0 {
		fmt.Fprintln(tw, "\tDISTRIBUTION\tARCH\tVERSION\tRELEASE")
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.sign, r.k.Distribution, r.k.Arch, r.k.DistroVersion, r.k.Release)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(ios.Out, "%d added, %d removed\n", len(d.Added), len(d.Removed))
	return err
}
