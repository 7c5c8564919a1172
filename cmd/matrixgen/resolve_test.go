package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/distros"

	"github.com/matrixgen/matrixgen/crawlers/koji"
	"github.com/matrixgen/matrixgen/crawlers/koji/kojitest"
	"github.com/matrixgen/matrixgen/internal/rpmfixture"
	"github.com/matrixgen/matrixgen/resolve"
	"github.com/matrixgen/matrixgen/schemas"
)

func TestNewCmdResolveFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    resolve.Request
		format  string
		wantErr string
	}{
		{args: []string{"--target", "fedora", "--release", "6.16.8-100.fc41.x86_64", "--json", "--url", "https://a/x.rpm", "--url", "https://b/y.rpm", "--verify"},
			want: resolve.Request{Target: "fedora", Release: "6.16.8-100.fc41.x86_64", Arch: "x86_64", Verify: true, URLs: []string{"https://a/x.rpm", "https://b/y.rpm"}, Mirrors: map[string]string{}, LinkTimeout: time.Minute}, format: "json"},
		{args: []string{"--target", "centos", "--release", "r", "--arch", "aarch64+64k", "--format", "urls", "--mirror", "koji-cbs=http://127.0.0.1:1/kojihub"},
			want: resolve.Request{Target: "centos", Release: "r", Arch: "aarch64+64k", Mirrors: map[string]string{"koji-cbs": "http://127.0.0.1:1/kojihub"}, LinkTimeout: time.Minute}, format: "urls"},
		{args: []string{"--target", "fedora", "--release", "r", "--format", "yaml"}, wantErr: `--format "yaml": want text, json or urls`},
		{args: []string{"--target", "fedora", "--release", "r", "--json", "--format", "urls"}, wantErr: "--json and --format urls exclude each other"},
		{args: []string{"--target", "fedora", "--release", "r", "--link-timeout", "0s"}, wantErr: "--link-timeout 0s: want a positive duration"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var got resolve.Request
			var format string
			cmd := newCmdResolve(&ioStreams{}, func(r resolve.Request, f string) error { got, format = r, f; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || matrixgen.ExitCodeOf(err) != matrixgen.ExitUsage {
					t.Fatalf("err = %v (exit %d), want usage error %q", err, matrixgen.ExitCodeOf(err), tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) || format != tc.format {
				t.Fatalf("got %+v, %s\nwant %+v, %s", got, format, tc.want, tc.format)
			}
		})
	}
}

// resolveServers serves the RPM distributions' fixture mirrors, a fake Fedora and CBS hub,
// and the hubs' file roots; it returns the --mirror flags.
func resolveServers(t *testing.T, hang bool) []string {
	t.Helper()
	distroSrv := rpmfixture.Serve(t, "../../fixtures/rpm/distros", nil)
	files := httptest.NewServer(http.FileServer(http.Dir("../../fixtures/koji/files")))
	t.Cleanup(files.Close)
	var flags []string
	for _, d := range distros.All() {
		for k := range d.Mirrors() {
			if strings.HasPrefix(k, "koji-") {
				continue // the hubs are served below
			}
			flags = append(flags, "--mirror", k+"="+distroSrv.URL+"/"+k)
		}
	}
	hubs := map[string][]kojitest.Build{
		"koji-fedora": {
			{ID: 200, Name: "kernel", Version: "6.16.8", Release: "100.fc41", State: koji.Complete, RPMs: []kojitest.RPM{{ID: 2000, Name: "kernel-devel", Arch: "x86_64"}, {ID: 2001, Name: "kernel-core", Arch: "x86_64"}}},
			{ID: 201, Name: "kernel", Version: "6.16.9", Release: "100.fc41", State: koji.Deleted, RPMs: []kojitest.RPM{{ID: 2010, Name: "kernel-devel", Arch: "x86_64"}}},
		},
		"koji-stream": nil,
		"koji-cbs": {
			{ID: 400, Name: "kernel", Version: "5.14.0", Release: "580.el9", State: koji.Complete, RPMs: []kojitest.RPM{{ID: 4000, Name: "kernel-devel", Arch: "x86_64"}}},
		},
	}
	for key, builds := range hubs {
		h := &kojitest.Hub{T: t, Packages: map[string]int64{"kernel": 8}, Builds: builds, Hang: hang && key == "koji-stream"}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		flags = append(flags, "--mirror", key+"="+srv.URL+"/kojihub", "--mirror", key+"-files="+files.URL+"/"+key+"-files")
	}
	return flags
}

// TestResolveCLI runs the command end to end: the answer in each format, the exit codes
// (0 found, 6 no link has it, 3 not found and a link could not be asked), and stderr.
func TestResolveCLI(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		hang       bool
		code       int
		stdout     string // exact; {files} and {hub:KEY} expanded
		wantJSON   map[string]any
		stderrHas  string
		triedLinks []string
	}{
		{name: "koji answers, urls for a build script", args: []string{"--target", "fedora", "--release", "6.16.8-100.fc41.x86_64", "--format", "urls", "--verify"},
			code: 0, stdout: "{files}/koji-fedora-files/packages/kernel/6.16.8/100.fc41/x86_64/kernel-devel-6.16.8-100.fc41.x86_64.rpm\n"},
		{name: "json, CBS after the Stream hub", args: []string{"--target", "centos", "--release", "5.14.0-580.el9.x86_64", "--json"},
			code: 0, wantJSON: map[string]any{"target": "centos", "release": "5.14.0-580.el9.x86_64", "arch": "x86_64", "link": "koji", "source": "koji-cbs",
				"urls": []any{"{files}/koji-cbs-files/packages/kernel/5.14.0/580.el9/x86_64/kernel-devel-5.14.0-580.el9.x86_64.rpm"}, "verified": false},
			triedLinks: []string{"repo centos-stream", "repo centos-stream", "koji koji-stream"}},
		{name: "not found: exit 6, link null", args: []string{"--target", "fedora", "--release", "6.16.9-100.fc41.x86_64", "--json"},
			code: matrixgen.ExitNotFound, wantJSON: map[string]any{"target": "fedora", "release": "6.16.9-100.fc41.x86_64", "arch": "x86_64", "link": nil, "source": "", "urls": []any{}, "verified": false},
			triedLinks: []string{"repo fedora", "repo fedora", "koji koji-fedora"},
			stderrHas:  "koji koji-fedora {hub:koji-fedora}: build kernel-6.16.9-100.fc41 is DELETED\nmatrixgen: resolve: no link has fedora 6.16.9-100.fc41.x86_64 for x86_64 (3 tried)\n"},
		{name: "a hub that times out: exit 3", args: []string{"--target", "centos", "--release", "5.14.0-999.el9.x86_64", "--format", "urls", "--link-timeout", "3s"}, hang: true, // 3 s: every healthy link finishes well within it under -race on a loaded machine
			code: matrixgen.ExitPartial, stdout: "", stderrHas: "koji koji-stream {hub:koji-stream}: timed out after 3s"},
		{name: "text", args: []string{"--target", "fedora", "--release", "6.17.8-100.fc41.x86_64"},
			code: 0, stdout: "fedora 6.17.8-100.fc41.x86_64 x86_64: found by repo (fedora)\n  {mirror:fedora}/updates/41/Everything/x86_64/Packages/k/kernel-devel-6.17.8-100.fc41.x86_64.rpm\n"},
		{name: "a Debian kernel: usage", args: []string{"--target", "debian", "--release", "6.1.0-28-amd64"},
			code: matrixgen.ExitUsage, stderrHas: "has no RPM repositories matrixgen reads"},
		{name: "an invalid release: usage", args: []string{"--target", "fedora", "--release", "6.1;rm -rf"},
			code: matrixgen.ExitUsage, stderrHas: "6.1;rm -rf"},
		{name: "a --mirror without a URL: usage", args: []string{"--target", "fedora", "--release", "6.17.8-100.fc41.x86_64", "--mirror", "fedora"},
			code: matrixgen.ExitUsage, stderrHas: `--mirror "fedora": want KEY=http(s)://URL`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			flags := resolveServers(t, tc.hang)
			expand := func(s string) string {
				for i := 1; i < len(flags); i += 2 {
					k, v, _ := strings.Cut(flags[i], "=")
					if strings.HasSuffix(k, "-files") {
						s = strings.ReplaceAll(s, "{files}/"+k, v)
					}
					s = strings.ReplaceAll(s, "{hub:"+k+"}", v)
					s = strings.ReplaceAll(s, "{mirror:"+k+"}", v)
				}
				return s
			}
			r := runCLI(t, "", nil, append(append([]string{"resolve", "--no-cache"}, tc.args...), flags...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tc.code, r.stdout, r.stderr)
			}
			if tc.wantJSON == nil && tc.code != matrixgen.ExitUsage && r.stdout != expand(tc.stdout) {
				t.Errorf("stdout %q\nwant %q", r.stdout, expand(tc.stdout))
			}
			if tc.wantJSON != nil {
				var got map[string]any
				if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
					t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
				}
				var links []string
				tried, _ := got["tried"].([]any)
				for _, a := range tried {
					m := a.(map[string]any)
					if len(m) != 4 || m["url"] == "" || m["error"] == "" {
						t.Errorf("tried entry %v: want link, source, url, error", m)
					}
					links = append(links, m["link"].(string)+" "+m["source"].(string))
				}
				delete(got, "tried")
				want := map[string]any{}
				for k, v := range tc.wantJSON {
					if us, ok := v.([]any); ok {
						var e []any = []any{}
						for _, u := range us {
							e = append(e, expand(u.(string)))
						}
						v = e
					}
					want[k] = v
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("json %v\nwant %v", got, want)
				}
				if !reflect.DeepEqual(links, tc.triedLinks) {
					t.Errorf("tried %v, want %v", links, tc.triedLinks)
				}
			}
			if tc.stderrHas != "" && !strings.Contains(r.stderr, expand(tc.stderrHas)) {
				t.Errorf("stderr %q\nwant it to contain %q", r.stderr, expand(tc.stderrHas))
			}
		})
	}
}

// TestCrawlKojiCLI: crawl --koji writes the builds the mirrors lack as "source": "koji",
// and its bounds are refused without --koji or with a bad date.
func TestCrawlKojiCLI(t *testing.T) {
	flags := resolveServers(t, false)
	var fedora []string
	for i := 1; i < len(flags); i += 2 {
		if k, _, _ := strings.Cut(flags[i], "="); k == "fedora" || k == "fedora-archive" || strings.HasPrefix(k, "koji-fedora") {
			fedora = append(fedora, "--mirror", flags[i])
		}
	}
	r := runCLI(t, "", nil, append([]string{"crawl", "--no-cache", "--distro", "fedora", "--release", "fedora/41", "--koji"}, fedora...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if err := schemas.Validate(schemas.Crawl, []byte(r.stdout)); err != nil {
		t.Fatalf("crawl --koji output is not valid crawl output: %v", err)
	}
	var out map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	var koji []string
	for _, e := range out["fedora"] {
		if e["source"] == "koji" {
			koji = append(koji, e["kernelrelease"].(string)+" "+e["headers"].([]any)[0].(string))
		}
	}
	files := ""
	for i := 1; i < len(flags); i += 2 {
		if k, v, _ := strings.Cut(flags[i], "="); k == "koji-fedora-files" {
			files = v
		}
	}
	// 6.16.8 is COMPLETE and on no mirror; 6.16.9 is DELETED.
	want := []string{"6.16.8-100.fc41.x86_64 " + files + "/packages/kernel/6.16.8/100.fc41/x86_64/kernel-devel-6.16.8-100.fc41.x86_64.rpm"}
	if !reflect.DeepEqual(koji, want) {
		t.Errorf("koji entries %v\nwant %v", koji, want)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"crawl", "--koji-newest", "3"}, "--koji-since, --koji-newest and --koji-timeout bound --koji: add --koji"},
		{[]string{"crawl", "--koji-timeout", "1m"}, "--koji-since, --koji-newest and --koji-timeout bound --koji: add --koji"},
		{[]string{"crawl", "--koji", "--koji-timeout", "0s"}, "--koji-timeout 0s: want a positive duration"},
		{[]string{"crawl", "--koji", "--koji-since", "last week"}, `--koji-since "last week": want a date`},
	} {
		r := runCLI(t, "", nil, tc.args...)
		if r.code != matrixgen.ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
