package githubsvc_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github"
	"github.com/matrixgen/matrixgen/github/githubtest"
	"github.com/matrixgen/matrixgen/kernelsfile"
	"github.com/matrixgen/matrixgen/service"
	"github.com/matrixgen/matrixgen/service/githubsvc"
	"github.com/matrixgen/matrixgen/service/servicetest"
)

const kernelsJSON = `{
  "x86_64": [
    {"target": "amazonlinux", "kernelrelease": "6.12.58-82.121.amzn2023.x86_64", "distroversion": "2023"}
  ]
}
`

func newAdapter(t *testing.T, mod func(*servicetest.Actions)) (*githubsvc.GitHub, *servicetest.Actions) {
	t.Helper()
	a := servicetest.NewActions(githubtest.New("acme", "drivers", "main", map[string]string{"kernels.json": kernelsJSON}))
	if mod != nil {
		mod(a)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	c, err := github.New(github.Options{BaseURL: srv.URL + "/", Token: "ghs_x"})
	if err != nil {
		t.Fatal(err)
	}
	return githubsvc.New(githubsvc.Options{Client: c, Repo: github.Repo{Owner: "acme", Name: "drivers"}}), a
}

var in = service.DispatchInputs{BuildID: "b0123", Distribution: "amazonlinux", DistroVersion: "2023", Arch: "x86_64", KernelRelease: "6.1.174-217.345.amzn2023.x86_64", DriverVersion: "2.4.1"}

func TestDispatch(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*servicetest.Actions)
		want service.Dispatched
	}{
		{"run details returned", nil, service.Dispatched{RunID: 1, RunURL: "https://github.invalid/acme/drivers/actions/runs/1"}},
		{"204 without the run (GitHub Enterprise)", func(a *servicetest.Actions) { a.ReturnRunDetails = false }, service.Dispatched{}},
		{"return_run_details refused: plain dispatch", func(a *servicetest.Actions) { a.RefuseRunDetails = true }, service.Dispatched{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, a := newAdapter(t, tt.mod)
			d, err := g.Dispatch(context.Background(), in)
			if err != nil || d != tt.want {
				t.Fatalf("Dispatch: %+v %v, want %+v", d, err, tt.want)
			}
			if a.Dispatches() != 1 {
				t.Errorf("%d runs started, want 1", a.Dispatches())
			}
			runs, err := g.ListRuns(context.Background(), time.Now().Add(-time.Minute))
			if err != nil || len(runs) != 1 || !strings.Contains(runs[0].Name, "driver-build b0123 amazonlinux 2023") || runs[0].ID != 1 ||
				runs[0].Path != ".github/workflows/driver-build.yml" || runs[0].Event != "workflow_dispatch" {
				t.Errorf("ListRuns: %+v %v", runs, err)
			}
			if runs, _ := g.ListRuns(context.Background(), time.Now().Add(time.Hour)); len(runs) != 0 {
				t.Errorf("ListRuns created>= an hour ahead: %+v", runs)
			}
		})
	}
}

func TestReleaseAssets(t *testing.T) {
	g, a := newAdapter(t, nil)
	if err := a.AddRelease("drivers-2.4.1-1", []string{"driver-debian-12-6.12.95.deb12-amd64_2.4.1_amd64.deb"}); err != nil {
		t.Fatal(err)
	}
	_ = a.AddRelease("drivers-2.4.1-2", []string{"driver-fedora-42-6.14.0-100.fc42.x86_64_2.4.1_x86_64.rpm"})
	_ = a.AddRelease("drivers-2.4.10-1", []string{"driver-fedora-42-6.14.0-100.fc42.x86_64_2.4.10_x86_64.rpm"})
	got, err := g.ReleaseAssets(context.Background(), "2.4.1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"driver-debian-12-6.12.95.deb12-amd64_2.4.1_amd64.deb":     "https://github.invalid/acme/drivers/releases/download/drivers-2.4.1-1/driver-debian-12-6.12.95.deb12-amd64_2.4.1_amd64.deb",
		"driver-fedora-42-6.14.0-100.fc42.x86_64_2.4.1_x86_64.rpm": "https://github.invalid/acme/drivers/releases/download/drivers-2.4.1-2/driver-fedora-42-6.14.0-100.fc42.x86_64_2.4.1_x86_64.rpm",
	}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if s := g.StoredName("driver-debian-12-6.12.95+deb12-amd64_2.4.1_amd64.deb"); s != "driver-debian-12-6.12.95.deb12-amd64_2.4.1_amd64.deb" {
		t.Errorf("StoredName: %s", s)
	}
}

func TestAddKernelAndPing(t *testing.T) {
	g, a := newAdapter(t, nil)
	if err := g.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	k, err := matrixgen.Make(matrixgen.Spec{Target: "amazonlinux", Arch: "x86_64", Release: "6.1.174-217.345.amzn2023.x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the second is a no-op: the PR is open
		if err := g.AddKernel(context.Background(), k, service.KernelPR{SeenBy: "on-demand build", BuildID: "b0123abc", RunURL: "https://github.invalid/acme/drivers/actions/runs/41"}); err != nil {
			t.Fatal(err)
		}
	}
	pulls := a.Pulls()
	if len(pulls) != 1 || pulls[0].Head != "add-kernel/amazonlinux/2023/x86_64/6-1-174-217-345-amzn2023-x86_64" {
		t.Fatalf("pulls %+v", pulls)
	}
	// The PR shows the rule that derived the version, as the CLI's does.
	if !strings.Contains(pulls[0].Body, "amazon .amznN") || !strings.Contains(pulls[0].Body, "on-demand build") {
		t.Errorf("PR body lacks the derivation rule or where the kernel was seen:\n%s", pulls[0].Body)
	}
	// It names the on-demand build and its workflow run (issue 13).
	if !strings.Contains(pulls[0].Body, "build `b0123abc`") || !strings.Contains(pulls[0].Body, "workflow run https://github.invalid/acme/drivers/actions/runs/41") {
		t.Errorf("PR body lacks the build id or its run URL:\n%s", pulls[0].Body)
	}
}

// TestAddKernelCanonicalArch: the PR bot, fed kernels made from every
// spelling of one arch (POST /build's architecture), opens one PR whose
// kernels.json has the canonical top-level key only, as validate wants
// (issue 13: it committed "amd64" and "ARM64" keys).
func TestAddKernelCanonicalArch(t *testing.T) {
	g, a := newAdapter(t, nil)
	for _, arch := range []matrixgen.Arch{"amd64", "AMD64", "x64", "X86_64", "x86_64"} {
		k, err := matrixgen.Make(matrixgen.Spec{Target: "ubuntu", Arch: arch, Release: "6.8.0-51-generic", DistroVersion: "24.04"})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.AddKernel(context.Background(), k, service.KernelPR{SeenBy: "on-demand build", BuildID: "b0123"}); err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
	}
	pulls := a.Pulls()
	if len(pulls) != 1 || pulls[0].Head != "add-kernel/ubuntu/24-04/x86_64/6-8-0-51-generic" {
		t.Fatalf("pulls %+v, want one from add-kernel/ubuntu/24-04/x86_64/6-8-0-51-generic", pulls)
	}
	data, ok := a.File(pulls[0].Head, "kernels.json")
	if !ok {
		t.Fatal("no kernels.json on the PR's branch")
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != 1 || doc["x86_64"] == nil {
		t.Errorf("kernels.json keys of the PR: %s, want x86_64 only", data)
	}
	if _, err := kernelsfile.Parse([]byte(data), "kernels.json"); err != nil {
		t.Errorf("kernels.json of the PR: %v", err)
	}
}
