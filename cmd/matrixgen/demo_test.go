package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen/internal/demo"
)

// inProcess runs the demo's commands through run, as the binary's main
// does, so `make demo`'s loop is tested with the code of this tree.
type inProcess struct{}

func quietIO(out, errOut *bytes.Buffer) *ioStreams {
	return &ioStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut, Getenv: func(string) string { return "" }}
}

func (inProcess) Run(ctx context.Context, args []string) demo.Result {
	var out, errOut bytes.Buffer
	code := run(ctx, args, quietIO(&out, &errOut))
	return demo.Result{Code: code, Stdout: out.String(), Stderr: errOut.String()}
}

func (inProcess) Start(ctx context.Context, args []string) (demo.Process, error) {
	ctx, cancel := context.WithCancel(ctx)
	p := &inProcessRun{cancel: cancel, exited: make(chan struct{})}
	ios := &ioStreams{In: strings.NewReader(""), Out: &p.out, ErrOut: &p.errOut, Getenv: func(string) string { return "" }}
	go func() {
		p.code = run(ctx, args, ios)
		close(p.exited)
	}()
	return p, nil
}

type inProcessRun struct {
	cancel      context.CancelFunc
	out, errOut syncBuffer
	exited      chan struct{}
	code        int
}

func (p *inProcessRun) Stderr() string          { return p.errOut.String() }
func (p *inProcessRun) Exited() <-chan struct{} { return p.exited }

// Stop cancels the command's context, as main does on Ctrl-C.
func (p *inProcessRun) Stop() demo.Result {
	p.cancel()
	<-p.exited
	return demo.Result{Code: p.code, Stdout: p.out.String(), Stderr: p.errOut.String()}
}

// TestDemo runs `make demo`'s loop on the fixtures and fakes: every step
// ends with its expected exit code and result, in order, and the fake
// repository ends with the PRs, the run and the artifact the loop makes.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	rep, err := demo.Run(context.Background(), demo.Options{
		CLI: inProcess{}, Fixtures: "../../fixtures", Kernels: "../../kernels.json", Dir: t.TempDir(), Out: &out,
	})
	t.Logf("demo printout:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range rep.Steps {
		names = append(names, s.Name)
		if s.Outcome == "" {
			t.Errorf("step %s: no outcome", s.Name)
		}
		if !strings.Contains(out.String(), "\n$ matrixgen "+strings.Join(s.Args[:2], " ")+" ") {
			t.Errorf("step %s: its command line is not printed", s.Name)
		}
	}
	want := "crawl,resolve,matrix,diff,pr add-kernel,pr add-kernel (again),pr add-kernels,request-build --wait,serve"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("steps %s\nwant %s", got, want)
	}
	if !strings.HasSuffix(rep.ArtifactURL, "/driver-debian-12-6.12.117.deb12-cloud-amd64_1.0.0_amd64.deb") {
		t.Errorf("artifact URL %q", rep.ArtifactURL)
	}
	var heads []string
	for _, p := range rep.Pulls {
		heads = append(heads, p.Head)
	}
	if got := strings.Join(heads, " "); !strings.HasPrefix(got, "add-kernel/fedora/41/x86_64/6-16-8-100-fc41-x86_64 add-kernels/") ||
		!strings.HasSuffix(got, " add-kernel/debian/12/x86_64/6-12-117+deb12-cloud-amd64") || len(heads) != 3 {
		t.Errorf("PRs from %v; want the Koji kernel's, the day's add-kernels/, the on-demand build's", heads)
	}
	if len(rep.Runs) != 1 || rep.Runs[0].Conclusion != "success" {
		t.Errorf("workflow runs %+v, want one, successful", rep.Runs)
	}
	if !strings.Contains(out.String(), "All 9 steps passed") {
		t.Errorf("the printout does not end with its summary")
	}
}
