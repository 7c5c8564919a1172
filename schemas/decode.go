package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/matrixgen/matrixgen/internal/jsonpos"
)

// maxDepth bounds nesting. The deepest file we describe nests 4 levels (crawl output:
// object, list, entry, headers); the cap only keeps hostile input from recursing deeply.
const maxDepth = 64

// ErrMalformed is what every malformed-JSON error of this package wraps:
// errors.Is(err, ErrMalformed) tells it from a document that breaks its schema.
// The error itself is a *jsonpos.Error carrying the line and column (the
// caller sets its File). It is jsonpos.ErrMalformed, shared by every reader.
var ErrMalformed = jsonpos.ErrMalformed

func newSyntaxError(data []byte, off int64, msg string, err error) *jsonpos.Error {
	return jsonpos.At("", data, off, &jsonpos.Malformed{Msg: msg, Err: err})
}

// decode parses data as exactly one JSON value in the shape the validator wants:
// map[string]any, []any, json.Number, string, bool and nil.
//
// It is stricter than json.Unmarshal on purpose: encoding/json keeps the last of two
// duplicate keys, which in kernels.json would silently drop one architecture's kernels,
// and replaces invalid UTF-8 with U+FFFD, which would validate bytes the file does not hold.
func decode(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, newSyntaxError(data, int64(firstInvalidUTF8(data)), "invalid UTF-8", nil)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, newSyntaxError(data, int64(len(data)), "empty input, want a JSON object", nil)
	}
	// json.Decoder.Token reports syntax errors at inconsistent offsets (sometimes at the bad
	// byte, sometimes before it), so the syntax is checked by the scanner first: it always
	// reports the byte just past the bad one.
	if !json.Valid(data) {
		return nil, scannerError(data)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, err := decodeValue(d, data, nil)
	if err != nil {
		return nil, err
	}
	at := skipSeparators(data, d.InputOffset())
	if tok, err := d.Token(); err != io.EOF { // json.Valid has ruled this out; kept as a guard
		return nil, newSyntaxError(data, at, fmt.Sprintf("unexpected %v after the top-level value", tok), err)
	}
	return v, nil
}

// scannerError locates the syntax error in data, which json.Valid rejected,
// by the rule every reader shares.
func scannerError(data []byte) error { return jsonpos.Syntax("", data) }

func decodeValue(d *json.Decoder, data []byte, path []string) (any, error) {
	if len(path) > maxDepth {
		return nil, newSyntaxError(data, d.InputOffset(), fmt.Sprintf("nested deeper than %d levels", maxDepth), nil)
	}
	tok, err := d.Token()
	if err != nil {
		return nil, tokenError(data, d, err)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	switch delim {
	case '{':
		obj := map[string]any{}
		for d.More() {
			keyAt := skipSeparators(data, d.InputOffset())
			tok, err := d.Token()
			if err != nil {
				return nil, tokenError(data, d, err)
			}
			key, ok := tok.(string)
			if !ok { // json.Decoder reports this itself; kept so a change there cannot panic here
				return nil, newSyntaxError(data, keyAt, "object key is not a string", nil)
			}
			if _, dup := obj[key]; dup {
				return nil, newSyntaxError(data, keyAt,
					fmt.Sprintf("duplicate key %q in the object at %s", key, displayPointer(pointer(path))), nil)
			}
			v, err := decodeValue(d, data, append(path, key))
			if err != nil {
				return nil, err
			}
			obj[key] = v
		}
		if _, err := d.Token(); err != nil { // the closing '}'
			return nil, tokenError(data, d, err)
		}
		return obj, nil
	case '[':
		arr := []any{}
		for d.More() {
			v, err := decodeValue(d, data, append(path, strconv.Itoa(len(arr))))
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := d.Token(); err != nil { // the closing ']'
			return nil, tokenError(data, d, err)
		}
		return arr, nil
	default:
		// A closing delimiter where a value belongs; json.Decoder normally reports it first.
		return nil, newSyntaxError(data, d.InputOffset()-1, fmt.Sprintf("unexpected %q", rune(delim)), nil)
	}
}

// tokenError turns an error from json.Decoder.Token into a syntax error. decode has checked
// the syntax already, so this is a guard; its position is approximate.
func tokenError(data []byte, d *json.Decoder, err error) error {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return newSyntaxError(data, int64(len(data)), "unexpected end of input", err)
	default:
		return newSyntaxError(data, d.InputOffset(), err.Error(), err)
	}
}

// skipSeparators moves off past whitespace, commas and colons to the start of the next
// token, so positions point at a key rather than at the separator before it.
func skipSeparators(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}
