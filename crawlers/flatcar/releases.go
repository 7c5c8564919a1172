package flatcar

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/matrixgen/matrixgen"
)

// MaxReleasesJSON caps one releases-<channel>.json. The largest real one,
// releases-stable.json, was 926 KB with 137 releases in 2026-08 (most of it
// release notes); alpha's grows a little faster.
const MaxReleasesJSON = 32 << 20

// LocalVersion ends every Flatcar kernel release: uname -r is the upstream
// kernel version the release lists plus "-flatcar" ("6.12.102-flatcar").
const LocalVersion = "-flatcar"

// Release is one Flatcar release of a releases JSON.
type Release struct {
	Version string // the Flatcar release, the file's key: "4593.2.5"
	Channel string // its "channel": "stable", "beta", "alpha", "lts", "edge"
	Kernel  string // major_software.kernel: the upstream version "6.12.102"
	// Arches are the entry's "architectures" matrixgen builds for, in the
	// file's order ("amd64" → x86_64, "arm64" → aarch64); others are ignored.
	Arches []matrixgen.Arch
	Date   string // release_date as written ("2026-08-13 15:48:35 +0000")
}

// UnameR is the release's kernel as uname -r prints it on the node.
func (r Release) UnameR() string { return r.Kernel + LocalVersion }

// Board is Flatcar's name for an arch in its release server paths
// (amd64-usr, arm64-usr), "" for an arch Flatcar does not ship.
func Board(a matrixgen.Arch) string {
	switch a {
	case matrixgen.X86_64:
		return "amd64-usr"
	case matrixgen.AArch64:
		return "arm64-usr"
	}
	return ""
}

// ParseError is a releases JSON that is not one: it names the file and,
// where one is at fault, the release and field.
type ParseError struct {
	Name    string // URL or file
	Release string // the entry's key; "" for the document itself
	Field   string // "major_software.kernel"; "" when none
	Msg     string
	Err     error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.Name)
	if e.Release != "" {
		fmt.Fprintf(&b, ": release %q", e.Release)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", e.Field)
	}
	if e.Msg != "" {
		b.WriteString(": " + e.Msg)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

var (
	// reVersion is a Flatcar release: BUILD.BRANCH.PATCH ("4593.2.5").
	// Other keys ("current", "current-2021") repeat a release and are skipped.
	reVersion = regexp.MustCompile(`^[0-9]{1,6}\.[0-9]{1,4}\.[0-9]{1,4}$`)
	// reKernel is an upstream kernel version as the lists write it.
	reKernel = regexp.MustCompile(`^[0-9]{1,2}\.[0-9]{1,3}(\.[0-9]{1,4})?$`)
	// reChannel: the channel names a host (<channel>.release.flatcar-linux.net).
	reChannel = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
)

// entry is the part of a release entry matrixgen reads; release_notes and
// the other major_software lists are ignored, as are fields added later.
type entry struct {
	Channel       *string   `json:"channel"`
	Architectures *[]string `json:"architectures"`
	ReleaseDate   string    `json:"release_date"`
	MajorSoftware *struct {
		Kernel *[]string `json:"kernel"`
	} `json:"major_software"`
}

// ParseReleases reads a releases JSON (name is its URL or file, for
// errors): an object keyed by release, plus "current" keys that repeat the
// newest. Each release needs channel, architectures and exactly one
// major_software.kernel (a release boots one kernel); a missing or
// malformed one is an error naming the file, the release and the field.
// Unknown fields are ignored. Releases come back in version order, oldest
// first; at most MaxReleasesJSON bytes are read.
func ParseReleases(r io.Reader, name string) ([]Release, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxReleasesJSON+1))
	if err != nil {
		return nil, &ParseError{Name: name, Msg: "read", Err: err}
	}
	if len(data) > MaxReleasesJSON {
		return nil, &ParseError{Name: name, Msg: fmt.Sprintf("larger than %d bytes", MaxReleasesJSON)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var doc map[string]json.RawMessage
	if err := dec.Decode(&doc); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return nil, &ParseError{Name: name, Msg: "want an object keyed by release, found " + ute.Value}
		}
		return nil, &ParseError{Name: name, Msg: "not JSON", Err: err}
	}
	if doc == nil {
		return nil, &ParseError{Name: name, Msg: "want an object keyed by release, found null"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ParseError{Name: name, Msg: "data after the top-level object"}
	}
	var out []Release
	for _, key := range slices.Sorted(maps.Keys(doc)) { // the first bad release is always the same one
		if !reVersion.MatchString(key) {
			continue // "current", "current-2021": a copy of a release
		}
		rel, err := parseEntry(doc[key], name, key)
		if err != nil {
			return nil, err
		}
		out = append(out, rel)
	}
	slices.SortFunc(out, func(a, b Release) int { return compareVersions(a.Version, b.Version) })
	return out, nil
}

func parseEntry(raw json.RawMessage, name, key string) (Release, error) {
	fail := func(field, msg string) (Release, error) {
		return Release{}, &ParseError{Name: name, Release: key, Field: field, Msg: msg}
	}
	var e entry
	if err := json.Unmarshal(raw, &e); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return fail(ute.Field, fmt.Sprintf("want %s, found %s", ute.Type, ute.Value))
		}
		return Release{}, &ParseError{Name: name, Release: key, Msg: "want an object", Err: err}
	}
	rel := Release{Version: key, Date: e.ReleaseDate}
	switch {
	case e.Channel == nil:
		return fail("channel", "missing")
	case !reChannel.MatchString(*e.Channel):
		return fail("channel", fmt.Sprintf("%q is not a channel name (lower-case letters, digits, -)", clip(*e.Channel)))
	}
	rel.Channel = *e.Channel
	if e.Architectures == nil {
		return fail("architectures", "missing")
	}
	for _, a := range *e.Architectures {
		var arch matrixgen.Arch
		switch a {
		case "amd64":
			arch = matrixgen.X86_64
		case "arm64":
			arch = matrixgen.AArch64
		default:
			continue // an arch matrixgen does not build for
		}
		if !slices.Contains(rel.Arches, arch) {
			rel.Arches = append(rel.Arches, arch)
		}
	}
	if e.MajorSoftware == nil {
		return fail("major_software", "missing")
	}
	if e.MajorSoftware.Kernel == nil {
		return fail("major_software.kernel", "missing")
	}
	ks := *e.MajorSoftware.Kernel
	if len(ks) != 1 {
		return fail("major_software.kernel", fmt.Sprintf("lists %d versions, want the one kernel the release boots", len(ks)))
	}
	if !reKernel.MatchString(ks[0]) {
		return fail("major_software.kernel", fmt.Sprintf("%q is not a kernel version (6.12.102)", clip(ks[0])))
	}
	rel.Kernel = ks[0]
	if err := matrixgen.ValidateRelease(rel.UnameR()); err != nil {
		return fail("major_software.kernel", err.Error())
	}
	return rel, nil
}

// compareVersions orders BUILD.BRANCH.PATCH numerically.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range min(len(as), len(bs)) {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(as), len(bs))
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
