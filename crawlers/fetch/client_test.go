package fetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/matrixgen/matrixgen/internal/compresstest"
)

func TestChecksumAndSize(t *testing.T) {
	content := []byte("Origin: Debian\nSuite: stable\n")
	corrupt := bytes.Clone(content)
	corrupt[3] ^= 0x20
	_, srv := newMirror(t, map[string]mirrorFile{
		"/good":          {body: content},
		"/corrupt":       {body: corrupt},
		"/chunked":       {body: content, chunked: true},
		"/chunked-extra": {body: append(bytes.Clone(content), "Extra: 1\n"...), chunked: true},
	})
	n := int64(len(content))
	tests := []struct {
		name      string
		path      string
		sha       string
		size      int64
		wantErr   any // nil, *ChecksumError or *SizeError
		wantOpen  bool
		wantGot   string // for *ChecksumError
		wantBytes int64
	}{
		{name: "correct digest", path: "/good", sha: sha(content), size: n},
		{name: "uppercase digest", path: "/good", sha: strings.ToUpper(sha(content))},
		{name: "one corrupted byte", path: "/corrupt", sha: sha(content), wantErr: &ChecksumError{}, wantGot: sha(corrupt), wantBytes: n},
		{name: "corrupted, chunked, right size", path: "/chunked", sha: sha(corrupt), size: n, wantErr: &ChecksumError{}, wantGot: sha(content), wantBytes: n},
		{name: "size mismatch by Content-Length", path: "/good", size: n + 1, wantErr: &SizeError{}, wantOpen: true},
		{name: "size mismatch, chunked, short", path: "/chunked", size: n + 1, wantErr: &SizeError{}},
		{name: "size mismatch, chunked, long", path: "/chunked-extra", size: n, wantErr: &SizeError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, Options{})
			url := srv.URL + tt.path
			req := Request{URL: url, SHA256: tt.sha, Size: tt.size}
			resp, err := c.Open(context.Background(), req)
			if err == nil {
				var b []byte
				b, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				if err == nil && tt.wantErr == nil && !bytes.Equal(b, content) {
					t.Errorf("%s: got %q, want %q", tt.name, b, content)
				}
			} else if !tt.wantOpen {
				t.Fatalf("%s: Open: %v", tt.name, err)
			}
			switch want := tt.wantErr.(type) {
			case nil:
				if err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
			case *ChecksumError:
				if !errors.As(err, &want) {
					t.Fatalf("%s: error %v, want *ChecksumError", tt.name, err)
				}
				if want.Got != tt.wantGot || want.Want != strings.ToLower(tt.sha) || want.Bytes != tt.wantBytes || want.Algorithm != "sha256" {
					t.Errorf("%s: %+v, want Got %s Want %s Bytes %d", tt.name, want, tt.wantGot, tt.sha, tt.wantBytes)
				}
				for _, s := range []string{want.Got, want.Want} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("%s: error %q does not show digest %s", tt.name, err, s)
					}
				}
				wantURL(t, err, url)
			case *SizeError:
				if !errors.As(err, &want) || want.Want != tt.size {
					t.Fatalf("%s: error %v, want *SizeError with Want %d", tt.name, err, tt.size)
				}
				wantURL(t, err, url)
			}
			if st := c.Stats(); (st.Failures == 1) != (tt.wantErr != nil) {
				t.Errorf("%s: Stats.Failures = %d", tt.name, st.Failures)
			}
		})
	}
}

func TestInvalidRequest(t *testing.T) {
	c := newTestClient(t, Options{Retries: -1})
	for _, req := range []Request{
		{URL: "http://127.0.0.1:1/x", SHA256: "abc"},
		{URL: "ftp://mirror.example/debian/dists/x/Release"},
		{URL: "dists/x/Release"},
		{URL: "http://[::1"},
	} {
		_, err := c.Get(context.Background(), req)
		wantURL(t, err, req.URL)
	}
}

func TestTruncatedBodyIsNotCached(t *testing.T) {
	dir := t.TempDir()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nETag: \"v1\"\r\n\r\n")
		buf.Write(make([]byte, 10))
		buf.Flush()
	})
	c := newTestClient(t, Options{CacheDir: dir})
	url := srv.URL + "/Packages.xz"
	_, err := c.Get(context.Background(), Request{URL: url})
	wantURL(t, err, url)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v, want io.ErrUnexpectedEOF", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a truncated body left %d files in the cache: %v", len(ents), ents)
	}
	if st := c.Stats(); st.Requests != 1 || st.Failures != 1 || st.Bytes != 10 {
		t.Errorf("Stats = %+v, want 1 request, 1 failure, 10 bytes", st)
	}
}

func TestSizeCaps(t *testing.T) {
	chunk := bytes.Repeat([]byte("x"), 8<<10)
	bomb := compresstest.Gzip(t, make([]byte, 4<<20))
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/endless":
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case "/big":
			w.Header().Set("Content-Length", strconv.Itoa(100<<10))
			w.Write(make([]byte, 100<<10))
		case "/bomb.gz":
			w.Write(bomb)
		}
	})
	tests := []struct {
		name             string
		path             string
		opts             Options
		req              Request
		wantLimit        int64
		wantDecompressed bool
		wantOpen         bool // Content-Length shows the excess, so Open fails
	}{
		{name: "endless body, Options.MaxBytes", path: "/endless", opts: Options{MaxBytes: 64 << 10}, wantLimit: 64 << 10},
		{name: "endless body, Request.MaxBytes", path: "/endless", opts: Options{MaxBytes: 1 << 30}, req: Request{MaxBytes: 20000}, wantLimit: 20000},
		{name: "Content-Length over the cap", path: "/big", opts: Options{MaxBytes: 50 << 10}, wantLimit: 50 << 10, wantOpen: true},
		{name: "decompression bomb", path: "/bomb.gz", opts: Options{MaxDecompressed: 1 << 20}, req: Request{Decompress: true}, wantLimit: 1 << 20, wantDecompressed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, tt.opts)
			req := tt.req
			req.URL = srv.URL + tt.path
			resp, err := c.Open(context.Background(), req)
			var got int64
			if err == nil {
				if tt.wantOpen {
					t.Fatalf("%s: Open succeeded, want a *SizeError", tt.name)
				}
				got, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			} else if !tt.wantOpen {
				t.Fatalf("%s: Open: %v", tt.name, err)
			}
			var se *SizeError
			if !errors.As(err, &se) || se.Limit != tt.wantLimit || se.Decompressed != tt.wantDecompressed {
				t.Fatalf("%s: error %v, want *SizeError{Limit: %d, Decompressed: %v}", tt.name, err, tt.wantLimit, tt.wantDecompressed)
			}
			wantURL(t, err, req.URL)
			if !tt.wantOpen && got != tt.wantLimit {
				t.Errorf("%s: read %d bytes before the error, want exactly the cap %d", tt.name, got, tt.wantLimit)
			}
			if st := c.Stats(); st.Failures != 1 {
				t.Errorf("%s: Stats.Failures = %d, want 1", tt.name, st.Failures)
			}
		})
	}
}

func TestRedirectLoop(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	})
	c := newTestClient(t, Options{})
	url := srv.URL + "/dists/loop/InRelease"
	_, err := c.Get(context.Background(), Request{URL: url})
	wantURL(t, err, url)
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("error %v, want ErrTooManyRedirects", err)
	}
	if st := c.Stats(); st.Requests != maxRedirects || st.Retries != 0 || st.Failures != 1 {
		t.Errorf("Stats = %+v, want %d requests, no retry, 1 failure", st, maxRedirects)
	}
}

func TestDecompress(t *testing.T) {
	plain := stanzas(t)
	// testdata/stanzas.txt.bz2 was made with `bzip2 -9 -k stanzas.txt` (bzip2 1.0.8): the
	// standard library has a bzip2 decoder but no encoder.
	bz2, err := os.ReadFile("testdata/stanzas.txt.bz2")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"/Packages.gz":  compresstest.Gzip(t, plain),
		"/Packages.xz":  compresstest.Xz(t, plain),
		"/Packages.zst": compresstest.Zstd(t, plain),
		"/Packages.bz2": bz2,
		"/Packages":     plain,
	}
	mf := map[string]mirrorFile{}
	for p, b := range files {
		mf[p] = mirrorFile{body: b}
	}
	_, srv := newMirror(t, mf)
	c := newTestClient(t, Options{})
	ctx := context.Background()
	for path, raw := range files {
		t.Run(path, func(t *testing.T) {
			url := srv.URL + path
			got, err := c.Get(ctx, Request{URL: url, Decompress: true, SHA256: sha(raw), Size: int64(len(raw))})
			if err != nil {
				t.Fatalf("Get(%s): %v", path, err)
			}
			if !bytes.Equal(got, plain) {
				t.Errorf("Get(%s, Decompress) = %d bytes, want the %d bytes of stanzas.txt", path, len(got), len(plain))
			}
			got, err = c.Get(ctx, Request{URL: url})
			if err != nil || !bytes.Equal(got, raw) {
				t.Errorf("Get(%s) without Decompress = %d bytes, %v; want the %d raw bytes", path, len(got), err, len(raw))
			}
			if path == "/Packages" {
				return
			}
			// The digest is over the raw bytes: the decompressed stream's digest must fail,
			// and only after the whole raw stream was read.
			_, err = c.Get(ctx, Request{URL: url, Decompress: true, SHA256: sha(plain)})
			var ce *ChecksumError
			if !errors.As(err, &ce) || ce.Got != sha(raw) || ce.Bytes != int64(len(raw)) {
				t.Errorf("Get(%s) with the digest of the decompressed bytes: %v, want *ChecksumError over %d raw bytes", path, err, len(raw))
			}
			wantURL(t, err, url)
		})
	}
}

func TestFormatMismatch(t *testing.T) {
	html := []byte("<!DOCTYPE html><html><body>Not here</body></html>")
	gz := compresstest.Gzip(t, []byte("x"))
	tests := []struct {
		path string
		body []byte
		want string
		got  string
	}{
		{path: "/Packages.xz", body: html, want: "xz", got: `unknown data (first bytes "<!DOCT")`},
		{path: "/primary.xml.zst", body: gz, want: "zstd", got: "gzip"},
		{path: "/Packages.bz2", body: html, want: "bzip2", got: "unknown data"},
		{path: "/Packages.gz", body: nil, want: "gzip", got: "an empty body"},
		{path: "/Packages.gz", body: []byte{0x1f}, want: "gzip", got: `unknown data (first bytes "\x1f")`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write(tt.body) })
			c := newTestClient(t, Options{})
			url := srv.URL + tt.path
			_, err := c.Get(context.Background(), Request{URL: url, Decompress: true})
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Want != tt.want || !strings.HasPrefix(fe.Got, tt.got) {
				t.Fatalf("Get(%s) serving %q: error %v, want *FormatError{Want: %s, Got: %s...}", tt.path, tt.body, err, tt.want, tt.got)
			}
			wantURL(t, err, url)
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.got) {
				t.Errorf("error %q does not name both formats", err)
			}
		})
	}
}

func TestRedactedURLInErrors(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	c := newTestClient(t, Options{})
	url := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1) + "/f?X-Amz-Signature=s3cr3t&arch=amd64"
	_, err := c.Get(context.Background(), Request{URL: url})
	if err == nil {
		t.Fatal("no error for a 404")
	}
	for _, secret := range []string{"hunter2", "s3cr3t"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows the secret %q", err, secret)
		}
	}
	if !strings.Contains(err.Error(), "arch=amd64") || !strings.Contains(err.Error(), "/f?") {
		t.Errorf("error %q should still name the URL", err)
	}
}

// A decompressor may stop at the end of its stream with raw bytes left (here gzip in
// single-member mode and trailing bytes): the raw digest still covers them, so the rest is
// drained and verified before io.EOF.
func TestDecompressedEOFDrainsRawStream(t *testing.T) {
	plain := []byte("Package: linux-image-amd64\n")
	served := append(compresstest.Gzip(t, plain), "trailing bytes"...)
	for _, tt := range []struct {
		name    string
		sha     string
		wantErr bool
	}{
		{name: "digest of everything served", sha: sha(served)},
		{name: "digest of the gzip member only", sha: sha(compresstest.Gzip(t, plain)), wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw := &rawReader{url: "http://m/Packages.gz", r: bytes.NewReader(served), limit: 1 << 20, want: tt.sha, h: newSHA256()}
			src := bufio.NewReader(raw)
			zr, err := gzip.NewReader(src)
			if err != nil {
				t.Fatal(err)
			}
			zr.Multistream(false)
			d := &decompReader{url: raw.url, format: "gzip", dec: zr, src: src, raw: raw, limit: 1 << 20}
			got, err := io.ReadAll(d)
			if !bytes.Equal(got, plain) {
				t.Errorf("%s: got %q, want %q", tt.name, got, plain)
			}
			var ce *ChecksumError
			if tt.wantErr != errors.As(err, &ce) {
				t.Errorf("%s: error %v, want a *ChecksumError: %v", tt.name, err, tt.wantErr)
			}
			if raw.n != int64(len(served)) {
				t.Errorf("%s: %d raw bytes read, want all %d", tt.name, raw.n, len(served))
			}
		})
	}
}
