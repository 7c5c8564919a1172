package distros

import (
	"slices"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/koji"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// Fedora is the newest three releases its releases/ listing shows, each
// with its release tree and its updates; older releases (--release
// fedora/38) are read from the archive.
func Fedora() *rpm.Distribution {
	d := entry(matrixgen.Fedora)
	return &rpm.Distribution{
		ID: d.Name, Kernels: d.Name,
		Defaults: withHubs(mirrorsOf(d, "fedora", "fedora-archive"), d.KojiHubs...),
		Koji:     d.KojiHubs,
		Arches:   d.Arches,
		KojiDist: func(r string) string { return "fc" + r },
		Listing:  &rpm.Listing{Key: "fedora", Path: "releases/", Archive: "fedora-archive", Newest: 3},
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			key := keyOr(r.Key, "fedora")
			return []rpm.RepoRef{
				{Name: "releases", MirrorKey: key, Path: "releases/" + r.Name + "/Everything/" + arch + "/os/"},
				{Name: "updates", MirrorKey: key, Path: "updates/" + r.Name + "/Everything/" + arch + "/"},
			}
		},
	}
}

// withHubs adds the --mirror keys of Koji hubs (the hub and its file root,
// crawl --koji reads both) to a distribution's defaults.
func withHubs(m map[string]string, hubs ...string) map[string]string {
	for _, h := range koji.Hubs() {
		if slices.Contains(hubs, h.Key) {
			m[h.Key], m[h.FilesKey] = h.URL, h.TopURL
		}
	}
	return m
}

// keyOr is a release's own mirror key (an archive, a vault) or the main one.
func keyOr(key, main string) string {
	if key != "" {
		return key
	}
	return main
}
