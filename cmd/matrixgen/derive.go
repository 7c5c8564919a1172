package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
)

type deriveOptions struct {
	io            *ioStreams
	Target        string
	KernelVersion string
	Suite         string
	JSON          bool
	Releases      []string
}

func newCmdDerive(ios *ioStreams, runF func(*deriveOptions) error) *cobra.Command {
	opts := &deriveOptions{io: ios}
	cmd := &cobra.Command{
		Use:   "derive [--target T [--kernel-version V] RELEASE...]",
		Short: "Derive distro versions from kernel release strings",
		Long: `Derive each kernel's distro version from its release string, by the rules in
DESIGN.md: .fcNN (Fedora), .elN (CentOS: streamN from 9; Rocky, Alma, Oracle),
.amznN (Amazon Linux), +debNN / ~bpoNN / .debNN. / kernel series (Debian), and
for Ubuntu the suite, a ~YY.MM in the kernel version, or the GA kernel series.
Nothing is guessed: an Ubuntu release without kernel version or suite is refused
as ambiguous.

With RELEASE arguments, --target applies to all of them. Without arguments,
lines are read from stdin as "target release [kernelversion]" (# comments and
blank lines are skipped). A bad line never stops the rest.

Output is an aligned table, or with --json one JSON object per input line:
  {"target":…,"kernelrelease":…,"distroversion":…,"rule":…}
  {"target":…,"kernelrelease":…,"error":"underivable: …"}   (or "invalid: …")

Exit status: 0 when every line derived, 3 when any did not, 2 on usage errors.`,
		Example: `  matrixgen derive --target fedora 6.14.0-100.fc42.x86_64
  matrixgen derive --target ubuntu-gcp --kernel-version 24~22.04.1 6.8.0-1012-gcp
  printf 'debian 6.12.95+deb12-amd64\namazonlinux2 6.1.174-217.345.amzn2023.x86_64\n' | matrixgen derive --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Releases = args
			if len(args) > 0 && opts.Target == "" {
				return usageErr("derive: --target is required with RELEASE arguments (e.g. --target debian)")
			}
			if len(args) == 0 && (opts.Target != "" || opts.KernelVersion != "" || opts.Suite != "") {
				return usageErr("derive: --target, --kernel-version and --suite apply to RELEASE arguments; with stdin put them on each line")
			}
			if runF != nil {
				return runF(opts)
			}
			return deriveRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Target, "target", "", "distribution or Falco target (ubuntu, ubuntu-gcp, debian, fedora, centos, amazonlinux2023, ol, ...)")
	cmd.Flags().StringVar(&opts.KernelVersion, "kernel-version", "", `Ubuntu kernel version (upload), e.g. "24~18.04.1" or "51"`)
	cmd.Flags().StringVar(&opts.Suite, "suite", "", `suite the kernel was found in, e.g. "noble-security"`)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON Lines, one object per input")
	return cmd
}

type deriveResult struct {
	Target        string `json:"target"`
	KernelRelease string `json:"kernelrelease"`
	DistroVersion string `json:"distroversion,omitempty"`
	Rule          string `json:"rule,omitempty"`
	Error         string `json:"error,omitempty"`
}

func deriveRun(opts *deriveOptions) error {
	var results []deriveResult
	add := func(in matrixgen.Input) {
		r := deriveResult{Target: in.Target, KernelRelease: in.Release}
		d, err := matrixgen.Derive(in)
		if err != nil {
			r.Error = err.Error()
		} else {
			r.DistroVersion, r.Rule = d.DistroVersion, d.Rule
		}
		results = append(results, r)
	}
	if len(opts.Releases) > 0 {
		for _, rel := range opts.Releases {
			add(matrixgen.Input{Target: opts.Target, Release: rel, KernelVersion: opts.KernelVersion, Suite: opts.Suite})
		}
	} else {
		sc := bufio.NewScanner(opts.io.In)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			f := strings.Fields(line)
			if len(f) < 2 || len(f) > 3 {
				r := deriveResult{Error: fmt.Sprintf("invalid: stdin line %d: want \"target release [kernelversion]\", got %d fields", n, len(f))}
				if len(f) > 0 {
					r.Target = f[0]
				}
				if len(f) > 1 {
					r.KernelRelease = f[1]
				}
				results = append(results, r)
				continue
			}
			in := matrixgen.Input{Target: f[0], Release: f[1]}
			if len(f) == 3 {
				in.KernelVersion = f[2]
			}
			add(in)
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
		if len(results) == 0 {
			return usageErr("derive: no input: give RELEASE arguments with --target, or lines on stdin")
		}
	}
	failed := 0
	for _, r := range results {
		if r.Error != "" {
			failed++
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.io.Out)
		enc.SetEscapeHTML(false)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	} else {
		tw := tabwriter.NewWriter(opts.io.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TARGET\tRELEASE\tDISTROVERSION\tRULE")
		for _, r := range results {
			if r.Error != "" {
				fmt.Fprintf(tw, "%s\t%s\t-\t%s\n", r.Target, r.KernelRelease, r.Error)
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Target, r.KernelRelease, r.DistroVersion, r.Rule)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if failed > 0 {
		fmt.Fprintf(opts.io.ErrOut, "matrixgen: %d of %d releases not derived\n", failed, len(results))
		return silentExit(exitPartial)
	}
	return nil
}
