package crawlers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
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
	Timeout  time.Duration // bounds the whole crawl
	// TTY says Output.Summary, where progress goes too, is a terminal.
	TTY bool
	// Words names the options above in messages (the CLI: as flags).
	Words matrixgen.Vocabulary
}

// Validate refuses the values a command line can give that no crawl can
// use: a Timeout or Fetch.RequestTimeout that is not positive, a
// Concurrency or FCOSBuilds below 1 (a Job spells each out; a Request's
// zero values are defaults). Each is a usage error naming its option.
func (j Job) Validate() error {
	switch {
	case j.Timeout <= 0: // 0 used to mean "no limit" by accident; a crawl always has one.
		return &matrixgen.UsageError{Option: "timeout", Msg: fmt.Sprintf("%s: want a positive duration, e.g. 30m", j.Timeout)}
	case j.FCOSBuilds < 1:
		return &matrixgen.UsageError{Option: "fcos-builds", Msg: fmt.Sprintf("%d: want 1 or more", j.FCOSBuilds)}
	case j.Fetch.RequestTimeout <= 0:
		return &matrixgen.UsageError{Option: "request-timeout", Msg: fmt.Sprintf("%s: want a positive duration, e.g. 10m", j.Fetch.RequestTimeout)}
	case j.Concurrency < 1:
		return &matrixgen.UsageError{Option: "concurrency", Msg: fmt.Sprintf("%d: want at least 1", j.Concurrency)}
	}
	return nil
}

// Crawl validates j, checks the output and the cache directory before any
// request, reads the previous crawl, crawls with a client made from Fetch
// (loopback refused unless a mirror is on it), writes the output and
// returns the outcome (Outcome.Err): nil, or an error carrying exit 1
// (nothing written) or 3 (partial), which says when Timeout or ctx cut it
// short.
func (j Job) Crawl(ctx context.Context) error {
	start := time.Now()
	req, out, fo, w := j.Request, j.Output, j.Fetch, j.Words.Name
	if err := j.Validate(); err != nil {
		return err
	}
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
	req.Progress, fo.OnWait, fo.RefuseLoopback = display.Progress, display.Wait, !loopbackOptIn(req)
	client := fetch.New(fo)
	crawlCtx, cancel := context.WithTimeout(ctx, j.Timeout)
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

// loopbackOptIn says the user asked for a loopback address: a --mirror
// URL, or the URL a --registry HOST=URL rewrite sends a registry to (a
// disconnected cluster's mirror on this machine). Otherwise loopback
// addresses are refused like link-local ones.
func loopbackOptIn(req Request) bool {
	opted := maps.Clone(req.Mirrors)
	if opted == nil {
		opted = map[string]string{}
	}
	for _, r := range req.Registries {
		if host, u, ok := strings.Cut(r, "="); ok {
			opted["registry "+host] = u
		}
	}
	return fetch.AnyLoopback(opted)
}
