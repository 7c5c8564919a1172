package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/ghactions"
	"github.com/matrixgen/matrixgen/github"
	"github.com/matrixgen/matrixgen/inputs"
	"github.com/matrixgen/matrixgen/internal/atomicfile"
	"github.com/matrixgen/matrixgen/matrix"
)

type matrixOptions struct {
	io               *ioStreams
	Sources          sourceFlags
	Built            string
	BuiltOptional    bool
	DriverVersions   []string
	AxisFlags        []string
	BaseImage        string
	Artifact         string
	ArtifactTemplate string
	Package          string
	ChunkSize        int
	AllowEmpty       bool
	PlanOut          string
	FromPlan         string
	Chunk            int
	BuiltFromRelease string
	GH               githubFlags
}

// planFlags are the flags that shape a plan; --from-plan takes all of
// that from the plan file, so they cannot be combined with it.
var planFlags = []string{"kernels", "crawled", "target", "arch", "distro-version", "built", "built-optional", "driver-version", "axis", "base-image", "artifact", "artifact-template", "package", "chunk-size", "allow-empty", "plan-out", "built-from-release", "include-headerless"}

func newCmdMatrix(ios *ioStreams, runF func(*matrixOptions) error) *cobra.Command {
	opts := &matrixOptions{io: ios}
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
per --axis. Kernels come from --kernels (default ./kernels.json) merged with
any --crawled files; --built FILE leaves out artifacts already built, and
--built-from-release OWNER/NAME[@TAG-GLOB] those attached to the GitHub
releases whose tag matches (every page; a release at GitHub's 1,000 assets
is named on stderr). Both compare names as GitHub stores them, with ~, +,
spaces and other special characters as ".": a built.txt line
driver-debian-12-6.12.95.deb12-amd64_1.0_amd64.deb and one with +deb12 both
mark the +deb12 kernel built. --built-from-release's token is
--github-token-file or $GITHUB_TOKEN; --github-url points at GitHub
Enterprise.

A crawled kernel listed with no header source ("headers": []: an Amazon Linux
2023 live-patched kernel whose kernel-devel core no longer carries; its
kernel-livepatch package is a kpatch module, not a build tree) is not
scheduled, as its build could only fail: such kernels are counted and named
on stderr, grouped by distribution, version, arch and source, and
--include-headerless schedules them anyway. Kernels from --kernels (the
demand list, which has no headers field) are never left out this way.

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
			if err := opts.check(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.FromPlan != "" {
				return matrixChunkRun(opts)
			}
			return matrixRun(cmd, opts)
		},
	}
	opts.Sources.register(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.Built, "built", "", "file of artifact names already built (one per line, or a JSON array): left out (names compared as GitHub stores them, as --built-from-release: ~, + and other special characters as .)")
	f.BoolVar(&opts.BuiltOptional, "built-optional", false, "treat a missing --built file as nothing built (a first run); default: a missing file is an error")
	f.StringArrayVar(&opts.DriverVersions, "driver-version", nil, "driver version to build; repeatable, each once (default: one build per kernel with an empty driver version)")
	f.StringArrayVar(&opts.AxisFlags, "axis", nil, "extra matrix axis NAME=v1,v2 (cross product, each value once); repeatable")
	f.StringVar(&opts.BaseImage, "base-image", "", "base image template (default: ubuntu:24.04, debian:12, quay.io/centos/centos:stream9, amazonlinux:2023, ...)")
	f.StringVar(&opts.Artifact, "artifact", matrix.DefaultPreset, "artifact name preset: "+strings.Join(matrix.PresetNames(), ", "))
	f.StringVar(&opts.ArtifactTemplate, "artifact-template", "", "artifact name as a Go text/template (overrides --artifact)")
	f.StringVar(&opts.Package, "package", "driver", "package name for the deb-rpm preset")
	f.IntVar(&opts.ChunkSize, "chunk-size", matrix.MaxJobs, "maximum entries per matrix")
	f.BoolVar(&opts.AllowEmpty, "allow-empty", false, "print an empty matrix instead of exiting 4 when nothing is left to build")
	f.StringVar(&opts.PlanOut, "plan-out", "", "write the plan (every build, its chunking and a sha256) to this file, for the chunk jobs")
	f.StringVar(&opts.FromPlan, "from-plan", "", "read builds from a plan file written by --plan-out (needs --chunk)")
	f.IntVar(&opts.Chunk, "chunk", 0, "with --from-plan: print chunk N (1 to the plan's chunks)")
	f.StringVar(&opts.BuiltFromRelease, "built-from-release", "", "leave out artifacts already attached to the GitHub releases of OWNER/NAME[@TAG-GLOB] (names compared as GitHub stores them: ~, +, spaces and other special characters become .)")
	opts.GH.register(cmd, 0, "")
	return cmd
}

// check refuses flag combinations before any file is read.
func (opts *matrixOptions) check(cmd *cobra.Command) error {
	flags := cmd.Flags()
	if opts.FromPlan != "" {
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
	if opts.ChunkSize < 1 || opts.ChunkSize > matrix.MaxJobs {
		return usageErr("--chunk-size %d: want 1 to %d (GitHub's jobs-per-matrix limit)", opts.ChunkSize, matrix.MaxJobs)
	}
	if flags.Changed("artifact") && opts.ArtifactTemplate != "" {
		return usageErr("--artifact and --artifact-template exclude each other")
	}
	if _, ok := matrix.Preset(opts.Artifact); !ok {
		return usageErr("--artifact %q: want one of %s (or --artifact-template)", opts.Artifact, strings.Join(matrix.PresetNames(), ", "))
	}
	if opts.BuiltOptional && opts.Built == "" {
		return usageErr("--built-optional: give --built FILE too")
	}
	if flags.Changed("plan-out") && opts.PlanOut == "" {
		return usageErr("--plan-out: empty file name")
	}
	return nil
}

// parseAxes reads NAME=v1,v2 flags.
func parseAxes(flags []string) ([]matrix.Axis, error) {
	var axes []matrix.Axis
	for _, a := range flags {
		axis, err := matrix.ParseAxis(a)
		if err != nil {
			return nil, usageErr("%w", err)
		}
		axes = append(axes, axis)
	}
	return axes, nil
}

func (opts *matrixOptions) buildOptions() (matrix.Options, error) {
	axes, err := parseAxes(opts.AxisFlags)
	if err != nil {
		return matrix.Options{}, err
	}
	o := matrix.Options{DriverVersions: opts.DriverVersions, Axes: axes, Package: opts.Package}
	if err := o.Validate(); err != nil {
		return o, usageErr("%w", err)
	}
	var tmpl *template.Template
	switch {
	case opts.ArtifactTemplate != "":
		tmpl, err = matrix.ParseTemplate("--artifact-template", opts.ArtifactTemplate)
	case opts.Artifact != matrix.DefaultPreset: // the default preset has a built-in fast path
		text, _ := matrix.Preset(opts.Artifact)
		tmpl, err = matrix.ParseTemplate(opts.Artifact, text)
	}
	if err != nil {
		return o, usageErr("%w", err)
	}
	o.Artifact = tmpl
	if opts.BaseImage != "" {
		if o.BaseImage, err = matrix.ParseTemplate("--base-image", opts.BaseImage); err != nil {
			return o, usageErr("%w", err)
		}
	}
	if opts.Built != "" {
		names, err := inputs.ReadBuilt(opts.Built)
		switch {
		case errors.Is(err, fs.ErrNotExist) && opts.BuiltOptional:
			fmt.Fprintf(opts.io.ErrOut, "matrixgen: --built %s does not exist: nothing is built yet (--built-optional)\n", opts.Built)
		case errors.Is(err, fs.ErrNotExist):
			return o, fmt.Errorf("--built %s: no such file (a first run has nothing built yet: add --built-optional to treat a missing file as empty)", opts.Built)
		case err != nil:
			return o, fmt.Errorf("--built: %w", err)
		default:
			// A built.txt is often a release's asset list: compare names
			// as GitHub stores them, on both sides, as --built-from-release does.
			o.Built, o.BuiltName = storedNames(names), github.AssetName
		}
	}
	return o, nil
}

// storedNames is names as GitHub stores them (github.AssetName): the
// form --built and --built-from-release compare artifact names in.
func storedNames(names map[string]bool) map[string]bool {
	out := make(map[string]bool, len(names))
	for n := range names {
		out[github.AssetName(n)] = true
	}
	return out
}

func matrixRun(cmd *cobra.Command, opts *matrixOptions) error {
	bo, err := opts.buildOptions()
	if err != nil {
		return err
	}
	kernels, partial, err := opts.Sources.load(cmd.Context(), cmd, opts.io)
	if err != nil {
		return err
	}
	entries, err := matrix.Build(kernels, bo)
	if err != nil {
		return err
	}
	if opts.BuiltFromRelease != "" {
		if entries, err = dropReleased(cmd.Context(), opts, entries); err != nil {
			return err
		}
	}
	if len(entries) == 0 && !opts.AllowEmpty {
		why := "no kernels match the inputs and filters"
		if len(kernels) > 0 {
			why = fmt.Sprintf("the artifacts of all %d kernels are built already", len(kernels))
		}
		fmt.Fprintf(opts.io.ErrOut, "matrixgen: nothing to build: %s (--allow-empty prints an empty matrix)\n", why)
		return silentExit(matrixgen.ExitNothing)
	}
	plan := matrix.NewPlan(entries, bo.Axes, opts.ChunkSize)
	if opts.PlanOut != "" {
		// Streamed: a plan of 200,000 builds is some 60 MB of JSON.
		if err := atomicfile.WriteFrom(opts.PlanOut, func(w io.Writer) error {
			_, err := plan.WriteTo(w)
			return err
		}); err != nil {
			return fmt.Errorf("--plan-out: %w", err)
		}
	}
	step := ghactions.FromEnv(opts.io.Getenv, opts.io.ErrOut)
	if err := ghactions.PublishPlan(step, plan, opts.PlanOut); err != nil {
		return err
	}
	chunks := plan.Chunks()
	if chunks > 1 {
		if _, err := plan.WriteTo(opts.io.Out); err != nil {
			return err
		}
		fmt.Fprintf(opts.io.ErrOut, "matrixgen: %s in %d matrices of up to %d from %s: stdout holds the plan; select one with --from-plan FILE --chunk N\n",
			count(len(entries), "build", "builds"), chunks, plan.ChunkSize, count(len(kernels), "kernel", "kernels"))
	} else {
		if err := writeJSONLine(opts.io, matrix.AppendJSON(nil, entries), true); err != nil {
			return err
		}
		fmt.Fprintf(opts.io.ErrOut, "matrixgen: %s in 1 matrix from %s\n", count(len(entries), "build", "builds"), count(len(kernels), "kernel", "kernels"))
	}
	if partial {
		return silentExit(matrixgen.ExitPartial)
	}
	return nil
}

// matrixChunkRun prints one chunk of a plan file: the chunk job's matrix.
func matrixChunkRun(opts *matrixOptions) error {
	data, err := os.ReadFile(opts.FromPlan)
	if err != nil {
		return fmt.Errorf("--from-plan: %w", err)
	}
	plan, err := matrix.ParsePlan(data)
	if err != nil {
		// A file's content, not a flag's value: a failure (1) even where
		// it is an invalid kernel, which alone would read as usage (2).
		return matrixgen.Exit(matrixgen.ExitFailure, fmt.Errorf("--from-plan %s: %w", opts.FromPlan, err))
	}
	entries, err := plan.Chunk(opts.Chunk)
	if err != nil {
		return usageErr("--chunk: %w", err)
	}
	step := ghactions.FromEnv(opts.io.Getenv, opts.io.ErrOut)
	if err := ghactions.PublishChunk(step, plan, opts.Chunk, entries); err != nil {
		return err
	}
	if err := writeJSONLine(opts.io, matrix.AppendJSON(nil, entries), true); err != nil {
		return err
	}
	fmt.Fprintf(opts.io.ErrOut, "matrixgen: chunk %d of %d: %s\n", opts.Chunk, plan.Chunks(), count(len(entries), "build", "builds"))
	return nil
}

// dropReleased leaves out the entries whose artifact is attached to a
// release --built-from-release names, comparing the name GitHub stores.
func dropReleased(ctx context.Context, opts *matrixOptions, entries []matrix.Entry) ([]matrix.Entry, error) {
	spec, glob, _ := strings.Cut(opts.BuiltFromRelease, "@")
	repo, err := github.ParseRepo(spec)
	if err != nil {
		return nil, usageErr("--built-from-release: %w (want OWNER/NAME[@TAG-GLOB])", err)
	}
	c, err := opts.GH.client(opts.io, nil, "")
	if err != nil {
		return nil, err
	}
	ra, err := c.ListReleaseAssets(ctx, repo, glob)
	if err != nil {
		return nil, fmt.Errorf("--built-from-release: %w", err)
	}
	for _, tag := range ra.Full {
		fmt.Fprintf(opts.io.ErrOut, "matrixgen: release %s of %s holds %d assets, GitHub's limit: publish new artifacts to another release the glob covers\n", tag, repo, github.MaxReleaseAssets)
	}
	kept := entries[:0:0]
	for _, e := range entries {
		if !ra.Names[github.AssetName(e.Artifact)] {
			kept = append(kept, e)
		}
	}
	fmt.Fprintf(opts.io.ErrOut, "matrixgen: --built-from-release: %d assets in %d releases of %s; %d of %d builds already there\n", len(ra.Names), len(ra.Releases), repo, len(entries)-len(kept), len(entries))
	return kept, nil
}

// count writes "1 build", "2 builds".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// writeJSONLine prints compact JSON, indented when a person is reading a
// single document on a terminal.
func writeJSONLine(ios *ioStreams, compact []byte, single bool) error {
	if ios.OutTTY && single {
		// json.Indent keeps the fields in their order (an any round trip
		// would sort them).
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, compact, "", "  "); err == nil {
			compact = pretty.Bytes()
		}
	}
	_, err := ios.Out.Write(append(compact, '\n'))
	return err
}
