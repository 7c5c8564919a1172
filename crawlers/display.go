package crawlers

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// Display shows a crawl's progress: on a terminal a progress bar naming
// the source that finished last, or the retry a request waits for (so a
// slow mirror does not look like a hung crawl); otherwise one log line per
// finished source and per wait. Failures are named once, with their
// error, after the crawl (Output.Finish).
type Display struct {
	mu  sync.Mutex // Progress is serialised by Run; Wait comes from any request
	w   io.Writer
	tty bool
	log *slog.Logger
	bar *progressbar.ProgressBar
}

// NewDisplay shows progress on w, as a bar when tty is set, else as log's
// lines.
func NewDisplay(w io.Writer, tty bool, log *slog.Logger) *Display {
	return &Display{w: w, tty: tty, log: log}
}

// Progress is Request.Progress.
func (d *Display) Progress(p Progress) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tty {
		if d.bar == nil {
			d.bar = progressbar.NewOptions(p.Total, progressbar.OptionSetWriter(d.w), progressbar.OptionClearOnFinish())
		}
		d.bar.Describe(fmt.Sprintf("%s %s", p.Job, p.Source))
		_ = d.bar.Set(p.Done)
		return
	}
	d.log.Info("source finished", "job", p.Job.String(), "source", p.Source, "ok", p.Err == nil, "done", p.Done, "total", p.Total)
}

// Wait is fetch.Options.OnWait.
func (d *Display) Wait(w fetch.Wait) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tty && d.bar != nil {
		d.bar.Describe(fmt.Sprintf("waiting %s to retry %s (%s)", w.For.Round(time.Millisecond), w.URL, w.Reason))
		return
	}
	d.log.Warn("waiting to retry", "url", w.URL, "attempt", w.Attempt, "wait", w.For.Round(time.Millisecond).String(), "reason", w.Reason)
}
