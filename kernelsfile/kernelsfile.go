// Package kernelsfile reads and writes kernels.json, the demand-driven list
// of kernels that nodes really booted.
package kernelsfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/atomicfile"
	"github.com/matrixgen/matrixgen/internal/filelock"
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

// Parse validates data as kernels.json. The first problem is returned as a
// *jsonpos.Error (name:line:col) with the offending value: malformed JSON,
// an unknown arch, an unknown field, an invalid release or distro version,
// a duplicate. Valid files are read with gjson, which gives each value's
// offset for free.
func Parse(data []byte, name string) ([]matrixgen.Kernel, error) {
	ks, probs := parse(data, name, false)
	if len(probs) > 0 {
		return nil, probs[0]
	}
	return ks, nil
}

// Problems returns every problem of data as kernels.json, in file order:
// what Parse would report first and all that follow it. A file that is not
// well-formed JSON has one problem, where the syntax breaks.
func Problems(data []byte, name string) []*jsonpos.Error {
	_, probs := parse(data, name, true)
	return probs
}

func parse(data []byte, name string, all bool) ([]matrixgen.Kernel, []*jsonpos.Error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, []*jsonpos.Error{jsonpos.At(name, data, int64(len(data)), errors.New("empty file (want a JSON object keyed by arch, {} for no kernels)"))}
	}
	if !gjson.ValidBytes(data) {
		return nil, []*jsonpos.Error{jsonpos.Syntax(name, data)}
	}
	var probs []*jsonpos.Error
	fail := func(off int, err error) bool {
		probs = append(probs, jsonpos.At(name, data, int64(off), err))
		return all // keep going only when every problem is wanted
	}
	root := gjson.ParseBytes(data)
	if !root.IsObject() {
		fail(root.Index, errors.New("want a JSON object keyed by arch"))
		return nil, probs
	}
	n := bytes.Count(data, []byte(`"kernelrelease"`)) // a capacity hint: Kernel is large
	out := make([]matrixgen.Kernel, 0, n)
	// Duplicates: kernels.json is written sorted, so while the entries come
	// in order a repeat can only follow its first and no map is needed;
	// the first entry out of order switches to a map of every key.
	// Offsets are kept, and positions computed only for errors.
	offs := make([]int, 0, n)
	// gjson's strings are slices of one copy of the whole file: a kernel
	// holding one would keep all of it (9 MB for 100,000 kernels) alive
	// as long as the kernel, so each kernel gets copies of its own.
	// Targets and distro versions are few: one copy of each.
	few := map[string]string{}
	var seen map[matrixgen.Key]int
	firstAt := func(k matrixgen.Kernel) (int, bool) {
		if seen == nil {
			last := len(out) - 1
			if last < 0 {
				return 0, false
			}
			switch c := matrixgen.Compare(out[last], k); {
			case c == 0:
				return offs[last], true
			case c < 0:
				return 0, false
			}
			seen = make(map[matrixgen.Key]int, n)
			for i, o := range out {
				seen[o.Key()] = offs[i]
			}
		}
		prev, dup := seen[k.Key()]
		return prev, dup
	}
	root.ForEach(func(key, list gjson.Result) bool {
		arch, aerr := matrixgen.ParseArch(key.Str)
		if aerr != nil {
			return fail(key.Index, aerr)
		}
		if !list.IsArray() {
			return fail(list.Index, fmt.Errorf("arch %q: want a list of kernels", key.Str))
		}
		ok := true
		list.ForEach(func(_, obj gjson.Result) bool {
			k, err := entryAt(obj, arch, few)
			if err != nil {
				ok = fail(obj.Index, err)
				return ok
			}
			if prev, dup := firstAt(k); dup {
				l, c := jsonpos.LineCol(data, int64(prev))
				ok = fail(obj.Index, fmt.Errorf("duplicate entry %s (first at %d:%d)", k.Key(), l, c))
				return ok
			}
			if seen != nil {
				seen[k.Key()] = obj.Index
			}
			offs = append(offs, obj.Index)
			out = append(out, k)
			return true
		})
		return ok
	})
	return out, probs
}

// entryAt reads one {"target", "kernelrelease", "distroversion"} object,
// with strings that share no memory with obj: the release copied, the
// target and distro version taken from few (added there, copied, when new).
func entryAt(obj gjson.Result, arch matrixgen.Arch, few map[string]string) (matrixgen.Kernel, error) {
	if !obj.IsObject() {
		return matrixgen.Kernel{}, errors.New("want an object {target, kernelrelease, distroversion}")
	}
	var e entry
	var err error
	obj.ForEach(func(k, v gjson.Result) bool {
		var dst *string
		switch k.Str {
		case "target":
			dst = &e.Target
		case "kernelrelease":
			dst = &e.KernelRelease
		case "distroversion":
			dst = &e.DistroVersion
		default:
			err = fmt.Errorf("unknown field %q (want target, kernelrelease, distroversion)", k.Str)
			return false
		}
		if v.Type != gjson.String {
			err = fmt.Errorf("field %q: want a string, got %s", k.Str, v.Raw)
			return false
		}
		if dst == &e.KernelRelease {
			*dst = strings.Clone(v.Str)
			return true
		}
		c, ok := few[v.Str]
		if !ok {
			c = strings.Clone(v.Str)
			few[c] = c
		}
		*dst = c
		return true
	})
	if err != nil {
		return matrixgen.Kernel{}, err
	}
	return e.kernel(arch)
}

func (e entry) kernel(arch matrixgen.Arch) (matrixgen.Kernel, error) {
	if e.DistroVersion == "" {
		return matrixgen.Kernel{}, &matrixgen.InvalidError{Field: "distroversion", Value: "", Reason: "missing for " + e.KernelRelease}
	}
	k, err := matrixgen.Make(matrixgen.Spec{Target: e.Target, Arch: arch, Release: e.KernelRelease, DistroVersion: e.DistroVersion})
	k.Source = SourceName
	return k, err
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

// Write replaces path atomically with the canonical form of kernels,
// under the same lock as Update.
func Write(ctx context.Context, path string, kernels []matrixgen.Kernel) error {
	return Update(ctx, path, func([]matrixgen.Kernel) ([]matrixgen.Kernel, bool, error) {
		return kernels, true, nil
	})
}

// UpdateFunc gets the kernels in the file (none when it does not exist yet)
// and returns the new list and whether to write it. Update may call it
// twice (once without the lock, once with it), so it must only compute.
type UpdateFunc func(kernels []matrixgen.Kernel) (updated []matrixgen.Kernel, changed bool, err error)

// Update is a read-modify-write of the kernels.json at path that concurrent
// writers (two add-kernel runs, the PR bot, the service) cannot interleave:
// it holds an exclusive lock on a sibling lock file (".kernels.json.lock")
// from the read to the rename, so no writer's kernel is lost. A symlink at
// path is followed: its target is updated and the link stays. Temp files a
// killed writer left (".kernels.json.tmp-*") are removed: every writer
// holds the lock, so while we hold it no live writer owns one. A missing
// file reads as no kernels; fn's error is returned as is and nothing is
// written.
//
// When fn changes nothing (the kernel is present already), Update returns
// after a read without the lock: writes are atomic renames, so the read
// is whole, and a no-op leaves no lock file behind.
func Update(ctx context.Context, path string, fn UpdateFunc) error {
	target, err := atomicfile.Resolve(path)
	if err != nil {
		return fmt.Errorf("update %s: %w", path, err)
	}
	kernels, err := readOrEmpty(target, path)
	if err != nil {
		return err
	}
	if _, changed, err := fn(kernels); err != nil || !changed {
		return err
	}
	unlock, err := filelock.Lock(ctx, LockPath(target))
	if err != nil {
		return fmt.Errorf("update %s: %w", path, err)
	}
	defer unlock()
	if err := removeStale(target); err != nil {
		return fmt.Errorf("update %s: %w", path, err)
	}
	// Read again under the lock: another writer may have changed the file.
	if kernels, err = readOrEmpty(target, path); err != nil {
		return err
	}
	updated, changed, err := fn(kernels)
	if err != nil || !changed {
		return err
	}
	out, err := Marshal(updated)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.Write(target, out)
}

// readOrEmpty reads the kernels file at target (named path in errors); a
// missing file has no kernels.
func readOrEmpty(target, path string) ([]matrixgen.Kernel, error) {
	data, err := os.ReadFile(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return Parse(data, path)
}

// LockPath is the lock file Update holds for the kernels file at path (after
// symlinks): a hidden sibling, so every link to one file shares one lock.
func LockPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

// removeStale deletes the temp files of path's writes; call it with the lock held.
func removeStale(path string) error {
	stale, err := atomicfile.TempFiles(path)
	if err != nil {
		return err
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
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

// AddTo adds k to the kernels file at path (created when missing) under
// Update's lock, and says whether it was new: a kernel present already
// leaves the file untouched. An empty path, or "-" (stdin, which cannot
// be updated in place), is a usage error naming the option "kernels".
func AddTo(ctx context.Context, path string, k matrixgen.Kernel) (bool, error) {
	switch path {
	case "":
		return false, &matrixgen.UsageError{Option: "kernels", Msg: "is empty: give the kernels.json to update"}
	case "-":
		return false, &matrixgen.UsageError{Option: "kernels", Msg: "-: add-kernel updates a file in place; give its path"}
	}
	added := false
	err := Update(ctx, path, func(kernels []matrixgen.Kernel) ([]matrixgen.Kernel, bool, error) {
		kernels, added = Add(kernels, k)
		return kernels, added, nil
	})
	return added, err
}
