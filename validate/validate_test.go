package validate

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/schemas"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		in   string
		kind schemas.Kind
		want []string // every problem, as printed
	}{
		{"valid kernels", `{"x86_64": [{"target": "debian", "kernelrelease": "6.1.0-28-amd64", "distroversion": "12"}]}`, schemas.Kernels, nil},
		{
			// Two schema violations and two domain problems in other
			// entries: all four, in file order (validate printed one).
			"every problem", "{\"x86_64\": [\n" +
				"  {\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\", \"distroversion\": \"12\"},\n" +
				"  {\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\", \"distroversion\": \"12\"},\n" +
				"  {\"target\": \"slackware\", \"kernelrelease\": \"6.1.0\", \"distroversion\": \"15\"},\n" +
				"  {\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\"},\n" +
				"  {\"target\": \"débian\", \"kernelrelease\": \"6.1.0-29-amd64\", \"distroversion\": \"12\", \"x\": \"1\"}\n" +
				"]}\n",
			schemas.Kernels,
			[]string{
				"k.json:3:3: /x86_64/1: the same as item 0",
				`k.json:4:3: invalid: target "slackware": unknown target`,
				"k.json:5:3: /x86_64/3/distroversion: required property is missing",
				`k.json:6:14: /x86_64/4/target: "débian" does not match pattern`,
				"k.json:6:82: /x86_64/4/x: property is not allowed",
			},
		},
		// A truncated file is at its end, as every reader says.
		{"truncated", "{\"x86_64\": [\n", "", []string{"k.json:2:1: malformed JSON: unexpected end of JSON input"}},
		{"unknown kind", `{"foo": 1}`, "", []string{`k.json:1:1: cannot tell which kind of matrixgen file this is: key "foo" holds a number, not a list of kernels`}},
		{"matrix", `{"include": [{"distribution": 1, "architecture": "x86_64", "artifact": "a", "base_image": "b", "cache_key": "c", "distro_version": "1", "driver_version": "1", "kernel_release": "6.1"}]}`, schemas.Matrix, []string{"k.json:1:31: /include/0/distribution: got number, want string", `k.json:1:109: /include/0/cache_key: "c" does not match pattern`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check("k.json", []byte(tt.in), "")
			var got []string
			for _, p := range r.Problems {
				got = append(got, p.Error())
			}
			if r.Kind != tt.kind || len(got) != len(tt.want) {
				t.Fatalf("Check = kind %q, problems:\n%s\nwant kind %q and %d problems:\n%s", r.Kind, strings.Join(got, "\n"), tt.kind, len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("problem %d = %q, want prefix %q", i, got[i], tt.want[i])
				}
			}
			if r.Valid() != (len(tt.want) == 0) {
				t.Errorf("Valid() = %v with %d problems", r.Valid(), len(got))
			}
		})
	}
}

// TestCheckCrawl: every unusable entry of crawl output, with the arch the
// path gives (an arm64 kernel is fine in aarch64/list.json).
func TestCheckCrawl(t *testing.T) {
	entry := func(release, version string) string {
		return fmt.Sprintf(`{"kernelversion": "1", "kernelrelease": %q, "target": "debian", "headers": ["http://h/a.deb"], "distroversion": %q}`, release, version)
	}
	in := "{\"debian\": [\n  " + entry("6.1.0-28-arm64", "12") + ",\n  " + entry("6.1.0$(x)", "12") + ",\n  " + entry("6..1", "12") + "\n]}\n"
	r := Check("out/aarch64/list.json", []byte(in), "")
	var got []string
	for _, p := range r.Problems {
		got = append(got, fmt.Sprintf("%d:%d", p.Line, p.Col))
	}
	if r.Kind != schemas.Crawl || !slices.Equal(got, []string{"3:43", "4:43"}) {
		t.Errorf("Check = %q, problems at %v; want crawl, 3:43 and 4:43 (the releases):\n%v", r.Kind, got, r.Problems)
	}
	if r := Check("x.json", []byte("{\"debian\": [\n  "+entry("6.1.0-28-arm64", "12")+"]}"), matrixgen.AArch64); !r.Valid() {
		t.Errorf("explicit arch: %v", r.Problems)
	}
}

// TestCheckExamples: the schema examples are valid, as the README says.
func TestCheckExamples(t *testing.T) {
	for _, f := range []string{"crawl.json", "falco-list.json", "kernels.json", "matrix.json"} {
		data, err := os.ReadFile("../schemas/examples/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if r := Check(f, data, ""); !r.Valid() || r.Kind == "" {
			t.Errorf("%s: kind %q, problems %v", f, r.Kind, r.Problems)
		}
	}
}

// FuzzCheck: whatever the input, every problem names the file and a
// position inside it, problems come in file order, and a file Check finds
// valid is one the schema accepts.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"x86_64": [`, `{"foo": 1}`,
		"{\"x86_64\": [\n  {\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\", \"distroversion\": \"12\"},\n  {\"target\": \"slackware\", \"kernelrelease\": \"6.1.0\"}\n]}",
		`{"debian": [{"kernelversion": "1", "kernelrelease": "6.1.0-28-amd64", "target": "debian", "headers": [], "distroversion": "12"}]}`,
		`{"include": [{"distribution": 1}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := Check("f.json", data, "")
		lines := strings.Count(string(data), "\n") + 1
		for i, p := range r.Problems {
			if p.File != "f.json" || p.Line < 1 || p.Line > lines || p.Col < 1 {
				t.Fatalf("%q: problem %v at %d:%d outside the file (%d lines)", data, p, p.Line, p.Col, lines)
			}
			if i > 0 && (p.Line < r.Problems[i-1].Line || p.Line == r.Problems[i-1].Line && p.Col < r.Problems[i-1].Col) {
				t.Fatalf("%q: problems out of order: %v", data, r.Problems)
			}
		}
		if r.Valid() {
			if r.Kind == "" {
				t.Fatalf("%q: valid but no kind", data)
			}
			if err := schemas.Validate(r.Kind, data); err != nil {
				t.Fatalf("%q: Check says valid %s, schema says %v", data, r.Kind, err)
			}
		}
	})
}
