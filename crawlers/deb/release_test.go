package deb

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

func loadKeyring(t *testing.T, rel string) openpgp.EntityList {
	t.Helper()
	kr, err := LoadKeyring(fixturePath(rel))
	if err != nil {
		t.Fatalf("LoadKeyring(%s): %v", rel, err)
	}
	return kr
}

// verifiedRelease verifies a fixture InRelease at testNow and parses it.
func verifiedRelease(t *testing.T, inRelease, keyring string) *Release {
	t.Helper()
	plain, err := VerifyInRelease(readFixture(t, inRelease), loadKeyring(t, keyring), testNow, inRelease)
	if err != nil {
		t.Fatalf("VerifyInRelease(%s): %v", inRelease, err)
	}
	rel, err := ParseRelease(bytes.NewReader(plain), inRelease)
	if err != nil {
		t.Fatalf("ParseRelease(%s): %v", inRelease, err)
	}
	return rel
}

func TestLoadKeyring(t *testing.T) {
	tests := []struct {
		paths   []string
		minKeys int
	}{
		// The Debian keyring holds the bullseye, bookworm and trixie archive, security
		// and release keys (gpg lists 9 primary keys).
		{[]string{debianKeyring}, 9},
		{[]string{ubuntuKeyring}, 3},
		{[]string{debianKeyring, ubuntuKeyring}, 12},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.paths, "+"), func(t *testing.T) {
			var paths []string
			for _, p := range tt.paths {
				paths = append(paths, fixturePath(p))
			}
			kr, err := LoadKeyring(paths...)
			if err != nil {
				t.Fatalf("LoadKeyring(%v): %v", tt.paths, err)
			}
			if len(kr) < tt.minKeys {
				t.Errorf("LoadKeyring(%v) = %d entities, want >= %d", tt.paths, len(kr), tt.minKeys)
			}
		})
	}

	t.Run("errors name the file", func(t *testing.T) {
		dir := t.TempDir()
		garbage := filepath.Join(dir, "garbage.gpg")
		empty := filepath.Join(dir, "empty.gpg")
		if err := os.WriteFile(garbage, []byte("\x99\x01not a key at all"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(empty, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{filepath.Join(dir, "missing.gpg"), garbage, empty} {
			_, err := LoadKeyring(fixturePath(ubuntuKeyring), p)
			if err == nil || !strings.Contains(err.Error(), p) {
				t.Errorf("LoadKeyring(%s) error = %v, want one naming the file", p, err)
			}
		}
		if _, err := LoadKeyring(); err == nil {
			t.Error("LoadKeyring() with no paths: want error")
		}
	})

	t.Run("armored", func(t *testing.T) {
		raw := readFixture(t, ubuntuKeyring)
		var buf bytes.Buffer
		w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw)
		w.Close()
		kr, err := ReadKeyring(bytes.NewReader(append([]byte("\n"), buf.Bytes()...)), "ubuntu.asc")
		if err != nil {
			t.Fatalf("ReadKeyring(armored ubuntu keyring): %v", err)
		}
		if _, err := VerifyInRelease(readFixture(t, nobleInRelease), kr, testNow, nobleInRelease); err != nil {
			t.Errorf("noble InRelease with the armored keyring: %v", err)
		}
	})
}

func TestVerifyInReleaseFixtures(t *testing.T) {
	debian := loadKeyring(t, debianKeyring)
	ubuntu := loadKeyring(t, ubuntuKeyring)
	tests := []struct {
		file      string
		keyring   openpgp.EntityList
		wantErr   error // nil: verifies
		wantStart string
	}{
		{secInRelease, debian, nil, "Origin: Debian\nLabel: Debian-Security\n"},
		{bpoInRelease, debian, nil, "Origin: Debian Backports\n"},
		{nobleInRelease, ubuntu, nil, "Origin: Ubuntu\nLabel: Ubuntu\nSuite: noble-security\n"},
		{nobleInRelease, debian, ErrUnknownKey, ""},
		{secInRelease, ubuntu, ErrUnknownKey, ""},
		{bpoInRelease, ubuntu, ErrUnknownKey, ""},
	}
	for _, tt := range tests {
		name := tt.file
		if tt.wantErr != nil {
			name += "/wrong keyring"
		}
		t.Run(name, func(t *testing.T) {
			plain, err := VerifyInRelease(readFixture(t, tt.file), tt.keyring, testNow, tt.file)
			if tt.wantErr != nil {
				var se *SignatureError
				if !errors.As(err, &se) || !errors.Is(err, tt.wantErr) {
					t.Fatalf("VerifyInRelease(%s) error = %v, want *SignatureError wrapping %v", tt.file, err, tt.wantErr)
				}
				if se.Name != tt.file || !strings.Contains(err.Error(), tt.file) {
					t.Errorf("error %q does not name %s", err, tt.file)
				}
				return
			}
			if err != nil {
				t.Fatalf("VerifyInRelease(%s): %v", tt.file, err)
			}
			if !bytes.HasPrefix(plain, []byte(tt.wantStart)) {
				t.Errorf("plaintext of %s starts %q, want %q", tt.file, plain[:min(len(plain), 80)], tt.wantStart)
			}
			if bytes.Contains(plain, []byte("PGP")) || !bytes.HasSuffix(plain, []byte("\n")) {
				t.Errorf("plaintext of %s has armor or no final newline: ...%q", tt.file, plain[max(0, len(plain)-80):])
			}
		})
	}
}

func TestVerifyInReleaseTampered(t *testing.T) {
	debian := loadKeyring(t, debianKeyring)
	ubuntu := loadKeyring(t, ubuntuKeyring)
	// flip changes one byte of s, at the first occurrence of old, to repl.
	flip := func(s, old string, repl byte) func([]byte) []byte {
		return func(b []byte) []byte {
			i := bytes.Index(b, []byte(old))
			if i < 0 {
				t.Fatalf("fixture lacks %q", old)
			}
			out := bytes.Clone(b)
			out[i] = repl
			return out
		}
	}
	const packagesSum = "d3a45860a3f001b55d20eb371c8ed4095115c4bf77666c2847bb3c9d0bb46986"
	tests := []struct {
		name    string
		file    string
		keyring openpgp.EntityList
		mutate  func([]byte) []byte
		wantErr error
	}{
		{"Packages.xz sum changed", secInRelease, debian, flip("", packagesSum, 'e'), ErrBadSignature},
		{"Valid-Until pushed", secInRelease, debian, flip("", "27 Nov 2026", '9'), ErrBadSignature},
		{"codename changed", bpoInRelease, debian, flip("", "bookworm-backports", 'B'), ErrBadSignature},
		{"noble one byte", nobleInRelease, ubuntu, flip("", "noble-security", 'm'), ErrBadSignature},
		{"trailing garbage", nobleInRelease, ubuntu, func(b []byte) []byte { return append(bytes.Clone(b), "Origin: evil\n"...) }, ErrUnsignedData},
		{"leading garbage", nobleInRelease, ubuntu, func(b []byte) []byte { return append([]byte("Suite: evil\n\n"), b...) }, ErrUnsignedData},
		{"second signed message appended", secInRelease, debian, func(b []byte) []byte { return append(bytes.Clone(b), b...) }, ErrUnsignedData},
		{"plain Release", nobleInRelease, ubuntu, func(b []byte) []byte {
			i := bytes.Index(b, []byte("Origin:"))
			j := bytes.Index(b, []byte("-----BEGIN PGP SIGNATURE"))
			return b[i:j]
		}, ErrNotClearsigned},
		{"signature cut off", secInRelease, debian, func(b []byte) []byte { return b[:len(b)-200] }, ErrNotClearsigned},
		{"empty", secInRelease, debian, func([]byte) []byte { return nil }, ErrNotClearsigned},
		{"unknown hash header", secInRelease, debian, flip("", "SHA256\n\nOrigin", 'X'), ErrNotClearsigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.mutate(readFixture(t, tt.file))
			plain, err := VerifyInRelease(data, tt.keyring, testNow, tt.file)
			var se *SignatureError
			if !errors.As(err, &se) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifyInRelease(%s, %s) = %d bytes, error %v; want *SignatureError wrapping %v", tt.file, tt.name, len(plain), err, tt.wantErr)
			}
			if plain != nil {
				t.Errorf("VerifyInRelease(%s, %s) returned plaintext with an error", tt.file, tt.name)
			}
			if !strings.Contains(err.Error(), tt.file) {
				t.Errorf("error %q does not name %s", err, tt.file)
			}
		})
	}
}

// Debian signs bookworm-security with the bullseye security subkey (54404762BBB6E853,
// expires 2029-01-15) first and the bookworm one (BDE6D2B9216EC7A8, expires 2031-01-19)
// second. go-crypto checks only the first signature whose key it knows; VerifyInRelease must
// accept the file while any signature verifies, as gpgv does.
func TestVerifyInReleaseClock(t *testing.T) {
	debian := loadKeyring(t, debianKeyring)
	data := readFixture(t, secInRelease)
	tests := []struct {
		now     time.Time
		wantErr error
	}{
		{testNow, nil},
		{time.Date(2029, 6, 1, 0, 0, 0, 0, time.UTC), nil}, // bullseye key expired, bookworm key valid
		{time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC), pgperrors.ErrKeyExpired},
	}
	for _, tt := range tests {
		t.Run(tt.now.Format(time.DateOnly), func(t *testing.T) {
			_, err := VerifyInRelease(data, debian, tt.now, secInRelease)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("VerifyInRelease at %s: %v", tt.now, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrBadSignature) {
				t.Fatalf("VerifyInRelease at %s error = %v, want ErrBadSignature and %v", tt.now, err, tt.wantErr)
			}
		})
	}

	// Guard the premise: go-crypto alone rejects the file in 2029 because the first
	// signature's key has expired. If this starts passing, the workaround may go.
	block, _ := clearsign.Decode(data)
	_, err := block.VerifySignature(debian, &packet.Config{Time: func() time.Time { return time.Date(2029, 6, 1, 0, 0, 0, 0, time.UTC) }})
	if !errors.Is(err, pgperrors.ErrKeyExpired) {
		t.Errorf("go-crypto first-signature check in 2029: err = %v, want ErrKeyExpired", err)
	}
}

func TestParseReleaseFixtures(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC1123, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC()
	}
	tests := []struct {
		file, keyring string
		want          Release // Files checked by count
		nFiles        int
	}{
		{secInRelease, debianKeyring, Release{
			Origin: "Debian", Label: "Debian-Security", Suite: "oldstable-security", Codename: "bookworm-security", Version: "12",
			Date: utc("Fri, 20 Nov 2026 00:12:41 UTC"), ValidUntil: utc("Fri, 27 Nov 2026 00:12:41 UTC"),
			Architectures: []string{"amd64", "arm64", "armhf", "i386", "ppc64el"},
			Components:    []string{"updates/main", "updates/contrib", "updates/non-free-firmware", "updates/non-free"},
			AcquireByHash: true,
		}, 292},
		{bpoInRelease, debianKeyring, Release{
			Origin: "Debian Backports", Label: "Debian Backports", Suite: "oldstable-backports", Codename: "bookworm-backports",
			Date: utc("Fri, 20 Nov 2026 02:11:10 UTC"), ValidUntil: utc("Fri, 27 Nov 2026 02:11:10 UTC"),
			Architectures: []string{"all", "amd64", "arm64", "armel", "armhf", "i386", "mips64el", "mipsel", "ppc64el", "s390x"},
			Components:    []string{"main", "contrib", "non-free-firmware", "non-free"},
			AcquireByHash: true,
		}, 513},
		{nobleInRelease, ubuntuKeyring, Release{
			Origin: "Ubuntu", Label: "Ubuntu", Suite: "noble-security", Codename: "noble", Version: "24.04",
			Date:          utc("Fri, 20 Nov 2026 15:31:16 UTC"),
			Architectures: []string{"amd64", "arm64", "armhf", "i386", "ppc64el", "riscv64", "s390x"},
			Components:    []string{"main", "restricted", "universe", "multiverse"},
			AcquireByHash: true, // written after the hash fields
		}, 414},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := verifiedRelease(t, tt.file, tt.keyring)
			if len(got.Files) != tt.nFiles {
				t.Errorf("%s: %d SHA256 entries, want %d (counted with awk)", tt.file, len(got.Files), tt.nFiles)
			}
			for p, fs := range got.Files {
				if fs.Path != p || len(fs.SHA256) != 64 || fs.Size < 0 {
					t.Errorf("%s: bad entry %q: %+v", tt.file, p, fs)
				}
			}
			tt.want.Name = tt.file
			g := *got
			g.Files = nil
			if !reflect.DeepEqual(g, tt.want) {
				t.Errorf("ParseRelease(%s) =\n%+v\nwant\n%+v", tt.file, g, tt.want)
			}
		})
	}
}

func TestPackagesIndexFixtures(t *testing.T) {
	sec := verifiedRelease(t, secInRelease, debianKeyring)
	bpo := verifiedRelease(t, bpoInRelease, debianKeyring)
	noble := verifiedRelease(t, nobleInRelease, ubuntuKeyring)
	tests := []struct {
		rel         *Release
		component   string
		arch        string
		wantPath    string
		wantSize    int64
		wantSHA     string
		fixtureFile string // when set, the fixture's bytes must match the listed sum
	}{
		{sec, "main", "amd64", "main/binary-amd64/Packages.xz", 376904, "d3a45860a3f001b55d20eb371c8ed4095115c4bf77666c2847bb3c9d0bb46986", secAmd64},
		{sec, "updates/main", "amd64", "main/binary-amd64/Packages.xz", 376904, "d3a45860a3f001b55d20eb371c8ed4095115c4bf77666c2847bb3c9d0bb46986", secAmd64},
		{sec, "updates/main", "arm64", "main/binary-arm64/Packages.xz", 375332, "f2918c75dd64ea43c7a42770c51cb4a4ab17b16cb7bf088863e70b3c97d3badf", secArm64},
		{sec, "contrib", "i386", "contrib/binary-i386/Packages.xz", 752, "16ded2cc1f766575aa69ad280e3a91ee5ebfd348b8d8eae3ebcd5e0a9b328a52", ""},
		{bpo, "main", "amd64", "main/binary-amd64/Packages.xz", 300424, "b74b5bbca6f4701df6c5db54793a68449fb267ac10a9314e761b972ac63b3760", bpoAmd64},
		{noble, "main", "amd64", "main/binary-amd64/Packages.xz", 1198364, "556b1ac6d16c7963e00d433093d398c191ae5f2905636141ce11dff41e28be47", nobleAmd64},
		{sec, "main", "s390x", "", 0, "", ""},   // not an architecture of the suite
		{sec, "main", "riscv64", "", 0, "", ""}, // nor this one
		{bpo, "updates/main", "mips", "", 0, "", ""},
		{noble, "nonexistent", "amd64", "", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.rel.Codename+"/"+tt.component+"/"+tt.arch, func(t *testing.T) {
			got, err := tt.rel.PackagesIndex(tt.component, tt.arch)
			if tt.wantPath == "" {
				var nf *IndexNotFoundError
				if !errors.As(err, &nf) || nf.Component != tt.component || nf.Arch != tt.arch || nf.Name != tt.rel.Name {
					t.Fatalf("PackagesIndex(%q, %q) = %+v, %v; want *IndexNotFoundError naming them", tt.component, tt.arch, got, err)
				}
				for _, s := range []string{tt.component, tt.arch, tt.rel.Name} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not name %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("PackagesIndex(%q, %q): %v", tt.component, tt.arch, err)
			}
			want := FileSum{Path: tt.wantPath, Size: tt.wantSize, SHA256: tt.wantSHA}
			if got != want {
				t.Errorf("PackagesIndex(%q, %q) = %+v, want %+v", tt.component, tt.arch, got, want)
			}
			if tt.fixtureFile != "" {
				b := readFixture(t, tt.fixtureFile)
				sum := sha256.Sum256(b)
				if int64(len(b)) != got.Size || hex.EncodeToString(sum[:]) != got.SHA256 {
					t.Errorf("fixture %s: %d bytes sha256 %x, Release lists %d %s", tt.fixtureFile, len(b), sum, got.Size, got.SHA256)
				}
			}
		})
	}
}

func TestPackagesIndexPreference(t *testing.T) {
	const sum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	tests := []struct {
		name      string
		listed    []string
		component string
		want      string
	}{
		{"xz over gz and plain", []string{"main/binary-amd64/Packages", "main/binary-amd64/Packages.gz", "main/binary-amd64/Packages.xz"}, "main", "main/binary-amd64/Packages.xz"},
		{"gz over plain", []string{"main/binary-amd64/Packages", "main/binary-amd64/Packages.gz"}, "main", "main/binary-amd64/Packages.gz"},
		{"plain only", []string{"main/binary-amd64/Packages"}, "main", "main/binary-amd64/Packages"},
		{"by-hash and diff entries ignored", []string{"main/binary-amd64/Packages.diff/Index", "main/binary-amd64/Packages.bz2", "main/binary-amd64/Packages"}, "main", "main/binary-amd64/Packages"},
		{"updates/ listed only", []string{"updates/main/binary-amd64/Packages.xz"}, "main", "updates/main/binary-amd64/Packages.xz"},
		{"updates/ asked, plain listed", []string{"main/binary-amd64/Packages.gz"}, "updates/main", "main/binary-amd64/Packages.gz"},
		{"both listed: plain path wins", []string{"updates/main/binary-amd64/Packages.xz", "main/binary-amd64/Packages.xz"}, "updates/main", "main/binary-amd64/Packages.xz"},
		{"other arch only", []string{"main/binary-arm64/Packages.xz"}, "main", ""},
		{"debian-installer not taken", []string{"main/debian-installer/binary-amd64/Packages.xz"}, "main", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var text strings.Builder
			text.WriteString("Suite: test\nSHA256:\n")
			for _, p := range tt.listed {
				text.WriteString(" " + sum + " 0 " + p + "\n")
			}
			rel, err := ParseRelease(strings.NewReader(text.String()), "test/Release")
			if err != nil {
				t.Fatal(err)
			}
			got, err := rel.PackagesIndex(tt.component, "amd64")
			if tt.want == "" {
				if err == nil {
					t.Errorf("PackagesIndex(%q) with %v = %+v, want error", tt.component, tt.listed, got)
				}
				return
			}
			if err != nil || got.Path != tt.want {
				t.Errorf("PackagesIndex(%q) with %v = %q, %v; want %q", tt.component, tt.listed, got.Path, err, tt.want)
			}
		})
	}
}

func TestCheckValidUntil(t *testing.T) {
	sec := verifiedRelease(t, secInRelease, debianKeyring)
	noble := verifiedRelease(t, nobleInRelease, ubuntuKeyring)
	validUntil := time.Date(2026, 11, 27, 0, 12, 41, 0, time.UTC)
	tests := []struct {
		name    string
		rel     *Release
		now     time.Time
		expired bool
	}{
		{"capture day", sec, testNow, false},
		{"at Valid-Until", sec, validUntil, false},
		{"one second after", sec, validUntil.Add(time.Second), true},
		{"a year after", sec, validUntil.AddDate(1, 0, 0), true},
		{"no Valid-Until (Ubuntu)", noble, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rel.CheckValidUntil(tt.now)
			if !tt.expired {
				if err != nil {
					t.Errorf("CheckValidUntil(%s) on %s: %v", tt.now, tt.rel.Name, err)
				}
				return
			}
			var ee *ExpiredError
			if !errors.As(err, &ee) {
				t.Fatalf("CheckValidUntil(%s) on %s = %v, want *ExpiredError", tt.now, tt.rel.Name, err)
			}
			if !ee.ValidUntil.Equal(validUntil) || !ee.Now.Equal(tt.now) || ee.Name != secInRelease {
				t.Errorf("ExpiredError = %+v, want ValidUntil %s, Now %s, Name %s", ee, validUntil, tt.now, secInRelease)
			}
			if !strings.Contains(err.Error(), secInRelease) || !strings.Contains(err.Error(), "27 Nov 2026") {
				t.Errorf("error %q should name the file and the Valid-Until date", err)
			}
		})
	}
}

func TestParseReleaseErrors(t *testing.T) {
	const sum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	tests := []struct {
		name     string
		text     string
		wantLine int
		wantMsg  string
	}{
		{"line without colon", "Origin: Debian\nthis is not a field\nSHA256:\n " + sum + " 0 main/x\n", 2, "not a \"Field: value\" line"},
		{"continuation first", " " + sum + " 0 main/x\nSHA256:\n", 1, "continuation line outside a field"},
		{"short sum", "SHA256:\n " + sum + " 0 main/a\n abc 0 main/b\n", 3, "bad sha256"},
		{"non-hex sum", "SHA256:\n " + strings.Repeat("g", 64) + " 0 main/a\n", 2, "bad sha256"},
		{"bad size", "Suite: x\nSHA256:\n " + sum + " 12x main/a\n", 3, "bad size"},
		{"negative size", "SHA256:\n " + sum + " -1 main/a\n", 2, "bad size"},
		{"missing path", "SHA256:\n " + sum + " 1\n", 2, "want \"<sha256> <size> <path>\""},
		{"extra field", "SHA256:\n " + sum + " 1 main/a b\n", 2, "want \"<sha256> <size> <path>\""},
		{"dot-dot path", "SHA256:\n " + sum + " 1 main/../../../etc/passwd\n", 2, "unsafe path"},
		{"absolute path", "SHA256:\n " + sum + " 1 /etc/passwd\n", 2, "unsafe path"},
		{"path listed twice", "SHA256:\n " + sum + " 1 main/a\n " + sum + " 1 main/a\n", 3, "listed twice"},
		{"duplicate field", "Suite: a\nsuite: b\nSHA256:\n", 2, "duplicate field suite"},
		{"bad date", "Date: yesterday\nSHA256:\n " + sum + " 1 main/a\n", 1, "bad date"},
		{"non-UTC zone", "Valid-Until: Fri, 27 Nov 2026 00:12:41 EST\nSHA256:\n " + sum + " 1 main/a\n", 1, "not UTC"},
		{"folded single-line field", "Suite: a\n b\nSHA256:\n", 2, "continuation line in a single-line field"},
		{"two paragraphs", "Suite: a\nSHA256:\n " + sum + " 1 main/a\n\nSuite: b\n", 5, "more than one paragraph"},
		{"no SHA256", "Origin: Debian\nSuite: a\n", 2, "no SHA256 field"},
		{"empty", "\n\n", 2, "empty Release"},
		{"overlong line", "Suite: a\nDescription: " + strings.Repeat("x", maxLine+10) + "\nSHA256:\n", 2, "line longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rel, err := ParseRelease(strings.NewReader(tt.text), "dists/x/Release")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseRelease(%.60q) = %+v, %v; want *ParseError", tt.text, rel, err)
			}
			if pe.Line != tt.wantLine || !strings.Contains(pe.Msg, tt.wantMsg) || pe.Name != "dists/x/Release" {
				t.Errorf("ParseRelease(%.60q) error = %q (line %d); want line %d with %q", tt.text, err, pe.Line, tt.wantLine, tt.wantMsg)
			}
			if !strings.HasPrefix(err.Error(), "dists/x/Release:") {
				t.Errorf("error %q does not start with name:line", err)
			}
		})
	}
}

func TestParseReleaseAccepts(t *testing.T) {
	const sum = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
	text := "# comment\r\n" +
		"origin: Example\r\n" + // field names are case-insensitive
		"Date: Sat, 2 Nov 2024 10:51:45 +0000\r\n" + // numeric zone, one-digit day
		"Valid-Until: Sat, 09 Nov 2024 10:51:45 GMT\r\n" +
		"Architectures: amd64\r\n arm64\r\n" + // folded
		"MD5Sum:\r\n d41d8cd98f00b204e9800998ecf8427e 0 main/binary-amd64/Packages\r\n" +
		"SHA256:\r\n " + sum + "    0 main/binary-amd64/Packages\r\n" +
		"Unknown-Field: kept out\r\n" +
		"\r\n\r\n"
	rel, err := ParseRelease(strings.NewReader(text), "x")
	if err != nil {
		t.Fatal(err)
	}
	want := &Release{
		Name:          "x",
		Origin:        "Example",
		Date:          time.Date(2024, 11, 2, 10, 51, 45, 0, time.UTC),
		ValidUntil:    time.Date(2024, 11, 9, 10, 51, 45, 0, time.UTC),
		Architectures: []string{"amd64", "arm64"},
		Files: map[string]FileSum{"main/binary-amd64/Packages": {
			Path: "main/binary-amd64/Packages", Size: 0, SHA256: strings.ToLower(sum)}},
	}
	if !reflect.DeepEqual(rel, want) {
		t.Errorf("ParseRelease =\n%+v\nwant\n%+v", rel, want)
	}
}

// smallRelease cuts a real Release paragraph down to a fuzz-sized seed: every field line
// before the first checksum list, then for each checksum list its first keep entries and the
// main/binary-amd64 ones. Seeds of the whole 35-126 KB files stall the fuzzer: each new
// coverage bit sends one to the minimizer, which spends up to a minute per input shrinking it
// byte by byte (14 execs in 40 s). A few KB of the same real lines keeps every form.
func smallRelease(plain []byte, keep int) []byte {
	var out []byte
	inList, kept := false, 0
	for _, line := range bytes.SplitAfter(plain, []byte("\n")) {
		switch {
		case len(line) > 0 && (line[0] == ' ' || line[0] == '\t'):
			if inList && (kept < keep || bytes.Contains(line, []byte("main/binary-amd64/"))) {
				out = append(out, line...)
				kept++
			}
		case bytes.HasSuffix(bytes.TrimRight(line, "\r\n"), []byte(":")):
			inList, kept = true, 0
			out = append(out, line...)
		default:
			inList = false
			out = append(out, line...)
		}
	}
	return out
}

// releaseSeeds returns the plaintext of each real InRelease fixture.
func releaseSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var plains [][]byte
	for _, file := range []string{secInRelease, bpoInRelease, nobleInRelease} {
		b, err := os.ReadFile(fixturePath(file))
		if err != nil {
			tb.Fatal(err)
		}
		block, _ := clearsign.Decode(b)
		if block == nil {
			tb.Fatalf("%s: not clearsigned", file)
			return nil // Fatalf does not return; staticcheck cannot see it through testing.TB
		}
		plains = append(plains, block.Plaintext)
	}
	return plains
}

// truncations are the cuts of a paragraph worth seeding: the head cut mid-line twice, and
// the first 20 lines.
func truncations(plain []byte) [][]byte {
	lines := bytes.SplitAfter(plain, []byte("\n"))
	return [][]byte{plain[:len(plain)/2], plain[:len(plain)/3+7], bytes.Join(lines[:min(20, len(lines))], nil)}
}

// checkParseRelease is FuzzParseRelease's property: ParseRelease never panics, and what it
// accepts is consistent: every listed file has a well-formed sum and a path PackagesIndex may
// return. It returns the parsed Release (nil on a refusal) so tests can assert more.
func checkParseRelease(t *testing.T, data []byte) *Release {
	t.Helper()
	rel, err := ParseRelease(bytes.NewReader(data), "fuzz")
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v is not a *ParseError", err)
		}
		if pe.Line < 0 {
			t.Fatalf("negative line in %v", err)
		}
		return nil
	}
	for p, fs := range rel.Files {
		if p != fs.Path || !isHex(fs.SHA256, 64) || fs.Size < 0 || !safeRelPath(p) {
			t.Fatalf("accepted bad entry %q: %+v", p, fs)
		}
	}
	for _, comp := range append([]string{"main"}, rel.Components...) {
		for _, arch := range append([]string{"amd64"}, rel.Architectures...) {
			fs, err := rel.PackagesIndex(comp, arch)
			if err == nil {
				if got, ok := rel.Files[fs.Path]; !ok || got != fs {
					t.Fatalf("PackagesIndex(%q, %q) = %+v, not listed", comp, arch, fs)
				}
			}
		}
	}
	return rel
}

// TestParseReleaseProperty runs FuzzParseRelease's property over the whole real files and
// their truncations, which are too big to be fuzz seeds, and checks that the small seeds
// still hold what matters: the main/binary-amd64 Packages index of the full file.
func TestParseReleaseProperty(t *testing.T) {
	for i, plain := range releaseSeeds(t) {
		full := checkParseRelease(t, plain)
		if full == nil {
			t.Fatalf("seed %d: the whole real Release is refused", i)
		}
		for _, cut := range truncations(plain) {
			checkParseRelease(t, cut)
		}
		small := smallRelease(plain, 3)
		if len(small) > 8<<10 {
			t.Errorf("seed %d: small seed is %d bytes, want at most 8 KiB", i, len(small))
		}
		rel := checkParseRelease(t, small)
		if rel == nil {
			t.Fatalf("seed %d: the small seed is refused:\n%s", i, small)
		}
		want, err := full.PackagesIndex("main", "amd64")
		if err != nil {
			t.Fatalf("seed %d: full Release: %v", i, err)
		}
		if got, err := rel.PackagesIndex("main", "amd64"); err != nil || got != want {
			t.Errorf("seed %d: small seed's main/amd64 index = %+v, %v; want %+v", i, got, err, want)
		}
		if rel.Suite != full.Suite || !rel.Date.Equal(full.Date) || !reflect.DeepEqual(rel.Architectures, full.Architectures) {
			t.Errorf("seed %d: small seed lost header fields: %+v", i, rel)
		}
	}
}

// FuzzParseRelease: see checkParseRelease. Seeds are real Release lines, kept small (see
// smallRelease); TestParseReleaseProperty covers the whole files.
func FuzzParseRelease(f *testing.F) {
	for _, plain := range releaseSeeds(f) {
		small := smallRelease(plain, 3)
		f.Add(small)
		for _, cut := range truncations(small) {
			f.Add(cut)
		}
	}
	f.Add([]byte("SHA256:\n e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 main/binary-amd64/Packages\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParseRelease(t, data)
	})
}

// testSigner is an Ed25519 key made from a fixed seed at a fixed time, so the small signed
// seeds below are the same bytes on every run. Debian's real signatures cover 35-126 KB
// files, too big to fuzz (see smallRelease); this key signs a small excerpt of one instead.
func testSigner(tb testing.TB) *openpgp.Entity {
	tb.Helper()
	var seed [32]byte
	copy(seed[:], "matrixgen FuzzVerifyInRelease")
	created := testNow.AddDate(-1, 0, 0)
	config := &packet.Config{
		Rand:      rand.NewChaCha8(seed),
		Time:      func() time.Time { return created },
		Algorithm: packet.PubKeyAlgoEdDSA,
	}
	e, err := openpgp.NewEntity("matrixgen test", "", "", config)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// signedSeedPlain is the text testSigner signs for FuzzVerifyInRelease: the first seven
// lines of bookworm-security's real Release (Origin to Valid-Until). The property is about the
// signature and armor, not the fields, and every byte of a seed costs minimization time.
func signedSeedPlain(tb testing.TB) []byte {
	tb.Helper()
	lines := bytes.SplitAfter(releaseSeeds(tb)[0], []byte("\n"))
	return bytes.Join(lines[:7], nil)
}

// clearsignWith clearsigns plain with e, as a mirror would publish an InRelease. The final
// newline is the armor's, as in a real InRelease, so VerifyInRelease must return plain itself.
func clearsignWith(tb testing.TB, e *openpgp.Entity, plain []byte) []byte {
	tb.Helper()
	plain = bytes.TrimSuffix(plain, []byte("\n"))
	var buf bytes.Buffer
	w, err := clearsign.Encode(&buf, e.PrivateKey, &packet.Config{Time: func() time.Time { return testNow.Add(-time.Hour) }})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(plain); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// inReleaseVariants are the mutations of a signed file worth seeding: the file, CRLF line
// ends and trailing blanks (not covered by the signature, so they must not change the
// plaintext), and the file cut in half.
func inReleaseVariants(orig []byte, field string) [][]byte {
	return [][]byte{
		orig,
		bytes.ReplaceAll(orig, []byte("\n"), []byte("\r\n")),
		bytes.Replace(orig, []byte(field+"\n"), []byte(field+"  \n"), 1),
		orig[:len(orig)/2],
	}
}

// checkVerifyInRelease is FuzzVerifyInRelease's property: whatever the mutation,
// VerifyInRelease never panics, and when it accepts the data the plaintext is exactly want,
// the one that was signed. It reports whether data was accepted.
func checkVerifyInRelease(t *testing.T, data []byte, keyring openpgp.EntityList, want []byte) bool {
	t.Helper()
	got, err := VerifyInRelease(data, keyring, testNow, "fuzz")
	if err != nil {
		var se *SignatureError
		if !errors.As(err, &se) || got != nil {
			t.Fatalf("error %v (plaintext %d bytes): want *SignatureError and no plaintext", err, len(got))
		}
		return false
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("accepted a plaintext that differs from the signed one:\n%q\nwant\n%q", got, want)
	}
	return true
}

// TestVerifyInReleaseProperty runs FuzzVerifyInRelease's property over Debian's real signed
// file (too big to be a fuzz seed) and over the small seed signed by testSigner.
func TestVerifyInReleaseProperty(t *testing.T) {
	debian := loadKeyring(t, debianKeyring)
	orig := readFixture(t, secInRelease)
	want, err := VerifyInRelease(orig, debian, testNow, "seed")
	if err != nil {
		t.Fatal(err)
	}
	signer := testSigner(t)
	smallPlain := signedSeedPlain(t)
	small := clearsignWith(t, signer, smallPlain)
	tests := []struct {
		name    string
		data    []byte
		keyring openpgp.EntityList
		want    []byte
		accept  []bool // per inReleaseVariants
	}{
		{"debian bookworm-security", orig, debian, want, []bool{true, true, true, false}},
		{"small seed, test key", small, openpgp.EntityList{signer}, smallPlain, []bool{true, true, true, false}},
		{"small seed, debian keyring", small, debian, smallPlain, []bool{false, false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, v := range inReleaseVariants(tt.data, "Version: 12") {
				if got := checkVerifyInRelease(t, v, tt.keyring, tt.want); got != tt.accept[i] {
					t.Errorf("variant %d: accepted = %v, want %v", i, got, tt.accept[i])
				}
			}
		})
	}
}

// FuzzVerifyInRelease: see checkVerifyInRelease. The seeds are a small real excerpt signed by
// testSigner, so mutations run at fuzzing speed; the keyring also holds Debian's keys, so
// the unknown-key and wrong-key paths stay reachable.
func FuzzVerifyInRelease(f *testing.F) {
	keyring, err := LoadKeyring(fixturePath(debianKeyring))
	if err != nil {
		f.Fatal(err)
	}
	signer := testSigner(f)
	keyring = append(keyring, signer)
	want := signedSeedPlain(f)
	orig := clearsignWith(f, signer, want)
	for _, v := range inReleaseVariants(orig, "Version: 12") {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkVerifyInRelease(t, data, keyring, want)
	})
}
