// Package rpmfixture serves fixtures/rpm/distros, the RPM mirrors the
// fixture generator made, to tests of every package that crawls them and
// to the offline demo (internal/demo).
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
	srv := httptest.NewServer(Handler(root, intercept))
	t.Cleanup(srv.Close)
	return srv
}

// Handler serves root as Serve does, for a server the caller runs. A
// mirror.list names the server as the request addressed it
// (http://<Host>), so Handler must be served at the root of a plain-HTTP
// server.
func Handler(root string, intercept func(w http.ResponseWriter, r *http.Request) bool) http.Handler {
	files := http.FileServer(http.Dir(root))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if intercept != nil && intercept(w, r) {
			return
		}
		if path.Base(r.URL.Path) != "mirror.list" {
			files.ServeHTTP(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path.Clean("/"+r.URL.Path))))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(bytes.ReplaceAll(b, []byte(Placeholder), []byte("http://"+r.Host)))
	})
}
