package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/matrixgen/matrixgen"
)

// ShutdownGrace bounds the graceful stop when Serve's context ends:
// in-flight requests finish, River hands running jobs back.
const ShutdownGrace = 30 * time.Second

// ServeOptions is what Serve runs: where it listens, its store, GitHub and
// the service's Config.
type ServeOptions struct {
	Listen string // host:port
	// Store is sqlite:PATH or a postgres:// URL (OpenStore); "" is
	// DefaultStore.
	Store  string
	GitHub GitHub
	Config Config
	// Listening, when set, is called once the listener is open and the
	// workers run, with its address and the store's kind (never its
	// credentials).
	Listening func(addr net.Addr, store string)
	// ShuttingDown, when set, is called when ctx ends.
	ShuttingDown func()
}

// Serve runs the service until ctx ends: it opens the store, starts River's
// workers, serves HTTP on Listen, and on ctx's end shuts down gracefully
// (ShutdownGrace). An option Serve cannot use (a bad store DSN, an address
// it cannot listen on, a config the service refuses) is a
// *matrixgen.UsageError naming it; a store that does not answer is a plain
// failure.
func Serve(ctx context.Context, o ServeOptions) error {
	store := o.Store
	if store == "" {
		var err error
		if store, err = DefaultStore(os.Getenv); err != nil {
			return err
		}
	}
	st, err := OpenStore(ctx, store)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := New(ctx, st, o.GitHub, o.Config)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return &matrixgen.UsageError{Option: "listen", Msg: err.Error()}
	}
	// River's workers run on their own context: ctx's end stops them
	// through Stop below, which lets running jobs finish and hands the rest
	// back.
	if err := svc.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		return err
	}
	srv := svc.HTTPServer(o.Listen)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if o.Listening != nil {
		o.Listening(ln.Addr(), StoreKind(store))
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		if o.ShuttingDown != nil {
			o.ShuttingDown()
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownGrace)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	if serr := svc.Stop(sctx); serr != nil && err == nil {
		err = serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// DefaultStore is the store when none is given:
// sqlite:$XDG_STATE_HOME/matrixgen/builds.db, ~/.local/state when unset.
func DefaultStore(getenv func(string) string) (string, error) {
	dir := getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no store given and no home directory: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return "sqlite:" + filepath.Join(dir, "matrixgen", "builds.db"), nil
}

// StoreKind names the store without its credentials.
func StoreKind(dsn string) string {
	if strings.HasPrefix(dsn, "sqlite:") {
		return dsn
	}
	return "postgres"
}
