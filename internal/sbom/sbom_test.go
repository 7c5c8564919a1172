package sbom

import (
	"bytes"
	"encoding/json"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// recorded is the build information of a release build of matrixgen (go version -m
// bin/matrixgen, trimmed to a few modules, one replaced), as debug.BuildInfo.String prints it.
const recorded = `go	go1.26.8
path	github.com/matrixgen/matrixgen/cmd/matrixgen
mod	github.com/matrixgen/matrixgen	v1.2.3	
dep	github.com/google/go-github/v93	v93.0.0	h1:aaaa
dep	github.com/spf13/cobra	v1.10.2	h1:bbbb
dep	golang.org/x/sync	v0.24.0
=>	golang.org/x/sync	v0.25.0	h1:cccc
dep	modernc.org/sqlite	v1.62.0	h1:dddd
build	-buildmode=exe
build	-compiler=gc
build	-trimpath=true
build	CGO_ENABLED=0
build	GOARCH=riscv64
build	GOOS=linux
build	GORISCV64=rva20u64
build	vcs=git
build	vcs.revision=99e4dd6f0c1d2e3f4a5b6c7d8e9f00112233445
build	vcs.time=2026-12-01T10:00:00Z
build	vcs.modified=false
`

const sum = "b84d3ef28961d45a480014b568069e50007b37009a5ea62cf36e52d065ad5a5c"

var (
	serialRE = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	purlRE   = regexp.MustCompile(`^pkg:golang/[A-Za-z0-9.%_~/-]+(@[A-Za-z0-9.%_~+-]+)?$`)
)

type doc struct {
	BOMFormat    string `json:"bomFormat"`
	SpecVersion  string `json:"specVersion"`
	SerialNumber string `json:"serialNumber"`
	Version      int    `json:"version"`
	Metadata     struct {
		Timestamp string `json:"timestamp"`
		Tools     struct {
			Components []comp `json:"components"`
		} `json:"tools"`
		Component comp `json:"component"`
	} `json:"metadata"`
	Components   []comp `json:"components"`
	Dependencies []struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	} `json:"dependencies"`
}

type comp struct {
	Type    string `json:"type"`
	BOMRef  string `json:"bom-ref"`
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl"`
	Hashes  []struct {
		Alg     string `json:"alg"`
		Content string `json:"content"`
	} `json:"hashes"`
	Properties []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"properties"`
}

// checkShape asserts what CycloneDX 1.5 requires of the document and what consumers
// rely on: the format fields, a UUID serial number, unique bom-refs, purls, and
// dependencies that name only components of the document.
func checkShape(t *testing.T, b []byte) doc {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d doc
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("decode: %v\n%s", err, b)
	}
	if d.BOMFormat != "CycloneDX" || d.SpecVersion != "1.5" || d.Version != 1 {
		t.Errorf("bomFormat %q specVersion %q version %d", d.BOMFormat, d.SpecVersion, d.Version)
	}
	if !serialRE.MatchString(d.SerialNumber) {
		t.Errorf("serialNumber %q is not a urn:uuid", d.SerialNumber)
	}
	if len(d.Metadata.Tools.Components) == 0 {
		t.Error("no tool recorded")
	}
	refs := map[string]bool{}
	for _, c := range append([]comp{d.Metadata.Component}, d.Components...) {
		if c.Type == "" || c.Name == "" || c.BOMRef == "" {
			t.Errorf("component %+v lacks type, name or bom-ref", c)
		}
		if refs[c.BOMRef] {
			t.Errorf("bom-ref %s twice", c.BOMRef)
		}
		refs[c.BOMRef] = true
		if !purlRE.MatchString(c.PURL) {
			t.Errorf("purl %q of %s", c.PURL, c.Name)
		}
	}
	for _, dep := range d.Dependencies {
		for _, r := range append([]string{dep.Ref}, dep.DependsOn...) {
			if !refs[r] {
				t.Errorf("dependency names %s, which is no component", r)
			}
		}
	}
	return d
}

func TestCycloneDXRecorded(t *testing.T) {
	bi, err := debug.ParseBuildInfo(recorded)
	if err != nil {
		t.Fatal(err)
	}
	bi.GoVersion = "go1.26.8" // ParseBuildInfo leaves the go line to the caller
	b, err := CycloneDX(bi, Subject{Name: "matrixgen-linux-riscv64", SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}
	d := checkShape(t, b)
	m := d.Metadata.Component
	if m.Type != "application" || m.Name != "github.com/matrixgen/matrixgen" || m.Version != "v1.2.3" || m.PURL != "pkg:golang/github.com/matrixgen/matrixgen@v1.2.3" {
		t.Errorf("main component %+v", m)
	}
	if len(m.Hashes) != 1 || m.Hashes[0].Alg != "SHA-256" || m.Hashes[0].Content != sum {
		t.Errorf("main hashes %+v", m.Hashes)
	}
	props := map[string]string{}
	for _, p := range m.Properties {
		props[p.Name] = p.Value
	}
	for k, v := range map[string]string{"golang:build:GOARCH": "riscv64", "golang:build:CGO_ENABLED": "0", "golang:build:vcs.revision": "99e4dd6f0c1d2e3f4a5b6c7d8e9f00112233445", "golang:file": "matrixgen-linux-riscv64"} {
		if props[k] != v {
			t.Errorf("property %s = %q, want %q", k, props[k], v)
		}
	}
	if d.Metadata.Timestamp != "2026-12-01T10:00:00Z" {
		t.Errorf("timestamp %q, want the commit time", d.Metadata.Timestamp)
	}
	var got []string
	for _, c := range d.Components {
		got = append(got, c.PURL)
	}
	want := []string{
		"pkg:golang/github.com/google/go-github/v93@v93.0.0",
		"pkg:golang/github.com/spf13/cobra@v1.10.2",
		"pkg:golang/golang.org/x/sync@v0.25.0", // the replacement is what is linked
		"pkg:golang/modernc.org/sqlite@v1.62.0",
		"pkg:golang/stdlib@1.26.8",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("components:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(d.Dependencies) != 1 || len(d.Dependencies[0].DependsOn) != len(want) {
		t.Errorf("dependencies %+v", d.Dependencies)
	}
	again, _ := CycloneDX(bi, Subject{Name: "matrixgen-linux-riscv64", SHA256: sum})
	if !bytes.Equal(b, again) {
		t.Error("two documents of one binary differ")
	}
	other, _ := CycloneDX(bi, Subject{Name: "matrixgen-linux-riscv64", SHA256: strings.Repeat("0", 64)})
	if checkShape(t, other).SerialNumber == d.SerialNumber {
		t.Error("two binaries share a serial number")
	}
}

// TestCycloneDXOwnBuild runs on the test binary's own build information: every module it
// links is a component.
func TestCycloneDXOwnBuild(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("no build information in the test binary")
	}
	b, err := CycloneDX(bi, Subject{Name: "sbom.test", SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}
	d := checkShape(t, b)
	if len(d.Components) < len(bi.Deps) {
		t.Errorf("%d components for %d modules", len(d.Components), len(bi.Deps))
	}
}

func TestCycloneDXRefuses(t *testing.T) {
	bi, _ := debug.ParseBuildInfo(recorded)
	for _, tt := range []struct {
		bi *debug.BuildInfo
		s  Subject
	}{
		{nil, Subject{Name: "x", SHA256: sum}},
		{&debug.BuildInfo{}, Subject{Name: "x", SHA256: sum}},
		{bi, Subject{Name: "", SHA256: sum}},
		{bi, Subject{Name: "x", SHA256: "abc"}},
	} {
		if _, err := CycloneDX(tt.bi, tt.s); err == nil {
			t.Errorf("%+v: no error", tt.s)
		}
	}
}
