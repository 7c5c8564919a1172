package deb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// naiveStanzas is an independent, slow reading of a Packages text (split on blank lines,
// fields by strings.Cut), to check Scanner against on real files.
func naiveStanzas(t *testing.T, text []byte) []Stanza {
	t.Helper()
	var out []Stanza
	lineNo := 1
	for _, para := range strings.Split(string(text), "\n\n") {
		start := lineNo
		lineNo += strings.Count(para, "\n") + 2
		trimmed := strings.TrimLeft(para, "\n")
		start += len(para) - len(trimmed)
		para = trimmed
		if strings.TrimSpace(para) == "" {
			continue
		}
		fields := map[string]string{}
		var last string
		for _, l := range strings.Split(para, "\n") {
			if strings.HasPrefix(l, " ") {
				fields[last] += "\n" + l
				continue
			}
			k, v, ok := strings.Cut(l, ":")
			if !ok {
				t.Fatalf("naive: line %q", l)
			}
			last = k
			fields[k] = strings.TrimSpace(v)
		}
		size, _ := strconv.ParseInt(fields["Size"], 10, 64)
		out = append(out, Stanza{
			Package: fields["Package"], Version: fields["Version"], Architecture: fields["Architecture"],
			Source: fields["Source"], Filename: fields["Filename"], SHA256: fields["SHA256"],
			Depends: fields["Depends"], PreDepends: fields["Pre-Depends"], Provides: fields["Provides"],
			Size: size, Line: start,
		})
	}
	return out
}

func scanAll(t *testing.T, r io.Reader, name string, keep func(string) bool) ([]Stanza, error) {
	t.Helper()
	sc := NewScanner(r, name)
	if keep != nil {
		sc.Filter(keep)
	}
	var out []Stanza
	for sc.Scan() {
		out = append(out, *sc.Stanza())
	}
	return out, sc.Err()
}

func TestScannerFixtures(t *testing.T) {
	tests := []struct {
		file        string
		wantHeaders int // stanzas whose Package starts with "linux-headers-", counted with grep
	}{
		{secAmd64, 51},
		{secArm64, 57},
		{bpoAmd64, 8},
		{nobleAmd64, 426},
		{trixieRiscv64, 7},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			text := packagesText(t, tt.file)
			got, err := scanAll(t, bytes.NewReader(text), tt.file, nil)
			if err != nil {
				t.Fatalf("scan %s: %v", tt.file, err)
			}
			// Independent count: lines starting with "Package: ".
			wantN := bytes.Count(text, []byte("\nPackage: "))
			if bytes.HasPrefix(text, []byte("Package: ")) {
				wantN++
			}
			if len(got) != wantN {
				t.Fatalf("%s: %d stanzas, want %d (lines starting with \"Package: \")", tt.file, len(got), wantN)
			}
			want := naiveStanzas(t, text)
			if len(want) != len(got) {
				t.Fatalf("%s: naive reading found %d stanzas, scanner %d", tt.file, len(want), len(got))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s stanza %d:\n got %+v\nwant %+v", tt.file, i, got[i], want[i])
				}
			}

			headers, err := scanAll(t, bytes.NewReader(text), tt.file, func(p string) bool { return strings.HasPrefix(p, "linux-headers-") })
			if err != nil {
				t.Fatalf("filtered scan %s: %v", tt.file, err)
			}
			if len(headers) != tt.wantHeaders {
				t.Errorf("%s: %d linux-headers-* stanzas, want %d", tt.file, len(headers), tt.wantHeaders)
			}
			// The filtered scan must return exactly the matching stanzas of the full scan.
			var j int
			for _, st := range got {
				if strings.HasPrefix(st.Package, "linux-headers-") {
					if j >= len(headers) || headers[j] != st {
						t.Fatalf("%s: filtered stanza %d differs from the full scan's %+v", tt.file, j, st)
					}
					j++
				}
			}
		})
	}
}

func TestScannerKnownStanzas(t *testing.T) {
	tests := []struct {
		file string
		want Stanza // Line is checked against the raw text
	}{
		{secAmd64, Stanza{
			Package: "linux-headers-6.1.0-56-amd64", Source: "linux", Version: "6.1.192-2", Architecture: "amd64",
			Depends:  "linux-headers-6.1.0-56-common (= 6.1.192-2), linux-kbuild-6.1 (>= 6.1.192-2), linux-compiler-gcc-12-x86",
			Filename: "pool/updates/main/l/linux/linux-headers-6.1.0-56-amd64_6.1.192-2_amd64.deb",
			Size:     1841552, SHA256: "796a7b4584d7a57f97913e34e80a2fcce96b6c5016fa9d4fc2212a93e4868677",
		}},
		{bpoAmd64, Stanza{
			Package: "linux-headers-amd64", Source: "linux-signed-amd64 (6.12.95+1~bpo12+1)", Version: "6.12.95-1~bpo12+1", Architecture: "amd64",
			Provides: "linux-headers-generic",
			Depends:  "linux-headers-6.12.95+deb12-amd64 (= 6.12.95-1~bpo12+1)",
			Filename: "pool/main/l/linux-signed-amd64/linux-headers-amd64_6.12.95-1~bpo12+1_amd64.deb",
			Size:     1420,
		}},
		{nobleAmd64, Stanza{
			Package: "linux-headers-6.8.0-1069-aws", Source: "linux-aws", Version: "6.8.0-1069.74", Architecture: "amd64",
			Provides: "linux-headers, linux-headers-3.0",
			Depends:  "linux-aws-headers-6.8.0-1069, libc6 (>= 2.38), libelf1t64 (>= 0.144), libssl3t64 (>= 3.0.0), zlib1g (>= 1:1.2.3.3)",
			Filename: "pool/main/l/linux-aws/linux-headers-6.8.0-1069-aws_6.8.0-1069.74_amd64.deb",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.want.Package, func(t *testing.T) {
			text := packagesText(t, tt.file)
			got, err := scanAll(t, bytes.NewReader(text), tt.file, func(p string) bool { return p == tt.want.Package })
			if err != nil || len(got) != 1 {
				t.Fatalf("scan %s for %s: %d stanzas, %v", tt.file, tt.want.Package, len(got), err)
			}
			st := got[0]
			// Line: where "Package: <name>\n" starts in the raw text.
			i := bytes.Index(text, []byte("\nPackage: "+tt.want.Package+"\n"))
			if i < 0 {
				t.Fatalf("%s not in raw text", tt.want.Package)
			}
			tt.want.Line = bytes.Count(text[:i+1], []byte("\n")) + 1
			if tt.want.SHA256 == "" { // take SHA256 and Size from the raw stanza
				raw := string(text[i+1:])
				raw = raw[:strings.Index(raw, "\n\n")]
				for _, l := range strings.Split(raw, "\n") {
					if v, ok := strings.CutPrefix(l, "SHA256: "); ok {
						tt.want.SHA256 = v
					}
					if v, ok := strings.CutPrefix(l, "Size: "); ok && tt.want.Size == 0 {
						tt.want.Size, _ = strconv.ParseInt(v, 10, 64)
					}
				}
			}
			if st != tt.want {
				t.Errorf("stanza %s:\n got %+v\nwant %+v", tt.want.Package, st, tt.want)
			}
		})
	}
}

func TestStanzaSourceName(t *testing.T) {
	tests := []struct{ pkg, source, want string }{
		{"linux-headers-amd64", "linux-signed-amd64 (6.1.192+2)", "linux-signed-amd64"},
		{"linux-headers-6.8.0-1069-aws", "linux-aws", "linux-aws"},
		{"linux-base", "", "linux-base"},
	}
	for _, tt := range tests {
		st := Stanza{Package: tt.pkg, Source: tt.source}
		if got := st.SourceName(); got != tt.want {
			t.Errorf("SourceName(%q, %q) = %q, want %q", tt.pkg, tt.source, got, tt.want)
		}
	}
}

func TestScannerFormatting(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []Stanza
	}{
		{"no trailing newline", "Package: a\nVersion: 1", []Stanza{{Package: "a", Version: "1", Line: 1}}},
		{"CRLF", "Package: a\r\nVersion: 1\r\n\r\nPackage: b\r\nSize: 7\r\n", []Stanza{{Package: "a", Version: "1", Line: 1}, {Package: "b", Size: 7, Line: 4}}},
		{"many blank lines and whitespace-only separator", "\n\n\nPackage: a\n\n \t\n\nPackage: b\n\n\n", []Stanza{{Package: "a", Line: 4}, {Package: "b", Line: 8}}},
		{"comments", "# header\nPackage: a\n# inside\nVersion: 2\n#\n\n# between\nPackage: b\n", []Stanza{{Package: "a", Version: "2", Line: 2}, {Package: "b", Line: 8}}},
		{"multi-line Depends joined", "Package: a\nDepends: x,\n  y (>= 1),\n\tz\nPre-Depends:\n dpkg\nDescription: d\n long\n .\n text\n", []Stanza{{Package: "a", Depends: "x, y (>= 1), z", PreDepends: "dpkg", Line: 1}}},
		{"Package not first, extra spaces", "Version:   3 \nPackage:a\n", []Stanza{{Package: "a", Version: "3", Line: 1}}},
		{"field names case-insensitive", "package: a\nVERSION: 1\nsha256: ab\nPre-depends: p\n", []Stanza{{Package: "a", Version: "1", SHA256: "ab", PreDepends: "p", Line: 1}}},
		{"value with colons", "Package: a\nDepends: zlib1g (>= 1:1.2.3.3)\n", []Stanza{{Package: "a", Depends: "zlib1g (>= 1:1.2.3.3)", Line: 1}}},
		{"empty input", "", nil},
		{"only blanks and comments", "\n# x\n\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// OneByteReader exercises refills at every byte.
			for _, r := range []io.Reader{strings.NewReader(tt.text), iotest.OneByteReader(strings.NewReader(tt.text))} {
				got, err := scanAll(t, r, "P", nil)
				if err != nil {
					t.Fatalf("scan %q: %v", tt.text, err)
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("scan %q =\n%+v\nwant\n%+v", tt.text, got, tt.want)
				}
			}
		})
	}
}

func TestScannerErrors(t *testing.T) {
	long := strings.Repeat("x", maxLine+1)
	tests := []struct {
		name     string
		text     string
		keep     func(string) bool
		wantN    int // stanzas returned before the error
		wantLine int
		wantMsg  string
	}{
		{"line without colon", "Package: a\n\nPackage: b\nVersion 1\n", nil, 1, 4, "not a \"Field: value\" line"},
		{"empty field name", "Package: a\n: x\n", nil, 0, 2, "not a \"Field: value\" line"},
		{"bad Size", "Package: a\nSize: 12\n\nPackage: b\nVersion: 1\nSize: 1O\n", nil, 1, 6, "bad Size \"1O\""},
		{"negative Size", "Package: a\nSize: -1\n", nil, 0, 2, "bad Size"},
		{"huge Size", "Package: a\nSize: 9223372036854775808\n", nil, 0, 2, "bad Size"}, // MaxInt64+1
		{"empty Size", "Package: a\nSize:\n", nil, 0, 2, "bad Size"},
		{"no Package", "Package: a\n\nVersion: 1\nSize: 2\n", nil, 1, 3, "no Package field"},
		{"empty Package", "Package:  \n", nil, 0, 1, "empty Package"},
		{"duplicate Package", "Package: a\nPackage: b\n", nil, 0, 2, "duplicate field Package"},
		{"continuation first", " foo\nPackage: a\n", nil, 0, 1, "continuation line outside a field"},
		{"continuation of Version", "Package: a\nVersion: 1\n 2\n", nil, 0, 3, "single-line field Version"},
		{"overlong line", "Package: a\n\nPackage: b\nDescription: " + long + "\n", nil, 1, 4, "line longer than 1048576 bytes"},
		{"overlong line in a skipped stanza", "Package: skip\nDescription: " + long + "\n\nPackage: keep\n", func(p string) bool { return p == "keep" }, 0, 2, "line longer than"},
		{"overlong last line without newline", "Package: a\nX: " + long, nil, 0, 2, "line longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanAll(t, strings.NewReader(tt.text), "dists/x/main/binary-amd64/Packages", tt.keep)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("scan %.60q: err = %v, want *ParseError", tt.text, err)
			}
			if len(got) != tt.wantN || pe.Line != tt.wantLine || !strings.Contains(pe.Msg, tt.wantMsg) {
				t.Errorf("scan %.60q: %d stanzas, error %q (line %d); want %d stanzas, line %d, %q", tt.text, len(got), err, pe.Line, tt.wantN, tt.wantLine, tt.wantMsg)
			}
			if want := fmt.Sprintf("dists/x/main/binary-amd64/Packages:%d: ", tt.wantLine); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want prefix %q", err, want)
			}
		})
	}
}

func TestScannerLongLineUnderCap(t *testing.T) {
	// Longer than the read buffer, shorter than the cap: assembled, not an error.
	deps := strings.Repeat("libfoo (>= 1), ", readBufSize/8)
	deps = strings.TrimSuffix(deps, ", ")
	text := "Package: a\nDepends: " + deps + "\nSize: 5\n\nPackage: b\n"
	got, err := scanAll(t, strings.NewReader(text), "P", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Depends != deps || got[0].Size != 5 || got[1].Line != 5 {
		t.Errorf("long Depends: got %d stanzas, Depends len %d (want %d), Size %d, second Line %d", len(got), len(got[0].Depends), len(deps), got[0].Size, got[1].Line)
	}
}

func TestScannerReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("Package: a\n\nPackage: b\n"), iotest.ErrReader(boom))
	got, err := scanAll(t, r, "http://mirror/Packages", nil)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "http://mirror/Packages") {
		t.Fatalf("err = %v, want the reader's error wrapped with the name", err)
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		t.Errorf("read error reported as a parse error: %v", err)
	}
	if len(got) != 1 {
		t.Errorf("got %d stanzas before the read error, want 1 (the second is incomplete)", len(got))
	}
}

// FuzzScanner: Scanner never panics, and any stanza it returns is sane.
func FuzzScanner(f *testing.F) {
	for _, file := range []string{trixieRiscv64, secAmd64} {
		text := packagesText(f, file)
		f.Add(text[:min(len(text), 4096)])
		f.Add(text[:min(len(text), 1500)])
	}
	f.Add([]byte("Package: a\r\nDepends: x,\r\n y\r\n\r\n# c\nPackage: b\nSize: 12\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc := NewScanner(bytes.NewReader(data), "fuzz")
		last := 0
		for sc.Scan() {
			st := sc.Stanza()
			if st.Package == "" || st.Line <= last || st.Size < 0 {
				t.Fatalf("bad stanza %+v after line %d", st, last)
			}
			last = st.Line
		}
		if err := sc.Err(); err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error %v: want *ParseError with a line", err)
			}
		}
	})
}

// FuzzScannerRoundTrip formats stanzas from random field values, in varied layouts, and
// checks that Scanner gives the values back.
func FuzzScannerRoundTrip(f *testing.F) {
	f.Add("linux-headers-6.1.0-56-amd64", "6.1.192-2", "amd64", "linux", "pool/updates/main/l/linux/linux-headers-6.1.0-56-amd64_6.1.192-2_amd64.deb",
		"796a7b4584d7a57f97913e34e80a2fcce96b6c5016fa9d4fc2212a93e4868677", "linux-headers-6.1.0-56-common (= 6.1.192-2), linux-kbuild-6.1 (>= 6.1.192-2), linux-compiler-gcc-12-x86",
		int64(1841552), uint8(0))
	f.Add("linux-headers-amd64", "6.12.95-1~bpo12+1", "amd64", "linux-signed-amd64 (6.12.95+1~bpo12+1)", "pool/x.deb", "", "a, b | c", int64(0), uint8(0xff))
	f.Fuzz(func(t *testing.T, pkg, ver, arch, src, filename, sum, deps string, size int64, layout uint8) {
		clean := func(s string) string {
			s = strings.Map(func(r rune) rune {
				if r == '\n' || r == '\r' {
					return ' '
				}
				return r
			}, s)
			return strings.Trim(s, " \t")
		}
		pkg, ver, arch, src, filename, sum, deps = clean(pkg), clean(ver), clean(arch), clean(src), clean(filename), clean(sum), clean(deps)
		if pkg == "" || size < 0 {
			t.Skip()
		}
		want := Stanza{Package: pkg, Version: ver, Architecture: arch, Source: src, Filename: filename, SHA256: sum, Size: size}
		nl := "\n"
		if layout&1 != 0 {
			nl = "\r\n"
		}
		var b strings.Builder
		lineNo := 1
		if layout&2 != 0 {
			b.WriteString("# leading comment" + nl + nl)
			lineNo = 3
		}
		w := func(k, v string) { b.WriteString(k + ": " + v + nl) }
		w("Package", pkg)
		w("Version", ver)
		w("Architecture", arch)
		if src != "" || layout&4 != 0 {
			w("Source", src)
		}
		w("Description", "summary")
		b.WriteString(" long text line" + nl + " ." + nl)
		// Depends folded after each ", " when layout says so and no piece has edge
		// whitespace or is empty (folding trims each line, so those would not round-trip).
		parts := strings.Split(deps, ", ")
		foldable := len(parts) > 1
		for _, p := range parts {
			if p == "" || p != strings.Trim(p, " \t") {
				foldable = false
			}
		}
		if layout&8 != 0 && foldable {
			b.WriteString("Depends: " + strings.Join(parts, ","+nl+" ") + nl)
		} else {
			w("Depends", deps)
		}
		want.Depends = deps
		w("Filename", filename)
		w("Size", strconv.FormatInt(size, 10))
		w("SHA256", sum)
		if layout&16 != 0 {
			b.WriteString(nl + nl + "Package: next" + nl)
		}
		text := b.String()
		if layout&32 != 0 {
			text = strings.TrimSuffix(text, nl)
		}
		want.Line = lineNo
		got, err := scanAll(t, strings.NewReader(text), "rt", nil)
		if err != nil {
			t.Fatalf("scan %q: %v", text, err)
		}
		if len(got) == 0 || got[0] != want {
			t.Fatalf("round trip of %q:\n got %+v\nwant %+v", text, got, want)
		}
	})
}

func BenchmarkScanner(b *testing.B) {
	text := packagesText(b, nobleAmd64)
	b.Run("all", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			sc := NewScanner(bytes.NewReader(text), "noble")
			n := 0
			for sc.Scan() {
				n++
			}
			if sc.Err() != nil || n != 6142 {
				b.Fatalf("n=%d err=%v", n, sc.Err())
			}
		}
	})
	// Peak heap while scanning: the scanner streams, so it stays at its
	// buffers whatever the index size.
	b.Run("peak-heap", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			base, peak := ms.HeapAlloc, uint64(0)
			sc := NewScanner(bytes.NewReader(text), "noble")
			for n := 0; sc.Scan(); n++ {
				if n%500 == 0 {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapAlloc-min(ms.HeapAlloc, base))
				}
			}
			b.ReportMetric(float64(peak)/(1<<10), "peak-heap-KiB")
		}
	})
	b.Run("linux-filter", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			sc := NewScanner(bytes.NewReader(text), "noble")
			sc.Filter(func(p string) bool { return strings.HasPrefix(p, "linux-") })
			n := 0
			for sc.Scan() {
				n++
			}
			if sc.Err() != nil || n == 0 {
				b.Fatalf("n=%d err=%v", n, sc.Err())
			}
		}
	})
}
