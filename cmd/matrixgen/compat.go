package main

import (
	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen/schedule"
)

func newCmdCompat(ios *ioStreams) *cobra.Command {
	var sources schedule.Sources
	var driverVersion string
	var axisFlags []string
	cmd := &cobra.Command{
		Use:   "compat",
		Short: "Print the compatibility document packagers ship with a driver",
		Long: `Print {"driverVersion":…,"kernels":["5.19","6.1"],"arch":["riscv64"],…} from
the same kernel set matrix uses: the kernel series (major.minor) and arches the
driver is built for, plus one list per --axis. An empty or repeated value is
refused (exit 2).` + exitCodesHelp("3  partial: written, but some crawled entries were skipped (named on stderr)"),
		Example: `  matrixgen compat --driver-version 570.1 --axis nvlink=nvf1.0,nvf1.1
  matrixgen compat --driver-version 2.4.0 --arch riscv64`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sources.KernelsOptional, sources.Words = !cmd.Flags().Changed("kernels"), flagName
			// --driver-version given empty is refused, not taken as none.
			return schedule.Compat(cmd.Context(), *ios, sources, driverVersion, cmd.Flags().Changed("driver-version"), axisFlags)
		},
	}
	registerSources(cmd, &sources)
	cmd.Flags().StringVar(&driverVersion, "driver-version", "", "driver version the document describes")
	cmd.Flags().StringArrayVar(&axisFlags, "axis", nil, "extra axis NAME=v1,v2; repeatable")
	return cmd
}
