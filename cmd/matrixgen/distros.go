package main

import (
	"github.com/matrixgen/matrixgen/output"
	"github.com/spf13/cobra"
)

func newCmdDistros(ios *ioStreams) *cobra.Command {
	format := output.Text
	cmd := &cobra.Command{
		Use:   "distros [--json]",
		Short: "List the distributions matrixgen supports, as its distribution table says",
		Long: `List every distribution matrixgen builds for, from the one table the whole
program reads (derivation, the consistency rule, targets and filters, crawl,
matrix base images, request-build): its name and the aliases accepted wherever
a distribution is given, the distro versions it knows, the arches it ships,
the default build image ({version} is the distro version), and whether crawl
reads it and under which --mirror keys. With --json, one object per
distribution (schemas/distros.schema.json), with its os-release IDs and the
header packages a build installs ({release} is the kernel release) too.` + exitCodesHelp(),
		Example: `  matrixgen distros
  matrixgen distros --json | jq -r '.[] | select(.crawled) | .name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return output.WriteDistros(ios.Out, format) },
	}
	jsonFlag(cmd, &format, "print a JSON array, one object per distribution")
	return cmd
}
