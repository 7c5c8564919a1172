package fetch

import (
	"bytes"
	"compress/bzip2"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/xi2/xz"
)

// format is a compression format: the URL suffix that selects it and the magic bytes that
// must start its data.
type format struct {
	name   string
	suffix string
	magic  []byte
}

// Magic numbers: RFC 1952 2.3.1 (gzip), the .xz file format 2.1.1.1, RFC 8878 3.1.1
// (zstd frames), and bzip2's "BZh" stream header.
var formats = []format{
	{name: "gzip", suffix: ".gz", magic: []byte{0x1f, 0x8b}},
	{name: "xz", suffix: ".xz", magic: []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}},
	{name: "zstd", suffix: ".zst", magic: []byte{0x28, 0xb5, 0x2f, 0xfd}},
	{name: "bzip2", suffix: ".bz2", magic: []byte("BZh")},
}

const magicLen = 6 // the longest magic above

// formatBySuffix returns the format a URL path's suffix names, or nil.
func formatBySuffix(path string) *format {
	for i := range formats {
		if strings.HasSuffix(path, formats[i].suffix) {
			return &formats[i]
		}
	}
	return nil
}

// describeMagic names the format that head starts with, for error messages.
func describeMagic(head []byte) string {
	for _, f := range formats {
		if bytes.HasPrefix(head, f.magic) {
			return f.name
		}
	}
	if len(head) == 0 {
		return "an empty body"
	}
	return fmt.Sprintf("unknown data (first bytes %q)", head)
}

// Decoder memory. A decoder keeps a window of decoded bytes: gzip 32 KiB, bzip2 its 900 kB
// block (Go's decoder about 4 MiB), but zstd and xz as much as the file declares — a zstd
// frame made with --long=31 asks for 2 GiB, an xz block up to 4 GiB — whatever the size of
// the download. The declared window is read from the headers before a decoder exists.
const (
	// defaultMaxWindow is the largest zstd window or xz dictionary decoded: 128 MiB. It is
	// the reference zstd decoder's own default limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT, 27:
	// what `zstd -d` opens without --memory), covers zstd's --ultra -22 (window log 27)
	// and xz -9 (64 MiB). createrepo_c compresses without --long at ordinary levels, whose
	// windows are at most 8 MiB (window log 23 at level 19), so this is 16 times what real
	// rpm-md metadata needs.
	defaultMaxWindow = 128 << 20
	// defaultDecoderMemory bounds the windows of all the decoders of a Client at once.
	defaultDecoderMemory = 512 << 20
	// minDecoderWeight is what a zstd or xz stream reserves at least (xz -6's dictionary,
	// zstd -19's window): a later frame or block may need more than the first declares,
	// and its decoder is allowed the reservation, never more.
	minDecoderWeight = 8 << 20
	gzipWeight       = 64 << 10
	bzip2Weight      = 4 << 20
	// headPeek is enough for a zstd frame header (at most 18 bytes) and an xz stream
	// header (12) with its first block header (at most 1024).
	headPeek = 12 + 1024
)

// WindowError is a compressed body whose declared window (zstd) or dictionary (xz) is over
// Options.MaxWindow: decoding it would take that much memory, whatever its size.
type WindowError struct {
	Method string // "" for GET
	URL    string
	Format string // "zstd" or "xz"
	Window uint64 // bytes the stream declares
	Limit  uint64
}

func (e *WindowError) Error() string {
	what := "window"
	if e.Format == "xz" {
		what = "dictionary"
	}
	return fmt.Sprintf("%s %s: %s %s of %s is over the limit of %s", verb(e.Method), e.URL, e.Format, what, mib(e.Window), mib(e.Limit))
}

func mib(n uint64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// declaredWindow returns the memory the stream starting with head says its decoder needs:
// the first zstd frame's window (its content size for a single-segment frame) or the
// dictionary of the first xz block's LZMA2 filter. ok is false when head does not say
// (a skippable zstd frame first, a header cut short): the caller assumes the cap.
func declaredWindow(f *format, head []byte) (w uint64, ok bool) {
	switch f.name {
	case "gzip":
		return gzipWeight, true
	case "bzip2":
		return bzip2Weight, true
	case "zstd":
		var h zstd.Header
		if err := h.Decode(head); err != nil || h.Skippable {
			return 0, false
		}
		if h.SingleSegment {
			return max(h.FrameContentSize, zstd.MinWindowSize), true
		}
		return h.WindowSize, true
	case "xz":
		return xzDictSize(head)
	}
	return 0, false
}

// xzDictSize reads the LZMA2 dictionary size from the first block header after the 12-byte
// stream header (the .xz file format 1.2.0, 3.1 block header and 5.3.1 LZMA2 properties).
func xzDictSize(head []byte) (uint64, bool) {
	if len(head) < 13 {
		return 0, false
	}
	b := head[12:]
	if b[0] == 0 {
		return 0, true // the index comes first: no block, no dictionary
	}
	size := (int(b[0]) + 1) * 4
	if len(b) < size {
		return 0, false
	}
	b = b[1 : size-4] // without the size byte and the CRC32
	flags := b[0]
	b = b[1:]
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && i < len(b); i++ {
			v |= uint64(b[i]&0x7f) << (7 * i)
			if b[i]&0x80 == 0 {
				b = b[i+1:]
				return v, true
			}
		}
		return 0, false
	}
	for _, bit := range []byte{0x40, 0x80} { // compressed, then uncompressed size
		if flags&bit != 0 {
			if _, ok := varint(); !ok {
				return 0, false
			}
		}
	}
	for range int(flags&3) + 1 {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || n > uint64(len(b)) {
			return 0, false
		}
		props := b[:n]
		b = b[n:]
		if id == 0x21 && n == 1 { // LZMA2
			p := props[0]
			switch {
			case p > 40:
				return 0, false
			case p == 40:
				return 1<<32 - 1, true
			}
			return uint64(2|p&1) << (p/2 + 11), true
		}
	}
	return 0, false
}

// newDecompressor returns a reader of f's decompressed stream and a func that frees it.
// window is the most memory its decoder may keep: a zstd frame or xz block that asks for
// more fails.
func newDecompressor(f *format, r io.Reader, window uint64) (io.Reader, func(), error) {
	switch f.name {
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() { zr.Close() }, nil
	case "xz":
		// xi2/xz (a port of XZ Embedded) decodes Packages.xz faster than
		// ulikunitz/xz: BenchmarkXZDecode on the recorded fixtures, 2 busy
		// cores, 3 runs each: noble-security 12.7-17.1 MB/s (381-513 ms/op)
		// vs 8.6-8.9 MB/s (734-760 ms/op); bookworm-security 11.9-14.6 MB/s
		// vs 10.7-13.4 MB/s (earlier, on trixie's index: 33 vs 26 MB/s), and
		// decompression is 94% of a crawl's CPU. ulikunitz/xz stays in go.mod
		// as the tests' xz encoder only (xi2/xz cannot write). It allocates
		// the whole dictionary a block declares, and refuses one over dictMax:
		// decoders are reused (xzDecoders), so a crawl allocates a dictionary per
		// stream decoded at once rather than one per index.
		return xzDecoders.get(r, uint32(min(window, 1<<32-1)))
	case "zstd":
		// One goroutine-free decoder per stream: crawlers already run streams in parallel.
		// MaxMemory too: a single-segment frame's window is its content size, which the
		// decoder checks against MaxMemory only.
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(max(window, zstd.MinWindowSize)), zstd.WithDecoderMaxMemory(max(window, zstd.MinWindowSize)))
		if err != nil {
			return nil, nil, err
		}
		return zr, zr.Close, nil
	case "bzip2":
		return bzip2.NewReader(r), func() {}, nil
	}
	return nil, nil, fmt.Errorf("no decompressor for %s", f.name)
}

// xzDecoders keeps idle xz decoders for reuse, by the dictionary cap they were made with.
// xi2/xz allocates the whole dictionary a block declares: xz -6's 8 MiB for every
// Packages.xz, whatever its size. A cold crawl of bookworm, trixie, jammy and noble decodes
// 14 of them, and a new decoder for each was 112 MiB of dictionaries to collect, 89% of the
// crawl's allocations: the heap grew to twice the memory in use before each collection. A
// reused decoder keeps its dictionary (Reset allocates only for a larger one, never over its
// cap), so the memory stays what the streams decoded at once reserve. The cap is the key: a
// decoder never keeps more than the window its stream reserved. sync.Pool drops idle
// decoders at garbage collection.
var xzDecoders xzPools

type xzPools struct{ m sync.Map } // dictionary cap (uint32) -> *sync.Pool of *xzDecoder

// xzDecoder is a reusable xz.Reader and the source it reads, swapped per stream (xz.Reader
// cannot forget its source, and should not keep a finished stream's body alive).
type xzDecoder struct {
	*xz.Reader
	src swapReader
}

type swapReader struct{ r io.Reader }

func (s *swapReader) Read(p []byte) (int, error) {
	if s.r == nil {
		return 0, io.ErrClosedPipe // a decoder back in the pool has no source
	}
	return s.r.Read(p)
}

// get returns a decoder of r's xz stream, its stream header read, and the func that gives
// the decoder back (the body's Close: nothing reads it after that).
func (p *xzPools) get(r io.Reader, dictMax uint32) (io.Reader, func(), error) {
	v, _ := p.m.LoadOrStore(dictMax, new(sync.Pool))
	pool := v.(*sync.Pool)
	d, _ := pool.Get().(*xzDecoder)
	var err error
	if d != nil {
		d.src.r = r
		err = d.Reset(&d.src)
	} else {
		d = &xzDecoder{src: swapReader{r}}
		d.Reader, err = xz.NewReader(&d.src, dictMax)
	}
	if err != nil {
		return nil, nil, err
	}
	return d, func() {
		d.src.r = nil
		pool.Put(d)
	}, nil
}
