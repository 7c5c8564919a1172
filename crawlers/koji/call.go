package koji

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
)

// DecodeCall reads a <methodCall>: the method's name and its params as sent (keyword
// arguments still as the last __starstar struct; see SplitKwargs). A fake hub uses it.
func DecodeCall(r io.Reader) (string, []Value, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	root, err := nextStart(d)
	if err != nil {
		return "", nil, err
	}
	if root.Name.Local != "methodCall" {
		return "", nil, fmt.Errorf("want <methodCall>, found <%s>", root.Name.Local)
	}
	n, err := nextStart(d)
	if err != nil {
		return "", nil, err
	}
	if n.Name.Local != "methodName" {
		return "", nil, fmt.Errorf("want <methodName>, found <%s>", n.Name.Local)
	}
	var name string
	if err := d.DecodeElement(&name, &n); err != nil {
		return "", nil, err
	}
	params := []Value{}
	tok, err := nextStartOrEnd(d)
	if err != nil {
		return "", nil, err
	}
	if tok == nil {
		return name, params, nil // </methodCall> with no <params>
	}
	if tok.Name.Local != "params" {
		return "", nil, fmt.Errorf("want <params>, found <%s>", tok.Name.Local)
	}
	for {
		p, err := nextStartOrEnd(d)
		if err != nil {
			return "", nil, err
		}
		if p == nil {
			return name, params, nil
		}
		if p.Name.Local != "param" {
			return "", nil, fmt.Errorf("want <param>, found <%s>", p.Name.Local)
		}
		v, err := decodeValueElem(d, 0)
		if err != nil {
			return "", nil, fmt.Errorf("%s param %d: %w", name, len(params)+1, err)
		}
		if err := expectEnd(d, "param"); err != nil {
			return "", nil, err
		}
		params = append(params, v)
	}
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

// SplitKwargs separates Koji's keyword arguments (a last struct with __starstar true)
// from the positional params.
func SplitKwargs(params []Value) ([]Value, map[string]Value) {
	if len(params) == 0 {
		return params, nil
	}
	m, ok := params[len(params)-1].(map[string]Value)
	if !ok || m["__starstar"] != true {
		return params, nil
	}
	kw := make(map[string]Value, len(m)-1)
	for k, v := range m {
		if k != "__starstar" {
			kw[k] = v
		}
	}
	return params[:len(params)-1], kw
}
