// Command demo runs matrixgen's whole loop offline on the project's
// fixtures and fakes (package internal/demo): `make demo`. Run it from the
// repository:
//
//	go run ./internal/demo/cmd/demo [-matrixgen bin/matrixgen] [-keep]
//
// Without -matrixgen it builds ./cmd/matrixgen into its temporary
// directory first. It exits 1 naming the step that failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/matrixgen/matrixgen/internal/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "\ndemo FAILED:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	bin := flag.String("matrixgen", "", "the matrixgen binary to drive (default: go build ./cmd/matrixgen into the demo's directory)")
	keep := flag.Bool("keep", false, "keep the demo's directory (crawl output, diff, the service's database) instead of removing it")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up on the whole demo after this long")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("no arguments expected, got %q", flag.Args())
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "matrixgen-demo-")
	if err != nil {
		return err
	}
	if *keep {
		defer fmt.Printf("Kept %s (-keep).\n", dir)
	} else {
		defer func() {
			os.RemoveAll(dir)
			fmt.Printf("Removed %s (-keep keeps it).\n", dir)
		}()
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	path := *bin
	if path == "" {
		path = filepath.Join(dir, "matrixgen")
		fmt.Printf("go build -o %s ./cmd/matrixgen\n", path)
		build := exec.CommandContext(ctx, "go", "build", "-o", path, "./cmd/matrixgen")
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building matrixgen: %w", err)
		}
	} else if path, err = filepath.Abs(path); err != nil {
		return err
	}
	work := filepath.Join(dir, "files")
	if err := os.Mkdir(work, 0o755); err != nil {
		return err
	}
	_, err = demo.Run(ctx, demo.Options{
		CLI:      demo.Binary{Path: path},
		Fixtures: filepath.Join(root, "fixtures"),
		Kernels:  filepath.Join(root, "kernels.json"),
		Dir:      work,
		Out:      os.Stdout,
	})
	return err
}

// moduleRoot is the directory of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run the demo from the matrixgen repository")
		}
		dir = parent
	}
}
