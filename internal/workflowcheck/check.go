package workflowcheck

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/matrixgen/matrixgen"
)

// Rule names, as findings print them.
const (
	RuleGHRepo         = "gh-repo"          // a gh call without GH_REPO or --repo
	RuleMatrixgenRepo  = "matrixgen-repo"   // matrixgen publish/pr without --repo
	RuleAlways         = "always"           // always() in an if: a cancelled run would still publish
	RuleGoInstall      = "go-install"       // go install/run of matrixgen at a version, or the action at a ref that is not a commit
	RuleActionSource   = "action-source"    // action.yml does not build matrixgen from its own checkout
	RuleDownloadAll    = "download-all"     // download-artifact without name:, or with pattern:
	RuleJSInContainer  = "js-in-container"  // a JavaScript action in a job whose container may be amazonlinux:2
	RuleAttest         = "attest"           // an attestation that can fail its job, or that cannot be turned off
	RuleArchRunner     = "arch-runner"      // a build leg on a runner of another arch without emulation
	RulePermissions    = "permissions"      // contents: write where nothing is published
	RuleActionOutputs  = "action-outputs"   // an output the workflows read is gone from action.yml
	RuleReleaseTrigger = "release-workflow" // release.yml is not the tag-triggered pipeline
)

// Canonical architectures (matrixgen.Arch), the spellings matrix entries carry.
var canonicalArches = []string{"x86_64", "aarch64", "aarch64+64k", "riscv64"}

// actionOutputs are the outputs of action.yml that workflows read (matrix and pr).
var actionOutputs = []string{"matrix", "has_builds", "count", "chunks", "chunk_size", "status", "branch", "pr_number", "pr_url"}

// RISCV64RunnerVar is the repository variable naming a riscv64 runner label.
const RISCV64RunnerVar = "MATRIXGEN_RISCV64_RUNNER"

// Check parses the given workflows and action metadata (slash path from the repository root
// to content; action.yml is the composite action, any other file a workflow) and returns every
// broken rule, in file order. An error means a file could not be parsed.
func Check(files map[string][]byte) ([]Finding, error) {
	units, err := parse(files)
	if err != nil {
		return nil, err
	}
	byPath := map[string]*unit{}
	for _, u := range units {
		byPath[u.file] = u
	}
	var fs []Finding
	for _, u := range units {
		c := &checker{u: u, byPath: byPath}
		c.run()
		fs = append(fs, c.out...)
	}
	return fs, nil
}

type checker struct {
	u      *unit
	byPath map[string]*unit
	out    []Finding
}

func (c *checker) add(ln int, rule, format string, args ...any) {
	c.out = append(c.out, Finding{File: c.u.file, Line: ln, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) run() {
	if c.u.action {
		c.action()
	} else if c.u.permissions["contents"] == "write" || c.u.permissions["*"] == "write-all" {
		c.add(0, RulePermissions, "the workflow grants contents: write to every job: grant it per job, only where publishing happens")
	}
	if path.Base(c.u.file) == "release.yml" {
		c.release()
	}
	for _, j := range c.u.jobs {
		c.job(j)
	}
}

// logicalLines splits a shell script into lines, joining backslash continuations and
// dropping comment lines, so one command is one string.
func logicalLines(script string) []string {
	var out []string
	var cur strings.Builder
	for _, l := range strings.Split(script, "\n") {
		t := strings.TrimSpace(l)
		if cur.Len() == 0 && strings.HasPrefix(t, "#") {
			continue
		}
		if strings.HasSuffix(t, "\\") {
			cur.WriteString(strings.TrimSuffix(t, "\\"))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(t)
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

var (
	// gh as a command: at the start, or after a shell separator, $( or a quote.
	ghCall = regexp.MustCompile(`(^|[\s;&|(!"'` + "`" + `])gh\s+[a-z]`)
	// matrixgen (or a path or variable ending in a matrixgen binary, "$matrixgen") running
	// publish or pr: the shipped workflows name the binary so this sees every call.
	matrixgenPublishPR = regexp.MustCompile(`matrixgen[\w.-]*["']?\s+(publish|pr)(\s|$)`)
	goInstallMatrixgen = regexp.MustCompile(`\bgo\s+(install|run|get)\b[^;&|]*matrixgen[^\s;&|]*@`)
	repoFlag           = regexp.MustCompile(`(^|\s)(--repo[\s=]|-R\s)`)
	hex40              = regexp.MustCompile(`^[0-9a-f]{40}$`)
	ghReleaseWrite     = regexp.MustCompile(`\bgh\s+release\s+(create|upload|edit)\b`)
)

func hasGHRepo(j *job, s *step) bool {
	if _, ok := s.env["GH_REPO"]; ok {
		return true
	}
	_, ok := j.env["GH_REPO"]
	return ok
}

// matrixgenAction reports whether uses names matrixgen's composite action: this repository's
// own (./) or matrixgen/matrixgen at a ref.
func matrixgenAction(uses string) bool {
	return uses == "./" || uses == "." || strings.HasPrefix(strings.ToLower(uses), "matrixgen/matrixgen@")
}

func usesAction(s *step, name string) bool {
	return strings.HasPrefix(strings.ToLower(s.uses), name+"@")
}

func (c *checker) job(j *job) {
	if strings.Contains(j.ifCond, "always()") {
		c.add(j.line, RuleAlways, "job %s: if: %s runs even when the run was cancelled: use !cancelled()", j.id, j.ifCond)
	}
	for _, s := range j.steps {
		c.step(j, s)
	}
	c.permissionsRule(j)
	c.container(j)
	c.archRunner(j)
}

func (c *checker) step(j *job, s *step) {
	if strings.Contains(s.ifCond, "always()") {
		c.add(s.line, RuleAlways, "job %s: step if: %s runs even when the run was cancelled: use !cancelled()", j.id, s.ifCond)
	}
	for _, l := range logicalLines(s.run) {
		if ghCall.MatchString(l) && !hasGHRepo(j, s) && !repoFlag.MatchString(l) {
			c.add(s.line, RuleGHRepo, "job %s: %q calls GitHub with no repository: set GH_REPO: ${{ github.repository }} or pass --repo", j.id, l)
		}
		if matrixgenPublishPR.MatchString(l) && !repoFlag.MatchString(l) {
			c.add(s.line, RuleMatrixgenRepo, "job %s: %q has no --repo", j.id, l)
		}
		if goInstallMatrixgen.MatchString(l) {
			c.add(s.line, RuleGoInstall, "job %s: %q installs matrixgen at a module version (no tag may exist): build it from source with the action", j.id, l)
		}
	}
	if matrixgenAction(s.uses) {
		if _, ref, ok := strings.Cut(s.uses, "@"); ok && !hex40.MatchString(ref) {
			c.add(s.line, RuleGoInstall, "job %s: uses: %s: pin the action by its 40-hex commit sha (with a # vX.Y.Z comment)", j.id, s.uses)
		}
		cmd := strings.Fields(s.with["command"])
		if len(cmd) > 0 && (cmd[0] == "publish" || cmd[0] == "pr") && !repoFlag.MatchString(s.with["command"]) {
			c.add(s.line, RuleMatrixgenRepo, "job %s: command %q has no --repo", j.id, s.with["command"])
		}
	}
	if usesAction(s, "actions/download-artifact") {
		if strings.TrimSpace(s.with["name"]) == "" {
			c.add(s.line, RuleDownloadAll, "job %s: download-artifact without name: lists every artifact of the run (only the first 1,000: actions/download-artifact#363)", j.id)
		}
		if _, ok := s.with["pattern"]; ok {
			c.add(s.line, RuleDownloadAll, "job %s: download-artifact pattern: %s filters the run's first 1,000 artifacts only (actions/download-artifact#363): download one artifact by name", j.id, s.with["pattern"])
		}
	}
	if usesAction(s, "actions/attest-build-provenance") || usesAction(s, "actions/attest-sbom") || usesAction(s, "actions/attest") {
		if s.continueOnError != "true" {
			c.add(s.line, RuleAttest, "job %s: attestation without continue-on-error: true fails the build where attestations are unavailable (private repositories without GitHub Enterprise Cloud)", j.id)
		}
		low := strings.ToLower(s.ifCond)
		if !strings.Contains(low, "attest") && !strings.Contains(low, "repository.private") && !strings.Contains(low, "repository.visibility") {
			c.add(s.line, RuleAttest, "job %s: attestation always runs: make it an input (attest) that defaults to on for public repositories", j.id)
		}
	}
}

// publishes reports whether the job writes repository contents: matrixgen publish or pr,
// gh release create/upload, or a call of a local reusable workflow that does.
func (c *checker) publishes(j *job, seen map[string]bool) bool {
	for _, s := range j.steps {
		for _, l := range logicalLines(s.run) {
			if matrixgenPublishPR.MatchString(l) || ghReleaseWrite.MatchString(l) {
				return true
			}
		}
		if cmd := strings.Fields(s.with["command"]); matrixgenAction(s.uses) && len(cmd) > 0 && (cmd[0] == "publish" || cmd[0] == "pr") {
			return true
		}
	}
	if p, ok := strings.CutPrefix(j.calls, "./"); ok && !seen[p] {
		seen[p] = true
		if u := c.byPath[p]; u != nil {
			for _, cj := range u.jobs {
				if c.publishes(cj, seen) {
					return true
				}
			}
		}
	}
	return false
}

func (c *checker) permissionsRule(j *job) {
	if j.permissions == nil || (j.permissions["contents"] != "write" && j.permissions["*"] != "write-all") {
		return
	}
	if !c.publishes(j, map[string]bool{}) {
		c.add(j.line, RulePermissions, "job %s: contents: write but it publishes nothing (no matrixgen publish/pr, no gh release)", j.id)
	}
}

// mayBeAmazonLinux2 reports whether a job container image can be amazonlinux:2 (glibc 2.26;
// the node20 runtime of JavaScript actions needs glibc 2.28): an image chosen by an
// expression (a matrix's base_image includes amazonlinux:2), or amazonlinux:2 itself.
func mayBeAmazonLinux2(image string) bool {
	if strings.Contains(image, "${{") {
		return true
	}
	name, tag, _ := strings.Cut(image, ":")
	al2, _, _ := strings.Cut(matrixgen.DefaultImage(matrixgen.AmazonLinux, "2"), ":")
	return path.Base(name) == path.Base(al2) && (tag == "2" || strings.HasPrefix(tag, "2.") || strings.HasPrefix(tag, "2-"))
}

func (c *checker) container(j *job) {
	if j.container == "" || !mayBeAmazonLinux2(j.container) {
		return
	}
	for _, s := range j.steps {
		if s.uses != "" && !strings.HasPrefix(s.uses, "docker://") {
			c.add(s.line, RuleJSInContainer, "job %s: uses: %s runs inside container %s, which can be amazonlinux:2 (glibc 2.26, JavaScript actions need 2.28): run the build with docker run from the runner instead", j.id, s.uses, j.container)
		}
	}
}

// buildsPerArch reports whether the job is a build leg whose architecture comes from the
// matrix or the inputs: its runner or container depends on it, or it runs a base image.
func buildsPerArch(j *job) bool {
	texts := append([]string{j.container}, j.runsOn...)
	for _, s := range j.steps {
		texts = append(texts, s.run)
		for _, v := range s.env {
			texts = append(texts, v)
		}
	}
	for _, t := range texts {
		if strings.Contains(t, "base_image") {
			return true
		}
	}
	for _, r := range j.runsOn {
		if strings.Contains(r, "architecture") {
			return true
		}
	}
	return false
}

// hostArch classifies a runner label: a label with riscv or arm in it (ubuntu-24.04-arm), the
// configured riscv64 variable's value, else x86_64 (GitHub's ubuntu-* images).
func hostArch(label, riscvLabel string) string {
	l := strings.ToLower(label)
	switch {
	case riscvLabel != "" && label == riscvLabel, strings.Contains(l, "riscv"):
		return "riscv64"
	case strings.Contains(l, "arm") || strings.Contains(l, "aarch64"):
		return "aarch64"
	}
	return "x86_64"
}

func wantHost(arch string) string {
	if strings.HasPrefix(arch, "aarch64") {
		return "aarch64"
	}
	return arch
}

// emulates reports whether, for this leg, the job sets up QEMU (docker/setup-qemu-action,
// its if true) and builds with docker run --platform, outside any job container.
func emulates(j *job, sc scope) (bool, error) {
	if j.container != "" {
		return false, nil
	}
	qemu, platform := false, false
	for _, s := range j.steps {
		if usesAction(s, "docker/setup-qemu-action") {
			ok, err := cond(s.ifCond, sc)
			if err != nil {
				return false, err
			}
			qemu = qemu || ok
		}
		for _, l := range logicalLines(s.run) {
			if strings.Contains(l, "docker run") && strings.Contains(l, "--platform") {
				platform = true
			}
		}
	}
	return qemu && platform, nil
}

func (c *checker) archRunner(j *job) {
	if j.calls != "" || !buildsPerArch(j) {
		return
	}
	const riscvLabel = "my-riscv64-runner"
	for _, arch := range canonicalArches {
		for _, rv := range []string{"", riscvLabel} {
			sc := scope{"matrix.architecture": arch, "inputs.architecture": arch, "vars." + strings.ToLower(RISCV64RunnerVar): rv}
			var labels []string
			for _, r := range j.runsOn {
				l, err := interpolate(r, sc)
				if err != nil {
					c.add(j.line, RuleArchRunner, "job %s: runs-on: %v", j.id, err)
					return
				}
				labels = append(labels, l)
			}
			host := "x86_64"
			if len(labels) > 0 {
				host = hostArch(labels[0], rv)
			}
			if host == wantHost(arch) {
				continue
			}
			ok, err := emulates(j, sc)
			if err != nil {
				c.add(j.line, RuleArchRunner, "job %s: %v", j.id, err)
				return
			}
			if !ok {
				with := ""
				if rv != "" {
					with = fmt.Sprintf(" (with %s=%s)", RISCV64RunnerVar, rv)
				}
				c.add(j.line, RuleArchRunner, "job %s: a %s leg runs on %q (%s)%s with no emulation (docker/setup-qemu-action and docker run --platform): it would build on the wrong architecture", j.id, arch, strings.Join(labels, ","), host, with)
			}
		}
	}
}

// action checks action.yml: it builds matrixgen from its own checkout, has no version
// input, and keeps the outputs workflows read.
func (c *checker) action() {
	if _, ok := c.u.inputs["version"]; ok {
		c.add(0, RuleActionSource, "input version: the action builds matrixgen from its own checkout; a version to install names a tag that may not exist")
	}
	setup, build := false, false
	for _, s := range c.u.jobs[0].steps {
		if usesAction(s, "actions/setup-go") && strings.Contains(s.with["go-version-file"], "github.action_path") {
			setup = true
		}
		if strings.Contains(s.run, "go build") && strings.Contains(s.workingDir, "github.action_path") && strings.Contains(s.run, "./cmd/matrixgen") {
			build = true
		}
	}
	if !setup {
		c.add(0, RuleActionSource, "no actions/setup-go with go-version-file: ${{ github.action_path }}/go.mod")
	}
	if !build {
		c.add(0, RuleActionSource, "no go build ./cmd/matrixgen with working-directory: ${{ github.action_path }}: the action must build the commit it is pinned to")
	}
	for _, o := range actionOutputs {
		if !c.u.outputs[o] {
			c.add(0, RuleActionOutputs, "output %s is gone: workflows read it", o)
		}
	}
}

// release checks release.yml: it runs on v* tags and creates the release with repository context
// (the gh-repo rule checks that) from the files make release-snapshot builds.
func (c *checker) release() {
	tagged := false
	for _, t := range c.u.onTags {
		if strings.HasPrefix(t, "v") {
			tagged = true
		}
	}
	if !tagged {
		c.add(0, RuleReleaseTrigger, "release.yml must run on push of v* tags")
	}
	snapshot, create := false, false
	for _, j := range c.u.jobs {
		for _, s := range j.steps {
			for _, l := range logicalLines(s.run) {
				if strings.Contains(l, "make release-snapshot") {
					snapshot = true
				}
				if strings.Contains(l, "gh release create") {
					create = true
				}
			}
		}
	}
	if !snapshot {
		c.add(0, RuleReleaseTrigger, "release.yml must build with make release-snapshot, the pipeline tried offline before the tag")
	}
	if !create {
		c.add(0, RuleReleaseTrigger, "release.yml creates no GitHub release (gh release create)")
	}
}
