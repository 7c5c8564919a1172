package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/matrixgen/matrixgen/internal/compresstest"
)

// TestOpenChecksum checks rpm-md's open-checksum: the digest of the decompressed stream,
// verified after the raw digest, with a typed error that shows both digests and the count.
func TestOpenChecksum(t *testing.T) {
	plain := stanzas(t)
	other := append([]byte("X"), plain[1:]...) // same size, one byte changed
	gz, zst := compresstest.Gzip(t, plain), compresstest.Zstd(t, plain)
	otherGz := compresstest.Gzip(t, other)
	_, srv := newMirror(t, map[string]mirrorFile{
		"/primary.xml.gz":  {body: gz},
		"/primary.xml.zst": {body: zst},
		"/primary.xml":     {body: plain},
		"/other.xml.gz":    {body: otherGz},
	})
	c := newTestClient(t, Options{})
	n := int64(len(plain))
	tests := []struct {
		name     string
		path     string
		raw      string // Request.SHA256
		open     string
		openSize int64
		// want: "" success; "open" a decompressed *ChecksumError; "raw" a raw one;
		// "size" a decompressed *SizeError.
		want    string
		wantGot string
	}{
		{name: "gzip, both digests right", path: "/primary.xml.gz", raw: sha(gz), open: sha(plain), openSize: n},
		{name: "zstd, both digests right", path: "/primary.xml.zst", raw: sha(zst), open: sha(plain), openSize: n},
		{name: "uncompressed: open is the digest as served", path: "/primary.xml", raw: sha(plain), open: sha(plain)},
		{name: "published gzip of other content", path: "/other.xml.gz", raw: sha(otherGz), open: sha(plain), want: "open", wantGot: sha(other)},
		{name: "open-checksum without a raw one", path: "/other.xml.gz", open: sha(plain), want: "open", wantGot: sha(other)},
		{name: "raw mismatch wins", path: "/other.xml.gz", raw: sha(gz), open: sha(plain), want: "raw", wantGot: sha(otherGz)},
		{name: "open-size short", path: "/primary.xml.gz", raw: sha(gz), open: sha(plain), openSize: n + 1, want: "size"},
		{name: "open-size long", path: "/primary.xml.zst", openSize: n - 1, want: "size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := srv.URL + tt.path
			got, err := c.Get(context.Background(), Request{URL: url, SHA256: tt.raw, OpenSHA256: tt.open, OpenSize: tt.openSize, Decompress: true})
			switch tt.want {
			case "":
				if err != nil || string(got) != string(plain) {
					t.Fatalf("Get(%s) = %d bytes, %v; want the %d plain bytes", tt.path, len(got), err, n)
				}
				return
			case "size":
				var se *SizeError
				if !errors.As(err, &se) || !se.Decompressed || se.Want != tt.openSize {
					t.Fatalf("Get(%s) open-size %d: %v, want a decompressed *SizeError", tt.path, tt.openSize, err)
				}
			default:
				var ce *ChecksumError
				if !errors.As(err, &ce) {
					t.Fatalf("Get(%s): %v, want a *ChecksumError", tt.path, err)
				}
				if ce.Decompressed != (tt.want == "open") || ce.Got != tt.wantGot {
					t.Errorf("Get(%s): %+v, want Decompressed=%v Got=%s", tt.path, ce, tt.want == "open", tt.wantGot)
				}
				if tt.want == "open" {
					if ce.Bytes != n || ce.Want != sha(plain) {
						t.Errorf("Get(%s): %+v, want Bytes=%d Want=%s", tt.path, ce, n, sha(plain))
					}
					for _, s := range []string{sha(plain), tt.wantGot, "decompressed", fmt.Sprintf("after %d bytes", n)} {
						if !strings.Contains(err.Error(), s) {
							t.Errorf("error %q does not say %q", err, s)
						}
					}
				}
			}
			wantURL(t, err, url)
		})
	}
	if _, err := c.Get(context.Background(), Request{URL: srv.URL + "/primary.xml.gz", OpenSHA256: "abc"}); err == nil || !strings.Contains(err.Error(), "open SHA256") {
		t.Errorf("invalid OpenSHA256: %v, want an error naming it", err)
	}
}

// TestZstdLargeWindow: the Fedora 42 fixture primary was written by the real zstd with
// --long=27 from a pipe, so its frame declares a 128 MiB window; it decodes, while a decoder
// with a small window limit refuses the same bytes (so the frame really declares it).
func TestZstdLargeWindow(t *testing.T) {
	files, err := filepath.Glob("../../fixtures/rpm/mirror/fedora/releases/42/Everything/x86_64/os/repodata/*-primary.xml.zst")
	if err != nil || len(files) != 1 {
		t.Fatalf("fixture: %v %v", files, err)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	small, err := zstd.NewReader(bytes.NewReader(raw), zstd.WithDecoderMaxWindow(8<<20))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(small); err == nil {
		t.Fatal("an 8 MiB-window decoder read the stream: it does not declare a large window")
	}
	small.Close()
	_, srv := newMirror(t, map[string]mirrorFile{"/primary.xml.zst": {body: raw}})
	got, err := newTestClient(t, Options{}).Get(context.Background(), Request{URL: srv.URL + "/primary.xml.zst", Decompress: true, SHA256: sha(raw)})
	if err != nil || !bytes.HasPrefix(got, []byte("<?xml")) || !bytes.HasSuffix(got, []byte("</metadata>")) {
		t.Fatalf("Get = %q, %v; want the primary.xml", got, err)
	}
}
