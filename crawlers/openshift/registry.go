package openshift

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// RegistryOptions configure a Registry.
type RegistryOptions struct {
	Credentials
	// Rewrites reach a registry host at another address: "quay.io" →
	// "https://mirror.example:5000" (a disconnected cluster's mirror). The
	// references keep their host; only the connection goes elsewhere.
	Rewrites map[string]*url.URL
	// Transport is the base transport (the crawl's, with its limits and
	// host policy); nil = http.DefaultTransport.
	Transport http.RoundTripper
}

// ParseRewrite reads a "HOST=URL" value: a registry host and the http(s)
// base URL that serves its /v2/ API.
func ParseRewrite(s string) (string, *url.URL, error) {
	host, raw, ok := strings.Cut(s, "=")
	if !ok || host == "" || strings.ContainsAny(host, "/@ ") {
		return "", nil, fmt.Errorf("registry rewrite %q: want HOST=URL (quay.io=https://mirror.example:5000)", s)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, fmt.Errorf("registry rewrite %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", nil, fmt.Errorf("registry rewrite %q: want an http(s) URL with a host and no path, query or user", s)
	}
	return host, &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// Registry reads image configs by digest through go-containerregistry.
type Registry struct {
	keychain  authn.Keychain
	sources   []string
	transport http.RoundTripper

	mu     sync.Mutex
	found  map[string]bool  // registry host → a keychain had credentials for it
	failed map[string]error // registry host → its authentication failure, reported once
}

// NewRegistry builds a Registry. It fails on an unreadable pull secret.
func NewRegistry(o RegistryOptions) (*Registry, error) {
	kc, sources, err := o.Credentials.keychain()
	if err != nil {
		return nil, err
	}
	base := o.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if len(o.Rewrites) > 0 {
		base = &rewriteTransport{next: base, to: o.Rewrites}
	}
	return &Registry{keychain: kc, sources: sources, transport: base, found: map[string]bool{}, failed: map[string]error{}}, nil
}

// rewriteTransport sends a request for a rewritten host to its address.
type rewriteTransport struct {
	next http.RoundTripper
	to   map[string]*url.URL
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u, ok := t.to[req.URL.Host]
	if !ok {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, ""
	return t.next.RoundTrip(r)
}

// AuthError is a registry that refused the crawl: no credentials were
// found for it, or the ones found were refused. It is reported once; the
// crawl's other reads of that registry fail with the same error unsent.
type AuthError struct {
	Registry string
	Missing  bool     // no credentials found for it
	Sources  []string // where credentials were looked for
	Err      error
}

func (e *AuthError) Error() string {
	where := strings.Join(e.Sources, ", ")
	if e.Missing {
		return fmt.Sprintf("%s needs credentials and none were found (looked in: %s): give an OpenShift pull secret (the {\"auths\":{…}} file from https://console.redhat.com/openshift/install/pull-secret) with --pull-secret FILE, or set REGISTRY_AUTH_FILE to one: %v",
			e.Registry, where, e.Err)
	}
	return fmt.Sprintf("%s refused the credentials found (in: %s); check that the pull secret is current: %v", e.Registry, where, e.Err)
}

func (e *AuthError) Unwrap() error { return e.Err }

// tracking notes, per registry, whether a keychain had credentials.
type tracking struct {
	r  *Registry
	kc authn.Keychain
}

func (t tracking) Resolve(res authn.Resource) (authn.Authenticator, error) {
	a, err := t.kc.Resolve(res)
	if err == nil && a != authn.Anonymous {
		t.r.mu.Lock()
		t.r.found[res.RegistryStr()] = true
		t.r.mu.Unlock()
	}
	return a, err
}

// ConfigFile reads the config of the image ref ("repo@sha256:…") for the
// platform's architecture ("amd64", "arm64"): the manifest (through a
// manifest list when it is one) and the config blob, never a layer.
func (r *Registry) ConfigFile(ctx context.Context, ref, arch string) (*v1.ConfigFile, error) {
	d, err := name.NewDigest(ref)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", ref, err)
	}
	host := d.RegistryStr()
	r.mu.Lock()
	ferr := r.failed[host]
	r.mu.Unlock()
	if ferr != nil {
		return nil, ferr
	}
	img, err := remote.Image(d,
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(tracking{r: r, kc: r.keychain}),
		remote.WithTransport(r.transport),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}))
	if err == nil {
		var cf *v1.ConfigFile
		if cf, err = img.ConfigFile(); err == nil {
			if cf.Architecture != "" && cf.Architecture != arch {
				return nil, fmt.Errorf("image %s: its config is for %s, not %s", ref, cf.Architecture, arch)
			}
			return cf, nil
		}
	}
	return nil, r.classify(host, ref, err)
}

func (r *Registry) classify(host, ref string, err error) error {
	var te *transport.Error
	if !errors.As(err, &te) || (te.StatusCode != http.StatusUnauthorized && te.StatusCode != http.StatusForbidden) {
		return fmt.Errorf("image %s: %w", ref, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if f := r.failed[host]; f != nil {
		return f
	}
	ae := &AuthError{Registry: host, Missing: !r.found[host], Sources: r.sources, Err: fmt.Errorf("image %s: %w", ref, err)}
	r.failed[host] = ae
	return ae
}
