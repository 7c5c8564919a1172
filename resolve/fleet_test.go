package resolve

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"github.com/matrixgen/matrixgen/internal/rpmfixture"
)

// TestResolveFleet: the repository link finds a cloud fleet kernel's header
// packages by the distribution's own rule (Photon's flavor packages, SUSE's
// flavor package with its shared kernel-devel, Azure Linux's version-release),
// from the rpmbuild + createrepo_c fixtures in each published layout, and a
// release the repositories lack is not found, each repository named.
func TestResolveFleet(t *testing.T) {
	srv := rpmfixture.Serve(t, "../fixtures/rpm/fleet", nil)
	mirrors := map[string]string{}
	for _, k := range []string{"photon", "opensuse", "azurelinux", "cbl-mariner", "alinux"} {
		mirrors[k] = srv.URL + "/" + k
	}
	for _, tt := range []struct {
		target, release string
		arch            matrixgen.Arch
		want            []string // URL paths, empty: not found
	}{
		{"photon", "5.10.83-6.ph4-esx", matrixgen.AArch64, []string{"/photon/4.0/photon_4.0_aarch64/aarch64/linux-esx-devel-5.10.83-6.ph4.aarch64.rpm"}},
		{"photon", "5.10.118-14.ph4", matrixgen.AArch64, []string{"/photon/4.0/photon_4.0_aarch64/aarch64/linux-devel-5.10.118-14.ph4.aarch64.rpm"}},
		{"sles", "6.4.0-150600.23.22-default", matrixgen.AArch64, []string{
			"/opensuse/update/leap/15.6/oss/aarch64/kernel-default-devel-6.4.0-150600.23.22.1.aarch64.rpm",
			"/opensuse/update/leap/15.6/oss/noarch/kernel-devel-6.4.0-150600.23.22.1.noarch.rpm"}},
		{"azurelinux", "6.6.145.2-1.azl3", matrixgen.X86_64, []string{"/azurelinux/3.0/prod/base/x86_64/Packages/k/kernel-devel-6.6.145.2-1.azl3.x86_64.rpm"}},
		{"photon", "5.10.83-7.ph4-esx", matrixgen.AArch64, nil},
	} {
		t.Run(tt.target+" "+tt.release, func(t *testing.T) {
			res, err := Resolve(context.Background(), newFetcher(t), distros.All(), Request{Target: tt.target, Release: tt.release, Arch: tt.arch, Mirrors: mirrors})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range res.URLs {
				got = append(got, strings.TrimPrefix(u, srv.URL))
			}
			if !slices.Equal(got, tt.want) || res.Found() != (tt.want != nil) {
				t.Errorf("found %v: %q, want %q (tried %+v)", res.Found(), got, tt.want, res.Tried)
			}
			// Not found: each repository is named with the package the
			// distribution builds that flavor against, not kernel-devel.
			for _, a := range res.Tried {
				if tt.want == nil && !strings.Contains(a.Error, "has no linux-esx-devel for "+tt.release) {
					t.Errorf("tried %s %s: %s, want it to name linux-esx-devel", a.Link, a.Source, a.Error)
				}
			}
			if tt.want == nil && len(res.Tried) == 0 {
				t.Error("not found, but no repository named as tried")
			}
		})
	}
}
