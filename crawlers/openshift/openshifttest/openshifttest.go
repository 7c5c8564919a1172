// Package openshifttest serves OpenShift's release data and a registry on
// loopback for tests of RHCOS crawls outside crawlers/openshift (the
// runner, the command): go-containerregistry's in-process registry behind
// quay.io's token flow, and a mirror serving upgrade graphs and
// release.txt files. It does no I/O beyond its loopback servers.
//
// The graphs it serves are constructed (no real graph of a minor from
// 4.13 on was recorded; fixtures/openshift has the recorded 4.9 one, in
// the same format), and so are the release.txt files, in the layout of
// the recorded samples (fixtures/openshift/README.md).
package openshifttest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ComponentRepo is where a release's component images live (the
// crawler's openshift.ComponentRepo).
const ComponentRepo = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"

// Registry is the in-process registry as quay.io: /v2/ answers 401 with a
// Bearer challenge whose realm is https://quay.io/v2/auth (reached through
// the crawl's --registry quay.io=URL), the realm swaps User:Pass for a
// token when asked for the challenge's service and a pull scope of the
// component repository (a token of no access otherwise, as for anonymous
// callers), and only that token reaches the registry. Every request the
// crawler sends is logged; images are pushed through a second, unlogged
// server over the same storage.
type Registry struct {
	URL        string // --registry quay.io=URL
	User, Pass string

	open   *httptest.Server
	mu     sync.Mutex
	log    []string
	layers []string
}

const token = "openshifttest-token"

// NewRegistry starts a registry, closed at the test's end.
func NewRegistry(t testing.TB) *Registry {
	t.Helper()
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	r := &Registry{User: "robot", Pass: "s3cret-pass"}
	r.open = httptest.NewServer(h)
	authed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.log = append(r.log, req.Method+" "+req.URL.Path)
		r.mu.Unlock()
		if req.URL.Path == "/v2/auth" {
			// The token request of the Docker token flow: the challenge's
			// service, and a pull scope of the repository read.
			q := req.URL.Query()
			user, pass, ok := req.BasicAuth()
			switch {
			case q.Get("service") != "quay.io" || !slices.Contains(q["scope"], "repository:openshift-release-dev/ocp-v4.0-art-dev:pull"):
				_ = json.NewEncoder(w).Encode(map[string]string{"token": "no-access"})
			case !ok:
				_ = json.NewEncoder(w).Encode(map[string]string{"token": "anonymous"})
			case user == r.User && pass == r.Pass:
				_ = json.NewEncoder(w).Encode(map[string]string{"token": token})
			default:
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"invalid username/password"}]}`)
			}
			return
		}
		if req.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://quay.io/v2/auth",service="quay.io"`)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"access to the requested resource is not authorized"}]}`)
			return
		}
		h.ServeHTTP(w, req)
	}))
	r.URL = authed.URL
	t.Cleanup(r.open.Close)
	t.Cleanup(authed.Close)
	return r
}

// Requests are the requests the crawler sent, "GET /v2/…".
func (r *Registry) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

// LayerRequests are the requests for a layer blob of an image pushed.
func (r *Registry) LayerRequests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, req := range r.log {
		for _, l := range r.layers {
			if strings.HasSuffix(req, "/blobs/"+l) {
				out = append(out, req)
			}
		}
	}
	return out
}

// ResetLog forgets the requests logged so far.
func (r *Registry) ResetLog() {
	r.mu.Lock()
	r.log = nil
	r.mu.Unlock()
}

// CoreOS pushes an rhel-coreos image: a manifest list of an amd64 and an
// arm64 image (OCI), each with one random layer and its kernel in the
// ostree.linux label. It returns the pull spec by digest.
func (r *Registry) CoreOS(t testing.TB, amd64Kernel, arm64Kernel string) string {
	t.Helper()
	return r.Push(t, Index(t, true, Image(t, "amd64", amd64Kernel, true), Image(t, "arm64", arm64Kernel, true)))
}

// Image makes a one-layer image of arch whose config carries the kernel in
// the ostree.linux label, in OCI or Docker media types.
func Image(t testing.TB, arch, kernel string, oci bool) v1.Image {
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
	cf.Config.Labels = map[string]string{"ostree.linux": kernel, "io.openshift.build.versions": "machine-os=fixture"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	if oci {
		img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
	}
	return img
}

// Index makes a manifest list (OCI image index or Docker manifest list)
// of the images, each under its config's platform.
func Index(t testing.TB, oci bool, imgs ...v1.Image) v1.ImageIndex {
	t.Helper()
	mt := types.DockerManifestList
	if oci {
		mt = types.OCIImageIndex
	}
	idx := mutate.IndexMediaType(empty.Index, mt)
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: cf.Architecture}}})
	}
	return idx
}

// Push writes img (a v1.Image or v1.ImageIndex) to the component
// repository and returns its quay.io pull spec by digest. The layers of
// every image pushed are what LayerRequests looks for.
func (r *Registry) Push(t testing.TB, img any) string {
	t.Helper()
	ref, err := name.ParseReference(strings.TrimPrefix(r.open.URL, "http://") + "/openshift-release-dev/ocp-v4.0-art-dev:pull")
	if err != nil {
		t.Fatal(err)
	}
	var d v1.Hash
	switch x := img.(type) {
	case v1.Image:
		r.noteLayers(t, x)
		if err = remote.Write(ref, x); err == nil {
			d, err = x.Digest()
		}
	case v1.ImageIndex:
		im, ierr := x.IndexManifest()
		if ierr != nil {
			t.Fatal(ierr)
		}
		for _, desc := range im.Manifests {
			child, cerr := x.Image(desc.Digest)
			if cerr != nil {
				t.Fatal(cerr)
			}
			r.noteLayers(t, child)
		}
		if err = remote.WriteIndex(ref, x); err == nil {
			d, err = x.Digest()
		}
	default:
		t.Fatalf("Push: %T is neither a v1.Image nor a v1.ImageIndex", img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ComponentRepo + "@" + d.String()
}

func (r *Registry) noteLayers(t testing.TB, img v1.Image) {
	t.Helper()
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
}

// PullSecret writes a pull secret ({"auths":{…}}) for quay.io with
// user:pass, beside another registry's entry as the real file has.
func PullSecret(t testing.TB, user, pass string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pull-secret.json")
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	doc := fmt.Sprintf(`{"auths":{"cloud.openshift.com":{"auth":"b3RoZXI6b3RoZXI=","email":"someone@example.com"},"quay.io":{"auth":%q,"email":"someone@example.com"}}}`, auth)
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Release is one z-stream: its version and the rhel-coreos pull spec.
type Release struct {
	Version string // "4.15.3"
	CoreOS  string // the CoreOS pull spec (a manifest list for both arches)
}

// Mirror serves /graph/v1/graph?channel=stable-<minor>&arch=<amd64|arm64>
// (JSON, to a client that asks for it) and
// /mirror/<x86_64|aarch64>/clients/ocp/<version>/release.txt.
type Mirror struct {
	URL string

	mu   sync.Mutex
	rels map[string][]Release // minor → its z-streams
	log  []string             // the requests' paths and queries
}

// NewMirror starts a mirror, closed at the test's end.
func NewMirror(t testing.TB) *Mirror {
	m := &Mirror{rels: map[string][]Release{}}
	srv := httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	return m
}

// Add publishes z-streams of a minor.
func (m *Mirror) Add(minor string, rels ...Release) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rels[minor] = append(m.rels[minor], rels...)
}

// Requests are the requests the mirror got, by path and query.
func (m *Mirror) Requests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.log...)
}

// Mirrors are the --mirror values: openshift and openshift-graph.
func (m *Mirror) Mirrors() map[string]string {
	return map[string]string{"openshift": m.URL + "/mirror", "openshift-graph": m.URL + "/graph"}
}

func (m *Mirror) serve(w http.ResponseWriter, req *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log = append(m.log, req.URL.RequestURI())
	if req.URL.Path == "/graph/v1/graph" {
		if req.Header.Get("Accept") != "application/json" {
			http.Error(w, "not acceptable", http.StatusNotAcceptable)
			return
		}
		q := req.URL.Query()
		if a := q.Get("arch"); a != "amd64" && a != "arm64" {
			http.Error(w, "bad arch", http.StatusBadRequest)
			return
		}
		minor, _ := strings.CutPrefix(q.Get("channel"), "stable-")
		type node struct {
			Version  string            `json:"version"`
			Payload  string            `json:"payload"`
			Metadata map[string]string `json:"metadata"`
		}
		nodes := []node{}
		for _, r := range m.rels[minor] {
			nodes = append(nodes, node{Version: r.Version, Payload: "quay.io/openshift-release-dev/ocp-release@" + digest("payload "+r.Version),
				Metadata: map[string]string{"io.openshift.upgrades.graph.release.channels": "candidate-" + minor + ",fast-" + minor + ",stable-" + minor}})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"version": 1, "nodes": nodes, "edges": [][2]int{}, "conditionalEdges": []any{}})
		return
	}
	rest, ok := strings.CutPrefix(req.URL.Path, "/mirror/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 5 || parts[1] != "clients" || parts[2] != "ocp" || parts[4] != "release.txt" {
		http.NotFound(w, req)
		return
	}
	dir, version := parts[0], parts[3]
	for _, rels := range m.rels {
		for _, r := range rels {
			if r.Version == version && (dir == "x86_64" || dir == "aarch64") {
				_, _ = io.WriteString(w, releaseTxt(r, dir))
				return
			}
		}
	}
	http.NotFound(w, req)
}

// DriverToolkit is the fixture's driver-toolkit pull spec of a release on
// a mirror arch directory (x86_64, aarch64): a digest never read.
func DriverToolkit(version, dir string) string {
	return ComponentRepo + "@" + digest("driver-toolkit "+version+" "+dir)
}

func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(h[:])
}

// releaseTxt writes a release.txt in the mirror's layout (banner, the
// `oc adm release info` header and a PULL SPEC Images table, as the
// recorded samples have them).
func releaseTxt(r Release, dir string) string {
	var b strings.Builder
	p := digest("payload " + r.Version + " " + dir)
	osArch := map[string]string{"x86_64": "amd64", "aarch64": "arm64"}[dir]
	fmt.Fprintf(&b, "Client tools for OpenShift\n--------------------------\n\n")
	fmt.Fprintf(&b, "Name:           %s\nDigest:         %s\nCreated:        2026-05-14T08:49:02Z\nOS/Arch:        linux/%s\nManifests:      761\nMetadata files: 2\n\n", r.Version, p, osArch)
	fmt.Fprintf(&b, "Pull From: quay.io/openshift-release-dev/ocp-release@%s\n\n", p)
	fmt.Fprintf(&b, "Release Metadata:\n  Version:  %s\n\nComponent Versions:\n  kubernetes       1.28.6\n  machine-os       415.92.202402130021-0 Red Hat Enterprise Linux CoreOS\n\nImages:\n", r.Version)
	fmt.Fprintf(&b, "  %-46s %s\n", "NAME", "PULL SPEC")
	for _, row := range [][2]string{
		{"cli", ComponentRepo + "@sha256:43159f5486cc113d64d5ba04d781c16a084d18745a911a5ae7200bb895778a72"},
		{"driver-toolkit", DriverToolkit(r.Version, dir)},
		{"rhel-coreos", r.CoreOS},
	} {
		fmt.Fprintf(&b, "  %-46s %s\n", row[0], row[1])
	}
	return b.String()
}
