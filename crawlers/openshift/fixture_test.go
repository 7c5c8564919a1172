package openshift

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
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
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// The fixture registry is go-containerregistry's in-process registry
// behind a token flow as quay.io runs it: /v2/ answers 401 with a Bearer
// challenge whose realm is https://quay.io/v2/auth (reached through the
// --registry rewrite, as a mirror would be), the realm swaps Basic
// credentials for a token (an anonymous token without them, a 401 for
// wrong ones), and only the good token reaches the registry. Every request
// is logged. Images are pushed through a second, open server over the
// same storage, which is not logged.
type fixtureRegistry struct {
	open, authed *httptest.Server
	user, pass   string

	mu     sync.Mutex
	log    []string // "GET /v2/…" as the crawler sent them
	layers []string // digests of every layer pushed
}

const goodToken = "fixture-token"

func newFixtureRegistry(t *testing.T) *fixtureRegistry {
	t.Helper()
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	r := &fixtureRegistry{user: "robot", pass: "s3cret-pass"}
	r.open = httptest.NewServer(h)
	r.authed = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.log = append(r.log, req.Method+" "+req.URL.Path)
		r.mu.Unlock()
		if req.URL.Path == "/v2/auth" {
			user, pass, ok := req.BasicAuth()
			switch {
			case !ok:
				_ = json.NewEncoder(w).Encode(map[string]string{"token": "anonymous"})
			case user == r.user && pass == r.pass:
				_ = json.NewEncoder(w).Encode(map[string]string{"token": goodToken})
			default:
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"invalid username/password"}]}`)
			}
			return
		}
		if req.Header.Get("Authorization") != "Bearer "+goodToken {
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://quay.io/v2/auth",service="quay.io"`)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"access to the requested resource is not authorized"}]}`)
			return
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(r.open.Close)
	t.Cleanup(r.authed.Close)
	return r
}

func (r *fixtureRegistry) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

func (r *fixtureRegistry) resetLog() {
	r.mu.Lock()
	r.log = nil
	r.mu.Unlock()
}

// rewrite is the --registry value that sends quay.io to the fixture.
func (r *fixtureRegistry) rewrite(t *testing.T) map[string]*url.URL {
	t.Helper()
	host, u, err := ParseRewrite("quay.io=" + r.authed.URL)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*url.URL{host: u}
}

// image makes a one-layer image whose config carries the ostree.linux label.
func (r *fixtureRegistry) image(t *testing.T, arch, kernel string, oci bool) v1.Image {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Config.Labels = map[string]string{KernelLabel: kernel, "io.openshift.build.versions": "machine-os=fixture"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	if oci {
		img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		r.mu.Lock()
		r.layers = append(r.layers, d.String())
		r.mu.Unlock()
	}
	return img
}

// push writes img (a v1.Image or v1.ImageIndex) to the component
// repository and returns its quay.io pull spec by digest.
func (r *fixtureRegistry) push(t *testing.T, img any) string {
	t.Helper()
	host := strings.TrimPrefix(r.open.URL, "http://")
	ref, err := name.ParseReference(host + "/openshift-release-dev/ocp-v4.0-art-dev:push")
	if err != nil {
		t.Fatal(err)
	}
	var d v1.Hash
	switch x := img.(type) {
	case v1.Image:
		err = remote.Write(ref, x)
		if err == nil {
			d, err = x.Digest()
		}
	case v1.ImageIndex:
		err = remote.WriteIndex(ref, x)
		if err == nil {
			d, err = x.Digest()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return ComponentRepo + "@" + d.String()
}

// index makes a manifest list of the images, by their config's arch.
func index(t *testing.T, oci bool, imgs ...v1.Image) v1.ImageIndex {
	t.Helper()
	var idx v1.ImageIndex = empty.Index
	if oci {
		idx = mutate.IndexMediaType(idx, types.OCIImageIndex)
	} else {
		idx = mutate.IndexMediaType(idx, types.DockerManifestList)
	}
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: cf.Architecture}}})
	}
	return idx
}

// noLayerFetched fails when the crawler asked for any layer blob.
func (r *fixtureRegistry) noLayerFetched(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, req := range r.log {
		for _, l := range r.layers {
			if strings.HasSuffix(req, "/blobs/"+l) {
				t.Errorf("a layer was fetched: %s", req)
			}
		}
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
	s := sha256.Sum256([]byte("driver-toolkit " + version + " " + dir))
	return "sha256:" + hex.EncodeToString(s[:])
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
	hits int
}

func newFixtureMirror(t *testing.T, graphFile string) *fixtureMirror {
	t.Helper()
	graph, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "openshift", graphFile))
	if err != nil {
		t.Fatal(err)
	}
	m := &fixtureMirror{rels: map[string]fixtureRelease{}}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		m.mu.Lock()
		m.hits++
		m.mu.Unlock()
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

// pullSecret writes a pull secret for quay.io with user:pass.
func pullSecret(t *testing.T, user, pass string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pull-secret.json")
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	doc := fmt.Sprintf(`{"auths":{"cloud.openshift.com":{"auth":"b3RoZXI6b3RoZXI=","email":"someone@example.com"},"quay.io":{"auth":%q,"email":"someone@example.com"}}}`, auth)
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// noEnv is a Getenv with no REGISTRY_AUTH_FILE; noDocker an empty keychain
// (tests never read the machine's docker config).
func noEnv(string) string { return "" }

var noDocker = authn.NewMultiKeychain()

func newFetcher(t *testing.T, cacheDir string) *fetch.Client {
	t.Helper()
	return fetch.New(fetch.Options{CacheDir: cacheDir, Retries: -1})
}
