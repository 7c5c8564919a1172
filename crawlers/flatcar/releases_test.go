package flatcar

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

const fixtures = "../../fixtures/flatcar/releases-json"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// independent reads a releases JSON the plain way: every key that is a
// version, with its kernel and arches, for comparison with ParseReleases.
func independent(t *testing.T, data []byte) map[string]Release {
	t.Helper()
	var doc map[string]map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]Release{}
	for k, e := range doc {
		if strings.HasPrefix(k, "current") {
			continue
		}
		r := Release{Version: k, Channel: e["channel"].(string), Date: e["release_date"].(string)}
		r.Kernel = e["major_software"].(map[string]any)["kernel"].([]any)[0].(string)
		for _, a := range e["architectures"].([]any) {
			r.Arches = append(r.Arches, map[string]matrixgen.Arch{"amd64": matrixgen.X86_64, "arm64": matrixgen.AArch64}[a.(string)])
		}
		out[k] = r
	}
	return out
}

func TestParseReleasesReal(t *testing.T) {
	for _, tc := range []struct {
		file     string
		releases int
		first    Release
		last     Release
	}{
		{"releases-stable.json", 7,
			Release{Version: "1688.5.3", Channel: "stable", Kernel: "4.14.32", Arches: []matrixgen.Arch{matrixgen.X86_64}, Date: "2018-04-25 14:36:41 +0000"},
			Release{Version: "4593.2.5", Channel: "stable", Kernel: "6.12.102", Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}, Date: "2026-08-13 15:48:35 +0000"}},
		{"releases-edge.json", 27,
			Release{Version: "2051.99.1", Channel: "edge", Kernel: "4.19.20", Arches: []matrixgen.Arch{matrixgen.X86_64}, Date: "2019-04-26 13:59:39 +0000"},
			Release{Version: "2466.99.0", Channel: "edge", Kernel: "5.6.2", Arches: []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}, Date: "2020-04-15 15:24:41 +0000"}},
		{"releases-lts-2021.json", 21,
			Release{Version: "2605.10.1", Channel: "lts", Kernel: "5.4.83", Arches: []matrixgen.Arch{matrixgen.X86_64}, Date: "2020-12-16 12:01:59 +0000"},
			Release{Version: "2605.32.1", Channel: "lts", Kernel: "5.4.210", Arches: []matrixgen.Arch{matrixgen.X86_64}, Date: "2022-10-17 15:09:11 +0000"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := readFixture(t, tc.file)
			rels, err := ParseReleases(strings.NewReader(string(data)), tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(rels) != tc.releases {
				t.Fatalf("%d releases, want %d (the current* keys repeat one)", len(rels), tc.releases)
			}
			if !equal(rels[0], tc.first) || !equal(rels[len(rels)-1], tc.last) {
				t.Errorf("first %+v, last %+v; want %+v, %+v", rels[0], rels[len(rels)-1], tc.first, tc.last)
			}
			want := independent(t, data)
			for i, r := range rels {
				if w := want[r.Version]; !equal(r, w) {
					t.Errorf("%s: %+v, independent reading %+v", r.Version, r, w)
				}
				if i > 0 && compareVersions(rels[i-1].Version, r.Version) >= 0 {
					t.Errorf("not in version order: %s before %s", rels[i-1].Version, r.Version)
				}
				if !strings.HasSuffix(r.UnameR(), "-flatcar") || matrixgen.ValidateRelease(r.UnameR()) != nil {
					t.Errorf("%s: uname -r %q", r.Version, r.UnameR())
				}
			}
		})
	}
	// Numeric order, not string order: 2605.10.1 after 2605.9.x would be
	// wrong as strings; the LTS file has 2605.10.1 … 2605.32.1.
	if compareVersions("2605.9.1", "2605.10.1") >= 0 || compareVersions("4593.2.10", "4593.2.9") <= 0 {
		t.Error("compareVersions is not numeric")
	}
}

func equal(a, b Release) bool {
	return a.Version == b.Version && a.Channel == b.Channel && a.Kernel == b.Kernel && a.Date == b.Date && slices.Equal(a.Arches, b.Arches)
}

func TestParseReleasesErrors(t *testing.T) {
	ok := `"channel": "stable", "architectures": ["amd64"], "major_software": {"kernel": ["6.12.102"]}`
	for _, tc := range []struct {
		name, doc        string
		release, field   string
		msg              string
		wantReleaseCount int // for docs that parse
	}{
		{"unknown fields and arches ignored", `{"4593.2.5": {"channel": "stable", "architectures": ["amd64", "riscv64"], "major_software": {"kernel": ["6.12.102"], "go": ["1.24"]}, "new": 1}, "current": {}}`, "", "", "", 1},
		{"empty document", `{}`, "", "", "", 0},
		{"no kernel", `{"4593.2.5": {"channel": "stable", "architectures": ["amd64"], "major_software": {"docker": ["28"]}}}`, "4593.2.5", "major_software.kernel", "missing", 0},
		{"no major_software", `{"4593.2.5": {"channel": "stable", "architectures": ["amd64"]}}`, "4593.2.5", "major_software", "missing", 0},
		{"two kernels", `{"4593.2.5": {"channel": "stable", "architectures": ["amd64"], "major_software": {"kernel": ["6.12.102", "6.6.1"]}}}`, "4593.2.5", "major_software.kernel", "lists 2 versions", 0},
		{"no kernel listed", `{"4593.2.5": {"channel": "stable", "architectures": ["amd64"], "major_software": {"kernel": []}}}`, "4593.2.5", "major_software.kernel", "lists 0 versions", 0},
		{"kernel not a version", `{"4593.2.5": {"channel": "stable", "architectures": ["amd64"], "major_software": {"kernel": ["6.12.102; rm -rf /"]}}}`, "4593.2.5", "major_software.kernel", "is not a kernel version", 0},
		{"kernel not a string", `{"4593.2.5": {"channel": "stable", "architectures": ["amd64"], "major_software": {"kernel": [6]}}}`, "4593.2.5", "major_software.kernel", "want string", 0},
		{"no architectures", `{"4593.2.5": {"channel": "stable", "major_software": {"kernel": ["6.12.102"]}}}`, "4593.2.5", "architectures", "missing", 0},
		{"no channel", `{"4593.2.5": {"architectures": ["amd64"], "major_software": {"kernel": ["6.12.102"]}}}`, "4593.2.5", "channel", "missing", 0},
		{"channel that is no host name", `{"4593.2.5": {"channel": "evil.example/x", "architectures": ["amd64"], "major_software": {"kernel": ["6.12.102"]}}}`, "4593.2.5", "channel", "not a channel name", 0},
		{"entry not an object", `{"4593.2.5": ["x"]}`, "4593.2.5", "", "want an object", 0},
		{"the first bad release in version order is named", `{"4593.2.6": {}, "4593.2.5": {` + ok + `}, "10.0.0": {}}`, "10.0.0", "channel", "missing", 0},
		{"an array", `[]`, "", "", "want an object keyed by release", 0},
		{"null", `null`, "", "", "want an object keyed by release", 0},
		{"not JSON", `{"4593.2.5": `, "", "", "not JSON", 0},
		{"trailing data", `{} {}`, "", "", "data after the top-level object", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rels, err := ParseReleases(strings.NewReader(tc.doc), "https://mirror.example/releases-stable.json")
			if tc.msg == "" {
				if err != nil || len(rels) != tc.wantReleaseCount {
					t.Fatalf("got %d releases, %v; want %d", len(rels), err, tc.wantReleaseCount)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Name != "https://mirror.example/releases-stable.json" || pe.Release != tc.release || pe.Field != tc.field || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v (release %q, field %q); want release %q, field %q, %q", err, pe.Release, pe.Field, tc.release, tc.field, tc.msg)
			}
		})
	}
}

func TestParseReleasesCap(t *testing.T) {
	big := `{"x": "` + strings.Repeat("a", MaxReleasesJSON) + `"}`
	_, err := ParseReleases(strings.NewReader(big), "big.json")
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("err = %v, want the size cap", err)
	}
}

var reFuzzVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// FuzzParseReleases: never panics; what it accepts is safe to put in a URL
// and a kernel release, in version order, and the same on a second read.
func FuzzParseReleases(f *testing.F) {
	for _, n := range []string{"releases-stable.json", "releases-edge.json", "releases-lts-2021.json"} {
		f.Add(readFixture(f, n))
	}
	f.Add([]byte(`{"1.2.3": {"channel": "beta", "architectures": ["arm64"], "major_software": {"kernel": ["6.1"]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rels, err := ParseReleases(strings.NewReader(string(data)), "f")
		if err != nil {
			return
		}
		again, err := ParseReleases(strings.NewReader(string(data)), "f")
		if err != nil || len(again) != len(rels) {
			t.Fatalf("second read: %d releases, %v; first %d", len(again), err, len(rels))
		}
		for i, r := range rels {
			if !reFuzzVersion.MatchString(r.Version) || !reChannel.MatchString(r.Channel) || matrixgen.ValidateRelease(r.UnameR()) != nil {
				t.Fatalf("accepted %+v", r)
			}
			if i > 0 && compareVersions(rels[i-1].Version, r.Version) > 0 {
				t.Fatalf("out of order: %s, %s", rels[i-1].Version, r.Version)
			}
			if !equal(r, again[i]) {
				t.Fatalf("second read differs: %+v, %+v", r, again[i])
			}
		}
	})
}
