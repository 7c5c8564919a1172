package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen/ghactions"
	"github.com/matrixgen/matrixgen/inputs"
	"github.com/matrixgen/matrixgen/matrix"
)

type matrixOptions struct {
	io               *ioStreams
	Sources          sourceFlags
	Built            string
	DriverVersions   []string
	AxisFlags        []string
	BaseImage        string
	Artifact         string
	ArtifactTemplate string
	Package          string
	ChunkSize        int
	AllowEmpty       bool
}

func newCmdMatrix(ios *ioStreams, runF func(*matrixOptions) error) *cobra.Command {
	opts := &matrixOptions{io: ios}
	var presets []string
	for name, text := range matrix.Presets {
		presets = append(presets, fmt.Sprintf("  %-18s %s", name, text))
	}
	sort.Strings(presets)
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Print the GitHub Actions matrix of builds that are missing",
		Long: `Print {"include":[...]} for GitHub Actions' fromJSON: one entry per kernel ×
driver version × axis value, with distribution, distro_version, kernel_release,
architecture, driver_version, base_image, cache_key
(kernel:arch:distro:distroversion:driverversion), artifact, and one field per
--axis. Kernels come from --kernels (default ./kernels.json) merged with any
--crawled files; --built leaves out artifacts already built.

More than --chunk-size entries (default 256, GitHub's per-matrix limit) are
split: stdout then holds one matrix per line. Output is indented on a
terminal and compact otherwise. With $GITHUB_OUTPUT set, step outputs
matrix (or matrix-1..N), chunks, count and has_builds are written, and a
table of the builds is appended to $GITHUB_STEP_SUMMARY.

Artifact presets (--artifact), Go templates over the entry:
` + strings.Join(presets, "\n") + `
Template fields: .Distribution .DistroVersion .Flavor .KernelRelease
.KernelSeries .Arch .DebArch .RPMArch .PkgArch .PkgExt .DriverVersion
.Package .OSTag .DefaultImage .Axes; functions: replace, lower, upper.

Nothing to build exits 4 unless --allow-empty (then {"include":[]} and
has_builds=false: guard the build job with it).`,
		Example: `  matrixgen matrix --driver-version 550.127.05
  matrixgen matrix --crawled out/x86_64/list.json --target ubuntu --distro-version 24.04 --built built.txt
  matrixgen matrix --driver-version 570.1 --axis nvlink=nvf1.0,nvf1.1 --artifact precompiled-image
  matrixgen matrix --artifact-template '{{.Package}}_{{.KernelRelease}}_{{.DebArch}}.ko.xz' --package mydrv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.ChunkSize < 1 || opts.ChunkSize > matrix.MaxJobs {
				return usageErr("--chunk-size %d: want 1 to %d (GitHub's jobs-per-matrix limit)", opts.ChunkSize, matrix.MaxJobs)
			}
			if cmd.Flags().Changed("artifact") && opts.ArtifactTemplate != "" {
				return usageErr("--artifact and --artifact-template exclude each other")
			}
			if _, ok := matrix.Presets[opts.Artifact]; !ok {
				return usageErr("--artifact %q: want one of deb-rpm, precompiled-image, compat-version (or --artifact-template)", opts.Artifact)
			}
			if runF != nil {
				return runF(opts)
			}
			return matrixRun(cmd, opts)
		},
	}
	opts.Sources.register(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.Built, "built", "", "file of artifact names already built (one per line, or a JSON array): left out")
	f.StringArrayVar(&opts.DriverVersions, "driver-version", nil, "driver version to build; repeatable (default: one build per kernel with an empty driver version)")
	f.StringArrayVar(&opts.AxisFlags, "axis", nil, "extra matrix axis NAME=v1,v2 (cross product); repeatable")
	f.StringVar(&opts.BaseImage, "base-image", "", "base image template (default: ubuntu:24.04, debian:12, quay.io/centos/centos:stream9, amazonlinux:2023, ...)")
	f.StringVar(&opts.Artifact, "artifact", "deb-rpm", "artifact name preset: deb-rpm, precompiled-image, compat-version")
	f.StringVar(&opts.ArtifactTemplate, "artifact-template", "", "artifact name as a Go text/template (overrides --artifact)")
	f.StringVar(&opts.Package, "package", "driver", "package name for the deb-rpm preset")
	f.IntVar(&opts.ChunkSize, "chunk-size", matrix.MaxJobs, "maximum entries per matrix")
	f.BoolVar(&opts.AllowEmpty, "allow-empty", false, "print an empty matrix instead of exiting 4 when nothing is left to build")
	return cmd
}

// parseAxes reads NAME=v1,v2 flags.
func parseAxes(flags []string) ([]matrix.Axis, error) {
	var axes []matrix.Axis
	for _, a := range flags {
		name, vals, ok := strings.Cut(a, "=")
		if !ok || name == "" {
			return nil, usageErr("--axis %q: want NAME=v1,v2", a)
		}
		var values []string
		for _, v := range strings.Split(vals, ",") {
			if v = strings.TrimSpace(v); v != "" {
				values = append(values, v)
			}
		}
		axes = append(axes, matrix.Axis{Name: name, Values: values})
	}
	return axes, nil
}

func (opts *matrixOptions) buildOptions() (matrix.Options, error) {
	axes, err := parseAxes(opts.AxisFlags)
	if err != nil {
		return matrix.Options{}, err
	}
	o := matrix.Options{DriverVersions: opts.DriverVersions, Axes: axes, Package: opts.Package}
	var tmpl *template.Template
	switch {
	case opts.ArtifactTemplate != "":
		tmpl, err = matrix.ParseTemplate("--artifact-template", opts.ArtifactTemplate)
	case opts.Artifact != "deb-rpm": // deb-rpm is the built-in fast path
		tmpl, err = matrix.ParseTemplate(opts.Artifact, matrix.Presets[opts.Artifact])
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
		if o.Built, err = inputs.ReadBuilt(opts.Built); err != nil {
			return o, err
		}
	}
	if err := o.Validate(); err != nil {
		return o, usageErr("%w", err)
	}
	return o, nil
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
	if len(entries) == 0 && !opts.AllowEmpty {
		why := "no kernels match the inputs and filters"
		if len(kernels) > 0 {
			why = fmt.Sprintf("the artifacts of all %d kernels are built already", len(kernels))
		}
		fmt.Fprintf(opts.io.ErrOut, "matrixgen: nothing to build: %s (--allow-empty prints an empty matrix)\n", why)
		return silentExit(exitNothing)
	}
	chunks := matrix.Chunk(entries, opts.ChunkSize)
	if len(chunks) == 0 {
		chunks = [][]matrix.Entry{{}}
	}
	var outs []ghactions.Output
	stepOutputs := opts.io.Getenv("GITHUB_OUTPUT") != ""
	var buf []byte
	for i, c := range chunks {
		buf = matrix.AppendJSON(buf[:0], c)
		if stepOutputs {
			name := "matrix"
			if len(chunks) > 1 {
				name = "matrix-" + strconv.Itoa(i+1)
			}
			outs = append(outs, ghactions.Output{Name: name, Value: string(buf)})
		}
		if err := writeJSONLine(opts.io, buf, len(chunks) == 1); err != nil {
			return err
		}
	}
	if err := writeActionsOutputs(opts.io, outs, entries, len(chunks)); err != nil {
		return err
	}
	fmt.Fprintf(opts.io.ErrOut, "matrixgen: %d builds in %d matrix(es) from %d kernels\n", len(entries), len(chunks), len(kernels))
	if partial {
		return silentExit(exitPartial)
	}
	return nil
}

// writeJSONLine prints compact JSON, indented when a person is reading a
// single document on a terminal.
func writeJSONLine(ios *ioStreams, compact []byte, single bool) error {
	if ios.OutTTY && single {
		var v any
		if err := json.Unmarshal(compact, &v); err == nil {
			pretty, _ := json.MarshalIndent(v, "", "  ")
			compact = pretty
		}
	}
	_, err := ios.Out.Write(append(compact, '\n'))
	return err
}

func writeActionsOutputs(ios *ioStreams, outs []ghactions.Output, entries []matrix.Entry, chunks int) error {
	if p := ios.Getenv("GITHUB_OUTPUT"); p != "" {
		outs = append(outs,
			ghactions.Output{Name: "chunks", Value: strconv.Itoa(chunks)},
			ghactions.Output{Name: "count", Value: strconv.Itoa(len(entries))},
			ghactions.Output{Name: "has_builds", Value: strconv.FormatBool(len(entries) > 0)},
		)
		if err := ghactions.WriteOutputs(p, outs); err != nil {
			return err
		}
	}
	if p := ios.Getenv("GITHUB_STEP_SUMMARY"); p != "" {
		rows := make([][]string, 0, len(entries))
		for _, e := range entries {
			rows = append(rows, []string{e.Distribution, e.DistroVersion, e.Architecture, "`" + e.KernelRelease + "`", e.DriverVersion, "`" + e.Artifact + "`"})
		}
		md := fmt.Sprintf("### matrixgen: %d builds\n\n", len(entries))
		if len(entries) > 0 {
			md += ghactions.Table([]string{"distribution", "version", "arch", "kernel", "driver", "artifact"}, rows)
		}
		if err := ghactions.AppendSummary(p, md+"\n"); err != nil {
			return err
		}
	}
	return nil
}
