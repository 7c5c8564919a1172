// Package resolve finds the header packages of one kernel through a chain of links — the
// distribution's repositories, explicit URLs, Koji/CBS — and can verify each RPM's header
// over HTTP Range requests before anything is downloaded.
package resolve
