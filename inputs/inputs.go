// Package inputs loads kernel sets from the files users point matrixgen
// at: kernels.json or Falco list.json, on disk or as git:REV:path.
package inputs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/falco"
	"github.com/matrixgen/matrixgen/internal/jsonpos"
	"github.com/matrixgen/matrixgen/kernelsfile"
)

// Format of a kernel file.
type Format string

const (
	Kernels Format = "kernels.json"
	Falco   Format = "list.json"
)

// Set is a loaded kernel set with the entries that could not be used.
type Set struct {
	Name    string
	Format  Format
	Kernels []matrixgen.Kernel
	// Problems are the Falco entries that are invalid or underivable, each
	// at its position; the cause (errors.As: *matrixgen.InvalidError,
	// *matrixgen.UnderivableError) is wrapped, after the entry's key.
	Problems []*jsonpos.Error
}

// Stdin is the spec that reads standard input, and the name messages use for it.
const Stdin = "-"

// ErrEmptyPath is the error for an empty spec: the caller names the flag.
var ErrEmptyPath = errors.New("empty path (want a file, git:REV:path, or - for stdin)")

// LoadFrom reads spec, a path, "git:REV:path" or "-" (stdin), detecting
// its format.
func LoadFrom(ctx context.Context, spec string, stdin io.Reader) (*Set, error) {
	data, err := ReadSpec(ctx, spec, stdin)
	if err != nil {
		return nil, err
	}
	return Parse(data, DisplayName(spec))
}

// DisplayName is how messages name spec: "stdin" for "-", else spec.
func DisplayName(spec string) string {
	if spec == Stdin {
		return "stdin"
	}
	return spec
}

// Parse detects the format of data and reads it.
func Parse(data []byte, name string) (*Set, error) {
	f, err := Detect(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s := &Set{Name: name, Format: f}
	switch f {
	case Kernels:
		s.Kernels, err = kernelsfile.Parse(data, name)
	case Falco:
		return parseCrawled(data, name, "")
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// parseFalco decodes a Falco list.json as arch, placing each problem.
func parseFalco(data []byte, name string, arch matrixgen.Arch) (*Set, error) {
	// Syntax first, by the rule every reader shares: the streaming
	// decoder can only say "byte N: EOF".
	if e := jsonpos.Syntax(name, data); e != nil {
		return nil, e
	}
	s := &Set{Name: name, Format: Falco}
	kernels, probs, err := falco.Decode(bytes.NewReader(data), name, arch)
	if err != nil {
		return nil, err
	}
	s.Kernels = kernels
	for _, p := range probs {
		s.Problems = append(s.Problems, jsonpos.At(name, data, p.Offset, &KeyError{Key: p.Key, Err: p.Err}))
	}
	return s, nil
}

// KeyError is a Falco entry's problem under its top-level key.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *KeyError) Unwrap() error { return e.Err }

// Detect tells kernels.json (keys are arches) from list.json (keys are
// distros) by the first key; an empty object is an empty kernels.json.
// schemas.Detect knows more kinds but decodes the whole document, which
// `matrix` cannot afford on a 100,000-entry kernels.json.
func Detect(data []byte) (Format, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return "", errors.New("empty file (want kernels.json or a Falco list.json)")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '{' {
		return Kernels, nil // let the kernels.json parser say what is wrong, with a position
	}
	tok, err = dec.Token()
	if err != nil {
		return Kernels, nil
	}
	key, ok := tok.(string)
	if !ok {
		return Kernels, nil // "}": empty
	}
	if _, err := matrixgen.ParseArch(key); err == nil {
		return Kernels, nil
	}
	return Falco, nil
}

// ReadSpec returns the bytes spec names: a path, "git:REV:path", or "-"
// for stdin (read whole: kernel files are parsed in memory anyway).
func ReadSpec(ctx context.Context, spec string, stdin io.Reader) ([]byte, error) {
	if spec == "" {
		return nil, ErrEmptyPath
	}
	if spec == Stdin {
		if stdin == nil {
			return nil, errors.New("read stdin: no standard input")
		}
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		return data, nil
	}
	rest, ok := strings.CutPrefix(spec, "git:")
	if !ok {
		return os.ReadFile(spec)
	}
	rev, path, ok := strings.Cut(rest, ":")
	if !ok || rev == "" || path == "" || strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("%s: want git:REV:path, e.g. git:HEAD~1:kernels.json", spec)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "git", "show", "--end-of-options", rev+":"+path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: git show: %w: %s", spec, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// ReadBuilt reads the artifact names already built (matrix --built): a JSON
// array of strings, or one name per line with # comments.
func ReadBuilt(path string) (map[string]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	built := map[string]bool{}
	if t := strings.TrimSpace(string(data)); strings.HasPrefix(t, "[") {
		var names []string
		if err := json.Unmarshal(data, &names); err != nil {
			return nil, fmt.Errorf("%s: want a JSON array of artifact names or one name per line: %w", path, err)
		}
		for _, n := range names {
			built[n] = true
		}
		return built, nil
	}
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			built[l] = true
		}
	}
	return built, nil
}
