package deb

import (
	"context"

	"github.com/matrixgen/matrixgen/crawlers/listing"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// aliases are dists/ entries that are not releases of their own.
var aliases = map[string]bool{
	"stable": true, "oldstable": true, "oldoldstable": true, "testing": true, "unstable": true,
	"sid": true, "experimental": true, "rc-buggy": true, "devel": true, "stable-updates": true,
}

// discover reads the listing url (a mirror's dists/) and returns codenames
// the table does not know. Their distro version comes from each Release's
// Version field.
func discover(ctx context.Context, f source.Fetcher, url string, table []TableRelease) ([]string, error) {
	dirs, err := listing.Dirs(ctx, f.Transport(), url)
	var found []string
	for _, name := range dirs {
		// Releases are directories named by a lowercase codename; pockets
		// ("-updates") and aliases are not.
		if !isCodename(name) || aliases[name] || known(table, name) {
			continue
		}
		found = append(found, name)
	}
	return found, err
}

func known(table []TableRelease, name string) bool {
	for _, r := range table {
		if r.Codename == name {
			return true
		}
	}
	return false
}

func isCodename(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}
