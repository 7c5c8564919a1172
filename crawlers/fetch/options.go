package fetch

import (
	"github.com/matrixgen/matrixgen/internal/transport"
	"net"
	"net/http"
	"runtime"
	"time"
)

// Options configures a Client. The zero value gives the defaults stated on each field.
type Options struct {
	// Transport is the base transport the Client stacks its layers on. nil means a clone of
	// http.DefaultTransport with dial, TLS and response-header timeouts and transparent
	// gzip turned off (checksums are over the bytes as served).
	Transport http.RoundTripper
	// RefuseLoopback refuses connections to loopback addresses, as to link-local and
	// metadata ones (always refused): a crawl whose configured mirrors are not on loopback
	// sets it, so no href or DNS answer leads it to the machine's own services. Applies
	// to the default Transport only.
	RefuseLoopback bool
	// UserAgent is sent with every request that has none. Default "matrixgen".
	UserAgent string
	// CacheDir holds the conditional-GET cache. "" means no on-disk cache.
	CacheDir string
	// Concurrency limits requests in flight across all hosts. Default 8.
	Concurrency int
	// PerHost limits requests in flight to one host:port. Default 4.
	PerHost int
	// Retries is the number of extra attempts after the first. Default 4; negative means none.
	Retries int
	// Backoff spaces the attempts. The zero value means transport.DefaultBackoff: 500ms
	// base, factor 2, up to 20% jitter, at most 30s.
	Backoff Backoff
	// HeaderTimeout bounds the wait for response headers, per attempt. Default 30s;
	// negative means none.
	HeaderTimeout time.Duration
	// IdleTimeout bounds how long one body Read may wait for bytes: a stalled body fails.
	// Time the caller spends between Reads does not count. Default 60s; negative means none.
	IdleTimeout time.Duration
	// RequestTimeout bounds one request from its first attempt to the end of its body,
	// retries included: a body that trickles (a byte every few seconds never trips
	// IdleTimeout) fails with a *DeadlineError naming the bytes read. Request.Timeout
	// overrides it. Default 10m, enough for a whole index at a slow mirror's pace;
	// negative means none.
	RequestTimeout time.Duration
	// MaxBytes caps the raw body (as served) unless Request.MaxBytes is set. Default 512 MiB.
	MaxBytes int64
	// MaxDecompressed caps the decompressed body. Default 4 GiB.
	MaxDecompressed int64
	// MaxWindow caps the memory one decoder may keep, as its stream declares it: a zstd
	// frame's window, an xz block's dictionary. A body that declares more fails with a
	// *WindowError. Default 128 MiB (see defaultMaxWindow).
	MaxWindow int64
	// DecoderMemory bounds the windows of all the Client's open decompressing bodies
	// together: a body waits for its share before its decoder is made, and frees it on
	// Close. Default 512 MiB; never less than MaxWindow.
	DecoderMemory int64
	// Decoders bounds the xz and zstd streams decoded at once, and so their dictionaries
	// (decoding is CPU-bound: more at once only holds more memory). A body holds its decoder
	// from Open to Close, so one goroutine must not keep more than Decoders such bodies open
	// at once: the next Open would wait for its context. Default GOMAXPROCS, at least 2.
	Decoders int
	// Now is the clock used for Retry-After dates. Default time.Now.
	Now func() time.Time
	// OnWait, when set, is called before each retry's wait (a 429's
	// Retry-After included), so a caller can show why nothing moves.
	// It may be called concurrently.
	OnWait func(Wait)
}

// Backoff spaces the attempts: attempt n (from 0) waits Base*Factor^n, at most Max, less a
// random part of up to Jitter of it. Max also caps a Retry-After.
type Backoff = transport.Backoff

// Wait is a retry about to sleep: shown so that progress does not look hung.
type Wait = transport.Wait

const (
	defaultUserAgent       = "matrixgen"
	defaultConcurrency     = 8
	defaultPerHost         = 4
	defaultRetries         = 4
	defaultHeaderTimeout   = 30 * time.Second
	defaultIdleTimeout     = 60 * time.Second
	defaultRequestTimeout  = 10 * time.Minute
	defaultMaxBytes        = 512 << 20
	defaultMaxDecompressed = 4 << 30
)

func (o Options) withDefaults() Options {
	if o.UserAgent == "" {
		o.UserAgent = defaultUserAgent
	}
	if o.Concurrency <= 0 {
		o.Concurrency = defaultConcurrency
	}
	if o.PerHost <= 0 {
		o.PerHost = defaultPerHost
	}
	switch {
	case o.Retries == 0:
		o.Retries = defaultRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.Backoff == (Backoff{}) {
		o.Backoff = transport.DefaultBackoff()
	}
	if o.Backoff.Factor == 0 {
		o.Backoff.Factor = 2
	}
	if o.Backoff.Max <= 0 {
		o.Backoff.Max = transport.DefaultBackoff().Max
	}
	if o.HeaderTimeout == 0 {
		o.HeaderTimeout = defaultHeaderTimeout
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = defaultIdleTimeout
	}
	switch {
	case o.RequestTimeout == 0:
		o.RequestTimeout = defaultRequestTimeout
	case o.RequestTimeout < 0:
		o.RequestTimeout = 0
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = defaultMaxBytes
	}
	if o.MaxDecompressed <= 0 {
		o.MaxDecompressed = defaultMaxDecompressed
	}
	if o.MaxWindow <= 0 {
		o.MaxWindow = defaultMaxWindow
	}
	if o.DecoderMemory <= 0 {
		o.DecoderMemory = defaultDecoderMemory
	}
	o.DecoderMemory = max(o.DecoderMemory, o.MaxWindow)
	if o.Decoders <= 0 {
		o.Decoders = max(2, runtime.GOMAXPROCS(0))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// defaultTransport clones http.DefaultTransport with bounded dialing and handshakes. Its
// ResponseHeaderTimeout is only a backstop at twice HeaderTimeout: the timeout layer fires
// first and gives a typed error.
func defaultTransport(o Options) http.RoundTripper {
	var t *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	} else {
		t = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
	}
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t.DialContext = transport.PolicyDialer(d, !o.RefuseLoopback)
	t.TLSHandshakeTimeout = 10 * time.Second
	if o.HeaderTimeout > 0 {
		t.ResponseHeaderTimeout = 2 * o.HeaderTimeout
	}
	// Transparent gzip would hand us decoded bytes, and checksums are over bytes as served.
	t.DisableCompression = true
	t.MaxIdleConnsPerHost = o.PerHost
	return t
}
