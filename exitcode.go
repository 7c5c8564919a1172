package matrixgen

import (
	"errors"
	"fmt"
	"strings"
)

// Exit codes, the same for every command (README "Exit codes"). An error
// says which one it ends the process with through an ExitCode method
// (golang/vuln's exitCodeError): *ExitError, *UsageError, and the
// packages' errors that carry a code of their own.
const (
	ExitOK      = 0
	ExitFailure = 1 // nothing written; also `diff --exit-code`: the sides differ
	ExitUsage   = 2 // bad flags or arguments, including an invalid value given on the command line
	ExitPartial = 3 // output written, some sources or lines failed (named on stderr)
	ExitNothing = 4 // `matrix`: nothing to build and no --allow-empty
	// ExitTrouble is `diff --exit-code`'s failure (a side could not be read):
	// 1 already means "differ" there, as with git diff, so trouble needs its own code.
	ExitTrouble = 5
	// ExitNotFound is `resolve`: no link of the chain has the kernel.
	ExitNotFound = 6
	// request-build's own, one per way a build can fail to arrive.
	ExitBuildError    = 7 // the build ended in error (the workflow run failed)
	ExitBuildTimedOut = 8 // the service gave up on the build (its --build-timeout)
	ExitWaitTimeout   = 9 // --timeout passed before the build ended
)

// ExitCodeMeaning is one row of the exit-code table.
type ExitCodeMeaning struct {
	Code    int
	Meaning string // Markdown: `code` spans lose their backquotes in --help
}

// ExitCodes is the table of exit codes: the root command's help shows it,
// and the README's "Exit codes" table is this one (TestREADMEExitCodes).
func ExitCodes() []ExitCodeMeaning {
	return []ExitCodeMeaning{
		{ExitOK, "success (`diff --exit-code`: the two sides are the same)"},
		{ExitFailure, "failure, nothing written: a file cannot be read or is invalid (a kernels.json, a `diff --json` document, crawl output: the same code whatever the file), every crawl source failed, a service that cannot start (its store unreachable); `diff --exit-code`: the two sides differ"},
		{ExitUsage, "usage error: an unknown command or flag, a wrong number of arguments, a missing required flag, or an invalid value given on the command line (a release, an arch, a target, an empty `--kernels`, a non-positive `--timeout`); the message says how to fix it"},
		{ExitPartial, "partial: output written, but some sources or lines failed, each named on stderr"},
		{ExitNothing, "nothing to build (`matrix` without `--allow-empty`)"},
		{ExitTrouble, "`diff --exit-code` only: a side could not be read (1 already means \"differ\" there, as with `git diff`)"},
		{ExitNotFound, "`resolve` only: no link of the chain has the kernel (every link answered; 3 when one could not be asked)"},
		{ExitBuildError, "`request-build` only: the build ended in `error` (the reason and the run URL on stderr)"},
		{ExitBuildTimedOut, "`request-build` only: the build timed out on the service (`timed_out`)"},
		{ExitWaitTimeout, "`request-build --wait` only: `--timeout` passed before the build ended (it may still finish)"},
	}
}

// ExitCodesText is ExitCodes as a help text prints it: one entry per code,
// wrapped at 79 columns, continuation lines indented, backquotes dropped.
func ExitCodesText() string {
	var b strings.Builder
	for _, c := range ExitCodes() {
		line := fmt.Sprintf("  %d ", c.Code)
		for _, w := range strings.Fields(strings.ReplaceAll(c.Meaning, "`", "")) {
			if len(line)+1+len(w) > 79 {
				b.WriteString(line + "\n")
				line = "    "
			}
			line += " " + w
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ExitCodesHelp is the "Exit codes" paragraph for a command's Long help:
// the codes every command shares plus the command's own lines, e.g.
// ExitCodesHelp("3  partial: ..."). A line for 0, 1 or 2 replaces the
// shared one; lines starting with a space continue the line before.
func ExitCodesHelp(lines ...string) string {
	codes := []string{
		"0  success",
		"1  failure, nothing written",
		"2  usage error: a bad flag, argument or value given on the command line",
	}
	for _, l := range lines {
		replaced := false
		for i, c := range codes {
			if l != "" && l[0] != ' ' && c[0] == l[0] {
				codes[i], replaced = l, true
			}
		}
		if !replaced {
			codes = append(codes, l)
		}
	}
	return "\n\nExit codes:\n  " + strings.Join(codes, "\n  ")
}

// ExitError is an error that ends the process with Code. A nil Err means
// the command already said what it had to: the code alone is the answer.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the code the process ends with.
func (e *ExitError) ExitCode() int { return e.Code }

// Exit is err ending the process with code (nil err: a silent exit).
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }

// ExitCoder is an error that says which code the process ends with
// (golang/vuln's exitCodeError): *ExitError, *UsageError, and the
// packages' errors that carry a code of their own.
type ExitCoder interface{ ExitCode() int }

// ExitCodeOf is the code err ends the process with: the code the first
// error in its chain that carries one says, else 1 (failure). It never
// looks at the text, nor guesses from where an invalid value came: a
// command marks the values its command line gave as usage errors.
func ExitCodeOf(err error) int {
	var ec ExitCoder
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ec):
		return ec.ExitCode()
	}
	return ExitFailure
}

// AsUsage marks err as a usage error (2) unless it already carries a
// code: for an error about a value the command line gave.
func AsUsage(err error) error {
	var ec ExitCoder
	if err == nil || errors.As(err, &ec) {
		return err
	}
	return Exit(ExitUsage, err)
}
