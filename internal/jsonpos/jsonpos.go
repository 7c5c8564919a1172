// Package jsonpos turns encoding/json errors and decoder offsets into
// "file:line:col: what" messages a person can act on.
package jsonpos

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// LineCol converts a byte offset in data to a 1-based line and column.
// Columns count characters, as editors do; on a line that is not valid
// UTF-8 they count bytes.
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

// Error is a JSON problem at a position in a named input.
type Error struct {
	Name      string
	Line, Col int
	Err       error
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d:%d: %v", e.Name, e.Line, e.Col, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// At builds an Error for data held in memory.
func At(name string, data []byte, offset int64, err error) *Error {
	l, c := LineCol(data, offset)
	return &Error{Name: name, Line: l, Col: c, Err: err}
}

// AtFile builds an Error for a file that was streamed, re-reading the file
// only up to offset (errors are rare; streaming inputs are big).
func AtFile(path string, offset int64, err error) *Error {
	e := &Error{Name: path, Line: 1, Col: 1, Err: err}
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
		if b == '\n' {
			e.Line++
			e.Col = 1
		} else {
			e.Col++
		}
	}
	return e
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
