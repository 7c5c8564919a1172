package koji

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The codec is written here over encoding/xml rather than taken from a library: the Go
// XML-RPC library in wide use, kolo/xmlrpc, has had no release since 2022 (issue 8), and
// Koji needs what a plain codec lacks: <nil/>, <i8>, keyword arguments as a __starstar struct.

// Value is a decoded XML-RPC value: nil, bool, int64, float64, string, time.Time, []byte
// (base64), []any (array) or map[string]any (struct).
type Value = any

// Fault is a <fault> answer: Koji's exceptions by code (1000 GenericError, 1001 and up its
// subclasses such as 1009 ParameterError).
type Fault struct {
	Code   int64
	String string
}

func (f *Fault) Error() string { return fmt.Sprintf("fault %d: %s", f.Code, f.String) }

// maxDepth bounds nesting so that a hostile answer cannot exhaust the stack.
const maxDepth = 64

// EncodeCall writes a <methodCall>. kwargs, when not empty, is sent as a last struct with
// "__starstar" true, as Koji's own client does (koji.encode_args).
func EncodeCall(method string, args []Value, kwargs map[string]Value) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?>\n<methodCall>\n<methodName>")
	if err := xml.EscapeText(&b, []byte(method)); err != nil {
		return nil, err
	}
	b.WriteString("</methodName>\n<params>\n")
	params := args
	if len(kwargs) > 0 {
		kw := make(map[string]Value, len(kwargs)+1)
		for k, v := range kwargs {
			kw[k] = v
		}
		kw["__starstar"] = true
		params = append(append([]Value{}, args...), kw)
	}
	for _, p := range params {
		b.WriteString("<param>\n")
		if err := encodeValue(&b, p, 0); err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		b.WriteString("</param>\n")
	}
	b.WriteString("</params>\n</methodCall>\n")
	return b.Bytes(), nil
}

func encodeValue(b *bytes.Buffer, v Value, depth int) error {
	if depth > maxDepth {
		return errors.New("value nested too deeply")
	}
	if ss, ok := v.([]string); ok {
		vs := make([]Value, len(ss))
		for i, s := range ss {
			vs[i] = s
		}
		v = vs
	}
	b.WriteString("<value>")
	switch x := v.(type) {
	case nil:
		b.WriteString("<nil/>")
	case bool:
		if x {
			b.WriteString("<boolean>1</boolean>")
		} else {
			b.WriteString("<boolean>0</boolean>")
		}
	case int:
		encodeInt(b, int64(x))
	case int64:
		encodeInt(b, x)
	case float64:
		b.WriteString("<double>" + strconv.FormatFloat(x, 'g', -1, 64) + "</double>")
	case string:
		b.WriteString("<string>")
		_ = xml.EscapeText(b, []byte(x))
		b.WriteString("</string>")
	case []byte:
		b.WriteString("<base64>" + base64.StdEncoding.EncodeToString(x) + "</base64>")
	case time.Time:
		b.WriteString("<dateTime.iso8601>" + x.UTC().Format("20060102T15:04:05") + "</dateTime.iso8601>")
	case []Value:
		b.WriteString("<array><data>\n")
		for _, e := range x {
			if err := encodeValue(b, e, depth+1); err != nil {
				return err
			}
			b.WriteString("\n")
		}
		b.WriteString("</data></array>")
	case map[string]Value:
		keys := slices.Sorted(maps.Keys(x)) // deterministic requests
		b.WriteString("<struct>\n")
		for _, k := range keys {
			b.WriteString("<member>\n<name>")
			_ = xml.EscapeText(b, []byte(k))
			b.WriteString("</name>\n")
			if err := encodeValue(b, x[k], depth+1); err != nil {
				return err
			}
			b.WriteString("\n</member>\n")
		}
		b.WriteString("</struct>")
	default:
		return fmt.Errorf("cannot encode %T", v)
	}
	b.WriteString("</value>")
	return nil
}

func encodeInt(b *bytes.Buffer, n int64) {
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		b.WriteString("<int>" + strconv.FormatInt(n, 10) + "</int>")
		return
	}
	b.WriteString("<i8>" + strconv.FormatInt(n, 10) + "</i8>") // Koji's extension for > 32 bits
}

// DecodeResponse reads a <methodResponse>: its one param, or a *Fault.
func DecodeResponse(r io.Reader) (Value, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	if _, err := expectStart(d, "methodResponse"); err != nil {
		return nil, err
	}
	el, err := nextStart(d)
	if err != nil {
		return nil, err
	}
	switch el.Name.Local {
	case "params":
		if _, err := expectStart(d, "param"); err != nil {
			return nil, err
		}
		v, err := decodeValueElem(d, 0)
		if err != nil {
			return nil, err
		}
		if err := expectEnd(d, "param"); err != nil {
			return nil, err
		}
		return v, nil
	case "fault":
		v, err := decodeValueElem(d, 0)
		if err != nil {
			return nil, fmt.Errorf("fault: %w", err)
		}
		m, ok := v.(map[string]Value)
		if !ok {
			return nil, fmt.Errorf("fault: want a struct, found %T", v)
		}
		code, ok1 := m["faultCode"].(int64)
		msg, ok2 := m["faultString"].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("fault: want faultCode (int) and faultString (string), found %v", m)
		}
		return nil, &Fault{Code: code, String: msg}
	}
	return nil, fmt.Errorf("want <params> or <fault>, found <%s>", el.Name.Local)
}

// nextStart skips character data, comments and the declaration up to the next element.
// An end element or EOF first is an error.
func nextStart(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, fmt.Errorf("unexpected </%s>", t.Name.Local)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return xml.StartElement{}, fmt.Errorf("unexpected text %q", truncate(string(t)))
			}
		}
	}
}

// expectStart is nextStart for an element that must be name.
func expectStart(d *xml.Decoder, name string) (xml.StartElement, error) {
	el, err := nextStart(d)
	if err == nil && el.Name.Local != name {
		err = fmt.Errorf("want <%s>, found <%s>", name, el.Name.Local)
	}
	return el, err
}

// nextStartOrEnd returns the next start element, or nil at an end element.
func nextStartOrEnd(d *xml.Decoder) (*xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, unexpectedEOF(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return &t, nil
		case xml.EndElement:
			return nil, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("unexpected text %q", truncate(string(t)))
			}
		}
	}
}

// expectEnd skips whitespace up to </name>.
func expectEnd(d *xml.Decoder, name string) error {
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if t.Name.Local != name {
				return fmt.Errorf("want </%s>, found </%s>", name, t.Name.Local)
			}
			return nil
		case xml.StartElement:
			return fmt.Errorf("want </%s>, found <%s>", name, t.Name.Local)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("unexpected text %q before </%s>", truncate(string(t)), name)
			}
		}
	}
}

// decodeValueElem reads <value>…</value>, the next element.
func decodeValueElem(d *xml.Decoder, depth int) (Value, error) {
	if _, err := expectStart(d, "value"); err != nil {
		return nil, err
	}
	return decodeValueBody(d, depth)
}

// decodeValueBody reads what follows <value>: a typed element, or bare text (a string).
func decodeValueBody(d *xml.Decoder, depth int) (Value, error) {
	if depth > maxDepth {
		return nil, errors.New("value nested too deeply")
	}
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			return text.String(), nil // <value>text</value> is a string
		case xml.StartElement:
			if strings.TrimSpace(text.String()) != "" {
				return nil, fmt.Errorf("text %q before <%s>", truncate(text.String()), t.Name.Local)
			}
			v, err := decodeTyped(d, t, depth)
			if err != nil {
				return nil, err
			}
			return v, expectEnd(d, "value")
		}
	}
}

func decodeTyped(d *xml.Decoder, t xml.StartElement, depth int) (Value, error) {
	name := t.Name.Local
	switch name {
	case "nil":
		return nil, expectEnd(d, "nil")
	case "array":
		if _, err := expectStart(d, "data"); err != nil {
			return nil, err
		}
		out := []Value{}
		err := children(d, "array", "value", func() error {
			v, err := decodeValueBody(d, depth+1)
			out = append(out, v)
			return err
		})
		if err != nil {
			return nil, err
		}
		return out, expectEnd(d, "array")
	case "struct":
		out := map[string]Value{}
		err := children(d, "struct", "member", func() error {
			k, v, err := decodeMember(d, depth)
			out[k] = v
			return err
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	var s string
	if err := d.DecodeElement(&s, &t); err != nil {
		return nil, err
	}
	switch name {
	case "string":
		return s, nil
	case "int", "i4", "i8":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("<%s>%s</%s>: %w", name, truncate(s), name, err)
		}
		return n, nil
	case "boolean":
		switch strings.TrimSpace(s) {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return nil, fmt.Errorf("<boolean>%s</boolean>: want 0 or 1", truncate(s))
	case "double":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("<double>%s</double>: %w", truncate(s), err)
		}
		return f, nil
	case "dateTime.iso8601":
		return parseISO8601(strings.TrimSpace(s))
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, fmt.Errorf("<base64>: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown value type <%s>", name)
}

// children calls each for every child element up to the end of the
// element just opened (the decoder is Strict: the end matches it), refusing
// a child not named child and any text that is not blank; in names the
// XML-RPC element for messages.
func children(d *xml.Decoder, in, child string, each func() error) error {
	for {
		el, err := nextStartOrEnd(d)
		if err != nil {
			return fmt.Errorf("%w in <%s>", err, in)
		}
		if el == nil {
			return nil
		}
		if el.Name.Local != child {
			return fmt.Errorf("want <%s> in <%s>, found <%s>", child, in, el.Name.Local)
		}
		if err := each(); err != nil {
			return err
		}
	}
}

func decodeMember(d *xml.Decoder, depth int) (string, Value, error) {
	n, err := expectStart(d, "name")
	if err != nil {
		return "", nil, fmt.Errorf("%w in <member>", err)
	}
	var key string
	if err := d.DecodeElement(&key, &n); err != nil {
		return "", nil, err
	}
	v, err := decodeValueElem(d, depth+1)
	if err != nil {
		return "", nil, fmt.Errorf("member %q: %w", truncate(key), err)
	}
	return key, v, expectEnd(d, "member")
}

// parseISO8601 reads XML-RPC's dateTime (20231128T12:11:56, Python's form) and the
// dashed variants some servers write. Without a zone it is UTC.
func parseISO8601(s string) (time.Time, error) {
	for _, layout := range []string{"20060102T15:04:05", "2006-01-02T15:04:05", "20060102T15:04:05Z07:00", "2006-01-02T15:04:05Z07:00", "20060102T150405"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("<dateTime.iso8601>%s</dateTime.iso8601>: not a date", truncate(s))
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
