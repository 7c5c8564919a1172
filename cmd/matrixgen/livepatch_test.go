package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/internal/rpmfixture"
	"github.com/matrixgen/matrixgen/output"
	"github.com/matrixgen/matrixgen/schemas"
)

// headerlessFromManifest computes, with plain string rules over the fixture
// tree's MANIFEST (not with the code under test), the AL2023 x86_64 kernels
// the kernel-livepatch repository names but core (latest) has no
// kernel-devel or kernel<series>-devel for, and those it has.
func headerlessFromManifest(t *testing.T) (headerless, withHeaders []string) {
	t.Helper()
	f, err := os.Open("../../fixtures/rpm/distros/MANIFEST")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	core := map[string]bool{}
	var patched []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// key release repo basearch name version release arch path
		x := strings.Fields(sc.Text())
		if len(x) != 9 || x[3] != "x86_64" || x[7] != "x86_64" {
			continue
		}
		switch {
		case x[0] == "amazonlinux2023" && x[1] == "latest" && (x[4] == "kernel-devel" || strings.HasPrefix(x[4], "kernel6.") && strings.HasSuffix(x[4], "-devel")):
			core[x[5]+"-"+x[6]+".x86_64"] = true
		case x[0] == "al2023-livepatch" && x[1] == "latest" && strings.HasPrefix(x[4], "kernel-livepatch-6"):
			kv := strings.TrimPrefix(x[4], "kernel-livepatch-")
			patched = append(patched, kv+".amzn2023.x86_64")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, rel := range patched {
		if core[rel] {
			withHeaders = append(withHeaders, rel)
		} else {
			headerless = append(headerless, rel)
		}
	}
	slices.Sort(headerless)
	slices.Sort(withHeaders)
	if len(headerless) == 0 || len(withHeaders) == 0 {
		t.Fatalf("MANIFEST: want live-patched kernels with and without core headers, got %q and %q", headerless, withHeaders)
	}
	return headerless, withHeaders
}

// TestLivepatchHeaderless follows an AL2023 live-patched kernel whose
// kernel-devel core no longer carries through the loop (issue 13 § 2): the
// crawl keeps it with no header source and no longer claims resolve finds
// it; resolve says why it has none (exit 6); matrix --crawled does not
// schedule it and names it, --include-headerless schedules it, and the same
// kernel from kernels.json (no headers field) is built as before.
func TestLivepatchHeaderless(t *testing.T) {
	headerless, withHeaders := headerlessFromManifest(t)
	srv := rpmfixture.Serve(t, "../../fixtures/rpm/distros", nil)
	mirrors := []string{"--mirror", "amazonlinux2023=" + srv.URL + "/amazonlinux2023", "--mirror", "al2023-livepatch=" + srv.URL + "/al2023-livepatch"}
	dir := t.TempDir()
	list := filepath.Join(dir, "list.json")

	// The crawl: the kernel is kept, marked, with "headers": [].
	r := runCLI(t, "", nil, append([]string{"crawl", "--distro", "amazonlinux2023", "--arch", "x86_64", "--out", list, "--no-cache"}, mirrors...)...)
	if r.code != 0 {
		t.Fatalf("crawl: exit %d\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate(schemas.Crawl, data); err != nil {
		t.Errorf("list.json not schema-valid: %v", err)
	}
	var out map[string][]struct {
		KernelRelease string   `json:"kernelrelease"`
		Headers       []string `json:"headers"`
		Source        string   `json:"source"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, e := range out["amazonlinux2023"] {
		if e.Source == "livepatch" {
			got[e.KernelRelease] = e.Headers
		}
	}
	for _, rel := range headerless {
		if h, ok := got[rel]; !ok || h == nil || len(h) != 0 {
			t.Errorf("crawl: %s: headers %q (listed %v), want the live-patched kernel kept with \"headers\": []", rel, h, ok)
		}
		if !strings.Contains(r.stderr, rel+": core no longer has its kernel-devel, and a kernel-livepatch package is a kpatch module, not a build tree: kept with no header source") {
			t.Errorf("crawl: no warning that %s has no header source:\n%s", rel, r.stderr)
		}
	}
	for _, rel := range withHeaders {
		if len(got[rel]) == 0 {
			t.Errorf("crawl: %s: want core's kernel-devel as its header, got %q", rel, got[rel])
		}
	}
	if strings.Contains(r.stderr, "resolve finds") {
		t.Errorf("crawl still says resolve finds the headers of a kernel that has none:\n%s", r.stderr)
	}

	// resolve: not found (6), and tried says why: no header source at all.
	r = runCLI(t, "", nil, append([]string{"resolve", "--target", "amazonlinux2023", "--release", headerless[0], "--arch", "x86_64", "--json", "--no-cache"}, mirrors...)...)
	var res struct {
		Link  *string `json:"link"`
		URLs  []string
		Tried []struct{ Link, Source, Error string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("resolve --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	explained := false
	for _, a := range res.Tried {
		explained = explained || a.Source == "al2023-livepatch" && strings.Contains(a.Error, "kpatch module, not a build tree: no header source")
	}
	if r.code != matrixgen.ExitNotFound || res.Link != nil || len(res.URLs) != 0 || !explained {
		t.Errorf("resolve %s: exit %d, link %v, urls %q, tried %+v; want exit %d, no link, and the livepatch repository named as no header source", headerless[0], r.code, res.Link, res.URLs, res.Tried, matrixgen.ExitNotFound)
	}

	// matrix --crawled: not scheduled, named; --include-headerless: built.
	empty := filepath.Join(dir, "empty.json")
	if err := os.WriteFile(empty, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	demand := filepath.Join(dir, "kernels.json")
	if err := os.WriteFile(demand, []byte(`{"x86_64": [{"target": "amazonlinux", "kernelrelease": "`+headerless[0]+`", "distroversion": "2023"}]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	all := slices.Concat(headerless, withHeaders)
	slices.Sort(all)
	tests := []struct {
		name  string
		args  []string
		want  []string // releases built (livepatch ones and core's)
		named []string // releases named on stderr as not scheduled
		note  string
	}{
		{"headerless left out and named", []string{"--kernels", empty}, withHeaders, headerless,
			"matrixgen: not scheduled: " + output.Count(len(headerless), "crawled kernel", "crawled kernels") + " with no header source"},
		{"--include-headerless builds them", []string{"--kernels", empty, "--include-headerless"}, all, nil,
			"matrixgen: --include-headerless: building " + output.Count(len(headerless), "crawled kernel", "crawled kernels") + " with no header source"},
		{"kernels.json's entry is built as before", []string{"--kernels", demand}, slices.Concat(withHeaders, headerless[:1]), headerless[1:], ""},
		{"a filter that leaves them out names none", []string{"--kernels", empty, "--distro-version", "2"}, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rels, r := matrixReleases(t, append([]string{"matrix", "--crawled", list, "--driver-version", "1.0", "--allow-empty"}, tt.args...)...)
			var built []string
			for _, rel := range rels {
				if slices.Contains(all, rel) {
					built = append(built, rel)
				}
			}
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if r.code != 0 || !slices.Equal(built, want) {
				t.Errorf("exit %d, live-patched kernels built %q, want exit 0 and %q\nstderr:\n%s", r.code, built, want, r.stderr)
			}
			if tt.note != "" && !strings.Contains(r.stderr, tt.note) {
				t.Errorf("stderr lacks %q:\n%s", tt.note, r.stderr)
			}
			line := "matrixgen:   amazonlinux 2023 x86_64 (livepatch): " + strings.Join(tt.named, ", ") + "\n"
			if tt.named == nil && tt.note != "" {
				line = "matrixgen:   amazonlinux 2023 x86_64 (livepatch): " + strings.Join(headerless, ", ") + "\n"
			}
			if hasLine := strings.Contains(r.stderr, line); hasLine != (len(tt.named) > 0 || tt.note != "") {
				t.Errorf("stderr has group line %q: %v\n%s", line, hasLine, r.stderr)
			}
			if (len(tt.named) == 0 && tt.note == "") && strings.Contains(r.stderr, "no header source") {
				t.Errorf("stderr names headerless kernels that are not left out:\n%s", r.stderr)
			}
		})
	}
}
