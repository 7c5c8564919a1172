package service_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/service"
	"github.com/matrixgen/matrixgen/service/servicetest"
)

// TestServeStartsAndStops: Serve opens the store, serves on the listener,
// and returns nil once its context ends (graceful shutdown).
func TestServeStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := "sqlite:" + filepath.Join(t.TempDir(), "b.db")
	addrc := make(chan net.Addr, 1)
	shut := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- service.Serve(ctx, service.ServeOptions{Listen: "127.0.0.1:0", Store: store, GitHub: servicetest.New(),
			Listening:    func(a net.Addr, kind string) { addrc <- a },
			ShuttingDown: func() { close(shut) }})
	}()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("Serve ended before listening: %v", err)
	}
	resp, err := http.Get("http://" + addr.String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after its context ended: %v, want nil", err)
	}
	<-shut
	if _, err := http.Get("http://" + addr.String() + "/healthz"); err == nil {
		t.Error("still serving after Serve returned")
	}
}

// TestServeErrors: what the caller must fix is a usage error naming the
// option; a store that does not answer is a failure (exit 1), not usage.
func TestServeErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	sqlite := "sqlite:" + filepath.Join(t.TempDir(), "b.db")
	for _, tt := range []struct {
		name   string
		o      service.ServeOptions
		option string // "" with usage: a usage error naming no option
		usage  bool
	}{
		{"unreachable postgres", service.ServeOptions{Store: "postgres://u@127.0.0.1:1/db?sslmode=disable&connect_timeout=5"}, "", false},
		{"no DSN", service.ServeOptions{Store: "mysql://x"}, "store", true},
		{"listen address taken", service.ServeOptions{Store: sqlite, Listen: busy.Addr().String()}, "listen", true},
		{"bad default version", service.ServeOptions{Store: sqlite, Config: service.Config{DefaultDistroVersions: map[string]string{"ubuntu": "24.04;x"}}}, "default-distro-version", true},
		{"rescue before timeout", service.ServeOptions{Store: sqlite, Config: service.Config{JobTimeout: 10, RescueAfter: 5}}, "rescue-after", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.GitHub = servicetest.New()
			err := service.Serve(context.Background(), tt.o)
			var ue *matrixgen.UsageError
			switch {
			case err == nil:
				t.Fatal("Serve = nil")
			case errors.As(err, &ue) != tt.usage:
				t.Errorf("Serve = %v (%T): usage error %v, want %v", err, err, !tt.usage, tt.usage)
			case tt.usage && ue.Option != tt.option:
				t.Errorf("Serve = %v: option %q, want %q", err, ue.Option, tt.option)
			}
		})
	}
}
