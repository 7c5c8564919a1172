// Command matrixgen finds the Linux kernels a fleet may boot and turns them
// into exactly the CI builds that are missing. See `matrixgen --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], systemIO())
	stop()
	os.Exit(code)
}
