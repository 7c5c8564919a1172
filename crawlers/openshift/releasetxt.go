package openshift

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// ReleaseInfo is what a release.txt (the output of `oc adm release info`
// that mirror.openshift.com publishes beside each release's clients) says.
type ReleaseInfo struct {
	Name     string // "4.15.3"
	Digest   string // the release image's digest
	PullFrom string // quay.io/openshift-release-dev/ocp-release@sha256:…
	// MachineOS is the RHCOS build ("415.92.202403191241-0"), "" when not listed.
	MachineOS string
	// Images maps a component's tag name to its digest ("sha256:…") or, in
	// releases whose table has a PULL SPEC column, its whole pull spec.
	Images map[string]string
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// ParseReleaseTxt reads a release.txt. It needs a Name and an Images
// table; other sections (Release Metadata, the mirror's "Client tools"
// banner) are skipped.
func ParseReleaseTxt(data []byte) (*ReleaseInfo, error) {
	info := &ReleaseInfo{Images: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	section := ""
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), " \t\r")
		if text == "" {
			if section == "images" && len(info.Images) > 0 {
				section = ""
			}
			continue
		}
		indented := text[0] == ' ' || text[0] == '\t'
		if !indented {
			section = ""
			key, value, ok := strings.Cut(text, ":")
			if !ok {
				continue
			}
			value = strings.TrimSpace(value)
			switch key {
			case "Name":
				info.Name = value
			case "Digest":
				info.Digest = value
			case "Pull From":
				info.PullFrom = value
			case "Component Versions":
				section = "components"
			case "Images":
				section = "images"
			}
			continue
		}
		fields := strings.Fields(text)
		switch section {
		case "components":
			if len(fields) >= 2 && fields[0] == "machine-os" {
				info.MachineOS = fields[1]
			}
		case "images":
			if len(fields) < 2 || fields[0] == "NAME" {
				continue
			}
			if len(fields) != 2 {
				return nil, fmt.Errorf("release.txt line %d: want NAME and DIGEST, got %q", line, text)
			}
			ref := fields[1]
			d := ref
			if _, after, ok := strings.Cut(ref, "@"); ok {
				d = after
			}
			if !digestRE.MatchString(d) {
				return nil, fmt.Errorf("release.txt line %d: image %s: %q is not a sha256 digest", line, fields[0], ref)
			}
			info.Images[fields[0]] = ref
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("release.txt: %w", err)
	}
	if info.Name == "" {
		return nil, fmt.Errorf("release.txt: no Name line")
	}
	if len(info.Images) == 0 {
		return nil, fmt.Errorf("release.txt of %s: no Images table", info.Name)
	}
	return info, nil
}

// Image returns the pull spec of the component tag name, in repo when the
// table gives a bare digest; "" when the release has no such tag.
func (r *ReleaseInfo) Image(name, repo string) string {
	ref, ok := r.Images[name]
	if !ok {
		return ""
	}
	if strings.Contains(ref, "@") {
		return ref
	}
	return repo + "@" + ref
}

// CoreOSTag is the tag of the release's RHCOS node image: rhel-coreos, or
// where a release names it per RHEL major only, the highest rhel-coreos-<N>.
func (r *ReleaseInfo) CoreOSTag() (string, bool) {
	if _, ok := r.Images["rhel-coreos"]; ok {
		return "rhel-coreos", true
	}
	best, bestN := "", -1
	for name := range r.Images {
		n, ok := strings.CutPrefix(name, "rhel-coreos-")
		if !ok {
			continue
		}
		v := 0
		for _, c := range n {
			if c < '0' || c > '9' || v > 1000 {
				v = -1
				break
			}
			v = v*10 + int(c-'0')
		}
		if n != "" && v > bestN {
			best, bestN = name, v
		}
	}
	return best, best != ""
}
