// Package fcos reads what Fedora CoreOS publishes about its builds under
// builds.coreos.fedoraproject.org: a stream's build list,
// prod/streams/<stream>/builds/builds.json (newest first, with each build's
// arches), and a build's commitmeta.json, whose rpmostree.rpmdb.pkglist
// names the packages the build's OSTree commit holds, its kernel among them.
//
// Fedora CoreOS kernels are Fedora kernels (6.15.9-201.fc42.x86_64): a
// crawl lists them under Fedora, distro version from .fcNN, marked with
// the source "fedora-coreos", the header source Fedora's kernel-devel of
// the same NVR on Koji, so a fleet on Fedora CoreOS gets what its streams
// boot even after Fedora's updates repository moved on.
//
// ParseBuilds and ParseCommitMeta are the format; Distribution is the crawl
// over it, as configuration (crawlers/fedora_coreos.go). All network I/O
// goes through the Fetcher it is given.
package fcos
