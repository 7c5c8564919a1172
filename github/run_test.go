package github

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
)

func exitOf(err error) int {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return -1
}

func TestSettingsClient(t *testing.T) {
	env := func(tok string) func(string) string {
		return func(k string) string { return map[string]string{"GITHUB_TOKEN": tok}[k] }
	}
	flags := func(o string) string { return "--" + o }
	ok := Settings{URL: "http://127.0.0.1:9/", Timeout: time.Second, Getenv: env("t"), Log: &bytes.Buffer{}, Words: flags}
	if c, err := ok.Client(); err != nil || c == nil {
		t.Fatalf("valid settings: %v", err)
	}
	for _, c := range []struct {
		name   string
		change func(*Settings)
		has    string
	}{
		{"no token for a writer", func(s *Settings) { s.Getenv, s.Writes = env(""), "pr opens pull requests" }, "no GitHub token: set $GITHUB_TOKEN or --github-token-file (pr opens pull requests)"},
		{"negative interval", func(s *Settings) { s.WriteInterval = -time.Second }, "--write-interval"},
		{"zero timeout", func(s *Settings) { s.Timeout = 0 }, "--github-timeout > 0"},
		{"bad url", func(s *Settings) { s.URL = "ftp://x" }, "--github-url"},
	} {
		s := ok
		c.change(&s)
		_, err := s.Client()
		if exitOf(err) != matrixgen.ExitUsage || !strings.Contains(err.Error(), c.has) {
			t.Errorf("%s: %v, want a usage error with %q", c.name, err, c.has)
		}
	}
	s := ok
	s.URL, s.Words = "ftp://x", nil
	if _, err := s.Client(); err == nil || !strings.HasPrefix(err.Error(), "github-url: ") {
		t.Errorf("no vocabulary: %v, want the option as it is", err)
	}
	s = ok
	s.Getenv = env("")
	if _, err := s.Client(); err != nil {
		t.Errorf("a reader needs no token: %v", err)
	}
}

func TestResultLineAndOutputs(t *testing.T) {
	r := Result{Status: "created", Branch: "add-kernel/debian/12/x86_64/6-1-0-28-amd64", Detail: "PR opened", PR: 7, PRURL: "http://127.0.0.1:9/pull/7"}
	if got, want := r.Line(), "matrixgen: created: add-kernel/debian/12/x86_64/6-1-0-28-amd64: PR opened (PR #7 http://127.0.0.1:9/pull/7)"; got != want {
		t.Errorf("Line %q, want %q", got, want)
	}
	outs := r.Outputs()
	if len(outs) != 4 || outs[2].Name != "pr_number" || outs[2].Value != "7" || outs[3].Value != r.PRURL {
		t.Errorf("Outputs %+v", outs)
	}
	r.PR, r.PRURL = 0, ""
	if outs := r.Outputs(); outs[2].Value != "" || strings.Contains(r.Line(), "PR #") {
		t.Errorf("no PR: %+v, %q", outs, r.Line())
	}
}

// TestRunChecksBeforeGitHub: a FILE that cannot be published and a file
// with no kernels are answered before any client is made.
func TestRunChecksBeforeGitHub(t *testing.T) {
	made := 0
	run := Run{Client: func() (*Client, error) { made++; return nil, errors.New("no client in this test") }, Log: &bytes.Buffer{}}
	dir := t.TempDir()
	po := PublishOptions{Repo: Repo{Owner: "acme", Name: "drivers"}, DriverVersion: "570.1"}
	for _, files := range [][]string{{dir}, {filepath.Join(dir, "nosuch.deb")}} {
		err := run.Publish(context.Background(), po, files, nil, false)
		if exitOf(err) != matrixgen.ExitUsage || !strings.Contains(err.Error(), "FILE "+files[0]) {
			t.Errorf("publish %v: %v, want a usage error naming the file", files, err)
		}
	}
	if made != 0 {
		t.Errorf("a client was made %d times before the files were checked", made)
	}
	f := filepath.Join(dir, "driver.deb")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run.Publish(context.Background(), po, []string{f}, nil, false); err == nil || made != 1 {
		t.Errorf("a good file: %v, %d clients made", err, made)
	}
	var log bytes.Buffer
	run = Run{Client: func() (*Client, error) {
		return Settings{URL: "http://127.0.0.1:9/", Timeout: time.Second, Getenv: func(string) string { return "" }, Log: &log}.Client()
	}, Log: &log}
	if err := run.AddKernels(context.Background(), BotOptions{Repo: po.Repo}, []byte(`{"x86_64": []}`), "empty.json", Batch{MaxPRs: 1}); err != nil || !strings.Contains(log.String(), "empty.json holds no kernels: nothing to do") {
		t.Errorf("no kernels: %v; log %q", err, log.String())
	}
}

// TestAddKernelsFromUnreadable: a --from that cannot be read is named in
// the caller's words, before any client is made.
func TestAddKernelsFromUnreadable(t *testing.T) {
	made := 0
	run := Run{Client: func() (*Client, error) { made++; return nil, errors.New("no client in this test") }, Log: &bytes.Buffer{},
		Words: func(o string) string { return "--" + o }}
	bo := BotOptions{Repo: Repo{Owner: "acme", Name: "drivers"}}
	missing := filepath.Join(t.TempDir(), "nosuch.json")
	err := run.AddKernelsFrom(context.Background(), bo, missing, strings.NewReader(""), Batch{MaxPRs: 1})
	if err == nil || !strings.HasPrefix(err.Error(), "--from: ") || !strings.Contains(err.Error(), "nosuch.json") || made != 0 {
		t.Errorf("err %v, %d clients made; want --from named first and no client", err, made)
	}
}
