package openshift

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/openshift/openshifttest"
)

// The fixture registry is openshifttest's: go-containerregistry's
// in-process registry behind quay.io's token flow (a 401 with a Bearer
// challenge whose realm, https://quay.io/v2/auth, is reached through the
// --registry rewrite; the realm swaps Basic credentials for a token, an
// anonymous one without them, a 401 for wrong ones), every request the
// crawler sends logged.

// TestFixtureRepo: the fake pushes to the repository the crawler reads.
func TestFixtureRepo(t *testing.T) {
	if openshifttest.ComponentRepo != ComponentRepo {
		t.Fatalf("openshifttest pushes to %s, the crawler reads %s", openshifttest.ComponentRepo, ComponentRepo)
	}
}

// rewriteTo is the --registry value that sends quay.io to the fixture.
func rewriteTo(t *testing.T, r *openshifttest.Registry) map[string]*url.URL {
	t.Helper()
	host, u, err := ParseRewrite("quay.io=" + r.URL)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*url.URL{host: u}
}

// noLayerFetched fails when the crawler asked for any layer blob.
func noLayerFetched(t *testing.T, r *openshifttest.Registry) {
	t.Helper()
	for _, req := range r.LayerRequests() {
		t.Errorf("a layer was fetched: %s", req)
	}
}

// loopbackOnly is the registry's base transport in tests: it dials
// loopback only and records (and refuses) every other address, so no
// test ever reaches quay.io.
type loopbackOnly struct {
	mu      sync.Mutex
	refused []string
	t       *http.Transport
}

func newLoopbackOnly() *loopbackOnly {
	l := &loopbackOnly{}
	d := &net.Dialer{}
	l.t = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if host != "127.0.0.1" && host != "::1" {
			l.mu.Lock()
			l.refused = append(l.refused, addr)
			l.mu.Unlock()
			return nil, errors.New("test transport: refused a non-loopback address " + addr)
		}
		return d.DialContext(ctx, network, addr)
	}}
	return l
}

func (l *loopbackOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	return l.t.RoundTrip(req)
}

func (l *loopbackOnly) refusedAddrs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.refused...)
}

// release is one z-stream of the fixture mirror on one arch.
type fixtureRelease struct {
	version, dir string
	coreos       string // pull spec of its rhel-coreos image
	pullSpec     bool   // the Images table has a PULL SPEC column (4.16+) rather than DIGEST
}

// dtkDigest is the fixture's driver-toolkit digest of a release: never
// read, so it need not exist in the registry.
func dtkDigest(version, dir string) string {
	_, d, _ := strings.Cut(openshifttest.DriverToolkit(version, dir), "@")
	return d
}

// releaseTxt writes a release.txt in the mirror's layout (the banner, the
// `oc adm release info` header of the recorded 4.18.42 sample, and an
// Images table in the DIGEST or PULL SPEC form of the recorded samples),
// naming the fixture's images.
func releaseTxt(r fixtureRelease) string {
	var b strings.Builder
	payload := sha256.Sum256([]byte("payload " + r.version + " " + r.dir))
	p := "sha256:" + hex.EncodeToString(payload[:])
	osArch := map[string]string{"x86_64": "amd64", "aarch64": "arm64"}[r.dir]
	fmt.Fprintf(&b, "Client tools for OpenShift\n--------------------------\n\n")
	fmt.Fprintf(&b, "Name:           %s\nDigest:         %s\nCreated:        2026-05-14T08:49:02Z\nOS/Arch:        linux/%s\nManifests:      761\nMetadata files: 2\n\n", r.version, p, osArch)
	fmt.Fprintf(&b, "Pull From: quay.io/openshift-release-dev/ocp-release@%s\n\n", p)
	fmt.Fprintf(&b, "Release Metadata:\n  Version:  %s\n  Upgrades: 4.8.10, 4.8.11\n  Metadata:\n    url: https://access.redhat.com/errata/RHBA-2021:4119\n\n", r.version)
	fmt.Fprintf(&b, "Component Versions:\n  kubectl          1.22.1\n  kubernetes       1.22.3\n  machine-os       49.84.202110220538-0 Red Hat Enterprise Linux CoreOS\n\nImages:\n")
	_, coreos, _ := strings.Cut(r.coreos, "@")
	rows := [][2]string{
		{"cli", "sha256:43159f5486cc113d64d5ba04d781c16a084d18745a911a5ae7200bb895778a72"},
		{"driver-toolkit", dtkDigest(r.version, r.dir)},
		{"rhel-coreos", coreos},
		{"rhel-coreos-extensions", "sha256:24aa147cd8f9358fe4100ed248ffb63d663f0a855dbf7a87f656d4edaa09638e"},
	}
	if r.pullSpec {
		fmt.Fprintf(&b, "  %-46s %s\n", "NAME", "PULL SPEC")
		for _, row := range rows {
			fmt.Fprintf(&b, "  %-46s %s@%s\n", row[0], ComponentRepo, row[1])
		}
	} else {
		fmt.Fprintf(&b, "  %-46s %s\n", "NAME", "DIGEST")
		for _, row := range rows {
			fmt.Fprintf(&b, "  %-46s %s\n", row[0], row[1])
		}
	}
	return b.String()
}

// fixtureMirror serves the recorded upgrade graph (for either arch) and
// the release.txt of every release in rels.
type fixtureMirror struct {
	srv  *httptest.Server
	mu   sync.Mutex
	rels map[string]fixtureRelease // "<dir>/<version>"
}

func newFixtureMirror(t *testing.T, graphFile string) *fixtureMirror {
	t.Helper()
	graph, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "openshift", graphFile))
	if err != nil {
		t.Fatal(err)
	}
	m := &fixtureMirror{rels: map[string]fixtureRelease{}}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/graph/v1/graph" {
			// The graph answers JSON only to a client that asks for it.
			if req.Header.Get("Accept") != "application/json" {
				http.Error(w, "not acceptable", http.StatusNotAcceptable)
				return
			}
			q := req.URL.Query()
			if q.Get("channel") != "stable-4.9" {
				_, _ = w.Write([]byte(`{"version":1,"nodes":[],"edges":[],"conditionalEdges":[]}`))
				return
			}
			if a := q.Get("arch"); a != "amd64" && a != "arm64" {
				http.Error(w, "bad arch", http.StatusBadRequest)
				return
			}
			_, _ = w.Write(graph)
			return
		}
		rest, ok := strings.CutPrefix(req.URL.Path, "/mirror/")
		parts := strings.Split(rest, "/")
		if !ok || len(parts) != 5 || parts[1] != "clients" || parts[2] != "ocp" || parts[4] != "release.txt" {
			http.NotFound(w, req)
			return
		}
		m.mu.Lock()
		r, ok := m.rels[parts[0]+"/"+parts[3]]
		m.mu.Unlock()
		if !ok {
			http.NotFound(w, req)
			return
		}
		_, _ = io.WriteString(w, releaseTxt(r))
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *fixtureMirror) add(r fixtureRelease) {
	m.mu.Lock()
	m.rels[r.dir+"/"+r.version] = r
	m.mu.Unlock()
}

func (m *fixtureMirror) mirrors() map[string]string {
	return map[string]string{MirrorKey: m.srv.URL + "/mirror", GraphKey: m.srv.URL + "/graph"}
}

// noEnv is a Getenv with no REGISTRY_AUTH_FILE; noDocker an empty keychain
// (tests never read the machine's docker config).
func noEnv(string) string { return "" }

var noDocker = authn.NewMultiKeychain()

func newFetcher(t *testing.T, cacheDir string) *fetch.Client {
	t.Helper()
	return fetch.New(fetch.Options{CacheDir: cacheDir, Retries: -1})
}
