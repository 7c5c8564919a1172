// Package jsonpos holds the one position error every reader of matrixgen's
// files returns ("file:line:col: what"), and turns byte offsets, encoding/json
// errors and JSON pointers into positions.
package jsonpos

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a problem at a position in a named input: every reader
// (kernels.json, Falco list.json, schemas, validate) reports with it, so a
// position means the same thing everywhere. Line and Col are 1-based; Col
// counts characters, as editors do (on a line that is not valid UTF-8 it
// counts bytes). A problem at the end of the input (a truncated file) is at
// the position just past its last character.
type Error struct {
	File      string // "" when the caller has not named the input
	Line, Col int
	Err       error
	// Offset is the byte offset of the position, for tools that match
	// problems of different checkers; -1 when unknown.
	Offset int64
}

func (e *Error) Error() string {
	if e.File == "" {
		return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Col, e.Err)
	}
	return fmt.Sprintf("%s:%d:%d: %v", e.File, e.Line, e.Col, e.Err)
}
func (e *Error) Unwrap() error { return e.Err }

// ErrMalformed is what every malformed-JSON Error wraps, whichever reader
// found it: errors.Is(err, ErrMalformed) tells bad syntax from bad content.
var ErrMalformed = errors.New("malformed JSON")

// Malformed is the cause of a syntax Error: "malformed JSON: <what>".
type Malformed struct {
	Msg string
	Err error // the encoding/json error, when there is one
}

func (m *Malformed) Error() string        { return "malformed JSON: " + m.Msg }
func (m *Malformed) Unwrap() error        { return m.Err }
func (m *Malformed) Is(target error) bool { return target == ErrMalformed }

// LineCol converts a byte offset in data to a 1-based line and column,
// by Error's column rule.
func LineCol(data []byte, offset int64) (line, col int) {
	offset = max(0, min(offset, int64(len(data))))
	before := data[:offset]
	start := bytes.LastIndexByte(before, '\n') + 1
	col = len(before) - start + 1
	if utf8.Valid(before[start:]) {
		col = utf8.RuneCount(before[start:]) + 1
	}
	return bytes.Count(before, []byte{'\n'}) + 1, col
}

// At builds an Error for data held in memory.
func At(file string, data []byte, offset int64, err error) *Error {
	offset = max(0, min(offset, int64(len(data))))
	l, c := LineCol(data, offset)
	return &Error{File: file, Line: l, Col: c, Err: err, Offset: offset}
}

// AtFile builds an Error for a file that was streamed, re-reading the file
// only up to offset (errors are rare; streaming inputs are big). It counts
// columns as LineCol does: UTF-8 continuation bytes are not characters.
func AtFile(path string, offset int64, err error) *Error {
	e := &Error{File: path, Line: 1, Col: 1, Err: err, Offset: offset}
	f, ferr := os.Open(path)
	if ferr != nil {
		return e
	}
	defer f.Close()
	r := bufio.NewReader(io.LimitReader(f, offset))
	for {
		b, rerr := r.ReadByte()
		if rerr != nil {
			break
		}
		switch {
		case b == '\n':
			e.Line++
			e.Col = 1
		case b&0xC0 != 0x80: // not a continuation byte: a new character
			e.Col++
		}
	}
	return e
}

// Offset extracts the byte offset from a json syntax or type error, or
// returns fallback.
func Offset(err error, fallback int64) int64 {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the bytes read, the offending one included: point at it.
		return max(se.Offset-1, 0)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Offset
	}
	return fallback
}

// Syntax returns nil if data is exactly one well-formed JSON value, else
// the Error at the offending byte, or at the end of data for a truncated
// document. Every reader locates syntax errors with it, so a truncated
// file is at the same position whichever command reads it.
func Syntax(file string, data []byte) *Error {
	if json.Valid(data) {
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return At(file, data, int64(len(data)), &Malformed{Msg: "empty input, want a JSON object"})
	}
	err := json.Unmarshal(data, new(json.RawMessage))
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return At(file, data, 0, &Malformed{Msg: fmt.Sprint(err), Err: err})
	}
	off := se.Offset - 1
	if se.Offset >= int64(len(data)) && strings.Contains(se.Error(), "end of JSON input") {
		off = int64(len(data))
	}
	return At(file, data, off, &Malformed{Msg: se.Error(), Err: err})
}

// SkipSpace moves an offset taken from dec.InputOffset past the separators
// (white space, ',' and ':') that the decoder has buffered but not yet
// consumed, so a position points at the next value itself.
func SkipSpace(dec *json.Decoder, off int64) int64 {
	r := dec.Buffered()
	buf := make([]byte, 1)
	for {
		if _, err := r.Read(buf); err != nil {
			return off
		}
		switch buf[0] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
}

// PointerOffset returns the byte offset of the value an RFC 6901 JSON
// pointer names in data (well-formed JSON). Where the pointer goes past
// what exists (a required property that is missing), it returns the offset
// of the deepest value that does exist: the object that lacks it.
func PointerOffset(data []byte, pointer string) int64 {
	_, v := PointerPos(data, pointer)
	return v
}

// PointerPos is PointerOffset that also returns where the last member's
// key starts when the pointer ends in an object member (else key == value).
// Of duplicate keys the last counts, as in encoding/json.
func PointerPos(data []byte, pointer string) (key, value int64) {
	at := skipWS(data, 0)
	key = at
	if pointer == "" {
		return at, at
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		k, v, ok := member(data, at, tok)
		if !ok {
			return at, at
		}
		key, at = k, v
	}
	return key, at
}

// member finds tok in the object or array whose value starts at data[at:].
func member(data []byte, at int64, tok string) (key, value int64, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data[at:]))
	t, err := dec.Token()
	if err != nil {
		return 0, 0, false
	}
	d, isDelim := t.(json.Delim)
	switch {
	case !isDelim: // a scalar has no members
		return 0, 0, false
	case d == '{':
		for dec.More() {
			keyAt := SkipSpace(dec, dec.InputOffset())
			k, err := dec.Token()
			if err != nil {
				return key, value, ok
			}
			valueAt := SkipSpace(dec, dec.InputOffset())
			if k == tok {
				key, value, ok = at+keyAt, at+valueAt, true // keep looking: the last one counts
			}
			if skipValue(dec) != nil {
				return key, value, ok
			}
		}
		return key, value, ok
	case d == '[':
		want, err := strconv.Atoi(tok)
		if err != nil || want < 0 {
			return 0, 0, false
		}
		for i := 0; dec.More(); i++ {
			valueAt := SkipSpace(dec, dec.InputOffset())
			if i == want {
				return at + valueAt, at + valueAt, true
			}
			if skipValue(dec) != nil {
				return 0, 0, false
			}
		}
	}
	return 0, 0, false
}

// skipValue consumes one whole value from dec.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

func skipWS(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
		off++
	}
	return off
}
