package inputs

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetectAndParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     Format
		n        int
	}{
		{"kernels", `{"x86_64": [{"target": "debian", "kernelrelease": "6.1.0-28-amd64", "distroversion": "12"}]}`, Kernels, 1},
		{"empty kernels", `{}`, Kernels, 0},
		{"falco", `{"debian": [{"kernelversion": 1, "kernelrelease": "6.1.0-28-amd64", "target": "debian", "headers": []}]}`, Falco, 1},
		{"falco 2022 keys", `{"AmazonLinux2": [{"kernelversion": 1, "kernelrelease": "4.14.72-73.55.amzn2.x86_64", "target": "amazonlinux2", "headers": []}]}`, Falco, 1},
	}
	for _, tt := range tests {
		s, err := Parse([]byte(tt.in), tt.name)
		if err != nil || s.Format != tt.want || len(s.Kernels) != tt.n {
			t.Errorf("%s: Parse = %+v, %v", tt.name, s, err)
		}
	}
	if _, err := Parse([]byte(" "), "blank.json"); err == nil || !strings.Contains(err.Error(), "blank.json: empty file") {
		t.Errorf("blank: %v", err)
	}
	if _, err := Parse([]byte("{\n\"x86_64\": [}"), "bad.json"); err == nil || !strings.Contains(err.Error(), "bad.json:2:") {
		t.Errorf("malformed: %v", err)
	}
}

func TestLoadGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	run := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-c", "user.email=t@example.invalid", "-c", "user.name=t"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q")
	os.WriteFile(filepath.Join(dir, "kernels.json"), []byte(`{"x86_64": [{"target": "debian", "kernelrelease": "6.1.0-28-amd64", "distroversion": "12"}]}`), 0o644)
	run("add", "kernels.json")
	run("commit", "-qm", "one")
	t.Chdir(dir)
	s, err := LoadFrom(context.Background(), "git:HEAD:kernels.json", nil)
	if err != nil || len(s.Kernels) != 1 {
		t.Fatalf("Load(git:HEAD:kernels.json) = %+v, %v", s, err)
	}
	for _, bad := range []string{"git:HEAD", "git::kernels.json", "git:--output=x:kernels.json"} {
		if _, err := LoadFrom(context.Background(), bad, nil); err == nil || !strings.Contains(err.Error(), "git:REV:path") {
			t.Errorf("Load(%q) = %v", bad, err)
		}
	}
	if _, err := LoadFrom(context.Background(), "git:nosuchrev:kernels.json", nil); err == nil || !strings.Contains(err.Error(), "git show") {
		t.Errorf("missing rev: %v", err)
	}
}

func TestReadBuilt(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, in string
		want     []string
		err      string
	}{
		{"lines", "a.deb\n# comment\n\n  b.rpm  \n", []string{"a.deb", "b.rpm"}, ""},
		{"json", `["a.deb", "b.rpm"]`, []string{"a.deb", "b.rpm"}, ""},
		{"bad json", `["a.deb", 1]`, nil, "want a JSON array of artifact names"},
	}
	for _, tt := range tests {
		p := filepath.Join(dir, tt.name)
		os.WriteFile(p, []byte(tt.in), 0o644)
		got, err := ReadBuilt(p)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), p+": "+tt.err) {
				t.Errorf("%s: ReadBuilt = %v, want an error naming the file and %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("%s: ReadBuilt = %v, %v", tt.name, got, err)
		}
		for _, w := range tt.want {
			if !got[w] {
				t.Errorf("%s: %q missing from %v", tt.name, w, got)
			}
		}
	}
}
