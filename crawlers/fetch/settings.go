package fetch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/transport"
)

// ParseMirrors reads KEY=URL mirror overrides (crawl's and resolve's
// --mirror); which keys exist is the crawlers' and resolve's to say. A
// value that is no KEY=http(s)://URL is a usage error naming the option
// "mirror".
func ParseMirrors(values []string) (map[string]string, error) {
	mirrors := map[string]string{}
	for _, m := range values {
		k, v, ok := strings.Cut(m, "=")
		if !ok || k == "" || !(strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://")) {
			return nil, &matrixgen.UsageError{Option: "mirror", Msg: fmt.Sprintf("%q: want KEY=http(s)://URL", m)}
		}
		mirrors[k] = v
	}
	return mirrors, nil
}

// AnyLoopback reports whether a mirror is on loopback (a local mirror, a
// test): only then may a crawl connect to loopback (Options.RefuseLoopback),
// so nothing a mirror writes leads it to the machine's own services.
func AnyLoopback(mirrors map[string]string) bool {
	for _, u := range mirrors {
		if transport.IsLoopback(u) {
			return true
		}
	}
	return false
}

// DefaultCacheDir is the conditional-GET cache's default directory:
// matrixgen/http in the user's cache directory, "" (no cache) when there
// is none.
func DefaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "matrixgen", "http")
	}
	return ""
}
