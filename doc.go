// Package matrixgen holds the kernel domain: kernels, architectures, target
// names, release-string validation and distro-version derivation. It does no
// I/O; every other package imports it and it imports none of them.
package matrixgen
