package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// TestDialPolicy: the Client never connects to link-local or metadata addresses, whether
// a URL names them, a redirect leads there or a name resolves to them (checked at dial
// time, after resolution); loopback is refused too with RefuseLoopback. Nothing is
// retried. (Refused before connect: no packet leaves the machine.)
func TestDialPolicy(t *testing.T) {
	var hits atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
			return
		}
		w.Write([]byte("ok"))
	})
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	tests := []struct {
		name    string
		url     string
		refuse  bool // Options.RefuseLoopback
		wantErr string
		hits    int32
	}{
		{name: "metadata", url: "http://169.254.169.254/latest/meta-data/", wantErr: "cloud metadata"},
		{name: "link-local", url: "http://169.254.1.1:8080/repo/", wantErr: "link-local"},
		{name: "AWS IPv6 metadata", url: "http://[fd00:ec2::254]/latest/", wantErr: "cloud metadata"},
		{name: "IPv6 link-local", url: "http://[fe80::1]/", wantErr: "link-local"},
		{name: "unspecified", url: "http://0.0.0.0:" + port + "/", wantErr: "unspecified"},
		{name: "redirect to metadata", url: srv.URL + "/redirect", wantErr: "cloud metadata", hits: 1},
		{name: "loopback refused", url: srv.URL + "/x", refuse: true, wantErr: "loopback"},
		{name: "a name resolving to loopback", url: "http://localhost:" + port + "/x", refuse: true, wantErr: "loopback"},
		{name: "loopback allowed", url: "http://localhost:" + port + "/x", hits: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			c := newTestClient(t, Options{RefuseLoopback: tt.refuse})
			got, err := c.Get(context.Background(), Request{URL: tt.url})
			if tt.wantErr == "" {
				if err != nil || string(got) != "ok" {
					t.Fatalf("Get = %q, %v", got, err)
				}
			} else {
				var he *HostError
				if !errors.As(err, &he) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Get: %v; want a *HostError saying %q", err, tt.wantErr)
				}
				if st := c.Stats(); st.Retries != 0 {
					t.Errorf("%d retries of a refused address", st.Retries)
				}
			}
			if hits.Load() != tt.hits {
				t.Errorf("%d requests reached the server, want %d", hits.Load(), tt.hits)
			}
		})
	}
}

// TestPolicyThroughProxy: behind a proxy the Client dials only the proxy, so the URL
// itself is checked before the request is sent: the proxy never sees a metadata request.
func TestPolicyThroughProxy(t *testing.T) {
	var hits atomic.Int32
	proxy := newServer(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.Write([]byte("ok")) })
	pu, err := url.Parse(proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, Options{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}})
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/"} {
		_, err := c.Get(context.Background(), Request{URL: u})
		var he *HostError
		if !errors.As(err, &he) || !strings.Contains(err.Error(), u) {
			t.Errorf("Get(%s) through a proxy: %v; want a *HostError naming it", u, err)
		}
	}
	if got, err := c.Get(context.Background(), Request{URL: "http://mirror.example/repodata/repomd.xml"}); err != nil || string(got) != "ok" {
		t.Errorf("an ordinary URL through the proxy: %q, %v", got, err)
	}
	if hits.Load() != 1 {
		t.Errorf("the proxy saw %d requests, want 1 (the ordinary one)", hits.Load())
	}
}
