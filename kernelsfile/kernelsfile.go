// Package kernelsfile reads and writes kernels.json, the demand-driven list
// of kernels that nodes really booted.
package kernelsfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/atomicfile"
	"github.com/matrixgen/matrixgen/internal/jsonpos"
)

// SourceName is what Kernel.Source says for kernels read from kernels.json.
const SourceName = "kernels.json"

// entry is one element of an arch's list, exactly as in the file.
type entry struct {
	Target        string `json:"target"`
	KernelRelease string `json:"kernelrelease"`
	DistroVersion string `json:"distroversion"`
}

// Read reads and validates a kernels.json file.
func Read(path string) ([]matrixgen.Kernel, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse validates data as kernels.json. Every problem is reported as
// name:line:col with the offending value: malformed JSON, an unknown arch,
// an unknown field, an invalid release or distro version, a duplicate.
func Parse(data []byte, name string) ([]matrixgen.Kernel, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file (want a JSON object keyed by arch, {} for no kernels)", name)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	fail := func(off int64, err error) error { return jsonpos.At(name, data, off, err) }
	tok, err := dec.Token()
	if err != nil {
		return nil, fail(jsonpos.Offset(err, dec.InputOffset()), err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fail(0, errors.New("want a JSON object keyed by arch"))
	}
	var out []matrixgen.Kernel
	seen := map[matrixgen.Key]int64{} // offset of each entry; positions are computed only for errors
	for dec.More() {
		keyOff := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(jsonpos.Offset(err, keyOff), err)
		}
		archName, _ := tok.(string)
		arch, err := matrixgen.ParseArch(archName)
		if err != nil {
			return nil, fail(keyOff, err)
		}
		if tok, err = dec.Token(); err != nil {
			return nil, fail(jsonpos.Offset(err, dec.InputOffset()), err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return nil, fail(dec.InputOffset(), fmt.Errorf("arch %q: want a list of kernels", archName))
		}
		for dec.More() {
			off := skipSep(data, dec.InputOffset())
			var e entry
			if err := dec.Decode(&e); err != nil {
				return nil, fail(jsonpos.Offset(err, off), err)
			}
			k, err := e.kernel(arch)
			if err != nil {
				return nil, fail(off, err)
			}
			if prev, dup := seen[k.Key()]; dup {
				l, c := jsonpos.LineCol(data, prev)
				return nil, fail(off, fmt.Errorf("duplicate entry %s (first at %d:%d)", k.Key(), l, c))
			}
			seen[k.Key()] = off
			out = append(out, k)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, fail(jsonpos.Offset(err, dec.InputOffset()), err)
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, fail(jsonpos.Offset(err, dec.InputOffset()), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail(dec.InputOffset(), errors.New("unexpected data after the top-level object"))
	}
	return out, nil
}

// skipSep moves a decoder offset past the separators before the next value,
// so positions point at the entry itself.
func skipSep(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
		off++
	}
	return off
}

func (e entry) kernel(arch matrixgen.Arch) (matrixgen.Kernel, error) {
	t, err := matrixgen.ParseTarget(e.Target)
	if err != nil {
		return matrixgen.Kernel{}, err
	}
	if e.DistroVersion == "" {
		return matrixgen.Kernel{}, &matrixgen.InvalidError{Field: "distroversion", Value: "", Reason: "missing for " + e.KernelRelease}
	}
	k := matrixgen.Kernel{
		Distribution:  t.Distribution,
		Flavor:        t.Flavor,
		DistroVersion: e.DistroVersion,
		Arch:          arch,
		Release:       e.KernelRelease,
		Source:        SourceName,
	}
	if k.Flavor == "" {
		k.Flavor = matrixgen.FlavorOf(k.Distribution, k.Release)
	}
	return k, k.Validate()
}

// Marshal renders kernels in the file's canonical form: sorted by arch,
// target, distro version, release; two-space indent; one entry per line;
// trailing newline. The same set always gives the same bytes.
func Marshal(kernels []matrixgen.Kernel) ([]byte, error) {
	ks := slices.Clone(kernels)
	slices.SortFunc(ks, matrixgen.Compare)
	ks = slices.CompactFunc(ks, func(a, b matrixgen.Kernel) bool { return a.Key() == b.Key() })
	var b bytes.Buffer
	b.WriteString("{")
	for i := 0; i < len(ks); {
		arch := ks[i].Arch
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n  %q: [", arch)
		for first := true; i < len(ks) && ks[i].Arch == arch; i++ {
			if err := ks[i].Validate(); err != nil {
				return nil, err
			}
			line, err := json.Marshal(entry{Target: ks[i].Distribution, KernelRelease: ks[i].Release, DistroVersion: ks[i].DistroVersion})
			if err != nil {
				return nil, err
			}
			if !first {
				b.WriteString(",")
			}
			first = false
			b.WriteString("\n    ")
			// One space after ':' and ',' like the documented examples.
			b.WriteString(strings.NewReplacer(`":"`, `": "`, `","`, `", "`).Replace(string(line)))
		}
		b.WriteString("\n  ]")
	}
	if len(ks) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// Write replaces path atomically with the canonical form of kernels.
func Write(path string, kernels []matrixgen.Kernel) error {
	data, err := Marshal(kernels)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.Write(path, data)
}

// Add returns kernels with k added, and whether it was new. A kernel with
// the same distribution, distro version, arch and release is present already.
func Add(kernels []matrixgen.Kernel, k matrixgen.Kernel) ([]matrixgen.Kernel, bool) {
	for _, have := range kernels {
		if have.Key() == k.Key() {
			return kernels, false
		}
	}
	return append(slices.Clone(kernels), k), true
}
