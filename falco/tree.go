package falco

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/atomicfile"
	"github.com/matrixgen/matrixgen/schemas"
)

// OfArch returns the kernels of one arch: a list.json holds one arch.
func OfArch(kernels []matrixgen.Kernel, arch matrixgen.Arch) []matrixgen.Kernel {
	var out []matrixgen.Kernel
	for _, k := range kernels {
		if k.Arch == arch {
			out = append(out, k)
		}
	}
	return out
}

// MarshalChecked is Marshal followed by validation against the crawl
// schema: nothing matrixgen writes may fail `matrixgen validate`.
func MarshalChecked(kernels []matrixgen.Kernel) ([]byte, error) {
	data, err := Marshal(kernels)
	if err != nil {
		return nil, err
	}
	if err := schemas.Validate(schemas.Crawl, data); err != nil {
		return nil, fmt.Errorf("list.json does not match its schema (a bug): %w", err)
	}
	return data, nil
}

// WriteFile writes kernels (one arch) to path atomically.
func WriteFile(path string, kernels []matrixgen.Kernel) error {
	data, err := MarshalChecked(kernels)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data)
}

// TreePath is where an arch's list.json lives in a tree, as Falco's site
// lays them out: DIR/<arch>/list.json.
func TreePath(dir string, arch matrixgen.Arch) string {
	return filepath.Join(dir, string(arch), "list.json")
}

// WriteTree writes DIR/<arch>/list.json for each arch.
func WriteTree(dir string, arches []matrixgen.Arch, kernels []matrixgen.Kernel) error {
	for _, a := range arches {
		p := TreePath(dir, a)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := WriteFile(p, OfArch(kernels, a)); err != nil {
			return err
		}
	}
	return nil
}

// ReadTree reads a previous output: one list.json (whose arch is arches[0]
// when one arch is given, else inferred from its path) or a tree written by
// WriteTree, from which the given arches are read where present. Any entry
// that cannot be used is an error: a previous output is matrixgen's own.
func ReadTree(path string, arches []matrixgen.Arch) ([]matrixgen.Kernel, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := map[string]matrixgen.Arch{}
	switch {
	case fi.IsDir():
		for _, a := range arches {
			if p := TreePath(path, a); fileExists(p) {
				files[p] = a
			}
		}
	case len(arches) == 1:
		files[path] = arches[0]
	default:
		files[path] = ""
	}
	var out []matrixgen.Kernel
	for p, a := range files {
		ks, probs, err := ReadFile(p, a)
		if err != nil {
			return nil, err
		}
		if len(probs) > 0 {
			return nil, probs[0]
		}
		out = append(out, ks...)
	}
	return out, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// CheckTree says whether WriteTree(dir, arches, ...) can write, before the
// crawl that produces the kernels (atomicfile.CheckDir, CheckWrite): dir is
// or can be made a directory, and each DIR/<arch> that exists is a
// directory whose list.json can be replaced.
func CheckTree(dir string, arches []matrixgen.Arch) error {
	if err := atomicfile.CheckDir(dir); err != nil {
		return err
	}
	for _, a := range arches {
		p := TreePath(dir, a)
		fi, err := os.Stat(filepath.Dir(p))
		switch {
		case err != nil:
			continue // made by WriteTree in dir, which can be written
		case !fi.IsDir():
			return fmt.Errorf("%s is a file, not a directory", filepath.Dir(p))
		}
		if err := atomicfile.CheckWrite(p); err != nil {
			return err
		}
	}
	return nil
}
