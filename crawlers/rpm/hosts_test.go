package rpm

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// countingFetcher counts the requests per host a crawl makes.
type countingFetcher struct {
	source.Fetcher
	other atomic.Int32 // requests to hosts other than the test mirror's
	local string
}

func (f *countingFetcher) note(u string) {
	if !strings.HasPrefix(u, f.local) {
		f.other.Add(1)
	}
}

func (f *countingFetcher) Get(ctx context.Context, req fetch.Request) ([]byte, error) {
	f.note(req.URL)
	return f.Fetcher.Get(ctx, req)
}

func (f *countingFetcher) Open(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
	f.note(req.URL)
	return f.Fetcher.Open(ctx, req)
}

// TestCrawlRepoOffHostIndex: a repomd.xml does not choose which hosts a crawl talks to. A
// primary href (or xml:base) on a host the configuration does not name fails the
// repository, naming that host, before any request goes there.
func TestCrawlRepoOffHostIndex(t *testing.T) {
	real := string(fixture(t, "mirror/fedora/updates/41/Everything/x86_64/repodata/repomd.xml"))
	i := strings.Index(real, `<data type="primary">`)
	j := strings.Index(real[i:], `href="`) + i + len(`href="`)
	for _, tt := range []struct{ name, href, base, host string }{
		{name: "absolute href", href: "http://169.254.169.254/latest/meta-data/", host: "169.254.169.254"},
		{name: "absolute href to a name", href: "https://elsewhere.example/repodata/primary.xml.gz", host: "elsewhere.example"},
		{name: "xml:base", base: "http://elsewhere.example/r", href: "repodata/primary.xml.gz", host: "elsewhere.example"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			md := real[:j] + tt.href + real[j+strings.IndexByte(real[j:], '"'):]
			if tt.base != "" {
				md = strings.Replace(md, `<location href=`, `<location xml:base="`+tt.base+`" href=`, 1)
			}
			m := newTestMirror(t)
			m.fault("/off/repodata/repomd.xml", serveBytes([]byte(md)))
			f := &countingFetcher{Fetcher: newClient(t), local: m.srv.URL}
			res, err := CrawlRepo(context.Background(), f, Repo{Base: m.url("/off/"), Arch: matrixgen.X86_64})
			var he *fetch.HostError
			if !errors.As(err, &he) || he.Host != tt.host || !strings.Contains(err.Error(), m.url("/off/repodata/repomd.xml")) {
				t.Fatalf("CrawlRepo: %v; want a *fetch.HostError for %s naming the repomd.xml", err, tt.host)
			}
			if len(res.Kernels) != 0 || f.other.Load() != 0 {
				t.Errorf("%d kernels, %d requests elsewhere; want none", len(res.Kernels), f.other.Load())
			}
		})
	}
}

// TestCrawlRepoOffHostLocation: a package whose location is on a host the configuration
// does not name keeps its kernel, but that header URL is not emitted: a warning names it.
// Naming the host in Repo.Hosts (a Koji repository's xml:base) lets it through.
func TestCrawlRepoOffHostLocation(t *testing.T) {
	const koji = "/koji/repos/el9-build/latest/x86_64/"
	const header = "https://koji.invalid/kojifiles/packages/kernel/5.14.0/547.el9/x86_64/kernel-devel-5.14.0-547.el9.x86_64.rpm"
	m := newTestMirror(t)
	res, err := CrawlRepo(context.Background(), newClient(t), Repo{Base: m.url(koji), Arch: matrixgen.X86_64})
	if err != nil || len(res.Kernels) != 1 || res.Kernels[0].Release != "5.14.0-547.el9.x86_64" {
		t.Fatalf("CrawlRepo: %+v, %v; want the kernel kept", res, err)
	}
	if len(res.Kernels[0].Headers) != 0 {
		t.Errorf("headers %q emitted from a host the configuration does not name", res.Kernels[0].Headers)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], header) || !strings.Contains(res.Warnings[0], "koji.invalid") || !strings.Contains(res.Warnings[0], "header URL dropped") {
		t.Errorf("warnings = %q; want one naming %s", res.Warnings, header)
	}
	res, err = CrawlRepo(context.Background(), newClient(t), Repo{Base: m.url(koji), Arch: matrixgen.X86_64, Hosts: []string{"koji.invalid"}})
	if err != nil || len(res.Kernels) != 1 || len(res.Kernels[0].Headers) != 1 || res.Kernels[0].Headers[0] != header || len(res.Warnings) != 0 {
		t.Errorf("with Hosts koji.invalid: %+v, %v", res, err)
	}
}

// TestParseMirrorListSpecialLines: a line pointing at a link-local, metadata or (from a
// mirror.list not itself on loopback) loopback address is dropped with a warning naming
// it, and the next line is used.
func TestParseMirrorListSpecialLines(t *testing.T) {
	tests := []struct {
		name, list, body string
		want             string // "" = error
		warnings         int
	}{
		{name: "metadata first", list: "http://m/mirror.list", body: "http://169.254.169.254/latest/meta-data/\nhttps://cdn.example/r/$basearch/\n", want: "https://cdn.example/r/x86_64/", warnings: 1},
		{name: "IPv6 metadata", list: "http://m/mirror.list", body: "http://[fd00:ec2::254]/latest/\nhttps://cdn.example/r/", want: "https://cdn.example/r/", warnings: 1},
		{name: "loopback from a public mirror", list: "http://m/mirror.list", body: "http://127.0.0.1:8080/r/\nhttps://cdn.example/r/", want: "https://cdn.example/r/", warnings: 1},
		{name: "loopback from a loopback mirror", list: "http://127.0.0.1:9/mirror.list", body: "http://127.0.0.1:8080/r/\n", want: "http://127.0.0.1:8080/r/"},
		{name: "only metadata", list: "http://m/mirror.list", body: "http://169.254.169.254/\n\nhttp://169.254.170.2/v2/credentials\n", warnings: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warns, err := ParseMirrorList([]byte(tt.body), tt.list, matrixgen.X86_64)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), tt.list) || !strings.Contains(err.Error(), "169.254.170.2") {
					t.Errorf("ParseMirrorList = %q, %v; want an error naming the list and the dropped lines", got, err)
				}
			} else if err != nil || got != tt.want {
				t.Errorf("ParseMirrorList = %q, %v; want %q", got, err, tt.want)
			}
			if len(warns) != tt.warnings {
				t.Errorf("warnings = %q, want %d", warns, tt.warnings)
			}
			for _, w := range warns {
				if !strings.Contains(w, tt.list) || !strings.Contains(w, "dropped") {
					t.Errorf("warning %q does not name the mirror.list", w)
				}
			}
		})
	}
}
