package flatcar

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Distribution is Flatcar as configuration over its release lists: the
// channels crawled, where the lists are, and where a release's developer
// container is.
type Distribution struct {
	ID      string   // --distro name: "flatcar"
	Kernels string   // the kernels' distribution: "flatcar"
	Alias   []string // other --distro spellings
	// MirrorKey is the --mirror key of the folder holding releases-<channel>.json.
	MirrorKey string
	Defaults  map[string]string // mirror base URLs by --mirror key
	// Channels are crawled by default; Others are channels --release may
	// also name (retired or per-year lists: "edge", "lts-2021").
	Channels, Others []string
	// DevContainer is the header source of a release: the URL of its
	// developer container on the channel's release server, board
	// "amd64-usr" or "arm64-usr".
	DevContainer func(channel, board, version string) string
}

// Name implements source.Distribution.
func (d *Distribution) Name() string { return d.ID }

// Aliases implements source.Distribution.
func (d *Distribution) Aliases() []string { return d.Alias }

// Mirrors implements source.Distribution.
func (d *Distribution) Mirrors() map[string]string { return d.Defaults }

// Releases implements source.Distribution: the channels crawled by default.
func (d *Distribution) Releases() []string { return d.Channels }

// FileName is a channel's release list: "releases-stable.json".
func FileName(channel string) string { return "releases-" + channel + ".json" }

// Plan implements source.Distribution. It reads each channel's list: the
// list is the listing of the channel's releases, so one that fails is a
// plan Failure (its arches' previous Flatcar kernels are carried over),
// and the channels read become one job per arch.
func (d *Distribution) Plan(ctx context.Context, f source.Fetcher, req source.PlanRequest) (*source.Plan, error) {
	plan := &source.Plan{}
	channels, probe, matched, err := source.Named(d.ID, "channel", d.Channels, d.Others, req)
	if err != nil {
		return nil, err
	}
	plan.Matched = matched
	var arches []matrixgen.Arch
	for _, a := range req.Arches {
		if Board(a) != "" {
			arches = append(arches, a) // riscv64, aarch64+64k: Flatcar ships none
		}
	}
	if len(arches) == 0 {
		return plan, nil
	}
	base := strings.TrimSuffix(req.Mirrors[d.MirrorKey], "/")
	source.ReadNamed(plan, source.JobInfo{Distro: d.ID, Distribution: d.Kernels}, arches, channels, probe,
		func(ch string) (string, string) { return FileName(ch), base + "/" + FileName(ch) },
		func(url string) ([]Release, error) { return d.read(ctx, f, url) },
		func(ch, url string, rels []Release) {
			for _, a := range arches {
				plan.Jobs = append(plan.Jobs, &job{d: d, channel: ch, arch: a, url: url, rels: rels})
			}
		})
	return plan, nil
}

func (d *Distribution) read(ctx context.Context, f source.Fetcher, url string) ([]Release, error) {
	data, err := f.Get(ctx, fetch.Request{URL: url, MaxBytes: MaxReleasesJSON})
	if err != nil {
		return nil, err
	}
	return ParseReleases(bytes.NewReader(data), url)
}

// job is one channel's releases on one arch; the list was read by Plan.
type job struct {
	d       *Distribution
	channel string
	arch    matrixgen.Arch
	url     string
	rels    []Release
}

func (j *job) Info() source.JobInfo {
	return source.JobInfo{Distro: j.d.ID, Distribution: j.d.Kernels, Release: j.channel, Arch: j.arch, Sources: 1}
}

// found is a release's kernel before the domain's constructor has seen it.
type found struct {
	Release, DistroVersion string
	Header                 string
}

// found lists the kernels of the channel's releases that ship on the job's arch.
func (j *job) found() []found {
	var out []found
	for _, r := range j.rels {
		if slices.Contains(r.Arches, j.arch) {
			out = append(out, found{Release: r.UnameR(), DistroVersion: r.Version, Header: j.d.DevContainer(r.Channel, Board(j.arch), r.Version)})
		}
	}
	return out
}

// Crawl implements source.Job: every release of the channel that ships on
// the arch is one kernel, through the domain's constructor.
func (j *job) Crawl(_ context.Context, _ source.Fetcher, events func(source.Event)) *source.Result {
	info := j.Info()
	out := &source.Result{Info: info}
	for _, fk := range j.found() {
		k, err := matrixgen.Make(matrixgen.Spec{Target: j.d.Kernels, Arch: j.arch, Release: fk.Release, DistroVersion: fk.DistroVersion})
		if err != nil {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s: %s %s in %s: refused: %v", info, fk.DistroVersion, fk.Release, j.url, err))
			continue
		}
		k.Headers, k.Source = []string{fk.Header}, j.url
		out.Kernels = append(out.Kernels, k)
	}
	out.Sources = []source.SourceResult{{Name: FileName(j.channel), URL: j.url, Kernels: len(out.Kernels)}}
	if events != nil {
		events(source.Event{Job: info, Source: FileName(j.channel), URL: j.url})
	}
	return out
}
