package demo

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"

	"github.com/matrixgen/matrixgen/crawlers/koji"
	"github.com/matrixgen/matrixgen/crawlers/koji/kojitest"
	"github.com/matrixgen/matrixgen/github/githubtest"
	"github.com/matrixgen/matrixgen/internal/rpmfixture"
	"github.com/matrixgen/matrixgen/service/servicetest"
)

// The repository the GitHub fake holds, and the branch its kernels.json is on.
const (
	Owner = "acme"
	Repo  = "drivers"
	Base  = "main"
)

// Fakes are the servers the demo's commands talk to, all on 127.0.0.1: the
// recorded Debian and Ubuntu archives (fixtures/mirrors), the RPM
// distributions' mirrors (fixtures/rpm/distros, mirror.list files naming
// the server itself), a Koji hub (crawlers/koji/kojitest) with its file
// root (fixtures/koji/files), and GitHub (github/githubtest with
// servicetest.Actions running the driver-build workflow: a dispatched run
// completes on its second listing and publishes its artifact in a
// release).
type Fakes struct {
	DebMirror string // fixtures/mirrors: debian/, debian-security/, ubuntu/
	RPMMirror string // fixtures/rpm/distros: one folder per --mirror key
	KojiHub   string // the hub's XML-RPC endpoint
	KojiFiles string // the hub's topurl: fixtures/koji/files/koji-fedora-files
	GitHubAPI string // API base URL, with the trailing slash --github-url wants

	GitHub *servicetest.Actions

	hub     *hubLog
	servers []*httptest.Server
}

// KojiBuilds are the builds the fake Fedora hub holds: 6.16.8-100.fc41 is
// COMPLETE and gone from the fixture mirror (its kernel-devel RPM is in
// fixtures/koji/files), 6.16.9 was DELETED and 6.16.10 FAILED, which no
// crawl or resolve may take.
func KojiBuilds() []kojitest.Build {
	return []kojitest.Build{
		{ID: 200, Name: "kernel", Version: "6.16.8", Release: "100.fc41", State: koji.Complete, CompletionTS: 1757000000,
			RPMs: []kojitest.RPM{{ID: 2000, Name: "kernel-devel", Arch: "x86_64"}, {ID: 2001, Name: "kernel-core", Arch: "x86_64"}}},
		{ID: 201, Name: "kernel", Version: "6.16.9", Release: "100.fc41", State: koji.Deleted, CompletionTS: 1757100000,
			RPMs: []kojitest.RPM{{ID: 2010, Name: "kernel-devel", Arch: "x86_64"}}},
		{ID: 202, Name: "kernel", Version: "6.16.10", Release: "100.fc41", State: koji.Failed},
	}
}

// hubLog collects the calls the fake hub refused as malformed.
type hubLog struct {
	mu   sync.Mutex
	errs []string
}

func (h *hubLog) Errorf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, fmt.Sprintf(format, args...))
}

// StartFakes starts every fake, reading the fixtures under fixtures (the
// repository's fixtures/ directory); the GitHub fake's main branch holds
// kernelsJSON as kernels.json. Close stops them.
func StartFakes(fixtures string, kernelsJSON []byte) (*Fakes, error) {
	for _, d := range []string{"mirrors", "rpm/distros", "koji/files/koji-fedora-files"} {
		if fi, err := os.Stat(filepath.Join(fixtures, d)); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("fixtures %s: no %s directory (run the demo from the repository, or give its fixtures directory)", fixtures, d)
		}
	}
	f := &Fakes{hub: &hubLog{}}
	serve := func(h http.Handler) string {
		s := httptest.NewServer(h)
		f.servers = append(f.servers, s)
		return s.URL
	}
	f.DebMirror = serve(http.FileServer(http.Dir(filepath.Join(fixtures, "mirrors"))))
	f.RPMMirror = serve(rpmfixture.Handler(filepath.Join(fixtures, "rpm", "distros"), nil))
	f.KojiHub = serve(&kojitest.Hub{T: f.hub, Packages: map[string]int64{"kernel": 8}, Builds: KojiBuilds()}) + "/kojihub"
	f.KojiFiles = serve(http.FileServer(http.Dir(filepath.Join(fixtures, "koji", "files", "koji-fedora-files"))))
	f.GitHub = servicetest.NewActions(githubtest.New(Owner, Repo, Base, map[string]string{"kernels.json": string(kernelsJSON)}))
	f.GitHub.CompleteAfter = 1
	f.GitHubAPI = serve(f.GitHub) + "/"
	return f, nil
}

// HubErrors are the calls the fake Koji hub refused as not matching Koji's
// own method signatures: none, or the demo fails.
func (f *Fakes) HubErrors() []string {
	f.hub.mu.Lock()
	defer f.hub.mu.Unlock()
	return append([]string(nil), f.hub.errs...)
}

// Close stops every server.
func (f *Fakes) Close() {
	for _, s := range f.servers {
		s.Close()
	}
}
