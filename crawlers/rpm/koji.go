package rpm

import (
	"context"
	"fmt"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/koji"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// kojiPage is the page size of listBuilds: one call never asks for every kernel build a
// hub ever made.
const kojiPage = 50

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
		added, err := j.kojiHub(ctx, c, hub, pattern, name, out, byRel)
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
	opts := koji.ListBuildsOpts{PackageID: pkg, State: &complete, Pattern: pattern, Query: koji.QueryOpts{Order: "-build_id", Limit: kojiPage}}
	if !j.koji.Since.IsZero() {
		opts.CompleteAfter = float64(j.koji.Since.Unix())
	}
	var builds []koji.Build
	for {
		if newest > 0 {
			opts.Query.Limit = min(kojiPage, newest-len(builds))
		}
		page, err := c.ListBuilds(ctx, opts)
		if err != nil {
			return 0, err
		}
		for _, b := range page {
			// The hub was asked for COMPLETE builds only; a DELETED, FAILED,
			// CANCELED or BUILDING one is never an answer, whatever it sends.
			if b.State == koji.Complete {
				builds = append(builds, b)
			}
		}
		if len(page) < opts.Query.Limit || newest > 0 && len(builds) >= newest {
			break
		}
		opts.Query.Offset += len(page)
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
