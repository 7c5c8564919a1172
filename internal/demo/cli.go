package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Result is how one command ended.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Process is a command that runs until stopped (matrixgen serve).
type Process interface {
	// Stderr is what it wrote to stderr so far.
	Stderr() string
	// Exited is closed when the command ends by itself.
	Exited() <-chan struct{}
	// Stop ends it as Ctrl-C does and returns how it ended.
	Stop() Result
}

// CLI runs matrixgen commands: the built binary (Binary), or the cobra
// root in process (the test in cmd/matrixgen).
type CLI interface {
	Run(ctx context.Context, args []string) Result
	Start(ctx context.Context, args []string) (Process, error)
}

// Binary runs a matrixgen executable. Its environment is the demo's with
// GITHUB_TOKEN and MATRIXGEN_TOKEN removed: the demo's commands get the
// fakes' dummy token from a file, and never a real one.
type Binary struct {
	Path string
}

func (b Binary) command(ctx context.Context, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.Path, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GITHUB_TOKEN=") && !strings.HasPrefix(kv, "MATRIXGEN_TOKEN=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode()
	}
	return -1
}

// Run runs one command to its end. A binary that cannot be started is
// exit -1, with the reason on Stderr.
func (b Binary) Run(ctx context.Context, args []string) Result {
	var out, errOut bytes.Buffer
	cmd := b.command(ctx, args)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if exitCode(err) == -1 {
		fmt.Fprintf(&errOut, "%s: %v\n", b.Path, err)
	}
	return Result{exitCode(err), out.String(), errOut.String()}
}

// Start starts a long-running command.
func (b Binary) Start(ctx context.Context, args []string) (Process, error) {
	p := &binaryProcess{exited: make(chan struct{})}
	p.cmd = b.command(ctx, args)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errOut
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Path, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

type binaryProcess struct {
	cmd         *exec.Cmd
	out, errOut syncBuffer
	exited      chan struct{}
	err         error
}

func (p *binaryProcess) Stderr() string          { return p.errOut.String() }
func (p *binaryProcess) Exited() <-chan struct{} { return p.exited }

func (p *binaryProcess) Stop() Result {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Signal(os.Interrupt)
		<-p.exited
	}
	return Result{exitCode(p.err), p.out.String(), p.errOut.String()}
}

// syncBuffer is a bytes.Buffer a command writes while the demo reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
