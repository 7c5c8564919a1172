package openshift

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// graph is the part of an upgrade-graph (Cincinnati v1) answer read here.
type graph struct {
	Nodes []struct {
		Version string `json:"version"`
		Payload string `json:"payload"`
	} `json:"nodes"`
}

// ZStreams returns the generally available versions of minor ("4.15") in
// an upgrade graph, oldest first. A stable-<minor> channel also lists the
// previous minor's versions (the upgrade sources) and may list none of
// minor yet; pre-releases (4.16.0-rc.1) are never z-streams.
func ZStreams(data []byte, minor string) ([]string, error) {
	var g graph
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("upgrade graph: %w", err)
	}
	var out []string
	for _, n := range g.Nodes {
		z, ok := strings.CutPrefix(n.Version, minor+".")
		if !ok || !isNumber(z) {
			continue
		}
		if !slices.Contains(out, n.Version) {
			out = append(out, n.Version)
		}
	}
	slices.SortFunc(out, CompareVersions)
	return out, nil
}

func isNumber(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CompareVersions orders dotted numeric versions ("4.15.9" < "4.15.10").
func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range min(len(as), len(bs)) {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			if c := strings.Compare(as[i], bs[i]); c != 0 {
				return c
			}
			continue
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(as) - len(bs)
}

// ParseMinor checks a --release value: an OpenShift 4 minor ("4.15").
func ParseMinor(s string) (major, minor int, err error) {
	a, b, ok := strings.Cut(s, ".")
	if !ok || !isNumber(a) || !isNumber(b) {
		return 0, 0, fmt.Errorf("%q is not an OpenShift minor (want 4.15)", s)
	}
	major, _ = strconv.Atoi(a)
	minor, _ = strconv.Atoi(b)
	if major != 4 {
		return 0, 0, fmt.Errorf("%q is not an OpenShift 4 minor", s)
	}
	return major, minor, nil
}
