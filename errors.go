package matrixgen

import (
	"errors"
	"fmt"
)

// ErrInvalid and ErrUnderivable are the two kinds of refusal callers branch
// on with errors.Is; the concrete types carry the details.
var (
	ErrInvalid     = errors.New("invalid")
	ErrUnderivable = errors.New("underivable")
)

// InvalidError says which field of which input broke which rule. Its text
// starts with "invalid:" so JSON Lines consumers can branch on the first word.
type InvalidError struct {
	Field  string // e.g. "kernelrelease", "arch", "target"
	Value  string
	Reason string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("invalid: %s %q: %s", e.Field, e.Value, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// UnderivableError is a refusal to guess a distro version.
type UnderivableError struct {
	Target  string
	Release string
	Reason  string
	// NoMarker: the release lacks the version marker every kernel of the
	// target's distribution carries (.fcNN, .elN, .amznN).
	NoMarker bool
}

func (e *UnderivableError) Error() string {
	return fmt.Sprintf("underivable: %s %s: %s", e.Target, e.Release, e.Reason)
}

// Is makes errors.Is(err, ErrUnderivable) true.
func (e *UnderivableError) Is(target error) bool { return target == ErrUnderivable }

// UsageError is a request that names something unknown or impossible: an
// option given a value the package cannot serve. Option is the option's
// name in the package's own vocabulary ("release", "mirror", "arch"), which
// a caller words as its own (the CLI as the flag --release); Msg says what
// is wrong with the value and how to fix it, without naming a flag.
type UsageError struct {
	Option string
	Msg    string
}

func (e *UsageError) Error() string {
	if e.Option == "" {
		return e.Msg
	}
	return e.Option + " " + e.Msg
}

// ExitCode is 2, the usage error every command shares (README "Exit codes").
func (e *UsageError) ExitCode() int { return ExitUsage }

// Vocabulary words an option the way the caller names it: the CLI as its
// flag ("built" is --built), another caller as its own field. Packages
// name their options through it, never as a CLI flag; nil words an option
// as it is.
type Vocabulary func(option string) string

// Name is option in v's words.
func (v Vocabulary) Name(option string) string {
	if v == nil {
		return option
	}
	return v(option)
}
