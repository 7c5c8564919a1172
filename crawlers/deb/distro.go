package deb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Distribution is a distribution in the Debian repository format, as
// configuration: its releases, the suites of each on which mirror, its
// keyring and the hooks where it differs. The loop is written once, here.
type Distribution struct {
	ID string // distribution name, as in kernels.json: "debian", "ubuntu"
	// Table lists the releases crawled by default.
	Table []TableRelease
	// Defaults are the mirror base URLs by --mirror key.
	Defaults map[string]string
	// Suites lists the suites of a release and the mirror key serving each on arch.
	Suites  func(codename string, arch matrixgen.Arch) []SuiteRef
	Keyring func() (openpgp.EntityList, error)
	// DiscoverKey names the mirror whose dists/ listing --discover reads;
	// DiscoverArches are the arches a discovered release is crawled for.
	DiscoverKey    string
	DiscoverArches []matrixgen.Arch
	// ReleaseVersion maps a Release file's Version to the distro version
	// (for discovered releases); nil keeps it.
	ReleaseVersion func(string) string
	// KernelVersion gives a kernel's version from its release and headers
	// package version; nil gives none.
	KernelVersion func(release, pkgVersion string) string
}

// TableRelease is one release the table knows, with the arches it ships.
type TableRelease struct {
	Codename, Version string
	Arches            []matrixgen.Arch
}

// SuiteRef is a suite name and the mirror key it is served from.
type SuiteRef struct{ Name, MirrorKey string }

// Name implements source.Distribution.
func (d *Distribution) Name() string { return d.ID }

// Aliases implements source.Distribution.
func (d *Distribution) Aliases() []string { return nil }

// Mirrors implements source.Distribution.
func (d *Distribution) Mirrors() map[string]string { return d.Defaults }

// Releases implements source.Distribution: codenames and versions.
func (d *Distribution) Releases() []string {
	var out []string
	for _, r := range d.Table {
		out = append(out, r.Codename)
	}
	return out
}

// Plan implements source.Distribution: one job per release × arch the
// release ships.
func (d *Distribution) Plan(ctx context.Context, f source.Fetcher, req source.PlanRequest) (*source.Plan, error) {
	for _, a := range req.Arches {
		if a == matrixgen.AArch64_64k {
			return nil, &matrixgen.UsageError{Option: "arch", Msg: fmt.Sprintf("aarch64+64k: %s ships no 64k-page kernels (that is the RHEL family's kernel-64k); Ubuntu's -64k flavors (linux-headers-*-generic-64k) are crawled under aarch64", d.ID)}
		}
	}
	keyring, err := d.keyring(req.KeyringFiles)
	if err != nil {
		return nil, err
	}
	plan := &source.Plan{}
	releases := slices.Clone(d.Table)
	if req.Discover {
		url := strings.TrimSuffix(req.Mirrors[d.DiscoverKey], "/") + "/dists/"
		found, err := discover(ctx, f, url, d.Table)
		if err != nil {
			// Fails in place of the releases it would have found, on
			// every arch asked for (the runner names each).
			plan.Failures = append(plan.Failures, source.Failure{Job: source.JobInfo{Distro: d.ID, Distribution: d.ID}, Source: "dists/", URL: url, Err: err})
		}
		for _, c := range found {
			plan.Discovered = append(plan.Discovered, c)
			releases = append(releases, TableRelease{Codename: c, Arches: d.DiscoverArches})
		}
	}
	wanted := map[string]bool{}
	for _, r := range req.Releases {
		wanted[r] = true
	}
	memo := NewReleaseMemo()
	opts := Options{Keyring: keyring, Now: req.Now, SkipValidUntil: req.SkipValidUntil, Releases: memo}
	for _, rel := range releases {
		if len(wanted) > 0 && !wanted[rel.Codename] && !(rel.Version != "" && wanted[rel.Version]) {
			continue
		}
		for _, name := range []string{rel.Codename, rel.Version} {
			if wanted[name] && !slices.Contains(plan.Matched, name) {
				plan.Matched = append(plan.Matched, name)
			}
		}
		for _, a := range req.Arches {
			if !slices.Contains(rel.Arches, a) {
				continue // e.g. riscv64 before trixie: the release does not ship it
			}
			spec := Spec{Distribution: d.ID, Codename: rel.Codename, DistroVersion: rel.Version, Arch: a, Component: req.Component,
				ReleaseVersion: d.ReleaseVersion, KernelVersion: d.KernelVersion}
			for _, s := range d.Suites(rel.Codename, a) {
				spec.Suites = append(spec.Suites, Suite{Name: s.Name, Mirror: req.Mirrors[s.MirrorKey]})
			}
			plan.Jobs = append(plan.Jobs, &job{spec: spec, opts: opts})
		}
	}
	return plan, nil
}

func (d *Distribution) keyring(files []string) (openpgp.EntityList, error) {
	if len(files) > 0 {
		kr, err := LoadKeyring(files...)
		if err != nil {
			return nil, &matrixgen.UsageError{Option: "keyring", Msg: err.Error()}
		}
		return kr, nil
	}
	kr, err := d.Keyring()
	if err != nil {
		return nil, fmt.Errorf("%s keyring: %w", d.ID, err)
	}
	return kr, nil
}

// job is one release on one arch.
type job struct {
	spec Spec
	opts Options
}

func (j *job) Info() source.JobInfo {
	return source.JobInfo{Distro: j.spec.Distribution, Distribution: j.spec.Distribution, Release: j.spec.Codename, DistroVersion: j.spec.DistroVersion, Arch: j.spec.Arch, Sources: len(j.spec.Suites)}
}

func (j *job) Crawl(ctx context.Context, f source.Fetcher, events func(source.Event)) *source.Result {
	opts := j.opts
	info := j.Info()
	if events != nil {
		opts.OnSuite = func(s SuiteResult) {
			events(source.Event{Job: info, Source: s.Suite.Name, URL: s.URL, Err: s.Err})
		}
	}
	r := CrawlRelease(ctx, f, j.spec, opts)
	out := &source.Result{Info: info, DistroVersion: r.Spec.DistroVersion, Kernels: r.Kernels, Warnings: r.Warnings}
	for _, s := range r.Suites {
		out.Sources = append(out.Sources, source.SourceResult{Name: s.Suite.Name, URL: s.URL, Kernels: s.Kernels, Reused: s.Reused, Err: s.Err})
	}
	return out
}
