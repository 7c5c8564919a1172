package githubsvc

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github"
)

// refuse is a transport that records and refuses every request: Serve's
// settings are checked before GitHub is asked anything.
type refuse struct{ n int }

func (r *refuse) RoundTrip(*http.Request) (*http.Response, error) {
	r.n++
	return nil, errors.New("no network in this test")
}

func TestServeSettings(t *testing.T) {
	rt := &refuse{}
	base := Settings{Listen: "127.0.0.1:0", Store: "sqlite:" + filepath.Join(t.TempDir(), "b.db"), Repo: "acme/drivers",
		GitHub: github.Settings{URL: "http://127.0.0.1:9/", Timeout: time.Second, Getenv: func(string) string { return "t" }, Transport: rt},
		Getenv: func(string) string { return "" }, Words: func(o string) string { return "--" + o }}
	for _, c := range []struct {
		name   string
		change func(*Settings)
		has    string
	}{
		{"bad repo", func(s *Settings) { s.Repo = "acme" }, `--repo: repository "acme"`},
		{"bad default version", func(s *Settings) { s.DefaultVersions = []string{"ubuntu"} }, `default-distro-version "ubuntu": want DIST=V`},
		{"unreadable auth token", func(s *Settings) { s.AuthTokenFile = filepath.Join(t.TempDir(), "nosuch") }, "--auth-token-file"},
		{"no GitHub token", func(s *Settings) {
			s.GitHub.Getenv = func(string) string { return "" }
			s.GitHub.Writes = "serve dispatches"
		}, "no GitHub token"},
		{"bad store", func(s *Settings) { s.Store = "mysql://x" }, "store"},
	} {
		s := base
		var log bytes.Buffer
		s.Log = &log
		c.change(&s)
		err := Serve(context.Background(), s)
		var ec interface{ ExitCode() int }
		if !errors.As(err, &ec) || ec.ExitCode() != matrixgen.ExitUsage || !strings.Contains(err.Error(), c.has) {
			t.Errorf("%s: %v, want a usage error with %q", c.name, err, c.has)
		}
	}
	if rt.n != 0 {
		t.Errorf("%d requests sent to GitHub", rt.n)
	}
}
