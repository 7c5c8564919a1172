package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

func TestWriteDistros(t *testing.T) {
	table := matrixgen.Distros()
	var js bytes.Buffer
	if err := WriteDistros(&js, JSON); err != nil {
		t.Fatal(err)
	}
	var rows []DistroRow
	if err := json.Unmarshal(js.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, DistroRows()) || len(rows) != len(table) {
		t.Fatalf("JSON rows differ from DistroRows, or %d rows for %d distributions", len(rows), len(table))
	}
	if strings.Contains(js.String(), "null") {
		t.Errorf("a null list in:\n%s", js.String())
	}
	var text bytes.Buffer
	if err := WriteDistros(&text, Text); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")
	if len(lines) != len(table)+1 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("want a header and %d rows:\n%s", len(table), text.String())
	}
	for i, d := range table {
		if f := strings.Fields(lines[i+1]); f[0] != d.Name {
			t.Errorf("row %d is %q, want %s", i, lines[i+1], d.Name)
		}
	}
	if err := WriteDistros(&text, "yaml"); err == nil {
		t.Error("format yaml accepted")
	}
}

func TestDeriveLines(t *testing.T) {
	in := "# a comment\n\ndebian 6.12.95+deb12-amd64\nfedora\nubuntu 6.8.0-51-generic\n"
	rs, err := DeriveLines(strings.NewReader(in), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d results, want 3: %+v", len(rs), rs)
	}
	if rs[0].DistroVersion != "12" || rs[0].Rule == "" || rs[0].Error != "" {
		t.Errorf("debian: %+v", rs[0])
	}
	if !strings.HasPrefix(rs[1].Error, "invalid: stdin line 4: ") {
		t.Errorf("a bad line is named by its number: %+v", rs[1])
	}
	if !strings.HasPrefix(rs[2].Error, "underivable: ") {
		t.Errorf("ubuntu without a kernel version: %+v", rs[2])
	}
	var out, errOut bytes.Buffer
	err = WriteDerivations(&out, &errOut, JSON, rs)
	var ec interface{ ExitCode() int }
	if !asCode(err, &ec) || ec.ExitCode() != matrixgen.ExitPartial || errOut.String() != "matrixgen: 2 of 3 releases not derived\n" || strings.Count(out.String(), "\n") != 3 {
		t.Errorf("err %v; stdout %q; stderr %q", err, out.String(), errOut.String())
	}
	out.Reset()
	if err := WriteDerivations(&out, &errOut, Text, rs[:1]); err != nil {
		t.Errorf("all derived: %v", err)
	}
}

func asCode(err error, ec *interface{ ExitCode() int }) bool { return errors.As(err, ec) }
