package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/output"
	"github.com/matrixgen/matrixgen/schedule"
	"github.com/matrixgen/matrixgen/schemas"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, stdin string, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &ioStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return env[k] }}
	code := run(context.Background(), args, ios)
	return result{code, out.String(), errOut.String()}
}

// TestTranscripts records whole CLI runs (exit code, stdout, stderr) as
// golden files: every example in the help texts and every error message.
func TestTranscripts(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
	}{
		{"derive-args", []string{"derive", "--target", "fedora", "6.14.0-100.fc42.x86_64", "6.14.0-1.fc41.aarch64"}, "", 0},
		{"derive-ubuntu-hwe", []string{"derive", "--target", "ubuntu-gcp", "--kernel-version", "24~22.04.1", "6.8.0-1012-gcp"}, "", 0},
		{"derive-stdin-json", []string{"derive", "--json"}, "debian 6.12.95+deb12-amd64\namazonlinux2 6.1.174-217.345.amzn2023.x86_64\n# comment\n\nubuntu 6.14.0-1021-gcp\ncentos 6.12.0-212.el10.x86_64\namazonlinux 5.14.0-362.el9_3.x86_64\ndebian 6.1.0$(reboot)\nonlyonefield\nubuntu 6.8.0-57-generic #41~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC Fri Mar 28 13:05:23 UTC 2\nubuntu 5.15.0-131-generic 140-Ubuntu\nubuntu-azure-cvm 5.4.0-1090-azure-cvm 96+cvm1\ndebian 6.12.12+bpo-amd64\nsles 5.14.21-150500.55.83-default\nbottlerocket 6.1.102\n", 3},
		{"matrix-crawled-arch-from-releases", []string{"matrix", "--kernels", "testdata/empty.json", "--crawled", "testdata/crawl-arm64-2024.json", "--driver-version", "1.0"}, "", 0},
		{"matrix-crawled-arch-contradicted", []string{"matrix", "--kernels", "testdata/empty.json", "--crawled", "x86_64=testdata/crawl-arm64-2024.json", "--driver-version", "1.0"}, "", 1},
		{"derive-suite-debian", []string{"derive", "--target", "debian", "--suite", "bookworm-backports", "6.12.12+bpo-amd64", "6.12.95+deb12-amd64"}, "", 0},
		{"derive-suite-other-distribution", []string{"derive", "--target", "debian", "--suite", "jammy", "6.1.0-28-amd64"}, "", 3},
		{"derive-stdin-table", []string{"derive"}, "rocky 5.14.0-427.13.1.el9_4.aarch64+64k\nol 4.14.35-2047.514.5.1.2.el7uek.x86_64\ndebian 4.9.0-0.bpo.12-rt-amd64\n", 3},
		{"derive-no-target", []string{"derive", "6.1.0-28-amd64"}, "", 2},
		{"derive-empty-stdin", []string{"derive"}, "", 2},
		{"matrix", []string{"matrix", "--kernels", "testdata/kernels.json", "--driver-version", "550.1", "--target", "ubuntu", "--arch", "x86_64"}, "", 0},
		{"matrix-axes-chunks", []string{"matrix", "--kernels", "testdata/old.json", "--driver-version", "1.0", "--axis", "nvlink=nvf1.0,nvf1.1", "--chunk-size", "4", "--artifact", "precompiled-image"}, "", 0},
		{"matrix-built-crawled", []string{"matrix", "--kernels", "testdata/old.json", "--crawled", "testdata/crawled.json", "--built", "testdata/built.txt", "--driver-version", "1.0"}, "", 3},
		{"matrix-nothing", []string{"matrix", "--kernels", "testdata/old.json", "--target", "fedora"}, "", 4},
		{"matrix-allow-empty", []string{"matrix", "--kernels", "testdata/old.json", "--target", "fedora", "--allow-empty"}, "", 0},
		{"matrix-template", []string{"matrix", "--kernels", "testdata/old.json", "--artifact-template", "{{.Package}}_{{.KernelRelease}}_{{.DebArch}}.ko.xz", "--package", "mydrv", "--base-image", "ghcr.io/acme/{{.Distribution}}-builder:{{.DistroVersion}}", "--target", "debian"}, "", 0},
		{"matrix-precompiled-no-driver", []string{"matrix", "--kernels", "testdata/old.json", "--artifact", "precompiled-image"}, "", 1},
		{"matrix-bad-chunk", []string{"matrix", "--kernels", "testdata/old.json", "--chunk-size", "300"}, "", 2},
		{"matrix-bad-preset", []string{"matrix", "--kernels", "testdata/old.json", "--artifact", "rpm"}, "", 2},
		{"matrix-bad-axis", []string{"matrix", "--kernels", "testdata/old.json", "--axis", "nvlink"}, "", 2},
		{"matrix-bad-template", []string{"matrix", "--kernels", "testdata/old.json", "--artifact-template", "{{.Nope"}, "", 2},
		{"matrix-missing-kernels", []string{"matrix", "--kernels", "testdata/nope.json"}, "", 1},
		{"matrix-unknown-flag", []string{"matrix", "--bogus"}, "", 2},
		{"compat", []string{"compat", "--kernels", "testdata/kernels.json", "--driver-version", "570.1", "--axis", "nvlink=nvf1.0,nvf1.1"}, "", 0},
		{"diff", []string{"diff", "testdata/old.json", "testdata/kernels.json"}, "", 0},
		{"diff-json-exit-code", []string{"diff", "--json", "--exit-code", "testdata/old.json", "testdata/kernels.json"}, "", 1},
		{"diff-same", []string{"diff", "--exit-code", "testdata/old.json", "testdata/old.json"}, "", 0},
		{"diff-crawled", []string{"diff", "testdata/old.json", "testdata/crawled.json"}, "", 3},
		{"diff-one-arg", []string{"diff", "testdata/old.json"}, "", 2},
		{"validate", []string{"validate", "testdata/kernels.json", "testdata/crawled.json"}, "", 1},
		{"validate-examples", []string{"validate", "../../schemas/examples/crawl.json", "../../schemas/examples/falco-list.json", "../../schemas/examples/kernels.json", "../../schemas/examples/matrix.json"}, "", 0},
		{"validate-domain-rules", []string{"validate", "testdata/unknown-target.json"}, "", 1},
		{"unknown-command", []string{"frobnicate"}, "", 2},
		{"distros", []string{"distros"}, "", 0},
		{"distros-json", []string{"distros", "--json"}, "", 0},
		// Issue 14: a filter value that can match nothing is a usage
		// error, and aliases mean their canonical name in every filter.
		{"compat-unknown-arch", []string{"compat", "--kernels", "testdata/kernels.json", "--driver-version", "570.1", "--arch", "ppc64le"}, "", 2},
		{"compat-unknown-target", []string{"compat", "--kernels", "testdata/kernels.json", "--driver-version", "570.1", "--target", "nosuch"}, "", 2},
		{"matrix-unknown-target", []string{"matrix", "--kernels", "testdata/kernels.json", "--driver-version", "1.0", "--target", "nosuch"}, "", 2},
		{"matrix-glob-matches-nothing", []string{"matrix", "--kernels", "testdata/kernels.json", "--driver-version", "1.0", "--target", "sl*"}, "", 2},
		{"matrix-arch-alias", []string{"matrix", "--kernels", "testdata/kernels.json", "--driver-version", "1.0", "--arch", "arm64"}, "", 0},
		{"matrix-target-alias", []string{"matrix", "--kernels", "testdata/kernels.json", "--driver-version", "1.0", "--target", "amzn"}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { transcript(t, tt.name, tt.stdin, tt.code, tt.args...) })
	}
}

// transcript runs the CLI and compares exit code, stdout and stderr with
// testdata/<name>.golden (rewritten with -update).
func transcript(t *testing.T, name, stdin string, code int, args ...string) {
	t.Helper()
	r := runCLI(t, stdin, nil, args...)
	if r.code != code {
		t.Errorf("matrixgen %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	checkGolden(t, name, args, r)
}

func TestAddKernel(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "kernels.json")
	orig, _ := os.ReadFile("testdata/old.json")
	os.WriteFile(p, orig, 0o644)

	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"derived", []string{"--target", "amazonlinux", "--arch", "x86_64", "--release", "6.12.58-82.121.amzn2023.x86_64"}, 0, "added amazonlinux/2023/x86_64/6.12.58-82.121.amzn2023.x86_64"},
		{"duplicate", []string{"--target", "amazonlinux", "--arch", "amd64", "--release", "6.12.58-82.121.amzn2023.x86_64"}, 0, "already present"},
		{"explicit ubuntu", []string{"--target", "ubuntu", "--arch", "arm64", "--release", "6.14.0-1021-gcp", "--distro-version", "24.04"}, 0, "added ubuntu/24.04/aarch64/6.14.0-1021-gcp"},
		{"ubuntu ambiguous", []string{"--target", "ubuntu", "--arch", "x86_64", "--release", "6.14.0-1021-gcp"}, 1, "underivable"},
		{"contradiction", []string{"--target", "fedora", "--arch", "x86_64", "--release", "6.14.0-100.fc42.x86_64", "--distro-version", "41"}, 2, "is fedora 42"},
		// Each of these was accepted before the consistency rule moved into the domain (issue 6);
		// an invalid value on the command line is a usage error (2), whichever field it is in.
		{"el9 aarch64 as x86_64", []string{"--target", "rocky", "--arch", "x86_64", "--release", "5.14.0-503.11.1.el9_5.aarch64"}, 2, `names aarch64 by its ".aarch64"`},
		{"debian arm64 as amd64", []string{"--target", "debian", "--arch", "amd64", "--release", "6.1.0-28-arm64"}, 2, `names aarch64 by its "-arm64"`},
		{"fedora x86_64 as arm64", []string{"--target", "fedora", "--arch", "arm64", "--release", "6.14.0-100.fc42.x86_64"}, 2, `names x86_64`},
		{"ubuntu 6.8 in 20.04", []string{"--target", "ubuntu", "--arch", "x86_64", "--release", "6.8.0-49-generic", "--distro-version", "20.04"}, 2, "Ubuntu 20.04 does not ship"},
		{"ubuntu 99.99", []string{"--target", "ubuntu", "--arch", "x86_64", "--release", "6.8.0-49-generic", "--distro-version", "99.99"}, 2, "not an Ubuntu release"},
		{"ubuntu 5.15 in 24.04", []string{"--target", "ubuntu", "--arch", "x86_64", "--release", "5.15.0-125-generic", "--distro-version", "24.04"}, 2, "Ubuntu 24.04 does not ship"},
		{"amazon without marker", []string{"--target", "amazonlinux2", "--arch", "x86_64", "--release", "6.8.0-79-generic", "--distro-version", "2"}, 2, "amzn"},
		{"amazon without marker, underived", []string{"--target", "amazonlinux2", "--arch", "x86_64", "--release", "6.8.0-79-generic"}, 2, "not a kernel release of amazonlinux"},
		{"debian +bpo by hand", []string{"--target", "debian", "--arch", "x86_64", "--release", "6.12.12+bpo-amd64", "--distro-version", "12"}, 0, "added debian/12/x86_64/6.12.12+bpo-amd64"},
		{"ubuntu uname -v", []string{"--target", "ubuntu", "--arch", "x86_64", "--release", "6.8.0-57-generic", "--kernel-version", "#41~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC Fri Mar 28"}, 0, "added ubuntu/22.04/x86_64/6.8.0-57-generic"},
		{"shell", []string{"--target", "debian", "--arch", "x86_64", "--release", "6.1.0-28$(reboot)", "--distro-version", "12"}, 2, "invalid: kernelrelease"},
		{"bad arch", []string{"--target", "debian", "--arch", "sparc", "--release", "6.1.0-28-amd64"}, 2, `arch "sparc"`},
		{"missing flag", []string{"--target", "debian", "--arch", "x86_64"}, 2, "release"},
		// Issue 14: no rule is skipped because a field was given. derive
		// refuses the series, so a given version does not make it buildable.
		{"debian 12 given an Ubuntu release", []string{"--target", "debian", "--distro-version", "12", "--arch", "x86_64", "--release", "6.8.0-51-generic"}, 2, "Debian 12 does not ship 6.8.0-51-generic"},
		{"debian 12 given a custom kernel", []string{"--target", "debian", "--distro-version", "12", "--arch", "x86_64", "--release", "6.18.44-fc-v1300"}, 2, "no Debian release ships it"},
		// A target naming a version the release contradicts, naming both.
		{"amazonlinux2 with an AL2023 release", []string{"--target", "amazonlinux2", "--arch", "x86_64", "--release", "6.1.174-217.345.amzn2023.x86_64"}, 2, `target "amazonlinux2": names amazonlinux 2, but release 6.1.174-217.345.amzn2023.x86_64 is amazonlinux 2023`},
		{"oracle8 with an el9 release", []string{"--target", "oracle8", "--arch", "x86_64", "--release", "5.14.0-503.14.1.el9_5.x86_64"}, 2, `target "oracle8": names oracle 8, but release 5.14.0-503.14.1.el9_5.x86_64 is oracle 9`},
	}
	for _, tt := range tests {
		before, _ := os.ReadFile(p)
		r := runCLI(t, "", nil, append([]string{"add-kernel", "--kernels", p}, tt.args...)...)
		after, _ := os.ReadFile(p)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.msg) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tt.name, r.code, r.stderr, tt.code, tt.msg)
		}
		if tt.code != 0 || strings.Contains(tt.msg, "already") {
			if !bytes.Equal(before, after) {
				t.Errorf("%s: file changed on a refusal", tt.name)
			}
		}
	}
	got, _ := os.ReadFile(p)
	if err := schemas.Validate(schemas.Kernels, got); err != nil {
		t.Errorf("written kernels.json not schema-valid: %v", err)
	}
	want := `{
  "aarch64": [
    {"target": "ubuntu", "kernelrelease": "6.14.0-1021-gcp", "distroversion": "24.04"}
  ],
  "x86_64": [
    {"target": "amazonlinux", "kernelrelease": "6.12.58-82.121.amzn2023.x86_64", "distroversion": "2023"},
    {"target": "debian", "kernelrelease": "6.1.0-55-amd64", "distroversion": "12"},
    {"target": "debian", "kernelrelease": "6.1.0-56-amd64", "distroversion": "12"},
    {"target": "debian", "kernelrelease": "6.12.12+bpo-amd64", "distroversion": "12"},
    {"target": "ubuntu", "kernelrelease": "6.8.0-57-generic", "distroversion": "22.04"},
    {"target": "ubuntu", "kernelrelease": "6.8.0-149-generic", "distroversion": "24.04"}
  ]
}
`
	if string(got) != want {
		t.Errorf("kernels.json =\n%s\nwant\n%s", got, want)
	}
}

// TestNewCmdMatrixFlags checks flag parsing alone, with no I/O (gh style).
func TestNewCmdMatrixFlags(t *testing.T) {
	var got *schedule.Options
	cmd := newCmdMatrix(&ioStreams{}, func(o *schedule.Options, _ string, _ int) error { got = o; return nil })
	cmd.SetArgs([]string{"--crawled", "a/x86_64/list.json", "--crawled", "b.json", "--driver-version", "1", "--driver-version", "2", "--axis", "x=a,b", "--target", "ubuntu,debian", "--chunk-size", "10"})
	cmd.SetOut(&bytes.Buffer{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Sources.Kernels != "kernels.json" || !slices.Equal(got.Sources.Crawled, []string{"a/x86_64/list.json", "b.json"}) ||
		!slices.Equal(got.DriverVersions, []string{"1", "2"}) || !slices.Equal(got.Axes, []string{"x=a,b"}) ||
		got.ChunkSize != 10 || got.Sources.Filter.Target != "ubuntu,debian" || got.Artifact != "deb-rpm" {
		t.Errorf("parsed options = %+v", got)
	}
}

// TestRepoKernelsJSON keeps the repo's own kernels.json valid and canonical,
// so `make run` works and add-kernel PRs produce minimal diffs. add-kernel only
// ever runs on a copy in t.TempDir(): a write (or a lock or temp file next to
// the target) must never land in the source tree.
func TestRepoKernelsJSON(t *testing.T) {
	const repoFile = "../../kernels.json"
	data, err := os.ReadFile(repoFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if now, err := os.ReadFile(repoFile); err != nil || !bytes.Equal(now, data) {
			t.Errorf("the repo's kernels.json changed during the test (%v)", err)
		}
	})
	if err := schemas.Validate(schemas.Kernels, data); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tmp := filepath.Join(dir, "kernels.json")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", nil, "add-kernel", "--kernels", tmp, "--target", "debian", "--arch", "x86_64", "--release", "6.1.0-56-amd64")
	if r.code != 0 || !strings.Contains(r.stderr, "already present") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if same, err := os.ReadFile(tmp); err != nil || !bytes.Equal(same, data) {
		t.Fatalf("a kernel already present changed the file (%v):\n%s", err, same)
	}
	// Adding and re-reading in canonical form must give the same bytes back.
	r = runCLI(t, "", nil, "add-kernel", "--kernels", tmp, "--target", "fedora", "--arch", "x86_64", "--release", "6.14.0-100.fc42.x86_64")
	after, err := os.ReadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 0 || !strings.Contains(string(after), `"kernelrelease": "6.14.0-100.fc42.x86_64"`) {
		t.Fatalf("add to a copy: exit %d: %s", r.code, r.stderr)
	}
	stripped := strings.Replace(string(after), "    {\"target\": \"fedora\", \"kernelrelease\": \"6.14.0-100.fc42.x86_64\", \"distroversion\": \"42\"},\n", "", 1)
	if stripped != string(data) {
		t.Errorf("kernels.json is not in canonical form; rewrite it with the writer:\n%s", after)
	}
}

// TestOutputForTTY: a person at a terminal gets indented JSON; a pipe gets
// one compact line, which is what GitHub Actions and jq read.
func TestOutputForTTY(t *testing.T) {
	for _, tty := range []bool{false, true} {
		var out, errOut bytes.Buffer
		ios := &ioStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, OutTTY: tty, Getenv: func(string) string { return "" }}
		if code := run(context.Background(), []string{"matrix", "--kernels", "testdata/old.json", "--driver-version", "1"}, ios); code != 0 {
			t.Fatalf("tty=%v: exit %d: %s", tty, code, errOut.String())
		}
		lines := strings.Count(out.String(), "\n")
		if tty && (lines < 10 || !strings.Contains(out.String(), "\n  \"include\": [")) {
			t.Errorf("tty output not indented:\n%s", out.String())
		}
		if !tty && lines != 1 {
			t.Errorf("piped output has %d lines, want 1", lines)
		}
		if err := schemas.Validate(schemas.Matrix, out.Bytes()); err != nil {
			t.Errorf("tty=%v: %v", tty, err)
		}
	}
}

// TestDistrosJSONIsTheTable: `distros --json` validates against its schema,
// is the schema's example (schemas/examples/distros.json, validated by make
// test), and has one row per distribution of the table with its values.
func TestDistrosJSONIsTheTable(t *testing.T) {
	r := runCLI(t, "", nil, "distros", "--json")
	if r.code != 0 {
		t.Fatalf("distros --json: exit %d: %s", r.code, r.stderr)
	}
	if err := schemas.Validate(schemas.Distros, []byte(r.stdout)); err != nil {
		t.Errorf("distros --json does not validate: %v", err)
	}
	example, err := os.ReadFile("../../schemas/examples/distros.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(example) != r.stdout {
		t.Errorf("schemas/examples/distros.json is not distros --json's output: refresh it with matrixgen distros --json > schemas/examples/distros.json")
	}
	var rows []output.DistroRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	table := matrixgen.Distros()
	if len(rows) != len(table) {
		t.Fatalf("%d rows, the table has %d distributions", len(rows), len(table))
	}
	for i, d := range table {
		row := rows[i]
		if row.Name != d.Name || row.DefaultImage != d.Image || row.Crawled != (len(d.Crawl) > 0) {
			t.Errorf("row %d = %+v, want the table's %s", i, row, d.Name)
		}
		if got := matrixgen.DefaultImage(d.Name, "X"); got != strings.ReplaceAll(row.DefaultImage, "{version}", "X") {
			t.Errorf("%s: default_image %q, but matrix builds in %q", d.Name, row.DefaultImage, got)
		}
		for _, a := range append([]string{row.Name}, row.Aliases...) {
			if c, ok := matrixgen.CanonicalDistribution(a); !ok || c != d.Name {
				t.Errorf("%s: alias %q names %q, %v", d.Name, a, c, ok)
			}
		}
	}
}
