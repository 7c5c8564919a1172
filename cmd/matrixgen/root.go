package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes, the same for every command (README "Exit codes").
const (
	exitOK      = 0
	exitFailure = 1 // nothing written; also `diff --exit-code`: the sides differ
	exitUsage   = 2
	exitPartial = 3 // output written, some sources or lines failed (named on stderr)
	exitNothing = 4 // `matrix`: nothing to build and no --allow-empty
)

// exitError carries an exit code through cobra back to run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// silentExit ends with code after the command printed what it had to.
func silentExit(code int) error { return &exitError{code: code} }

var version = "dev" // set with -ldflags "-X main.version=..."

// ioStreams lets tests run commands without a terminal.
type ioStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY says stdout is a terminal: tables get aligned, JSON indented.
	OutTTY bool
	ErrTTY bool
	Getenv func(string) string
}

func systemIO() *ioStreams {
	return &ioStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		Getenv: os.Getenv,
	}
}

func newRootCmd(ios *ioStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "matrixgen",
		Short: "Turn the kernels a fleet boots into exactly the CI builds that are missing",
		Long: `matrixgen finds Linux kernels (from kernels.json, Falco kernel-crawler output
or by crawling distro mirrors), derives each one's distro version, and emits
GitHub Actions build matrices with only what is not built yet.

Exit codes (every command):
  0  success
  1  failure, nothing written (diff --exit-code: the two sides differ)
  2  usage error
  3  partial: output written, but some sources or lines failed (named on stderr)
  4  nothing to build (matrix without --allow-empty)`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(
		newCmdDerive(ios, nil),
		newCmdAddKernel(ios, nil),
		newCmdMatrix(ios, nil),
		newCmdCompat(ios, nil),
		newCmdDiff(ios, nil),
		newCmdValidate(ios, nil),
		newCmdCrawl(ios, nil),
	)
	return root
}

// run executes the CLI and maps errors to exit codes; only main exits.
func run(ctx context.Context, args []string, ios *ioStreams) int {
	root := newRootCmd(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(ios.ErrOut, "matrixgen:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(ios.ErrOut, "matrixgen:", err)
	// cobra reports unknown commands and bad arguments as plain errors.
	if strings.HasPrefix(err.Error(), "unknown command") || strings.Contains(err.Error(), "arg(s)") || strings.Contains(err.Error(), "required flag") {
		return exitUsage
	}
	return exitFailure
}

func contextWithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}
