package service

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

func TestReadSettingsFile(t *testing.T) {
	dir := t.TempDir()
	write := func(data string) string {
		p := filepath.Join(dir, strings.ReplaceAll(strings.ReplaceAll(data, "/", "_"), `"`, "")+".json")
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f := write(`{"repo": "o/r", "poll-interval": "15s", "default-distro-version": ["ubuntu=24.04", "debian=12"], "job-timeout": 60, "max-body-bytes": 10000000, "wait": true}`)
	got, err := ReadSettingsFile(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Setting{
		{"default-distro-version", []string{"ubuntu=24.04", "debian=12"}},
		{"job-timeout", []string{"60"}},
		{"max-body-bytes", []string{"10000000"}}, // as written, not 1e+07
		{"poll-interval", []string{"15s"}},
		{"repo", []string{"o/r"}},
		{"wait", []string{"true"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, c := range []struct {
		name, file, has string
	}{
		{"missing", filepath.Join(dir, "nosuch.json"), "config " + filepath.Join(dir, "nosuch.json") + ": no such file"},
		{"not JSON", write(`{"repo": `), ": unexpected end of JSON input"},
		{"not an object", write(`["repo"]`), ": json: cannot unmarshal array"},
	} {
		_, err := ReadSettingsFile(c.file)
		var ue *matrixgen.UsageError
		if !errors.As(err, &ue) || ue.Option != "config" || !strings.Contains(err.Error(), c.has) || !strings.HasPrefix(err.Error(), "config "+c.file+": ") {
			t.Errorf("%s: %v, want a usage error with %q", c.name, err, c.has)
		}
	}
}
