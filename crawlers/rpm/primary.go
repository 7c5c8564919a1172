package rpm

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Package is one package of a primary index, as far as a crawl needs it.
type Package struct {
	Name    string
	Arch    string // "x86_64", "aarch64", "noarch", "src"
	Epoch   string
	Version string
	Release string
	Href    string // location href as written
	Base    string // location xml:base: when set, Href is relative to it, not to the repository
	// Provides lists the rpm:provides entries.
	Provides []Entry
}

// Entry is one rpm:entry of a dependency list.
type Entry struct {
	Name    string
	Flags   string // "EQ", "GE", ...; "" for an unversioned entry
	Epoch   string
	Version string
	Release string
}

// UnameR returns the uname -r that a kernel-devel-uname-r provide states (ver-rel, the arch
// being inside rel), or "" when the package has no such provide.
func (p *Package) UnameR() string {
	for _, e := range p.Provides {
		if e.Name == "kernel-devel-uname-r" && e.Flags == "EQ" && e.Version != "" && e.Release != "" {
			return e.Version + "-" + e.Release
		}
	}
	return ""
}

// NEVRA is name-[epoch:]version-release.arch, for messages.
func (p *Package) NEVRA() string {
	ev := p.Version
	if p.Epoch != "" && p.Epoch != "0" {
		ev = p.Epoch + ":" + ev
	}
	return fmt.Sprintf("%s-%s-%s.%s", p.Name, ev, p.Release, p.Arch)
}

const (
	readChunk     = 1 << 20  // bytes read from the stream at a time
	maxProlog     = 1 << 20  // XML declaration, comments and the <metadata> start tag
	maxPackageLen = 64 << 20 // one <package> element; real ones are 1-30 KB
)

var (
	tagPackage    = []byte("<package")
	tagEndPackage = []byte("</package>")
	tagEndMeta    = []byte("</metadata")
	tagName       = []byte("<name>")
)

// ScanPrimary reads a primary.xml stream and calls fn for each package whose name keep
// accepts (nil keeps every package), in file order. It returns the number of packages in
// the stream. name (the URL) is used in errors.
//
// Memory stays flat whatever the size of the index (Fedora Everything's is ~230 MB): the
// stream is cut into one <package> element at a time by a byte scan, the name of each is
// read from its <name> element, and only packages keep accepts are decoded, with
// encoding/xml's Token API in the namespace context of the <metadata> root. Rejected
// packages are never decoded; their integrity rests on the index's checksum, which the
// fetch layer verifies while this reads.
func ScanPrimary(r io.Reader, name string, keep func(name string) bool, fn func(*Package) error) (int, error) {
	s := &scanner{r: r, name: name, line: 1}
	return s.run(keep, fn)
}

type scanner struct {
	r    io.Reader
	name string
	buf  []byte
	pos  int   // start of the unconsumed bytes in buf
	line int   // line number at buf[pos]
	eof  bool  // r returned io.EOF
	err  error // a read error other than io.EOF
	root []byte
}

// more reads another chunk, first moving the unconsumed bytes to the front of buf. It
// returns false at the end of the stream or on a read error (s.err).
func (s *scanner) more() bool {
	if s.eof || s.err != nil {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:])
		s.buf = s.buf[:n]
		s.pos = 0
	}
	if cap(s.buf)-len(s.buf) < readChunk {
		nb := make([]byte, len(s.buf), 2*cap(s.buf)+readChunk)
		copy(nb, s.buf)
		s.buf = nb
	}
	n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
	s.buf = s.buf[:len(s.buf)+n]
	switch {
	case err == io.EOF:
		s.eof = true
	case err != nil:
		s.err = err
	}
	return n > 0 || (!s.eof && s.err == nil)
}

// consume advances past n bytes, counting lines for messages.
func (s *scanner) consume(n int) {
	s.line += bytes.Count(s.buf[s.pos:s.pos+n], []byte{'\n'})
	s.pos += n
}

func (s *scanner) errorf(format string, a ...any) error {
	return &ParseError{Name: s.name, Line: s.line, Msg: fmt.Sprintf(format, a...)}
}

// readErr is the stream's error (a *fetch.ChecksumError, a truncated body) when there is
// one: it explains a premature end better than the parse would.
func (s *scanner) readErr(parseErr error) error {
	if s.err != nil {
		return s.err
	}
	return parseErr
}

func (s *scanner) run(keep func(string) bool, fn func(*Package) error) (int, error) {
	if err := s.prolog(); err != nil {
		return 0, s.readErr(err)
	}
	if s.root == nil {
		return 0, nil // <metadata/>, checked by prolog
	}
	count := 0
	for {
		// Between packages: whitespace, comments, processing instructions.
		i := s.skipSpace()
		if i < 0 {
			if s.more() {
				continue
			}
			return count, s.readErr(s.errorf("unexpected end of file: no </metadata> (truncated index?)"))
		}
		rest := s.buf[s.pos:]
		switch {
		case len(rest) < len(tagEndPackage)+1 && !s.eof:
			if !s.more() && s.err != nil {
				return count, s.err
			}
		case bytes.HasPrefix(rest, tagPackage) && isTagEnd(rest[len(tagPackage)]):
			end, err := s.packageEnd()
			if err != nil {
				return count, s.readErr(err)
			}
			count++
			chunk := s.buf[s.pos:end]
			if err := s.handle(chunk, keep, fn); err != nil {
				return count, err
			}
			s.consume(end - s.pos)
		case bytes.HasPrefix(rest, tagEndMeta):
			return count, s.trailer()
		case bytes.HasPrefix(rest, []byte("<!--")):
			if err := s.skipPast([]byte("-->")); err != nil {
				return count, s.readErr(err)
			}
		case bytes.HasPrefix(rest, []byte("<?")):
			if err := s.skipPast([]byte("?>")); err != nil {
				return count, s.readErr(err)
			}
		default:
			return count, s.errorf("unexpected %q in <metadata>: want <package> or </metadata>", clip(rest, 24))
		}
	}
}

// isTagEnd reports whether c can follow an element name in a start tag.
func isTagEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '>' || c == '/'
}

// skipSpace consumes whitespace and returns the offset of the next byte, or -1 when the
// buffer holds only whitespace.
func (s *scanner) skipSpace() int {
	b := s.buf[s.pos:]
	for i, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			s.consume(i)
			return i
		}
	}
	s.consume(len(b))
	return -1
}

// skipPast consumes through the next occurrence of sep.
func (s *scanner) skipPast(sep []byte) error {
	from := 0
	for {
		if i := bytes.Index(s.buf[s.pos+from:], sep); i >= 0 {
			s.consume(from + i + len(sep))
			return nil
		}
		from = max(0, len(s.buf)-s.pos-len(sep))
		if len(s.buf)-s.pos > maxProlog {
			return s.errorf("unterminated %q", sep)
		}
		if !s.more() {
			return s.errorf("unexpected end of file: no %q", sep)
		}
	}
}

// packageEnd returns the end offset in s.buf of the <package> element at s.pos, reading
// more of the stream as needed.
func (s *scanner) packageEnd() (int, error) {
	from := len(tagPackage)
	for {
		b := s.buf[s.pos:]
		if i := indexEndPackage(b[from:]); i >= 0 {
			end := from + i + len(tagEndPackage)
			if hasMarkupDecl(b[:end]) {
				// A comment or CDATA section may hide a "</package>": find the real end tag.
				e, ok, err := s.carefulEnd(b)
				if err != nil {
					return 0, err
				}
				if ok {
					return s.pos + e, nil
				}
				from = max(len(tagPackage), len(b)-len(tagEndPackage))
				goto read
			}
			return s.pos + end, nil
		}
		from = max(len(tagPackage), len(b)-len(tagEndPackage))
	read:
		if len(b) > maxPackageLen {
			return 0, s.errorf("a <package> element longer than %d bytes", maxPackageLen)
		}
		if !s.more() {
			return 0, s.errorf("unexpected end of file inside <package> (truncated index?)")
		}
	}
}

// indexEndPackage is bytes.Index(b, "</package>"), anchored on the 'k': in primary.xml '<'
// comes every 20-30 bytes and 'k' about eight times less often, and the search for the
// end tag is most of the time the scanner spends on a skipped package.
func indexEndPackage(b []byte) int {
	const k = 5 // index of 'k' in "</package>"
	for i := k; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], 'k')
		if j < 0 {
			return -1
		}
		i += j
		if i+len(tagEndPackage)-k <= len(b) && bytes.Equal(b[i-k:i-k+len(tagEndPackage)], tagEndPackage) {
			return i - k
		}
	}
	return -1
}

// hasMarkupDecl reports whether b contains "<!" (a comment or CDATA section), anchored on
// the rare '!'.
func hasMarkupDecl(b []byte) bool {
	for i := 1; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], '!')
		if j < 0 {
			return false
		}
		i += j
		if b[i-1] == '<' {
			return true
		}
	}
	return false
}

// carefulEnd finds the </package> end tag in b, skipping comments and CDATA sections. ok is
// false when b ends before it.
func (s *scanner) carefulEnd(b []byte) (int, bool, error) {
	i := len(tagPackage)
	for {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return 0, false, nil
		}
		i += j
		rest := b[i:]
		var close []byte
		switch {
		case bytes.HasPrefix(rest, tagEndPackage):
			return i + len(tagEndPackage), true, nil
		case bytes.HasPrefix(rest, []byte("<!--")):
			close = []byte("-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			close = []byte("]]>")
		case len(rest) < len("<![CDATA["):
			return 0, false, nil // cannot tell yet
		default:
			i++
			continue
		}
		k := bytes.Index(rest, close)
		if k < 0 {
			return 0, false, nil
		}
		i += k + len(close)
	}
}

// prolog reads up to the first <package> (or the end of a package-less document), checks
// that the root is <metadata>, and keeps the raw root start tag for its namespaces.
func (s *scanner) prolog() error {
	for {
		b := s.buf[s.pos:]
		if i := indexStartTag(b, tagPackage); i >= 0 {
			return s.parseRoot(b[:i], false)
		}
		if len(b) > maxProlog {
			return s.errorf("no <package> in the first %d bytes", maxProlog)
		}
		if !s.more() {
			if s.err != nil {
				return s.err
			}
			return s.parseRoot(b, true)
		}
	}
}

// indexStartTag finds a start tag named exactly tag ("<package", not "<packager").
func indexStartTag(b, tag []byte) int {
	off := 0
	for {
		i := bytes.Index(b[off:], tag)
		if i < 0 || off+i+len(tag) >= len(b) {
			return -1
		}
		if isTagEnd(b[off+i+len(tag)]) {
			return off + i
		}
		off += i + 1
	}
}

// parseRoot decodes the prolog. whole: head is the entire document (it has no package).
func (s *scanner) parseRoot(head []byte, whole bool) error {
	d := xml.NewDecoder(bytes.NewReader(head))
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			line, _ := d.InputPos()
			if err == io.EOF {
				err = errors.New("no <metadata> element")
			}
			return &ParseError{Name: s.name, Line: line, Msg: "primary.xml", Err: err}
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local != "metadata" {
			return s.errorf("root element <%s>, want <metadata>", se.Name.Local)
		}
		if whole {
			// No package at all: the rest must close the root (an empty repository).
			for {
				tok, err := d.Token()
				if err != nil {
					line, _ := d.InputPos()
					return &ParseError{Name: s.name, Line: line, Msg: "primary.xml without packages", Err: err}
				}
				if _, ok := tok.(xml.EndElement); ok {
					if err := s.onlyMisc(d, "after </metadata>"); err != io.EOF {
						return err
					}
					s.consume(len(head))
					return nil
				}
				if err := s.misc(tok, "in <metadata>"); err != nil {
					return err
				}
			}
		}
		end := d.InputOffset()
		s.root = append([]byte(nil), head[off:end]...)
		// Up to the first <package>: whitespace and comments only. The decoder ends with a
		// syntax error there, as the root is still open.
		if err := s.onlyMisc(d, "in <metadata>"); err != nil && !isSyntax(err) {
			return err
		}
		s.consume(len(head))
		return nil
	}
}

// misc accepts the tokens allowed between elements: whitespace, comments, processing
// instructions.
func (s *scanner) misc(tok xml.Token, where string) error {
	switch t := tok.(type) {
	case xml.CharData:
		if len(bytes.TrimSpace(t)) != 0 {
			return s.errorf("unexpected text %q %s", clip(bytes.TrimSpace(t), 24), where)
		}
	case xml.StartElement:
		return s.errorf("unexpected <%s> %s", t.Name.Local, where)
	case xml.EndElement:
		return s.errorf("unexpected </%s> %s", t.Name.Local, where)
	}
	return nil
}

// onlyMisc reads d to its end, accepting only misc tokens; it returns the decoder's final
// error (io.EOF at a clean end) or the first misplaced token's.
func (s *scanner) onlyMisc(d *xml.Decoder, where string) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		if err := s.misc(tok, where); err != nil {
			return err
		}
	}
}

func isSyntax(err error) bool {
	var se *xml.SyntaxError
	return errors.As(err, &se)
}

// trailer checks that only whitespace follows </metadata>.
func (s *scanner) trailer() error {
	for {
		rest := s.buf[s.pos:]
		if i := bytes.IndexByte(rest, '>'); i >= 0 {
			if strings.TrimSpace(string(rest[len(tagEndMeta):i])) != "" {
				return s.errorf("malformed </metadata>")
			}
			s.consume(i + 1)
			break
		}
		if !s.more() {
			return s.readErr(s.errorf("unexpected end of file inside </metadata>"))
		}
	}
	for {
		if i := s.skipSpace(); i >= 0 {
			return s.errorf("data after </metadata>: %q", clip(s.buf[s.pos:], 24))
		}
		if !s.more() {
			return s.err
		}
	}
}

// handle decides on one package element and decodes it if kept.
func (s *scanner) handle(chunk []byte, keep func(string) bool, fn func(*Package) error) error {
	if keep != nil {
		if n, ok := quickName(chunk); ok && !keep(n) {
			return nil
		}
	}
	p, err := s.decode(chunk)
	if err != nil {
		return err
	}
	if keep != nil && !keep(p.Name) {
		return nil
	}
	return fn(p)
}

// quickName reads the text of the first <name> element when it needs no unescaping.
func quickName(chunk []byte) (string, bool) {
	i := bytes.Index(chunk, tagName)
	if i < 0 {
		return "", false
	}
	rest := chunk[i+len(tagName):]
	j := bytes.IndexByte(rest, '<')
	if j < 0 || bytes.IndexByte(rest[:j], '&') >= 0 {
		return "", false
	}
	return string(bytes.TrimSpace(rest[:j])), true
}

// decode parses one <package> element with encoding/xml, inside the root's namespaces.
func (s *scanner) decode(chunk []byte) (*Package, error) {
	d := xml.NewDecoder(io.MultiReader(bytes.NewReader(s.root), bytes.NewReader(chunk)))
	wrap := func(err error) error {
		line, _ := d.InputPos()
		return &ParseError{Name: s.name, Line: s.line + line - 1 - bytes.Count(s.root, []byte{'\n'}), Msg: "<package>", Err: err}
	}
	p := &Package{}
	var path []string // local names below <package>
	var text strings.Builder
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, wrap(errors.New("unterminated <package>"))
		}
		if err != nil {
			return nil, wrap(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				continue // the root copy
			}
			if depth == 2 {
				if t.Name.Local != "package" {
					return nil, wrap(fmt.Errorf("<%s>, want <package>", t.Name.Local))
				}
				continue
			}
			path = append(path, t.Name.Local)
			text.Reset()
			switch strings.Join(path, "/") {
			case "version":
				p.Epoch, p.Version, p.Release = attr(t, "epoch"), attr(t, "ver"), attr(t, "rel")
			case "location":
				p.Href = attr(t, "href")
				for _, a := range t.Attr {
					if a.Name.Local == "base" && a.Name.Space == "http://www.w3.org/XML/1998/namespace" {
						p.Base = a.Value
					}
				}
			case "format/provides/entry":
				p.Provides = append(p.Provides, Entry{Name: attr(t, "name"), Flags: attr(t, "flags"), Epoch: attr(t, "epoch"), Version: attr(t, "ver"), Release: attr(t, "rel")})
			}
		case xml.CharData:
			if len(path) == 1 && (path[0] == "name" || path[0] == "arch") {
				text.Write(t)
			}
		case xml.EndElement:
			depth--
			if depth == 1 {
				if p.Name == "" {
					return nil, wrap(errors.New("package without <name>"))
				}
				return p, nil
			}
			if len(path) == 1 {
				switch path[0] {
				case "name":
					p.Name = strings.TrimSpace(text.String())
				case "arch":
					p.Arch = strings.TrimSpace(text.String())
				}
			}
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

func clip(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}
