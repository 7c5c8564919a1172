package koji

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeResponse: whatever decodes must survive our encoder and decoder unchanged, so
// every value the decoder can produce is one the codec can write back.
func FuzzDecodeResponse(f *testing.F) {
	f.Add(getBuild628)
	f.Add("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><nil/></value></param>\n</params>\n</methodResponse>\n")
	f.Add("<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1000</int></value></member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>")
	f.Add("<methodResponse><params><param><value><array><data><value><i8>-9</i8></value><value><double>1e300</double></value><value><dateTime.iso8601>2023-11-28T12:11:56+01:00</dateTime.iso8601></value></data></array></value></param></params></methodResponse>")
	f.Fuzz(func(t *testing.T, in string) {
		v, err := DecodeResponse(strings.NewReader(in))
		if err != nil {
			return
		}
		call, err := EncodeCall("m", []Value{v}, nil)
		if err != nil {
			t.Fatalf("decoded %#v but cannot encode it: %v", v, err)
		}
		_, params, err := DecodeCall(bytes.NewReader(call))
		if err != nil {
			t.Fatalf("cannot decode our own encoding of %#v: %v\n%s", v, err, call)
		}
		if len(params) != 1 || !same(params[0], v) {
			t.Fatalf("round trip changed the value:\n got %#v\nwant %#v", params, v)
		}
	})
}

// same is reflect.DeepEqual with NaN equal to NaN and times compared as instants at
// second precision (XML-RPC's dateTime has no fraction and is written in UTC).
func same(a, b Value) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.IsNaN(x) && math.IsNaN(y))
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Truncate(time.Second).Equal(y.Truncate(time.Second))
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []Value:
		y, ok := b.([]Value)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !same(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]Value:
		y, ok := b.(map[string]Value)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !same(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}
