package inputs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

const (
	arm64List = `{"debian": [{"kernelversion": 1, "kernelrelease": "6.1.0-28-arm64", "target": "debian", "headers": [], "distroversion": "12"},
{"kernelversion": 1, "kernelrelease": "6.1.0-29-cloud-arm64", "target": "debian", "headers": [], "distroversion": "12"}]}`
	amd64List   = `{"debian": [{"kernelversion": 1, "kernelrelease": "6.1.0-28-amd64", "target": "debian", "headers": [], "distroversion": "12"}]}`
	mixedList   = `{"debian": [{"kernelversion": 1, "kernelrelease": "6.1.0-28-amd64", "target": "debian", "headers": []}, {"kernelversion": 1, "kernelrelease": "6.1.0-28-arm64", "target": "debian", "headers": []}]}`
	noArchList  = `{"ubuntu": [{"kernelversion": "51", "kernelrelease": "6.8.0-51-generic", "target": "ubuntu-generic", "headers": [], "distroversion": "24.04"}]}`
	kernelsJSON = `{"x86_64": [{"target": "debian", "kernelrelease": "6.1.0-28-amd64", "distroversion": "12"}]}`
)

func TestLoadCrawled(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dated := write("crawl-arm64-2024.json", arm64List) // the name says nothing ParseArch reads
	misnamed := write("x86_64/list.json", arm64List)
	mixed := write("mixed.json", mixedList)
	noArch := write("generic.json", noArchList)
	kj := write("kernels.json", kernelsJSON)
	tree := filepath.Join(dir, "out")
	write("out/x86_64/list.json", amd64List)
	write("out/aarch64/list.json", arm64List)
	write("out/notes/list.json", amd64List) // not an arch: ignored

	tests := []struct {
		name, spec, stdin string
		want              map[matrixgen.Arch]int // kernels per arch
		err               string
	}{
		{name: "arch from releases", spec: dated, want: map[matrixgen.Arch]int{matrixgen.AArch64: 2}},
		{name: "explicit arch", spec: "arm64=" + dated, want: map[matrixgen.Arch]int{matrixgen.AArch64: 2}},
		{name: "explicit arch contradicted", spec: "x86_64=" + dated, err: "read as x86_64, but its releases name aarch64 (e.g. 6.1.0-28-arm64)"},
		{name: "path contradicted", spec: misnamed, err: "its path says x86_64 but its releases name aarch64"},
		{name: "several arches", spec: mixed, err: "holds kernels of several arches (aarch64: 6.1.0-28-arm64; x86_64: 6.1.0-28-amd64)"},
		{name: "no evidence: default", spec: noArch, want: map[matrixgen.Arch]int{matrixgen.X86_64: 1}},
		{name: "no evidence: explicit", spec: "aarch64=" + noArch, want: map[matrixgen.Arch]int{matrixgen.AArch64: 1}},
		{name: "directory", spec: tree, want: map[matrixgen.Arch]int{matrixgen.X86_64: 1, matrixgen.AArch64: 2}},
		{name: "directory with arch", spec: "x86_64=" + tree, err: "a directory holds one list.json per arch"},
		{name: "empty directory", spec: t.TempDir(), err: "no <arch>/list.json"},
		{name: "stdin", spec: "-", stdin: arm64List, want: map[matrixgen.Arch]int{matrixgen.AArch64: 2}},
		{name: "stdin with arch", spec: "aarch64=-", stdin: noArchList, want: map[matrixgen.Arch]int{matrixgen.AArch64: 1}},
		{name: "bad arch prefix", spec: "sparc=" + dated, err: `"sparc" before = is not an arch`},
		{name: "empty", spec: "", err: "empty path"},
		{name: "kernels.json", spec: kj, err: "a kernels.json, not crawl output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sets, err := LoadCrawled(context.Background(), tt.spec, strings.NewReader(tt.stdin))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("LoadCrawled(%q) = %v; want error with %q", tt.spec, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadCrawled(%q): %v", tt.spec, err)
			}
			got := map[matrixgen.Arch]int{}
			for _, s := range sets {
				if len(s.Problems) > 0 {
					t.Errorf("problems: %v", s.Problems)
				}
				for _, k := range s.Kernels {
					got[k.Arch]++
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("kernels per arch = %v, want %v", got, tt.want)
			}
			for a, n := range tt.want {
				if got[a] != n {
					t.Errorf("kernels per arch = %v, want %v", got, tt.want)
				}
			}
		})
	}
}
