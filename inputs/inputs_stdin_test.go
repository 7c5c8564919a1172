package inputs

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestLoadFrom: "-" reads the given stdin and names it "stdin" in
// positions; an empty spec is ErrEmptyPath; a malformed Falco list is at
// its position like any reader's (it was "byte N: EOF").
func TestLoadFrom(t *testing.T) {
	tests := []struct {
		name, spec, stdin string
		kernels           int
		err               string
	}{
		{"stdin kernels.json", "-", `{"x86_64": [{"target": "debian", "kernelrelease": "6.1.0-28-amd64", "distroversion": "12"}]}`, 1, ""},
		{"stdin malformed", "-", "{\"x86_64\": [\n", 0, "stdin:2:1: malformed JSON: unexpected end of JSON input"},
		{"stdin falco truncated", "-", "{\"debian\": [\n  {\"kernelversion\": \"1\",", 0, "stdin:2:25: malformed JSON: unexpected end of JSON input"},
		{"empty spec", "", "", 0, ErrEmptyPath.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadFrom(context.Background(), tt.spec, strings.NewReader(tt.stdin))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("LoadFrom(%q) = %v, want %q", tt.spec, err, tt.err)
				}
				if tt.spec == "" && !errors.Is(err, ErrEmptyPath) {
					t.Errorf("not ErrEmptyPath: %v", err)
				}
				return
			}
			if err != nil || len(s.Kernels) != tt.kernels || s.Name != "stdin" {
				t.Fatalf("LoadFrom(%q) = %+v, %v; want %d kernels named stdin", tt.spec, s, err, tt.kernels)
			}
		})
	}
}
