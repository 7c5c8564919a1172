package deb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// LoadKeyring reads one or more OpenPGP keyring files (binary or ASCII-armored) into one
// entity list. An error names the file.
func LoadKeyring(paths ...string) (openpgp.EntityList, error) {
	if len(paths) == 0 {
		return nil, errors.New("deb: load keyring: no keyring files given")
	}
	var all openpgp.EntityList
	for _, p := range paths {
		el, err := readKeyringFile(p)
		if err != nil {
			return nil, err
		}
		all = append(all, el...)
	}
	return all, nil
}

func readKeyringFile(path string) (openpgp.EntityList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("deb: load keyring: %w", err)
	}
	defer f.Close()
	return ReadKeyring(f, path)
}

// ReadKeyring reads one OpenPGP keyring, binary (as /usr/share/keyrings/*.gpg) or
// ASCII-armored; name is used in errors. A keyring with no keys is an error, since it
// could verify nothing.
func ReadKeyring(r io.Reader, name string) (openpgp.EntityList, error) {
	br := bufio.NewReader(r)
	var (
		el  openpgp.EntityList
		err error
	)
	if isArmored(br) {
		el, err = openpgp.ReadArmoredKeyRing(br)
	} else {
		el, err = openpgp.ReadKeyRing(br)
	}
	if err != nil {
		return nil, fmt.Errorf("deb: read keyring %s: %w", name, err)
	}
	if len(el) == 0 {
		return nil, fmt.Errorf("deb: read keyring %s: no OpenPGP keys", name)
	}
	return el, nil
}

// isArmored reports whether the first non-blank bytes are an armor header. A binary
// keyring starts with a packet tag byte (bit 7 set), never with '-'.
func isArmored(br *bufio.Reader) bool {
	peek, _ := br.Peek(512)
	peek = bytes.TrimLeft(peek, " \t\r\n")
	return bytes.HasPrefix(peek, []byte("-----BEGIN PGP"))
}

var clearsignHeader = []byte("-----BEGIN PGP SIGNED MESSAGE-----")

// VerifyInRelease checks the clearsigned InRelease data against keyring at time now and
// returns the signed plaintext (ending in a newline). Key and signature expiry are judged
// at now, not at the wall clock. The file passes when any one of its signatures was made
// by a key in keyring and verifies, as apt/gpgv accept it: Debian signs with two keys
// (e.g. the bullseye and bookworm security keys), and the older one expires first.
// Any failure is a *SignatureError naming name (the URL or file).
func VerifyInRelease(data []byte, keyring openpgp.EntityList, now time.Time, name string) ([]byte, error) {
	fail := func(err error, reason string) ([]byte, error) {
		return nil, &SignatureError{Name: name, Reason: reason, Err: err}
	}
	// Text before the header is not covered by the signature; clearsign.Decode would
	// silently drop it, so refuse it here.
	if !bytes.HasPrefix(data, clearsignHeader) {
		if i := bytes.Index(data, clearsignHeader); i > 0 {
			return fail(ErrUnsignedData, fmt.Sprintf("%d bytes before the signed message", i))
		}
		return fail(ErrNotClearsigned, "no \"-----BEGIN PGP SIGNED MESSAGE-----\" header")
	}
	block, rest, err := decodeClearsigned(data)
	if err != nil {
		return fail(ErrNotClearsigned, err.Error())
	}
	if block == nil {
		return fail(ErrNotClearsigned, "malformed clearsigned message")
	}
	if len(rest) != 0 {
		return fail(ErrUnsignedData, fmt.Sprintf("%d bytes after the signature", len(rest)))
	}
	if block.ArmoredSignature.Type != "PGP SIGNATURE" {
		return fail(ErrNotClearsigned, fmt.Sprintf("armor block is %q, want \"PGP SIGNATURE\"", block.ArmoredSignature.Type))
	}
	sigBytes, err := io.ReadAll(block.ArmoredSignature.Body)
	if err != nil {
		return fail(ErrNotClearsigned, "signature armor: "+err.Error())
	}
	issuers, err := signatureIssuers(sigBytes)
	if err != nil {
		return fail(ErrBadSignature, err.Error())
	}
	if len(issuers) == 0 {
		return fail(ErrNotClearsigned, "signature block holds no signature")
	}

	config := &packet.Config{Time: func() time.Time { return now }}
	var firstErr error
	known := 0
	for _, id := range issuers {
		// go-crypto verifies only the first signature whose issuer is in the keyring; to
		// try each signature in turn, hand it a keyring holding just that issuer's key.
		sub := entitiesWithKey(keyring, id)
		if len(sub) == 0 {
			continue
		}
		known++
		_, _, err := openpgp.VerifyDetachedSignature(sub, bytes.NewReader(block.Bytes), bytes.NewReader(sigBytes), config)
		if err == nil {
			out := make([]byte, 0, len(block.Plaintext)+1)
			out = append(out, block.Plaintext...)
			return append(out, '\n'), nil
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("key %016X: %w", id, err)
		}
	}
	if known == 0 {
		return fail(ErrUnknownKey, "issuer key IDs "+formatKeyIDs(issuers))
	}
	return fail(fmt.Errorf("%w: %w", ErrBadSignature, firstErr), "")
}

// decodeClearsigned is clearsign.Decode made safe for a mirror's bytes: go-crypto v1.4.1
// panics (slice bounds out of range) on a header with no signed text before the signature
// armor, e.g. "-----BEGIN PGP SIGNED MESSAGE-----\n\n-----BEGIN PGP SIGNATURE-----" (found by
// FuzzVerifyInRelease). A hostile or broken mirror must fail its source, not the process.
func decodeClearsigned(data []byte) (block *clearsign.Block, rest []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			block, rest, err = nil, nil, fmt.Errorf("malformed clearsigned message: %v", r)
		}
	}()
	block, rest = clearsign.Decode(data)
	return block, rest, nil
}

// signatureIssuers lists the issuer key ID of each signature packet, in order.
func signatureIssuers(sig []byte) ([]uint64, error) {
	var ids []uint64
	pr := packet.NewReader(bytes.NewReader(sig))
	for {
		p, err := pr.Next()
		if err == io.EOF {
			return ids, nil
		}
		if err != nil {
			return nil, fmt.Errorf("signature packet %d: %w", len(ids)+1, err)
		}
		s, ok := p.(*packet.Signature)
		if !ok {
			return nil, fmt.Errorf("packet %d is %T, not a signature", len(ids)+1, p)
		}
		if s.IssuerKeyId == nil {
			return nil, fmt.Errorf("signature packet %d names no issuer", len(ids)+1)
		}
		ids = append(ids, *s.IssuerKeyId)
	}
}

func entitiesWithKey(keyring openpgp.EntityList, id uint64) openpgp.EntityList {
	var out openpgp.EntityList
	for _, e := range keyring {
		if len(openpgp.EntityList{e}.KeysById(id)) > 0 {
			out = append(out, e)
		}
	}
	return out
}

func formatKeyIDs(ids []uint64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprintf("%016X", id)
	}
	return strings.Join(s, ", ")
}

// Release is the paragraph of a Release file (or of a verified InRelease), restricted to
// what a crawler needs.
type Release struct {
	Name                                    string // URL or file it was parsed from, for errors
	Origin, Label, Suite, Codename, Version string
	Date, ValidUntil                        time.Time // zero if absent (Ubuntu sets no Valid-Until)
	Architectures, Components               []string
	AcquireByHash                           bool               // "Acquire-By-Hash: yes": indices are also served under by-hash/SHA256/<sum>
	Files                                   map[string]FileSum // SHA256 field: path relative to dists/<suite>/ -> sum
}

// FileSum is one line of a Release's SHA256 field.
type FileSum struct {
	Path   string // relative to dists/<suite>/, e.g. "main/binary-amd64/Packages.xz"
	Size   int64
	SHA256 string // lowercase hex
}

// ParseRelease parses a Release paragraph (e.g. the plaintext VerifyInRelease returns).
// Errors are *ParseError ("name:line: what"). A Release without a SHA256 field is an
// error: nothing it lists could be verified.
func ParseRelease(r io.Reader, name string) (*Release, error) {
	rel := &Release{Name: name, Files: map[string]FileSum{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine+1)
	var (
		lineNo  int
		field   string // lowercased name of the field being read, for continuation lines
		seen    = map[string]bool{}
		started bool // first field seen
		ended   bool // blank line after the paragraph
		haveSHA bool
	)
	perr := func(format string, args ...any) error {
		return &ParseError{Name: name, Line: lineNo, Msg: fmt.Sprintf(format, args...)}
	}
	for sc.Scan() {
		lineNo++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			if started {
				ended = true
			}
			continue
		}
		if ended {
			return nil, perr("more than one paragraph")
		}
		if line[0] == ' ' || line[0] == '\t' {
			if field == "" {
				return nil, perr("continuation line outside a field")
			}
			if err := rel.continueField(field, strings.TrimSpace(line)); err != nil {
				return nil, perr("%s: %v", field, err)
			}
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			return nil, perr("not a \"Field: value\" line: %q", truncate(line, 80))
		}
		started = true
		field = strings.ToLower(key)
		if seen[field] {
			return nil, perr("duplicate field %s", key)
		}
		seen[field] = true
		if field == "sha256" {
			haveSHA = true
		}
		if err := rel.setField(field, strings.TrimSpace(value)); err != nil {
			return nil, perr("%s: %v", key, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			lineNo++
			return nil, perr("line longer than %d bytes", maxLine)
		}
		return nil, fmt.Errorf("%s: after line %d: %w", name, lineNo, err)
	}
	if !started {
		return nil, &ParseError{Name: name, Line: lineNo, Msg: "empty Release"}
	}
	if !haveSHA {
		return nil, &ParseError{Name: name, Line: lineNo, Msg: "no SHA256 field"}
	}
	return rel, nil
}

func (rel *Release) setField(field, value string) error {
	var err error
	switch field {
	case "origin":
		rel.Origin = value
	case "label":
		rel.Label = value
	case "suite":
		rel.Suite = value
	case "codename":
		rel.Codename = value
	case "version":
		rel.Version = value
	case "date":
		rel.Date, err = parseReleaseDate(value)
	case "valid-until":
		rel.ValidUntil, err = parseReleaseDate(value)
	case "architectures":
		rel.Architectures = strings.Fields(value)
	case "components":
		rel.Components = strings.Fields(value)
	case "acquire-by-hash":
		rel.AcquireByHash = strings.EqualFold(value, "yes")
	case "sha256":
		if value != "" {
			err = rel.addSum(value)
		}
	}
	return err
}

// continueField handles a continuation line: the SHA256 field is one file per line;
// Architectures and Components may be folded; the rest we ignore (MD5Sum, SHA1, ...).
func (rel *Release) continueField(field, value string) error {
	switch field {
	case "sha256":
		return rel.addSum(value)
	case "architectures":
		rel.Architectures = append(rel.Architectures, strings.Fields(value)...)
	case "components":
		rel.Components = append(rel.Components, strings.Fields(value)...)
	case "origin", "label", "suite", "codename", "version", "date", "valid-until", "acquire-by-hash":
		return errors.New("continuation line in a single-line field")
	}
	return nil
}

// addSum parses "<sha256> <size> <path>".
func (rel *Release) addSum(line string) error {
	f := strings.Fields(line)
	if len(f) != 3 {
		return fmt.Errorf("want \"<sha256> <size> <path>\", got %q", truncate(line, 120))
	}
	sum := strings.ToLower(f[0])
	if !isHex(sum, 64) {
		return fmt.Errorf("bad sha256 %q", truncate(f[0], 80))
	}
	size, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || size < 0 {
		return fmt.Errorf("bad size %q for %s", truncate(f[1], 40), truncate(f[2], 120))
	}
	p := f[2]
	if !safeRelPath(p) {
		return fmt.Errorf("unsafe path %q", truncate(p, 120))
	}
	if _, dup := rel.Files[p]; dup {
		return fmt.Errorf("%s listed twice", p)
	}
	rel.Files[p] = FileSum{Path: p, Size: size, SHA256: sum}
	return nil
}

// safeRelPath accepts a path that stays under dists/<suite>/ when a crawler joins it to a
// URL or directory: relative, no empty, "." or ".." element, no backslash or '?'/'#'.
func safeRelPath(p string) bool {
	if p == "" || strings.ContainsAny(p, "\\?#%") {
		return false
	}
	for _, el := range strings.Split(p, "/") {
		if el == "" || el == "." || el == ".." {
			return false
		}
	}
	return true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// parseReleaseDate parses RFC 2822 dates as archives write them ("Fri, 20 Nov 2026
// 00:12:41 UTC"; some write "+0000"). Only UTC/GMT or numeric zones are accepted: Go
// would give any other abbreviation a zero offset silently.
func parseReleaseDate(s string) (time.Time, error) {
	layout := "Mon, 2 Jan 2006 15:04:05 -0700"
	zone := s[strings.LastIndexByte(s, ' ')+1:]
	if zone != "" && zone[0] != '+' && zone[0] != '-' {
		layout = "Mon, 2 Jan 2006 15:04:05 MST"
	}
	t, err := time.ParseInLocation(layout, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad date %q", truncate(s, 80))
	}
	if layout[len(layout)-1] == 'T' && zone != "UTC" && zone != "GMT" {
		return time.Time{}, fmt.Errorf("date %q: time zone %q is not UTC", s, zone)
	}
	return t.UTC(), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// CheckValidUntil returns an *ExpiredError when now is after the Release's Valid-Until.
// A Release without Valid-Until (Ubuntu's) never expires.
func (rel *Release) CheckValidUntil(now time.Time) error {
	if rel.ValidUntil.IsZero() || !now.After(rel.ValidUntil) {
		return nil
	}
	return &ExpiredError{Name: rel.Name, ValidUntil: rel.ValidUntil, Now: now}
}

// packagesSuffixes is the order PackagesIndex prefers: smallest download first.
var packagesSuffixes = []string{".xz", ".gz", ""}

// PackagesIndex returns the Packages file listed for component and arch, preferring
// Packages.xz, then Packages.gz, then plain Packages.
//
// The Debian security archive's Release says "Components: updates/main ..." while it lists
// (and serves) "main/binary-amd64/Packages.xz"; "updates/main/..." works only on mirrors
// that keep a compatibility symlink. So "main" and "updates/main" both resolve to whichever
// path Files lists, the plain one first, and the returned Path is always one that is listed.
// With no listed Packages file the error is an *IndexNotFoundError.
func (rel *Release) PackagesIndex(component, arch string) (FileSum, error) {
	base := strings.TrimPrefix(component, "updates/")
	for _, comp := range []string{base, "updates/" + base} {
		for _, suf := range packagesSuffixes {
			if fs, ok := rel.Files[comp+"/binary-"+arch+"/Packages"+suf]; ok {
				return fs, nil
			}
		}
	}
	return FileSum{}, &IndexNotFoundError{Name: rel.Name, Component: component, Arch: arch}
}
