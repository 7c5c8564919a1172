// Package falco reads and writes the Falco kernel-crawler list.json format:
// an object keyed by distro, each a list of {kernelversion, kernelrelease,
// target, headers}, plus matrixgen's distroversion on every entry.
package falco

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/jsonpos"
)

// Entry is one element of a distro's list.
type Entry struct {
	KernelVersion json.RawMessage `json:"kernelversion"` // Falco writes 1 or "24~18.04.1"
	KernelRelease string          `json:"kernelrelease"`
	Target        string          `json:"target"`
	Headers       []string        `json:"headers"`
	DistroVersion string          `json:"distroversion,omitempty"`
	CarriedOver   bool            `json:"carried_over,omitempty"`
	// OpenShiftReleases and BuildImage are RHCOS's: the z-streams that
	// ship the kernel and the Driver Toolkit image it builds in.
	OpenShiftReleases []string `json:"openshift_releases,omitempty"`
	BuildImage        string   `json:"build_image,omitempty"`
	// Source is where a kernel came from when not a mirror's index of
	// headers packages: "livepatch" or "koji" (matrixgen.Origin*).
	Source string `json:"source,omitempty"`
	// Stream and Build, with source "fedora-coreos", are the Fedora CoreOS
	// stream and build that ship the kernel.
	Stream string `json:"stream,omitempty"`
	Build  string `json:"build,omitempty"`
	// KernelConfigData is only in Falco's own files (minikube); read and dropped.
	KernelConfigData string `json:"kernelconfigdata,omitempty"`
}

// Problem is an entry that was read but could not become a kernel; the
// rest of the file still counts.
type Problem struct {
	Name   string // file
	Line   int    // 0 when unknown (streamed from a reader)
	Offset int64
	Key    string
	Err    error
}

func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %v", p.Name, p.Line, p.Key, p.Err)
	}
	return fmt.Sprintf("%s: byte %d: %s: %v", p.Name, p.Offset, p.Key, p.Err)
}
func (p Problem) Unwrap() error { return p.Err }

// ArchFromPath infers the arch of a list.json from its path, the way
// Falco's site lays files out: DIR/<arch>/list.json or <arch>.json.
func ArchFromPath(path string) (matrixgen.Arch, bool) {
	base := strings.TrimSuffix(filepath.Base(path), ".json")
	for _, c := range []string{base, filepath.Base(filepath.Dir(path))} {
		if a, err := matrixgen.ParseArch(c); err == nil {
			return a, true
		}
	}
	return "", false
}

// ReadFile streams a list.json from disk. arch "" means infer it from the
// path, defaulting to x86_64.
func ReadFile(path string, arch matrixgen.Arch) ([]matrixgen.Kernel, []Problem, error) {
	if arch == "" {
		arch = matrixgen.X86_64
		if a, ok := ArchFromPath(path); ok {
			arch = a
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	ks, probs, err := Decode(f, path, arch)
	var pe *posError
	if errors.As(err, &pe) {
		return nil, nil, jsonpos.AtFile(path, pe.off, pe.err)
	}
	if err != nil {
		return nil, nil, err
	}
	// Turn offsets into lines now that the file is known to be whole.
	if len(probs) > 0 {
		if data, err := os.ReadFile(path); err == nil {
			for i := range probs {
				probs[i].Line, _ = jsonpos.LineCol(data, probs[i].Offset)
			}
		}
	}
	return ks, probs, nil
}

type posError struct {
	off int64
	err error
}

func (e *posError) Error() string { return fmt.Sprintf("byte %d: %v", e.off, e.err) }
func (e *posError) Unwrap() error { return e.err }

// Decode streams list.json entries from r one at a time (the file can be
// large), returning the kernels and the entries that could not become one.
// Entries without distroversion (Falco's own files) get one derived; an
// underivable or invalid entry is a Problem, never a guess. Malformed JSON
// is an error and nothing is returned.
func Decode(r io.Reader, name string, arch matrixgen.Arch) ([]matrixgen.Kernel, []Problem, error) {
	dec := json.NewDecoder(r)
	fail := func(off int64, err error) error {
		return fmt.Errorf("%s: %w", name, &posError{off: jsonpos.Offset(err, off), err: err})
	}
	expect := func(want json.Delim) error {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return fail(off, err)
		}
		if d, ok := tok.(json.Delim); !ok || d != want {
			return fail(off, fmt.Errorf("want %q, found %v", want, tok))
		}
		return nil
	}
	if err := expect('{'); err != nil {
		return nil, nil, err
	}
	var out []matrixgen.Kernel
	var probs []Problem
	for dec.More() {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fail(off, err)
		}
		key, _ := tok.(string)
		if err := expect('['); err != nil {
			return nil, nil, err
		}
		for dec.More() {
			off := jsonpos.SkipSpace(dec, dec.InputOffset())
			var e Entry
			if err := dec.Decode(&e); err != nil {
				return nil, nil, fail(off, err)
			}
			k, err := e.Kernel(key, arch)
			if err != nil {
				probs = append(probs, Problem{Name: name, Offset: off, Key: key, Err: err})
				continue
			}
			out = append(out, k)
		}
		if err := expect(']'); err != nil {
			return nil, nil, err
		}
	}
	if err := expect('}'); err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fail(dec.InputOffset(), errors.New("unexpected data after the top-level object"))
	}
	return out, probs, nil
}

// Kernel converts an entry found under key into a validated Kernel.
func (e Entry) Kernel(key string, arch matrixgen.Arch) (matrixgen.Kernel, error) {
	target := e.Target
	if target == "" {
		target = key
	}
	kv, err := kernelVersion(e.KernelVersion)
	if err != nil {
		return matrixgen.Kernel{}, err
	}
	k, err := matrixgen.Make(matrixgen.Spec{Target: target, Arch: arch, Release: e.KernelRelease, DistroVersion: e.DistroVersion, KernelVersion: kv})
	k.Headers, k.CarriedOver, k.Origin, k.Stream, k.Build = e.Headers, e.CarriedOver, e.Source, e.Stream, e.Build
	k.OpenShiftReleases, k.BuildImage = e.OpenShiftReleases, e.BuildImage
	if err == nil {
		err = k.Validate() // Stream, Build and the RHCOS fields flow into workflow inputs
	}
	return k, err
}

// kernelVersion reads Falco's kernelversion, a number or a string. Falco's
// numeric placeholder 1 carries no information and becomes "".
func kernelVersion(raw json.RawMessage) (string, error) {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null" || s == "1":
		return "", nil
	case s[0] == '"':
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", err
		}
		return v, matrixgen.ValidateKernelVersion(v)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", &matrixgen.InvalidError{Field: "kernelversion", Value: s, Reason: "want a string or a number"}
	}
	return n.String(), nil
}

// Marshal renders kernels as one list.json: keys are os-release IDs
// (FalcoKey), entries sorted by target, distro version and release, with
// Falco's ubuntu-<flavor> targets. Deterministic, two-space indent.
func Marshal(kernels []matrixgen.Kernel) ([]byte, error) {
	groups := map[string][]Entry{}
	for _, k := range kernels {
		if err := k.Validate(); err != nil {
			return nil, err
		}
		kv := json.RawMessage(`1`)
		if k.KernelVersion != "" {
			kv, _ = json.Marshal(k.KernelVersion)
		}
		headers := k.Headers
		if headers == nil {
			headers = []string{}
		}
		key := matrixgen.FalcoKey(k.Distribution, k.DistroVersion)
		groups[key] = append(groups[key], Entry{
			KernelVersion:     kv,
			KernelRelease:     k.Release,
			Target:            matrixgen.FalcoTarget(k.Distribution, k.Flavor, k.DistroVersion),
			Headers:           headers,
			DistroVersion:     k.DistroVersion,
			CarriedOver:       k.CarriedOver,
			Source:            k.Origin,
			Stream:            k.Stream,
			Build:             k.Build,
			OpenShiftReleases: k.OpenShiftReleases,
			BuildImage:        k.BuildImage,
		})
	}
	for _, es := range groups {
		slices.SortFunc(es, func(a, b Entry) int {
			return cmpStrings(a.Target, b.Target, a.DistroVersion, b.DistroVersion, a.KernelRelease, b.KernelRelease)
		})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(groups); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}
