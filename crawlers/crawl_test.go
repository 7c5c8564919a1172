package crawlers

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// refuseAll records every request and refuses it: a Job that must not
// reach the network can prove it did not.
type refuseAll struct{ n int }

func (r *refuseAll) RoundTrip(*http.Request) (*http.Response, error) {
	r.n++
	return nil, errors.New("no network in this test")
}

// TestJobValidate: the values no crawl can use are usage errors naming
// the option, and Crawl refuses them before any request or file write.
func TestJobValidate(t *testing.T) {
	rt := &refuseAll{}
	ok := Job{Request: Request{Concurrency: 1, FCOSBuilds: 1, Arches: []matrixgen.Arch{matrixgen.X86_64}},
		Fetch: fetch.Options{RequestTimeout: time.Minute, Transport: rt}, Timeout: time.Minute}
	for _, tt := range []struct {
		option string
		edit   func(*Job)
	}{
		{"timeout", func(j *Job) { j.Timeout = 0 }},
		{"fcos-builds", func(j *Job) { j.FCOSBuilds = 0 }},
		{"request-timeout", func(j *Job) { j.Fetch.RequestTimeout = -time.Second }},
		{"concurrency", func(j *Job) { j.Concurrency = 0 }},
	} {
		j := ok
		tt.edit(&j)
		out := filepath.Join(t.TempDir(), "list.json")
		var summary bytes.Buffer
		j.Output = &Output{File: out, Summary: &summary}
		var ue *matrixgen.UsageError
		if err := j.Crawl(context.Background()); !errors.As(err, &ue) || ue.Option != tt.option {
			t.Errorf("%s: %v, want a usage error naming it", tt.option, err)
		}
		if rt.n != 0 || summary.Len() != 0 {
			t.Errorf("%s: %d requests, summary %q before the refusal", tt.option, rt.n, summary.String())
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("a valid job: %v", err)
	}
}

// TestLoopbackOptIn: a loopback address is allowed when the user named one,
// as a --mirror or as the target of a --registry rewrite; not otherwise.
func TestLoopbackOptIn(t *testing.T) {
	public := map[string]string{"openshift": "https://mirror.openshift.com/pub/openshift-v4"}
	for _, tt := range []struct {
		name string
		req  Request
		want bool
	}{
		{"public mirrors", Request{Mirrors: public}, false},
		{"loopback mirror", Request{Mirrors: map[string]string{"debian": "http://127.0.0.1:8080/debian"}}, true},
		{"loopback registry rewrite", Request{Mirrors: public, Registries: []string{"quay.io=http://localhost:5000"}}, true},
		{"public registry rewrite", Request{Registries: []string{"quay.io=https://mirror.example:5000"}}, false},
	} {
		if got := loopbackOptIn(tt.req); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
