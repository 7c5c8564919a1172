package inputs

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestGroupProblems: the 2022 corpus's unsupported and underivable entries
// give one line per distribution key and reason, not one per entry.
func TestGroupProblems(t *testing.T) {
	s, err := LoadFrom(context.Background(), "../fixtures/kernel-crawler-2022-08/x86_64.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, g := range GroupProblems(s.Problems) {
		got[g.Key+": "+g.Reason] = g.Count
		if g.Count > 1 && !strings.Contains(g.String(), fmt.Sprintf("%d entries under %q", g.Count, g.Key)) {
			t.Errorf("group line %q does not count its entries", g)
		}
	}
	want := map[string]int{
		// Falco wrote Photon releases as version-release.arch, which no Photon kernel prints.
		`PhotonOS: invalid kernelrelease: not a kernel release of photon: Falco's spelling, version-release.arch: Photon's uname -r is version-release[-flavor], without the arch`: 190,
		`Flatcar: invalid kernelrelease: not a kernel release of flatcar: a Flatcar kernel release is the upstream version and -flatcar, as uname -r prints it (6.12.102-flatcar)`: 282,
		`Minikube: invalid target: known distribution, not built for: minikube's kernel is built with its ISO, not in a distro container`:                                          6,
		`Ubuntu: underivable: kernel series 5.17 is no Ubuntu release's GA kernel`:                                                                                                 9,
		`Ubuntu: underivable: kernel series 5.10 is no Ubuntu release's GA kernel`:                                                                                                 26,
		`Ubuntu: underivable: kernel series 5.14 is no Ubuntu release's GA kernel`:                                                                                                 28,
		`Ubuntu: underivable: kernel series 5.6 is no Ubuntu release's GA kernel`:                                                                                                  29,
		`Ubuntu: underivable: kernel series 4.11 is no Ubuntu release's GA kernel`:                                                                                                 6,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups:\n got %v\nwant %v", got, want)
	}
}
