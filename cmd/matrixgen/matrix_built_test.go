package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// matrixReleases runs matrix and returns the kernel releases of its builds.
func matrixReleases(t *testing.T, args ...string) ([]string, result) {
	t.Helper()
	r := runCLI(t, "", nil, args...)
	var m struct {
		Include []struct {
			KernelRelease string `json:"kernel_release"`
		} `json:"include"`
	}
	if r.code == 0 || r.code == 3 {
		if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
			t.Fatalf("matrix stdout is not a matrix: %v\n%s", err, r.stdout)
		}
	}
	var rels []string
	for _, e := range m.Include {
		rels = append(rels, e.KernelRelease)
	}
	slices.Sort(rels)
	return rels, r
}

// TestMatrixBuiltStoredNames: --built compares names as GitHub stores them
// (github.AssetName), as --built-from-release does. A built.txt copied from a
// release's asset list holds 6.12.117.deb12 where the rendered artifact says
// 6.12.117+deb12: that kernel is built, in either spelling (issue 13 § 2; it
// was rebuilt every night).
func TestMatrixBuiltStoredNames(t *testing.T) {
	dir := t.TempDir()
	kernels := filepath.Join(dir, "kernels.json")
	if err := os.WriteFile(kernels, []byte(`{
  "x86_64": [
    {"target": "debian", "kernelrelease": "6.12.117+deb12-amd64", "distroversion": "12"},
    {"target": "ubuntu", "kernelrelease": "6.8.0-51-generic", "distroversion": "24.04"}
  ]
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	const (
		debian = "6.12.117+deb12-amd64"
		ubuntu = "6.8.0-51-generic"
	)
	tests := []struct {
		name, built string
		artifact    []string // --artifact or --artifact-template flags
		want        []string // releases still to build
	}{
		{"stored form (GitHub's renaming)", "driver-debian-12-6.12.117.deb12-amd64_1.0_amd64.deb\n", nil, []string{ubuntu}},
		{"original form", "driver-debian-12-6.12.117+deb12-amd64_1.0_amd64.deb\n", nil, []string{ubuntu}},
		{"JSON array, stored form", `["driver-debian-12-6.12.117.deb12-amd64_1.0_amd64.deb", "driver-ubuntu-24.04-6.8.0-51-generic_1.0_amd64.deb"]`, nil, nil},
		{"template with ~ and +", "1.0.6.12.117.deb12-amd64.ko\n", []string{"--artifact-template", "{{.DriverVersion}}~{{.KernelRelease}}.ko"}, []string{ubuntu}},
		{"another driver version is not built", "driver-debian-12-6.12.117.deb12-amd64_2.0_amd64.deb\n", nil, []string{debian, ubuntu}},
		{"another kernel is not built", "driver-debian-12-6.12.118.deb12-amd64_1.0_amd64.deb\n", nil, []string{debian, ubuntu}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			built := filepath.Join(dir, "built"+string(rune('a'+i))+".txt")
			if err := os.WriteFile(built, []byte(tt.built), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"matrix", "--kernels", kernels, "--driver-version", "1.0", "--built", built, "--allow-empty"}, tt.artifact...)
			got, r := matrixReleases(t, args...)
			if r.code != 0 || !slices.Equal(got, tt.want) {
				t.Errorf("built.txt %q: exit %d, builds %q, want exit 0 and %q\nstderr:\n%s", tt.built, r.code, got, tt.want, r.stderr)
			}
		})
	}
}
