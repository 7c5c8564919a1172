package kernelsfile

import (
	"errors"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

// TestParseConsistency: kernels.json entries go through the domain's one
// consistency rule; each of these was accepted before (issue 6), and each
// refusal names the file and line of the entry and both sides.
func TestParseConsistency(t *testing.T) {
	tests := []struct {
		name, entry string
		mention     []string
	}{
		{"fedora filed under 41", `{"target": "fedora", "kernelrelease": "6.14.0-100.fc42.x86_64", "distroversion": "41"}`, []string{`distroversion "41"`, "fedora 42"}},
		{"aarch64 release under x86_64", `{"target": "rocky", "kernelrelease": "5.14.0-503.11.1.el9_5.aarch64", "distroversion": "9"}`, []string{`".aarch64"`}},
		{"ubuntu 99.99", `{"target": "ubuntu", "kernelrelease": "6.8.0-49-generic", "distroversion": "99.99"}`, []string{"not an Ubuntu release"}},
		{"ubuntu 6.8 in 20.04", `{"target": "ubuntu", "kernelrelease": "6.8.0-49-generic", "distroversion": "20.04"}`, []string{"does not ship"}},
		{"amazon without marker", `{"target": "amazonlinux", "kernelrelease": "6.8.0-79-generic", "distroversion": "2"}`, []string{"amzn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "{\n  \"x86_64\": [\n    " + tt.entry + "\n  ]\n}\n"
			_, err := Parse([]byte(data), "kernels.json")
			if !errors.Is(err, matrixgen.ErrInvalid) {
				t.Fatalf("Parse = %v; want invalid", err)
			}
			if !strings.HasPrefix(err.Error(), "kernels.json:3:") {
				t.Errorf("error %q does not name kernels.json:3", err)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}
