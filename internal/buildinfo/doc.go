// Package buildinfo words the build information the go command stamps
// into a binary, for a --version flag.
package buildinfo
