// Command sbomgen prints the CycloneDX SBOM of a Go binary, from the build information in
// it (make release-snapshot and the release workflow run it on each binary):
//
//	go run ./internal/sbom/sbomgen dist/matrixgen-linux-amd64 > dist/matrixgen-linux-amd64.cdx.json
//
// Exit codes: 0 written, 1 failure, 2 usage.
package main

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/matrixgen/matrixgen/internal/sbom"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sbomgen BINARY > BINARY.cdx.json")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sbomgen:", err)
		os.Exit(1)
	}
}

func run(path string, w io.Writer) error {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b, err := sbom.CycloneDX(bi, sbom.Subject{Name: filepath.Base(path), SHA256: hex.EncodeToString(h.Sum(nil))})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	_, err = w.Write(b)
	return err
}
