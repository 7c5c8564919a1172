package github

import (
	"fmt"
	"strings"
)

// CheckRefFormat applies git's rules for ref names (git-check-ref-format):
// no component starts with "." or ends with ".lock"; no "..", no ASCII
// control character, space, "~", "^", ":", "?", "*", "[" or "\"; no
// "//"; no trailing "/" or "."; no "@{"; not "@" alone. It also wants at
// least one "/", as git does for refs/heads/*. The PR bot checks every
// branch it names with it.
func CheckRefFormat(ref string) error {
	bad := func(why string) error { return fmt.Errorf("ref %q: %s", ref, why) }
	switch {
	case ref == "" || ref == "@":
		return bad("empty or @")
	case !strings.Contains(ref, "/"):
		return bad("needs at least one /")
	case strings.HasSuffix(ref, "/") || strings.HasSuffix(ref, "."):
		return bad("ends with / or .")
	case strings.Contains(ref, "..") || strings.Contains(ref, "@{") || strings.Contains(ref, "//"):
		return bad(`holds "..", "@{" or "//"`)
	}
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte(" ~^:?*[\\", c) >= 0 {
			return bad(fmt.Sprintf("character %q at %d", c, i))
		}
	}
	for _, comp := range strings.Split(ref, "/") {
		if strings.HasPrefix(comp, ".") || strings.HasSuffix(comp, ".lock") {
			return bad(fmt.Sprintf("component %q starts with . or ends with .lock", comp))
		}
	}
	return nil
}
