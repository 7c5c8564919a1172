package compresstest

import (
	"bytes"
	"os"
	"testing"
)

// TestRoundTrip: what each encoder makes, Decompress reads back by suffix;
// a name without a known suffix is returned as it is.
func TestRoundTrip(t *testing.T) {
	plain := bytes.Repeat([]byte("Package: linux-headers-6.1.0-28-amd64\n"), 100)
	for name, enc := range map[string]func(testing.TB, []byte) []byte{"p.gz": Gzip, "p.xz": Xz, "p.zst": Zstd} {
		z := enc(t, plain)
		if bytes.Equal(z, plain) || len(z) >= len(plain) {
			t.Errorf("%s: not compressed (%d bytes)", name, len(z))
		}
		got, err := Decompress(name, bytes.NewReader(z))
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s: %v, %d bytes back of %d", name, err, len(got), len(plain))
		}
	}
	if got, err := Decompress("Packages", bytes.NewReader(plain)); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("plain: %v", err)
	}
	if _, err := Decompress("p.gz", bytes.NewReader(plain)); err == nil {
		t.Errorf("plain bytes named .gz: no error")
	}
}

// TestDecompressBzip2 reads a file the real bzip2 made (the standard
// library has no encoder).
func TestDecompressBzip2(t *testing.T) {
	plain, err := os.ReadFile("../../crawlers/fetch/testdata/stanzas.txt")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../../crawlers/fetch/testdata/stanzas.txt.bz2")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, err := Decompress(f.Name(), f); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("bz2: %v, %d bytes of %d", err, len(got), len(plain))
	}
}
