package inputs

import (
	"errors"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

func TestDiffAdded(t *testing.T) {
	ks, ok, err := DiffAdded([]byte(`{"added":[{"distribution":"ubuntu","distroversion":"22.04","arch":"x86_64","kernelrelease":"6.8.0-51-generic","flavor":"generic"}],"removed":[]}`), "d.json")
	if err != nil || !ok || len(ks) != 1 || ks[0].DistroVersion != "22.04" || ks[0].Flavor != "generic" || ks[0].Arch != matrixgen.X86_64 {
		t.Fatalf("DiffAdded = %+v, %v, %v", ks, ok, err)
	}
	if _, ok, err := DiffAdded([]byte(`{"x86_64": []}`), "k.json"); ok || err != nil {
		t.Errorf("kernels.json taken for a diff: %v, %v", ok, err)
	}
	// Each entry passes the consistency rule: a contradiction names the entry.
	_, ok, err = DiffAdded([]byte(`{"added":[{"distribution":"fedora","distroversion":"41","arch":"x86_64","kernelrelease":"6.14.0-100.fc42.x86_64"}],"removed":[]}`), "d.json")
	if !ok || !errors.Is(err, matrixgen.ErrInvalid) || !strings.Contains(err.Error(), "d.json: added[0]") {
		t.Errorf("contradiction: %v, %v", ok, err)
	}
	if _, _, err := DiffAdded([]byte(`{"added":[],"extra":1}`), "d.json"); err == nil || !strings.Contains(err.Error(), "d.json: diff --json output") {
		t.Errorf("unknown field: %v", err)
	}
}
