package resolve

import (
	"context"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/koji"
)

// TestResolveChain walks the chain for Fedora, CentOS Stream (both hubs) and Amazon Linux
// (core, livepatch, URL) against the fixtures, and checks which link answered, its URLs,
// every link tried before it, and which hubs were called.
func TestResolveChain(t *testing.T) {
	type want struct {
		link, source string
		urls         []string // with {mirror:KEY} and {files} placeholders
		tried        []string // "link source: error substring"
		unsure       bool
		hubCalls     map[string][]string // hub → methods called, in order
	}
	tests := []struct {
		name            string
		target, release string
		arch            matrixgen.Arch
		urls            []string // {url:NAME=FILE}
		fault           map[string]koji.Fault
		hang            string
		want            want
	}{
		{name: "fedora on the mirror: Koji never called", target: "fedora", release: "6.17.8-100.fc41.x86_64", arch: matrixgen.X86_64,
			want: want{link: "repo", source: "fedora", urls: []string{"{mirror:fedora}/updates/41/Everything/x86_64/Packages/k/kernel-devel-6.17.8-100.fc41.x86_64.rpm"},
				hubCalls: map[string][]string{"koji-fedora": nil}}},
		{name: "fedora only on Koji", target: "fedora", release: "6.16.8-100.fc41.x86_64", arch: matrixgen.X86_64,
			want: want{link: "koji", source: "koji-fedora", urls: []string{"{files}/koji-fedora-files/packages/kernel/6.16.8/100.fc41/x86_64/kernel-devel-6.16.8-100.fc41.x86_64.rpm"},
				tried:    []string{"repo fedora: releases has no kernel-devel for 6.16.8-100.fc41.x86_64", "repo fedora: updates has no kernel-devel"},
				hubCalls: map[string][]string{"koji-fedora": {"getBuild", "listRPMs"}}}},
		{name: "fedora release aged out: the archive mirror has it", target: "fedora", release: "6.8.9-100.fc38.x86_64", arch: matrixgen.X86_64,
			want: want{link: "repo", source: "fedora-archive", urls: []string{"{mirror:fedora-archive}/updates/38/Everything/x86_64/Packages/k/kernel-devel-6.8.9-100.fc38.x86_64.rpm"},
				hubCalls: map[string][]string{"koji-fedora": nil}}},
		{name: "fedora aged out: archive mirror, then Koji on an archive volume", target: "fedora", release: "6.7.5-100.fc38.x86_64", arch: matrixgen.X86_64,
			want: want{link: "koji", source: "koji-fedora", urls: []string{"{files}/koji-fedora-files/vol/fedora_koji_archive02/packages/kernel/6.7.5/100.fc38/x86_64/kernel-devel-6.7.5-100.fc38.x86_64.rpm"},
				tried: []string{"repo fedora-archive: releases has no", "repo fedora-archive: updates has no"}}},
		{name: "only build DELETED: not found", target: "fedora", release: "6.16.9-100.fc41.x86_64", arch: matrixgen.X86_64,
			want: want{tried: []string{"repo fedora: releases", "repo fedora: updates", "koji koji-fedora: build kernel-6.16.9-100.fc41 is DELETED"},
				hubCalls: map[string][]string{"koji-fedora": {"getBuild"}}}},
		{name: "only build FAILED: not found", target: "fedora", release: "6.16.10-100.fc41.x86_64", arch: matrixgen.X86_64,
			want: want{tried: []string{"repo fedora: releases", "repo fedora: updates", "koji koji-fedora: build kernel-6.16.10-100.fc41 is FAILED"}}},
		{name: "CANCELED: not found", target: "fedora", release: "6.16.12-100.fc41.x86_64", arch: matrixgen.X86_64,
			want: want{tried: []string{"repo fedora: releases", "repo fedora: updates", "koji koji-fedora: build kernel-6.16.12-100.fc41 is CANCELED"}}},
		{name: "BUILDING: not yet", target: "fedora", release: "6.16.11-100.fc41.x86_64", arch: matrixgen.X86_64,
			want: want{tried: []string{"repo fedora: releases", "repo fedora: updates", "koji koji-fedora: build kernel-6.16.11-100.fc41 is still BUILDING: not yet"}}},
		{name: "no build at all", target: "fedora", release: "6.1.1-100.fc41.x86_64", arch: matrixgen.X86_64,
			want: want{tried: []string{"repo fedora: releases", "repo fedora: updates", "koji koji-fedora: no build kernel-6.1.1-100.fc41"}}},
		{name: "centos on the mirror", target: "centos", release: "5.14.0-570.el9.x86_64", arch: matrixgen.X86_64,
			want: want{link: "repo", source: "centos-stream", urls: []string{"{mirror:centos-stream}/9-stream/AppStream/x86_64/os/Packages/kernel-devel-5.14.0-570.el9.x86_64.rpm"},
				hubCalls: map[string][]string{"koji-stream": nil, "koji-cbs": nil}}},
		{name: "centos on the Stream hub", target: "centos", release: "5.14.0-600.el9.x86_64", arch: matrixgen.X86_64,
			want: want{link: "koji", source: "koji-stream", urls: []string{"{files}/koji-stream-files/packages/kernel/5.14.0/600.el9/x86_64/kernel-devel-5.14.0-600.el9.x86_64.rpm"},
				tried: []string{"repo centos-stream: BaseOS", "repo centos-stream: AppStream"}, hubCalls: map[string][]string{"koji-cbs": nil}}},
		{name: "centos only on CBS", target: "centos-stream", release: "5.14.0-580.el9.x86_64", arch: matrixgen.X86_64,
			want: want{link: "koji", source: "koji-cbs", urls: []string{"{files}/koji-cbs-files/packages/kernel/5.14.0/580.el9/x86_64/kernel-devel-5.14.0-580.el9.x86_64.rpm"},
				tried:    []string{"repo centos-stream: BaseOS", "repo centos-stream: AppStream", "koji koji-stream: no build kernel-5.14.0-580.el9"},
				hubCalls: map[string][]string{"koji-stream": {"getBuild"}, "koji-cbs": {"getBuild", "listRPMs"}}}},
		{name: "centos 64k kernel on the mirror", target: "centos", release: "5.14.0-570.el9.aarch64+64k", arch: matrixgen.AArch64_64k,
			want: want{link: "repo", source: "centos-stream", urls: []string{"{mirror:centos-stream}/9-stream/AppStream/aarch64/os/Packages/kernel-64k-devel-5.14.0-570.el9.aarch64.rpm"}}},
		{name: "amazon linux core", target: "amazonlinux2023", release: "6.1.174-217.345.amzn2023.x86_64", arch: matrixgen.X86_64,
			want: want{link: "repo", source: "amazonlinux2023", urls: []string{"{distros}/blobstore/01540f997f980bc80187216d814672b72577bef83141dd8db45715b5d472b252/kernel-devel-6.1.174-217.345.amzn2023.x86_64.rpm"}}},
		{name: "amazon linux livepatch only, then an explicit URL", target: "amazonlinux", release: "6.1.12-19.43.amzn2023.x86_64", arch: matrixgen.X86_64,
			urls: []string{"{url:kernel-devel-6.1.12-19.43.amzn2023.x86_64.rpm=" + cbsRPM + "}"},
			want: want{link: "url", source: "url", urls: []string{"{files}/urls/kernel-devel-6.1.12-19.43.amzn2023.x86_64.rpm"},
				tried: []string{"repo amazonlinux2023: core has no kernel-devel or kernel6.1-devel", "repo al2023-livepatch: kernel-livepatch lists a live patch for 6.1.12-19.43.amzn2023.x86_64, but core no longer has its kernel-devel or kernel6.1-devel and a kernel-livepatch package is a kpatch module, not a build tree: no header source"}}},
		{name: "explicit URL of another package: refused by name", target: "amazonlinux2023", release: "6.1.12-19.43.amzn2023.x86_64", arch: matrixgen.X86_64,
			urls: []string{"{url:kernel-core-6.1.12-19.43.amzn2023.x86_64.rpm=" + cbsRPM + "}", "{url:kernel-devel-6.1.12-19.43.amzn2023.x86_64.rpm=nosuch.rpm}"},
			want: want{tried: []string{"repo amazonlinux2023: core", "repo al2023-livepatch", "url url: file name kernel-core-6.1.12-19.43.amzn2023.x86_64.rpm is not kernel-devel-6.1.12-19.43.amzn2023.x86_64.rpm or kernel6.1-devel-6.1.12-19.43.amzn2023.x86_64.rpm", "url url: GET {files}/urls/kernel-devel-6.1.12-19.43.amzn2023.x86_64.rpm: unexpected status 404 Not Found"}}},
		{name: "a fault is reported, the chain goes on", target: "centos", release: "5.14.0-580.el9.x86_64", arch: matrixgen.X86_64,
			fault: map[string]koji.Fault{"getBuild": {Code: 1000, String: "database unavailable"}},
			want:  want{tried: []string{"repo centos-stream: BaseOS", "repo centos-stream: AppStream", "koji koji-stream: koji: POST {hub:koji-stream}: getBuild: fault 1000: database unavailable", "koji koji-cbs: koji: POST {hub:koji-cbs}: getBuild: fault 1000: database unavailable"}, unsure: true}},
		{name: "a hub that times out", target: "centos", release: "5.14.0-580.el9.x86_64", arch: matrixgen.X86_64, hang: "koji-stream",
			want: want{link: "koji", source: "koji-cbs", urls: []string{"{files}/koji-cbs-files/packages/kernel/5.14.0/580.el9/x86_64/kernel-devel-5.14.0-580.el9.x86_64.rpm"},
				tried: []string{"repo centos-stream: BaseOS", "repo centos-stream: AppStream", "koji koji-stream: timed out after 3s"}, unsure: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			for hub, h := range e.hubs {
				h.Faults = tc.fault
				h.Hang = hub == tc.hang
			}
			expand := func(s string) string {
				s = strings.ReplaceAll(s, "{files}", e.files.URL)
				s = strings.ReplaceAll(s, "{distros}", e.distros)
				for k, v := range e.mirrors {
					s = strings.ReplaceAll(s, "{mirror:"+k+"}", v)
					s = strings.ReplaceAll(s, "{hub:"+k+"}", v)
				}
				return s
			}
			var urls []string
			for _, u := range tc.urls {
				name, file, _ := strings.Cut(strings.Trim(u, "{}")[len("url:"):], "=")
				urls = append(urls, e.url(name, file))
			}
			req := Request{Target: tc.target, Release: tc.release, Arch: tc.arch, URLs: urls, Mirrors: e.mirrors}
			if tc.hang != "" {
				req.LinkTimeout = 3 * time.Second // long enough for every healthy link under -race on a loaded machine
			}
			res, err := Resolve(context.Background(), newFetcher(t), distros.All(), req)
			if err != nil {
				t.Fatal(err)
			}
			gotLink := ""
			if res.Link != nil {
				gotLink = *res.Link
			}
			if gotLink != tc.want.link || res.Source != tc.want.source {
				t.Errorf("answered by %q %q, want %q %q (tried %+v)", gotLink, res.Source, tc.want.link, tc.want.source, res.Tried)
			}
			wantURLs := []string{}
			for _, u := range tc.want.urls {
				wantURLs = append(wantURLs, expand(u))
			}
			if !reflect.DeepEqual(res.URLs, wantURLs) {
				t.Errorf("urls %q\nwant %q", res.URLs, wantURLs)
			}
			if len(res.Tried) != len(tc.want.tried) {
				t.Errorf("tried %d links, want %d: %+v", len(res.Tried), len(tc.want.tried), res.Tried)
			}
			for i, w := range tc.want.tried {
				if i >= len(res.Tried) {
					break
				}
				a := res.Tried[i]
				if got := a.Link + " " + a.Source + ": " + a.Error; !strings.HasPrefix(got, expand(w)) {
					t.Errorf("tried[%d] = %q, want it to start %q", i, got, expand(w))
				}
				if a.URL == "" {
					t.Errorf("tried[%d] names no URL", i)
				}
			}
			if res.Unsure != tc.want.unsure {
				t.Errorf("unsure = %v, want %v", res.Unsure, tc.want.unsure)
			}
			for hub, methods := range tc.want.hubCalls {
				var got []string
				for _, c := range e.hubs[hub].Calls() {
					got = append(got, c.Method)
				}
				if !reflect.DeepEqual(got, methods) {
					t.Errorf("%s called %v, want %v", hub, got, methods)
				}
			}
		})
	}
}
