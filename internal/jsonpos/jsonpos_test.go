package jsonpos

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPositions(t *testing.T) {
	data := []byte("{\n  \"a\": [\n    1,\n    x\n  ]\n}")
	var v any
	err := json.Unmarshal(data, &v)
	off := Offset(err, -1)
	if l, c := LineCol(data, off); l != 4 || c != 5 {
		t.Errorf("syntax error at %d:%d (offset %d), want 4:5", l, c, off)
	}
	p := filepath.Join(t.TempDir(), "f.json")
	os.WriteFile(p, data, 0o644)
	e := AtFile(p, off, err)
	if !strings.HasPrefix(e.Error(), p+":4:5: ") || !errors.Is(e, err) {
		t.Errorf("AtFile = %v", e)
	}
	if Offset(errors.New("other"), 7) != 7 {
		t.Error("Offset fallback")
	}
	dec := json.NewDecoder(strings.NewReader(`[1,  2]`))
	dec.Token()
	dec.Decode(&v)
	if got := SkipSpace(dec, dec.InputOffset()); got != 5 {
		t.Errorf("SkipSpace = %d, want 5 (the offset of 2)", got)
	}
}

func TestLineColCountsCharacters(t *testing.T) {
	data := []byte("{\n  \"ü\": x")
	if l, c := LineCol(data, int64(len(data)-1)); l != 2 || c != 8 {
		t.Errorf("LineCol = %d:%d, want 2:8 (ü is one column; counting bytes would say 9)", l, c)
	}
	if l, c := LineCol(data, 1000); l != 2 || c != 9 {
		t.Errorf("LineCol past the end = %d:%d, want the end 2:9", l, c)
	}
}
