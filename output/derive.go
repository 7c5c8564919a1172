package output

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/matrixgen/matrixgen"
)

// Derive derives in's distro version (matrixgen.Derive) as derive
// prints it: the version and its rule, or the refusal.
func Derive(in matrixgen.Input) Derivation {
	r := Derivation{Target: in.Target, KernelRelease: in.Release}
	d, err := matrixgen.Derive(in)
	if err != nil {
		r.Error = err.Error()
	} else {
		r.DistroVersion, r.Rule = d.DistroVersion, d.Rule
	}
	return r
}

// DeriveLines derives every line of r, "target release [kernelversion |
// uname -v]" (matrixgen.ParseInputLine), skipping # comments and blank
// lines. A bad line is a result with its error, never the end of the rest.
func DeriveLines(r io.Reader, name string) ([]Derivation, error) {
	var results []Derivation
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		in, err := matrixgen.ParseInputLine(line)
		if err != nil {
			var ie *matrixgen.InvalidError
			msg := err.Error()
			if errors.As(err, &ie) {
				msg = fmt.Sprintf("invalid: %s line %d: %s", name, n, ie.Reason)
			}
			results = append(results, Derivation{Target: in.Target, KernelRelease: in.Release, Error: msg})
			continue
		}
		results = append(results, Derive(in))
	}
	if err := sc.Err(); err != nil {
		return results, fmt.Errorf("reading %s: %w", name, err)
	}
	return results, nil
}

// WriteDerivations renders rs in format on w and says on errOut how many
// were not derived; that some were not is a partial result (exit 3).
func WriteDerivations(w, errOut io.Writer, format Format, rs []Derivation) error {
	h, err := New(format, w, Options{})
	if err != nil {
		return err
	}
	if err := h.Derivations(rs); err != nil {
		return err
	}
	failed := 0
	for _, r := range rs {
		if r.Error != "" {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(errOut, "matrixgen: %d of %d releases not derived\n", failed, len(rs))
		return matrixgen.Exit(matrixgen.ExitPartial, nil)
	}
	return nil
}
