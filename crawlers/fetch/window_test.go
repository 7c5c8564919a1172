package fetch

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/matrixgen/matrixgen/internal/compresstest"
)

// zstdFrame builds a zstd frame (RFC 8878 3.1.1) holding payload as one raw block, with
// the header a test wants: a window descriptor for 2^windowLog bytes, or with
// singleSegment a frame content size of fcs instead. Encoders shrink the window to the
// data, so a large declared window over a few bytes is written by hand: the declaration is
// what a decoder sizes its memory by.
func zstdFrame(windowLog uint, singleSegment bool, fcs uint64, payload []byte) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd}
	if singleSegment {
		b = append(b, 0xe0) // FCS field 8 bytes, single segment
		b = binary.LittleEndian.AppendUint64(b, fcs)
	} else {
		b = append(b, 0x00, byte(windowLog-10)<<3) // no FCS; window descriptor, mantissa 0
	}
	hdr := uint32(1) | uint32(len(payload))<<3 // last block, raw
	b = append(b, byte(hdr), byte(hdr>>8), byte(hdr>>16))
	return append(b, payload...)
}

func xzWithDict(t *testing.T, dict int, payload []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.WriterConfig{DictCap: dict}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(payload)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecoderWindow: a stream whose declared window is over Options.MaxWindow is refused
// before a decoder exists (a zstd primary.xml made with --long=29 cost ~600 MB per stream),
// with an error naming the URL and the window; ordinary streams decode.
func TestDecoderWindow(t *testing.T) {
	hello := []byte("hello, kernels\n")
	bz, err := os.ReadFile("testdata/stanzas.txt.bz2")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		path   string
		body   []byte
		opts   Options
		window uint64 // want a *WindowError with this window; 0: want hello (or want)
		want   []byte
	}{
		{name: "zstd --long=29", path: "/primary.xml.zst", body: zstdFrame(29, false, 0, hello), window: 512 << 20},
		{name: "zstd --long=31", path: "/primary.xml.zst", body: zstdFrame(31, false, 0, hello), window: 2 << 30},
		{name: "zstd single segment of 1 GiB", path: "/primary.xml.zst", body: zstdFrame(0, true, 1<<30, hello), window: 1 << 30},
		{name: "zstd 8 MiB window", path: "/primary.xml.zst", body: zstdFrame(23, false, 0, hello)},
		{name: "zstd at the cap", path: "/primary.xml.zst", body: zstdFrame(27, false, 0, hello)},
		{name: "zstd encoder", path: "/primary.xml.zst", body: compresstest.Zstd(t, hello)},
		{name: "zstd over a lowered cap", path: "/primary.xml.zst", body: zstdFrame(21, false, 0, hello), opts: Options{MaxWindow: 1 << 20}, window: 2 << 20},
		{name: "xz over a lowered cap", path: "/Packages.xz", body: xzWithDict(t, 4<<20, hello), opts: Options{MaxWindow: 1 << 20}, window: 4 << 20},
		{name: "xz under the cap", path: "/Packages.xz", body: xzWithDict(t, 4<<20, hello), opts: Options{MaxWindow: 4 << 20}},
		{name: "xz default", path: "/Packages.xz", body: compresstest.Xz(t, hello)},
		{name: "gzip under a tiny cap", path: "/primary.xml.gz", body: compresstest.Gzip(t, hello), opts: Options{MaxWindow: 1 << 10, DecoderMemory: 1 << 10}},
		{name: "bzip2 under a tiny cap", path: "/primary.xml.bz2", body: bz, want: stanzas(t), opts: Options{MaxWindow: 1 << 10, DecoderMemory: 1 << 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write(tt.body) })
			got, err := newTestClient(t, tt.opts).Get(context.Background(), Request{URL: srv.URL + tt.path, Decompress: true})
			if tt.window == 0 {
				want := hello
				if tt.want != nil {
					want = tt.want
				}
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("Get = %.100q, %v; want %.100q", got, err, want)
				}
				return
			}
			var we *WindowError
			if !errors.As(err, &we) || we.Window != tt.window || we.URL != srv.URL+tt.path {
				t.Fatalf("Get: %v; want a *WindowError of %d bytes naming %s", err, tt.window, srv.URL+tt.path)
			}
			if !strings.Contains(err.Error(), srv.URL+tt.path) || !strings.Contains(err.Error(), mib(tt.window)) {
				t.Errorf("error %q does not name the URL and the window", err)
			}
		})
	}
}

// TestXZDictSize reads the dictionary from real encoders' headers.
func TestXZDictSize(t *testing.T) {
	for _, dict := range []int{1 << 16, 3 << 20, 8 << 20} {
		b := xzWithDict(t, dict, []byte("x"))
		got, ok := xzDictSize(b)
		if !ok || got < uint64(dict) || got > 2*uint64(dict) {
			t.Errorf("dict %d: xzDictSize = %d, %v", dict, got, ok)
		}
	}
}

// TestDecoderMemoryShared: the decoders of one Client share Options.DecoderMemory. While
// one open body holds all of it, another waits (here until its context ends); once the
// first is closed the next one decodes.
func TestDecoderMemoryShared(t *testing.T) {
	hello := []byte("hello")
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write(zstdFrame(24, false, 0, hello)) }) // 16 MiB
	c := newTestClient(t, Options{MaxWindow: 16 << 20, DecoderMemory: 16 << 20})
	first, err := c.Open(context.Background(), Request{URL: srv.URL + "/a.zst", Decompress: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, Request{URL: srv.URL + "/b.zst", Decompress: true}); err == nil || !strings.Contains(err.Error(), "decoder memory") || !strings.Contains(err.Error(), "/b.zst") {
		t.Fatalf("second body while the first holds the memory: %v; want it to wait for decoder memory", err)
	}
	first.Body.Close()
	if got, err := c.Get(context.Background(), Request{URL: srv.URL + "/c.zst", Decompress: true}); err != nil || !bytes.Equal(got, hello) {
		t.Fatalf("after Close: %q, %v", got, err)
	}
}

// FuzzDeclaredWindow: reading headers never panics, and an xz dictionary said is one
// LZMA2 can express (at most 4 GiB - 1; a zstd frame content size may be any uint64).
func FuzzDeclaredWindow(f *testing.F) {
	f.Add([]byte{0xfd, '7', 'z', 'X', 'Z', 0x00, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0x21, 0x01, 0x16, 0, 0, 0, 0, 0})
	f.Add(zstdFrame(29, false, 0, []byte("x")))
	f.Add(zstdFrame(0, true, 1<<30, nil))
	f.Add([]byte{0xfd, '7', 'z', 'X', 'Z', 0x00, 0, 0, 0, 0, 0, 0, 0xff, 0xc3, 0x80})
	f.Fuzz(func(t *testing.T, head []byte) {
		declaredWindow(formatBySuffix("x.zst"), head)
		if w, ok := declaredWindow(formatBySuffix("x.xz"), head); ok && w > 1<<32-1 {
			t.Fatalf("xz: dictionary %d", w)
		}
	})
}
