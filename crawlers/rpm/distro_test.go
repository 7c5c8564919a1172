package rpm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// TestJobMergesRepositories: a kernel two repositories of one release list
// (a mirror and its copy) is one kernel with both repositories' header URLs.
func TestJobMergesRepositories(t *testing.T) {
	a := httptest.NewServer(http.FileServer(http.Dir(mirrorRoot)))
	defer a.Close()
	b := httptest.NewServer(http.FileServer(http.Dir(mirrorRoot)))
	defer b.Close()
	d := &Distribution{
		ID: "rocky", Kernels: matrixgen.Rocky,
		Defaults: map[string]string{"a": a.URL, "b": b.URL},
		Table:    []string{"9"},
		Repos: func(r Rel, arch string) []RepoRef {
			p := "rocky/" + r.Name + "/AppStream/" + arch + "/os/"
			return []RepoRef{{Name: "AppStream", MirrorKey: "a", Path: p}, {Name: "AppStream copy", MirrorKey: "b", Path: p}}
		},
	}
	f := fetch.New(fetch.Options{Retries: -1})
	plan, err := d.Plan(context.Background(), f, source.PlanRequest{Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: map[string]string{"a": a.URL, "b": b.URL}})
	if err != nil || len(plan.Jobs) != 1 {
		t.Fatalf("Plan = %+v, %v", plan, err)
	}
	res := plan.Jobs[0].Crawl(context.Background(), f, nil)
	if res.Failed() || len(res.Kernels) != 1 {
		t.Fatalf("crawl: %+v", res)
	}
	k := res.Kernels[0]
	if k.Release != "5.14.0-503.14.1.el9_5.x86_64" || k.DistroVersion != "9" {
		t.Errorf("kernel = %+v", k)
	}
	var hosts []string
	for _, h := range k.Headers {
		for _, srv := range []string{a.URL, b.URL} {
			if strings.HasPrefix(h, srv+"/") && !slices.Contains(hosts, srv) {
				hosts = append(hosts, srv)
			}
		}
	}
	if len(hosts) != 2 || len(k.Headers) != 2 {
		t.Errorf("headers %v: want one URL from each repository", k.Headers)
	}
}
