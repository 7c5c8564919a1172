package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/template"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/ghactions"
	"github.com/matrixgen/matrixgen/github"
	"github.com/matrixgen/matrixgen/inputs"
	"github.com/matrixgen/matrixgen/internal/atomicfile"
	"github.com/matrixgen/matrixgen/matrix"
	"github.com/matrixgen/matrixgen/output"
)

// IO is where a run reads and writes: stdin (a - input), the document
// (stdout), the report (stderr), and the GitHub Actions step's environment.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY says Out is a terminal: the JSON is indented.
	OutTTY bool
	ErrTTY bool
	Getenv func(string) string
}

// Options say what to schedule, as `matrix` takes them.
type Options struct {
	Sources        Sources
	DriverVersions []string
	Axes           []string // NAME=v1,v2
	Package        string
	// Artifact is a preset name; ArtifactTemplate, when set, replaces it.
	Artifact, ArtifactTemplate string
	BaseImage                  string // a template; "": each distribution's default
	// Built is a file of artifact names already built; BuiltOptional
	// reads a missing one as nothing built.
	Built         string
	BuiltOptional bool
	// BuiltFromRelease is OWNER/NAME[@TAG-GLOB]: artifacts attached to
	// those releases are built; GitHub makes the client that lists them.
	BuiltFromRelease string
	GitHub           func() (*github.Client, error)
	ChunkSize        int
	AllowEmpty       bool
	PlanOut          string // write the plan here
	// Words names the options above in messages (the CLI: as flags).
	Words matrixgen.Vocabulary
}

// Validate refuses options no run could carry out, before any file is
// read: a chunk size outside GitHub's jobs-per-matrix limit, an unknown
// artifact preset, BuiltOptional without Built. Each is a usage error
// naming the option in o.Words.
func (o *Options) Validate() error {
	w := o.Words.Name
	switch _, preset := matrix.Preset(o.Artifact); {
	case o.ChunkSize < 1 || o.ChunkSize > matrix.MaxJobs:
		return &matrixgen.UsageError{Msg: fmt.Sprintf("%s %d: want 1 to %d (GitHub's jobs-per-matrix limit)", w("chunk-size"), o.ChunkSize, matrix.MaxJobs)}
	case !preset:
		return &matrixgen.UsageError{Msg: fmt.Sprintf("%s %q: want one of %s (or %s)", w("artifact"), o.Artifact, strings.Join(matrix.PresetNames(), ", "), w("artifact-template"))}
	case o.BuiltOptional && o.Built == "":
		return &matrixgen.UsageError{Msg: fmt.Sprintf("%s: give %s FILE too", w("built-optional"), w("built"))}
	}
	return nil
}

// ParseAxes reads NAME=v1,v2 values; a bad one is a usage error.
func ParseAxes(values []string) ([]matrix.Axis, error) {
	var axes []matrix.Axis
	for _, a := range values {
		axis, err := matrix.ParseAxis(a)
		if err != nil {
			return nil, matrixgen.Exit(matrixgen.ExitUsage, err)
		}
		axes = append(axes, axis)
	}
	return axes, nil
}

// buildOptions turns o into matrix.Options, reading the Built file.
func (o *Options) buildOptions(errOut io.Writer) (matrix.Options, error) {
	usage := func(err error) error { return matrixgen.Exit(matrixgen.ExitUsage, err) }
	w := o.Words.Name
	axes, err := ParseAxes(o.Axes)
	if err != nil {
		return matrix.Options{}, err
	}
	mo := matrix.Options{DriverVersions: o.DriverVersions, Axes: axes, Package: o.Package}
	if err := mo.Validate(); err != nil {
		return mo, usage(err)
	}
	var tmpl *template.Template
	switch {
	case o.ArtifactTemplate != "":
		tmpl, err = matrix.ParseTemplate(w("artifact-template"), o.ArtifactTemplate)
	case o.Artifact != matrix.DefaultPreset: // the default preset has a built-in fast path
		text, _ := matrix.Preset(o.Artifact)
		tmpl, err = matrix.ParseTemplate(o.Artifact, text)
	}
	if err != nil {
		return mo, usage(err)
	}
	mo.Artifact = tmpl
	if o.BaseImage != "" {
		if mo.BaseImage, err = matrix.ParseTemplate(w("base-image"), o.BaseImage); err != nil {
			return mo, usage(err)
		}
	}
	if o.Built != "" {
		names, err := inputs.ReadBuilt(o.Built)
		switch {
		case errors.Is(err, fs.ErrNotExist) && o.BuiltOptional:
			fmt.Fprintf(errOut, "matrixgen: %s %s does not exist: nothing is built yet (%s)\n", w("built"), o.Built, w("built-optional"))
		case errors.Is(err, fs.ErrNotExist):
			return mo, fmt.Errorf("%s %s: no such file (a first run has nothing built yet: add %s to treat a missing file as empty)", w("built"), o.Built, w("built-optional"))
		case err != nil:
			return mo, fmt.Errorf("%s: %w", w("built"), err)
		default:
			// A built.txt is often a release's asset list: compare names
			// as GitHub stores them, on both sides, as BuiltFromRelease does.
			mo.Built, mo.BuiltName = storedNames(names), github.AssetName
		}
	}
	return mo, nil
}

// storedNames is names as GitHub stores them (github.AssetName): the
// form Built and BuiltFromRelease compare artifact names in.
func storedNames(names map[string]bool) map[string]bool {
	out := make(map[string]bool, len(names))
	for n := range names {
		out[github.AssetName(n)] = true
	}
	return out
}

// Run schedules the builds: it prints the matrix when they fit one chunk,
// otherwise the plan, writes the plan to PlanOut and the step outputs, and
// says on ErrOut what it did. Nothing to build is exit 4 unless
// AllowEmpty; skipped input entries make it partial (3).
func Run(ctx context.Context, ios IO, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	w := o.Words.Name
	if o.Sources.Words == nil {
		o.Sources.Words = o.Words
	}
	bo, err := o.buildOptions(ios.ErrOut)
	if err != nil {
		return err
	}
	kernels, partial, err := o.Sources.Load(ctx, ios.In, ios.ErrOut)
	if err != nil {
		return err
	}
	entries, err := matrix.Build(kernels, bo)
	if err != nil {
		return err
	}
	if o.BuiltFromRelease != "" {
		if entries, err = dropReleased(ctx, ios.ErrOut, o, entries); err != nil {
			return err
		}
	}
	if len(entries) == 0 && !o.AllowEmpty {
		why := "no kernels match the inputs and filters"
		if len(kernels) > 0 {
			why = fmt.Sprintf("the artifacts of all %d kernels are built already", len(kernels))
		}
		fmt.Fprintf(ios.ErrOut, "matrixgen: nothing to build: %s (%s prints an empty matrix)\n", why, w("allow-empty"))
		return matrixgen.Exit(matrixgen.ExitNothing, nil)
	}
	plan := matrix.NewPlan(entries, bo.Axes, o.ChunkSize)
	if o.PlanOut != "" {
		// Streamed: a plan of 200,000 builds is some 60 MB of JSON.
		if err := atomicfile.WriteFrom(o.PlanOut, func(w io.Writer) error {
			_, err := plan.WriteTo(w)
			return err
		}); err != nil {
			return fmt.Errorf("%s: %w", w("plan-out"), err)
		}
	}
	step := ghactions.FromEnv(ios.Getenv, ios.ErrOut)
	if err := ghactions.PublishPlan(step, plan, o.PlanOut); err != nil {
		return err
	}
	builds, from := output.Count(len(entries), "build", "builds"), output.Count(len(kernels), "kernel", "kernels")
	if chunks := plan.Chunks(); chunks > 1 {
		if _, err := plan.WriteTo(ios.Out); err != nil {
			return err
		}
		fmt.Fprintf(ios.ErrOut, "matrixgen: %s in %d matrices of up to %d from %s: stdout holds the plan; select one with %s FILE %s N\n",
			builds, chunks, plan.ChunkSize, from, w("from-plan"), w("chunk"))
	} else {
		if err := output.WriteJSONLine(ios.Out, matrix.AppendJSON(nil, entries), ios.OutTTY); err != nil {
			return err
		}
		fmt.Fprintf(ios.ErrOut, "matrixgen: %s in 1 matrix from %s\n", builds, from)
	}
	if partial {
		return matrixgen.Exit(matrixgen.ExitPartial, nil)
	}
	return nil
}

// RunChunk prints chunk n of the plan file planFile: the chunk job's
// matrix, with its step outputs. words names the options "from-plan" and
// "chunk" in messages.
func RunChunk(ios IO, words matrixgen.Vocabulary, planFile string, n int) error {
	w := words.Name
	data, err := os.ReadFile(planFile)
	if err != nil {
		return fmt.Errorf("%s: %w", w("from-plan"), err)
	}
	plan, err := matrix.ParsePlan(data)
	if err != nil {
		// A file's content, not a flag's value: a failure (1) even where
		// it is an invalid kernel, which alone would read as usage (2).
		return matrixgen.Exit(matrixgen.ExitFailure, fmt.Errorf("%s %s: %w", w("from-plan"), planFile, err))
	}
	entries, err := plan.Chunk(n)
	if err != nil {
		return matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf("%s: %w", w("chunk"), err))
	}
	step := ghactions.FromEnv(ios.Getenv, ios.ErrOut)
	if err := ghactions.PublishChunk(step, plan, n, entries); err != nil {
		return err
	}
	if err := output.WriteJSONLine(ios.Out, matrix.AppendJSON(nil, entries), ios.OutTTY); err != nil {
		return err
	}
	fmt.Fprintf(ios.ErrOut, "matrixgen: chunk %d of %d: %s\n", n, plan.Chunks(), output.Count(len(entries), "build", "builds"))
	return nil
}

// dropReleased leaves out the entries whose artifact is attached to a
// release BuiltFromRelease names, comparing the name GitHub stores.
func dropReleased(ctx context.Context, errOut io.Writer, o Options, entries []matrix.Entry) ([]matrix.Entry, error) {
	w := o.Words.Name("built-from-release")
	spec, glob, _ := strings.Cut(o.BuiltFromRelease, "@")
	repo, err := github.ParseRepo(spec)
	if err != nil {
		return nil, matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf("%s: %w (want OWNER/NAME[@TAG-GLOB])", w, err))
	}
	c, err := o.GitHub()
	if err != nil {
		return nil, err
	}
	ra, err := c.ListReleaseAssets(ctx, repo, glob)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w, err)
	}
	for _, tag := range ra.Full {
		fmt.Fprintf(errOut, "matrixgen: release %s of %s holds %d assets, GitHub's limit: publish new artifacts to another release the glob covers\n", tag, repo, github.MaxReleaseAssets)
	}
	kept := entries[:0:0]
	for _, e := range entries {
		if !ra.Names[github.AssetName(e.Artifact)] {
			kept = append(kept, e)
		}
	}
	fmt.Fprintf(errOut, "matrixgen: %s: %d assets in %d releases of %s; %d of %d builds already there\n", w, len(ra.Names), len(ra.Releases), repo, len(entries)-len(kept), len(entries))
	return kept, nil
}
