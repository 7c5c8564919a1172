package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
)

// TestDefaultArch: without --arch a node asks for its machine's arch, and
// an aarch64 node running RHEL's 64k-page kernel for aarch64+64k (asking
// for aarch64 would be refused: the release names +64k).
func TestDefaultArch(t *testing.T) {
	tests := []struct {
		goarch, dist, release, want string
	}{
		{"amd64", "rhel", "5.14.0-427.13.1.el9_4.x86_64", "x86_64"},
		{"arm64", "rhel", "5.14.0-427.13.1.el9_4.aarch64", "aarch64"},
		{"arm64", "rhel", "5.14.0-427.13.1.el9_4.aarch64+64k", "aarch64+64k"},
		{"arm64", "centos", "6.12.0-55.el10.aarch64+64k", "aarch64+64k"},
		{"arm64", "ubuntu", "6.8.0-1020-nvidia-64k", "aarch64"}, // Ubuntu's -64k flavors are aarch64
		{"arm64", "debian", "6.1.0-28-arm64", "aarch64"},
		{"riscv64", "debian", "6.12.107+deb13-riscv64", "riscv64"},
	}
	for _, tt := range tests {
		if got := DefaultArch(tt.goarch, tt.dist, tt.release); got != tt.want {
			t.Errorf("DefaultArch(%s, %s, %s) = %s, want %s", tt.goarch, tt.dist, tt.release, got, tt.want)
		}
	}
}

// TestRequestBuild: the kernel is read from the node where the request
// leaves it out (os-release, /proc, the machine's arch), sent once without
// Wait, and the errors carry request-build's exit codes.
func TestRequestBuild(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	osRelease := write("os-release", "ID=ubuntu\nVERSION_ID=\"24.04\"\n")
	write("osrelease", "6.8.0-51-generic\n")
	write("version", "#52-Ubuntu SMP PREEMPT_DYNAMIC\n")
	var got []Request
	final := Status{BuildID: "b1", Status: StateQueued, Artifact: "driver.deb"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" {
			var req Request
			_ = json.NewDecoder(r.Body).Decode(&req)
			got = append(got, req)
			if req.DriverVersion == "bad" {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":"driver_version: bad"}`))
				return
			}
			_ = json.NewEncoder(w).Encode(Status{BuildID: "b1", Status: StateQueued, Artifact: "driver.deb"})
			return
		}
		_ = json.NewEncoder(w).Encode(final)
	}))
	defer srv.Close()
	n := NodeRequest{Words: func(o string) string { return "--" + o }, Server: srv.URL, DriverVersion: "2.4.1", OSRelease: osRelease, GOARCH: "amd64", Proc: dir, Timeout: time.Minute,
		PollBackoff: time.Millisecond, PollMaxBackoff: time.Millisecond}
	var out, log bytes.Buffer
	if err := RequestBuild(context.Background(), &out, &log, n); err != nil || out.String() != "b1\n" {
		t.Fatalf("err %v, stdout %q, stderr %q", err, out.String(), log.String())
	}
	want := Request{Distribution: "ubuntu", DistroVersion: "24.04", DriverVersion: "2.4.1", KernelVersion: "6.8.0-51-generic", Architecture: "x86_64", UnameV: "#52-Ubuntu SMP PREEMPT_DYNAMIC"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("sent %+v, want %+v", got, want)
	}
	code := func(err error) int {
		var ec interface{ ExitCode() int }
		if errors.As(err, &ec) {
			return ec.ExitCode()
		}
		return -1
	}
	for _, c := range []struct {
		name   string
		change func(*NodeRequest)
		final  Status
		code   int
		has    string
	}{
		{"refused by the service", func(n *NodeRequest) { n.DriverVersion = "bad" }, final, matrixgen.ExitUsage, "driver_version: bad"},
		{"unknown arch", func(n *NodeRequest) { n.Arch = "ppc64le" }, final, matrixgen.ExitUsage, "--arch"},
		{"no os-release", func(n *NodeRequest) { n.OSRelease = filepath.Join(dir, "nosuch") }, final, matrixgen.ExitUsage, "--os-release"},
		{"build failed", func(n *NodeRequest) { n.Wait = true }, Status{BuildID: "b1", Status: StateError, Reason: "run failed"}, matrixgen.ExitBuildError, "build b1 failed: run failed"},
		{"build timed out", func(n *NodeRequest) { n.Wait = true }, Status{BuildID: "b1", Status: StateTimedOut}, matrixgen.ExitBuildTimedOut, "timed out on the service"},
	} {
		final = c.final
		m := n
		c.change(&m)
		err := RequestBuild(context.Background(), &bytes.Buffer{}, &bytes.Buffer{}, m)
		if code(err) != c.code || !strings.Contains(err.Error(), c.has) {
			t.Errorf("%s: %v (exit %d), want exit %d with %q", c.name, err, code(err), c.code, c.has)
		}
	}
	m := n
	m.Arch, m.Words = "ppc64le", nil
	if err := RequestBuild(context.Background(), &bytes.Buffer{}, &bytes.Buffer{}, m); err == nil || !strings.HasPrefix(err.Error(), "arch: ") {
		t.Errorf("no vocabulary: %v, want the option as it is", err)
	}
}

// TestRequestBuildTokenFile: TokenFile's first line replaces Token as the
// bearer token; a file that cannot be read is a usage error naming the
// option, and nothing is sent.
func TestRequestBuildTokenFile(t *testing.T) {
	dir := t.TempDir()
	osRelease := filepath.Join(dir, "os-release")
	tokenFile := filepath.Join(dir, "token")
	for p, data := range map[string]string{osRelease: "ID=debian\nVERSION_ID=\"12\"\n", tokenFile: "tok_file\n"} {
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		_ = json.NewEncoder(w).Encode(Status{BuildID: "b1", Status: StateQueued, Artifact: "driver.deb"})
	}))
	defer srv.Close()
	n := NodeRequest{Words: func(o string) string { return "--" + o }, Server: srv.URL, Token: "tok_env", TokenFile: tokenFile, DriverVersion: "2.4.1",
		OSRelease: osRelease, Release: "6.1.0-28-amd64", Arch: "x86_64", GOARCH: "amd64", Proc: dir, Timeout: time.Minute}
	var out, log bytes.Buffer
	if err := RequestBuild(context.Background(), &out, &log, n); err != nil || len(auth) != 1 || auth[0] != "Bearer tok_file" {
		t.Fatalf("err %v, Authorization %q", err, auth)
	}
	n.TokenFile = filepath.Join(dir, "nosuch")
	err := RequestBuild(context.Background(), &out, &log, n)
	if matrixgen.ExitCodeOf(err) != matrixgen.ExitUsage || !strings.Contains(err.Error(), "--token-file") || len(auth) != 1 {
		t.Errorf("a missing token file: %v (exit %d), %d requests", err, matrixgen.ExitCodeOf(err), len(auth))
	}
}
