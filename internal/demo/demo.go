// Package demo runs matrixgen's whole loop offline, on the project's
// fixtures and fakes: crawl → resolve → matrix → diff → PR bot → serve +
// request-build --wait. Each step prints the command line it runs, an
// excerpt of its output and what it checked; the first step whose exit
// code or result is not the expected one ends the demo with an error
// naming it. `make demo` runs it on the built binary
// (internal/demo/cmd/demo); cmd/matrixgen's TestDemo runs it in process,
// so the demo cannot rot.
//
// The command lines are all in loop.go: that is the file to change when a
// command's flags change.
package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/matrixgen/matrixgen/github/githubtest"
)

// Options say what the demo runs and where.
type Options struct {
	CLI      CLI
	Fixtures string    // the repository's fixtures/ directory
	Kernels  string    // the kernels.json the fake repository holds (the repository's own)
	Dir      string    // an empty directory for the files the commands write
	Out      io.Writer // the printout
}

// Report is what the demo did, for its test.
type Report struct {
	Steps       []StepReport
	ArtifactURL string            // printed by request-build --wait
	Pulls       []githubtest.Pull // the fake repository's PRs at the end
	Runs        []githubtest.Run  // the workflow runs dispatched
	Branches    []string          // the fake repository's branches at the end
	Servers     map[string]string // fake name → URL
	Elapsed     time.Duration
}

// StepReport is one step that ran.
type StepReport struct {
	Name    string
	Args    []string
	Code    int
	Outcome string // the one line that says what the step showed
}

// demo is one run: the options, the fakes, what ran so far.
type demo struct {
	Options
	fakes  *Fakes
	report *Report
	n      int // steps so far
	total  int // steps planned, for [i/N]
	start  time.Time
}

// Run runs the demo. The error names the step that failed; the report
// holds every step that ran.
func Run(ctx context.Context, o Options) (*Report, error) {
	kernels, err := os.ReadFile(o.Kernels)
	if err != nil {
		return nil, fmt.Errorf("demo: the repository's kernels.json: %w", err)
	}
	f, err := StartFakes(o.Fixtures, kernels)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer f.Close()
	d := &demo{Options: o, fakes: f, start: time.Now(), total: len(stepNames),
		report: &Report{Servers: map[string]string{
			"Debian/Ubuntu mirror": f.DebMirror, "RPM mirrors": f.RPMMirror,
			"Koji hub": f.KojiHub, "Koji files": f.KojiFiles, "GitHub API": f.GitHubAPI}}}
	d.intro()
	err = d.loop(ctx)
	if err == nil && d.n != d.total {
		err = fmt.Errorf("demo: ran %d steps, stepNames lists %d", d.n, d.total)
	}
	if err == nil {
		if errs := f.HubErrors(); len(errs) > 0 {
			err = fmt.Errorf("demo: the Koji fake refused %d calls as malformed: %s", len(errs), strings.Join(errs, "; "))
		}
	}
	d.report.Pulls, d.report.Runs, d.report.Branches = f.GitHub.Pulls(), f.GitHub.Runs(), f.GitHub.Branches()
	d.report.Elapsed = time.Since(d.start).Round(10 * time.Millisecond)
	if err != nil {
		return d.report, fmt.Errorf("%w (after %s)", err, d.report.Elapsed)
	}
	d.outro()
	return d.report, nil
}

func (d *demo) intro() {
	w := d.Out
	fmt.Fprintf(w, "matrixgen demo: the whole loop on the project's fixtures and fakes, offline, with no token.\n\n")
	fmt.Fprintf(w, "Fakes on 127.0.0.1 (started by the demo, gone when it ends):\n")
	for _, k := range []string{"Debian/Ubuntu mirror", "RPM mirrors", "Koji hub", "Koji files", "GitHub API"} {
		fmt.Fprintf(w, "  %-21s %s\n", k, d.report.Servers[k])
	}
	fmt.Fprintf(w, "  The GitHub fake holds %s/%s, whose %s branch has this repository's kernels.json; it runs\n", Owner, Repo, Base)
	fmt.Fprintf(w, "  driver-build.yml as a real repository would: a dispatched run completes and publishes its artifact.\n")
	fmt.Fprintf(w, "  The token in $DEMO/github-token is a dummy the fakes accept.\n")
	fmt.Fprintf(w, "Files: DEMO=%s\n", d.Dir)
	fmt.Fprintf(w, "$MIRRORS below stands for the flags that point crawl and resolve at the fakes:\n")
	m := d.mirrorArgs()
	for i := 0; i+1 < len(m); i += 2 {
		fmt.Fprintf(w, "  %s %s\n", m[i], m[i+1])
	}
}

func (d *demo) outro() {
	w := d.Out
	fmt.Fprintf(w, "\nThe fake repository %s/%s now has:\n", Owner, Repo)
	for _, p := range d.report.Pulls {
		fmt.Fprintf(w, "  PR #%d  %-6s %s\n          %s\n", p.Number, p.State, p.Title, p.Head)
	}
	for _, r := range d.report.Runs {
		fmt.Fprintf(w, "  run %d  %s %s: %s\n", r.ID, r.Workflow, r.Status, r.Conclusion)
	}
	fmt.Fprintf(w, "\nAll %d steps passed in %s.\n", d.n, d.report.Elapsed)
}

// path is a file in the demo's directory.
func (d *demo) path(name string) string { return filepath.Join(d.Dir, name) }

// step is one command the demo runs and what it expects of it.
type step struct {
	name  string // the command, as in stepNames
	about string // what the step shows, one line
	args  []string
	// codes are the exit codes that mean success, each with why it is
	// expected when it is not 0.
	codes map[int]string
	// check reads the result and says, in one line, what it showed, or
	// fails the step.
	check func(Result) (string, error)
}

// run runs s, prints it, and fails when the exit code is not one of
// s.codes or s.check fails.
func (d *demo) run(ctx context.Context, s step) (Result, error) {
	n := d.begin(s)
	t0 := time.Now()
	res := d.CLI.Run(ctx, s.args)
	d.excerpt(res.Stdout, res.Stderr)
	return res, d.end(n, s, res, time.Since(t0))
}

// begin prints the step's title and command line and returns its number.
func (d *demo) begin(s step) int {
	d.n++
	fmt.Fprintf(d.Out, "\n[%d/%d] %s: %s\n$ %s\n", d.n, d.total, s.name, s.about, d.commandLine(s.args))
	return d.n
}

// end checks the result of step n and prints what it showed.
func (d *demo) end(n int, s step, res Result, took time.Duration) error {
	d.report.Steps = append(d.report.Steps, StepReport{Name: s.name, Args: s.args, Code: res.Code})
	why, ok := s.codes[res.Code]
	if !ok {
		var want []string
		for c := range s.codes {
			want = append(want, fmt.Sprint(c))
		}
		slices.Sort(want)
		return fmt.Errorf("step %d (%s): exit %d, want %s", n, s.name, res.Code, strings.Join(want, " or "))
	}
	outcome := ""
	if s.check != nil {
		var err error
		if outcome, err = s.check(res); err != nil {
			return fmt.Errorf("step %d (%s): %w", n, s.name, err)
		}
	}
	d.report.Steps[len(d.report.Steps)-1].Outcome = outcome
	fmt.Fprintf(d.Out, "  ok: exit %d [%s]\n", res.Code, took.Round(10*time.Millisecond))
	if why != "" {
		fmt.Fprintf(d.Out, "      %s\n", why)
	}
	if outcome != "" {
		fmt.Fprintf(d.Out, "      %s\n", outcome)
	}
	return nil
}

// commandLine is args as a shell line, with the demo's directory as $DEMO
// and the mirror flags as $MIRRORS.
func (d *demo) commandLine(args []string) string {
	mirrors := d.mirrorArgs()
	parts := []string{"matrixgen"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if i+len(mirrors) <= len(args) && slices.Equal(args[i:i+len(mirrors)], mirrors) {
			parts = append(parts, "$MIRRORS")
			i += len(mirrors) - 1
			continue
		}
		a = strings.ReplaceAll(a, d.Dir, "$DEMO")
		if strings.ContainsAny(a, " '\"*?#;&|<>()[]{}~") {
			if strings.Contains(a, "$DEMO") {
				a = `"` + a + `"`
			} else {
				a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
			}
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// Excerpts show at most this many lines of each stream, each cut at
// width, and at most this many warnings and errors (log lines at WARN or
// ERROR) from before the tail of stderr.
const (
	excerptLines    = 6
	excerptWidth    = 118
	excerptWarnings = 4
)

var (
	reLogTime  = regexp.MustCompile(`^time=\S+ `)
	reLogAlarm = regexp.MustCompile(`^level=(WARN|ERROR) `)
)

// excerpt prints the start of stdout, and the end of stderr (where
// summaries are) after the warnings and errors before it, indented.
func (d *demo) excerpt(stdout, stderr string) {
	split := func(text string) []string {
		text = strings.TrimRight(text, "\n")
		if text == "" {
			return nil
		}
		return strings.Split(text, "\n")
	}
	print := func(label, l string) {
		l = reLogTime.ReplaceAllString(strings.ReplaceAll(l, d.Dir, "$DEMO"), "")
		if r := []rune(l); len(r) > excerptWidth {
			l = string(r[:excerptWidth-1]) + "…"
		}
		fmt.Fprintf(d.Out, "  %s %s\n", label, l)
	}
	out := split(stdout)
	for i, l := range out {
		if i == excerptLines {
			fmt.Fprintf(d.Out, "  1> … (%d more lines)\n", len(out)-i)
			break
		}
		print("1>", l)
	}
	errs := split(stderr)
	tail := max(0, len(errs)-excerptLines)
	var alarms []string
	for _, l := range errs[:tail] {
		if reLogAlarm.MatchString(reLogTime.ReplaceAllString(l, "")) {
			alarms = append(alarms, l)
		}
	}
	if len(alarms) > excerptWarnings {
		alarms = alarms[:excerptWarnings]
	}
	switch {
	case tail > 0 && len(alarms) > 0:
		fmt.Fprintf(d.Out, "  2> … (%d earlier lines; their first warnings and errors:)\n", tail)
	case tail > 0:
		fmt.Fprintf(d.Out, "  2> … (%d earlier lines)\n", tail)
	}
	for _, l := range alarms {
		print("2>", l)
	}
	for _, l := range errs[tail:] {
		print("2>", l)
	}
}
