package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestVersion(t *testing.T) {
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no info", nil, false, "unknown (no build information in the binary)"},
		{"go install m@v", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, true, "v1.2.3 (no VCS commit recorded)"},
		{"checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "ce6ca1d0"}, {Key: "vcs.time", Value: "2026-11-30T01:00:00Z"}, {Key: "vcs.modified", Value: "true"},
		}}, true, "(devel) (commit ce6ca1d0, 2026-11-30T01:00:00Z, modified)"},
	}
	for _, tt := range tests {
		if got := Version(tt.bi, tt.ok); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
