package matrix

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

func testPlan(t testing.TB, size int) Plan {
	t.Helper()
	ks := []matrixgen.Kernel{
		k("ubuntu", "24.04", "x86_64", "6.8.0-51-generic"),
		k("debian", "12", "aarch64", "6.12.95+deb12-arm64"),
		k("centos", "stream9", "aarch64+64k", "5.14.0-570.el9.aarch64+64k"),
	}
	axes := []Axis{{"nvlink", []string{"nvf1.0", "nvf1.1"}}}
	es, err := Build(ks, Options{DriverVersions: []string{"570.1"}, Axes: axes})
	if err != nil {
		t.Fatal(err)
	}
	return NewPlan(es, axes, size)
}

func TestPlanRoundTrip(t *testing.T) {
	for _, size := range []int{1, 4, 6, 256} {
		p := testPlan(t, size)
		data := p.AppendJSON(nil)
		back, err := ParsePlan(data)
		if err != nil {
			t.Fatalf("size %d: %v\n%s", size, err, data)
		}
		if !reflect.DeepEqual(back, p) {
			t.Errorf("size %d: round trip\n got %+v\nwant %+v", size, back, p)
		}
		// The chunks, joined, are the builds in order.
		var joined []Entry
		for _, id := range back.ChunkIDs() {
			c, err := back.Chunk(id)
			if err != nil {
				t.Fatal(err)
			}
			joined = append(joined, c...)
		}
		if !reflect.DeepEqual(joined, p.Entries) {
			t.Errorf("size %d: chunks do not add up to the builds", size)
		}
	}
}

func TestPlanFile(t *testing.T) {
	p := testPlan(t, 4)
	got := string(p.AppendJSON(nil))
	want := `{
  "matrixgen_plan": 1,
  "chunk_size": 4,
  "count": 6,
  "chunks": 2,
  "axes": ["nvlink"],
  "sha256": "` + p.Digest() + `",
  "builds": [
    {"distribution":"ubuntu","distro_version":"24.04","kernel_release":"6.8.0-51-generic","architecture":"x86_64","driver_version":"570.1","base_image":"ubuntu:24.04","cache_key":"6.8.0-51-generic:x86_64:ubuntu:24.04:570.1:nvlink=nvf1.0","artifact":"driver-ubuntu-24.04-6.8.0-51-generic_570.1+nvf1.0_amd64.deb","nvlink":"nvf1.0"},`
	if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "\"nvlink\":\"nvf1.1\"}\n  ]\n}\n") || strings.Count(got, "\n") != 16 {
		t.Errorf("plan file:\n%s", got)
	}
	empty := string(NewPlan(nil, nil, 256).AppendJSON(nil))
	if !strings.HasSuffix(empty, "\"count\": 0,\n  \"chunks\": 0,\n  \"axes\": [],\n  \"sha256\": \""+NewPlan(nil, nil, 256).Digest()+"\",\n  \"builds\": []\n}\n") {
		t.Errorf("empty plan:\n%s", empty)
	}
	if _, err := ParsePlan([]byte(empty)); err != nil {
		t.Errorf("empty plan: %v", err)
	}
}

func TestPlanChunk(t *testing.T) {
	p := testPlan(t, 4)
	tests := []struct {
		n    int
		want []string // cache keys' kernels
		err  string
	}{
		{1, []string{"6.8.0-51-generic", "6.8.0-51-generic", "6.12.95+deb12-arm64", "6.12.95+deb12-arm64"}, ""},
		{2, []string{"5.14.0-570.el9.aarch64+64k", "5.14.0-570.el9.aarch64+64k"}, ""},
		{0, nil, "chunk 0: want 1 to 2 (the plan's chunks)"},
		{3, nil, "chunk 3: want 1 to 2 (the plan's chunks)"},
		{-1, nil, "chunk -1: want 1 to 2 (the plan's chunks)"},
	}
	for _, tt := range tests {
		c, err := p.Chunk(tt.n)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Chunk(%d) = %v, want %q", tt.n, err, tt.err)
			}
			continue
		}
		var got []string
		for _, e := range c {
			got = append(got, e.KernelRelease)
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Chunk(%d) = %q, %v; want %q", tt.n, got, err, tt.want)
		}
	}
	if _, err := NewPlan(nil, nil, 256).Chunk(1); err == nil || err.Error() != "chunk 1: the plan has no builds, so no chunks" {
		t.Errorf("empty plan Chunk(1) = %v", err)
	}
}

// TestPlanTampered: a plan changed after it was written is refused, with
// both digests for an edit, and by the build rules for a plan whose digest
// was recomputed to match a forged build.
// contradictoryPlan is a plan whose builds Build made from kernels that
// bypassed the constructor: consistent digest, names and cache keys, but a
// kernel the consistency rule refuses.
func contradictoryPlan(t *testing.T, kernels ...matrixgen.Kernel) []byte {
	t.Helper()
	es, err := Build(kernels, Options{DriverVersions: []string{"570.1", "580.2"}})
	if err != nil {
		t.Fatal(err)
	}
	return NewPlan(es, nil, 4).AppendJSON(nil)
}

// TestPlanKernelsThroughMake: a plan's builds go through the constructor
// (matrixgen.Make), so a tampered plan whose digest, names and cache keys
// were all recomputed is still refused when its kernel contradicts itself,
// naming the build.
func TestPlanKernelsThroughMake(t *testing.T) {
	good := k("fedora", "42", "x86_64", "6.14.0-100.fc42.x86_64")
	tests := []struct {
		name string
		data []byte
		err  string
	}{
		{"fc42 release under Fedora 41", contradictoryPlan(t, good, k("fedora", "41", "x86_64", "6.14.0-100.fc42.x86_64")),
			`builds[2]: invalid: distroversion "41": contradicts the release: 6.14.0-100.fc42.x86_64 is fedora 42`},
		{"aarch64 release on x86_64", contradictoryPlan(t, good, k("fedora", "42", "x86_64", "6.14.0-101.fc42.aarch64")),
			`builds[2]: invalid:`},
		{"Ubuntu 20.04 never shipped 6.8", contradictoryPlan(t, k("ubuntu", "20.04", "x86_64", "6.8.0-51-generic")),
			`builds[0]: invalid:`},
		{"el9 release as Amazon Linux", contradictoryPlan(t, k("amazonlinux", "2023", "x86_64", "5.14.0-570.el9.x86_64")),
			`builds[0]: invalid:`},
	}
	for _, tt := range tests {
		_, err := ParsePlan(tt.data)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: ParsePlan = %v, want %q", tt.name, err, tt.err)
		}
	}
	if _, err := ParsePlan(contradictoryPlan(t, good, k("fedora", "41", "x86_64", "6.13.0-101.fc41.x86_64"))); err != nil {
		t.Errorf("a consistent plan: %v", err)
	}
}

func TestPlanTampered(t *testing.T) {
	p := testPlan(t, 4)
	good := p.AppendJSON(nil)
	edit := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("plan has no %q", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	forged := p
	forged.Entries = append([]Entry(nil), p.Entries...)
	forged.Entries[0].KernelRelease = "6.8.0-51$(reboot)"
	dup := p
	dup.Entries = append(append([]Entry(nil), p.Entries...), p.Entries[0])
	badKey := p
	badKey.Entries = append([]Entry(nil), p.Entries...)
	badKey.Entries[1].CacheKey = "x"

	tests := []struct {
		name   string
		data   []byte
		digest bool // want ErrPlanDigest
		err    string
	}{
		{"release edited", edit(`"kernel_release":"6.8.0-51-generic"`, `"kernel_release":"6.8.0-52-generic"`), true, ""},
		{"build dropped", edit("nvf1.0\"},\n    {", "nvf1.0\"},\n    {\"x\":1}, {"), false, "builds[1]: x: want a string, found 1"},
		{"chunk size edited", edit(`"chunk_size": 4`, `"chunk_size": 2`), true, ""},
		{"digest edited", edit(p.Digest(), strings.Repeat("0", 64)), true, ""},
		{"count edited", edit(`"count": 6`, `"count": 5`), false, "count 5 and chunks 2 do not match the 6 builds (2 chunks)"},
		{"truncated", good[:len(good)/2], false, "unexpected EOF"},
		{"trailing data", append(append([]byte(nil), good...), "{}"...), false, "data after the plan object"},
		{"unknown key", edit(`"count": 6,`, `"count": 6, "extra": 1,`), false, `unknown key "extra"`},
		{"duplicate key", edit(`"count": 6,`, `"count": 6, "count": 6,`), false, `key "count" appears twice`},
		{"version", edit(`"matrixgen_plan": 1`, `"matrixgen_plan": 2`), false, "matrixgen_plan 2: this matrixgen reads version 1"},
		{"not a plan", []byte(`{"include":[]}`), false, `unknown key "include"`},
		{"forged build, digest recomputed", forged.AppendJSON(nil), false, `builds[0]: invalid: kernelrelease "6.8.0-51$(reboot)"`},
		{"duplicate build, digest recomputed", dup.AppendJSON(nil), false, `builds[0] and builds[6] share the artifact`},
		{"cache key forged, digest recomputed", badKey.AppendJSON(nil), false, `builds[1]: cache_key "x": the build's fields make "6.8.0-51-generic:x86_64:ubuntu:24.04:570.1:nvlink=nvf1.1"`},
	}
	for _, tt := range tests {
		_, err := ParsePlan(tt.data)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tt.name)
		case tt.digest && !errors.Is(err, ErrPlanDigest):
			t.Errorf("%s: %v, want a digest mismatch", tt.name, err)
		case tt.digest:
			var de *PlanDigestError
			if !errors.As(err, &de) || de.Recorded == de.Computed || len(de.Computed) != 64 || !strings.Contains(err.Error(), de.Recorded) || !strings.Contains(err.Error(), de.Computed) {
				t.Errorf("%s: %v: want both digests", tt.name, err)
			}
		case !strings.Contains(err.Error(), tt.err):
			t.Errorf("%s: %v, want %q", tt.name, err, tt.err)
		}
	}
}

// FuzzParsePlan: whatever ParsePlan accepts writes back to a file it reads
// as the same plan, byte for byte.
func FuzzParsePlan(f *testing.F) {
	f.Add(testPlan(f, 4).AppendJSON(nil))
	f.Add(NewPlan(nil, nil, 256).AppendJSON(nil))
	f.Add([]byte(`{"matrixgen_plan":1}`))
	f.Add([]byte(`{"include":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePlan(data)
		if err != nil {
			return
		}
		out := p.AppendJSON(nil)
		back, err := ParsePlan(out)
		if err != nil {
			t.Fatalf("written plan refused: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, p) {
			t.Fatalf("round trip changed the plan:\n%+v\n%+v", p, back)
		}
		if again := back.AppendJSON(nil); !bytes.Equal(again, out) {
			t.Fatalf("not canonical:\n%s\n%s", out, again)
		}
	})
}
