package openshift

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
)

// Credentials say where registry credentials come from, in the order the
// container tools read them: the pull secret given, REGISTRY_AUTH_FILE,
// then the docker config (and podman's auth.json where there is none).
// Secrets are never logged: errors name files and registries only.
type Credentials struct {
	// PullSecret is a file in the {"auths":{…}} format (the pull secret
	// OpenShift users download); "" = none.
	PullSecret string
	// Getenv reads REGISTRY_AUTH_FILE; nil = os.Getenv.
	Getenv func(string) string
	// Default is the last keychain asked; nil = authn.DefaultKeychain (the
	// docker config). Tests pass an empty one.
	Default authn.Keychain
}

// keychain builds the keychain and names its sources for messages.
func (c Credentials) keychain() (authn.Keychain, []string, error) {
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var chain []authn.Keychain
	var sources []string
	if c.PullSecret != "" {
		a, err := LoadAuthFile(c.PullSecret)
		if err != nil {
			return nil, nil, err
		}
		chain = append(chain, a)
		sources = append(sources, "pull secret "+c.PullSecret)
	}
	if p := getenv("REGISTRY_AUTH_FILE"); p != "" {
		a, err := LoadAuthFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("REGISTRY_AUTH_FILE: %w", err)
		}
		chain = append(chain, a)
		sources = append(sources, "REGISTRY_AUTH_FILE "+p)
	}
	def := c.Default
	if def == nil {
		def = authn.DefaultKeychain
		sources = append(sources, "the docker config")
	}
	chain = append(chain, def)
	return authn.NewMultiKeychain(chain...), sources, nil
}

// AuthFile is a registry auth file: {"auths": {"quay.io": {"auth":
// base64("user:password")}}}, keys a registry or a repository prefix
// ("quay.io/openshift-release-dev"), as containers-auth.json(5) allows.
type AuthFile struct {
	path  string
	auths map[string]authn.AuthConfig
}

// LoadAuthFile reads an auth file. Its errors name the file and the key,
// never a credential.
func LoadAuthFile(path string) (*AuthFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pull secret: %w", err)
	}
	return ParseAuthFile(path, data)
}

// ParseAuthFile parses the bytes of the auth file named path.
func ParseAuthFile(path string, data []byte) (*AuthFile, error) {
	var doc struct {
		Auths map[string]struct {
			Auth          string `json:"auth"`
			Username      string `json:"username"`
			Password      string `json:"password"`
			IdentityToken string `json:"identitytoken"`
		} `json:"auths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		// Say where, never what: the file holds secrets. A type error's
		// own message names the Go type; its field and offset suffice.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			err = fmt.Errorf("%s is a JSON %s (byte %d)", te.Field, te.Value, te.Offset)
		}
		return nil, fmt.Errorf("pull secret %s: not an {\"auths\":{…}} JSON document: %w", path, err)
	}
	if doc.Auths == nil {
		return nil, fmt.Errorf("pull secret %s: no \"auths\" object", path)
	}
	a := &AuthFile{path: path, auths: map[string]authn.AuthConfig{}}
	for key, e := range doc.Auths {
		cfg := authn.AuthConfig{Username: e.Username, Password: e.Password, IdentityToken: e.IdentityToken}
		if e.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(e.Auth)
			if err != nil {
				return nil, fmt.Errorf("pull secret %s: the auth of %q is not base64", path, key)
			}
			user, pass, ok := strings.Cut(string(raw), ":")
			if !ok {
				return nil, fmt.Errorf("pull secret %s: the auth of %q is not user:password", path, key)
			}
			cfg.Username, cfg.Password = user, pass
		}
		a.auths[normalizeKey(key)] = cfg
	}
	return a, nil
}

// normalizeKey drops what docker's legacy keys add ("https://", "/v1/").
func normalizeKey(k string) string {
	k = strings.TrimPrefix(strings.TrimPrefix(k, "https://"), "http://")
	k = strings.TrimSuffix(k, "/")
	k = strings.TrimSuffix(k, "/v1")
	k = strings.TrimSuffix(k, "/v2")
	return k
}

// Resolve implements authn.Keychain: the longest key that is the
// repository or a prefix of it, then the registry.
func (a *AuthFile) Resolve(r authn.Resource) (authn.Authenticator, error) {
	for k := r.String(); k != ""; {
		if cfg, ok := a.auths[k]; ok {
			return authn.FromConfig(cfg), nil
		}
		i := strings.LastIndex(k, "/")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	if cfg, ok := a.auths[r.RegistryStr()]; ok {
		return authn.FromConfig(cfg), nil
	}
	return authn.Anonymous, nil
}

// String names the file, for messages.
func (a *AuthFile) String() string { return a.path }
