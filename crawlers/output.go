package crawlers

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/falco"
	"github.com/matrixgen/matrixgen/internal/atomicfile"
)

// Output is where a crawl's results go and how its end is told: the rules
// that decide what a crawl writes (carry-over from the output it replaces,
// never emptying an arch whose every source failed) and how it ended (the
// exit class). The zero value writes to nothing.
type Output struct {
	Dir    string    // DIR/<arch>/list.json for each arch (falco.WriteTree)
	File   string    // list.json of the one arch
	Stdout io.Writer // with neither Dir nor File: the one arch's list.json
	Stats  string    // when set: the request counters as JSON (Stats)
	// Log, when set, names every failed source, warning, discovered release
	// and arch not written.
	Log *slog.Logger
	// Summary, when set, gets the closing table: every distribution × arch
	// asked for, 0 kernels included, then the totals.
	Summary io.Writer

	implicit string // the output being replaced, read as the previous crawl
}

// Path is where the output goes (a file or a tree), "" for Stdout.
func (o *Output) Path() string {
	if o.Dir != "" {
		return o.Dir
	}
	return o.File
}

// Check refuses, before any request, an output the crawl could not write:
// a directory where a file is wanted, a parent that does not exist or
// cannot be written, a Dir or cacheDir that is a file. A crawl that could
// only fail to write its results is not started. The error is a
// *matrixgen.UsageError naming the option ("out", "out-dir", "stats",
// "cache-dir").
func (o *Output) Check(arches []matrixgen.Arch, cacheDir string) error {
	if o.File != "" && o.Stats != "" && filepath.Clean(o.File) == filepath.Clean(o.Stats) {
		return &matrixgen.UsageError{Option: "stats", Msg: fmt.Sprintf("%s: the same file as the output", o.Stats)}
	}
	for _, c := range []struct {
		option, path string
		check        func() error
	}{
		{"out", o.File, func() error { return atomicfile.CheckWrite(o.File) }},
		{"out-dir", o.Dir, func() error { return falco.CheckTree(o.Dir, arches) }},
		{"stats", o.Stats, func() error { return atomicfile.CheckWrite(o.Stats) }},
		// The cache is written as bodies stream in: one it cannot write
		// fails every source it would cache.
		{"cache-dir", cacheDir, func() error { return atomicfile.CheckDir(cacheDir) }},
	} {
		if c.path == "" {
			continue
		}
		if err := c.check(); err != nil {
			return &matrixgen.UsageError{Option: c.option, Msg: fmt.Sprintf("%s: cannot be written: %v", c.path, err)}
		}
	}
	return nil
}

// Previous reads the previous crawl, whose kernels a failed source carries
// over (Request.Previous): from (a list.json or a tree), or, when from is
// "", the output being replaced, so that a source that fails now does not
// drop its kernels from it. An output being replaced that cannot be read is
// a warning (Log), not an error: the crawl runs without carry-over.
func (o *Output) Previous(from string, arches []matrixgen.Arch) ([]matrixgen.Kernel, error) {
	if from != "" {
		return falco.ReadTree(from, arches)
	}
	p := o.Path()
	if p == "" || !fileExists(p) {
		return nil, nil
	}
	prev, err := falco.ReadTree(p, arches)
	if err != nil {
		o.log().Warn("cannot carry over from the existing output; a failed source's kernels will not be kept", "path", p, "err", err)
		return nil, nil
	}
	o.implicit = p
	return prev, nil
}

// Kept is an arch whose list.json was not written because every one of its
// sources failed: the file there (if any) is left as it was.
type Kept struct {
	Arch    matrixgen.Arch
	Path    string
	Existed bool
}

// Stats is what the Stats file holds: the fetch counters and the sources,
// with the same failure count the summary prints.
type Stats struct {
	fetch.Stats
	Sources       int `json:"sources"`
	FailedSources int `json:"failed_sources"`
	ReusedSources int `json:"reused_sources"`
}

// Outcome is how a crawl ended, once its results are written.
type Outcome struct {
	Wrote       bool   // some list.json (or stdout) was written
	Kept        []Kept // arches not written
	Sources     int
	Failed      int  // failed or unfinished sources
	Interrupted bool // cut short (Report.Interrupted)
	Stats       Stats
}

// Finish writes rep for arches (the arches asked for) and says how the
// crawl ended; took is the crawl's duration, for the summary. An arch that
// had failed sources and no kernel seen in this run is not written
// (Report.Writable): writing would replace a good file with an empty one,
// or one only restating it as carried over, because mirrors were down. The
// error is one of writing; how the crawl ended is Outcome.Err.
func (o *Output) Finish(rep *Report, arches []matrixgen.Arch, fetched fetch.Stats, took time.Duration) (*Outcome, error) {
	log := o.log()
	for _, d := range rep.Discovered {
		log.Info("discovered release not in the built-in table", "release", d)
	}
	for _, w := range rep.Warnings {
		log.Warn(w)
	}
	for _, f := range rep.Failures {
		log.Error("source failed", "distro", f.Job.Distro, "release", f.Job.Release, "arch", f.Job.Arch, "source", f.Source, "url", f.URL, "err", f.Err)
	}
	if o.implicit != "" && rep.CarriedOver > 0 {
		log.Warn("kernels of failed sources carried over from the existing output (marked carried_over)", "path", o.implicit, "kernels", rep.CarriedOver)
	}
	out := &Outcome{Sources: rep.Sources, Failed: len(rep.Failures), Interrupted: rep.Interrupted != nil,
		Stats: Stats{Stats: fetched, Sources: rep.Sources, FailedSources: len(rep.Failures), ReusedSources: rep.Reused}}
	var err error
	if out.Wrote, out.Kept, err = o.write(rep, arches); err != nil {
		return nil, err
	}
	for _, k := range out.Kept {
		log.Error("every source of this arch failed: output not written", "arch", k.Arch, "path", k.Path, "kept", k.Existed)
	}
	if o.Stats != "" {
		data, _ := json.MarshalIndent(out.Stats, "", "  ")
		if err := atomicfile.Write(o.Stats, append(data, '\n')); err != nil {
			return nil, err
		}
	}
	if o.Summary != nil {
		printSummary(o.Summary, rep, out.Stats, took)
	}
	return out, nil
}

func (o *Output) write(rep *Report, arches []matrixgen.Arch) (bool, []Kept, error) {
	write, keep := rep.Writable(arches)
	var kept []Kept
	for _, a := range keep {
		p := o.File
		if o.Dir != "" {
			p = falco.TreePath(o.Dir, a)
		}
		kept = append(kept, Kept{a, p, p != "" && fileExists(p)})
	}
	switch {
	case len(write) == 0:
		return false, kept, nil
	case o.Dir != "":
		return true, kept, falco.WriteTree(o.Dir, write, rep.Kernels)
	case o.File != "":
		return true, kept, falco.WriteFile(o.File, rep.Kernels)
	case o.Stdout == nil:
		return false, kept, nil
	}
	data, err := falco.MarshalChecked(rep.Kernels) // one arch: Stdout takes no more
	if err != nil {
		return false, kept, err
	}
	_, err = o.Stdout.Write(data)
	return true, kept, err
}

func (o *Output) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

// Exit classes of a crawl (the CLI's exit codes, README "Exit codes").
const (
	ExitNothingWritten = 1 // every source failed, or none finished
	ExitPartial        = 3 // output written, some sources failed or did not finish
)

// OutcomeError is a crawl that did not end fully: its ExitCode is its class.
type OutcomeError struct {
	Code int
	Msg  string
}

func (e *OutcomeError) Error() string { return e.Msg }

// ExitCode is ExitNothingWritten or ExitPartial.
func (e *OutcomeError) ExitCode() int { return e.Code }

// Err is nil for a crawl whose every source finished, else an
// *OutcomeError: nothing written (every source failed, or none finished),
// or partial. interrupted is the caller's words for why the crawl was cut
// short ("interrupted", "the timeout of 30m reached"), "" when it was not.
func (o *Outcome) Err(interrupted string) error {
	switch {
	case !o.Wrote && interrupted != "":
		return &OutcomeError{ExitNothingWritten, fmt.Sprintf("%s before any source finished (%d unfinished); nothing written", interrupted, o.Failed)}
	case !o.Wrote:
		return &OutcomeError{ExitNothingWritten, fmt.Sprintf("every source failed (%d); nothing written", o.Failed)}
	case interrupted != "":
		return &OutcomeError{ExitPartial, fmt.Sprintf("%s: %d of %d sources unfinished or failed (named above); what finished is written", interrupted, o.Failed, o.Sources)}
	case o.Failed > 0:
		return &OutcomeError{ExitPartial, fmt.Sprintf("%d of %d sources failed (named above); output written", o.Failed, o.Sources)}
	}
	return nil
}

// printSummary lists every distribution × arch asked for, 0 kernels
// included, then the totals.
func printSummary(w io.Writer, rep *Report, s Stats, took time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DISTRO\tARCH\tKERNELS\tSOURCES\tFAILED")
	for _, c := range rep.Counts {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", c.Distro, c.Arch, c.Kernels, c.Sources, c.Failures)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d kernels (%d carried over), %d sources, %d failed, %d unchanged since the last run; %d requests, %s received, %d not modified (cache), %d retries; %s\n",
		len(rep.Kernels), rep.CarriedOver, s.Sources, s.FailedSources, s.ReusedSources, s.Requests, humanBytes(s.Bytes), s.NotModified, s.Retries, took.Round(time.Millisecond))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
