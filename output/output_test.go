package output

import (
	"bytes"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/matrix"
)

func TestDiff(t *testing.T) {
	k := func(target, release, version string, arch matrixgen.Arch) matrixgen.Kernel {
		kk, err := matrixgen.Make(matrixgen.Spec{Target: target, Arch: arch, Release: release, DistroVersion: version})
		if err != nil {
			t.Fatal(err)
		}
		return kk
	}
	d := matrix.Diff{
		Added:   []matrixgen.Kernel{k("debian", "6.1.0-29-amd64", "12", matrixgen.X86_64), k("ubuntu", "6.8.0-51-generic", "24.04", matrixgen.X86_64)},
		Removed: []matrixgen.Kernel{k("debian", "6.1.0-28-amd64", "12", matrixgen.X86_64)},
	}
	tests := []struct {
		format Format
		tty    bool
		diff   matrix.Diff
		want   string
	}{
		{Text, false, d, "   DISTRIBUTION  ARCH    VERSION  RELEASE\n+  debian        x86_64  12       6.1.0-29-amd64\n-  debian        x86_64  12       6.1.0-28-amd64\n+  ubuntu        x86_64  24.04    6.8.0-51-generic\n2 added, 1 removed\n"},
		{Text, false, matrix.Diff{}, "0 added, 0 removed\n"},
		{JSON, false, d, `{"added":[{"distribution":"debian","distroversion":"12","arch":"x86_64","kernelrelease":"6.1.0-29-amd64"},{"distribution":"ubuntu","distroversion":"24.04","arch":"x86_64","kernelrelease":"6.8.0-51-generic","flavor":"generic"}],"removed":[{"distribution":"debian","distroversion":"12","arch":"x86_64","kernelrelease":"6.1.0-28-amd64"}]}` + "\n"},
		// Empty sides are [] (not null): consumers index them without a check.
		{JSON, false, matrix.Diff{}, `{"added":[],"removed":[]}` + "\n"},
		{JSON, true, matrix.Diff{}, "{\n  \"added\": [],\n  \"removed\": []\n}\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		h, err := New(tt.format, &b, Options{TTY: tt.tty})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Diff(tt.diff); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("%s tty=%v:\n%s\nwant\n%s", tt.format, tt.tty, b.String(), tt.want)
		}
	}
	if _, err := New("yaml", new(bytes.Buffer), Options{}); err == nil {
		t.Error(`New("yaml") accepted an unknown format`)
	}
}
