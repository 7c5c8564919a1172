package fetch

import (
	"errors"
	"fmt"
	"github.com/matrixgen/matrixgen/internal/transport"
	"net/http"
)

// ErrTooManyRedirects is wrapped by the error Open returns when a redirect chain is longer
// than the limit (10, as net/http's default), which is how a redirect loop shows up.
var ErrTooManyRedirects = errors.New("too many redirects")

// HTTPError is an answer with a status other than 200 (or a 304 for a cached URL).
type HTTPError struct {
	Method     string
	URL        string
	StatusCode int
	Status     string // as the server sent it, e.g. "404 Not Found"
}

func (e *HTTPError) Error() string {
	status := e.Status
	if status == "" {
		status = fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("%s %s: unexpected status %s", e.Method, e.URL, status)
}

// Temporary reports whether the status is worth retrying: 408, 429 and every 5xx.
func (e *HTTPError) Temporary() bool { return transport.TemporaryStatus(e.StatusCode) }

// ChecksumError is a body whose digest is not the expected one. Got and Want are lowercase hex.
type ChecksumError struct {
	Method    string // "" for GET
	URL       string
	Algorithm string // "sha256"
	Got       string
	Want      string
	Bytes     int64  // raw bytes hashed (decompressed bytes when Decompressed)
	File      string // the cached copy that was read, when the bytes came from the disk cache
	// Decompressed: the digest is over the decompressed stream (Request.OpenSHA256), which
	// rpm-md calls the open-checksum; the raw bytes had already verified.
	Decompressed bool
}

func (e *ChecksumError) Error() string {
	from := ""
	if e.File != "" {
		from = " in cached copy " + e.File
	}
	if e.Decompressed {
		from += " of the decompressed body"
	}
	return fmt.Sprintf("%s %s: %s mismatch%s after %d bytes: got %s, want %s", verb(e.Method), e.URL, e.Algorithm, from, e.Bytes, e.Got, e.Want)
}

// SizeError is a body that exceeded a cap (Limit > 0) or whose raw size is not the expected
// one (Want > 0).
type SizeError struct {
	Method       string // "" for GET
	URL          string
	Limit        int64 // the cap that was exceeded; 0 for a size mismatch
	Decompressed bool  // the cap is on decompressed bytes
	Want         int64 // expected raw size (Request.Size, or Request.OpenSize when Decompressed); 0 when a cap was exceeded
	Got          int64 // bytes seen (or announced by Content-Length) when the error was found
	Announced    bool  // Got comes from the Content-Length header, nothing was read
}

func (e *SizeError) Error() string {
	what := "body"
	if e.Decompressed {
		what = "decompressed body"
	}
	how := "has"
	if e.Announced {
		how = "announces (Content-Length)"
	}
	if e.Want > 0 {
		if !e.Announced && e.Got > e.Want {
			return fmt.Sprintf("%s %s: size mismatch: %s has more than the expected %d bytes", verb(e.Method), e.URL, what, e.Want)
		}
		return fmt.Sprintf("%s %s: size mismatch: %s %s %d bytes, want %d", verb(e.Method), e.URL, what, how, e.Got, e.Want)
	}
	if e.Announced {
		return fmt.Sprintf("%s %s: %s %s %d bytes, over the limit of %d", verb(e.Method), e.URL, what, how, e.Got, e.Limit)
	}
	return fmt.Sprintf("%s %s: %s exceeds the limit of %d bytes", verb(e.Method), e.URL, what, e.Limit)
}

// FormatError is a body whose magic bytes do not match the compression its URL suffix names,
// such as an HTML error page served for Packages.xz.
type FormatError struct {
	Method string // "" for GET
	URL    string
	Want   string // format named by the suffix: "gzip", "xz", "zstd", "bzip2"
	Got    string // format found, or "unknown (first bytes ...)"
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("%s %s: expected %s data by the URL suffix, found %s", verb(e.Method), e.URL, e.Want, e.Got)
}

// TimeoutError is one attempt that got no response headers within Options.HeaderTimeout
// (retried), or a body Read that waited longer than Options.IdleTimeout for bytes. Errors
// returned by the Client wrap it with the URL.
type TimeoutError = transport.TimeoutError

// HostError is a URL or connection refused by the host policy (see transport.CheckURL).
type HostError = transport.HostError

// verb is the method a message names: requests without one are GETs.
func verb(method string) string {
	if method == "" {
		return http.MethodGet
	}
	return method
}

// DeadlineError is a request that did not end within its total deadline
// (Options.RequestTimeout or Request.Timeout): headers that never came, or a body too large
// or too slow to read in time.
type DeadlineError = transport.DeadlineError
