package demo

// This file is the demo's one driver of the CLI: every matrixgen command
// line it runs, and what each must print. When a command's flags change,
// change them here.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github"
)

// The kernels the demo follows through the loop.
const (
	// kojiKernel is gone from the fixture Fedora mirror; only the Koji
	// hub has it (KojiBuilds), so crawl --koji finds it and resolve
	// answers it from Koji.
	kojiKernel = "6.16.8-100.fc41.x86_64"
	// nodeKernel is the kernel of the node that asks the service for a
	// build: a bookworm-security kernel kernels.json lacks.
	nodeKernel       = "6.12.117+deb12-cloud-amd64"
	nodeDistro       = "debian"
	nodeVersion      = "12"
	driverVersion    = "1.0.0"
	expectedArtifact = "driver-debian-12-6.12.117.deb12-cloud-amd64_1.0.0_amd64.deb" // the deb-rpm preset, as GitHub stores it
)

// branch is the PR bot's branch for a kernel of the demo.
func branch(target, release, version string) (string, error) {
	k, err := matrixgen.Make(matrixgen.Spec{Target: target, Arch: matrixgen.X86_64, Release: release, DistroVersion: version})
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	return github.KernelBranch(k), nil
}

// ok0 accepts exit 0 only.
var ok0 = map[int]string{0: ""}

// dummyToken is the GitHub token the demo gives the commands: the fakes
// take any.
const dummyToken = "demo-token-for-the-fakes"

// stepNames are the steps in order, for the [i/N] count.
var stepNames = []string{"crawl", "resolve", "matrix", "diff", "pr add-kernel", "pr add-kernel (again)", "pr add-kernels", "serve", "request-build --wait"}

// mirrorArgs are the --mirror flags that point the crawl and resolve at
// the fakes.
func (d *demo) mirrorArgs() []string {
	f := d.fakes
	m := [][2]string{
		{"debian", f.DebMirror + "/debian"},
		{"debian-security", f.DebMirror + "/debian-security"},
		{"fedora", f.RPMMirror + "/fedora"},
		{"fedora-archive", f.RPMMirror + "/fedora-archive"},
		{"amazonlinux2023", f.RPMMirror + "/amazonlinux2023"},
		{"al2023-livepatch", f.RPMMirror + "/al2023-livepatch"},
		{"koji-fedora", f.KojiHub},
		{"koji-fedora-files", f.KojiFiles},
	}
	var args []string
	for _, kv := range m {
		args = append(args, "--mirror", kv[0]+"="+kv[1])
	}
	return args
}

// githubArgs point a command at the GitHub fake with the dummy token.
func (d *demo) githubArgs() []string {
	return []string{"--repo", Owner + "/" + Repo, "--github-url", d.fakes.GitHubAPI, "--github-token-file", d.path("github-token")}
}

func (d *demo) loop(ctx context.Context) error {
	if err := os.WriteFile(d.path("github-token"), []byte(dummyToken+"\n"), 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	kernels, err := os.ReadFile(d.Kernels)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := os.WriteFile(d.path("kernels.json"), kernels, 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	list := d.path("list.json")

	// 1. crawl
	_, err = d.run(ctx, step{
		name:  "crawl",
		about: "Debian 12, Fedora 41 and Amazon Linux 2023 from the fixture mirrors, plus the builds only Koji has",
		args: append([]string{"crawl", "--distro", "debian,fedora,amazonlinux2023",
			"--release", "debian/bookworm,fedora/41,amazonlinux2023/latest", "--koji",
			// The fixture InRelease files are real, signed archive files whose
			// Valid-Until has passed; apt would refuse them too.
			"--check-valid-until=false",
			"--cache-dir", d.path("cache"), "--out", list}, d.mirrorArgs()...),
		codes: map[int]string{3: "partial, as expected: the fixtures record only bookworm-security and bookworm-backports, so the bookworm and bookworm-updates suites answer 404 and are named; the recorded InRelease files expired on 2026-11-27, hence --check-valid-until=false"},
		check: func(Result) (string, error) {
			per, err := crawled(list)
			if err != nil {
				return "", err
			}
			for _, want := range []string{"debian", "fedora", "amazonlinux2023"} {
				if per[want] == 0 {
					return "", fmt.Errorf("%s: no %s kernels (got %v)", list, want, per)
				}
			}
			has, err := fileHas(list, kojiKernel, nodeKernel)
			if err != nil || !has {
				return "", fmt.Errorf("%s lacks %s (Koji) or %s (bookworm-security): %v", list, kojiKernel, nodeKernel, err)
			}
			return fmt.Sprintf("%s: %s, %s among them (from Koji)", strings.ReplaceAll(list, d.Dir, "$DEMO"), perString(per), kojiKernel), nil
		},
	})
	if err != nil {
		return err
	}

	// 2. resolve
	_, err = d.run(ctx, step{
		name:  "resolve",
		about: "where the headers of " + kojiKernel + " are, verified: the mirrors no longer have it, Koji does",
		args: append([]string{"resolve", "--target", "fedora", "--release", kojiKernel, "--arch", "x86_64", "--verify", "--json",
			"--cache-dir", d.path("cache")}, d.mirrorArgs()...),
		codes: ok0,
		check: func(r Result) (string, error) {
			var out struct {
				Link     *string  `json:"link"`
				URLs     []string `json:"urls"`
				Verified bool     `json:"verified"`
			}
			if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
				return "", fmt.Errorf("resolve --json: %w", err)
			}
			if out.Link == nil || *out.Link != "koji" || !out.Verified || len(out.URLs) != 1 || !strings.HasSuffix(out.URLs[0], "/kernel-devel-"+kojiKernel+".rpm") {
				return "", fmt.Errorf("want the Koji link, verified, with kernel-devel-%s.rpm; got %s", kojiKernel, r.Stdout)
			}
			return "answered by the koji link, RPM header verified over HTTP Range", nil
		},
	})
	if err != nil {
		return err
	}

	// 3. matrix
	_, err = d.run(ctx, step{
		name:  "matrix",
		about: "the GitHub Actions matrix: kernels.json merged with the crawl",
		args:  []string{"matrix", "--kernels", d.path("kernels.json"), "--crawled", list, "--driver-version", driverVersion},
		codes: map[int]string{0: "", 3: "partial: some crawled entries are skipped, each named"},
		check: func(r Result) (string, error) {
			var m struct {
				Include []struct {
					Distribution  string `json:"distribution"`
					KernelRelease string `json:"kernel_release"`
					Artifact      string `json:"artifact"`
				} `json:"include"`
			}
			if err := json.Unmarshal([]byte(r.Stdout), &m); err != nil {
				return "", fmt.Errorf("matrix output: %w", err)
			}
			per := map[string]int{}
			found := false
			for _, e := range m.Include {
				per[e.Distribution]++
				found = found || e.KernelRelease == kojiKernel
			}
			if len(m.Include) == 0 || !found {
				return "", fmt.Errorf("%d builds, %s among them: %v; want it among them", len(m.Include), kojiKernel, found)
			}
			return fmt.Sprintf("%d builds: %s", len(m.Include), perString(per)), nil
		},
	})
	if err != nil {
		return err
	}

	// 4. diff
	added := d.path("added.json")
	res, err := d.run(ctx, step{
		name:  "diff",
		about: "the kernels the crawl found that kernels.json lacks (what the PR bot proposes)",
		args:  []string{"diff", "--json", d.path("kernels.json"), list},
		codes: ok0,
		check: func(r Result) (string, error) {
			var out struct {
				Added, Removed []json.RawMessage
			}
			if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
				return "", fmt.Errorf("diff --json: %w", err)
			}
			if len(out.Added) == 0 || !strings.Contains(r.Stdout, kojiKernel) {
				return "", fmt.Errorf("%d kernels added, want some, %s among them", len(out.Added), kojiKernel)
			}
			return fmt.Sprintf("%d added, %d not seen by this crawl (other arches, other releases); stdout saved as %s",
				len(out.Added), len(out.Removed), strings.ReplaceAll(added, d.Dir, "$DEMO")), nil
		},
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(added, []byte(res.Stdout), 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	// 5. pr add-kernel, twice
	prArgs := append(append([]string{"pr", "add-kernel"}, d.githubArgs()...),
		"--target", "fedora", "--arch", "x86_64", "--release", kojiKernel, "--seen-in", "Koji (the demo's crawl)")
	kojiBranch, err := branch("fedora", kojiKernel, "")
	if err != nil {
		return err
	}
	for _, again := range []bool{false, true} {
		before := len(d.fakes.GitHub.Pulls())
		s := step{name: "pr add-kernel", about: "one PR that adds " + kojiKernel + " to kernels.json", args: prArgs, codes: ok0}
		s.check = func(Result) (string, error) {
			pulls := d.fakes.GitHub.Pulls()
			if len(pulls) != before+1 || pulls[len(pulls)-1].Head != kojiBranch {
				return "", fmt.Errorf("%d PRs before, %d after; want one more, from %s", before, len(pulls), kojiBranch)
			}
			p := pulls[len(pulls)-1]
			return fmt.Sprintf("PR #%d from %s", p.Number, p.Head), nil
		}
		if again {
			s.name, s.about = "pr add-kernel (again)", "the same again: the PR exists, nothing is written"
			writes := len(d.fakes.GitHub.Writes())
			s.check = func(Result) (string, error) {
				if n := len(d.fakes.GitHub.Pulls()); n != before {
					return "", fmt.Errorf("%d PRs before, %d after; want none opened", before, n)
				}
				if w := d.fakes.GitHub.Writes(); len(w) != writes {
					return "", fmt.Errorf("wrote to GitHub: %v", w[writes:])
				}
				return "no write sent to GitHub", nil
			}
		}
		if _, err := d.run(ctx, s); err != nil {
			return err
		}
	}

	// 6. pr add-kernels
	before := len(d.fakes.GitHub.Pulls())
	_, err = d.run(ctx, step{
		name:  "pr add-kernels",
		about: "one dated PR with every kernel the diff added",
		args:  append(append([]string{"pr", "add-kernels"}, d.githubArgs()...), "--from", added, "--single-pr", "--write-interval", "0"),
		codes: map[int]string{0: "", 3: "partial: some entries of --from are skipped, each named"},
		check: func(Result) (string, error) {
			pulls := d.fakes.GitHub.Pulls()
			if len(pulls) != before+1 || !strings.HasPrefix(pulls[len(pulls)-1].Head, "add-kernels/") {
				return "", fmt.Errorf("%d PRs before, %d after; want one more from add-kernels/<date>", before, len(pulls))
			}
			p := pulls[len(pulls)-1]
			body, _ := d.fakes.GitHub.File(p.Head, "kernels.json")
			return fmt.Sprintf("PR #%d from %s; its kernels.json has %d kernels (main: %d)", p.Number, p.Head,
				strings.Count(body, `"kernelrelease"`), strings.Count(string(kernels), `"kernelrelease"`)), nil
		},
	})
	if err != nil {
		return err
	}

	// 7. serve, then request-build --wait against it
	return d.serveAndRequest(ctx)
}

var reListening = regexp.MustCompile(`listening on (http://[0-9.:]+)`)

func (d *demo) serveAndRequest(ctx context.Context) error {
	serve := step{
		name:  "serve",
		about: "the build service, in the background: SQLite store, the GitHub fake as GitHub",
		args: append(append([]string{"serve"}, d.githubArgs()...),
			"--store", "sqlite:"+d.path("builds.db"), "--listen", "127.0.0.1:0", "--poll-interval", "200ms"),
		codes: map[int]string{0: "stopped as Ctrl-C stops it"},
	}
	serveStep := d.begin(serve)
	t0 := time.Now()
	p, err := d.CLI.Start(ctx, serve.args)
	if err != nil {
		return fmt.Errorf("step %d (serve): %w", serveStep, err)
	}
	stopped := false
	stop := func() Result {
		stopped = true
		return p.Stop()
	}
	defer func() {
		if !stopped {
			p.Stop()
		}
	}()
	var url string
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for url == "" {
		if m := reListening.FindStringSubmatch(p.Stderr()); m != nil {
			url = m[1]
			break
		}
		select {
		case <-p.Exited():
			r := stop()
			d.excerpt(r.Stdout, r.Stderr)
			return fmt.Errorf("step %d (serve): exited %d before listening", serveStep, r.Code)
		case <-deadline.C:
			r := stop()
			d.excerpt(r.Stdout, r.Stderr)
			return fmt.Errorf("step %d (serve): not listening after 30s", serveStep)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	d.excerpt("", p.Stderr())
	fmt.Fprintf(d.Out, "  listening on %s [%s]\n", url, time.Since(t0).Round(10*time.Millisecond))

	osRelease := d.path("os-release")
	if err := os.WriteFile(osRelease, []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID="+nodeDistro+"\nVERSION_ID=\""+nodeVersion+"\"\n"), 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	_, err = d.run(ctx, step{
		name:  "request-build --wait",
		about: "a Debian 12 node booted " + nodeKernel + ", which has no driver yet, asks for one and waits",
		args: []string{"request-build", "--server", url, "--driver-version", driverVersion, "--os-release", osRelease,
			"--uname-r", nodeKernel, "--arch", "x86_64", "--wait", "--timeout", "60s"},
		codes: ok0,
		check: func(r Result) (string, error) {
			u := strings.TrimSpace(r.Stdout)
			if !strings.HasSuffix(u, "/"+expectedArtifact) {
				return "", fmt.Errorf("artifact URL %q, want one ending in /%s", u, expectedArtifact)
			}
			d.report.ArtifactURL = u
			return "the artifact URL is on stdout: " + u, nil
		},
	})
	if err != nil {
		return err
	}
	// The service opens the PR that adds the kernel after the build.
	want, err := branch(nodeDistro, nodeKernel, nodeVersion)
	if err != nil {
		return err
	}
	prDeadline := time.Now().Add(30 * time.Second)
	var pr string
	for pr == "" && time.Now().Before(prDeadline) {
		for _, p := range d.fakes.GitHub.Pulls() {
			if p.Head == want {
				pr = fmt.Sprintf("its PR bot opened PR #%d from %s", p.Number, p.Head)
			}
		}
		if pr == "" {
			time.Sleep(20 * time.Millisecond)
		}
	}
	r := stop()
	if pr == "" {
		d.excerpt("", r.Stderr)
		return fmt.Errorf("step %d (serve): no PR from %s 30s after the build", serveStep, want)
	}
	serve.check = func(r Result) (string, error) {
		runs := d.fakes.GitHub.Runs()
		if len(runs) != 1 || runs[0].Conclusion != "success" {
			return "", fmt.Errorf("workflow runs %+v, want one that succeeded", runs)
		}
		if strings.Contains(r.Stderr, dummyToken) {
			return "", fmt.Errorf("the token appears in serve's log")
		}
		return fmt.Sprintf("one workflow dispatch (run %d, %s), then %s; the token is nowhere in its log", runs[0].ID, runs[0].Conclusion, pr), nil
	}
	fmt.Fprintf(d.Out, "  serve, stopped after the build:\n")
	d.excerpt("", r.Stderr)
	return d.end(serveStep, serve, r, time.Since(t0))
}

// crawled counts a crawl output's kernels per distribution key.
func crawled(path string) (map[string]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var list map[string][]json.RawMessage
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	per := map[string]int{}
	for k, v := range list {
		per[k] = len(v)
	}
	return per, nil
}

func fileHas(path string, want ...string) (bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	for _, w := range want {
		if !strings.Contains(string(b), `"`+w+`"`) {
			return false, nil
		}
	}
	return true, nil
}

// perString is "debian 30, fedora 4" in name order.
func perString(per map[string]int) string {
	var keys []string
	for k := range per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, per[k]))
	}
	return strings.Join(parts, ", ")
}
