package matrixgen

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxReleaseLen caps release strings: they end up in branch names, Docker
// build args and file names. The longest real release we have seen is
// under 60 bytes ("5.15.0-1019-intel-iotg-5.15" style); 128 leaves room.
const MaxReleaseLen = 128

// ValidateRelease checks a kernel release string (as `uname -r` prints it)
// before it is used anywhere: it must start with a digit, use only letters,
// digits and ". _ + ~ -", hold no "..", and be at most MaxReleaseLen bytes.
func ValidateRelease(s string) error {
	return validateToken("kernelrelease", s, MaxReleaseLen, true)
}

// ValidateDistroVersion checks a distro version such as "24.04", "stream10":
// letters, digits, ".", "_" and "-" only, since it names containers and branches.
func ValidateDistroVersion(s string) error {
	if err := validateToken("distroversion", s, 32, false); err != nil {
		return err
	}
	if i := strings.IndexAny(s, "+~"); i >= 0 {
		return &InvalidError{Field: "distroversion", Value: s, Reason: fmt.Sprintf("character %q at byte %d is not allowed (letters, digits and . _ - only)", rune(s[i]), i)}
	}
	return nil
}

// ValidateKernelVersion checks an Ubuntu-style kernel version ("24~18.04.1").
// Empty is allowed: most distributions have none.
func ValidateKernelVersion(s string) error {
	if s == "" {
		return nil
	}
	return validateToken("kernelversion", s, 64, false)
}

func validateToken(field, s string, max int, digitFirst bool) error {
	bad := func(reason string) error { return &InvalidError{Field: field, Value: s, Reason: reason} }
	switch {
	case s == "":
		return bad("empty")
	case len(s) > max:
		return bad(fmt.Sprintf("longer than %d bytes (%d)", max, len(s)))
	case digitFirst && (s[0] < '0' || s[0] > '9'):
		return bad("must start with a digit")
	case strings.Contains(s, ".."):
		return bad(`contains ".."`)
	}
	for i, r := range s {
		if r >= utf8.RuneSelf || !tokenByte(byte(r)) {
			// Name the character as the user typed it ('é'), not one of its bytes.
			what := fmt.Sprintf("%q", r)
			if r == utf8.RuneError {
				what = fmt.Sprintf("byte 0x%02x (not UTF-8)", s[i])
			}
			return bad(fmt.Sprintf("character %s at byte %d is not allowed (letters, digits and . _ + ~ - only)", what, i))
		}
	}
	return nil
}

func tokenByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	case c == '.', c == '_', c == '+', c == '~', c == '-':
		return true
	}
	return false
}
