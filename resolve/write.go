package resolve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Formats Write takes.
const (
	FormatText = "text" // which link answered, the URLs and the links tried
	FormatJSON = "json" // the Result, indented
	FormatURLs = "urls" // the URLs only, one a line, for a build script
)

// Write prints res to w in format, and, for a kernel no link has, the
// links tried to errOut (text lists them on w already).
func Write(w, errOut io.Writer, format string, res *Result) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	case FormatURLs:
		for _, u := range res.URLs {
			if _, err := fmt.Fprintln(w, u); err != nil {
				return err
			}
		}
	case FormatText:
		if res.Found() {
			verified := ""
			if res.Verified {
				verified = ", verified"
			}
			fmt.Fprintf(w, "%s %s %s: found by %s (%s)%s\n", res.Target, res.Release, res.Arch, *res.Link, res.Source, verified)
			for _, u := range res.URLs {
				fmt.Fprintf(w, "  %s\n", u)
			}
		} else {
			fmt.Fprintf(w, "%s %s %s: not found\n", res.Target, res.Release, res.Arch)
		}
		writeTried(w, res.Tried)
		return nil
	default:
		return &matrixgen.UsageError{Option: "format", Msg: fmt.Sprintf("%q: want text, json or urls", format)}
	}
	if !res.Found() {
		writeTried(errOut, res.Tried) // json carries them in "tried" too
	}
	return nil
}

func writeTried(w io.Writer, tried []Attempt) {
	if len(tried) == 0 {
		return
	}
	fmt.Fprintln(w, "tried:")
	for _, a := range tried {
		fmt.Fprintf(w, "  %s %s %s: %s\n", a.Link, a.Source, a.URL, a.Error)
	}
}

// Err is nil for a kernel found; otherwise an error that carries its exit
// code: 3 when some link could not be asked (the kernel may exist there),
// 6 when every link answered that it has no such kernel.
func (r *Result) Err() error {
	if r.Found() {
		return nil
	}
	msg := fmt.Errorf("resolve: no link has %s %s for %s (%d tried)", r.Target, r.Release, r.Arch, len(r.Tried))
	if r.Unsure {
		return matrixgen.Exit(matrixgen.ExitPartial, fmt.Errorf("%w; some could not be asked", msg))
	}
	return matrixgen.Exit(matrixgen.ExitNotFound, msg)
}

// Run resolves req as the resolve command does: through a client made
// from fo (closed after), then writes the answer to w and errOut in format
// (Write) and returns its outcome (Result.Err). A target or release that
// is not a valid kernel is a usage error: the caller gave it.
func Run(ctx context.Context, fo fetch.Options, table []source.Distribution, req Request, w, errOut io.Writer, format string) error {
	client := fetch.New(fo)
	defer client.CloseIdleConnections()
	res, err := Resolve(ctx, client, table, req)
	switch {
	case errors.Is(err, matrixgen.ErrInvalid):
		return matrixgen.AsUsage(err)
	case err != nil:
		return err // a *matrixgen.UsageError says 2 itself
	}
	if err := Write(w, errOut, format, res); err != nil {
		return err
	}
	return res.Err()
}
