package github

import (
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Diff is a unified diff of two texts with 3 lines of context, as the
// dry-run plan shows kernels.json; "" when they are equal. The diff is
// go-difflib's (a port of Python's difflib, as testify uses it), which
// finds the common lines however far apart the changes are: a hand-written
// LCS table here gave up past 4M cells and printed the whole file removed
// and added again when a PR adds kernels at both ends of a large
// kernels.json (TestDiffScatteredChanges).
func Diff(oldName, newName string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	out, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: lines(a), B: lines(b), FromFile: oldName, ToFile: newName, Context: 3,
	})
	if err != nil {
		// Only a failing writer errs, and a strings.Builder does not fail.
		return ""
	}
	return out
}

// lines splits b into lines that each end in "\n", as difflib wants them
// (its SplitLines adds an empty last line to a text that ends in one).
func lines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	ls := strings.SplitAfter(s, "\n")
	ls[len(ls)-1] += "\n"
	return ls
}
