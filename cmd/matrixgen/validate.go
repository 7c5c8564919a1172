package main

import (
	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen/validate"
)

func newCmdValidate(ios *ioStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Validate kernels.json, crawl output or a matrix against its schema",
		Long: `Detect which file each FILE is (kernels.json, crawl output, Falco's own
list.json, or a matrix), validate it against the JSON Schema in schemas/, and
for kernel files also apply the domain rules the schema cannot express
(duplicates, ".." in releases, unknown targets, underivable entries). Every
problem of every file is printed on stderr as FILE:LINE:COL, with the JSON
pointer of the value for schema violations. FILE may be git:REV:path, or -
for stdin.` + exitCodesHelp("1  a file is invalid or cannot be read (every problem is printed)"),
		Example: `  matrixgen validate kernels.json
  matrixgen validate out/*/list.json
  matrixgen matrix > m.json && matrixgen validate m.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return validate.Files(cmd.Context(), args, ios.In, ios.Out, ios.ErrOut)
		},
	}
}
