package kernelsfile

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/matrixgen/matrixgen"
)

const doc = `{
  "x86_64": [
    {"target": "amazonlinux", "kernelrelease": "6.12.58-82.121.amzn2023.x86_64", "distroversion": "2023"},
    {"target": "ubuntu", "kernelrelease": "6.14.0-1021-gcp", "distroversion": "24.04"}
  ]
}
`

func TestParseMarshalRoundTrip(t *testing.T) {
	ks, err := Parse([]byte(doc), "kernels.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != 2 || ks[1].Distribution != "ubuntu" || ks[1].Flavor != "gcp" || ks[1].DistroVersion != "24.04" || ks[1].Arch != matrixgen.X86_64 {
		t.Fatalf("Parse = %+v", ks)
	}
	out, err := Marshal(ks)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != doc {
		t.Errorf("Marshal(Parse(doc)) =\n%s\nwant\n%s", out, doc)
	}
}

func TestMarshalDeterministic(t *testing.T) {
	ks := []matrixgen.Kernel{
		{Distribution: "ubuntu", DistroVersion: "24.04", Arch: "x86_64", Release: "6.8.0-51-generic"},
		{Distribution: "ubuntu", DistroVersion: "22.04", Arch: "x86_64", Release: "6.8.0-51-generic"},
		{Distribution: "debian", DistroVersion: "12", Arch: "aarch64", Release: "6.1.0-28-arm64"},
		{Distribution: "debian", DistroVersion: "13", Arch: "riscv64", Release: "6.12.107+deb13-riscv64"},
		{Distribution: "amazonlinux", DistroVersion: "2023", Arch: "x86_64", Release: "6.12.58-82.121.amzn2023.x86_64"},
	}
	want, err := Marshal(ks)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		shuffled := slices.Clone(ks)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got, _ := Marshal(append(shuffled, shuffled[0])) // a duplicate collapses
		if string(got) != string(want) {
			t.Fatalf("Marshal is order dependent:\n%s\nvs\n%s", got, want)
		}
	}
	// Sorted by arch, then target, distro version, release; HWE kept twice.
	wantOrder := []string{`"aarch64"`, `"riscv64"`, `"x86_64"`, `amazonlinux`, `"22.04"`, `"24.04"`}
	last := -1
	for _, w := range wantOrder {
		i := strings.Index(string(want), w)
		if i <= last {
			t.Fatalf("%s out of order in\n%s", w, want)
		}
		last = i
	}
	if empty, _ := Marshal(nil); string(empty) != "{}\n" {
		t.Errorf("Marshal(nil) = %q", empty)
	}
}

// TestProblems: every problem of a file, each at its own position, in
// file order (Parse stops at the first).
func TestProblems(t *testing.T) {
	in := "{\"x86_64\": [\n" +
		"  {\"target\": \"beos\", \"kernelrelease\": \"6.8.0\", \"distroversion\": \"1\"},\n" +
		"  {\"target\": \"ubuntu\", \"kernelrelease\": \"6.8.0-51-generic\", \"distroversion\": \"24.04\"},\n" +
		"  {\"target\": \"ubuntu\", \"kernelrelease\": \"6.8.0-51-generic\", \"distroversion\": \"24.04\"}\n" +
		"],\n\"sparc\": [],\n\"aarch64\": [{\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-arm64\", \"x\": \"\"}]}\n"
	var got []string
	for _, p := range Problems([]byte(in), "k.json") {
		got = append(got, fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col))
	}
	want := []string{"k.json:2:3", "k.json:4:3", "k.json:6:1", "k.json:7:13"}
	if !slices.Equal(got, want) {
		t.Errorf("Problems positions = %v, want %v", got, want)
	}
	// Columns count characters: after 'é' (two bytes) the next problem is
	// at column 93, not 94.
	ps := Problems([]byte(`{"x86_64": [{"target": "débian", "kernelrelease": "6.1.0-28-amd64", "distroversion": "12"}, 1]}`), "k.json")
	if len(ps) != 2 || ps[1].Line != 1 || ps[1].Col != 93 {
		t.Errorf("Problems after a non-ASCII character = %v, want the second at 1:93", ps)
	}
	if ps := Problems([]byte(`{"x86_64": []}`), "k.json"); len(ps) != 0 {
		t.Errorf("Problems of a valid file = %v", ps)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "empty file"},
		{"blank", "  \n", "empty file"},
		{"malformed", "{\n  \"x86_64\": [\n    {\"target\": \"ubuntu\",}\n  ]\n}", "kernels.json:3:"},
		// A truncated file is at its end, as in every reader (it was 1:1 here, 2:1 in validate).
		{"truncated", `{"x86_64": [`, "kernels.json:1:13: malformed JSON: unexpected end of JSON input"},
		{"truncated with newline", "{\"x86_64\": [\n", "kernels.json:2:1: malformed JSON: unexpected end of JSON input"},
		{"not an object", `[1]`, "want a JSON object"},
		{"unknown arch", `{"sparc": []}`, `arch "sparc"`},
		{"not a list", `{"x86_64": {}}`, "want a list"},
		{"unknown field", `{"x86_64": [{"target": "ubuntu", "kernelrelease": "6.8.0-51-generic", "distroversion": "24.04", "x": 1}]}`, `unknown field "x"`},
		{"missing distroversion", `{"x86_64": [{"target": "ubuntu", "kernelrelease": "6.8.0-51-generic"}]}`, "distroversion"},
		{"unknown target", `{"x86_64": [{"target": "beos", "kernelrelease": "6.8.0", "distroversion": "1"}]}`, `target "beos"`},
		{"shell", `{"x86_64": [{"target": "ubuntu", "kernelrelease": "6.8.0-51$(reboot)", "distroversion": "24.04"}]}`, `'$'`},
		{"semicolon", `{"x86_64": [{"target": "ubuntu", "kernelrelease": "6.8.0;ls", "distroversion": "24.04"}]}`, `';'`},
		{"space", `{"x86_64": [{"target": "ubuntu", "kernelrelease": "6.8.0 x", "distroversion": "24.04"}]}`, `' '`},
		{"slash", `{"x86_64": [{"target": "ubuntu", "kernelrelease": "6.8/0", "distroversion": "24.04"}]}`, `'/'`},
		{"dotdot", `{"x86_64": [{"target": "ubuntu", "kernelrelease": "6..8", "distroversion": "24.04"}]}`, `".."`},
		{"too long", `{"x86_64": [{"target": "ubuntu", "kernelrelease": "6` + strings.Repeat("1", 200) + `", "distroversion": "24.04"}]}`, "longer than 128"},
		{"bad distroversion", `{"x86_64": [{"target": "ubuntu", "kernelrelease": "6.8.0", "distroversion": "24.04/x"}]}`, "distroversion"},
		{"duplicate", "{\"x86_64\": [\n{\"target\": \"ubuntu\", \"kernelrelease\": \"6.8.0-51-generic\", \"distroversion\": \"24.04\"},\n{\"target\": \"ubuntu\", \"kernelrelease\": \"6.8.0-51-generic\", \"distroversion\": \"24.04\"}]}", "kernels.json:3:1: duplicate entry ubuntu/24.04/x86_64/6.8.0-51-generic (first at 2:1)"},
		// Out of order (not as Marshal writes it): a repeat is found all the same.
		{"duplicate, unsorted", "{\"x86_64\": [\n{\"target\": \"ubuntu\", \"kernelrelease\": \"6.8.0-52-generic\", \"distroversion\": \"24.04\"},\n{\"target\": \"ubuntu\", \"kernelrelease\": \"6.8.0-51-generic\", \"distroversion\": \"24.04\"},\n{\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\", \"distroversion\": \"12\"},\n{\"target\": \"ubuntu\", \"kernelrelease\": \"6.8.0-52-generic\", \"distroversion\": \"24.04\"}]}", "kernels.json:5:1: duplicate entry ubuntu/24.04/x86_64/6.8.0-52-generic (first at 2:1)"},
		{"duplicate, sorted then not", "{\"x86_64\": [\n{\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\", \"distroversion\": \"12\"},\n{\"target\": \"ubuntu\", \"kernelrelease\": \"6.8.0-52-generic\", \"distroversion\": \"24.04\"},\n{\"target\": \"ubuntu\", \"kernelrelease\": \"6.8.0-51-generic\", \"distroversion\": \"24.04\"},\n{\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\", \"distroversion\": \"12\"}]}", "kernels.json:5:1: duplicate entry debian/12/x86_64/6.1.0-28-amd64 (first at 2:1)"},
		{"duplicate across arches", "{\"x86_64\": [\n{\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\", \"distroversion\": \"12\"}],\n\"aarch64\": [\n{\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-arm64\", \"distroversion\": \"12\"}],\n\"amd64\": [\n{\"target\": \"debian\", \"kernelrelease\": \"6.1.0-28-amd64\", \"distroversion\": \"12\"}]}", "kernels.json:6:1: duplicate entry debian/12/x86_64/6.1.0-28-amd64 (first at 2:1)"},
		{"trailing", `{} {}`, "kernels.json:1:4: malformed JSON: invalid character '{' after top-level value"},
		{"number release", "{\"x86_64\": [\n  {\"target\": \"ubuntu\", \"kernelrelease\": 6.8, \"distroversion\": \"24.04\"}]}", `kernels.json:2:3: field "kernelrelease": want a string, got 6.8`},
		{"entry not an object", `{"x86_64": ["6.8.0-51-generic"]}`, "kernels.json:1:13: want an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), "kernels.json")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q) = %v, want error containing %q", tt.in, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "kernels.json") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestWriteAndAdd(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kernels.json")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	ks, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	k := matrixgen.Kernel{Distribution: "debian", DistroVersion: "12", Arch: "x86_64", Release: "6.1.0-28-amd64"}
	ks, added := Add(ks, k)
	if !added || len(ks) != 3 {
		t.Fatalf("Add = %d kernels, added %v", len(ks), added)
	}
	if _, again := Add(ks, k); again {
		t.Error("Add of a present kernel said added")
	}
	if err := Write(context.Background(), p, ks); err != nil {
		t.Fatal(err)
	}
	back, err := Read(p)
	if err != nil || len(back) != 3 {
		t.Fatalf("Read after Write = %v, %v", back, err)
	}
	bad := []matrixgen.Kernel{{Distribution: "debian", DistroVersion: "12", Arch: "x86_64", Release: "6.1;x"}}
	if err := Write(context.Background(), p, bad); !errors.Is(err, matrixgen.ErrInvalid) {
		t.Fatalf("Write(invalid) = %v", err)
	}
	if again, _ := Read(p); len(again) != 3 {
		t.Error("a refused Write changed the file")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(doc))
	f.Add([]byte(`{"aarch64": [{"target": "debian", "kernelrelease": "6.1.0-28-arm64", "distroversion": "12"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		// Property: anything accepted round-trips through the canonical form.
		out, err := Marshal(ks)
		if err != nil {
			t.Fatalf("Marshal of parsed kernels: %v", err)
		}
		back, err := Parse(out, "canonical")
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, out)
		}
		again, _ := Marshal(back)
		if string(again) != string(out) {
			t.Fatalf("canonical form not stable:\n%s\n%s", out, again)
		}
	})
}

// TestParseKeepsNoCopyOfTheFile: the kernels Parse returns hold their own
// strings, not slices of the one copy of the file gjson parses, which would
// keep the whole file alive as long as any kernel (matrix holds 100,000 of
// them while it builds and prints the plan). Measured as the heap still
// live after a collection, which is exact, not timed.
func TestParseKeepsNoCopyOfTheFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("{\n  \"x86_64\": [\n")
	const n = 20_000
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `    {"target": "ubuntu", "kernelrelease": "6.8.0-%06d-generic", "distroversion": "24.04"}`, i)
	}
	b.WriteString("\n  ]\n}\n")
	data := []byte(b.String())
	b.Reset()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ks, err := Parse(data, "kernels.json")
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	// The kernels and a copy of each 20-byte release (at most 32 bytes
	// allocated) are theirs; a quarter of the file is the margin.
	own := int64(cap(ks))*int64(unsafe.Sizeof(matrixgen.Kernel{})) + 32*n
	if limit := own + int64(len(data))/4; kept > limit {
		t.Errorf("after Parse of %d bytes, %d bytes stay live; the kernels and their strings take %d: the file is held (limit %d)", len(data), kept, own, limit)
	}
	t.Logf("%d bytes live after Parse of %d bytes (kernels and strings: %d)", kept, len(data), own)
	runtime.KeepAlive(ks)
	runtime.KeepAlive(data)
}
