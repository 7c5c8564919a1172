// Package matrixgen holds the kernel domain: kernels, architectures, target
// names, release-string validation and distro-version derivation, and the
// distribution table (distros.go) that everything reads. It does no I/O;
// every other package imports it and it imports none of them.
//
// # Field names across documents
//
// A Kernel's fields have one name per document, kept for compatibility
// with the formats they came from (README "Field names across documents"):
//
//	Kernel field   kernels.json/crawl  diff --json     matrix, plan     POST /build
//	Distribution   target              distribution    distribution     distribution
//	DistroVersion  distroversion       distroversion   distro_version   distro_version
//	Arch           (top-level key)     arch            architecture     architecture
//	Release        kernelrelease       kernelrelease   kernel_release   kernel_version
//
// Documents matrixgen introduces use snake_case and the matrix's words
// (distro_version, architecture, kernel_release); `distros --json` does.
package matrixgen
