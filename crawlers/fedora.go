package crawlers

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
)

// Fedora is the newest three releases its releases/ listing shows, each
// with its release tree and its updates; older releases (--release
// fedora/38) are read from the archive.
func Fedora() *rpm.Distribution {
	return &rpm.Distribution{
		ID: "fedora", Kernels: matrixgen.Fedora,
		Defaults: map[string]string{
			"fedora":         "https://dl.fedoraproject.org/pub/fedora/linux",
			"fedora-archive": "https://archives.fedoraproject.org/pub/archive/fedora/linux",
		},
		Listing: &rpm.Listing{Key: "fedora", Path: "releases/", Archive: "fedora-archive", Newest: 3},
		Repos: func(r rpm.Rel, arch string) []rpm.RepoRef {
			key := keyOr(r.Key, "fedora")
			return []rpm.RepoRef{
				{Name: "releases", MirrorKey: key, Path: "releases/" + r.Name + "/Everything/" + arch + "/os/"},
				{Name: "updates", MirrorKey: key, Path: "updates/" + r.Name + "/Everything/" + arch + "/"},
			}
		},
	}
}

// keyOr is a release's own mirror key (an archive, a vault) or the main one.
func keyOr(key, main string) string {
	if key != "" {
		return key
	}
	return main
}
