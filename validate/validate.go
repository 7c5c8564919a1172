package validate

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/falco"
	"github.com/matrixgen/matrixgen/internal/jsonpos"
	"github.com/matrixgen/matrixgen/kernelsfile"
	"github.com/matrixgen/matrixgen/schemas"
)

// Result is what Check found in one file.
type Result struct {
	File string
	// Kind is the detected kind, "" when the file is not recognisable.
	Kind schemas.Kind
	// Problems are every problem found, in file order.
	Problems []*jsonpos.Error
}

// Valid says whether the file has no problem.
func (r *Result) Valid() bool { return len(r.Problems) == 0 }

// Check detects what data is, validates it against that kind's JSON
// Schema, and applies the rules a schema cannot express: for kernel files
// the domain's own checks (a known target, a valid release, no duplicate;
// in crawl output, every entry usable). file names data in positions; arch is the arch
// of a crawl or Falco list (they hold one; "" infers it from file's path,
// else x86_64).
//
// Every problem is reported, not only the first. A domain problem of an
// entry that already breaks the schema is left out: it would say the same
// thing twice.
func Check(file string, data []byte, arch matrixgen.Arch) *Result {
	r := &Result{File: file}
	kind, err := schemas.ValidateAny(data)
	r.Kind = kind
	var pe *jsonpos.Error
	var ve *schemas.ValidationError
	switch {
	case err == nil:
	case errors.As(err, &pe): // malformed: nothing more can be read
		pe.File = file
		r.Problems = append(r.Problems, pe)
		return r
	case errors.As(err, &ve):
		r.Kind = ve.Kind
	default: // not a kind we know
		r.Problems = append(r.Problems, jsonpos.At(file, data, jsonpos.PointerOffset(data, ""), err))
		return r
	}
	covered := map[int64]bool{} // entries and keys a schema violation already names
	if ve != nil {
		for _, v := range ve.Violations {
			key, val := jsonpos.PointerPos(data, v.Pointer)
			if v.AtKey {
				val = key // a property that is not allowed: its key is the problem
			}
			r.Problems = append(r.Problems, jsonpos.At(file, data, val, errors.New(v.String())))
			toks := strings.Split(v.Pointer, "/")
			for depth := 2; depth <= 3 && depth <= len(toks); depth++ {
				k, val := jsonpos.PointerPos(data, strings.Join(toks[:depth], "/"))
				covered[k], covered[val] = true, true
			}
		}
	}
	for _, p := range domainProblems(file, data, r.Kind, arch) {
		if !covered[p.offset] {
			r.Problems = append(r.Problems, p.err)
		}
	}
	slices.SortStableFunc(r.Problems, func(a, b *jsonpos.Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return r
}

type problem struct {
	offset int64
	err    *jsonpos.Error
}

// domainProblems applies the rules the schemas cannot express.
func domainProblems(file string, data []byte, kind schemas.Kind, arch matrixgen.Arch) []problem {
	var out []problem
	switch kind {
	case schemas.Kernels:
		for _, e := range kernelsfile.Problems(data, file) {
			out = append(out, problem{e.Offset, e})
		}
	case schemas.Crawl:
		// Falco's own lists (FalcoList) hold entries no build uses, such as
		// minikube's: readers skip those with a warning, so they do not
		// make the file invalid. Crawl output is ours and must be whole.
		if arch == "" {
			arch = matrixgen.X86_64
			if a, ok := falco.ArchFromPath(file); ok {
				arch = a
			}
		}
		_, probs, err := falco.Decode(bytes.NewReader(data), file, arch)
		if err != nil {
			out = append(out, problem{-1, jsonpos.At(file, data, 0, err)})
		}
		for _, p := range probs {
			out = append(out, problem{p.Offset, jsonpos.At(file, data, p.Offset, fmt.Errorf("%s: %w", p.Key, p.Err))})
		}
	}
	return out
}
