package matrixgen

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestExitCodesText: every code of the table is one entry of the help
// text, in order, wrapped at 79 columns, with no Markdown backquotes.
func TestExitCodesText(t *testing.T) {
	text := ExitCodesText()
	var codes []string
	for _, l := range strings.Split(text, "\n") {
		if len(l) > 79 {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
		if strings.Contains(l, "`") {
			t.Errorf("backquote in %q", l)
		}
		if !strings.HasPrefix(l, "    ") {
			codes = append(codes, strings.Fields(l)[0])
		}
	}
	var want []string
	for i, c := range ExitCodes() {
		if c.Code != i {
			t.Errorf("ExitCodes()[%d] is code %d: the table is in order", i, c.Code)
		}
		want = append(want, fmt.Sprint(c.Code))
	}
	if strings.Join(codes, " ") != strings.Join(want, " ") {
		t.Errorf("codes in the text: %v, want %v:\n%s", codes, want, text)
	}
}

// TestExitError: the code survives wrapping; a silent exit has no text of
// its own; a UsageError is 2.
func TestExitError(t *testing.T) {
	base := errors.New("build 7 failed")
	var ec interface{ ExitCode() int }
	if err := fmt.Errorf("wrapped: %w", Exit(ExitBuildError, base)); !errors.As(err, &ec) || ec.ExitCode() != ExitBuildError || !errors.Is(err, base) {
		t.Errorf("wrapped ExitError: %v", err)
	}
	if got := Exit(ExitPartial, nil).Error(); got != "exit 3" {
		t.Errorf("silent exit text %q", got)
	}
	if got := (&UsageError{Option: "arch", Msg: "x"}).ExitCode(); got != ExitUsage {
		t.Errorf("UsageError code %d", got)
	}
}

func TestExitCodesHelp(t *testing.T) {
	got := ExitCodesHelp("1  failure: a name collision", "3  partial: some entries skipped", "   (each named on stderr)")
	want := "\n\nExit codes:\n  0  success\n  1  failure: a name collision\n" +
		"  2  usage error: a bad flag, argument or value given on the command line\n" +
		"  3  partial: some entries skipped\n     (each named on stderr)"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestExitCodeOfAndAsUsage(t *testing.T) {
	invalid := &InvalidError{Field: "arch", Value: "sparc", Reason: "unknown"}
	for _, c := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"plain", errors.New("boom"), ExitFailure},
		{"invalid value: no code of its own", fmt.Errorf("added.json: %w", invalid), ExitFailure},
		{"marked as usage", AsUsage(fmt.Errorf("--arch: %w", invalid)), ExitUsage},
		{"AsUsage keeps a code", AsUsage(fmt.Errorf("x: %w", Exit(ExitPartial, nil))), ExitPartial},
		{"wrapped UsageError", fmt.Errorf("plan: %w", &UsageError{Option: "release", Msg: "x"}), ExitUsage},
	} {
		if got := ExitCodeOf(c.err); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if AsUsage(nil) != nil {
		t.Error("AsUsage(nil) is not nil")
	}
}
