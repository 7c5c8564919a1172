package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/inputs"
	"github.com/matrixgen/matrixgen/output"
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
list.json), detected from its content, given as a path, as git:REV:path, or
as - for stdin (one side at most).

--exit-code exits 1 when the sides differ, as git diff does; then 1 cannot
also mean trouble, so a side that cannot be read exits 5.` + exitCodesHelp(
			"0  success (with --exit-code: the two sides are the same)",
			"1  failure, nothing written (with --exit-code: the two sides differ)",
			"3  partial: some entries of a side were skipped (named on stderr)",
			"5  with --exit-code: a side could not be read"),
		Example: `  matrixgen diff git:HEAD~1:kernels.json kernels.json
  matrixgen diff --json old/x86_64/list.json new/x86_64/list.json | jq '.added[].kernelrelease'
  git show main:kernels.json | matrixgen diff --exit-code - kernels.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageErr("diff takes two files, OLD and NEW (got %d); see 'matrixgen diff --help'", len(args))
			}
			if args[0] == inputs.Stdin && args[1] == inputs.Stdin {
				return usageErr("diff: only one side can be - (stdin is read once)")
			}
			for i, a := range args {
				if a == "" {
					return usageErr("diff: %s is empty: give a path, git:REV:path or -", []string{"OLD", "NEW"}[i])
				}
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
	cmd.Flags().BoolVar(&opts.ExitCode, "exit-code", false, "exit 1 when the two sides differ (and 5 when a side cannot be read)")
	return cmd
}

func diffRun(cmd *cobra.Command, opts *diffOptions) error {
	format := output.Text
	if opts.JSON {
		format = output.JSON
	}
	h, err := output.New(format, opts.io.Out, output.Options{TTY: opts.io.OutTTY})
	if err != nil {
		return usageErr("%w", err)
	}
	d, partial, err := inputs.Compare(cmd.Context(), opts.Old, opts.New, opts.io.In, opts.io.ErrOut)
	if err == nil {
		err = h.Diff(d)
	}
	if err != nil {
		return diffTrouble(opts, err)
	}
	switch {
	case partial:
		return silentExit(matrixgen.ExitPartial)
	case opts.ExitCode && !d.Empty():
		return silentExit(matrixgen.ExitFailure)
	}
	return nil
}

// diffTrouble gives a failure its exit code: with --exit-code, 1 means
// "differ", so trouble exits 5; a usage error keeps 2.
func diffTrouble(opts *diffOptions, err error) error {
	var ee *matrixgen.ExitError
	if !opts.ExitCode || errors.As(err, &ee) || matrixgen.ExitCodeOf(err) == matrixgen.ExitUsage {
		return err
	}
	return matrixgen.Exit(matrixgen.ExitTrouble, err)
}
