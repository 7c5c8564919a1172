package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// drip answers 200 and then one byte every few milliseconds, forever: each Read gets a
// byte long before the idle timeout.
func drip(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
	for {
		if _, err := w.Write([]byte("x")); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// TestRequestDeadline: a body dripped a byte at a time never trips the idle timeout; the
// request's total deadline (Options.RequestTimeout, or Request.Timeout) ends it, with an
// error naming the URL, the deadline and the bytes read. Headers that never come end the
// same way, without a retry.
func TestRequestDeadline(t *testing.T) {
	tests := []struct {
		name   string
		h      http.HandlerFunc
		opts   Options
		req    Request
		after  time.Duration
		body   bool // some body bytes were read
		decomp bool
	}{
		{name: "drip, option", h: drip, opts: Options{RequestTimeout: 100 * time.Millisecond}, after: 100 * time.Millisecond, body: true},
		{name: "drip, request", h: drip, req: Request{Timeout: 80 * time.Millisecond}, after: 80 * time.Millisecond, body: true},
		{name: "drip, decompressing", h: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}) // a gzip header, then a trickle
			drip(w, r)
		}, req: Request{Timeout: 80 * time.Millisecond, Decompress: true}, after: 80 * time.Millisecond, body: true, decomp: true},
		{name: "no headers", h: func(w http.ResponseWriter, r *http.Request) { hang(r) }, opts: Options{RequestTimeout: 60 * time.Millisecond}, after: 60 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1); tt.h(w, r) })
			tt.opts.IdleTimeout = time.Minute
			tt.opts.HeaderTimeout = time.Minute
			c := newTestClient(t, tt.opts)
			tt.req.URL = srv.URL + "/Packages"
			if tt.decomp {
				tt.req.URL += ".gz"
			}
			_, err := c.Get(context.Background(), tt.req)
			var de *DeadlineError
			if !errors.As(err, &de) || de.URL != tt.req.URL || de.After != tt.after || (de.Bytes > 0) != tt.body {
				t.Fatalf("Get: %v; want a *DeadlineError naming %s, %v, body read %v", err, tt.req.URL, tt.after, tt.body)
			}
			for _, s := range []string{tt.req.URL, tt.after.String(), fmt.Sprint(de.Bytes)} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
			}
			if hits.Load() != 1 {
				t.Errorf("%d attempts, want 1: the deadline is the request's, not an attempt's", hits.Load())
			}
		})
	}
}

// TestRequestDeadlineCallerCancel: a caller's own cancellation is not reported as the
// request deadline.
func TestRequestDeadlineCallerCancel(t *testing.T) {
	srv := newServer(t, drip)
	c := newTestClient(t, Options{RequestTimeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Get(ctx, Request{URL: srv.URL + "/x"})
	var de *DeadlineError
	if err == nil || errors.As(err, &de) {
		t.Fatalf("Get: %v; want the caller's context error, not a *DeadlineError", err)
	}
}

// TestTransportDeadline: the plain RoundTripper callers such as the HTML listing scraper
// use has the same total deadline.
func TestTransportDeadline(t *testing.T) {
	srv := newServer(t, drip)
	c := newTestClient(t, Options{RequestTimeout: 80 * time.Millisecond})
	hc := &http.Client{Transport: c.Transport()}
	resp, err := hc.Get(srv.URL + "/pub/fedora/linux/releases/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	var de *DeadlineError
	if !errors.As(err, &de) || de.Bytes == 0 || !strings.Contains(err.Error(), srv.URL+"/pub/fedora/linux/releases/") {
		t.Fatalf("reading a dripped listing: %v; want a *DeadlineError naming the URL", err)
	}
}
