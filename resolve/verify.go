package resolve

import (
	"context"
	"fmt"
	"io"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// Opener opens URLs through the fetch layer; *fetch.Client is one.
type Opener interface {
	Open(ctx context.Context, req fetch.Request) (*fetch.Response, error)
}

// rangeReader serves ReadAt over HTTP Range requests, one per call. A server that ignores
// Range answers 200 with the whole file: the reader then keeps that one body, reads on
// through it as the header reader asks, and is closed early, long before the payload ends.
type rangeReader struct {
	ctx    context.Context
	f      Opener
	url    string
	stream io.ReadCloser // set once a server ignored Range
	pos    int64         // the stream's offset
	// Bytes is what was read from the server, for the caller's stats.
	Bytes int64
}

func (r *rangeReader) readAt(off, n int64) ([]byte, error) {
	if n <= 0 {
		return nil, nil
	}
	if r.stream == nil {
		resp, err := r.f.Open(r.ctx, fetch.Request{URL: r.url, Range: fmt.Sprintf("bytes=%d-%d", off, off+n-1)})
		if err != nil {
			return nil, err
		}
		if resp.Partial {
			defer resp.Body.Close()
			b, err := io.ReadAll(io.LimitReader(resp.Body, n+1))
			r.Bytes += int64(len(b))
			if err != nil {
				return nil, err
			}
			if int64(len(b)) != n {
				return nil, fmt.Errorf("GET %s: asked for bytes %d-%d, got %d bytes: %w", r.url, off, off+n-1, len(b), errShort)
			}
			return b, nil
		}
		r.stream, r.pos = resp.Body, 0 // 200: the whole file, from its first byte
	}
	if off < r.pos {
		return nil, fmt.Errorf("GET %s: offset %d is behind the stream's %d", r.url, off, r.pos)
	}
	if skip := off - r.pos; skip > 0 {
		m, err := io.CopyN(io.Discard, r.stream, skip)
		r.Bytes += m
		r.pos += m
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", r.url, shortErr(err))
		}
	}
	b := make([]byte, n)
	m, err := io.ReadFull(r.stream, b)
	r.Bytes += int64(m)
	r.pos += int64(m)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", r.url, shortErr(err))
	}
	return b, nil
}

func shortErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errShort
	}
	return err
}

// Close ends a stream a server sent whole, before its payload.
func (r *rangeReader) Close() error {
	if r.stream != nil {
		return r.stream.Close()
	}
	return nil
}

// Verification is what --verify found for one URL.
type Verification struct {
	URL       string
	Got       NEVRA
	HeaderEnd int64 // where the payload starts
	Bytes     int64 // bytes transferred
	Ranged    bool  // the server honoured Range
}

// VerifyRPM reads the header of the RPM at url and compares its NEVRA with want (Epoch
// compared only when want has one).
func VerifyRPM(ctx context.Context, f Opener, url string, want NEVRA) (*Verification, error) {
	r := &rangeReader{ctx: ctx, f: f, url: url}
	got, end, err := ReadNEVRA(r.readAt)
	r.Close()
	v := &Verification{URL: url, Got: got, HeaderEnd: end, Bytes: r.Bytes, Ranged: r.stream == nil}
	if err != nil {
		return v, fmt.Errorf("reading the RPM header of %s: %w", url, err)
	}
	e := got.Epoch
	if want.Epoch == "" {
		e = ""
	}
	if got.Name != want.Name || got.Version != want.Version || got.Release != want.Release || got.Arch != want.Arch || e != want.Epoch {
		return v, fmt.Errorf("%s is %s, want %s", url, got, want)
	}
	return v, nil
}
