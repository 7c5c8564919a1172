package rpm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// benchPrimary writes a ~200 MB primary.xml compressed with zstd and gzip into dir. Its
// packages are real <package> blocks, cycled until the size is reached, each copy with its
// own 64-hex pkgid as real indices have. The blocks come from the real primary.xml.gz named by
// $MATRIXGEN_BENCH_PRIMARY when set (e.g. the full CentOS Stream 9 AppStream primary, 17,649
// packages, whose compression ratio is a real index's), else from the CS9 excerpt in
// fixtures, every 500th copy a kernel-devel and the others renamed so they are skipped (that
// data compresses far better than a real index, which flatters the decompressor).
// It runs only under -bench: normal tests never generate it.
func benchPrimary(b *testing.B, dir string) (plainSize int64, plainSHA string, files map[string]string) {
	var blocks [][]byte
	if src := os.Getenv("MATRIXGEN_BENCH_PRIMARY"); src != "" {
		raw, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		blocks = reOraclePkg.FindAll(decompress(b, src, raw), -1)
	} else {
		doc := fixture(b, "real/centos-stream-9/AppStream-x86_64-primary-kernel-devel-excerpt.xml")
		var tmpl []byte
		for _, m := range reOraclePkg.FindAll(doc, -1) {
			if bytes.Contains(m, []byte("<name>kernel-devel</name>")) {
				tmpl = m
				break
			}
		}
		blocks = append(blocks, tmpl)
		other := bytes.Replace(tmpl, []byte("<name>kernel-devel</name>"), []byte("<name>python3-pkg</name>"), 1)
		for range 499 {
			blocks = append(blocks, other)
		}
	}
	sum := []byte(`pkgid="YES">`)
	files = map[string]string{"zstd": filepath.Join(dir, "primary.xml.zst"), "gzip": filepath.Join(dir, "primary.xml.gz")}
	zf, _ := os.Create(files["zstd"])
	gf, _ := os.Create(files["gzip"])
	zw, _ := zstd.NewWriter(zf)
	gw := gzip.NewWriter(gf)
	ph := sha256.New()
	w := io.MultiWriter(zw, gw, ph)
	head := []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="0">` + "\n")
	w.Write(head)
	plainSize = int64(len(head))
	for n := 0; plainSize < 200<<20; n++ {
		blk := blocks[n%len(blocks)]
		if i := bytes.Index(blk, sum); i >= 0 && i+len(sum)+64 <= len(blk) {
			id := sha256.Sum256(fmt.Appendf(nil, "%d", n))
			blk = append(append(append(blk[:i+len(sum):i+len(sum)], hex.EncodeToString(id[:])...), blk[i+len(sum)+64:]...), '\n')
		} else {
			blk = append(blk[:len(blk):len(blk)], '\n')
		}
		w.Write(blk)
		plainSize += int64(len(blk))
	}
	w.Write([]byte("</metadata>"))
	plainSize += int64(len("</metadata>"))
	for _, c := range []io.Closer{zw, gw, zf, gf} {
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return plainSize, hex.EncodeToString(ph.Sum(nil)), files
}

// BenchmarkScanPrimary streams the generated primary through the decompressor and
// ScanPrimary, and reports uncompressed MB/s and the peak heap in use (sampled); the
// decompress-only sub-benchmarks are the baseline. Compare with `zstd -dc`/`gzip -dc` of
// the files left in $MATRIXGEN_BENCH_DIR when set.
//
//	go test -run '^$' -bench BenchmarkScanPrimary -benchtime 3x ./crawlers/rpm/
func BenchmarkScanPrimary(b *testing.B) {
	dir := os.Getenv("MATRIXGEN_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	size, plainSHA, files := benchPrimary(b, dir)
	// open returns a decompressing reader of the file and a func that frees both; every
	// iteration frees its own, so that the heap figure is one stream's.
	open := func(b *testing.B, format string) (io.Reader, func()) {
		f, err := os.Open(files[format])
		if err != nil {
			b.Fatal(err)
		}
		if format == "zstd" {
			d, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1))
			if err != nil {
				b.Fatal(err)
			}
			return d, func() { d.Close(); f.Close() }
		}
		d, err := gzip.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		return d, func() { d.Close(); f.Close() }
	}
	for _, format := range []string{"zstd", "gzip"} {
		b.Run(format+"/decompress-only", func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				r, free := open(b, format)
				_, err := io.Copy(io.Discard, r)
				free()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(format+"/scan", func(b *testing.B) {
			b.SetBytes(size)
			peak := heapSampler()
			kernels := 0
			for b.Loop() {
				kernels = 0
				r, free := open(b, format)
				_, err := ScanPrimary(r, "bench", Headers().Match, func(p *Package) error {
					kernels++
					return nil
				})
				free()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(kernels), "kernels")
		})
		// The crawl's real path: served over loopback HTTP, raw SHA-256 and open-checksum
		// verified by the fetch layer while ScanPrimary reads.
		b.Run(format+"/fetch+verify+scan", func(b *testing.B) {
			raw, err := os.ReadFile(files[format])
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(raw) }))
			defer srv.Close()
			c := fetch.New(fetch.Options{})
			defer c.CloseIdleConnections()
			req := fetch.Request{URL: srv.URL + "/" + filepath.Base(files[format]), SHA256: sha256hex(raw), Size: int64(len(raw)),
				OpenSHA256: plainSHA, OpenSize: size, Decompress: true}
			raw = raw[:len(raw):len(raw)]
			b.SetBytes(size)
			peak := heapSampler()
			for b.Loop() {
				resp, err := c.Open(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				_, err = ScanPrimary(resp.Body, req.URL, Headers().Match, func(*Package) error { return nil })
				resp.Body.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
		})
	}
	b.Logf("uncompressed %d bytes; files in %s", size, dir)
}

// heapSampler samples HeapInuse every 10ms until the returned func is called, which
// returns the maximum seen.
func heapSampler() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return peak.Load() }
}
