package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/matrixgen/matrixgen/github"
	"github.com/matrixgen/matrixgen/matrix"
	"github.com/matrixgen/matrixgen/schedule"
)

// planFlags are the flags that shape a plan; --from-plan takes all of
// that from the plan file, so they cannot be combined with it.
var planFlags = []string{"kernels", "crawled", "target", "arch", "distro-version", "built", "built-optional", "driver-version", "axis", "base-image", "artifact", "artifact-template", "package", "chunk-size", "allow-empty", "plan-out", "built-from-release", "include-headerless"}

// newCmdMatrix's runF, when set, gets the options, --from-plan and --chunk
// instead of running (tests).
func newCmdMatrix(ios *ioStreams, runF func(opts *schedule.Options, fromPlan string, chunk int) error) *cobra.Command {
	opts := &schedule.Options{Words: flagName}
	var fromPlan string
	var chunk int
	var gh githubFlags
	var presetHelp []string
	for _, name := range matrix.PresetNames() {
		text, _ := matrix.Preset(name)
		presetHelp = append(presetHelp, fmt.Sprintf("  %-18s %s", name, text))
	}
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Print the GitHub Actions matrix of builds that are missing",
		Long: `Print {"include":[...]} for GitHub Actions' fromJSON: one entry per kernel ×
driver version × axis value, with distribution, distro_version, kernel_release,
architecture, driver_version, base_image, cache_key, artifact, and one field
per --axis, for the kernels of --kernels and --crawled less the artifacts
--built or --built-from-release name (every page of releases; one at GitHub's
1,000 assets is named on stderr): a built.txt line
driver-debian-12-6.12.95.deb12-amd64_1.0_amd64.deb and one with +deb12 both
mark the +deb12 kernel built.

A crawled kernel listed with no header source (see --include-headerless; a
kernel-livepatch package is a kpatch module, not a build tree) is not
scheduled, as its build could only fail: such kernels are named on stderr,
grouped by distribution, version, arch and source. Kernels from --kernels
(which has no headers field) are never left out this way.

cache_key is kernel:arch:distro:distroversion:driverversion followed by
:NAME=VALUE for each --axis in the order given, e.g.
6.8.0-51-generic:x86_64:ubuntu:24.04:570.1:nvlink=nvf1.0.

Every build must get its own artifact and cache_key: when a template gives
two builds one name, the command fails (exit 1) naming them and the template.
A repeated --driver-version or --axis value, or an empty one, is refused
(exit 2), not merged.

Stdout is always one JSON document: the matrix when the builds fit one chunk
(--chunk-size, default 256, GitHub's per-matrix limit), otherwise the plan:
every build plus its chunking and a sha256, the file --plan-out writes. A
later job selects chunk N from the plan with --from-plan FILE --chunk N; a
plan that was edited or damaged is refused. Output is indented on a
terminal and compact otherwise.

With $GITHUB_OUTPUT set, the step outputs count, has_builds, chunk_size and
chunks (a JSON array of chunk ids, for a matrix over chunks) are written,
plus matrix when the builds fit one chunk. When they do not, matrix is not
written and the step fails with an ::error:: unless --plan-out is given
(the chunked workflow). A table of the builds (one column per axis, capped
at 256 KiB with a note of what it leaves out) is appended to
$GITHUB_STEP_SUMMARY. Limits being approached get ::warning:: annotations.

Artifact presets (--artifact), Go templates over the entry; axis values
follow the driver version in each:
` + strings.Join(presetHelp, "\n") + `

compat-version names one build per driver, axis values, kernel series and
arch (NVIDIA's compatibility string, 2.4.1+nvf1.0+k5.19+riscv64): with two
kernels of one series it fails; keep one kernel per series (--target,
--distro-version) or use --artifact-template.

Template fields: .Distribution .DistroVersion .Flavor .KernelRelease
.KernelSeries .Arch .DebArch .RPMArch .PkgArch (.DebArch for deb, .RPMArch
for rpm, "+64k" added for aarch64+64k) .PkgExt .DriverVersion .Package
.OSTag .DefaultImage .Axes .AxisValues; functions: replace, lower, upper,
axis. An axis reads as {{axis "nvlink"}} (fails on an unknown name) or
{{index .Axes "nvlink"}}; {{range .AxisValues}}+{{.}}{{end}} writes all.

Nothing to build exits 4 unless --allow-empty (then {"include":[]} and
has_builds=false: guard the build job with it).` + exitCodesHelp(
			"1  failure, nothing written (a colliding template, a tampered plan, a missing --built file)",
			"3  partial: matrix written, but some crawled entries were skipped (named on stderr)",
			"4  nothing to build (without --allow-empty)"),
		Example: `  matrixgen matrix --driver-version 550.127.05
  matrixgen matrix --crawled out/x86_64/list.json --target ubuntu --distro-version 24.04 --built built.txt
  matrixgen matrix --driver-version 570.1 --axis nvlink=nvf1.0,nvf1.1 --artifact precompiled-image
  matrixgen matrix --artifact-template '{{.Package}}_{{.KernelRelease}}_{{axis "nvlink"}}.ko.xz' --axis nvlink=nvf1.0,nvf1.1
  matrixgen matrix --driver-version 570.1 --built built.txt --built-optional --allow-empty --plan-out plan.json
  matrixgen matrix --from-plan plan.json --chunk 2
  matrixgen matrix --driver-version 570.1 --built-from-release acme/drivers@drivers-570.1-* --allow-empty --plan-out plan.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkMatrixFlags(cmd.Flags(), fromPlan, opts.ArtifactTemplate, opts.PlanOut); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts, fromPlan, chunk)
			}
			if fromPlan != "" {
				return schedule.RunChunk(*ios, flagName, fromPlan, chunk)
			}
			opts.Sources.KernelsOptional = !cmd.Flags().Changed("kernels")
			opts.GitHub = func() (*github.Client, error) { return gh.settings(ios, nil, "").Client() }
			return schedule.Run(cmd.Context(), *ios, *opts) // Options.Validate: --chunk-size, --artifact, --built-optional
		},
	}
	registerSources(cmd, &opts.Sources)
	f := cmd.Flags()
	f.StringVar(&opts.Built, "built", "", "file of artifact names already built (one per line, or a JSON array): left out (names compared as GitHub stores them, as --built-from-release: ~, + and other special characters as .)")
	f.BoolVar(&opts.BuiltOptional, "built-optional", false, "treat a missing --built file as nothing built (a first run); default: a missing file is an error")
	f.StringArrayVar(&opts.DriverVersions, "driver-version", nil, "driver version to build; repeatable, each once (default: one build per kernel with an empty driver version)")
	f.StringArrayVar(&opts.Axes, "axis", nil, "extra matrix axis NAME=v1,v2 (cross product, each value once); repeatable")
	f.StringVar(&opts.BaseImage, "base-image", "", "base image template (default: ubuntu:24.04, debian:12, quay.io/centos/centos:stream9, amazonlinux:2023, ...)")
	f.StringVar(&opts.Artifact, "artifact", matrix.DefaultPreset, "artifact name preset: "+strings.Join(matrix.PresetNames(), ", "))
	f.StringVar(&opts.ArtifactTemplate, "artifact-template", "", "artifact name as a Go text/template (overrides --artifact)")
	f.StringVar(&opts.Package, "package", "driver", "package name for the deb-rpm preset")
	f.IntVar(&opts.ChunkSize, "chunk-size", matrix.MaxJobs, "maximum entries per matrix")
	f.BoolVar(&opts.AllowEmpty, "allow-empty", false, "print an empty matrix instead of exiting 4 when nothing is left to build")
	f.StringVar(&opts.PlanOut, "plan-out", "", "write the plan (every build, its chunking and a sha256) to this file, for the chunk jobs")
	f.StringVar(&fromPlan, "from-plan", "", "read builds from a plan file written by --plan-out (needs --chunk)")
	f.IntVar(&chunk, "chunk", 0, "with --from-plan: print chunk N (1 to the plan's chunks)")
	f.StringVar(&opts.BuiltFromRelease, "built-from-release", "", "leave out artifacts already attached to the GitHub releases of OWNER/NAME[@TAG-GLOB] (names compared as GitHub stores them: ~, +, spaces and other special characters become .)")
	gh.register(cmd, 0, "")
	return cmd
}

// checkMatrixFlags refuses flag combinations before any file is read.
func checkMatrixFlags(flags *pflag.FlagSet, fromPlan, artifactTemplate, planOut string) error {
	if fromPlan != "" {
		for _, name := range planFlags {
			if flags.Changed(name) {
				return usageErr("--from-plan takes the builds and their chunking from the plan: drop --%s", name)
			}
		}
		if !flags.Changed("chunk") {
			return usageErr("--from-plan needs --chunk N (the ids are in the plan step's chunks output)")
		}
		return nil
	}
	if flags.Changed("chunk") {
		return usageErr("--chunk selects a chunk of a plan: give --from-plan FILE too")
	}
	if flags.Changed("from-plan") {
		return usageErr("--from-plan: empty file name")
	}
	if flags.Changed("artifact") && artifactTemplate != "" {
		return usageErr("--artifact and --artifact-template exclude each other")
	}
	if flags.Changed("plan-out") && planOut == "" {
		return usageErr("--plan-out: empty file name")
	}
	return nil
}
