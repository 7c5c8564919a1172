package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/spf13/cobra"
)

// TestREADMEExitCodes: the README's "Exit codes" table is the code's
// table, row for row, so neither can change alone.
func TestREADMEExitCodes(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(data), "\n## Exit codes\n")
	if !ok {
		t.Fatal(`README.md has no "## Exit codes" section`)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	row := regexp.MustCompile(`(?m)^\| (\d+) \| (.*) \|$`)
	var got []string
	for _, m := range row.FindAllStringSubmatch(sec, -1) {
		got = append(got, m[1]+" "+m[2])
	}
	var want []string
	for _, c := range matrixgen.ExitCodes() {
		want = append(want, strconv.Itoa(c.Code)+" "+c.Meaning)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("README exit codes:\n%s\n\nmatrixgen.ExitCodes (README rows: | CODE | MEANING |):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestInvalidFileSameCode: one contradictory kernel exits 1 (an invalid
// input file) whichever file holds it: a diff --json document read by pr
// add-kernels, or a kernels.json read by validate and matrix. The diff
// document used to exit 2, as if the kernel had been typed on the command
// line.
func TestInvalidFileSameCode(t *testing.T) {
	dir := t.TempDir()
	// 6.1.0-28-amd64 is Debian 12's series; the files say 13.
	diffDoc := filepath.Join(dir, "added.json")
	kernels := filepath.Join(dir, "kernels.json")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(diffDoc, `{"added": [{"distribution": "debian", "distroversion": "13", "arch": "x86_64", "kernelrelease": "6.1.0-28-amd64"}], "removed": []}`+"\n")
	write(kernels, `{"x86_64": [{"target": "debian", "kernelrelease": "6.1.0-28-amd64", "distroversion": "13"}]}`+"\n")
	// GitHub is never asked: the file is refused first (the URL is a
	// closed loopback port all the same).
	env := map[string]string{"GITHUB_TOKEN": "t"}
	for _, args := range [][]string{
		{"pr", "add-kernels", "--repo", "acme/drivers", "--from", diffDoc, "--github-url", "http://127.0.0.1:9/"},
		{"validate", kernels},
		{"matrix", "--kernels", kernels, "--driver-version", "1.0"},
	} {
		r := runCLI(t, "", env, args...)
		if r.code != matrixgen.ExitFailure || !strings.Contains(r.stderr, `distroversion "13"`) {
			t.Errorf("matrixgen %s: exit %d, want %d (an invalid file), naming the entry; stderr:\n%s", strings.Join(args, " "), r.code, matrixgen.ExitFailure, r.stderr)
		}
	}
}

// TestServeUnreachableStore: a PostgreSQL server that does not answer is
// a failure (1), not a usage error; a --store that is no DSN is usage (2).
func TestServeUnreachableStore(t *testing.T) {
	env := map[string]string{"GITHUB_TOKEN": "t"}
	base := []string{"serve", "--repo", "acme/drivers", "--listen", "127.0.0.1:0", "--github-url", "http://127.0.0.1:9/"}
	for _, c := range []struct {
		store, has string
		code       int
	}{
		// Port 1 on loopback: refused at once, nothing leaves the machine.
		{"postgres://matrixgen@127.0.0.1:1/matrixgen?sslmode=disable&connect_timeout=5", "cannot reach the database", matrixgen.ExitFailure},
		{"mysql://db/x", `--store "mysql://db/x": want sqlite:PATH or a postgres:// URL`, matrixgen.ExitUsage},
		{"sqlite:", `--store "sqlite:": want sqlite:PATH`, matrixgen.ExitUsage},
	} {
		r := runCLI(t, "", env, append(base, "--store", c.store)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.has) {
			t.Errorf("serve --store %s: exit %d, want %d with %q; stderr:\n%s", c.store, r.code, c.code, c.has, r.stderr)
		}
		if strings.Contains(r.stderr, "matrixgen@") {
			t.Errorf("serve --store %s: the DSN is on stderr:\n%s", c.store, r.stderr)
		}
	}
}

// TestUsageErrorEveryCommand: every command exits 2 on a usage error, and
// a value a package refuses is named as the flag that gave it.
func TestUsageErrorEveryCommand(t *testing.T) {
	var walk func(c *cobra.Command)
	var paths [][]string
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Name() != "help" {
			paths = append(paths, strings.Fields(c.CommandPath())[1:])
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRootCmd(&ioStreams{}))
	if len(paths) < 12 {
		t.Fatalf("found %d commands: %v", len(paths), paths)
	}
	for _, p := range paths {
		r := runCLI(t, "", nil, append(p, "--no-such-flag")...)
		if r.code != matrixgen.ExitUsage {
			t.Errorf("matrixgen %s --no-such-flag: exit %d, want %d; stderr:\n%s", strings.Join(p, " "), r.code, matrixgen.ExitUsage, r.stderr)
		}
	}
	env := map[string]string{"GITHUB_TOKEN": "t"}
	for _, c := range []struct {
		args []string
		has  string
	}{
		{[]string{"crawl", "--distro", "debian", "--release", "nosuch", "--no-cache", "--mirror", "debian=http://127.0.0.1:9/"}, `--release "nosuch": not a release of debian`},
		{[]string{"crawl", "--distro", "nosuch", "--no-cache"}, `--distro "nosuch": unknown`},
		{[]string{"resolve", "--target", "fedora", "--arch", "x86_64", "--mirror", "nosuch=http://127.0.0.1:9/", "--release", "6.14.0-100.fc42.x86_64"}, "--mirror nosuch: unknown key"},
		{[]string{"resolve", "--target", "debian", "--arch", "x86_64", "--release", "6.1.0-28-amd64"}, "--target debian: debian 12 has no RPM repositories matrixgen reads (resolve covers alinux, almalinux, amazonlinux, azurelinux, centos, fedora, opensuse, oracle, photon, rocky)"},
		{[]string{"add-kernel", "--kernels", filepath.Join(t.TempDir(), "k.json"), "--target", "debian", "--arch", "x86_64", "--release", "6.1.0-28-amd64", "--distro-version", "13"}, `distroversion "13"`},
		{[]string{"serve", "--repo", "acme/drivers", "--store", "mysql://x", "--github-url", "http://127.0.0.1:9/"}, "--store"},
	} {
		r := runCLI(t, "", env, c.args...)
		if r.code != matrixgen.ExitUsage || !strings.Contains(r.stderr, c.has) {
			t.Errorf("matrixgen %s: exit %d, want %d with %q; stderr:\n%s", strings.Join(c.args, " "), r.code, matrixgen.ExitUsage, c.has, r.stderr)
		}
	}
}
