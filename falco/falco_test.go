package falco

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

const corpus = "../fixtures/kernel-crawler-2022-08/x86_64.json"

func TestReadCorpus(t *testing.T) {
	ks, probs, err := ReadFile(corpus, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(ks) + len(probs); got != 4450 {
		t.Fatalf("kernels %d + problems %d = %d, want all 4450 entries accounted for", len(ks), len(probs), got)
	}
	per := map[string]int{}
	for _, k := range ks {
		if k.Arch != matrixgen.X86_64 {
			t.Fatalf("arch %q, want x86_64 from the file name", k.Arch)
		}
		per[k.Distribution]++
	}
	// Every RPM-family entry derives (see the root package's corpus test).
	want := map[string]int{"amazonlinux": 90 + 145 + 5, "centos": 247, "fedora": 6, "oracle": 324 + 417 + 101, "debian": 24}
	for d, n := range want {
		if per[d] != n {
			t.Errorf("%s: %d kernels, want %d", d, per[d], n)
		}
	}
	// Problems name file, line and key, and the unsupported distros are among them.
	byKey := map[string]int{}
	for _, p := range probs {
		byKey[p.Key]++
		if p.Line == 0 || !strings.HasPrefix(p.Error(), corpus+":") {
			t.Fatalf("problem without position: %v", p)
		}
	}
	if byKey["Flatcar"] != 282 || byKey["PhotonOS"] != 190 || byKey["Minikube"] != 6 {
		t.Errorf("problems by key = %v", byKey)
	}
	// Falco's ubuntu-<flavor> becomes ubuntu + flavor, HWE keeps its own version.
	var sawHWE bool
	for _, k := range ks {
		if k.Release == "4.15.0-62-hwe" {
			sawHWE = k.Distribution == "ubuntu" && k.Flavor == "hwe" && k.DistroVersion == "16.04" && k.KernelVersion == "69~16.04.1"
		}
	}
	if !sawHWE {
		t.Error("4.15.0-62-hwe not read as ubuntu/hwe/16.04")
	}
}

func TestRoundTrip(t *testing.T) {
	ks := []matrixgen.Kernel{
		{Distribution: "ubuntu", Flavor: "gcp", DistroVersion: "24.04", Arch: "x86_64", Release: "6.8.0-1012-gcp", KernelVersion: "12", Headers: []string{"http://x/a.deb"}},
		{Distribution: "ubuntu", Flavor: "gcp", DistroVersion: "22.04", Arch: "x86_64", Release: "6.8.0-1012-gcp", KernelVersion: "12~22.04.1"},
		{Distribution: "debian", DistroVersion: "12", Arch: "x86_64", Release: "6.1.0-28-amd64", Headers: []string{"http://x/b.deb", "http://x/c.deb"}, CarriedOver: true},
		{Distribution: "amazonlinux", DistroVersion: "2023", Arch: "x86_64", Release: "6.1.174-217.345.amzn2023.x86_64"},
	}
	data, err := Marshal(ks)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"amazonlinux2023": [`, `"target": "ubuntu-gcp"`, `"kernelversion": 1,`, `"carried_over": true`, `"headers": []`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("Marshal output lacks %s:\n%s", want, data)
		}
	}
	back, probs, err := Decode(strings.NewReader(string(data)), "mem", matrixgen.X86_64)
	if err != nil || len(probs) > 0 {
		t.Fatalf("Decode = %v, %v", err, probs)
	}
	again, _ := Marshal(back)
	if string(again) != string(data) {
		t.Errorf("round trip changed output:\n%s\n---\n%s", data, again)
	}
}

func TestDecodeErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, in, want string }{
		{"malformed", "{\n \"debian\": [\n  {\"kernelrelease\": }\n ]\n}", ":3:"},
		{"not object", `[]`, `:1:1: want "{"`},
		{"truncated", `{"debian": [{"kernelrelease": "6.1.0-28-amd64"`, ":1:"},
		{"empty", ``, ":1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name+".json")
			os.WriteFile(p, []byte(tt.in), 0o644)
			_, _, err := ReadFile(p, "")
			if err == nil || !strings.Contains(err.Error(), p+tt.want) {
				t.Fatalf("ReadFile(%q) = %v, want error containing %q", tt.in, err, p+tt.want)
			}
		})
	}
	// An invalid entry is a problem, not a failure of the whole file.
	in := `{"debian": [{"kernelversion": 1, "kernelrelease": "6.1.0;rm -rf", "target": "debian", "headers": []},
	{"kernelversion": 1, "kernelrelease": "6.1.0-28-amd64", "target": "debian", "headers": []}]}`
	ks, probs, err := Decode(strings.NewReader(in), "mem", matrixgen.X86_64)
	if err != nil || len(ks) != 1 || len(probs) != 1 || !errors.Is(probs[0], matrixgen.ErrInvalid) {
		t.Fatalf("Decode = %v, %v, %v", ks, probs, err)
	}
}

func TestArchFromPath(t *testing.T) {
	for p, want := range map[string]matrixgen.Arch{"out/aarch64/list.json": "aarch64", "x86_64.json": "x86_64", "out/arm64/list.json": "aarch64"} {
		if a, ok := ArchFromPath(p); !ok || a != want {
			t.Errorf("ArchFromPath(%q) = %q, %v", p, a, ok)
		}
	}
	if _, ok := ArchFromPath("list.json"); ok {
		t.Error("ArchFromPath(list.json) claimed an arch")
	}
}

// FuzzDecode: every kernel Decode accepts survives a write/read cycle unchanged, field by
// field (list.json carries every Kernel field but Source), and writing is a fixed point.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"debian": [{"kernelversion": 1, "kernelrelease": "6.1.0-28-amd64", "target": "debian", "headers": ["http://x"]}]}`))
	f.Add([]byte(`{"Ubuntu": [{"kernelversion": "69~16.04.1", "kernelrelease": "4.15.0-62-hwe", "target": "ubuntu-hwe", "headers": []}]}`))
	f.Add([]byte(`{"ubuntu": [{"kernelversion": "41~22.04.1", "kernelrelease": "6.8.0-51-generic", "target": "ubuntu-generic", "headers": ["a", "b"], "distroversion": "22.04", "carriedover": true},
	{"kernelversion": 7, "kernelrelease": "6.14.0-1021-gcp", "target": "ubuntu-gcp", "headers": null}],
	"amazonlinux2023": [{"kernelversion": 1, "kernelrelease": "6.1.174-217.345.amzn2023.x86_64", "target": "amazonlinux2023", "headers": []}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, _, err := Decode(strings.NewReader(string(data)), "fuzz", matrixgen.X86_64)
		if err != nil {
			return
		}
		out, err := Marshal(ks)
		if err != nil {
			t.Fatalf("Marshal of decoded kernels: %v", err)
		}
		back, probs, err := Decode(strings.NewReader(string(out)), "again", matrixgen.X86_64)
		if err != nil || len(probs) > 0 {
			t.Fatalf("re-decode of\n%s\n: %v, %v", out, probs, err)
		}
		want, got := canonical(ks), canonical(back)
		if len(got) != len(want) {
			t.Fatalf("re-decode: %d kernels, want %d\n%s", len(got), len(want), out)
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("kernel %d after a write/read cycle:\n got %#v\nwant %#v", i, got[i], want[i])
			}
		}
		again, err := Marshal(back)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("Marshal is not a fixed point (%v):\n%s\nthen\n%s", err, out, again)
		}
	})
}

// canonical returns kernels comparable after a round trip: Marshal groups and sorts them,
// list.json does not carry Source, and it writes no headers as [], which reads back empty.
func canonical(ks []matrixgen.Kernel) []matrixgen.Kernel {
	out := make([]matrixgen.Kernel, len(ks))
	for i, k := range ks {
		k.Source = ""
		if len(k.Headers) == 0 {
			k.Headers = nil
		}
		out[i] = k
	}
	// A total order over every field, so duplicates and near-duplicates line up.
	slices.SortFunc(out, func(a, b matrixgen.Kernel) int {
		return strings.Compare(fmt.Sprintf("%#v", a), fmt.Sprintf("%#v", b))
	})
	return out
}
