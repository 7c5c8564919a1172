package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/internal/compresstest"
	"github.com/matrixgen/matrixgen/internal/rpmfixture"
)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestCrawlCLIHostilePrimaryDB: one Amazon Linux 2 repository serves a primary_db whose
// "packages" is a recursive view (issue 13 § 3: 2,238 bytes grew a crawl to 11 GB). That
// repository fails, named with the view; the other repositories' kernels are written,
// exit 3; no temp file is left.
func TestCrawlCLIHostilePrimaryDB(t *testing.T) {
	bz, err := os.ReadFile("../../fixtures/rpm/hostile/primary-recursive-view.sqlite.bz2")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := compresstest.Decompress("x.bz2", strings.NewReader(string(bz)))
	if err != nil {
		t.Fatal(err)
	}
	repomd := fmt.Sprintf(`<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1</revision><data type="primary_db">
  <checksum type="sha256">%s</checksum><open-checksum type="sha256">%s</open-checksum>
  <location href="repodata/primary.sqlite.bz2"/><size>%d</size><open-size>%d</open-size><database_version>10</database_version></data></repomd>`,
		sha256Hex(bz), sha256Hex(raw), len(bz), len(raw))
	var srvURL string
	srv := rpmfixture.Serve(t, "../../fixtures/rpm/distros", func(w http.ResponseWriter, r *http.Request) bool {
		switch r.URL.Path {
		case "/amazonlinux2/core/latest/x86_64/mirror.list":
			w.Write([]byte(srvURL + "/hostile/\n"))
		case "/hostile/repodata/repomd.xml":
			w.Write([]byte(repomd))
		case "/hostile/repodata/primary.sqlite.bz2":
			w.Write(bz)
		default:
			return false
		}
		return true
	})
	srvURL = srv.URL
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	out := filepath.Join(t.TempDir(), "list.json")
	r := runCLI(t, "", nil, "crawl", "--distro", "amazonlinux2", "--arch", "x86_64", "--out", out, "--no-cache",
		"--mirror", "amazonlinux2="+srv.URL+"/amazonlinux2")
	if r.code != 3 {
		t.Fatalf("crawl: exit %d, want 3\n%s", r.code, r.stderr)
	}
	for _, want := range []string{srv.URL + "/hostile/repodata/primary.sqlite.bz2", `primary_db refused: view \"packages\"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not name %q:\n%s", want, r.stderr)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var list map[string][]struct {
		KernelRelease string `json:"kernelrelease"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	if len(list["amazonlinux2"]) == 0 {
		t.Errorf("the healthy repositories' kernels are missing: %s", data)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
		t.Errorf("temp files left: %q", left)
	}
}

// TestCrawlCLIRequestTimeout: a mirror that drips a body a byte at a time never trips the
// idle timeout; --request-timeout fails that source, named with the bytes read, and the
// rest is written (exit 3).
func TestCrawlCLIRequestTimeout(t *testing.T) {
	const dripping = "/amazonlinux2/core/latest/x86_64/mirror.list"
	srv := rpmfixture.Serve(t, "../../fixtures/rpm/distros", func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != dripping {
			return false
		}
		w.WriteHeader(http.StatusOK)
		for {
			if _, err := w.Write([]byte("h")); err != nil {
				return true
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return true
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
	out := filepath.Join(t.TempDir(), "list.json")
	r := runCLI(t, "", nil, "crawl", "--distro", "amazonlinux2", "--arch", "x86_64", "--out", out, "--no-cache",
		"--request-timeout", "150ms", "--mirror", "amazonlinux2="+srv.URL+"/amazonlinux2")
	if r.code != 3 {
		t.Fatalf("crawl: exit %d, want 3\n%s", r.code, r.stderr)
	}
	for _, want := range []string{srv.URL + dripping, "request deadline of 150ms passed after"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not name %q:\n%s", want, r.stderr)
		}
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the other sources were not written: %v", err)
	}
	if r := runCLI(t, "", nil, "crawl", "--request-timeout", "0s"); r.code != 2 || !strings.Contains(r.stderr, "--request-timeout") {
		t.Errorf("--request-timeout 0s: exit %d, want 2 naming the flag\n%s", r.code, r.stderr)
	}
}

// TestCrawlCLIHostPolicy: an Amazon Linux 2 mirror.list whose first line is the cloud
// metadata address has that line dropped, with a warning, and the next used; a repository
// whose repomd.xml points its index at another host fails, naming the host (exit 3).
func TestCrawlCLIHostPolicy(t *testing.T) {
	var srvURL string
	var offHost []byte
	srv := rpmfixture.Serve(t, "../../fixtures/rpm/distros", func(w http.ResponseWriter, r *http.Request) bool {
		switch r.URL.Path {
		case "/amazonlinux2/core/latest/x86_64/mirror.list":
			// The real core/2.0 list's repository, after a line at the metadata service.
			b, err := os.ReadFile("../../fixtures/rpm/distros/amazonlinux2/core/2.0/x86_64/mirror.list")
			if err != nil {
				t.Error(err)
			}
			w.Write([]byte("http://169.254.169.254/latest/meta-data/\n" + strings.ReplaceAll(string(b), rpmfixture.Placeholder, srvURL)))
		case "/amazonlinux2/extras/kernel-5.4/latest/x86_64/mirror.list":
			w.Write([]byte(srvURL + "/off/\n"))
		case "/off/repodata/repomd.xml":
			w.Write(offHost)
		default:
			return false
		}
		return true
	})
	srvURL = srv.URL
	md, err := os.ReadFile("../../fixtures/rpm/mirror/fedora/updates/41/Everything/x86_64/repodata/repomd.xml")
	if err != nil {
		t.Fatal(err)
	}
	offHost = []byte(strings.Replace(string(md), `<location href="`, `<location href="http://elsewhere.example/`, 1))

	out := filepath.Join(t.TempDir(), "list.json")
	r := runCLI(t, "", nil, "crawl", "--distro", "amazonlinux2", "--arch", "x86_64", "--out", out, "--no-cache",
		"--mirror", "amazonlinux2="+srv.URL+"/amazonlinux2")
	if r.code != 3 {
		t.Fatalf("crawl: exit %d, want 3\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		srv.URL + "/amazonlinux2/core/latest/x86_64/mirror.list:1: mirror.list line dropped", "169.254.169.254",
		srv.URL + "/off/repodata/repomd.xml", "host elsewhere.example refused",
		"source=core/latest ok=true",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("nothing written: %v", err)
	}
}
