package rpmfixture

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServe: a mirror.list names the server itself, other files are served
// as they are, a missing mirror.list is a 404, and intercept answers first.
func TestServe(t *testing.T) {
	const list = "/amazonlinux2023/mirrors/latest/x86_64/mirror.list"
	srv := Serve(t, "../../fixtures/rpm/distros", func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/gone/mirror.list" {
			http.Error(w, "gone", http.StatusGone)
			return true
		}
		return false
	})
	get := func(p string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get(list)
	if code != http.StatusOK || !strings.HasPrefix(body, srv.URL+"/") || strings.Contains(body, Placeholder) {
		t.Errorf("%s: %d %q, want it to name %s", list, code, body, srv.URL)
	}
	if code, body := get("/amazonlinux2023/releasemd.xml"); code != http.StatusOK || !strings.Contains(body, "<releases") {
		t.Errorf("releasemd.xml: %d %.60q", code, body)
	}
	if code, _ := get("/nowhere/mirror.list"); code != http.StatusNotFound {
		t.Errorf("missing mirror.list: %d, want 404", code)
	}
	if code, _ := get("/gone/mirror.list"); code != http.StatusGone {
		t.Errorf("intercepted: %d, want 410", code)
	}
}
