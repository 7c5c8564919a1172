// Package atomicfile writes files so that readers see the old content or
// the new, never a torn mix: temp file in the same directory, fsync, rename.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds symlink chains, as the kernel's ELOOP limit does (40).
const maxLinks = 40

// Resolve follows path through symlinks to the file a write must replace,
// which need not exist yet (a dangling link names the file to create).
// Renaming over a symlink would replace the link itself and leave its
// target stale.
func Resolve(path string) (string, error) {
	for range maxLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", fmt.Errorf("%s: more than %d symlinks", path, maxLinks)
}

// tempPrefix is how temp files for path start; TempFiles matches them.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// TempFiles lists the temp files that writes of path leave behind when the
// writer dies between create and rename (kill -9, power loss).
func TempFiles(path string) ([]string, error) {
	dir, prefix := filepath.Dir(path), tempPrefix(path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

// Write replaces path with data atomically, keeping path's mode if it
// exists. A symlink at path stays: its target is replaced.
func Write(path string, data []byte) error {
	return WriteFrom(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFrom is Write with the contents streamed by write into the
// temporary file, for data too large to hold in memory at once. An error
// from write leaves path as it was.
func WriteFrom(path string, write func(io.Writer) error) (err error) {
	target, err := Resolve(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(target); err == nil {
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(target)
	f, err := os.CreateTemp(dir, tempPrefix(target)+"*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: fsync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), target); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Persist the rename itself.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// CheckWrite says whether Write(path, ...) can succeed, before the work
// that produces the data: path (through its symlinks) is not a directory,
// its directory exists and is one, and a file can be created there (a temp
// file named as Write's is created and removed at once). It writes nothing
// else.
func CheckWrite(path string) error {
	target, err := Resolve(path)
	if err != nil {
		if perr := probe(filepath.Dir(path), tempPrefix(path)); perr != nil {
			return perr // the parent is the trouble ("a-file/stats.json")
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory, not a file", path)
	}
	return probe(filepath.Dir(target), tempPrefix(target))
}

// CheckDir says whether files can be written under dir once it is made
// with os.MkdirAll: dir is a directory, or does not exist yet and its
// nearest existing ancestor is a directory a file can be created in (a
// temp file is created and removed there at once). It creates nothing.
func CheckDir(dir string) error {
	d := filepath.Clean(dir)
	for {
		fi, err := os.Stat(d)
		switch {
		case err == nil && !fi.IsDir():
			if d == filepath.Clean(dir) {
				return fmt.Errorf("%s is a file, not a directory", dir)
			}
			return fmt.Errorf("%s: %s is a file, not a directory", dir, d)
		case err == nil:
			return probe(d, ".matrixgen-probe.tmp-")
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return fmt.Errorf("%s: %w", dir, err)
		}
		// Missing, or under a file (ENOTDIR): the nearest existing
		// ancestor decides.
		up := filepath.Dir(d)
		if up == d {
			return fmt.Errorf("%s: no existing parent directory", dir)
		}
		d = up
	}
}

// probe creates and removes a temp file in dir, which must exist.
func probe(dir, prefix string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return fmt.Errorf("cannot create a file in %s: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
