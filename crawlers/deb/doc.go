// Package deb parses the Debian repository format: signed InRelease files, the Release
// paragraph they carry, and streamed Packages indices; it does no network I/O.
package deb
