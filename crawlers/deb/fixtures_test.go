package deb

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xi2/xz"
)

// fixtureRoot is the repository's fixtures directory, relative to this package.
const fixtureRoot = "../../fixtures"

// testNow is the injected clock: the day the fixtures were captured (2026-11-21), before the
// Debian InRelease files' Valid-Until (Fri, 27 Nov 2026).
var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// Fixture paths, relative to fixtureRoot.
const (
	secInRelease    = "mirrors/debian-security/dists/bookworm-security/InRelease"
	bpoInRelease    = "mirrors/debian/dists/bookworm-backports/InRelease"
	nobleInRelease  = "mirrors/ubuntu/dists/noble-security/InRelease"
	secAmd64        = "mirrors/debian-security/dists/bookworm-security/main/binary-amd64/Packages.xz"
	secArm64        = "mirrors/debian-security/dists/bookworm-security/main/binary-arm64/Packages.xz"
	bpoAmd64        = "mirrors/debian/dists/bookworm-backports/main/binary-amd64/Packages.xz"
	nobleAmd64      = "mirrors/ubuntu/dists/noble-security/main/binary-amd64/Packages.xz"
	trixieRiscv64   = "mirrors/debian-trixie-riscv64-linux-stanzas.txt"
	debianKeyring   = "keyrings/debian-archive-keyring.gpg"
	ubuntuKeyring   = "keyrings/ubuntu-archive-keyring.gpg"
	fixtureReadHint = "see fixtures/README.md"
)

func fixturePath(rel string) string { return filepath.Join(fixtureRoot, filepath.FromSlash(rel)) }

func readFixture(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(fixturePath(rel))
	if err != nil {
		tb.Fatalf("read fixture: %v (%s)", err, fixtureReadHint)
	}
	return b
}

var (
	unxzMu    sync.Mutex
	unxzCache = map[string][]byte{}
)

// packagesText returns a Packages fixture uncompressed (xz-decoded once per test binary).
func packagesText(tb testing.TB, rel string) []byte {
	tb.Helper()
	unxzMu.Lock()
	defer unxzMu.Unlock()
	if b, ok := unxzCache[rel]; ok {
		return b
	}
	raw := readFixture(tb, rel)
	if filepath.Ext(rel) != ".xz" {
		unxzCache[rel] = raw
		return raw
	}
	zr, err := xz.NewReader(bytes.NewReader(raw), 0)
	if err != nil {
		tb.Fatalf("xz %s: %v", rel, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("xz %s: %v", rel, err)
	}
	unxzCache[rel] = b
	return b
}
