package main

import (
	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/matrix"
	"github.com/matrixgen/matrixgen/output"
	"github.com/matrixgen/matrixgen/schedule"
)

type compatOptions struct {
	io            *ioStreams
	Sources       schedule.Sources
	DriverVersion string
	DriverGiven   bool // --driver-version was on the command line, even if empty
	AxisFlags     []string
}

func newCmdCompat(ios *ioStreams, runF func(*compatOptions) error) *cobra.Command {
	opts := &compatOptions{io: ios}
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
			opts.DriverGiven = cmd.Flags().Changed("driver-version")
			if runF != nil {
				return runF(opts)
			}
			return compatRun(cmd, opts)
		},
	}
	registerSources(cmd, &opts.Sources)
	cmd.Flags().StringVar(&opts.DriverVersion, "driver-version", "", "driver version the document describes")
	cmd.Flags().StringArrayVar(&opts.AxisFlags, "axis", nil, "extra axis NAME=v1,v2; repeatable")
	return cmd
}

func compatRun(cmd *cobra.Command, opts *compatOptions) error {
	axes, err := schedule.ParseAxes(opts.AxisFlags)
	if err != nil {
		return err
	}
	if err := matrix.ValidateCompat(opts.DriverVersion, opts.DriverGiven, axes); err != nil {
		return usageErr("%w", err)
	}
	opts.Sources.KernelsOptional, opts.Sources.Words = !cmd.Flags().Changed("kernels"), flagName
	kernels, partial, err := opts.Sources.Load(cmd.Context(), opts.io.In, opts.io.ErrOut)
	if err != nil {
		return err
	}
	out, err := matrix.NewCompat(kernels, opts.DriverVersion, axes).MarshalJSON()
	if err == nil {
		err = output.WriteJSONLine(opts.io.Out, out, opts.io.OutTTY)
	}
	if err == nil && partial {
		return silentExit(matrixgen.ExitPartial)
	}
	return err
}
