package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkMatrixCommand is `matrixgen matrix` end to end (read, validate,
// merge, build, render) for 100,000 kernels × 2 driver versions.
func BenchmarkMatrixCommand(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("{\n  \"x86_64\": [\n")
	const n = 100_000
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, `    {"target": "ubuntu", "kernelrelease": "6.8.0-%06d-generic", "distroversion": "24.04"}`, i)
	}
	sb.WriteString("\n  ]\n}\n")
	path := filepath.Join(b.TempDir(), "kernels.json")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	ios := &ioStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, Getenv: func(string) string { return "" }}
	b.ReportAllocs()
	for b.Loop() {
		if code := run(context.Background(), []string{"matrix", "--kernels", path, "--driver-version", "550.1", "--driver-version", "560.2"}, ios); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
