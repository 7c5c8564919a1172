package main

import (
	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen/inputs"
	"github.com/matrixgen/matrixgen/output"
)

func newCmdDiff(ios *ioStreams) *cobra.Command {
	opts := inputs.DiffOptions{Format: output.Text}
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
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			return opts.Diff(cmd.Context(), ios.In, ios.Out, ios.ErrOut, ios.OutTTY)
		},
	}
	jsonFlag(cmd, &opts.Format, `print {"added":[...],"removed":[...]}`)
	cmd.Flags().BoolVar(&opts.ExitCode, "exit-code", false, "exit 1 when the two sides differ (and 5 when a side cannot be read)")
	return cmd
}
