package resolve

import (
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/koji"
	"github.com/matrixgen/matrixgen/crawlers/koji/kojitest"
	"github.com/matrixgen/matrixgen/internal/rpmfixture"
)

const (
	distrosRoot = "../fixtures/rpm/distros"
	filesRoot   = "../fixtures/koji/files"
	bigRPM      = "koji-fedora-files/packages/kernel/6.16.8/100.fc41/x86_64/kernel-devel-6.16.8-100.fc41.x86_64.rpm"
	cbsRPM      = "koji-cbs-files/packages/kernel/5.14.0/580.el9/x86_64/kernel-devel-5.14.0-580.el9.x86_64.rpm"
)

// hubBuilds are the builds each fake hub holds; the COMPLETE ones with an x86_64
// kernel-devel have their RPM under fixtures/koji/files.
func hubBuilds() map[string][]kojitest.Build {
	devel := func(id int64) []kojitest.RPM {
		return []kojitest.RPM{{ID: id, Name: "kernel-devel", Arch: "x86_64", Size: 271100}, {ID: id + 1, Name: "kernel-core", Arch: "x86_64"},
			{ID: id + 2, Name: "kernel-devel", Arch: "aarch64"}, {ID: id + 3, Name: "kernel", Arch: "src"}}
	}
	return map[string][]kojitest.Build{
		"koji-fedora": {
			{ID: 200, Name: "kernel", Version: "6.16.8", Release: "100.fc41", State: koji.Complete, CompletionTS: 1757000000, RPMs: devel(2000)},
			{ID: 201, Name: "kernel", Version: "6.16.9", Release: "100.fc41", State: koji.Deleted, CompletionTS: 1757100000, RPMs: devel(2010)},
			{ID: 202, Name: "kernel", Version: "6.16.10", Release: "100.fc41", State: koji.Failed},
			{ID: 203, Name: "kernel", Version: "6.7.5", Release: "100.fc38", State: koji.Complete, Volume: "fedora_koji_archive02", CompletionTS: 1715000000, RPMs: devel(2030)},
			{ID: 204, Name: "kernel", Version: "6.17.8", Release: "100.fc41", State: koji.Complete, CompletionTS: 1763000000, RPMs: devel(2040)},
			{ID: 205, Name: "kernel", Version: "6.16.11", Release: "100.fc41", State: koji.Building},
			{ID: 206, Name: "kernel", Version: "6.15.0", Release: "200.fc42", State: koji.Complete, CompletionTS: 1750000000, RPMs: devel(2060)},
			{ID: 207, Name: "kernel", Version: "6.16.12", Release: "100.fc41", State: koji.Canceled},
		},
		"koji-stream": {
			{ID: 300, Name: "kernel", Version: "5.14.0", Release: "600.el9", State: koji.Complete, CompletionTS: 1750000000, RPMs: devel(3000)},
			{ID: 301, Name: "kernel", Version: "5.14.0", Release: "570.el9", State: koji.Complete, CompletionTS: 1740000000, RPMs: devel(3010)},
		},
		"koji-cbs": {
			{ID: 400, Name: "kernel", Version: "5.14.0", Release: "580.el9", State: koji.Complete, CompletionTS: 1745000000, RPMs: devel(4000)},
		},
	}
}

// env is every server a resolve test talks to: the distributions' mirrors
// (fixtures/rpm/distros), three fake hubs, and one file server for the hubs' topurls
// and explicit URLs.
type env struct {
	mirrors map[string]string
	distros string // the mirrors' server
	hubs    map[string]*kojitest.Hub
	files   *httptest.Server
	// bodyBytes counts the body bytes the file server wrote, by the file it served.
	bodyBytes map[string]*atomic.Int64
	noRange   atomic.Bool // the file server ignores Range
	mu        sync.Mutex
	alias     map[string]string // /urls/<name> → a file under filesRoot
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{mirrors: map[string]string{}, hubs: map[string]*kojitest.Hub{}, alias: map[string]string{}, bodyBytes: map[string]*atomic.Int64{}}
	distroSrv := rpmfixture.Serve(t, distrosRoot, nil)
	e.distros = distroSrv.URL
	for _, d := range distros.All() {
		for k := range d.Mirrors() {
			e.mirrors[k] = distroSrv.URL + "/" + k
		}
	}
	e.files = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.noRange.Load() {
			r.Header.Del("Range")
		}
		p := strings.TrimPrefix(r.URL.Path, "/")
		e.mu.Lock()
		if a, ok := e.alias[p]; ok {
			p = a
		}
		count, ok := e.bodyBytes[p]
		if !ok {
			count = &atomic.Int64{}
			e.bodyBytes[p] = count
		}
		e.mu.Unlock()
		f, err := os.Open(filepath.Join(filesRoot, filepath.FromSlash(p)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		http.ServeContent(&countingWriter{ResponseWriter: w, n: count}, r, p, time.Unix(1795305600, 0), f)
	}))
	t.Cleanup(e.files.Close)
	for hub, builds := range hubBuilds() {
		h := &kojitest.Hub{T: t, Packages: map[string]int64{"kernel": 8}, Builds: builds}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		e.hubs[hub] = h
		e.mirrors[hub] = srv.URL + "/kojihub"
		e.mirrors[hub+"-files"] = e.files.URL + "/" + hub + "-files"
	}
	return e
}

// served is the body bytes the file server wrote of a file.
func (e *env) served(file string) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.bodyBytes[file]; ok {
		return c.Load()
	}
	return 0
}

// url is an explicit URL named name whose bytes are file's.
func (e *env) url(name, file string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.alias["urls/"+name] = file
	return e.files.URL + "/urls/" + name
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n.Add(int64(n))
	return n, err
}

func newFetcher(t *testing.T) *fetch.Client {
	t.Helper()
	c := fetch.New(fetch.Options{Retries: -1, CacheDir: t.TempDir()})
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// headerEnd reads where an RPM's main header ends, by the format, independently of
// ReadNEVRA: the payload starts there.
func headerEnd(t *testing.T, rel string) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(filesRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	be := func(o int) int64 { return int64(b[o])<<24 | int64(b[o+1])<<16 | int64(b[o+2])<<8 | int64(b[o+3]) }
	off := int64(96)
	off += 16 + 16*be(int(off)+8) + be(int(off)+12)
	off += (8 - off%8) % 8
	return off + 16 + 16*be(int(off)+8) + be(int(off)+12)
}
