// Package openshift reads OpenShift's public release data and the
// registry, to find the RHCOS kernel of every z-stream of an OpenShift
// minor: the upgrade graph (Cincinnati) lists the z-streams of a channel,
// each release's release.txt on the mirror names the digests of its
// rhel-coreos and driver-toolkit component images, and the rhel-coreos
// image's config carries the kernel release in its ostree.linux label.
//
// Registry reads go through go-containerregistry: one manifest (and, for a
// manifest list, the platform's manifest) and one config blob per image,
// never a layer. Images are addressed by digest, so what is read from one
// is kept in the crawl's memo and never asked again.
package openshift
