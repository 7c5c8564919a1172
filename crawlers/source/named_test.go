package source

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
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

// TestReadNamed: known names are read in order and handed on; a known name
// whose file fails is a failure on each arch naming the release, source
// and URL; a probe the host has no file for is left out, one it has is
// matched and discovered, and one that fails otherwise is matched,
// discovered and a failure.
func TestReadNamed(t *testing.T) {
	refused := errors.New("connection refused")
	files := map[string]error{
		"/stable": nil, "/beta": refused,
		"/lts-2030": nil, "/nightly": &fetch.HTTPError{StatusCode: 404}, "/gone": &fetch.HTTPError{StatusCode: 410}, "/flaky": &fetch.HTTPError{StatusCode: 500},
	}
	arches := []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}
	plan := &Plan{Matched: []string{"stable"}}
	var read, added []string
	ReadNamed(plan, JobInfo{Distro: "flatcar", Distribution: "flatcar"}, arches,
		[]string{"stable", "beta"}, []string{"lts-2030", "nightly", "gone", "flaky"},
		func(name string) (string, string) { return "releases-" + name + ".json", "/" + name },
		func(url string) (string, error) {
			read = append(read, url)
			err, ok := files[url]
			if !ok {
				t.Fatalf("read %s: not a file of the test", url)
			}
			return "body of " + url, err
		},
		func(name, url, v string) { added = append(added, name+" "+url+" "+v) })
	if want := []string{"/stable", "/beta", "/lts-2030", "/nightly", "/gone", "/flaky"}; !slices.Equal(read, want) {
		t.Errorf("read %v, want %v", read, want)
	}
	if want := []string{"stable /stable body of /stable", "lts-2030 /lts-2030 body of /lts-2030"}; !slices.Equal(added, want) {
		t.Errorf("added %v, want %v", added, want)
	}
	if want := []string{"stable", "lts-2030", "flaky"}; !slices.Equal(plan.Matched, want) {
		t.Errorf("matched %v, want %v", plan.Matched, want)
	}
	if want := []string{"lts-2030", "flaky"}; !slices.Equal(plan.Discovered, want) {
		t.Errorf("discovered %v, want %v", plan.Discovered, want)
	}
	var got []string
	for _, f := range plan.Failures {
		if f.Job.Distro != "flatcar" || f.Job.Distribution != "flatcar" {
			t.Errorf("failure %v: job %+v", f, f.Job)
		}
		got = append(got, fmt.Sprintf("%s %s %s %s %v", f.Job.Release, f.Job.Arch, f.Source, f.URL, f.Err))
	}
	want := []string{
		"beta x86_64 releases-beta.json /beta connection refused",
		"beta aarch64 releases-beta.json /beta connection refused",
		"flaky x86_64 releases-flaky.json /flaky " + files["/flaky"].Error(),
		"flaky aarch64 releases-flaky.json /flaky " + files["/flaky"].Error(),
	}
	if !slices.Equal(got, want) {
		t.Errorf("failures\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
