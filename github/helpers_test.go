package github

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	gh "github.com/google/go-github/v93/github"

	"github.com/matrixgen/matrixgen"
)

func blobOf(s string) gh.Blob { return gh.Blob{Content: s, Encoding: new("utf-8")} }

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

func kernelOf(k matrixgen.Key) matrixgen.Kernel {
	return matrixgen.Kernel{Distribution: k.Distribution, DistroVersion: k.DistroVersion, Arch: k.Arch, Release: k.Release}
}

// httptestServer serves h on loopback until the test ends; it returns the URL.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
