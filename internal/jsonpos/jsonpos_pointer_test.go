package jsonpos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestPointerPos(t *testing.T) {
	data := []byte("{\n  \"x86_64\": [\n    {\"target\": \"débian\", \"kernelrelease\": \"6.1\"},\n    {\"a/b\": {\"c~d\": [1, 2]}}\n  ],\n  \"sparc\": 1\n}\n")
	tests := []struct {
		pointer    string
		key, value string // line:col
	}{
		{"", "1:1", "1:1"},
		{"/x86_64", "2:3", "2:13"},
		{"/x86_64/0", "3:5", "3:5"},
		{"/x86_64/0/kernelrelease", "3:26", "3:43"}, // after 'é': characters, not bytes
		{"/x86_64/0/distroversion", "3:5", "3:5"},   // missing: the object that lacks it
		{"/x86_64/1/a~1b/c~0d/1", "4:25", "4:25"},
		{"/x86_64/7", "2:13", "2:13"}, // past the end: the list
		{"/sparc", "6:3", "6:12"},
		{"/sparc/0", "6:12", "6:12"}, // into a scalar
	}
	for _, tt := range tests {
		k, v := PointerPos(data, tt.pointer)
		kl, kc := LineCol(data, k)
		vl, vc := LineCol(data, v)
		if got := fmt.Sprintf("%d:%d", kl, kc); got != tt.key {
			t.Errorf("PointerPos(%q) key at %s, want %s", tt.pointer, got, tt.key)
		}
		if got := fmt.Sprintf("%d:%d", vl, vc); got != tt.value {
			t.Errorf("PointerPos(%q) value at %s, want %s", tt.pointer, got, tt.value)
		}
	}
}

func TestSyntax(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a": 1}`, ""},
		{"{\"x86_64\": [\n", "f:2:1: malformed JSON: unexpected end of JSON input"},
		{`{"x86_64": [`, "f:1:13: malformed JSON: unexpected end of JSON input"},
		{`{"é": tru}`, "f:1:10: malformed JSON: invalid character '}' in literal true (expecting 'e')"},
		{"  \n", "f:2:1: malformed JSON: empty input, want a JSON object"},
	}
	for _, tt := range tests {
		got := ""
		if e := Syntax("f", []byte(tt.in)); e != nil {
			got = e.Error()
		}
		if got != tt.want {
			t.Errorf("Syntax(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAtFileCountsCharacters(t *testing.T) {
	p := t.TempDir() + "/f.json"
	data := []byte("{\"é\":\n  \"ü\" x}")
	if err := writeFile(p, data); err != nil {
		t.Fatal(err)
	}
	off := int64(len("{\"é\":\n  \"ü\" "))
	e := AtFile(p, off, fmt.Errorf("bad"))
	l, c := LineCol(data, off)
	if e.Line != l || e.Col != c || e.Line != 2 || e.Col != 7 {
		t.Errorf("AtFile at %d:%d, LineCol at %d:%d; want both 2:7", e.Line, e.Col, l, c)
	}
}

func writeFile(p string, data []byte) error { return os.WriteFile(p, data, 0o644) }

// FuzzPointerOffset: for every value in a well-formed document, the value
// decoded at PointerOffset(its pointer) is that value.
func FuzzPointerOffset(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a": [1, {"b/c": "é"}], "~": null}`,
		"{\n  \"x86_64\": [\n    {\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\", \"distroversion\": \"12\"}\n  ]\n}\n",
		`{"ubuntu": [{"kernelversion": "41~22.04.1", "kernelrelease": "6.8.0-51-generic", "target": "ubuntu-generic", "headers": ["http://h/a.deb", "http://h/b.deb"], "distroversion": "22.04"}]}`,
		`[[[]], {"": {"": 0}}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			return
		}
		n := 0
		var walk func(ptr string, v any)
		walk = func(ptr string, v any) {
			if n++; n > 200 {
				return
			}
			off := PointerOffset(data, ptr)
			var got any
			if err := json.NewDecoder(bytes.NewReader(data[off:])).Decode(&got); err != nil || !reflect.DeepEqual(got, v) {
				t.Fatalf("%q: value at PointerOffset(%q) = %d is %v (%v), want %v", data, ptr, off, got, err, v)
			}
			switch x := v.(type) {
			case map[string]any:
				for k, c := range x {
					walk(ptr+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k), c)
				}
			case []any:
				for i, c := range x {
					walk(ptr+"/"+strconv.Itoa(i), c)
				}
			}
		}
		walk("", doc)
	})
}
