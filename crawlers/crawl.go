package crawlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// Job is a whole crawl as the crawl command runs it: what to crawl, where
// it goes, how to fetch, and the words for the caller's options.
type Job struct {
	Request
	Output *Output
	Fetch  fetch.Options
	// Previous is the previous crawl whose kernels a failed source carries
	// over (Output.Previous); "": the output being replaced.
	Previous string
	Timeout  time.Duration // bounds the whole crawl; <= 0: none but ctx's
	// TTY says Output.Summary, where progress goes too, is a terminal.
	TTY bool
	// Words names the options above in messages (the CLI: as flags).
	Words matrixgen.Vocabulary
}

// Crawl checks the output and the cache directory before any request,
// reads the previous crawl, crawls with a client made from Fetch (loopback
// refused unless a mirror is on it), writes the output and returns the
// outcome (Outcome.Err): nil, or an error carrying exit 1 (nothing
// written) or 3 (partial), which says when Timeout or ctx cut it short.
func (j Job) Crawl(ctx context.Context) error {
	start := time.Now()
	req, out, fo, w := j.Request, j.Output, j.Fetch, j.Words.Name
	if err := out.Check(req.Arches, fo.CacheDir); err != nil {
		return err
	}
	var err error
	if req.Previous, err = out.Previous(j.Previous, req.Arches); err != nil {
		return fmt.Errorf("%s: %w", w("previous"), err)
	}
	// The cache directory is created by the first cache write, so a
	// request refused above (or by Run's checks) leaves no trace.
	display := NewDisplay(out.Summary, j.TTY, out.Log)
	req.Progress, fo.OnWait, fo.RefuseLoopback = display.Progress, display.Wait, !fetch.AnyLoopback(req.Mirrors)
	client := fetch.New(fo)
	crawlCtx, cancel := ctx, context.CancelFunc(func() {})
	if j.Timeout > 0 {
		crawlCtx, cancel = context.WithTimeout(ctx, j.Timeout)
	}
	defer cancel()
	rep, err := Run(crawlCtx, client, req)
	if err != nil {
		return err // a *matrixgen.UsageError says 2 itself
	}
	outcome, err := out.Finish(rep, req.Arches, client.Stats(), time.Since(start))
	if err != nil {
		return err
	}
	interrupted := ""
	switch {
	case errors.Is(rep.Interrupted, context.DeadlineExceeded) && ctx.Err() == nil:
		interrupted = fmt.Sprintf("%s %s reached", w("timeout"), j.Timeout)
	case rep.Interrupted != nil:
		interrupted = "interrupted"
	}
	return outcome.Err(interrupted) // an exit code of its own: 1 nothing written, 3 partial
}
