package matrix

import (
	"slices"
	"testing"

	"github.com/matrixgen/matrixgen"
)

// TestHeaderless: only an explicit empty headers list (a crawl's "headers":
// []) is no header source; a kernel with no headers field (kernels.json,
// nil) or with URLs is kept.
func TestHeaderless(t *testing.T) {
	k := func(rel string, headers []string) matrixgen.Kernel {
		return matrixgen.Kernel{Distribution: "amazonlinux", DistroVersion: "2023", Arch: matrixgen.X86_64, Release: rel, Headers: headers, Origin: matrixgen.OriginLivepatch}
	}
	tests := []struct {
		name             string
		in               []matrixgen.Kernel
		kept, headerless []string
	}{
		{"crawled with no header source", []matrixgen.Kernel{k("6.1.12-19.43.amzn2023.x86_64", []string{})}, nil, []string{"6.1.12-19.43.amzn2023.x86_64"}},
		{"demand list: no headers field", []matrixgen.Kernel{k("6.1.12-19.43.amzn2023.x86_64", nil)}, []string{"6.1.12-19.43.amzn2023.x86_64"}, nil},
		{"crawled with core's kernel-devel", []matrixgen.Kernel{k("6.1.174-217.345.amzn2023.x86_64", []string{"https://cdn.amazonlinux.com/al2023/blobstore/x/kernel-devel-6.1.174-217.345.amzn2023.x86_64.rpm"})}, []string{"6.1.174-217.345.amzn2023.x86_64"}, nil},
		{"mixed, order kept", []matrixgen.Kernel{k("a", []string{}), k("b", nil), k("c", []string{}), k("d", []string{"https://x/y.rpm"})}, []string{"b", "d"}, []string{"a", "c"}},
		{"none", nil, nil, nil},
	}
	rels := func(ks []matrixgen.Kernel) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.Release)
		}
		return out
	}
	for _, tt := range tests {
		kept, hl := Headerless(tt.in)
		if !slices.Equal(rels(kept), tt.kept) || !slices.Equal(rels(hl), tt.headerless) {
			t.Errorf("%s: kept %q, headerless %q; want %q, %q", tt.name, rels(kept), rels(hl), tt.kept, tt.headerless)
		}
	}
}
