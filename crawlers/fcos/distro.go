package fcos

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/koji"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Origin is the crawl output's "source" of a kernel found in a Fedora
// CoreOS build (matrixgen.Kernel.Origin).
const Origin = matrixgen.OriginFedoraCoreOS

// DefaultNewest is how many of each stream's newest builds a crawl reads
// when neither the configuration nor the request says (crawl --fcos-builds).
const DefaultNewest = source.DefaultFCOSBuilds

// Distribution is Fedora CoreOS as configuration over its build metadata:
// the streams crawled, where their builds are, and where the headers of
// the Fedora kernels they boot are.
type Distribution struct {
	ID      string   // --distro name: "fedora-coreos"
	Kernels string   // the kernels' distribution: "fedora"
	Alias   []string // other --distro spellings
	// MirrorKey is the --mirror key of the build root (holding prod/streams/).
	MirrorKey string
	// HeadersKey is the --mirror key of the Koji file root that serves a
	// Fedora kernel build's kernel-devel (packages/kernel/<v>/<r>/<arch>/).
	HeadersKey string
	Defaults   map[string]string // mirror base URLs by --mirror key
	// Streams are crawled by default; Others are streams --release may
	// also name.
	Streams, Others []string
	// Newest is how many of a stream's newest builds are read; <= 0 =
	// DefaultNewest. A request's FCOSBuilds overrides it.
	Newest int
	// Arches the crawl reads; a build that lacks one is skipped on it.
	Arches []matrixgen.Arch
}

// Name implements source.Distribution.
func (d *Distribution) Name() string { return d.ID }

// Aliases implements source.Distribution.
func (d *Distribution) Aliases() []string { return d.Alias }

// Mirrors implements source.Distribution.
func (d *Distribution) Mirrors() map[string]string { return d.Defaults }

// Releases implements source.Distribution: the streams crawled by default.
func (d *Distribution) Releases() []string { return d.Streams }

// BuildsPath is a stream's build list under the build root.
func BuildsPath(stream string) string { return "prod/streams/" + stream + "/builds/builds.json" }

// CommitMetaPath is a build's commit metadata on one arch under the build root.
func CommitMetaPath(stream, build, arch string) string {
	return "prod/streams/" + stream + "/builds/" + build + "/" + arch + "/commitmeta.json"
}

// Plan implements source.Distribution. It reads each stream's builds.json
// (the listing of its builds: one that fails is a plan Failure, and the
// runner carries over the arch's previous Fedora kernels) and plans one job
// per newest build and arch the build has.
func (d *Distribution) Plan(ctx context.Context, f source.Fetcher, req source.PlanRequest) (*source.Plan, error) {
	plan := &source.Plan{}
	streams, probe, matched, err := source.Named(d.ID, "stream", d.Streams, d.Others, req)
	if err != nil {
		return nil, err
	}
	plan.Matched = matched
	var arches []matrixgen.Arch
	for _, a := range req.Arches {
		if slices.Contains(d.Arches, a) {
			arches = append(arches, a)
		}
	}
	if len(arches) == 0 {
		return plan, nil
	}
	newest := req.FCOSBuilds
	if newest <= 0 {
		newest = d.Newest
	}
	if newest <= 0 {
		newest = DefaultNewest
	}
	base := strings.TrimSuffix(req.Mirrors[d.MirrorKey], "/")
	source.ReadNamed(plan, source.JobInfo{Distro: d.ID, Distribution: d.Kernels}, arches, streams, probe,
		func(stream string) (string, string) { return "builds.json", base + "/" + BuildsPath(stream) },
		func(url string) ([]Build, error) { return readBuilds(ctx, f, url) },
		func(stream, _ string, builds []Build) {
			if len(builds) > newest {
				builds = builds[:newest]
			}
			for _, b := range builds {
				for _, a := range arches {
					if slices.Contains(b.Arches, string(a)) {
						plan.Jobs = append(plan.Jobs, &job{d: d, stream: stream, build: b, arch: a,
							url: base + "/" + CommitMetaPath(stream, b.ID, string(a)), kojiTop: req.Mirrors[d.HeadersKey]})
					}
				}
			}
		})
	return plan, nil
}

func readBuilds(ctx context.Context, f source.Fetcher, url string) ([]Build, error) {
	data, err := f.Get(ctx, fetch.Request{URL: url, MaxBytes: MaxBuildsJSON})
	if err != nil {
		return nil, err
	}
	return ParseBuilds(bytes.NewReader(data), url)
}

// job is one build of a stream on one arch: its commitmeta.json.
type job struct {
	d       *Distribution
	stream  string
	build   Build
	arch    matrixgen.Arch
	url     string
	kojiTop string
}

// Info implements source.Job. The distro version is the Fedora release the
// build is based on: when its commitmeta.json fails, the runner carries
// over the previous kernels of that version and arch.
func (j *job) Info() source.JobInfo {
	return source.JobInfo{Distro: j.d.ID, Distribution: j.d.Kernels, Release: j.stream + "/" + j.build.ID,
		DistroVersion: j.build.Major(), Arch: j.arch, Sources: 1}
}

// HeaderURL is where Koji serves the kernel-devel of a Fedora kernel
// package: <topurl>/packages/kernel/<version>/<release>/<arch>/kernel-devel-<v>-<r>.<arch>.rpm.
func HeaderURL(kojiTop string, p Package) string {
	return koji.RPMURL(kojiTop, koji.Build{Name: "kernel", Version: p.Version, Release: p.Release},
		koji.RPM{Name: "kernel-devel", Version: p.Version, Release: p.Release, Arch: p.Arch})
}

// Crawl implements source.Job: the build's kernel on the arch, through the
// domain's constructor (distro version from .fcNN).
func (j *job) Crawl(ctx context.Context, f source.Fetcher, events func(source.Event)) *source.Result {
	info := j.Info()
	out := &source.Result{Info: info, DistroVersion: info.DistroVersion}
	name := j.stream + " " + j.build.ID + " commitmeta.json"
	pkgs, err := j.kernels(ctx, f)
	sr := source.SourceResult{Name: name, URL: j.url, Err: err}
	for _, p := range pkgs {
		k, err := matrixgen.Make(matrixgen.Spec{Target: j.d.Kernels, Arch: j.arch, Release: p.UnameR()})
		if err != nil {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s: %s in %s: refused: %v", info, p.NEVRA(), j.url, err))
			continue
		}
		k.Headers, k.Source, k.Origin = []string{HeaderURL(j.kojiTop, p)}, j.url, Origin
		k.Stream, k.Build = j.stream, j.build.ID
		out.Kernels = append(out.Kernels, k)
	}
	sr.Kernels = len(out.Kernels)
	out.Sources = []source.SourceResult{sr}
	if events != nil {
		events(source.Event{Job: info, Source: name, URL: j.url, Err: err})
	}
	return out
}

// kernels reads the build's commitmeta.json and returns its kernel
// packages of the job's arch; a list that names none fails the source.
func (j *job) kernels(ctx context.Context, f source.Fetcher) ([]Package, error) {
	data, err := f.Get(ctx, fetch.Request{URL: j.url, MaxBytes: MaxCommitMetaJSON})
	if err != nil {
		return nil, err
	}
	pkgs, err := ParseCommitMeta(bytes.NewReader(data), j.url)
	if err != nil {
		return nil, err
	}
	all := Kernels(pkgs)
	var out []Package
	for _, p := range all {
		if p.Arch == string(j.arch) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		var got []string
		for _, p := range all {
			got = append(got, p.NEVRA())
		}
		return nil, &ParseError{Name: j.url, Field: pkglistKey, Msg: fmt.Sprintf("names no %s package of arch %s (kernel packages: %v)", strings.Join(kernelNames, " or "), j.arch, got)}
	}
	return out, nil
}
