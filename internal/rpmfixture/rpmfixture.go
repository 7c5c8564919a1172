// Package rpmfixture serves fixtures/rpm/distros, the RPM mirrors the
// fixture generator made, to tests of every package that crawls them.
package rpmfixture

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"testing"
)

// Placeholder is the host the generator writes into mirror.list files
// (fixtures/rpm/README.md); the server answers with its own URL instead.
const Placeholder = "http://MIRROR"

// Serve serves root (the fixtures/rpm/distros directory, relative to the
// calling test) until the test ends. intercept, when not nil, sees every
// request first and reports whether it answered it (a fault: a 404, a
// status, another body).
func Serve(t testing.TB, root string, intercept func(w http.ResponseWriter, r *http.Request) bool) *httptest.Server {
	t.Helper()
	files := http.FileServer(http.Dir(root))
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if intercept != nil && intercept(w, r) {
			return
		}
		if path.Base(r.URL.Path) != "mirror.list" {
			files.ServeHTTP(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(bytes.ReplaceAll(b, []byte(Placeholder), []byte(srv.URL)))
	}))
	t.Cleanup(srv.Close)
	return srv
}
