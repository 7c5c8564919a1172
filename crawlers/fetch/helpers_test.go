package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// fastBackoff keeps retry tests quick: 1ms, 2ms, 4ms, ...
var fastBackoff = Backoff{Base: time.Millisecond, Factor: 2, Max: 10 * time.Millisecond}

// newTestClient returns a Client with a fast backoff and short timeouts unless o sets them.
func newTestClient(t *testing.T, o Options) *Client {
	t.Helper()
	if o.Backoff == (Backoff{}) {
		o.Backoff = fastBackoff
	}
	if o.HeaderTimeout == 0 {
		o.HeaderTimeout = 5 * time.Second
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 5 * time.Second
	}
	c := New(o)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// newServer starts h on loopback. At the end of the test it drops every connection first,
// which ends handlers blocked in hang.
func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

// hang blocks until the client goes away.
func hang(r *http.Request) { <-r.Context().Done() }

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// stanzas is real Packages text (Debian trixie riscv64 linux stanzas).
func stanzas(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/stanzas.txt")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mirrorFile is one file of a fakeMirror.
type mirrorFile struct {
	body    []byte
	etag    string
	lastMod string
	chunked bool // no Content-Length
}

// fakeMirror serves files by path, answers conditional GETs itself, and records the
// request headers it saw, so tests can check what the client sent.
type fakeMirror struct {
	mu    sync.Mutex
	files map[string]mirrorFile
	seen  []http.Header
}

func newMirror(t *testing.T, files map[string]mirrorFile) (*fakeMirror, *httptest.Server) {
	t.Helper()
	m := &fakeMirror{files: files}
	srv := newServer(t, m.serve)
	return m, srv
}

func (m *fakeMirror) set(path string, f mirrorFile) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[path] = f
}

func (m *fakeMirror) headers() []http.Header {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]http.Header(nil), m.seen...)
}

func (m *fakeMirror) serve(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.seen = append(m.seen, r.Header.Clone())
	f, ok := m.files[r.URL.Path]
	m.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	if f.etag != "" {
		w.Header().Set("ETag", f.etag)
	}
	if f.lastMod != "" {
		w.Header().Set("Last-Modified", f.lastMod)
	}
	// RFC 9110 13.1.3: If-Modified-Since is ignored when If-None-Match is present.
	if (inm != "" && inm == f.etag) || (inm == "" && ims != "" && ims == f.lastMod) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if f.chunked {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
	}
	w.Write(f.body)
}

func wantURL(t *testing.T, err error, url string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one naming %s", url)
	}
	if !strings.Contains(err.Error(), url) {
		t.Errorf("error %q does not name the URL %s", err, url)
	}
}
