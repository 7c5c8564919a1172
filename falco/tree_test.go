package falco

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

func TestTreeRoundTrip(t *testing.T) {
	ks := []matrixgen.Kernel{
		{Distribution: "debian", DistroVersion: "12", Arch: "x86_64", Release: "6.1.0-56-amd64", Headers: []string{"https://m/a.deb"}},
		{Distribution: "debian", DistroVersion: "12", Arch: "aarch64", Release: "6.1.0-56-arm64", Headers: []string{"https://m/b.deb"}},
		{Distribution: "debian", DistroVersion: "13", Arch: "riscv64", Release: "6.12.107+deb13-riscv64", CarriedOver: true},
	}
	dir := t.TempDir()
	arches := []matrixgen.Arch{"x86_64", "aarch64", "riscv64"}
	if err := WriteTree(dir, arches, ks); err != nil {
		t.Fatal(err)
	}
	for _, a := range arches {
		got, _, err := ReadFile(TreePath(dir, a), "")
		if err != nil || len(got) != 1 || got[0].Arch != a {
			t.Errorf("%s: %+v, %v (each file holds its own arch only)", a, got, err)
		}
	}
	back, err := ReadTree(dir, arches[:2]) // only the arches asked for
	if err != nil || len(back) != 2 {
		t.Fatalf("ReadTree(dir, 2 arches) = %d kernels, %v", len(back), err)
	}
	one, err := ReadTree(TreePath(dir, "riscv64"), []matrixgen.Arch{"riscv64"})
	if err != nil || len(one) != 1 || !one[0].CarriedOver || one[0].Arch != "riscv64" {
		t.Fatalf("ReadTree(file) = %+v, %v", one, err)
	}
	if _, err := ReadTree(filepath.Join(dir, "nope"), arches); err == nil {
		t.Error("ReadTree of a missing path succeeded")
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"debian": [{"kernelversion": 1, "kernelrelease": "6.1;x", "target": "debian", "headers": [], "distroversion": "12"}]}`), 0o644)
	if _, err := ReadTree(bad, arches[:1]); err == nil || !strings.Contains(err.Error(), "6.1;x") {
		t.Errorf("ReadTree with an invalid entry = %v, want an error naming it", err)
	}
}

func TestMarshalChecked(t *testing.T) {
	ks := []matrixgen.Kernel{{Distribution: "debian", DistroVersion: "12", Arch: "x86_64", Release: "6.1.0-56-amd64", Headers: []string{"file:///etc/passwd"}}}
	if _, err := MarshalChecked(ks); err == nil || !strings.Contains(err.Error(), "/debian/0/headers/0") {
		t.Errorf("MarshalChecked with a non-http header URL = %v, want a schema error naming it", err)
	}
	ks[0].Headers = []string{"https://m/a.deb"}
	if _, err := MarshalChecked(ks); err != nil {
		t.Error(err)
	}
}
