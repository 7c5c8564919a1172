// Package ghactions writes GitHub Actions step outputs, job summaries and
// annotations, and holds the contract between `matrixgen matrix` and the
// workflows that run its builds.
package ghactions

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// GitHub's limits (docs.github.com, "Workflow syntax" jobs.<id>.outputs,
// "Workflow commands" step summary, "Usage limits" matrix).
const (
	// MaxOutputBytes: "Job outputs are Unicode strings, and can be a
	// maximum of 1 MB." Counted here in bytes, the stricter reading.
	MaxOutputBytes = 1_000_000
	// MaxRunOutputBytes: "The total of all outputs in a workflow run can be
	// a maximum of 50 MB."
	MaxRunOutputBytes = 50_000_000
	// MaxSummaryBytes: a step's summary is at most 1 MiB.
	MaxSummaryBytes = 1 << 20
	// MaxMatrixJobs: "A matrix will generate a maximum of 256 jobs per
	// workflow run."
	MaxMatrixJobs = 256
	// SummaryBudget caps what matrixgen appends to a step summary, well under
	// MaxSummaryBytes so other tools in the same step keep room.
	SummaryBudget = 256 << 10
)

// Step is where one GitHub Actions step's results go. The zero value is a
// run outside Actions: no files, and warnings as plain stderr lines.
type Step struct {
	OutputPath  string    // $GITHUB_OUTPUT; "" when unset
	SummaryPath string    // $GITHUB_STEP_SUMMARY; "" when unset
	Actions     bool      // $GITHUB_ACTIONS is "true": warnings become annotations
	Log         io.Writer // where annotations and warnings go (stderr)
}

// FromEnv reads the step's files from the environment.
func FromEnv(getenv func(string) string, log io.Writer) Step {
	return Step{
		OutputPath:  getenv("GITHUB_OUTPUT"),
		SummaryPath: getenv("GITHUB_STEP_SUMMARY"),
		Actions:     getenv("GITHUB_ACTIONS") == "true" || getenv("GITHUB_OUTPUT") != "",
		Log:         log,
	}
}

// Warning reports a limit being approached: a ::warning:: annotation in
// Actions (the runner reads workflow commands on stdout and stderr, and
// stdout holds our JSON), a plain line elsewhere.
func (s Step) Warning(msg string) { s.annotate("warning", msg) }

// Error reports why the step fails, as an ::error:: annotation in Actions.
func (s Step) Error(msg string) { s.annotate("error", msg) }

func (s Step) annotate(level, msg string) {
	if s.Log == nil {
		return
	}
	if s.Actions {
		fmt.Fprintf(s.Log, "::%s title=matrixgen::%s\n", level, escapeData(msg))
		return
	}
	fmt.Fprintf(s.Log, "matrixgen: %s: %s\n", level, msg)
}

// escapeData escapes a workflow command's message as the runner unescapes
// it: %, CR and LF.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// Output is one step output.
type Output struct{ Name, Value string }

// WriteOutputs appends outputs to $GITHUB_OUTPUT, using the heredoc form
// with a random delimiter so no value can end it early. A value over
// MaxOutputBytes is refused (GitHub would fail the job later, far from the
// cause); one over half of it gets a warning.
func (s Step) WriteOutputs(outs []Output) error {
	if s.OutputPath == "" {
		return nil
	}
	var b strings.Builder
	for _, o := range outs {
		if n := len(o.Value); n > MaxOutputBytes {
			return fmt.Errorf("$GITHUB_OUTPUT: output %s is %d bytes, over GitHub's %d-byte limit per output", o.Name, n, MaxOutputBytes)
		} else if n >= MaxOutputBytes/2 {
			s.Warning(fmt.Sprintf("output %s is %d bytes, over half of GitHub's %d-byte limit per output: lower --chunk-size", o.Name, n, MaxOutputBytes))
		}
		delim := "MATRIXGEN_" + randomHex()
		if strings.Contains(o.Value, delim) {
			return fmt.Errorf("$GITHUB_OUTPUT: output %s contains the delimiter", o.Name)
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.Name, delim, o.Value, delim)
	}
	return appendFile("GITHUB_OUTPUT", s.OutputPath, b.String())
}

// AppendSummary appends Markdown to $GITHUB_STEP_SUMMARY.
func (s Step) AppendSummary(markdown string) error {
	if s.SummaryPath == "" {
		return nil
	}
	return appendFile("GITHUB_STEP_SUMMARY", s.SummaryPath, markdown)
}

// SummaryRoom is how many bytes a summary may still take: SummaryBudget,
// or less when the step's summary file already holds other text.
func (s Step) SummaryRoom() int {
	room := SummaryBudget
	if fi, err := os.Stat(s.SummaryPath); err == nil && s.SummaryPath != "" {
		room = min(room, MaxSummaryBytes-int(fi.Size())-1024)
	}
	return max(room, 0)
}

// appendFile names the variable in every error: a path alone does not say
// which of the runner's files is broken.
func appendFile(variable, path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("$%s: %w", variable, err)
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return fmt.Errorf("$%s: write %s: %w", variable, path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("$%s: close %s: %w", variable, path, err)
	}
	return nil
}

func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CappedTable renders the header and as many of the n rows as fit in
// budget bytes (no cap when budget < 0), and says how many rows it shows.
func CappedTable(header []string, n int, row func(int) []string, budget int) (string, int) {
	var b strings.Builder
	line := func(cells []string) string {
		var l strings.Builder
		l.WriteString("|")
		for _, c := range cells {
			l.WriteString(" " + strings.ReplaceAll(c, "|", `\|`) + " |")
		}
		l.WriteString("\n")
		return l.String()
	}
	b.WriteString(line(header))
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	b.WriteString(line(sep))
	for i := 0; i < n; i++ {
		l := line(row(i))
		if budget >= 0 && b.Len()+len(l) > budget {
			return b.String(), i
		}
		b.WriteString(l)
	}
	return b.String(), n
}
