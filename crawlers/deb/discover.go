package deb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gocolly/colly/v2"

	"github.com/matrixgen/matrixgen/crawlers/source"
)

// aliases are dists/ entries that are not releases of their own.
var aliases = map[string]bool{
	"stable": true, "oldstable": true, "oldoldstable": true, "testing": true, "unstable": true,
	"sid": true, "experimental": true, "rc-buggy": true, "devel": true, "stable-updates": true,
}

// discover reads the HTML listing url (a mirror's dists/) with colly
// (listings only, never indices), through the fetch layer's transport, and
// returns codenames the table does not know. Their distro version comes
// from each Release's Version field.
func discover(ctx context.Context, f source.Fetcher, url string, table []TableRelease) ([]string, error) {
	c := colly.NewCollector(colly.StdlibContext(ctx), colly.IgnoreRobotsTxt(), colly.MaxDepth(1))
	c.WithTransport(f.Transport())
	var mu sync.Mutex
	var found []string
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		href := e.Attr("href")
		name, dir := strings.CutSuffix(href, "/")
		// Releases are directories named by a lowercase codename; pockets
		// ("-updates"), files and links elsewhere are not.
		if !dir || !isCodename(name) || aliases[name] {
			return
		}
		for _, r := range table {
			if r.Codename == name {
				return
			}
		}
		mu.Lock()
		if !slices.Contains(found, name) {
			found = append(found, name)
		}
		mu.Unlock()
	})
	var visitErr error
	c.OnError(func(r *colly.Response, err error) {
		visitErr = fmt.Errorf("GET %s: status %d: %w", r.Request.URL, r.StatusCode, err)
	})
	if err := c.Visit(url); err != nil && visitErr == nil {
		visitErr = fmt.Errorf("GET %s: %w", url, err)
	}
	c.Wait()
	slices.Sort(found)
	return found, visitErr
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
