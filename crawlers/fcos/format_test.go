package fcos

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

const fixtures = "../../fixtures/fedora-coreos"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseBuildsFixtures(t *testing.T) {
	for stream, want := range map[string][]string{
		"stable":  {"44.20260707.3.1", "44.20260621.3.1", "44.20260607.3.1", "43.20260413.3.2", "43.20260105.3.0"},
		"testing": {"44.20260720.2.1", "44.20260707.2.1", "44.20260621.2.1"},
		"next":    {"44.20260802.1.1", "44.20260426.1.1"},
	} {
		bs, err := ParseBuilds(strings.NewReader(string(readFixture(t, BuildsPath(stream)))), stream)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, b := range bs {
			ids = append(ids, b.ID)
			if !slices.Equal(b.Arches, []string{"x86_64", "aarch64", "ppc64le", "s390x"}) {
				t.Errorf("%s %s: arches %v", stream, b.ID, b.Arches)
			}
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s: builds %v, want %v (newest first, as written)", stream, ids, want)
		}
	}
	if got := (Build{ID: "43.20260413.3.2"}).Major(); got != "43" {
		t.Errorf("Major = %q", got)
	}
}

func TestParseBuildsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc, field, msg string
		want                  int
	}{
		{"unknown fields ignored", `{"schema-version": "1.0.0", "builds": [{"id": "44.20260707.3.1", "arches": ["x86_64"], "policy-cleanup": ["cloud-uploads"]}], "timestamp": "x", "tags": []}`, "", "", 1},
		{"no schema-version", `{"builds": []}`, "", "", 0},
		{"rebuilt image id", `{"builds": [{"id": "44.20260707.3.1-1", "arches": []}]}`, "", "", 1},
		{"schema 2", `{"schema-version": "2.0.0", "builds": []}`, "schema-version", "want 1.x", 0},
		{"no builds", `{"schema-version": "1.0.0"}`, "builds", "missing", 0},
		{"builds not a list", `{"builds": {}}`, "builds", "want []", 0},
		{"no id", `{"builds": [{"id": "44.20260707.3.1", "arches": []}, {"arches": ["x86_64"]}]}`, "builds[1].id", "missing", 0},
		{"id that would climb a URL", `{"builds": [{"id": "../../../etc", "arches": ["x86_64"]}]}`, "builds[0].id", "is not a build ID", 0},
		{"id with a slash", `{"builds": [{"id": "44.20260707.3.1/x", "arches": ["x86_64"]}]}`, "builds[0].id", "is not a build ID", 0},
		{"no arches", `{"builds": [{"id": "44.20260707.3.1"}]}`, "builds[0].arches", "missing", 0},
		{"arch with a slash", `{"builds": [{"id": "44.20260707.3.1", "arches": ["x86_64/.."]}]}`, "builds[0].arches[0]", "is not an arch name", 0},
		{"not JSON", `{"builds": [`, "", "not JSON", 0},
		{"trailing data", `{"builds": []} x`, "", "data after", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs, err := ParseBuilds(strings.NewReader(tc.doc), "https://b.example/builds.json")
			if tc.msg == "" {
				if err != nil || len(bs) != tc.want {
					t.Fatalf("%d builds, %v; want %d", len(bs), err, tc.want)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Name != "https://b.example/builds.json" || pe.Field != tc.field || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v; want field %q, %q", err, tc.field, tc.msg)
			}
		})
	}
	// The real stream metadata is not a build list: it says so, naming the field.
	_, err := ParseBuilds(strings.NewReader(string(readFixture(t, "streams/stable.json"))), "stable.json")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Field != "builds" {
		t.Errorf("streams/stable.json as builds.json: %v", err)
	}
}

func TestParseCommitMeta(t *testing.T) {
	pkgs, err := ParseCommitMeta(strings.NewReader(string(readFixture(t, CommitMetaPath("stable", "44.20260707.3.1", "aarch64")))), "cm")
	if err != nil {
		t.Fatal(err)
	}
	ks := Kernels(pkgs)
	if len(pkgs) != 4 || len(ks) != 1 || ks[0] != (Package{"kernel", "0", "7.1.3", "200.fc44", "aarch64"}) || ks[0].UnameR() != "7.1.3-200.fc44.aarch64" {
		t.Fatalf("packages %v, kernels %v", pkgs, ks)
	}
	if h := HeaderURL("https://kojipkgs.fedoraproject.org", ks[0]); h != "https://kojipkgs.fedoraproject.org/packages/kernel/7.1.3/200.fc44/aarch64/kernel-devel-7.1.3-200.fc44.aarch64.rpm" {
		t.Errorf("HeaderURL = %s", h)
	}

	for _, tc := range []struct {
		name, doc, field, msg string
		want                  []Package
	}{
		{"epochs as strings and numbers, other keys ignored",
			`{"version": "44.20260707.3.1", "ostree.bootable": true, "rpmostree.rpmdb.pkglist": [["NetworkManager", "1", "1.54.0", "1.fc44", "x86_64"], ["kernel", 0, "7.1.3", "200.fc44", "x86_64"]]}`,
			"", "", []Package{{"NetworkManager", "1", "1.54.0", "1.fc44", "x86_64"}, {"kernel", "0", "7.1.3", "200.fc44", "x86_64"}}},
		{"empty list", `{"rpmostree.rpmdb.pkglist": []}`, "", "", []Package{}},
		{"no pkglist", `{"version": "44.20260707.3.1"}`, "rpmostree.rpmdb.pkglist", "missing", nil},
		{"pkglist null", `{"rpmostree.rpmdb.pkglist": null}`, "rpmostree.rpmdb.pkglist", "want an array", nil},
		{"pkglist an object", `{"rpmostree.rpmdb.pkglist": {}}`, "rpmostree.rpmdb.pkglist", "want an array", nil},
		{"four fields", `{"rpmostree.rpmdb.pkglist": [["kernel", "0", "7.1.3", "200.fc44"]]}`, "rpmostree.rpmdb.pkglist[0]", "want [name, epoch", nil},
		{"empty name", `{"rpmostree.rpmdb.pkglist": [["kernel", "0", "7.1.3", "200.fc44", "x86_64"], ["", "0", "1", "1", "x86_64"]]}`, "rpmostree.rpmdb.pkglist[1][0]", "non-empty string", nil},
		{"version a number", `{"rpmostree.rpmdb.pkglist": [["kernel", "0", 7, "200.fc44", "x86_64"]]}`, "rpmostree.rpmdb.pkglist[0][2]", "non-empty string", nil},
		{"negative epoch", `{"rpmostree.rpmdb.pkglist": [["kernel", -1, "7.1.3", "200.fc44", "x86_64"]]}`, "rpmostree.rpmdb.pkglist[0][1]", "non-empty string", nil},
		{"an array", `[]`, "", "want map", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCommitMeta(strings.NewReader(tc.doc), "https://b.example/commitmeta.json")
			if tc.msg == "" {
				if err != nil || !slices.Equal(got, tc.want) {
					t.Fatalf("%v, %v; want %v", got, err, tc.want)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Name != "https://b.example/commitmeta.json" || pe.Field != tc.field || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v; want field %q, %q", err, tc.field, tc.msg)
			}
		})
	}
	if n := (Package{"NetworkManager", "1", "1.54.0", "1.fc44", "x86_64"}).NEVRA(); n != "NetworkManager-1:1.54.0-1.fc44.x86_64" {
		t.Errorf("NEVRA = %s", n)
	}
}

func TestKernels(t *testing.T) {
	k := Package{"kernel", "0", "7.1.3", "200.fc44", "x86_64"}
	core := Package{"kernel-core", "0", "7.1.3", "200.fc44", "x86_64"}
	for _, tc := range []struct {
		name string
		in   []Package
		want []Package
	}{
		{"the kernel package", []Package{core, k, {"kernel-modules", "0", "7.1.3", "200.fc44", "x86_64"}}, []Package{k}},
		{"kernel-core when there is no kernel", []Package{{"podman", "5", "5.6.0", "1.fc44", "x86_64"}, core}, []Package{core}},
		{"one per release", []Package{k, k}, []Package{k}},
		{"none", []Package{{"kernel-headers", "0", "7.1.3", "200.fc44", "x86_64"}}, nil},
	} {
		if got := Kernels(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseCaps(t *testing.T) {
	big := `{"x": "` + strings.Repeat("a", MaxBuildsJSON) + `"}`
	if _, err := ParseBuilds(strings.NewReader(big), "b"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("builds: %v", err)
	}
	if _, err := ParseCommitMeta(strings.NewReader(big), "c"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("commitmeta: %v", err)
	}
}

// FuzzParseBuilds: never panics; accepted IDs and arches are safe in a URL path.
func FuzzParseBuilds(f *testing.F) {
	for _, s := range []string{"stable", "testing", "next"} {
		f.Add(readFixture(f, BuildsPath(s)))
	}
	f.Add(readFixture(f, "streams/stable.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		bs, err := ParseBuilds(strings.NewReader(string(data)), "f")
		if err != nil {
			return
		}
		for _, b := range bs {
			if !reBuildID.MatchString(b.ID) || strings.Contains(b.ID, "..") || strings.ContainsAny(b.ID, "/?#") {
				t.Fatalf("accepted build ID %q", b.ID)
			}
			for _, a := range b.Arches {
				if strings.ContainsAny(a, "/.?#") || a == "" {
					t.Fatalf("accepted arch %q", a)
				}
			}
		}
	})
}

// FuzzParseCommitMeta: never panics; every accepted package has its four
// names, and a kernel found is one the domain can read as a release or refuse.
func FuzzParseCommitMeta(f *testing.F) {
	f.Add(readFixture(f, CommitMetaPath("stable", "44.20260707.3.1", "x86_64")))
	f.Add(readFixture(f, CommitMetaPath("next", "44.20260426.1.1", "aarch64")))
	f.Add([]byte(`{"rpmostree.rpmdb.pkglist": [["kernel", 0, "7.1.3", "200.fc44", "x86_64"]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseCommitMeta(strings.NewReader(string(data)), "f")
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || p.Release == "" || p.Arch == "" {
				t.Fatalf("accepted %+v", p)
			}
		}
		for _, k := range Kernels(pkgs) {
			// Never a panic, whatever the strings: the constructor decides.
			_, _ = matrixgen.Make(matrixgen.Spec{Target: "fedora", Arch: matrixgen.X86_64, Release: k.UnameR()})
		}
	})
}
