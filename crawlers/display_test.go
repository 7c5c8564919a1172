package crawlers

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// TestDisplayPipe: off a terminal, each finished source and each wait is
// one log line, with no progress bar.
func TestDisplayPipe(t *testing.T) {
	var w bytes.Buffer
	d := NewDisplay(&w, false, slog.New(slog.NewTextHandler(&w, nil)))
	d.Progress(Progress{Event: source.Event{Source: "http://127.0.0.1:9/debian/dists/bookworm/InRelease", Err: errors.New("refused")}, Done: 1, Total: 2})
	d.Wait(fetch.Wait{URL: "http://127.0.0.1:9/x", Attempt: 2, For: 1500 * time.Microsecond, Reason: "503"})
	got := w.String()
	for _, want := range []string{"msg=\"source finished\"", "ok=false", "done=1 total=2", "msg=\"waiting to retry\"", "attempt=2", "wait=2ms", "reason=503"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if strings.Count(got, "\n") != 2 {
		t.Errorf("want 2 lines:\n%s", got)
	}
}

// TestDisplayTTY: on a terminal, a bar, and no log lines.
func TestDisplayTTY(t *testing.T) {
	var w, log bytes.Buffer
	d := NewDisplay(&w, true, slog.New(slog.NewTextHandler(&log, nil)))
	d.Progress(Progress{Event: source.Event{Source: "fedora"}, Done: 1, Total: 4})
	d.Wait(fetch.Wait{URL: "http://127.0.0.1:9/x", For: time.Second, Reason: "503"})
	if log.Len() != 0 || !strings.Contains(w.String(), "25%") {
		t.Errorf("log %q; bar %q", log.String(), w.String())
	}
}
