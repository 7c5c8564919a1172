package rpm

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
	"github.com/matrixgen/matrixgen/internal/transport"
)

// maxMirrorList caps a mirror.list: real ones are one URL (FORMATS.md § Amazon Linux).
const maxMirrorList = 64 << 10

// ParseMirrorList returns the repository base an Amazon Linux mirror.list names: its first
// non-empty line, with $basearch replaced by arch's repository arch (aarch64 for
// aarch64+64k), and exactly one trailing slash (real bodies have one or none, and no final
// newline). Other lines are ignored, as dnf's first-mirror choice and Falco's crawler do,
// except that a line pointing at a special address (link-local, cloud metadata, loopback
// unless the mirror.list itself came from loopback: transport.CheckURL) is dropped, named in
// the returned warnings, and the next line is taken. An empty body, a line that is not an
// absolute http(s) URL, or no usable line is an error naming name.
func ParseMirrorList(data []byte, name string, arch matrixgen.Arch) (base string, warnings []string, err error) {
	n, seen := 0, false
	for l := range strings.Lines(string(data)) {
		n++
		line := strings.TrimSpace(l)
		if line == "" {
			continue
		}
		seen = true
		line = strings.ReplaceAll(line, "$basearch", string(arch.Target()))
		u, err := url.Parse(line)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(line, " \t$") {
			return "", warnings, &ParseError{Name: name, Line: n, Msg: fmt.Sprintf("mirror.list line %q is not an absolute http(s) URL", clip([]byte(line), 200))}
		}
		if err := transport.CheckURL(line, transport.IsLoopback(name)); err != nil {
			warnings = append(warnings, fmt.Sprintf("%s:%d: mirror.list line dropped: %v", name, n, err))
			continue
		}
		return strings.TrimRight(line, "/") + "/", warnings, nil
	}
	if !seen {
		return "", nil, &ParseError{Name: name, Msg: "empty mirror.list"}
	}
	return "", warnings, &ParseError{Name: name, Msg: fmt.Sprintf("mirror.list names no usable mirror (%s)", strings.Join(warnings, "; "))}
}

// ResolveMirrorList fetches a mirror.list and returns the repository base it names, with
// the warnings of the lines it dropped.
func ResolveMirrorList(ctx context.Context, f source.Fetcher, listURL string, arch matrixgen.Arch) (string, []string, error) {
	data, err := f.Get(ctx, fetch.Request{URL: listURL, MaxBytes: maxMirrorList})
	if err != nil {
		return "", nil, err
	}
	return ParseMirrorList(data, listURL, arch)
}

// Release is one release listed by an Amazon Linux releasemd.xml.
type Release struct {
	Version string // e.g. "2023.6.20241212"
	Updates []ReleaseUpdate
}

// ReleaseUpdate is a release's <update> entry: the release it updates to.
type ReleaseUpdate struct {
	Name          string
	VersionString string
	ReleaseNotes  string
}

// ParseReleaseMD reads an Amazon Linux releasemd.xml (name is its URL, for errors). The file
// declares encoding="utf8", which encoding/xml refuses without a CharsetReader: the UTF-8
// spellings are accepted as UTF-8, any other encoding is an error.
func ParseReleaseMD(r io.Reader, name string) ([]Release, error) {
	var doc struct {
		XMLName  xml.Name `xml:"root"`
		Releases []struct {
			Version string `xml:"version,attr"`
			Updates []struct {
				Name          string `xml:"name"`
				VersionString string `xml:"version_string"`
				ReleaseNotes  string `xml:"release_notes"`
			} `xml:"update"`
		} `xml:"releases>release"`
	}
	d := xml.NewDecoder(io.LimitReader(r, maxRepomd))
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf8", "utf-8", "us-ascii", "ascii":
			return in, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	if err := d.Decode(&doc); err != nil {
		line, _ := d.InputPos()
		return nil, &ParseError{Name: name, Line: line, Msg: "releasemd.xml", Err: err}
	}
	out := make([]Release, 0, len(doc.Releases))
	for _, x := range doc.Releases {
		v := strings.TrimSpace(x.Version)
		if v == "" || !validReleaseVersion(v) {
			return nil, &ParseError{Name: name, Msg: fmt.Sprintf("release version %q: want digits and dots", x.Version)}
		}
		rel := Release{Version: v}
		for _, u := range x.Updates {
			rel.Updates = append(rel.Updates, ReleaseUpdate{Name: strings.TrimSpace(u.Name), VersionString: strings.TrimSpace(u.VersionString), ReleaseNotes: strings.TrimSpace(u.ReleaseNotes)})
		}
		out = append(out, rel)
	}
	return out, nil
}

// validReleaseVersion: release versions go into mirror URLs (mirrors/<version>/<arch>/).
func validReleaseVersion(v string) bool {
	return len(v) <= 64 && strings.Trim(v, "0123456789.") == "" && !bytes.Contains([]byte(v), []byte(".."))
}
