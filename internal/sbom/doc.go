// Package sbom writes a CycloneDX software bill of materials for a Go binary from the
// build information the go command embeds in it: the modules actually linked, the Go
// toolchain and the build settings, with no network and no tool outside the module.
package sbom
