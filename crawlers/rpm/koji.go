package rpm

import (
	"context"
	"fmt"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/koji"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// KojiPage is the page size of listBuilds: one call never asks for every kernel build a
// hub ever made.
const KojiPage = 50

// MaxKojiPages caps the listBuilds pages read for one release from one hub. A hub that
// keeps answering full pages of builds it has not listed before (a broken or hostile
// one; a repeated page is caught by itself) would otherwise be paged until the hub's
// --koji-timeout, every call a POST to a shared service. One release's kernel builds
// number in the hundreds over its life (rawhide builds before the branch, then the
// updates), so 5,000 builds leave ample room for a --koji-since far back, and a crawl
// that reaches the cap names the bounds that narrow it.
const MaxKojiPages = 100

// addKoji asks each of the distribution's hubs for the release's newest COMPLETE kernel
// builds and adds those whose headers package the mirrors lack, marked OriginKoji with
// the hub's download URL as headers. Each hub is one source of the job.
func (j *job) addKoji(ctx context.Context, f source.Fetcher, out *source.Result, byRel map[string]int, events func(source.Event)) {
	info := out.Info
	pattern := "kernel-*." + j.d.KojiDist(j.rel.Name)
	name := "kernel-devel"
	if j.arch == matrixgen.AArch64_64k {
		name = "kernel-64k-devel"
	}
	for _, hub := range j.d.Koji {
		hubURL := j.mirrors[hub]
		c := koji.NewClient(f, hubURL)
		// Each hub has its own deadline, as resolve's links do: one that
		// never stops answering fails alone, the next hub is still asked.
		hctx, cancel := source.WithTimeout(ctx, j.koji.Timeout)
		added, err := j.kojiHub(hctx, c, hub, pattern, name, out, byRel)
		err = source.TimeoutErr(hctx, j.koji.Timeout, err)
		cancel()
		out.Sources = append(out.Sources, source.SourceResult{Name: hub, URL: hubURL, Kernels: added, Err: err})
		if events != nil {
			events(source.Event{Job: info, Source: hub, URL: hubURL, Err: err})
		}
	}
}

func (j *job) kojiHub(ctx context.Context, c *koji.Client, hub, pattern, name string, out *source.Result, byRel map[string]int) (int, error) {
	pkg, ok, err := c.GetPackageID(ctx, "kernel")
	if err != nil || !ok {
		return 0, err // a hub that never built "kernel" has nothing to add
	}
	newest := j.koji.Newest
	if newest <= 0 && j.koji.Since.IsZero() {
		newest = source.DefaultKojiNewest
	}
	complete := koji.Complete
	opts := koji.ListBuildsOpts{PackageID: pkg, State: &complete, Pattern: pattern, Query: koji.QueryOpts{Order: "-build_id", Limit: KojiPage}}
	if !j.koji.Since.IsZero() {
		opts.CompleteAfter = float64(j.koji.Since.Unix())
	}
	var builds []koji.Build
	seen := map[int64]bool{}
	for pages := 0; ; pages++ {
		if pages == MaxKojiPages {
			return 0, fmt.Errorf("koji: POST %s: listBuilds %s: still full pages after %d calls of %d builds; narrow it with --koji-since or --koji-newest",
				c.URL(), pattern, MaxKojiPages, KojiPage)
		}
		if newest > 0 {
			opts.Query.Limit = min(KojiPage, newest-len(builds))
		}
		page, err := c.ListBuilds(ctx, opts)
		if err != nil {
			return 0, err
		}
		fresh := 0
		for _, b := range page {
			if seen[b.ID] {
				continue
			}
			seen[b.ID] = true
			fresh++
			// The hub was asked for COMPLETE builds only; a DELETED, FAILED,
			// CANCELED or BUILDING one is never an answer, whatever it sends.
			if b.State == koji.Complete {
				builds = append(builds, b)
			}
		}
		if len(page) > 0 && fresh == 0 {
			// Paging on would repeat it forever (1,250 calls a minute).
			return 0, fmt.Errorf("koji: POST %s: listBuilds %s: the page at offset %d lists only builds already listed (the hub ignores the offset); stopped after %d pages",
				c.URL(), pattern, opts.Query.Offset, pages+1)
		}
		if len(page) < opts.Query.Limit || newest > 0 && len(builds) >= newest {
			break
		}
		opts.Query.Offset += len(page)
	}
	if newest > 0 && len(builds) > newest {
		builds = builds[:newest] // a hub that ignores the limit costs no more listRPMs calls
	}
	added := 0
	version := j.d.version(j.rel.Name)
	for _, b := range builds {
		rpms, err := c.ListRPMs(ctx, b.ID, []string{string(j.arch.Target())})
		if err != nil {
			return added, err
		}
		for _, r := range rpms {
			if r.Name != name || r.Arch != string(j.arch.Target()) {
				continue
			}
			rel := r.Version + "-" + r.Release + "." + r.Arch
			if j.arch == matrixgen.AArch64_64k {
				rel += "+64k"
			}
			if _, have := byRel[rel]; have {
				continue // the mirrors still carry it
			}
			k, err := matrixgen.Make(matrixgen.Spec{Target: j.d.Kernels, Arch: j.arch, Release: rel, DistroVersion: version})
			if err != nil {
				out.Warnings = append(out.Warnings, fmt.Sprintf("%s %s %s: %s on %s: refused: %v", j.d.ID, j.rel.Name, j.arch, rel, hub, err))
				continue
			}
			k.Headers, k.Origin = []string{koji.RPMURL(j.mirrors[hub+"-files"], b, r)}, matrixgen.OriginKoji
			byRel[rel] = len(out.Kernels)
			out.Kernels = append(out.Kernels, k)
			added++
		}
	}
	return added, nil
}
