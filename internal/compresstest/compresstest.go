// Package compresstest makes and reads the compressed bytes tests serve:
// with encoders and decoders of their own choosing, independent of the
// fetch layer's, so a test's expectations do not come from the code under
// test.
package compresstest

import (
	"bytes"
	"compress/bzip2"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	unxz "github.com/xi2/xz"
)

// Gzip compresses b.
func Gzip(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// Xz compresses b.
func Xz(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// Zstd compresses b.
func Zstd(tb testing.TB, b []byte) []byte {
	tb.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// Decompress reads r whole, decoded by the suffix of name (.gz, .xz, .zst,
// .bz2; anything else as it is). Zstd may use a window up to 1 GiB, as
// createrepo_c's may.
func Decompress(name string, r io.Reader) ([]byte, error) {
	switch {
	case strings.HasSuffix(name, ".gz"):
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		r = zr
	case strings.HasSuffix(name, ".xz"):
		xr, err := unxz.NewReader(r, 0) // the decoder crawlers/fetch uses
		if err != nil {
			return nil, err
		}
		r = xr
	case strings.HasSuffix(name, ".zst"):
		zr, err := zstd.NewReader(r, zstd.WithDecoderMaxWindow(1<<30))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	case strings.HasSuffix(name, ".bz2"):
		r = bzip2.NewReader(r)
	}
	return io.ReadAll(r)
}
