package fetch

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	ulikunitz "github.com/ulikunitz/xz"
	xi2 "github.com/xi2/xz"
)

// xzFixtures are real Packages.xz files as the mirrors serve them.
var xzFixtures = []string{
	"../../fixtures/mirrors/ubuntu/dists/noble-security/main/binary-amd64/Packages.xz",
	"../../fixtures/mirrors/debian-security/dists/bookworm-security/main/binary-amd64/Packages.xz",
}

// BenchmarkXZDecode compares the two xz decoders the module has on real Packages.xz files;
// SetBytes is the decompressed size, so MB/s is the rate a crawl parses at. newDecompressor
// uses the faster (the numbers are in its comment), and the test below keeps the two
// decoders agreeing.
//
//	go test -run '^$' -bench XZDecode -benchtime 20x -count 3 ./crawlers/fetch
func BenchmarkXZDecode(b *testing.B) {
	decoders := []struct {
		name string
		open func(io.Reader) (io.Reader, error)
	}{
		{"xi2", func(r io.Reader) (io.Reader, error) { return xi2.NewReader(r, 0) }},
		{"ulikunitz", func(r io.Reader) (io.Reader, error) { return ulikunitz.NewReader(r) }},
	}
	for _, file := range xzFixtures {
		raw, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range decoders {
			b.Run(filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(file))))+"/"+d.name, func(b *testing.B) {
				var n int64
				for b.Loop() {
					zr, err := d.open(bytes.NewReader(raw))
					if err != nil {
						b.Fatal(err)
					}
					if n, err = io.Copy(io.Discard, zr); err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(n)
			})
		}
	}
}

// TestXZDecodersAgree: both decoders give the same bytes for every real fixture, so the
// benchmark compares like with like.
func TestXZDecodersAgree(t *testing.T) {
	for _, file := range xzFixtures {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		a, err := xi2.NewReader(bytes.NewReader(raw), 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(a)
		if err != nil {
			t.Fatalf("%s: xi2: %v", file, err)
		}
		u, err := ulikunitz.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		want, err := io.ReadAll(u)
		if err != nil {
			t.Fatalf("%s: ulikunitz: %v", file, err)
		}
		if !bytes.Equal(got, want) || len(got) == 0 {
			t.Fatalf("%s: the decoders disagree (%d vs %d bytes)", file, len(got), len(want))
		}
	}
}
