package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/kernelsfile"
)

func newCmdAddKernel(ios *ioStreams) *cobra.Command {
	var spec matrixgen.Spec
	var kernels string
	cmd := &cobra.Command{
		Use:   "add-kernel --target T --arch A --release R [--distro-version V]",
		Short: "Add a kernel to kernels.json",
		Long: `Add one kernel to kernels.json, keeping the file sorted and written atomically.
Without --distro-version the version is derived from the release (Ubuntu needs
--kernel-version or --distro-version). A release whose marker contradicts
--distro-version is refused. An invalid or underivable kernel is refused and
the file is left untouched; a kernel already present changes nothing.
A missing kernels file is created.` + exitCodesHelp(),
		Example: `  matrixgen add-kernel --target amazonlinux --arch x86_64 --release 6.12.58-82.121.amzn2023.x86_64
  matrixgen add-kernel --target ubuntu --arch arm64 --release 6.14.0-1021-gcp --distro-version 24.04`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := makeKernel(spec)
			if err != nil {
				return err
			}
			added, err := kernelsfile.AddTo(cmd.Context(), kernels, k)
			switch {
			case err != nil:
				return err
			case added:
				fmt.Fprintf(ios.ErrOut, "added %s to %s\n", k.Key(), kernels)
			default:
				fmt.Fprintf(ios.ErrOut, "%s: already present in %s; nothing changed\n", k.Key(), kernels)
			}
			return nil
		},
	}
	kernelFlags(cmd, &spec)
	cmd.Flags().StringVar(&kernels, "kernels", "kernels.json", "kernels file to update")
	return cmd
}

// kernelFlags registers the flags of one kernel that add-kernel and pr
// add-kernel take, bound to spec (makeKernel checks it).
func kernelFlags(cmd *cobra.Command, spec *matrixgen.Spec) {
	f := cmd.Flags()
	f.StringVar(&spec.Target, "target", "", "distribution (matrixgen distros lists them) or Falco target")
	f.StringVar((*string)(&spec.Arch), "arch", "", "architecture: x86_64 (amd64), aarch64 (arm64), aarch64+64k, riscv64")
	f.StringVar(&spec.Release, "release", "", "kernel release as uname -r prints it")
	f.StringVar(&spec.DistroVersion, "distro-version", "", "distro version (default: derived from the release)")
	f.StringVar(&spec.KernelVersion, "kernel-version", "", "Ubuntu kernel version or uname -v, used to derive the distro version")
	for _, req := range []string{"target", "arch", "release"} {
		_ = cmd.MarkFlagRequired(req)
	}
}

// makeKernel is the kernel add-kernel and pr add-kernel are given, through
// the domain's one consistency rule: the release's markers must agree with
// the target, arch and distro version given. An invalid value is a usage
// error: the command line gave it.
func makeKernel(spec matrixgen.Spec) (matrixgen.Kernel, error) {
	arch, err := matrixgen.ParseArch(string(spec.Arch))
	if err != nil {
		return matrixgen.Kernel{}, usageErr("--arch: %w", err)
	}
	spec.Arch = arch
	k, err := matrixgen.Make(spec)
	switch {
	case errors.Is(err, matrixgen.ErrUnderivable) && spec.DistroVersion == "":
		return k, fmt.Errorf("%w (give --distro-version)", err)
	case errors.Is(err, matrixgen.ErrInvalid):
		return k, matrixgen.AsUsage(err)
	}
	return k, err
}
