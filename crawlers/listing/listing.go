// Package listing reads HTML directory listings (a mirror's autoindex) with
// colly, through the fetch layer's transport: listings only, never indices.
package listing

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gocolly/colly/v2"
)

// Dirs returns the names of the subdirectories a listing at url links to
// (hrefs "name/", relative, one level), sorted. A listing that cannot be
// read is an error naming the URL.
func Dirs(ctx context.Context, rt http.RoundTripper, url string) ([]string, error) {
	c := colly.NewCollector(colly.StdlibContext(ctx), colly.IgnoreRobotsTxt(), colly.MaxDepth(1))
	c.WithTransport(rt)
	var mu sync.Mutex
	var found []string
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		href := e.Attr("href")
		name, dir := strings.CutSuffix(href, "/")
		// Only relative links to a child directory: not "../", not
		// absolute paths, not links to other hosts or query strings.
		if !dir || name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/?#:") {
			return
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
