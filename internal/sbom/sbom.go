package sbom

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime/debug"
	"sort"
	"strings"
)

// SpecVersion is the CycloneDX specification version of the documents CycloneDX writes.
const SpecVersion = "1.5"

// Subject names the binary the document describes.
type Subject struct {
	// Name is the file name (matrixgen-linux-riscv64).
	Name string
	// SHA256 is the hex SHA-256 of the file; it is recorded as the main component's hash
	// and makes the serial number, so one binary always gets the same document.
	SHA256 string
}

type hash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

type property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type component struct {
	Type       string     `json:"type"`
	BOMRef     string     `json:"bom-ref"`
	Name       string     `json:"name"`
	Version    string     `json:"version,omitempty"`
	PURL       string     `json:"purl,omitempty"`
	Hashes     []hash     `json:"hashes,omitempty"`
	Properties []property `json:"properties,omitempty"`
}

type dependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

type document struct {
	BOMFormat    string `json:"bomFormat"`
	SpecVersion  string `json:"specVersion"`
	SerialNumber string `json:"serialNumber"`
	Version      int    `json:"version"`
	Metadata     struct {
		Timestamp string `json:"timestamp,omitempty"`
		Tools     struct {
			Components []component `json:"components"`
		} `json:"tools"`
		Component component `json:"component"`
	} `json:"metadata"`
	Components   []component  `json:"components"`
	Dependencies []dependency `json:"dependencies"`
}

// purl is the package URL of a Go module (the purl spec's golang type: the path's
// segments escaped, the version as given).
func purl(path, version string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	p := "pkg:golang/" + strings.Join(segs, "/")
	if version != "" {
		p += "@" + url.PathEscape(version)
	}
	return p
}

// uuid5 is an RFC 4122 name-based (SHA-1) UUID of name in the URL namespace.
func uuid5(name string) string {
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// CycloneDX returns the CycloneDX JSON document (specVersion 1.5) of a binary whose build
// information is bi: the main module as the described component, one library component
// per linked module (a replacement stands for the module it replaces) and the Go standard
// library, in path order, and the main module's dependencies. The timestamp is the
// commit time the go command stamped (vcs.time), so the same binary always gives the same
// bytes.
func CycloneDX(bi *debug.BuildInfo, s Subject) ([]byte, error) {
	if bi == nil || bi.Main.Path == "" {
		return nil, errors.New("sbom: no build information (build with module support)")
	}
	if s.Name == "" || len(s.SHA256) != 64 {
		return nil, fmt.Errorf("sbom: subject needs a name and a hex SHA-256, have %q and %q", s.Name, s.SHA256)
	}
	var d document
	d.BOMFormat = "CycloneDX"
	d.SpecVersion = SpecVersion
	d.SerialNumber = "urn:uuid:" + uuid5("sha256:"+s.SHA256)
	d.Version = 1
	d.Metadata.Tools.Components = []component{{Type: "application", BOMRef: "matrixgen-sbom", Name: "matrixgen internal/sbom"}}

	mainVersion := bi.Main.Version
	if mainVersion == "(devel)" {
		mainVersion = "" // a build outside a tagged checkout names no version
	}
	var props []property
	for _, st := range bi.Settings {
		switch st.Key {
		case "vcs.time":
			d.Metadata.Timestamp = st.Value
		case "-ldflags", "-tags", "CGO_ENABLED", "GOOS", "GOARCH", "GOAMD64", "GOARM64", "GORISCV64", "vcs.revision", "vcs.modified", "-trimpath":
		default:
			continue
		}
		props = append(props, property{Name: "golang:build:" + st.Key, Value: st.Value})
	}
	props = append(props, property{Name: "golang:file", Value: s.Name})
	mainRef := purl(bi.Main.Path, mainVersion)
	d.Metadata.Component = component{
		Type: "application", BOMRef: mainRef, Name: bi.Main.Path, Version: mainVersion, PURL: mainRef,
		Hashes:     []hash{{Alg: "SHA-256", Content: s.SHA256}},
		Properties: props,
	}

	seen := map[string]bool{mainRef: true}
	goVersion := strings.TrimPrefix(bi.GoVersion, "go")
	if goVersion != "" {
		ref := purl("stdlib", goVersion)
		seen[ref] = true
		d.Components = append(d.Components, component{Type: "library", BOMRef: ref, Name: "stdlib", Version: goVersion, PURL: ref})
	}
	for _, m := range bi.Deps {
		mod := m
		if m.Replace != nil {
			mod = m.Replace
		}
		if mod.Path == "" {
			continue
		}
		ref := purl(mod.Path, mod.Version)
		if seen[ref] {
			continue
		}
		seen[ref] = true
		c := component{Type: "library", BOMRef: ref, Name: mod.Path, Version: mod.Version, PURL: ref}
		if m.Replace != nil {
			c.Properties = []property{{Name: "golang:replaces", Value: m.Path + "@" + m.Version}}
		}
		d.Components = append(d.Components, c)
	}
	sort.Slice(d.Components, func(i, j int) bool { return d.Components[i].BOMRef < d.Components[j].BOMRef })
	deps := make([]string, 0, len(d.Components))
	for _, c := range d.Components {
		deps = append(deps, c.BOMRef)
	}
	d.Dependencies = []dependency{{Ref: mainRef, DependsOn: deps}}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	return append(b, '\n'), nil
}
