package source

import (
	"errors"
	"slices"
	"testing"

	"github.com/matrixgen/matrixgen"
)

// TestNamed: the defaults when nothing is named; named known ones in order,
// once; unknown ones probed only under --discover and only when they are a
// safe path segment; an unknown one without --discover is a usage error
// naming the option and the known names.
func TestNamed(t *testing.T) {
	defaults, others := []string{"stable", "beta"}, []string{"edge"}
	for _, tt := range []struct {
		name                  string
		releases              []string
		discover              bool
		names, probe, matched []string
		wantErr               string
	}{
		{"defaults", nil, false, defaults, nil, nil, ""},
		{"known, once", []string{"edge", "stable", "edge"}, false, []string{"edge", "stable"}, nil, []string{"edge", "stable", "edge"}, ""},
		{"unknown", []string{"lts-2030"}, false, nil, nil, nil, `flatcar/lts-2030: not a channel of flatcar (known: stable, beta, edge)`},
		{"discover", []string{"lts-2030", "stable", "../x", "lts-2030"}, true, []string{"stable"}, []string{"lts-2030"}, []string{"stable"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			names, probe, matched, err := Named("flatcar", "channel", defaults, others, PlanRequest{Releases: tt.releases, Options: Options{Discover: tt.discover}})
			var ue *matrixgen.UsageError
			if tt.wantErr != "" {
				if !errors.As(err, &ue) || ue.Option != "release" || ue.Msg != tt.wantErr {
					t.Fatalf("err %v, want a usage error of release: %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(names, tt.names) || !slices.Equal(probe, tt.probe) || !slices.Equal(matched, tt.matched) {
				t.Errorf("got %v %v %v %v, want %v %v %v", names, probe, matched, err, tt.names, tt.probe, tt.matched)
			}
		})
	}
}
