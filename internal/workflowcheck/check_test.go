package workflowcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// shipped reads the workflows and the action this repository ships.
func shipped(t *testing.T) map[string][]byte {
	t.Helper()
	root := repoRoot(t)
	paths, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, filepath.Join(root, "action.yml"))
	files := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = b
	}
	return files
}

// TestShippedWorkflows is the workflow contract: the workflows and the action this
// repository ships keep every rule of Check.
func TestShippedWorkflows(t *testing.T) {
	files := shipped(t)
	for _, want := range []string{".github/workflows/nightly.yml", ".github/workflows/build-chunk.yml", ".github/workflows/driver-build.yml", ".github/workflows/action-check.yml", ".github/workflows/release.yml", "action.yml"} {
		if _, ok := files[want]; !ok {
			t.Errorf("%s is missing", want)
		}
	}
	fs, err := Check(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Error(f)
	}
}

// TestShippedPublishing: driver artifacts are published with matrixgen publish (never
// gh release upload), by the jobs that build them, skipped when the run was cancelled.
func TestShippedPublishing(t *testing.T) {
	units, err := parse(shipped(t))
	if err != nil {
		t.Fatal(err)
	}
	publishers := map[string]bool{}
	for _, u := range units {
		for _, j := range u.jobs {
			for _, s := range j.steps {
				for _, l := range logicalLines(s.run) {
					if strings.Contains(l, "gh release upload") {
						t.Errorf("%s: job %s uploads with gh release upload: publish with matrixgen publish", u.file, j.id)
					}
					if strings.Contains(l, " publish ") && strings.Contains(l, "matrixgen") {
						publishers[u.file+" "+j.id] = true
						if !strings.Contains(l, `--repo "$GITHUB_REPOSITORY"`) || !strings.Contains(l, "--driver-version") {
							t.Errorf("%s: job %s: %q: want --repo \"$GITHUB_REPOSITORY\" and --driver-version", u.file, j.id, l)
						}
						if strings.Contains(s.ifCond, "always()") || (s.ifCond != "" && !strings.Contains(s.ifCond, "!cancelled()")) {
							t.Errorf("%s: job %s: publish step if: %s: want the default (success) or !cancelled()", u.file, j.id, s.ifCond)
						}
					}
				}
			}
		}
	}
	for _, want := range []string{".github/workflows/build-chunk.yml build", ".github/workflows/driver-build.yml build"} {
		if !publishers[want] {
			t.Errorf("%s does not publish its own artifact (have %v)", want, publishers)
		}
	}
}

const okAction = `name: m
inputs:
  command: {description: c, default: ''}
outputs:
  matrix: {value: x}
  has_builds: {value: x}
  count: {value: x}
  chunks: {value: x}
  chunk_size: {value: x}
  status: {value: x}
  branch: {value: x}
  pr_number: {value: x}
  pr_url: {value: x}
runs:
  using: composite
  steps:
    - uses: actions/setup-go@v5
      with:
        go-version-file: ${{ github.action_path }}/go.mod
    - shell: bash
      working-directory: ${{ github.action_path }}
      run: go build -o "$RUNNER_TEMP/m/matrixgen" ./cmd/matrixgen
`

func wf(jobs string) string {
	return "name: w\non: workflow_dispatch\npermissions:\n  contents: read\njobs:\n" + jobs
}

// TestRules shows each rule failing on a workflow that breaks it, and passing on its fix.
func TestRules(t *testing.T) {
	tests := []struct {
		name string
		file string // default .github/workflows/w.yml
		src  string
		want []string // rules expected, in any order; nil: none
	}{
		{
			name: "gh without repository (main's publish job)",
			src:  wf("  p:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          n=$(gh release list --limit 1000)\n          gh release upload x out/*\n"),
			want: []string{RuleGHRepo, RuleGHRepo},
		},
		{
			name: "gh with GH_REPO",
			src:  wf("  p:\n    runs-on: ubuntu-latest\n    steps:\n      - run: gh release list\n        env:\n          GH_REPO: ${{ github.repository }}\n"),
		},
		{
			name: "gh with --repo, job-level GH_REPO",
			src:  wf("  p:\n    runs-on: ubuntu-latest\n    env:\n      GH_REPO: ${{ github.repository }}\n    steps:\n      - run: gh release list\n      - run: 'echo x # gh is not called here'\n      - run: gh run list --repo \"$GITHUB_REPOSITORY\"\n"),
		},
		{
			name: "matrixgen publish and pr without --repo",
			src: wf("  p:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          \"$RUNNER_TEMP/matrixgen/matrixgen-linux-amd64\" publish --driver-version 1 out/a\n" +
				"          matrixgen pr add-kernel --target ubuntu \\\n            --release 6.8.0-51-generic\n" +
				"          \"$matrixgen\" publish --driver-version 1 out/a\n"),
			want: []string{RuleMatrixgenRepo, RuleMatrixgenRepo, RuleMatrixgenRepo},
		},
		{
			name: "matrixgen publish with --repo over a continuation",
			src:  wf("  p:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: write\n    steps:\n      - run: |\n          matrixgen publish --driver-version 1 \\\n            --repo \"$GITHUB_REPOSITORY\" out/a\n"),
		},
		{
			name: "the action running pr without --repo",
			src:  wf("  p:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./\n        with:\n          command: pr add-kernels --from x.json\n"),
			want: []string{RuleMatrixgenRepo},
		},
		{
			name: "always() in a job and a step if (main's nightly publish)",
			src:  wf("  p:\n    if: always() && needs.plan.outputs.has_builds == 'true'\n    runs-on: ubuntu-latest\n    steps:\n      - if: ${{ always() }}\n        run: echo\n"),
			want: []string{RuleAlways, RuleAlways},
		},
		{
			name: "!cancelled()",
			src:  wf("  p:\n    if: ${{ !cancelled() && needs.plan.outputs.has_builds == 'true' }}\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"),
		},
		{
			name: "go install and go run at a version, action at a tag",
			src: wf("  p:\n    runs-on: ubuntu-latest\n    steps:\n      - run: go install \"github.com/matrixgen/matrixgen/cmd/matrixgen@${MATRIXGEN_VERSION}\"\n" +
				"      - run: go run github.com/matrixgen/matrixgen/cmd/matrixgen@latest matrix\n      - uses: matrixgen/matrixgen@v0.1.0\n"),
			want: []string{RuleGoInstall, RuleGoInstall, RuleGoInstall},
		},
		{
			name: "action pinned by commit, go build from source",
			src:  wf("  p:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: matrixgen/matrixgen@0123456789abcdef0123456789abcdef01234567 # v1.2.3\n      - run: go build -o bin/matrixgen ./cmd/matrixgen\n"),
		},
		{
			name: "download-artifact of everything, and by pattern (main's publish jobs)",
			src: wf("  p:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/download-artifact@v4\n      - uses: actions/download-artifact@v4\n        with:\n" +
				"          pattern: build-*\n          merge-multiple: true\n"),
			want: []string{RuleDownloadAll, RuleDownloadAll, RuleDownloadAll},
		},
		{
			name: "download-artifact by name",
			src:  wf("  p:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/download-artifact@v4\n        with:\n          name: plan\n"),
		},
		{
			name: "JavaScript actions in a container chosen by the matrix (main's build jobs)",
			src: wf("  b:\n    runs-on: ubuntu-latest\n    container: ${{ matrix.image }}\n    strategy:\n      matrix:\n        image: [amazonlinux:2]\n    steps:\n" +
				"      - uses: actions/checkout@v4\n      - run: ./build.sh\n      - uses: actions/upload-artifact@v4\n        with:\n          name: a\n          path: out\n"),
			want: []string{RuleJSInContainer, RuleJSInContainer},
		},
		{
			name: "JavaScript action in amazonlinux:2, none in amazonlinux:2023",
			src: wf("  a:\n    runs-on: ubuntu-latest\n    container: amazonlinux:2\n    steps:\n      - uses: actions/checkout@v4\n" +
				"  b:\n    runs-on: ubuntu-latest\n    container: amazonlinux:2023\n    steps:\n      - uses: actions/checkout@v4\n"),
			want: []string{RuleJSInContainer},
		},
		{
			name: "attestation that fails the leg and cannot be turned off (main's build jobs)",
			src:  wf("  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/attest-build-provenance@v2\n        with:\n          subject-path: out/a\n"),
			want: []string{RuleAttest, RuleAttest},
		},
		{
			name: "attestation as an input, continue-on-error",
			src: wf("  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/attest-build-provenance@v2\n        if: inputs.attest == 'true'\n        continue-on-error: true\n" +
				"        with:\n          subject-path: out/a\n"),
		},
		{
			name: "riscv64 and every arch on an x86 runner (main's runs-on)",
			src: wf("  b:\n    runs-on: ${{ startsWith(matrix.architecture, 'aarch64') && 'ubuntu-24.04-arm' || 'ubuntu-latest' }}\n    container: ${{ matrix.base_image }}\n" +
				"    strategy:\n      matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}\n    steps:\n      - run: ./build.sh\n"),
			want: []string{RuleArchRunner, RuleArchRunner},
		},
		{
			name: "arm64 spelled aarch64 only: aarch64+64k lands on x86",
			src: wf("  b:\n    runs-on: ${{ matrix.architecture == 'aarch64' && 'ubuntu-24.04-arm' || matrix.architecture == 'riscv64' && vars.MATRIXGEN_RISCV64_RUNNER || 'ubuntu-latest' }}\n" +
				"    steps:\n      - uses: docker/setup-qemu-action@v3\n        if: matrix.architecture == 'riscv64'\n      - run: docker run --rm --platform \"$P\" \"$BASE_IMAGE\" ./build.sh\n        env:\n          BASE_IMAGE: ${{ matrix.base_image }}\n"),
			want: []string{RuleArchRunner, RuleArchRunner},
		},
		{
			name: "riscv64 runner variable, else emulation; arm runner for both aarch64 arches",
			src: wf("  b:\n    runs-on: ${{ startsWith(matrix.architecture, 'aarch64') && 'ubuntu-24.04-arm' || matrix.architecture == 'riscv64' && vars.MATRIXGEN_RISCV64_RUNNER || 'ubuntu-latest' }}\n" +
				"    steps:\n      - uses: docker/setup-qemu-action@v3\n        if: matrix.architecture == 'riscv64' && vars.MATRIXGEN_RISCV64_RUNNER == ''\n" +
				"      - run: docker run --rm --platform \"$P\" \"$BASE_IMAGE\" ./build.sh\n        env:\n          BASE_IMAGE: ${{ matrix.base_image }}\n"),
		},
		{
			name: "emulation step that never runs",
			src: wf("  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/setup-qemu-action@v3\n        if: matrix.architecture == 'ppc64le'\n" +
				"      - run: docker run --rm --platform \"$P\" \"$BASE_IMAGE\" ./build.sh\n        env:\n          BASE_IMAGE: ${{ matrix.base_image }}\n"),
			want: []string{RuleArchRunner, RuleArchRunner, RuleArchRunner, RuleArchRunner, RuleArchRunner, RuleArchRunner},
		},
		{
			name: "contents: write for the whole workflow, and in a job that publishes nothing",
			src:  "name: w\non: workflow_dispatch\npermissions:\n  contents: write\njobs:\n  p:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: write\n    steps:\n      - run: echo\n",
			want: []string{RulePermissions, RulePermissions},
		},
		{
			name: "action.yml that installs a version (main's)",
			file: "action.yml",
			src: `name: m
inputs:
  version: {description: v, default: v0.1.0}
outputs:
  matrix: {value: x}
runs:
  using: composite
  steps:
    - uses: actions/setup-go@v5
      with:
        go-version: '1.26'
    - shell: bash
      run: go install "github.com/matrixgen/matrixgen/cmd/matrixgen@${MATRIXGEN_VERSION}"
`,
			want: []string{RuleActionSource, RuleActionSource, RuleActionSource, RuleGoInstall,
				RuleActionOutputs, RuleActionOutputs, RuleActionOutputs, RuleActionOutputs, RuleActionOutputs, RuleActionOutputs, RuleActionOutputs, RuleActionOutputs},
		},
		{
			name: "action.yml that builds itself",
			file: "action.yml",
			src:  okAction,
		},
		{
			name: "release.yml on a branch, publishing nothing",
			file: ".github/workflows/release.yml",
			src:  "name: r\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - run: go build ./cmd/matrixgen\n",
			want: []string{RuleReleaseTrigger, RuleReleaseTrigger, RuleReleaseTrigger},
		},
		{
			name: "release.yml on v* tags",
			file: ".github/workflows/release.yml",
			src: "name: r\non:\n  push:\n    tags: ['v*']\npermissions:\n  contents: read\njobs:\n  r:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: write\n    steps:\n" +
				"      - run: make release-snapshot\n      - run: gh release create \"$GITHUB_REF_NAME\" --repo \"$GITHUB_REPOSITORY\" dist/*\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = ".github/workflows/w.yml"
			}
			fs, err := Check(map[string][]byte{file: []byte(tt.src)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.Rule)
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("rules %v, want %v; findings:\n%v", got, want, fs)
			}
		})
	}
}

// TestReusableWorkflowPermissions: a job calling a local reusable workflow may grant
// contents: write when the called workflow publishes.
func TestReusableWorkflowPermissions(t *testing.T) {
	caller := wf("  b:\n    permissions:\n      contents: write\n    uses: ./.github/workflows/c.yml\n")
	publisher := "name: c\non: workflow_call\npermissions:\n  contents: read\njobs:\n  p:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: write\n    steps:\n      - run: matrixgen publish --repo \"$GITHUB_REPOSITORY\" --driver-version 1 a\n"
	idle := strings.Replace(publisher, "matrixgen publish --repo \"$GITHUB_REPOSITORY\" --driver-version 1 a", "echo", 1)
	for _, tt := range []struct {
		callee string
		want   int
	}{{publisher, 0}, {idle, 2}} {
		fs, err := Check(map[string][]byte{".github/workflows/w.yml": []byte(caller), ".github/workflows/c.yml": []byte(tt.callee)})
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != tt.want {
			t.Errorf("got %d findings, want %d: %v", len(fs), tt.want, fs)
		}
	}
}

func TestEvalExpr(t *testing.T) {
	sc := scope{"matrix.architecture": "aarch64+64k", "vars.matrixgen_riscv64_runner": ""}
	tests := []struct {
		expr string
		want string
	}{
		{"startsWith(matrix.architecture, 'AArch64') && 'arm' || 'x86'", "arm"},
		{"matrix.architecture == 'riscv64' && vars.MATRIXGEN_RISCV64_RUNNER || 'ubuntu-latest'", "ubuntu-latest"},
		{"vars.UNSET == ''", "true"},
		{"!cancelled() && matrix.architecture != 'x86_64'", "true"},
		{"github.event.repository.private", ""},
		{"!github.event.repository.private", "true"},
		{"contains(matrix.architecture, '+64K')", "true"},
		{"endsWith(matrix.architecture, '64k') && 1", "1"},
	}
	for _, tt := range tests {
		v, err := evalExpr(tt.expr, sc)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if got := toString(v); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
	if _, err := evalExpr("fromJSON('[1]')", sc); err == nil {
		t.Error("fromJSON: want an unsupported-function error")
	}
	if _, err := evalExpr("a ==", sc); err == nil {
		t.Error("a ==: want a parse error")
	}
}

func TestLogicalLines(t *testing.T) {
	got := logicalLines("# comment\nset -e\n  a \\\n    --b c \\\n    d\n\necho '#'\ntrailing \\")
	want := []string{"set -e", "a  --b c  d", "echo '#'", "trailing"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// FuzzLogicalLines: every logical line is non-empty and trimmed, and every non-comment,
// non-blank word of the script is in some line.
func FuzzLogicalLines(f *testing.F) {
	for _, s := range []string{"gh release list\n", "a \\\n b\n# c\n", "\\\n\\", "matrixgen publish --repo x \\\n  --driver-version 1 f\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lines := logicalLines(s)
		joined := strings.Join(lines, "\n")
		for _, l := range lines {
			if l == "" || l != strings.TrimSpace(l) {
				t.Fatalf("line %q is empty or untrimmed", l)
			}
		}
		for _, raw := range strings.Split(s, "\n") {
			tr := strings.TrimSpace(raw)
			if strings.HasPrefix(tr, "#") {
				continue
			}
			for _, w := range strings.Fields(strings.TrimSuffix(tr, "\\")) {
				if !strings.Contains(joined, w) {
					t.Fatalf("word %q of %q is lost: %q", w, s, lines)
				}
			}
		}
	})
}

// TestShippedScriptsParse runs bash -n on every run: script of the shipped workflows and
// the action (expressions replaced by a word), so a script that cannot run is found here
// and not on a runner; actionlint checks them only where shellcheck is installed.
func TestShippedScriptsParse(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash on PATH")
	}
	units, err := parse(shipped(t))
	if err != nil {
		t.Fatal(err)
	}
	expr := regexp.MustCompile(`\$\{\{.*?\}\}`)
	n := 0
	for _, u := range units {
		for _, j := range u.jobs {
			for _, s := range j.steps {
				if s.run == "" {
					continue
				}
				n++
				cmd := exec.Command(bash, "-n")
				cmd.Stdin = strings.NewReader(expr.ReplaceAllString(s.run, "EXPR"))
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("%s:%d: job %s: bash -n: %v\n%s", u.file, s.line, j.id, err, out)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d scripts found", n)
	}
}

// TestShippedRHCOS: an rhcos build has what it needs on github.com. Every
// step that runs the build's image logs in with the OpenShift pull secret
// for rhcos (its Driver Toolkit is in a registry that needs one), the
// on-demand build finds that image by crawling the kernel's minor and
// builds in it, and the nightly crawls RHCOS when the secret is there, so
// rhcos kernels of kernels.json get their build image (matrix refuses them
// without one).
func TestShippedRHCOS(t *testing.T) {
	files := shipped(t)
	units, err := parse(files)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "${{ secrets.RHCOS_PULL_SECRET }}"
	builds, planned, nightlyCrawl, passed := 0, false, false, false
	for _, u := range units {
		for _, j := range u.jobs {
			if j.calls != "" && strings.HasSuffix(j.calls, "build-chunk.yml") {
				// A called workflow sees only the secrets its caller passes
				// (jobs.<id>.secrets) or inherits (docs.github.com, "Reusing
				// workflows": "Passing inputs and secrets to a reusable workflow").
				passed = j.secrets["RHCOS_PULL_SECRET"] == secret || j.secrets["*"] == "inherit"
			}
			for _, s := range j.steps {
				script := strings.Join(logicalLines(s.run), "\n")
				if strings.Contains(script, "docker run") && strings.Contains(script, "$BASE_IMAGE") {
					builds++
					if s.env["RHCOS_PULL_SECRET"] != secret || !strings.Contains(script, `DOCKER_CONFIG="$RUNNER_TEMP/docker"`) {
						t.Errorf("%s:%d: job %s runs the build image without the rhcos pull secret as its docker config", u.file, s.line, j.id)
					}
				}
				if strings.Contains(script, "matrixgen add-kernel") && strings.HasSuffix(u.file, "driver-build.yml") {
					// A partial crawl (exit 3: some z-stream failed) still
					// names the Driver Toolkit of every z-stream it read.
					// The target, minor and arch are add-kernel's canonical
					// ones: a dispatch of RHCOS or arm64 is an rhcos build too.
					planned = s.env["RHCOS_PULL_SECRET"] == secret && strings.Contains(script, `read -r target version arch < <(jq`) &&
						strings.Contains(script, `if [ "$target" = rhcos ]`) && strings.Contains(script, `--distro rhcos --release "rhcos/$version" --arch "$arch"`) &&
						strings.Contains(script, `--out rhcos.json || test $? -eq 3`) &&
						strings.Contains(script, `image=(--base-image "$dtk")`) && strings.Contains(script, `"${image[@]}"`)
				}
				if strings.Contains(script, "--distro rhcos") && strings.HasSuffix(u.file, "nightly.yml") {
					nightlyCrawl = s.env["RHCOS_PULL_SECRET"] == secret && strings.Contains(string(files[u.file]), "crawled+=(--crawled rhcos-crawled)")
				}
			}
		}
	}
	if builds != 2 {
		t.Errorf("%d build steps run the build image, want 2 (build-chunk, driver-build)", builds)
	}
	if !planned {
		t.Error("driver-build's plan does not find an rhcos kernel's Driver Toolkit (crawl of its minor, --base-image)")
	}
	if !nightlyCrawl || !passed {
		t.Errorf("nightly: crawls rhcos into the plan %v, passes the secret to build-chunk %v", nightlyCrawl, passed)
	}
}
