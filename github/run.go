package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/ghactions"
	"github.com/matrixgen/matrixgen/inputs"
	"github.com/matrixgen/matrixgen/output"
)

// Run is one command's run of the PR bot or the publisher: the client it
// makes when it first needs one (after its inputs are read, so a bad file
// is named before a missing token), and where it reports.
type Run struct {
	Client func() (*Client, error)
	// Log gets one line per branch or file, as it is done (stderr).
	Log io.Writer
	// Step receives the step outputs (status, branch, pr_number, pr_url).
	Step ghactions.Step
	// Words names options in messages (the CLI: as flags).
	Words matrixgen.Vocabulary
}

// Line says what a bot run did on one branch.
func (r Result) Line() string {
	pr := ""
	if r.PR != 0 {
		pr = fmt.Sprintf(" (PR #%d %s)", r.PR, r.PRURL)
	}
	return fmt.Sprintf("matrixgen: %s: %s: %s%s", r.Status, r.Branch, r.Detail, pr)
}

// Outputs are r as step outputs: status, branch, pr_number, pr_url.
func (r Result) Outputs() []ghactions.Output {
	outs := []ghactions.Output{{Name: "status", Value: string(r.Status)}, {Name: "branch", Value: r.Branch}, {Name: "pr_number", Value: ""}, {Name: "pr_url", Value: r.PRURL}}
	if r.PR != 0 {
		outs[2].Value = strconv.Itoa(r.PR)
	}
	return outs
}

// AddKernel opens the PR that adds ch's kernel (AddKernel), says what it
// did and writes the step outputs.
func (r Run) AddKernel(ctx context.Context, bo BotOptions, ch KernelChange) error {
	c, err := r.Client()
	if err != nil {
		return err
	}
	res, err := c.AddKernel(ctx, bo, ch)
	if err != nil {
		return err // a *BranchConflictError says 1 itself
	}
	fmt.Fprintln(r.Log, res.Line())
	return r.Step.WriteOutputs(res.Outputs())
}

// AddKernelsFrom reads from (inputs.ReadSpec: a path, git:REV:path or -
// for stdin) and adds its kernels (AddKernels). A file it cannot read is
// an error naming the option "from" in r.Words; no client is made.
func (r Run) AddKernelsFrom(ctx context.Context, bo BotOptions, from string, stdin io.Reader, b Batch) error {
	data, err := inputs.ReadSpec(ctx, from, stdin)
	if err != nil {
		return fmt.Errorf("%s: %w", r.Words.Name("from"), err)
	}
	return r.AddKernels(ctx, bo, data, inputs.DisplayName(from), b)
}

// AddKernels adds every kernel of data (a diff --json document, crawl
// output or a kernels.json, named name) that kernels.json on the base
// lacks, as AddKernels does, saying each branch's outcome and each kernel
// left out or deferred. Its error carries the exit code: 1 for
// collisions, 3 for deferred kernels or skipped entries of data.
func (r Run) AddKernels(ctx context.Context, bo BotOptions, data []byte, name string, b Batch) error {
	from, err := ChangesFrom(data, name, b.IncludeHeaderless)
	if err != nil {
		return err
	}
	changes, problems := from.Changes, from.Problems
	for _, g := range problems {
		fmt.Fprintln(r.Log, "matrixgen: skipped:", g)
	}
	for _, k := range from.Headerless {
		fmt.Fprintf(r.Log, "matrixgen: left out: %s: crawled with no header source (\"headers\": []), its build would fail; %s adds it\n", k.Key(), r.Words.Name("include-headerless"))
	}
	c, err := r.Client()
	if err != nil {
		return err
	}
	if len(changes) == 0 {
		fmt.Fprintf(r.Log, "matrixgen: %s holds no kernels: nothing to do\n", name)
		return nil
	}
	b.Report = func(res Result, err error) {
		if err != nil {
			fmt.Fprintln(r.Log, "matrixgen:", err)
			return
		}
		for _, l := range res.LeftOut {
			fmt.Fprintf(r.Log, "matrixgen: left out: %s: per-kernel PR #%d (%s) from %s is open\n", l.Kernel, l.PR, l.PRURL, l.Branch)
		}
		fmt.Fprintln(r.Log, res.Line())
	}
	out, err := c.AddKernels(ctx, bo, changes, b)
	if err != nil {
		return err
	}
	for _, k := range out.Deferred {
		fmt.Fprintf(r.Log, "matrixgen: deferred (%s %d reached): %s\n", r.Words.Name("max-prs"), b.MaxPRs, k)
	}
	if b.SinglePR {
		if err := r.Step.WriteOutputs(out.Results[0].Outputs()); err != nil {
			return err
		}
	}
	if err := out.Err(); err != nil || len(problems) == 0 {
		return err // collisions: 1; deferred kernels: 3
	}
	return matrixgen.Exit(matrixgen.ExitPartial, nil)
}

// Publish uploads files as Client.Publish does, after checking that each
// is a regular file it can open (a usage error names the one that is
// not), says what became of each, and prints the PublishResult as JSON on
// jsonOut when that is set (indented for a terminal). Its error carries
// the exit code: 1 when no file could be published, 3 when some could not.
func (r Run) Publish(ctx context.Context, po PublishOptions, files []string, jsonOut io.Writer, tty bool) error {
	usage := func(err error) error { return matrixgen.Exit(matrixgen.ExitUsage, err) }
	if err := po.Validate(); err != nil {
		return usage(err)
	}
	// Every FILE is checked before anything is sent.
	for _, path := range files {
		fi, err := os.Stat(path)
		switch {
		case err != nil:
			return usage(fmt.Errorf("FILE %s: %w", path, err))
		case !fi.Mode().IsRegular():
			return usage(fmt.Errorf("FILE %s: not a regular file", path))
		}
		f, err := os.Open(path)
		if err != nil {
			return usage(fmt.Errorf("FILE %s: %w", path, err))
		}
		f.Close()
	}
	c, err := r.Client()
	if err != nil {
		return err
	}
	res, err := c.Publish(ctx, po, files)
	if err != nil {
		return err
	}
	if jsonOut != nil {
		data, err := json.Marshal(res)
		if err != nil {
			return err
		}
		if err := output.WriteJSONLine(jsonOut, data, tty); err != nil {
			return err
		}
	}
	for _, f := range res.Failed {
		fmt.Fprintf(r.Log, "matrixgen: not published: %s: %s\n", f.Name, f.Error)
	}
	if res.ReconcileErr != nil {
		fmt.Fprintf(r.Log, "matrixgen: %v\n", res.ReconcileErr)
	}
	fmt.Fprintf(r.Log, "matrixgen: %s of driver version %s in %s: %d uploaded, %d already there, %d not published\n",
		output.Count(len(files), "file", "files"), po.DriverVersion, po.Repo, len(res.Uploaded), len(res.Skipped), len(res.Failed))
	switch {
	case len(res.Failed) > 0 && len(res.Uploaded)+len(res.Skipped) == 0:
		return matrixgen.Exit(matrixgen.ExitFailure, errors.New("no file could be published"))
	case len(res.Failed) > 0 || res.ReconcileErr != nil:
		return matrixgen.Exit(matrixgen.ExitPartial, nil)
	}
	return nil
}
