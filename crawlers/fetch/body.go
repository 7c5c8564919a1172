package fetch

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// rawReader reads the body as served (from the network or the cache), counting, capping,
// hashing and teeing it to the cache, and verifies it when the stream ends: Read returns
// io.EOF only for a body that passed every check.
type rawReader struct {
	method string // for messages: GET or the request's
	url    string // redacted, for messages
	host   string
	r      io.Reader
	stats  *statsRecorder // nil: the bytes do not come from the network

	limit      int64  // raw cap
	size       int64  // expected size, <= 0 unknown
	want       string // expected SHA-256, "" unchecked
	cacheSize  int64  // size and digest recorded by the cache, when reading a cached copy
	cacheWant  string
	cachedFile string

	tee *cacheWriter // nil: not caching
	// passed returns the *DeadlineError when the request's total deadline has ended it
	// (after n bytes), else nil; nil func: no deadline.
	passed func(n int64) *DeadlineError
	h      hash.Hash
	n      int64
	sum    string // set at a verified EOF
	err    error  // sticky, including io.EOF
}

func (r *rawReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.r.Read(p)
	if n > 0 {
		var capErr error
		if over := r.n + int64(n) - r.limit; over > 0 {
			n -= int(over)
			capErr = &SizeError{Method: r.method, URL: r.url, Limit: r.limit, Got: r.limit + over}
		}
		if r.size > 0 && r.n+int64(n) > r.size {
			// More than expected: say so now rather than after reading up to the cap.
			n = int(r.size - r.n)
			capErr = &SizeError{Method: r.method, URL: r.url, Want: r.size, Got: r.size + 1}
		}
		r.h.Write(p[:n])
		r.n += int64(n)
		if r.stats != nil {
			r.stats.add(r.host, HostStats{Bytes: int64(n)})
		}
		if r.tee != nil && n > 0 {
			if _, werr := r.tee.Write(p[:n]); werr != nil && capErr == nil {
				capErr = fmt.Errorf("%s %s: %w", r.method, r.url, werr)
			}
		}
		if capErr != nil {
			err = capErr
		}
	}
	switch {
	case err == io.EOF:
		if verr := r.verify(); verr != nil {
			err = verr
		}
	case err != nil && r.passed != nil && r.passed(r.n) != nil:
		err = r.passed(r.n)
	case err != nil && !isOwnError(err):
		err = fmt.Errorf("%s %s: %w", r.method, r.url, err)
	}
	if err != nil {
		r.err = err
		if err != io.EOF && r.tee != nil {
			r.tee.abort()
		}
	}
	return n, err
}

// verify checks the complete raw body against the expected size and digest, and a cached
// copy against what the cache recorded.
func (r *rawReader) verify() error {
	if r.size > 0 && r.n != r.size {
		return &SizeError{Method: r.method, URL: r.url, Want: r.size, Got: r.n}
	}
	if r.cacheWant != "" && r.n != r.cacheSize {
		return fmt.Errorf("%s %s: cached copy %s has %d bytes, the cache recorded %d", r.method, r.url, r.cachedFile, r.n, r.cacheSize)
	}
	sum := hex.EncodeToString(r.h.Sum(nil))
	if r.want != "" && sum != r.want {
		return &ChecksumError{Method: r.method, URL: r.url, Algorithm: "sha256", Got: sum, Want: r.want, Bytes: r.n, File: r.cachedFile}
	}
	if r.cacheWant != "" && sum != r.cacheWant {
		return &ChecksumError{Method: r.method, URL: r.url, Algorithm: "sha256", Got: sum, Want: r.cacheWant, Bytes: r.n, File: r.cachedFile}
	}
	r.sum = sum
	return nil
}

// isOwnError reports errors that already start with the verb and URL.
func isOwnError(err error) bool {
	var (
		ce *ChecksumError
		se *SizeError
		he *HTTPError
		fe *FormatError
		de *DeadlineError
		we *WindowError
	)
	return errors.As(err, &ce) || errors.As(err, &se) || errors.As(err, &he) || errors.As(err, &fe) || errors.As(err, &de) || errors.As(err, &we)
}

// decompReader decompresses the raw stream, caps the output, and at the end drains the raw
// stream so that its verification runs before io.EOF is returned.
type decompReader struct {
	method string
	url    string
	format string
	dec    io.Reader
	src    *bufio.Reader // over raw; the decompressor reads from it
	raw    *rawReader
	limit  int64
	n      int64
	err    error
}

func (d *decompReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.dec.Read(p)
	if over := d.n + int64(n) - d.limit; over > 0 {
		n -= int(over)
		err = &SizeError{Method: d.method, URL: d.url, Limit: d.limit, Decompressed: true, Got: d.limit + over}
	}
	d.n += int64(n)
	switch {
	case err == io.EOF:
		// Trailing raw bytes (padding, a signature block) are still covered by the checksum.
		if _, derr := io.Copy(io.Discard, d.src); derr != nil {
			err = derr
		}
	case err != nil && d.raw.err != nil && d.raw.err != io.EOF:
		err = d.raw.err // the raw stream failed; the decompressor only passed that on
	case err != nil && !isOwnError(err):
		// A corrupt byte usually trips the decoder before the end of the
		// stream. When the body has a known digest or size, read the rest of
		// the raw stream (still capped and timed) so the caller gets the
		// typed verdict, a *ChecksumError with both digests, not only "data
		// is corrupt".
		if d.raw.want != "" || d.raw.size > 0 {
			if _, derr := io.Copy(io.Discard, d.src); derr != nil && isOwnError(derr) {
				err = errors.Join(derr, fmt.Errorf("decompressing %s: %w", d.format, err))
				break
			}
		}
		err = fmt.Errorf("%s %s: decompressing %s: %w", d.method, d.url, d.format, err)
	}
	if err != nil {
		d.err = err
	}
	return n, err
}

// body is Response.Body: it counts a failure once, commits the cache entry when the whole
// pipeline reached a verified EOF, and frees everything on Close.
type body struct {
	r      io.Reader // raw or decompReader
	raw    *rawReader
	closer io.Closer // network body or cached file
	free   func()    // decompressor
	cancel func()    // ends the request's total deadline
	stats  *statsRecorder
	host   string

	err            error // a cache commit failure, sticky
	failed, closed bool
}

func (b *body) Read(p []byte) (int, error) {
	if b.closed {
		return 0, fmt.Errorf("%s %s: read after Close", b.raw.method, b.raw.url)
	}
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	if err == io.EOF && b.raw.tee != nil {
		if cerr := b.raw.tee.commit(b.raw.sum, b.raw.n); cerr != nil {
			err = fmt.Errorf("%s %s: %w", b.raw.method, b.raw.url, cerr)
			b.err = err
		}
	}
	if err != nil && err != io.EOF && !b.failed {
		b.failed = true
		b.stats.add(b.host, HostStats{Failures: 1})
	}
	return n, err
}

func (b *body) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if b.raw.tee != nil {
		b.raw.tee.abort() // no-op once committed
	}
	if b.free != nil {
		b.free()
	}
	err := b.closer.Close()
	if b.cancel != nil {
		b.cancel()
	}
	return err
}

func newSHA256() hash.Hash { return sha256.New() }

// openReader verifies the stream it wraps, the decompressed body, against an expected size
// and digest (rpm-md's open-size and open-checksum). It sits outside decompReader, so the raw
// body's own checks have passed by the time it sees io.EOF: a raw mismatch is reported as
// such, and an open mismatch means the raw bytes were the published ones but the index
// inside them is not the one repomd describes.
type openReader struct {
	method string
	url    string
	r      io.Reader
	want   string // "" unchecked
	size   int64  // <= 0 unchecked
	h      hash.Hash
	n      int64
	err    error
}

func (o *openReader) Read(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.r.Read(p)
	if n > 0 {
		if o.size > 0 && o.n+int64(n) > o.size {
			n = int(o.size - o.n)
			err = &SizeError{Method: o.method, URL: o.url, Decompressed: true, Want: o.size, Got: o.size + 1}
		}
		o.h.Write(p[:n])
		o.n += int64(n)
	}
	if err == io.EOF {
		switch sum := hex.EncodeToString(o.h.Sum(nil)); {
		case o.size > 0 && o.n != o.size:
			err = &SizeError{Method: o.method, URL: o.url, Decompressed: true, Want: o.size, Got: o.n}
		case o.want != "" && sum != o.want:
			err = &ChecksumError{Method: o.method, URL: o.url, Algorithm: "sha256", Got: sum, Want: o.want, Bytes: o.n, Decompressed: true}
		}
	}
	if err != nil {
		o.err = err
	}
	return n, err
}
