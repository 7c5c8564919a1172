package main

import (
	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/output"
)

func newCmdDerive(ios *ioStreams) *cobra.Command {
	var in matrixgen.Input // --target, --kernel-version and --suite, for every RELEASE
	format := output.Text
	cmd := &cobra.Command{
		Use:   "derive [--target T [--kernel-version V] RELEASE...]",
		Short: "Derive distro versions from kernel release strings",
		Long: `Derive each kernel's distro version from its release string:
  .fcNN                      Fedora N
  .elN, .elN_M, .elNuek      CentOS (streamN from 9), RHEL, Rocky, AlmaLinux, Oracle: N
  .amznN                     Amazon Linux N (every Amazon kernel carries it)
  +debNN, ~bpoNN+, .debNN.   Debian NN; +bpo ABIs (6.12.12+bpo-amd64) are backports
                             to the release before the one whose series it is (12);
                             plain ABIs by the release's kernel series (6.1 → 12)
  Ubuntu                     the suite (--suite noble-security → 24.04), a ~YY.MM
                             in the kernel version (HWE), or the GA kernel series
--suite works for Debian too (bookworm-backports → 12) and must agree with the
release's own markers; a suite of another distribution is refused.
Nothing is guessed: an Ubuntu release without kernel version or suite is refused
as ambiguous, and a (release, version) pair Ubuntu never shipped (6.8 in 20.04)
is refused. --kernel-version takes the upload (41~22.04.1) or uname -v as a
loader reads it (#41~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC ...).

With RELEASE arguments, --target applies to all of them. Without arguments,
lines are read from stdin as "target release [kernelversion | uname -v]" (#
comments and blank lines are skipped). A bad line never stops the rest.

Output is an aligned table, or with --json one JSON object per input line:
  {"target":…,"kernelrelease":…,"distroversion":…,"rule":…}
  {"target":…,"kernelrelease":…,"error":"underivable: …"}   (or "invalid: …")` + exitCodesHelp("3  partial: some releases were not derived (each named in the output)"),
		Example: `  matrixgen derive --target fedora 6.14.0-100.fc42.x86_64
  matrixgen derive --target ubuntu-gcp --kernel-version 24~22.04.1 6.8.0-1012-gcp
  matrixgen derive --target ubuntu --kernel-version "$(uname -v)" "$(uname -r)"
  matrixgen derive --target debian --suite bookworm-backports 6.12.12+bpo-amd64
  printf 'debian 6.12.95+deb12-amd64\namazonlinux2023 6.1.174-217.345.amzn2023.x86_64\n' | matrixgen derive --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var results []output.Derivation
			var err error
			switch {
			case len(args) > 0 && in.Target == "":
				return usageErr("derive: --target is required with RELEASE arguments (e.g. --target debian)")
			case len(args) == 0 && in != (matrixgen.Input{}):
				return usageErr("derive: --target, --kernel-version and --suite apply to RELEASE arguments; with stdin put them on each line")
			case len(args) == 0:
				if results, err = output.DeriveLines(ios.In, "stdin"); err == nil && len(results) == 0 {
					return usageErr("derive: no input: give RELEASE arguments with --target, or lines on stdin")
				}
			}
			for _, rel := range args {
				results = append(results, output.Derive(matrixgen.Input{Target: in.Target, Release: rel, KernelVersion: in.KernelVersion, Suite: in.Suite}))
			}
			if err != nil {
				return err
			}
			return output.WriteDerivations(ios.Out, ios.ErrOut, format, results)
		},
	}
	cmd.Flags().StringVar(&in.Target, "target", "", "distribution or Falco target (ubuntu, ubuntu-gcp, debian, fedora, centos, amazonlinux2023, ol, ...)")
	cmd.Flags().StringVar(&in.KernelVersion, "kernel-version", "", `Ubuntu kernel version (upload), e.g. "24~18.04.1" or "51"`)
	cmd.Flags().StringVar(&in.Suite, "suite", "", `suite the kernel was found in, e.g. "noble-security"`)
	jsonFlag(cmd, &format, "print JSON Lines, one object per input")
	return cmd
}
