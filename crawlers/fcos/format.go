package fcos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Size caps. A stream's builds.json lists every build the stream kept
// (tens of KB for stable; the -devel streams keep thousands of builds);
// a commitmeta.json is the OSTree commit's metadata, its package list
// ~500 packages.
const (
	MaxBuildsJSON     = 32 << 20
	MaxCommitMetaJSON = 32 << 20
)

// ParseError is a file that is not what its name says: it names the file
// and, where one is at fault, the field (a JSON path such as
// "builds[3].arches" or "rpmostree.rpmdb.pkglist[12]").
type ParseError struct {
	Name  string // URL or file
	Field string
	Msg   string
	Err   error
}

func (e *ParseError) Error() string {
	s := e.Name
	if e.Field != "" {
		s += ": field " + e.Field
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ParseError) Unwrap() error { return e.Err }

// Build is one entry of a stream's builds.json.
type Build struct {
	ID     string   // "44.20260707.3.1": <fedora major>.<date>.<stream id>.<n>
	Arches []string // as Fedora CoreOS names them: x86_64, aarch64, ppc64le, s390x
}

// Major is the Fedora release a build is based on, its ID's first field.
func (b Build) Major() string {
	m, _, _ := strings.Cut(b.ID, ".")
	return m
}

var (
	// reBuildID is a build ID: dot-separated fields of digits (a rebuilt
	// image's "-N" suffix allowed); it becomes part of URLs.
	reBuildID = regexp.MustCompile(`^[0-9]{1,4}(\.[0-9]{1,12}){1,4}(-[0-9]{1,4})?$`)
	reArch    = regexp.MustCompile(`^[a-z0-9_]{1,16}$`)
)

// ParseBuilds reads a stream's builds.json (name is its URL, for errors):
// {"schema-version": "1.x", "builds": [{"id", "arches"}, ...]}, newest
// first as coreos-assembler writes it, the order kept. A build without id
// or arches, or an ID or arch that is not one, is an error naming the
// file and field; unknown fields are ignored.
func ParseBuilds(r io.Reader, name string) ([]Build, error) {
	var doc struct {
		SchemaVersion *string `json:"schema-version"`
		Builds        *[]struct {
			ID     *string   `json:"id"`
			Arches *[]string `json:"arches"`
		} `json:"builds"`
	}
	if err := decode(r, name, MaxBuildsJSON, &doc); err != nil {
		return nil, err
	}
	if doc.SchemaVersion != nil {
		if major, _, _ := strings.Cut(*doc.SchemaVersion, "."); major != "1" {
			return nil, &ParseError{Name: name, Field: "schema-version", Msg: fmt.Sprintf("%q: want 1.x", clip(*doc.SchemaVersion))}
		}
	}
	if doc.Builds == nil {
		return nil, &ParseError{Name: name, Field: "builds", Msg: "missing"}
	}
	out := make([]Build, 0, len(*doc.Builds))
	for i, b := range *doc.Builds {
		field := fmt.Sprintf("builds[%d]", i)
		switch {
		case b.ID == nil:
			return nil, &ParseError{Name: name, Field: field + ".id", Msg: "missing"}
		case !reBuildID.MatchString(*b.ID):
			return nil, &ParseError{Name: name, Field: field + ".id", Msg: fmt.Sprintf("%q is not a build ID (44.20260707.3.1)", clip(*b.ID))}
		case b.Arches == nil:
			return nil, &ParseError{Name: name, Field: field + ".arches", Msg: "missing"}
		}
		for j, a := range *b.Arches {
			if !reArch.MatchString(a) {
				return nil, &ParseError{Name: name, Field: fmt.Sprintf("%s.arches[%d]", field, j), Msg: fmt.Sprintf("%q is not an arch name", clip(a))}
			}
		}
		out = append(out, Build{ID: *b.ID, Arches: *b.Arches})
	}
	return out, nil
}

// Package is one rpmostree.rpmdb.pkglist entry: [name, epoch, version,
// release, arch].
type Package struct {
	Name, Epoch, Version, Release, Arch string
}

// NEVRA is the package as rpm -q prints it (the epoch only when not 0).
func (p Package) NEVRA() string {
	e := ""
	if p.Epoch != "" && p.Epoch != "0" {
		e = p.Epoch + ":"
	}
	return fmt.Sprintf("%s-%s%s-%s.%s", p.Name, e, p.Version, p.Release, p.Arch)
}

// UnameR is the kernel release a kernel package boots: version-release.arch.
func (p Package) UnameR() string { return p.Version + "-" + p.Release + "." + p.Arch }

// pkglistKey is the commit metadata key rpm-ostree writes the package list under.
const pkglistKey = "rpmostree.rpmdb.pkglist"

// ParseCommitMeta reads a build's commitmeta.json (name is its URL, for
// errors) and returns its rpmostree.rpmdb.pkglist. The list is required;
// each entry is five strings (the epoch may also be a number), name,
// version, release and arch non-empty. Other keys are ignored.
func ParseCommitMeta(r io.Reader, name string) ([]Package, error) {
	var doc map[string]json.RawMessage
	if err := decode(r, name, MaxCommitMetaJSON, &doc); err != nil {
		return nil, err
	}
	raw, ok := doc[pkglistKey]
	if !ok {
		return nil, &ParseError{Name: name, Field: pkglistKey, Msg: "missing"}
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, &ParseError{Name: name, Field: pkglistKey, Msg: "want an array of [name, epoch, version, release, arch]"}
	}
	out := make([]Package, 0, len(list))
	for i, e := range list {
		field := fmt.Sprintf("%s[%d]", pkglistKey, i)
		var parts []json.RawMessage
		if err := json.Unmarshal(e, &parts); err != nil || len(parts) != 5 {
			return nil, &ParseError{Name: name, Field: field, Msg: "want [name, epoch, version, release, arch]"}
		}
		var s [5]string
		for k, p := range parts {
			v, err := scalar(p, k == 1)
			if err != nil || k != 1 && v == "" {
				return nil, &ParseError{Name: name, Field: fmt.Sprintf("%s[%d]", field, k), Msg: fmt.Sprintf("want a non-empty string, found %s", clip(string(p)))}
			}
			s[k] = v
		}
		out = append(out, Package{Name: s[0], Epoch: s[1], Version: s[2], Release: s[3], Arch: s[4]})
	}
	return out, nil
}

// scalar is a JSON string, or with num a non-negative integer (an epoch).
func scalar(raw json.RawMessage, num bool) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	if num {
		var n uint32
		if err := json.Unmarshal(raw, &n); err == nil {
			return fmt.Sprint(n), nil
		}
	}
	return "", errors.New("not a string")
}

// kernelNames are the package names that carry a Fedora kernel's NVR, in
// the order asked: the kernel meta package, else kernel-core.
var kernelNames = []string{"kernel", "kernel-core"}

// Kernels returns the kernel packages of a package list: those named by the
// first of "kernel" and "kernel-core" the list has (one per distinct version-release.arch).
func Kernels(pkgs []Package) []Package {
	for _, n := range kernelNames {
		var out []Package
		for _, p := range pkgs {
			if p.Name == n && !containsUname(out, p.UnameR()) {
				out = append(out, p)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

func containsUname(ps []Package, u string) bool {
	for _, p := range ps {
		if p.UnameR() == u {
			return true
		}
	}
	return false
}

// decode reads one JSON document of at most max bytes into v.
func decode(r io.Reader, name string, max int64, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return &ParseError{Name: name, Msg: "read", Err: err}
	}
	if int64(len(data)) > max {
		return &ParseError{Name: name, Msg: fmt.Sprintf("larger than %d bytes", max)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return &ParseError{Name: name, Field: ute.Field, Msg: fmt.Sprintf("want %s, found %s", ute.Type, ute.Value)}
		}
		return &ParseError{Name: name, Msg: "not JSON", Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &ParseError{Name: name, Msg: "data after the top-level value"}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
