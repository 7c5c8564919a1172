package koji

import (
	"encoding/xml"
	"fmt"
	"io"
)

// DecodeCall reads a <methodCall>: the method's name and its params as sent (keyword
// arguments still as the last __starstar struct; see SplitKwargs). A fake hub uses it.
func DecodeCall(r io.Reader) (string, []Value, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	if _, err := expectStart(d, "methodCall"); err != nil {
		return "", nil, err
	}
	n, err := expectStart(d, "methodName")
	if err != nil {
		return "", nil, err
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
	err = children(d, "params", "param", func() error {
		v, err := decodeValueElem(d, 0)
		if err != nil {
			return fmt.Errorf("%s param %d: %w", name, len(params)+1, err)
		}
		params = append(params, v)
		return expectEnd(d, "param")
	})
	if err != nil {
		return "", nil, err
	}
	return name, params, nil
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
