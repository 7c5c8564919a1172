// Package flatcar reads Flatcar Container Linux's release lists, the
// releases-<channel>.json files www.flatcar.org publishes under
// /releases-json/, and turns each release into the one kernel it boots:
// uname -r "<kernel>-flatcar", distro version the Flatcar release, header
// source the release's developer container.
//
// ParseReleases is the format; Distribution is the crawl over it, as
// configuration (crawlers/flatcar.go). Plan reads each channel's list (it is
// the listing of that channel's releases: when it fails, the runner carries
// the previous kernels over); a job turns one channel's releases into the
// kernels of one arch. All network I/O goes through the Fetcher it is given.
package flatcar
