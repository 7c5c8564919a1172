package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestRun writes the SBOM of a real binary (this test's own) and records its hash.
func TestRun(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	var out bytes.Buffer
	if err := run(exe, &out); err != nil {
		t.Fatal(err)
	}
	var d struct {
		Metadata struct {
			Component struct {
				Hashes []struct{ Content string } `json:"hashes"`
			} `json:"component"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(out.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if h := d.Metadata.Component.Hashes; len(h) != 1 || h[0].Content != hex.EncodeToString(sum[:]) {
		t.Errorf("hashes %+v, want the binary's sha256", h)
	}
	notGo := filepath.Join(t.TempDir(), "x")
	if err := os.WriteFile(notGo, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := run(notGo, &out); err == nil {
		t.Error("a file that is no Go binary: no error")
	}
}
