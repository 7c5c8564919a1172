package crawlers

import (
	"context"
	"slices"
	"testing"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// plannedDist is a distribution that records being planned and plans no job.
type plannedDist struct {
	name    string
	optIn   bool
	planned *[]string
}

func (d *plannedDist) Name() string               { return d.name }
func (d *plannedDist) Aliases() []string          { return nil }
func (d *plannedDist) Mirrors() map[string]string { return map[string]string{} }
func (d *plannedDist) Releases() []string         { return []string{d.name + "-1"} }
func (d *plannedDist) OptIn() bool                { return d.optIn }
func (d *plannedDist) Plan(_ context.Context, _ source.Fetcher, req source.PlanRequest) (*source.Plan, error) {
	*d.planned = append(*d.planned, d.name)
	return &source.Plan{Matched: req.Releases}, nil
}

// TestOptInDistribution: a crawl of every distribution leaves an opt-in
// one (RHCOS, which needs a pull secret) out; --distro or a
// DISTRO/RELEASE naming it asks for it.
func TestOptInDistribution(t *testing.T) {
	tests := []struct {
		name     string
		distros  []string
		releases []string
		want     []string
	}{
		{"every distribution", nil, nil, []string{"plain"}},
		{"named", []string{"optin"}, nil, []string{"optin"}},
		{"named with the rest", []string{"plain", "optin"}, nil, []string{"plain", "optin"}},
		{"a release of it", nil, []string{"optin/4.15"}, []string{"optin"}},
		{"a release of another", nil, []string{"plain/1"}, []string{"plain"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var planned []string
			table := []source.Distribution{&plannedDist{name: "plain", planned: &planned}, &plannedDist{name: "optin", optIn: true, planned: &planned}}
			if _, err := Run(context.Background(), fetch.New(fetch.Options{Retries: -1}), Request{Table: table, Distros: tc.distros, Releases: tc.releases}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(planned, tc.want) {
				t.Errorf("planned %v, want %v", planned, tc.want)
			}
		})
	}
}
