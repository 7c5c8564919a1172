package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/falco"
)

// TestCrawlFleetJSON: crawl --distro fedora-coreos (and its alias fcos)
// reads the streams' newest --fcos-builds builds and lists their kernels
// under fedora with their stream and build; crawl --distro flatcar lists a
// channel's releases under flatcar; --fcos-builds below 1 is a usage error.
func TestCrawlFleetJSON(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir("../../fixtures")))
	t.Cleanup(srv.Close)
	read := func(path string) []string {
		t.Helper()
		ks, probs, err := falco.ReadFile(path, matrixgen.X86_64)
		if err != nil || len(probs) > 0 {
			t.Fatalf("%s: %v %v", path, err, probs)
		}
		var out []string
		for _, k := range ks {
			out = append(out, strings.Join([]string{k.Distribution, k.DistroVersion, k.Release, k.Origin, k.Stream, k.Build}, " "))
		}
		slices.Sort(out)
		return out
	}
	for _, name := range []string{"fedora-coreos", "fcos"} {
		out := filepath.Join(t.TempDir(), "list.json")
		r := runCLI(t, "", nil, "crawl", "--distro", name, "--no-cache", "--fcos-builds", "2", "--out", out,
			"--mirror", "fedora-coreos="+srv.URL+"/fedora-coreos", "--mirror", "koji-fedora-files=http://files.invalid")
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", name, r.code, r.stderr)
		}
		// The two newest builds of stable, testing and next.
		want := []string{
			"fedora 44 7.0.7-200.fc44.x86_64 fedora-coreos next 44.20260426.1.1",
			"fedora 44 7.0.8-200.fc44.x86_64 fedora-coreos stable 44.20260621.3.1",
			"fedora 44 7.1.3-200.fc44.x86_64 fedora-coreos stable 44.20260707.3.1",
		}
		if got := read(out); !slices.Equal(got, want) {
			t.Errorf("%s: kernels\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	out := filepath.Join(t.TempDir(), "list.json")
	r := runCLI(t, "", nil, "crawl", "--distro", "flatcar", "--release", "flatcar/stable", "--no-cache", "--out", out,
		"--mirror", "flatcar="+srv.URL+"/flatcar/releases-json")
	if r.code != 0 {
		t.Fatalf("flatcar: exit %d\n%s", r.code, r.stderr)
	}
	got := read(out)
	if len(got) != 7 || got[0] != "flatcar 1688.5.3 4.14.32-flatcar   " || got[6] != "flatcar 4593.2.5 6.12.102-flatcar   " {
		t.Errorf("flatcar kernels\n%s", strings.Join(got, "\n"))
	}
	for _, n := range []string{"0", "-1"} {
		r := runCLI(t, "", nil, "crawl", "--distro", "fedora-coreos", "--fcos-builds", n)
		if r.code != matrixgen.ExitUsage || !strings.Contains(r.stderr, "--fcos-builds "+n+": want 1 or more") {
			t.Errorf("--fcos-builds %s: exit %d, stderr %q", n, r.code, r.stderr)
		}
	}
}
