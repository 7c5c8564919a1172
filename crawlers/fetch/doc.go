// Package fetch is the one HTTP layer every crawler uses: bounded, retried GETs with a
// conditional-GET disk cache, decompression by suffix and magic, size caps and SHA-256
// verification while the body streams.
package fetch
