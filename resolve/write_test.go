package resolve

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

func TestWrite(t *testing.T) {
	koji := "koji"
	found := &Result{Target: "fedora", Release: "6.16.8-100.fc41.x86_64", Arch: "x86_64", Link: &koji, Source: "koji-fedora",
		URLs: []string{"http://127.0.0.1:9/kernel-devel-6.16.8-100.fc41.x86_64.rpm"}, Verified: true,
		Tried: []Attempt{{Link: "repo", Source: "fedora", URL: "http://127.0.0.1:9/repodata/repomd.xml", Error: "not in the repository"}}}
	missing := &Result{Target: "fedora", Release: "6.16.8-100.fc41.x86_64", Arch: "x86_64", URLs: []string{},
		Tried: []Attempt{{Link: "koji", Source: "koji-fedora", URL: "http://127.0.0.1:9/kojihub", Error: "no such build"}}}
	tests := []struct {
		name, format string
		res          *Result
		out, errOut  string
	}{
		{"text found", FormatText, found, "fedora 6.16.8-100.fc41.x86_64 x86_64: found by koji (koji-fedora), verified\n" +
			"  http://127.0.0.1:9/kernel-devel-6.16.8-100.fc41.x86_64.rpm\n" +
			"tried:\n  repo fedora http://127.0.0.1:9/repodata/repomd.xml: not in the repository\n", ""},
		{"text not found lists tried on stdout only", FormatText, missing, "fedora 6.16.8-100.fc41.x86_64 x86_64: not found\n" +
			"tried:\n  koji koji-fedora http://127.0.0.1:9/kojihub: no such build\n", ""},
		{"urls", FormatURLs, found, "http://127.0.0.1:9/kernel-devel-6.16.8-100.fc41.x86_64.rpm\n", ""},
		{"urls not found: tried on stderr", FormatURLs, missing, "", "tried:\n  koji koji-fedora http://127.0.0.1:9/kojihub: no such build\n"},
		{"json not found: null link, tried on stderr too", FormatJSON, missing, "", "tried:\n  koji koji-fedora http://127.0.0.1:9/kojihub: no such build\n"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		if err := Write(&out, &errOut, tt.format, tt.res); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.format == FormatJSON {
			if !strings.Contains(out.String(), `"link": null`) || !strings.Contains(out.String(), `"urls": []`) {
				t.Errorf("%s: stdout\n%s", tt.name, out.String())
			}
		} else if out.String() != tt.out {
			t.Errorf("%s: stdout\n%s\nwant\n%s", tt.name, out.String(), tt.out)
		}
		if errOut.String() != tt.errOut {
			t.Errorf("%s: stderr\n%s\nwant\n%s", tt.name, errOut.String(), tt.errOut)
		}
	}
	var ue *matrixgen.UsageError
	if err := Write(&bytes.Buffer{}, &bytes.Buffer{}, "yaml", found); !errors.As(err, &ue) || ue.Option != "format" {
		t.Errorf("format yaml: %v, want a usage error naming format", err)
	}
}

func TestResultErr(t *testing.T) {
	koji := "koji"
	var ec interface{ ExitCode() int }
	for _, c := range []struct {
		name string
		res  *Result
		code int // -1: nil
	}{
		{"found", &Result{Link: &koji}, -1},
		{"every link answered", &Result{Target: "fedora", Release: "r", Arch: "x86_64", Tried: []Attempt{{}}}, matrixgen.ExitNotFound},
		{"a link could not be asked", &Result{Target: "fedora", Release: "r", Arch: "x86_64", Unsure: true}, matrixgen.ExitPartial},
	} {
		err := c.res.Err()
		switch {
		case c.code == -1 && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.code != -1 && (!errors.As(err, &ec) || ec.ExitCode() != c.code):
			t.Errorf("%s: %v, want exit %d", c.name, err, c.code)
		case c.code != -1 && !strings.Contains(err.Error(), "resolve: no link has fedora r for x86_64"):
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
