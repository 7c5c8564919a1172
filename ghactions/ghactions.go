// Package ghactions writes GitHub Actions step outputs and job summaries.
package ghactions

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// Output is one step output.
type Output struct{ Name, Value string }

// WriteOutputs appends outputs to the file named by $GITHUB_OUTPUT, using
// the heredoc form with a random delimiter so no value can end it early.
func WriteOutputs(path string, outs []Output) error {
	var b strings.Builder
	for _, o := range outs {
		delim := "MATRIXGEN_" + randomHex()
		if strings.Contains(o.Value, delim) {
			return fmt.Errorf("GITHUB_OUTPUT %s: value contains the delimiter", o.Name)
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.Name, delim, o.Value, delim)
	}
	return appendFile(path, b.String())
}

// AppendSummary appends Markdown to the file named by $GITHUB_STEP_SUMMARY.
func AppendSummary(path, markdown string) error { return appendFile(path, markdown) }

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Table renders a Markdown table; cells are escaped for pipes.
func Table(header []string, rows [][]string) string {
	var b strings.Builder
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + strings.ReplaceAll(c, "|", `\|`) + " |")
		}
		b.WriteString("\n")
	}
	row(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	row(sep)
	for _, r := range rows {
		row(r)
	}
	return b.String()
}
