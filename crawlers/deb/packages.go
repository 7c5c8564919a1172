package deb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// maxLine caps one line of a Release or Packages file. Real lines stay far below it (the
// longest in the fixtures is 20,755 bytes, a Provides list); the cap bounds memory on a
// corrupt or hostile index.
const maxLine = 1 << 20

// readBufSize is the bufio buffer: lines shorter than this are read in place, without a copy.
const readBufSize = 64 << 10

// Stanza is one paragraph of a Packages index, reduced to the fields a crawler needs.
// Absent fields are empty (Size 0).
type Stanza struct {
	Package, Version, Architecture, Source, Filename, SHA256, Depends, PreDepends, Provides string
	Size                                                                                    int64
	Line                                                                                    int // 1-based line number of the stanza's first line
}

// SourceName returns the source package name: Source without its optional " (version)"
// ("linux-signed-amd64 (6.1.192+2)" -> "linux-signed-amd64"), or Package when Source is
// absent, as Debian policy defines it.
func (st *Stanza) SourceName() string {
	if st.Source == "" {
		return st.Package
	}
	name, _, _ := strings.Cut(st.Source, " ")
	return name
}

// field indexes the fields Scanner keeps.
type field int

const (
	fNone field = iota
	fPackage
	fVersion
	fArchitecture
	fSource
	fFilename
	fSHA256
	fDepends
	fPreDepends
	fProvides
	fSize
	nFields
)

var fieldNames = [nFields]string{"", "Package", "Version", "Architecture", "Source", "Filename", "SHA256", "Depends", "Pre-Depends", "Provides", "Size"}

// multiLine reports whether a field may be folded over several lines (relationship fields).
func (f field) multiLine() bool { return f == fDepends || f == fPreDepends || f == fProvides }

// lookupField maps a field name to the kept field, or fNone. Names are case-insensitive
// (deb822); the exact-case switch is the fast path for real indices.
func lookupField(key []byte) field {
	switch string(key) { // no allocation: the compiler special-cases switch on string(bytes)
	case "Package":
		return fPackage
	case "Version":
		return fVersion
	case "Architecture":
		return fArchitecture
	case "Source":
		return fSource
	case "Filename":
		return fFilename
	case "SHA256":
		return fSHA256
	case "Depends":
		return fDepends
	case "Pre-Depends":
		return fPreDepends
	case "Provides":
		return fProvides
	case "Size":
		return fSize
	}
	switch len(key) {
	case 4, 6, 7, 8, 11, 12:
		for f := fPackage; f < nFields; f++ {
			if len(fieldNames[f]) == len(key) && bytes.EqualFold(key, []byte(fieldNames[f])) {
				return f
			}
		}
	}
	return fNone
}

// Scanner reads a Packages index one stanza at a time, in constant memory: lines are
// parsed in the read buffer, unneeded fields are skipped without a copy, and a stanza's
// kept values share one string allocation.
type Scanner struct {
	r    *bufio.Reader
	name string
	keep func(string) bool

	line int // lines consumed
	st   Stanza
	err  error
	eof  bool

	long     []byte // a line longer than the read buffer, assembled
	arena    []byte // kept values of the current stanza
	span     [nFields]struct{ start, end int }
	have     [nFields]bool
	sizeLine int // line of the Size field, for its error
}

// NewScanner returns a Scanner over an uncompressed Packages index; name (URL or file) is
// used in errors.
func NewScanner(r io.Reader, name string) *Scanner {
	return &Scanner{r: bufio.NewReaderSize(r, readBufSize), name: name}
}

// Filter makes Scan return only stanzas whose Package keep accepts; the rest of a rejected
// stanza is skipped without parsing (nor validating) its fields. By default every stanza
// is returned.
func (s *Scanner) Filter(keep func(pkg string) bool) { s.keep = keep }

// Stanza returns the stanza the last Scan found. The Stanza is overwritten by the next
// Scan; its strings stay valid.
func (s *Scanner) Stanza() *Stanza { return &s.st }

// Err returns the first error: a *ParseError for malformed text, or the reader's error
// wrapped with the name and line. It is nil at a clean end of input.
func (s *Scanner) Err() error { return s.err }

func (s *Scanner) fail(line int, format string, args ...any) bool {
	s.err = &ParseError{Name: s.name, Line: line, Msg: fmt.Sprintf(format, args...)}
	return false
}

// readLine returns the next line without its "\n" or "\r\n"; ok is false at the end of
// input or on error (s.err set). The slice is valid until the next readLine.
func (s *Scanner) readLine() (line []byte, ok bool) {
	if s.eof {
		return nil, false
	}
	b, err := s.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		s.long = append(s.long[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(s.long) > maxLine+2 {
				s.fail(s.line+1, "line longer than %d bytes", maxLine)
				return nil, false
			}
			b, err = s.r.ReadSlice('\n')
			s.long = append(s.long, b...)
		}
		b = s.long
	}
	if err != nil {
		if err != io.EOF {
			s.err = fmt.Errorf("%s: after line %d: %w", s.name, s.line, err)
			return nil, false
		}
		s.eof = true
		if len(b) == 0 {
			return nil, false
		}
	}
	s.line++
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	if len(b) > maxLine {
		s.fail(s.line, "line longer than %d bytes", maxLine)
		return nil, false
	}
	return b, true
}

// isBlank reports a paragraph separator: an empty line, or one of only spaces and tabs
// (deb822 lets parsers accept those).
func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

func trimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	for j > i && (b[j-1] == ' ' || b[j-1] == '\t') {
		j--
	}
	return b[i:j]
}

// Scan advances to the next (accepted) stanza. It returns false at the end of input or on
// the first error; see Err.
func (s *Scanner) Scan() bool {
	if s.err != nil {
		return false
	}
	for {
		ok, found := s.scanStanza()
		if !ok {
			return false
		}
		if found {
			return true
		}
	}
}

// scanStanza reads one paragraph. found is false when the paragraph was filtered out;
// ok is false at the end of input or on error.
func (s *Scanner) scanStanza() (ok, found bool) {
	var line []byte
	// Skip separators and comments up to the stanza's first line.
	for {
		if line, ok = s.readLine(); !ok {
			return false, false
		}
		if !isBlank(line) && line[0] != '#' {
			break
		}
	}
	start := s.line
	s.arena = s.arena[:0]
	s.have = [nFields]bool{}
	var pkg string
	cur := fNone // field the last line belonged to, when kept
	inField := false
	for {
		switch {
		case line[0] == '#':
			// comment: ignored
		case line[0] == ' ' || line[0] == '\t':
			if !inField {
				return s.fail(s.line, "continuation line outside a field"), false
			}
			if cur != fNone {
				if !cur.multiLine() {
					return s.fail(s.line, "continuation line in single-line field %s", fieldNames[cur]), false
				}
				v := trimSpace(line)
				if len(v) > 0 {
					sp := &s.span[cur]
					if sp.end > sp.start {
						s.arena = append(s.arena, ' ')
					}
					s.arena = append(s.arena, v...)
					sp.end = len(s.arena)
				}
			}
		default:
			i := bytes.IndexByte(line, ':')
			if i <= 0 {
				return s.fail(s.line, "not a \"Field: value\" line: %q", truncate(string(line[:min(len(line), 81)]), 80)), false
			}
			inField = true
			cur = lookupField(line[:i])
			if cur != fNone {
				if s.have[cur] {
					return s.fail(s.line, "duplicate field %s", fieldNames[cur]), false
				}
				s.have[cur] = true
				v := trimSpace(line[i+1:])
				if cur == fPackage {
					if len(v) == 0 {
						return s.fail(s.line, "empty Package"), false
					}
					pkg = string(v)
					if s.keep != nil && !s.keep(pkg) {
						return s.skipStanza(), false
					}
				} else {
					if cur == fSize {
						s.sizeLine = s.line
					}
					s.span[cur].start = len(s.arena)
					s.arena = append(s.arena, v...)
					s.span[cur].end = len(s.arena)
				}
			}
		}
		if line, ok = s.readLine(); !ok || isBlank(line) {
			if s.err != nil {
				return false, false
			}
			break
		}
	}
	return s.finishStanza(start, pkg), true
}

// skipStanza consumes lines up to the end of the current stanza. It returns ok.
func (s *Scanner) skipStanza() bool {
	for {
		line, ok := s.readLine()
		if !ok {
			return s.err == nil
		}
		if isBlank(line) {
			return true
		}
	}
}

// finishStanza fills s.st from the arena; it returns false on a semantic error.
func (s *Scanner) finishStanza(start int, pkg string) bool {
	if !s.have[fPackage] {
		return s.fail(start, "stanza has no Package field")
	}
	all := string(s.arena) // one allocation for every kept value
	get := func(f field) string {
		if !s.have[f] {
			return ""
		}
		return all[s.span[f].start:s.span[f].end]
	}
	s.st = Stanza{
		Package:      pkg,
		Version:      get(fVersion),
		Architecture: get(fArchitecture),
		Source:       get(fSource),
		Filename:     get(fFilename),
		SHA256:       get(fSHA256),
		Depends:      get(fDepends),
		PreDepends:   get(fPreDepends),
		Provides:     get(fProvides),
		Line:         start,
	}
	if s.have[fSize] {
		size, ok := parseSize(s.arena[s.span[fSize].start:s.span[fSize].end])
		if !ok {
			return s.fail(s.sizeLine, "package %s: bad Size %q", pkg, truncate(get(fSize), 40))
		}
		s.st.Size = size
	}
	return true
}

// parseSize parses a non-negative decimal int64 without allocating.
func parseSize(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false // overflow
		}
		n = n*10 + d
	}
	return n, true
}
