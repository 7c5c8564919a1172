package schedule

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/matrix"
)

// kernelsJSON is two real kernels of the repository's own kernels.json.
const kernelsJSON = `{
  "x86_64": [
    {"target": "debian", "kernelrelease": "6.12.95+deb12-amd64", "distroversion": "12"},
    {"target": "ubuntu", "kernelrelease": "6.8.0-149-generic", "distroversion": "24.04"}
  ]
}
`

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func code(err error) int {
	var ec interface{ ExitCode() int }
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return ec.ExitCode()
	}
	return 1
}

// flags is the CLI's vocabulary.
func flags(option string) string { return "--" + option }

func testIO() (IO, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}, &out, &errOut
}

func TestLoad(t *testing.T) {
	kernels := writeFile(t, "kernels.json", kernelsJSON)
	missing := filepath.Join(t.TempDir(), "kernels.json")
	crawled := writeFile(t, "list.json", `{"debian": [{"kernelversion": "1", "kernelrelease": "6.1.0-28-amd64", "target": "debian", "distroversion": "12", "headers": ["http://127.0.0.1:9/h.deb"]}]}`+"\n")
	tests := []struct {
		name      string
		s         Sources
		wantN     int
		wantCode  int
		wantInErr string
	}{
		{"kernels.json", Sources{Kernels: kernels}, 2, 0, ""},
		{"filtered by an alias", Sources{Kernels: kernels, Filter: matrix.Filter{Target: "deb*", Arch: "amd64"}}, 1, 0, ""},
		{"unknown target is usage", Sources{Kernels: kernels, Filter: matrix.Filter{Target: "nosuch"}}, 0, 2, "--target: "},
		{"unknown arch is usage", Sources{Kernels: kernels, Filter: matrix.Filter{Arch: "ppc64le"}}, 0, 2, "--arch: "},
		{"empty kernels is usage", Sources{}, 0, 2, "--kernels is empty"},
		{"default kernels.json optional with crawl output", Sources{Kernels: missing, KernelsOptional: true, Crawled: []string{crawled}}, 1, 0, ""},
		{"named kernels.json missing", Sources{Kernels: missing, Crawled: []string{crawled}}, 0, 1, "kernels.json"},
		{"default kernels.json alone is needed", Sources{Kernels: missing, KernelsOptional: true}, 0, 1, "kernels.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.s.Words = flags
			ks, _, err := tt.s.Load(context.Background(), strings.NewReader(""), &bytes.Buffer{})
			if code(err) != tt.wantCode || (err != nil && !strings.Contains(err.Error(), tt.wantInErr)) {
				t.Fatalf("err %v (code %d), want code %d with %q", err, code(err), tt.wantCode, tt.wantInErr)
			}
			if tt.wantCode == 1 && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("err %v: want fs.ErrNotExist", err)
			}
			if len(ks) != tt.wantN {
				t.Errorf("%d kernels, want %d", len(ks), tt.wantN)
			}
		})
	}
}

// TestReportHeaderless: left-out kernels are named once per group, and one
// that another input lists with headers is not named.
func TestReportHeaderless(t *testing.T) {
	mk := func(rel string) matrixgen.Kernel {
		k, err := matrixgen.Make(matrixgen.Spec{Target: "amazonlinux", Arch: matrixgen.X86_64, Release: rel})
		if err != nil {
			t.Fatal(err)
		}
		k.Origin = matrixgen.OriginLivepatch
		return k
	}
	a, b := mk("6.1.100-1.2.amzn2023.x86_64"), mk("6.1.101-1.2.amzn2023.x86_64")
	var w bytes.Buffer
	reportHeaderless(&w, "--include-headerless", []matrixgen.Kernel{b}, []matrixgen.Kernel{a, b}, false)
	want := "matrixgen: not scheduled: 1 crawled kernel with no header source (\"headers\": []; --include-headerless builds them anyway):\n" +
		"matrixgen:   amazonlinux 2023 x86_64 (livepatch): 6.1.100-1.2.amzn2023.x86_64\n"
	if w.String() != want {
		t.Errorf("left out:\n%s\nwant:\n%s", w.String(), want)
	}
	w.Reset()
	reportHeaderless(&w, "include_headerless", []matrixgen.Kernel{a, b}, []matrixgen.Kernel{a, b}, true)
	if !strings.HasPrefix(w.String(), "matrixgen: include_headerless: building 2 crawled kernels") || !strings.Contains(w.String(), "6.1.100-1.2.amzn2023.x86_64, 6.1.101-1.2.amzn2023.x86_64\n") {
		t.Errorf("included:\n%s", w.String())
	}
}

func TestRunNothingToBuild(t *testing.T) {
	kernels := writeFile(t, "kernels.json", kernelsJSON)
	ios, out, errOut := testIO()
	err := Run(context.Background(), ios, Options{Sources: Sources{Kernels: kernels, Filter: matrix.Filter{DistroVersion: "99.*"}}, Artifact: matrix.DefaultPreset, ChunkSize: matrix.MaxJobs})
	if code(err) != matrixgen.ExitNothing || out.Len() != 0 || !strings.Contains(errOut.String(), "nothing to build: no kernels match the inputs and filters (allow-empty prints") {
		t.Errorf("err %v, stdout %q, stderr %q", err, out, errOut)
	}
	ios, out, _ = testIO()
	err = Run(context.Background(), ios, Options{Sources: Sources{Kernels: kernels, Filter: matrix.Filter{DistroVersion: "99.*"}}, Artifact: matrix.DefaultPreset, ChunkSize: matrix.MaxJobs, AllowEmpty: true})
	if err != nil || out.String() != `{"include":[]}`+"\n" {
		t.Errorf("--allow-empty: err %v, stdout %q", err, out)
	}
}

func TestRunMissingBuilt(t *testing.T) {
	kernels := writeFile(t, "kernels.json", kernelsJSON)
	built := filepath.Join(t.TempDir(), "built.txt")
	o := Options{Sources: Sources{Kernels: kernels}, Artifact: matrix.DefaultPreset, ChunkSize: matrix.MaxJobs, Built: built, Words: flags}
	ios, _, _ := testIO()
	if err := Run(context.Background(), ios, o); code(err) != 1 || !strings.Contains(err.Error(), "--built "+built+": no such file (a first run has nothing built yet: add --built-optional") {
		t.Errorf("missing built file: %v", err)
	}
	o.BuiltOptional = true
	ios, out, errOut := testIO()
	if err := Run(context.Background(), ios, o); err != nil || !strings.Contains(errOut.String(), "nothing is built yet") || strings.Count(out.String(), `"kernel_release"`) != 2 {
		t.Errorf("optional: err %v, stdout %q, stderr %q", err, out, errOut)
	}
}

// TestRunPlanAndChunk: builds beyond one chunk print the plan, which
// PlanOut holds too, and RunChunk prints one chunk of it.
func TestRunPlanAndChunk(t *testing.T) {
	kernels := writeFile(t, "kernels.json", kernelsJSON)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	ios, out, errOut := testIO()
	err := Run(context.Background(), ios, Options{Sources: Sources{Kernels: kernels}, Artifact: matrix.DefaultPreset, ChunkSize: 1, PlanOut: planFile})
	if err != nil || !strings.Contains(errOut.String(), "2 builds in 2 matrices of up to 1 from 2 kernels") {
		t.Fatalf("err %v, stderr %q", err, errOut)
	}
	saved, err := os.ReadFile(planFile)
	if err != nil || !bytes.Equal(saved, out.Bytes()) {
		t.Fatalf("the plan file (%v) is not stdout:\n%s\n%s", err, saved, out)
	}
	ios, out, errOut = testIO()
	if err := RunChunk(ios, flags, planFile, 2); err != nil || strings.Count(out.String(), `"kernel_release"`) != 1 || !strings.Contains(errOut.String(), "chunk 2 of 2: 1 build") {
		t.Errorf("chunk 2: err %v, stdout %q, stderr %q", err, out, errOut)
	}
	ios, _, _ = testIO()
	if err := RunChunk(ios, flags, planFile, 3); code(err) != matrixgen.ExitUsage {
		t.Errorf("chunk 3 of 2: %v, want a usage error", err)
	}
	if err := os.WriteFile(planFile, bytes.Replace(saved, []byte("6.8.0-149"), []byte("6.8.0-150"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := RunChunk(ios, flags, planFile, 1); code(err) != matrixgen.ExitFailure {
		t.Errorf("tampered plan: %v, want exit 1", err)
	}
}

// TestValidate: the options no run could carry out are usage errors,
// named in the caller's words (flags here, the bare option without one),
// before any file is read: Kernels names a file that does not exist.
func TestValidate(t *testing.T) {
	ok := Options{Sources: Sources{Kernels: filepath.Join(t.TempDir(), "none.json")}, Artifact: matrix.DefaultPreset, ChunkSize: matrix.MaxJobs}
	for _, tt := range []struct {
		name  string
		edit  func(*Options)
		words matrixgen.Vocabulary
		want  string
	}{
		{"chunk size 0", func(o *Options) { o.ChunkSize = 0 }, flags, "--chunk-size 0: want 1 to 256 (GitHub's jobs-per-matrix limit)"},
		{"chunk size 257", func(o *Options) { o.ChunkSize = 257 }, nil, "chunk-size 257: want 1 to 256"},
		{"unknown preset", func(o *Options) { o.Artifact = "rpm" }, flags, `--artifact "rpm": want one of compat-version, deb-rpm, precompiled-image (or --artifact-template)`},
		{"built-optional alone", func(o *Options) { o.BuiltOptional = true }, flags, "--built-optional: give --built FILE too"},
	} {
		o := ok
		o.Words = tt.words
		tt.edit(&o)
		var ue *matrixgen.UsageError
		if err := o.Validate(); !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want a usage error %q", tt.name, err, tt.want)
		}
		ios, _, _ := testIO()
		if err := Run(context.Background(), ios, o); code(err) != matrixgen.ExitUsage {
			t.Errorf("%s: Run = %v, want the usage error before the missing kernels file", tt.name, err)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid options: %v", err)
	}
}
