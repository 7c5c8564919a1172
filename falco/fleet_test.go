package falco

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

// TestFleetRoundTrip: a Fedora CoreOS kernel keeps its source, stream and
// build through list.json (a carried-over kernel still names them), and a
// Flatcar kernel its Flatcar release; a stream or build that is no Fedora
// CoreOS name, or without the fedora-coreos source, is a problem of its
// entry.
func TestFleetRoundTrip(t *testing.T) {
	fcos, err := matrixgen.Make(matrixgen.Spec{Target: "fedora", Arch: matrixgen.X86_64, Release: "7.1.3-200.fc44.x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	fcos.Headers = []string{"https://kojipkgs.fedoraproject.org/packages/kernel/7.1.3/200.fc44/x86_64/kernel-devel-7.1.3-200.fc44.x86_64.rpm"}
	fcos.Origin, fcos.Stream, fcos.Build = matrixgen.OriginFedoraCoreOS, "stable", "44.20260707.3.1"
	flatcar, err := matrixgen.Make(matrixgen.Spec{Target: "flatcar", Arch: matrixgen.X86_64, Release: "6.12.102-flatcar", DistroVersion: "4593.2.5"})
	if err != nil {
		t.Fatal(err)
	}
	flatcar.Headers = []string{"https://stable.release.flatcar-linux.net/amd64-usr/4593.2.5/flatcar_developer_container.bin.bz2"}
	data, err := Marshal([]matrixgen.Kernel{fcos, flatcar})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"source": "fedora-coreos"`, `"stream": "stable"`, `"build": "44.20260707.3.1"`, `"flatcar": [`, `"distroversion": "4593.2.5"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("Marshal output lacks %s:\n%s", want, data)
		}
	}
	back, probs, err := Decode(strings.NewReader(string(data)), "mem", matrixgen.X86_64)
	if err != nil || len(probs) > 0 {
		t.Fatalf("Decode = %v, %v", err, probs)
	}
	if i := slices.IndexFunc(back, func(k matrixgen.Kernel) bool { return k.Distribution == "fedora" }); i < 0 || back[i].Stream != "stable" || back[i].Build != "44.20260707.3.1" || back[i].Origin != matrixgen.OriginFedoraCoreOS {
		t.Errorf("read back %+v", back)
	}
	if i := slices.IndexFunc(back, func(k matrixgen.Kernel) bool { return k.Distribution == "flatcar" }); i < 0 || back[i].DistroVersion != "4593.2.5" || back[i].Release != "6.12.102-flatcar" {
		t.Errorf("read back %+v", back)
	}

	for name, entry := range map[string]string{
		"stream without source": `{"kernelversion":1,"kernelrelease":"7.1.3-200.fc44.x86_64","target":"fedora","headers":[],"stream":"stable","build":"44.20260707.3.1"}`,
		"build with a slash":    `{"kernelversion":1,"kernelrelease":"7.1.3-200.fc44.x86_64","target":"fedora","headers":[],"source":"fedora-coreos","stream":"stable","build":"44.20260707.3.1/../x"}`,
		"stream in capitals":    `{"kernelversion":1,"kernelrelease":"7.1.3-200.fc44.x86_64","target":"fedora","headers":[],"source":"fedora-coreos","stream":"Stable","build":"44.20260707.3.1"}`,
	} {
		_, probs, err := Decode(strings.NewReader(`{"fedora": [`+entry+`]}`), "mem", matrixgen.X86_64)
		if err != nil || len(probs) != 1 || !errors.Is(probs[0], matrixgen.ErrInvalid) {
			t.Errorf("%s: problems %v, %v; want one invalid entry", name, probs, err)
		}
	}
}
