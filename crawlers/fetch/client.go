package fetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/matrixgen/matrixgen/internal/transport"
)

// maxRedirects is net/http's own default limit.
const maxRedirects = 10

// Client fetches files over HTTP for the crawlers. It is safe for concurrent use.
type Client struct {
	opts  Options
	rt    http.RoundTripper
	http  *http.Client
	cache *diskCache // nil: no cache
	stats *statsRecorder
	// decMem holds Options.DecoderMemory bytes, shared by every decompressing body.
	decMem *semaphore.Weighted
	// decoders holds Options.Decoders: xz and zstd streams decoded at once.
	decoders *semaphore.Weighted
}

// New returns a Client. Its transport stack is built here from the shared layers of
// internal/transport, inner to outer: the base transport, request counting, header and idle
// timeouts, the per-host and global limits, retry, and the user agent.
func New(opts Options) *Client {
	o := opts.withDefaults()
	c := &Client{opts: o, stats: newStatsRecorder(), decMem: semaphore.NewWeighted(o.DecoderMemory), decoders: semaphore.NewWeighted(int64(o.Decoders))}
	base := o.Transport
	if base == nil {
		base = defaultTransport(o)
	}
	var rt http.RoundTripper = &transport.Count{Next: base, Attempt: func(r *http.Request) {
		c.stats.add(transport.HostKey(r.URL), HostStats{Requests: 1})
	}}
	rt = &transport.Timeout{Next: rt, Header: o.HeaderTimeout, Idle: o.IdleTimeout}
	rt = transport.NewLimit(rt, o.Concurrency, o.PerHost)
	rt = &transport.Retry{Next: rt, Attempts: o.Retries + 1, Backoff: o.Backoff, Now: o.Now, OnWait: func(w Wait) {
		c.stats.add(transport.HostKey(w.Request.URL), HostStats{Retries: 1})
		if o.OnWait != nil {
			o.OnWait(w)
		}
	}}
	rt = &transport.UserAgent{Next: rt, UA: o.UserAgent}
	c.rt = rt
	c.http = &http.Client{Transport: rt, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if err := transport.CheckURL(req.URL.String(), !o.RefuseLoopback); err != nil {
			return fmt.Errorf("redirect refused: %w", err)
		}
		return checkRedirect(req, via)
	}}
	if o.CacheDir != "" {
		c.cache = &diskCache{dir: o.CacheDir}
	}
	return c
}

// Transport returns the Client's transport stack (limits, retries, timeouts, the total
// request deadline, user agent, host policy and its Stats) for callers that need a plain
// http.RoundTripper, such as an HTML scraper. It has no cache, decompression or
// verification.
func (c *Client) Transport() http.RoundTripper {
	if c.opts.RequestTimeout <= 0 {
		return c.rt
	}
	return &transport.Deadline{Next: c.rt, After: c.opts.RequestTimeout}
}

// CloseIdleConnections closes idle keep-alive connections of the base transport.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Stats returns a snapshot of the counters.
func (c *Client) Stats() Stats { return c.stats.snapshot() }

// Request is one file to fetch.
type Request struct {
	URL string
	// SHA256 is the expected lowercase hex digest of the raw bytes as served; "" = not checked.
	SHA256 string
	// Size is the expected raw size in bytes; <= 0 = unknown. A mismatch is an error.
	Size int64
	// MaxBytes overrides Options.MaxBytes when > 0.
	MaxBytes int64
	// Decompress decompresses by URL suffix (.gz .xz .zst .bz2), checked against the magic
	// bytes; other suffixes are passed through as served.
	Decompress bool
	// OpenSHA256 is the expected lowercase hex digest of the decompressed bytes (rpm-md's
	// open-checksum), checked at the end of the stream after SHA256; "" = not checked.
	// With Decompress unset, or a suffix that names no compression, it is the digest of the
	// bytes as served.
	OpenSHA256 string
	// OpenSize is the expected decompressed size in bytes (rpm-md's open-size); <= 0 = unknown.
	OpenSize int64
	// Method is the HTTP method; "" means GET. Only GETs without Range use the cache.
	Method string
	// Body is sent as the request body (a POST's XML-RPC call); it is re-sent on a retry.
	Body []byte
	// ContentType is the Content-Type of Body; "" sends none.
	ContentType string
	// Idempotent lets the retry layer retry a method other than GET, as it retries GETs:
	// for calls the server documents as read-only (Koji's getBuild, listBuilds, ...).
	// Default false: a POST is sent once.
	Idempotent bool
	// Timeout bounds this request, retries and the whole body included; > 0 overrides
	// Options.RequestTimeout.
	Timeout time.Duration
	// Range is sent as the Range header ("bytes=0-1023"); "" sends none. A 206 answer is
	// accepted as a 200 is, and Response.Partial says which one came: a server that ignores
	// Range sends the whole file, which the caller should close early.
	Range string
}

// Response is an open body.
type Response struct {
	URL string // Request.URL
	// Body is the (decompressed, if asked) stream. Read returns a *ChecksumError,
	// *SizeError or other error naming the URL instead of io.EOF when verification fails at
	// the end, so read to io.EOF to have the body verified. Close releases the connection
	// slot, the cache temp file and the decompressor.
	Body io.ReadCloser
	// FromCache is set when the server answered 304 Not Modified and Body reads the disk cache.
	FromCache bool
	// Partial is set when the server answered 206 to Request.Range.
	Partial bool
}

// Open sends a GET (or req.Method) for req.URL and returns its body as a verifying stream. Errors name the URL.
func (c *Client) Open(ctx context.Context, req Request) (*Response, error) {
	resp, err := c.open(ctx, req)
	if err != nil {
		c.stats.add(hostOf(req.URL), HostStats{Failures: 1})
	}
	return resp, err
}

// Get opens req, reads the whole verified body and closes it. It suits small files such as
// InRelease; stream large ones with Open.
func (c *Client) Get(ctx context.Context, req Request) ([]byte, error) {
	resp, err := c.Open(ctx, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func (c *Client) open(ctx context.Context, req Request) (*Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, req.URL, err)
	}
	disp := transport.Redact(u)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s %s: want an absolute http or https URL", method, disp)
	}
	// Also checked when dialled; this check holds when a proxy does the dialling.
	if err := transport.CheckURL(req.URL, !c.opts.RefuseLoopback); err != nil {
		return nil, fmt.Errorf("%s %w", method, err)
	}
	host := transport.HostKey(u)
	want := strings.ToLower(req.SHA256)
	if want != "" && !validSHA256(want) {
		return nil, fmt.Errorf("%s %s: invalid expected SHA256 %q: want 64 hex digits", method, disp, req.SHA256)
	}
	openWant := strings.ToLower(req.OpenSHA256)
	if openWant != "" && !validSHA256(openWant) {
		return nil, fmt.Errorf("%s %s: invalid expected open SHA256 %q: want 64 hex digits", method, disp, req.OpenSHA256)
	}
	var comp *format
	if req.Decompress {
		comp = formatBySuffix(u.Path)
	}
	limit := c.opts.MaxBytes
	if req.MaxBytes > 0 {
		limit = req.MaxBytes
	}

	var cached *cacheEntry
	cacheable := c.cache != nil && method == http.MethodGet && req.Range == ""
	if cacheable {
		cached = c.cache.lookup(req.URL)
		if cached != nil && want != "" && cached.meta.SHA256 != want {
			// The copy is known not to be what the caller wants: do not invite a 304 for it.
			cached.f.Close()
			cached = nil
		}
	}
	useCached := false
	defer func() {
		if cached != nil && !useCached {
			cached.f.Close()
		}
	}()

	// The total deadline lives until the body is closed: Close (or a failure here) ends it.
	parent, start := ctx, time.Now()
	timeout := c.opts.RequestTimeout
	if req.Timeout > 0 {
		timeout = req.Timeout
	}
	cancel := context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, transport.ErrDeadline)
	}
	passed := func(n int64) *DeadlineError {
		if parent.Err() == nil && errors.Is(context.Cause(ctx), transport.ErrDeadline) {
			return &DeadlineError{Method: method, URL: disp, After: timeout, Bytes: n, Elapsed: time.Since(start)}
		}
		return nil
	}
	opened := false
	defer func() {
		if !opened {
			cancel()
		}
	}()

	var reqBody io.Reader
	if req.Body != nil {
		reqBody = bytes.NewReader(req.Body) // sets GetBody, which a retry uses to send it again
	}
	hreq, err := http.NewRequestWithContext(ctx, method, req.URL, reqBody)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, disp, err)
	}
	if req.ContentType != "" {
		hreq.Header.Set("Content-Type", req.ContentType)
	}
	if req.Idempotent && method != http.MethodGet {
		// net/http's own convention for a replayable request: a nil Idempotency-Key is
		// not sent, but marks the request as safe to retry (transport.Replayable).
		transport.MarkIdempotent(hreq)
	}
	if req.Range != "" {
		hreq.Header.Set("Range", req.Range)
	}
	// Checksums are over the bytes as served: ask for no transfer coding.
	hreq.Header.Set("Accept-Encoding", "identity")
	if cached != nil {
		if cached.meta.ETag != "" {
			hreq.Header.Set("If-None-Match", cached.meta.ETag)
		}
		if cached.meta.LastModified != "" {
			hreq.Header.Set("If-Modified-Since", cached.meta.LastModified)
		}
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		if de := passed(0); de != nil {
			return nil, de
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // it names the URL as Go prints it; we name it once, our way
		}
		return nil, fmt.Errorf("%s %s: %w", method, disp, err)
	}

	raw := &rawReader{method: method, url: disp, host: host, limit: limit, size: req.Size, want: want, h: newSHA256(), passed: passed}
	b := &body{r: raw, raw: raw, stats: c.stats, host: host, cancel: cancel}
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil:
		transport.DrainClose(resp.Body)
		c.stats.add(host, HostStats{NotModified: 1})
		useCached = true
		raw.r, b.closer = cached.f, cached.f
		raw.cacheWant, raw.cacheSize, raw.cachedFile = cached.meta.SHA256, cached.meta.Size, cached.f.Name()
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusPartialContent && req.Range != "":
		if err := checkLength(method, disp, resp.ContentLength, req.Size, limit); err != nil {
			resp.Body.Close()
			return nil, err
		}
		raw.r, raw.stats, b.closer = resp.Body, c.stats, resp.Body
		etag, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		// Without a validator the entry could never be revalidated: do not store it.
		if cacheable && resp.StatusCode == http.StatusOK && (etag != "" || lastMod != "") {
			w, err := c.cache.create(cacheMeta{URL: req.URL, ETag: etag, LastModified: lastMod})
			if err != nil {
				resp.Body.Close()
				return nil, fmt.Errorf("%s %s: %w", method, disp, err)
			}
			raw.tee = w
		}
	default:
		transport.DrainClose(resp.Body)
		return nil, &HTTPError{Method: method, URL: disp, StatusCode: resp.StatusCode, Status: resp.Status}
	}
	if comp != nil {
		if err := c.decompress(ctx, b, comp); err != nil {
			b.Close()
			return nil, err
		}
	}
	if openWant != "" || req.OpenSize > 0 {
		b.r = &openReader{method: method, url: disp, r: b.r, want: openWant, size: req.OpenSize, h: newSHA256()}
	}
	opened = true // b.Close ends the deadline
	return &Response{URL: req.URL, Body: b, FromCache: useCached, Partial: resp.StatusCode == http.StatusPartialContent}, nil
}

// checkLength fails early when Content-Length already shows a size mismatch or a body over
// the cap (-1 means the server did not say).
func checkLength(method, disp string, contentLength, size, limit int64) error {
	switch {
	case contentLength < 0:
		return nil
	case size > 0 && contentLength != size:
		return &SizeError{Method: method, URL: disp, Want: size, Got: contentLength, Announced: true}
	case contentLength > limit:
		return &SizeError{Method: method, URL: disp, Limit: limit, Got: contentLength, Announced: true}
	}
	return nil
}

// decompress checks the magic bytes against the format the suffix named, reserves the
// decoder's memory as the stream's headers declare it (waiting for the Client's budget),
// and puts a decompressor in front of b's raw stream.
func (c *Client) decompress(ctx context.Context, b *body, f *format) error {
	raw := b.raw
	src := bufio.NewReaderSize(raw, 64<<10)
	head, err := src.Peek(headPeek)
	if err != nil && err != io.EOF {
		if raw.err != nil && raw.err != io.EOF {
			return raw.err
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("%s %s: %w", raw.method, raw.url, err)
		}
	}
	if !bytes.HasPrefix(head, f.magic) {
		return &FormatError{Method: raw.method, URL: raw.url, Want: f.name, Got: describeMagic(head[:min(len(head), magicLen)])}
	}
	limit := uint64(c.opts.MaxWindow)
	window, ok := declaredWindow(f, head)
	switch {
	case f.name != "zstd" && f.name != "xz":
		window = min(window, uint64(c.opts.DecoderMemory)) // fixed by the format, and small
	case !ok:
		window = limit // the decoder finds out; it may keep no more than the cap
	case window > limit:
		return &WindowError{Method: raw.method, URL: raw.url, Format: f.name, Window: window, Limit: limit}
	default:
		window = min(max(window, minDecoderWeight), limit)
	}
	slot := f.name == "xz" || f.name == "zstd"
	if slot {
		if err := c.decoders.Acquire(ctx, 1); err != nil {
			return fmt.Errorf("%s %s: waiting for a decoder: %w", raw.method, raw.url, err)
		}
	}
	if err := c.decMem.Acquire(ctx, int64(window)); err != nil {
		if slot {
			c.decoders.Release(1)
		}
		return fmt.Errorf("%s %s: waiting for %s of decoder memory: %w", raw.method, raw.url, mib(window), err)
	}
	release := sync.OnceFunc(func() {
		c.decMem.Release(int64(window))
		if slot {
			c.decoders.Release(1)
		}
	})
	dec, free, err := newDecompressor(f, src, window)
	if err != nil {
		release()
		if raw.err != nil && raw.err != io.EOF {
			return raw.err
		}
		return fmt.Errorf("%s %s: decompressing %s: %w", raw.method, raw.url, f.name, err)
	}
	b.free = func() { free(); release() }
	b.r = &decompReader{method: raw.method, url: raw.url, format: f.name, dec: dec, src: src, raw: raw, limit: c.opts.MaxDecompressed}
	return nil
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects, the last to %s: %w", len(via), transport.Redact(req.URL), ErrTooManyRedirects)
	}
	return nil
}

func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return transport.HostKey(u)
}
