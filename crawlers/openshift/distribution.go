package openshift

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Distribution is RHCOS as the crawl runner sees it (a source.Distribution):
// each release is an OpenShift minor, each job one minor on one arch. It
// is opt-in: a crawl of every distribution leaves it out (it needs a pull
// secret); `--distro rhcos` or a `--release rhcos/4.15` asks for it.
type Distribution struct {
	ID       string            // --distro name: "rhcos"
	Kernels  string            // the kernels' distribution: "rhcos"
	Defaults map[string]string // MirrorKey and GraphKey → default base URL
	Table    []string          // the minors crawled by default
	Arches   []matrixgen.Arch  // x86_64, aarch64, aarch64+64k
}

// Name implements source.Distribution.
func (d *Distribution) Name() string { return d.ID }

// Aliases implements source.Distribution.
func (d *Distribution) Aliases() []string { return nil }

// Mirrors implements source.Distribution.
func (d *Distribution) Mirrors() map[string]string { return d.Defaults }

// Releases implements source.Distribution.
func (d *Distribution) Releases() []string { return d.Table }

// OptIn implements source.OptIn: only crawled when named.
func (d *Distribution) OptIn() bool { return true }

// Plan implements source.Distribution. Its jobs share one Session: one
// registry, one read per image, and one full message for a registry that
// refused the crawl.
func (d *Distribution) Plan(ctx context.Context, f source.Fetcher, req source.PlanRequest) (*source.Plan, error) {
	plan := &source.Plan{}
	minors := slices.Clone(req.Releases)
	if minors == nil {
		minors = slices.Clone(d.Table)
	}
	for _, m := range minors {
		if err := matrixgen.CheckDistroVersion(d.Kernels, m); err != nil {
			return nil, &matrixgen.UsageError{Option: "release", Msg: fmt.Sprintf("%s/%s: %v", d.ID, m, err)}
		}
	}
	plan.Matched = slices.Clone(req.Releases)
	var arches []matrixgen.Arch
	for _, a := range req.Arches {
		if slices.Contains(d.Arches, a) {
			arches = append(arches, a)
		}
	}
	if len(arches) == 0 {
		return plan, nil
	}
	reg, err := d.registry(f, req.Options)
	if err != nil {
		return nil, err
	}
	s := NewSession(reg)
	if req.Discover {
		found, fails := s.discover(ctx, f, req.Mirrors[GraphKey], arches)
		for _, fl := range fails {
			for _, a := range arches {
				plan.Failures = append(plan.Failures, source.Failure{Job: source.JobInfo{Distro: d.ID, Distribution: d.Kernels, Arch: a},
					Source: fl.Source, URL: fl.URL, Err: fl.Err})
			}
		}
		for _, m := range found {
			if !slices.Contains(minors, m) {
				minors = append(minors, m)
				plan.Discovered = append(plan.Discovered, m)
			}
		}
	}
	for _, m := range minors {
		for _, a := range arches {
			plan.Jobs = append(plan.Jobs, &job{d: d, s: s, mirrors: req.Mirrors, info: source.JobInfo{
				Distro: d.ID, Distribution: d.Kernels, Release: m, DistroVersion: m, Arch: a, Sources: 1}})
		}
	}
	return plan, nil
}

// registry builds the run's Registry over the crawl's transport, with the
// pull secret and rewrites the options give. A pull secret that cannot be
// read, or a bad rewrite, is the user's to fix: a usage error.
func (d *Distribution) registry(f source.Fetcher, o source.Options) (*Registry, error) {
	ro := RegistryOptions{Credentials: Credentials{PullSecret: o.PullSecret}, Transport: f.Transport()}
	for _, r := range o.Registries {
		host, u, err := ParseRewrite(r)
		if err != nil {
			return nil, &matrixgen.UsageError{Option: "registry", Msg: err.Error()}
		}
		if ro.Rewrites == nil {
			ro.Rewrites = map[string]*url.URL{}
		}
		ro.Rewrites[host] = u
	}
	reg, err := NewRegistry(ro)
	if err != nil {
		return nil, &matrixgen.UsageError{Option: "pull-secret", Msg: err.Error()}
	}
	return reg, nil
}

// job is one OpenShift minor on one arch.
type job struct {
	d       *Distribution
	s       *Session
	mirrors map[string]string
	info    source.JobInfo
}

func (j *job) Info() source.JobInfo { return j.info }

// Crawl implements source.Job: the minor's z-streams on the job's arch,
// each kernel made through the one constructor (the consistency rule
// checks its RHEL against the minor's).
func (j *job) Crawl(ctx context.Context, f source.Fetcher, events func(source.Event)) *source.Result {
	m, a := j.info.Release, j.info.Arch
	res := j.s.Crawl(ctx, f, Request{Minors: []string{m}, Arches: []matrixgen.Arch{a}, Mirrors: j.mirrors})
	out := &source.Result{Info: j.info, DistroVersion: m}
	for _, k := range res.Kernels {
		mk, err := matrixgen.Make(matrixgen.Spec{Target: j.d.Kernels, Arch: k.Arch, Release: k.Release, DistroVersion: k.Minor})
		if err == nil {
			mk.OpenShiftReleases, mk.BuildImage = k.OpenShiftReleases, k.BuildImage
			mk.Source = graphURL(j.mirrors[GraphKey], m, goArchOf(a))
			err = mk.Validate()
		}
		if err != nil {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s %s %s: %s refused: %v", j.d.ID, m, a, k.Release, err))
			continue
		}
		out.Kernels = append(out.Kernels, mk)
	}
	graphFailed := false
	for _, fl := range res.Failures {
		graphFailed = graphFailed || strings.HasPrefix(fl.Source, "upgrade graph")
		out.Sources = append(out.Sources, source.SourceResult{Name: fl.Source, URL: fl.URL, Err: fl.Err})
	}
	if !graphFailed {
		out.Sources = append([]source.SourceResult{{Name: "stable-" + m, URL: graphURL(j.mirrors[GraphKey], m, goArchOf(a)), Kernels: len(out.Kernels)}}, out.Sources...)
	}
	if events != nil && len(out.Sources) > 0 {
		s := out.Sources[0] // the job counts as one source for progress
		for _, o := range out.Sources {
			if o.Err != nil {
				s = o
				break
			}
		}
		events(source.Event{Job: j.info, Source: s.Name, URL: s.URL, Err: s.Err})
	}
	return out
}

func goArchOf(a matrixgen.Arch) string {
	g, _, _ := archNames(a)
	return g
}
