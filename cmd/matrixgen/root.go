package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/buildinfo"
	"github.com/matrixgen/matrixgen/output"
	"github.com/matrixgen/matrixgen/schedule"
)

func usageErr(format string, args ...any) error {
	return matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf(format, args...))
}

// exitCodesHelp is the "Exit codes" paragraph of a command's Long help.
var exitCodesHelp = matrixgen.ExitCodesHelp

// flagName is the CLI's vocabulary (matrixgen.Vocabulary): a package's
// option is the flag of the same name.
func flagName(option string) string { return "--" + option }

// flagWords is err's message in the CLI's words: a package's usage error
// names its option ("release"), which is the flag of the same name.
func flagWords(err error) string {
	msg := err.Error()
	var ue *matrixgen.UsageError
	if errors.As(err, &ue) && ue.Option != "" {
		msg = strings.Replace(msg, ue.Error(), flagName(ue.Error()), 1)
	}
	return msg
}

// jsonFlag registers --json, which makes format output.JSON instead of
// output.Text (the output flag of derive, diff and distros).
func jsonFlag(cmd *cobra.Command, format *output.Format, usage string) {
	cmd.Flags().BoolFunc("json", usage, func(v string) error {
		on, err := strconv.ParseBool(v)
		if *format = output.Text; on {
			*format = output.JSON
		}
		return err
	})
}

// ioStreams are the streams and environment a command runs with, the
// ones a schedule run takes (one name for one idea); tests give their own.
type ioStreams = schedule.IO

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

Exit codes (every command; each command's --help lists its own):
` + matrixgen.ExitCodesText(),
		// Arbitrary args reach RunE, so an unknown command is reported by
		// our own typed error instead of cobra's untyped one.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return cmd.Help()
		},
		Version:       buildinfo.Version(debug.ReadBuildInfo()),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SuggestionsMinimumDistance = 2 // cobra's own default, which SuggestionsFor does not apply
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf("%w (see '%s --help')", err, c.CommandPath()))
	})
	root.AddCommand(
		newCmdDerive(ios),
		newCmdDistros(ios),
		newCmdAddKernel(ios),
		newCmdMatrix(ios, nil),
		newCmdCompat(ios),
		newCmdDiff(ios),
		newCmdValidate(ios),
		newCmdCrawl(ios),
		newCmdPR(ios, nil),
		newCmdPublish(ios, nil, nil),
		newCmdResolve(ios, nil),
		newCmdServe(ios, nil),
		newCmdRequestBuild(ios, nil),
	)
	// cobra adds these during Execute; add them now so their argument
	// errors are typed too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	typeHelpTopics(root)
	typeUsageErrors(root)
	return root
}

// unknownCommand is the usage error for a command name matrixgen lacks.
func unknownCommand(root *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q (see '%s --help')", name, root.CommandPath())
	if sug := root.SuggestionsFor(name); len(sug) > 0 {
		msg += "; did you mean " + strings.Join(sug, " or ") + "?"
	}
	return matrixgen.Exit(matrixgen.ExitUsage, errors.New(msg))
}

// typeHelpTopics makes `help NAME` for a command matrixgen lacks a usage
// error (cobra prints the root's help and exits 0, so a script asking for
// the help of a misspelt command would never notice).
func typeHelpTopics(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() != "help" {
			continue
		}
		c.RunE = func(cmd *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				name := strings.Join(args, " ")
				if len(rest) > 0 {
					name = rest[0]
				}
				return unknownCommand(target, name)
			}
			return target.Help()
		}
	}
}

// typeUsageErrors makes every way cobra refuses a command line a typed
// usage error: argument validators (cobra.NoArgs, MinimumNArgs, ...) and
// required flags, which cobra reports as plain errors. Required flags are
// checked here, in PreRunE, before cobra's own check would return its
// untyped error.
func typeUsageErrors(c *cobra.Command) {
	c.SuggestionsMinimumDistance = 2 // cobra's own default, which SuggestionsFor does not apply
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error {
			err := args(cmd, a)
			var ec matrixgen.ExitCoder
			if err == nil || errors.As(err, &ec) {
				return err
			}
			return matrixgen.AsUsage(fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath()))
		}
	}
	pre := c.PreRunE
	c.PreRunE = func(cmd *cobra.Command, a []string) error {
		if err := cmd.ValidateRequiredFlags(); err != nil {
			return matrixgen.AsUsage(fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath()))
		}
		if err := cmd.ValidateFlagGroups(); err != nil {
			return matrixgen.AsUsage(err)
		}
		if pre != nil {
			return pre(cmd, a)
		}
		return nil
	}
	for _, sub := range c.Commands() {
		typeUsageErrors(sub)
	}
}

// run executes the CLI and maps errors to exit codes; only main exits.
func run(ctx context.Context, args []string, ios *ioStreams) int {
	root := newRootCmd(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ee *matrixgen.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.Err != nil) {
		fmt.Fprintln(ios.ErrOut, "matrixgen:", flagWords(err))
	}
	return matrixgen.ExitCodeOf(err)
}
