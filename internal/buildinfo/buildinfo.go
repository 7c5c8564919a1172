package buildinfo

import (
	"fmt"
	"runtime/debug"
)

// Version says which build this is: the module version and the VCS
// commit the go command stamped into the binary (go build in a checkout
// stamps vcs.revision; go install m@v stamps the version). Tests pass their
// own *debug.BuildInfo.
func Version(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "unknown (no build information in the binary)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev == "" {
		return v + " (no VCS commit recorded)"
	}
	if when != "" {
		when = ", " + when
	}
	return fmt.Sprintf("%s (commit %s%s%s)", v, rev, when, modified)
}
