package rpm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
	"github.com/matrixgen/matrixgen/internal/compresstest"
	"github.com/matrixgen/matrixgen/internal/transport"
)

// TestUnameRules maps real package NEVRs to the uname -r each distribution boots
// (shared/data/fleet-os: observed strings, and the specs' uname_r).
func TestUnameRules(t *testing.T) {
	pkg := func(v, r, arch string, provides ...Entry) *Package {
		return &Package{Name: "x-devel", Version: v, Release: r, Arch: arch, Provides: provides}
	}
	tests := []struct {
		name   string
		rule   UnameRule
		p      *Package
		flavor string
		want   string
		ok     bool
	}{
		{"azure linux 3 four-part version, no arch", VersionRelease, pkg("6.6.145.2", "1.azl3", "x86_64"), "", "6.6.145.2-1.azl3", true},
		{"azure linux hwe", VersionRelease, pkg("6.18.38.1", "1.azl3", "aarch64"), "", "6.18.38.1-1.azl3", true},
		{"cbl-mariner 2", VersionRelease, pkg("5.15.158.2", "1.cm2", "x86_64"), "", "5.15.158.2-1.cm2", true},
		{"empty release", VersionRelease, pkg("6.6.145.2", "", "x86_64"), "", "", false},
		{"photon esx", FlavorSuffix, pkg("5.10.83", "6.ph4", "x86_64"), "esx", "5.10.83-6.ph4-esx", true},
		{"photon 3 esx", FlavorSuffix, pkg("4.19.232", "1.ph3", "x86_64"), "esx", "4.19.232-1.ph3-esx", true},
		{"photon generic: no suffix", FlavorSuffix, pkg("6.1.10", "11.ph5", "x86_64"), "", "6.1.10-11.ph5", true},
		{"suse default", SUSEFlavor, pkg("6.4.0", "150600.23.25.1", "x86_64"), "default", "6.4.0-150600.23.25-default", true},
		{"suse 64kb", SUSEFlavor, pkg("6.4.0", "150600.23.17.1", "aarch64"), "64kb", "6.4.0-150600.23.17-64kb", true},
		{"suse release of one field", SUSEFlavor, pkg("5.15.5", "1", "x86_64"), "default", "", false},
		{"suse without flavor", SUSEFlavor, pkg("6.4.0", "150600.23.25.1", "x86_64"), "", "", false},
		{"alinux from version-release.arch", VersionReleaseArch, pkg("5.10.134", "16.1.al8", "x86_64"), "", "5.10.134-16.1.al8.x86_64", true},
		{"alinux from the uname-r provide", VersionReleaseArch,
			pkg("5.10.134", "15.1.al8", "x86_64", Entry{Name: "kernel-devel-uname-r", Flags: "EQ", Version: "5.10.134", Release: "15.1.al8.x86_64"}), "", "5.10.134-15.1.al8.x86_64", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.rule(tt.p, tt.flavor)
			if ok != tt.ok || ok && got != tt.want {
				t.Errorf("= %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	if b := SUSEBuild(pkg("6.4.0", "150600.23.25.2", "noarch")); b != "6.4.0-150600.23.25" {
		t.Errorf("SUSEBuild = %q", b)
	}
}

// TestDevelCollector: each flavour's package is its own kernel; a shared noarch package is
// no kernel but joins every kernel of its build, its newest rebuild only; a kernel whose
// build has none here is named in a warning; other arches, src and 64k yield nothing.
func TestDevelCollector(t *testing.T) {
	suse := &Devel{
		Flavors: map[string]string{"kernel-default-devel": "default", "kernel-azure-devel": "azure"},
		UnameR:  SUSEFlavor, Shared: []string{"kernel-devel"}, Build: SUSEBuild,
	}
	photon := &Devel{Flavors: map[string]string{"linux-devel": "", "linux-esx-devel": "esx"}, UnameR: FlavorSuffix}
	p := func(name, v, r, arch string) *Package {
		return &Package{Name: name, Version: v, Release: r, Arch: arch, Href: arch + "/" + name + "-" + v + "-" + r + "." + arch + ".rpm"}
	}
	const base = "http://mirror.test/repo/"
	tests := []struct {
		name     string
		m        *Devel
		arch     matrixgen.Arch
		pkgs     []*Package
		want     map[string][]string // release → header hrefs (relative to base)
		warnings int
	}{
		{
			name: "suse flavours with the newest shared kernel-devel", m: suse, arch: matrixgen.X86_64,
			pkgs: []*Package{
				p("kernel-devel", "6.4.0", "150600.23.25.2", "noarch"),
				p("kernel-default-devel", "6.4.0", "150600.23.25.1", "x86_64"),
				p("kernel-azure-devel", "6.4.0", "150600.23.25.1", "x86_64"),
				p("kernel-devel", "6.4.0", "150600.23.25.1", "noarch"), // an older rebuild, after the newer
				p("kernel-devel", "6.4.0", "150600.23.22.1", "noarch"), // another build's
				p("kernel-default-devel", "6.4.0", "150600.23.25.1", "aarch64"),
				p("kernel-default-devel", "6.4.0", "150600.23.25.1", "src"),
				p("kernel-devel", "6.4.0", "150600.23.25.3", "x86_64"), // not noarch: not the shared tree
			},
			want: map[string][]string{
				"6.4.0-150600.23.25-default": {"noarch/kernel-devel-6.4.0-150600.23.25.2.noarch.rpm", "x86_64/kernel-default-devel-6.4.0-150600.23.25.1.x86_64.rpm"},
				"6.4.0-150600.23.25-azure":   {"noarch/kernel-devel-6.4.0-150600.23.25.2.noarch.rpm", "x86_64/kernel-azure-devel-6.4.0-150600.23.25.1.x86_64.rpm"},
			},
		},
		{
			name: "suse kernel without its shared package", m: suse, arch: matrixgen.X86_64,
			pkgs: []*Package{
				p("kernel-default-devel", "6.4.0", "150600.23.25.1", "x86_64"),
				p("kernel-devel", "6.4.0", "150600.23.22.1", "noarch"),
			},
			want:     map[string][]string{"6.4.0-150600.23.25-default": {"x86_64/kernel-default-devel-6.4.0-150600.23.25.1.x86_64.rpm"}},
			warnings: 1,
		},
		{
			name: "photon generic and esx are two kernels", m: photon, arch: matrixgen.AArch64,
			pkgs: []*Package{
				p("linux-devel", "6.1.10", "11.ph5", "aarch64"),
				p("linux-esx-devel", "6.1.10", "11.ph5", "aarch64"),
				p("linux-esx", "6.1.10", "11.ph5", "aarch64"),
				p("linux-api-headers", "6.1.10", "11.ph5", "noarch"),
			},
			want: map[string][]string{
				"6.1.10-11.ph5":     {"aarch64/linux-devel-6.1.10-11.ph5.aarch64.rpm"},
				"6.1.10-11.ph5-esx": {"aarch64/linux-esx-devel-6.1.10-11.ph5.aarch64.rpm"},
			},
		},
		{
			name: "aarch64+64k: none", m: photon, arch: matrixgen.AArch64_64k,
			pkgs: []*Package{p("linux-devel", "6.1.10", "11.ph5", "aarch64")},
			want: map[string][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &Result{IndexURL: base + "repodata/primary.xml.gz"}
			c := &collector{repo: Repo{Base: base, Arch: tt.arch, Distribution: "x", Packages: tt.m}, res: res, hosts: transport.NewHosts(base)}
			for _, pk := range tt.pkgs {
				if !tt.m.Match(pk.Name) {
					continue // as ScanPrimary does
				}
				c.add(pk)
			}
			got := map[string][]string{}
			for _, k := range c.kernels() {
				var hs []string
				for _, h := range k.Headers {
					hs = append(hs, strings.TrimPrefix(h, base))
				}
				got[k.Release] = hs
			}
			if len(got) != len(tt.want) {
				t.Errorf("kernels %v, want %v", got, tt.want)
			}
			for rel, hs := range tt.want {
				if !slices.Equal(got[rel], hs) {
					t.Errorf("%s: headers %q, want %q", rel, got[rel], hs)
				}
			}
			if len(res.Warnings) != tt.warnings {
				t.Errorf("warnings %q, want %d", res.Warnings, tt.warnings)
			}
		})
	}
}

// TestDistributionPackages: a distribution's Packages decides what its jobs read. Rocky 9's
// fixture has kernel-devel and kernel-rt-devel of one version; configured to read
// kernel-rt-devel only, the crawl's kernel has that package's URL, not kernel-devel's.
func TestDistributionPackages(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir(mirrorRoot)))
	defer srv.Close()
	d := &Distribution{
		ID: "rocky", Kernels: matrixgen.Rocky,
		Defaults: map[string]string{"rocky": srv.URL},
		Table:    []string{"9"},
		Arches:   []matrixgen.Arch{matrixgen.X86_64},
		Packages: &Devel{Flavors: map[string]string{"kernel-rt-devel": ""}, UnameR: func(p *Package, _ string) (string, bool) {
			return p.Version + "-" + p.Release + "." + p.Arch, true
		}},
		Repos: func(r Rel, arch string) []RepoRef {
			return []RepoRef{{Name: "AppStream", MirrorKey: "rocky", Path: "rocky/" + r.Name + "/AppStream/" + arch + "/os/"}}
		},
	}
	f := fetch.New(fetch.Options{Retries: -1})
	plan, err := d.Plan(context.Background(), f, source.PlanRequest{Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: d.Defaults})
	if err != nil || len(plan.Jobs) != 1 {
		t.Fatalf("Plan = %+v, %v", plan, err)
	}
	res := plan.Jobs[0].Crawl(context.Background(), f, nil)
	if res.Failed() || len(res.Kernels) != 1 {
		t.Fatalf("crawl: %+v", res)
	}
	k := res.Kernels[0]
	want := srv.URL + "/rocky/9/AppStream/x86_64/os/Packages/k/kernel-rt-devel-5.14.0-503.14.1.el9_5.x86_64.rpm"
	if k.Release != "5.14.0-503.14.1.el9_5.x86_64" || !slices.Equal(k.Headers, []string{want}) {
		t.Errorf("kernel %s headers %q, want %q", k.Release, k.Headers, want)
	}
}

// TestCrawlPrimaryDBPhoton: a primary_db (the only index some repositories publish) is read
// for a Devel matcher too: Photon's header packages are named linux-*, not kernel-*.
func TestCrawlPrimaryDBPhoton(t *testing.T) {
	raw := makeDB(t, schemaPackages, schemaProvides, schemaRemovals,
		`INSERT INTO packages VALUES (1, 'id1', 'linux-esx-devel', 'x86_64', '5.10.83', '0', '6.ph4', 'x86_64/linux-esx-devel-5.10.83-6.ph4.x86_64.rpm', NULL)`,
		`INSERT INTO packages VALUES (2, 'id2', 'linux-devel', 'x86_64', '6.1.10', '0', '11.ph5', 'x86_64/linux-devel-6.1.10-11.ph5.x86_64.rpm', NULL)`,
		`INSERT INTO packages VALUES (3, 'id3', 'linux-esx', 'x86_64', '5.10.83', '0', '6.ph4', 'x86_64/linux-esx-5.10.83-6.ph4.x86_64.rpm', NULL)`)
	gz := compresstest.Gzip(t, raw)
	m := newTestMirror(t)
	m.fault("/db/repodata/repomd.xml", serveBytes(dbRepomd("repodata/primary.sqlite.gz", gz, raw)))
	m.fault("/db/repodata/primary.sqlite.gz", serveBytes(gz))
	photon := &Devel{Flavors: map[string]string{"linux-devel": "", "linux-esx-devel": "esx"}, UnameR: FlavorSuffix}
	res, err := CrawlRepo(context.Background(), newClient(t), Repo{Base: m.url("/db/"), Arch: matrixgen.X86_64, Packages: photon})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range res.Kernels {
		got = append(got, k.Release+" "+strings.TrimPrefix(strings.Join(k.Headers, ","), m.url("/db/")))
	}
	want := []string{"5.10.83-6.ph4-esx x86_64/linux-esx-devel-5.10.83-6.ph4.x86_64.rpm", "6.1.10-11.ph5 x86_64/linux-devel-6.1.10-11.ph5.x86_64.rpm"}
	if !slices.Equal(got, want) {
		t.Errorf("kernels %q, want %q", got, want)
	}
}

// FuzzUnameRules: the rules read version and release fields a mirror wrote; they never
// panic, and what they return keeps the package's version first and the flavour last.
func FuzzUnameRules(f *testing.F) {
	f.Add("6.4.0", "150600.23.25.1", "default")
	f.Add("5.10.83", "6.ph4", "esx")
	f.Add("6.6.145.2", "1.azl3", "")
	f.Add("1", ".", "x")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, v, r, flavor string) {
		p := &Package{Name: "kernel-x-devel", Version: v, Release: r, Arch: "x86_64"}
		if got, ok := SUSEFlavor(p, flavor); ok {
			if !strings.HasPrefix(got, v+"-") || !strings.HasSuffix(got, "-"+flavor) || flavor == "" {
				t.Errorf("SUSEFlavor(%q, %q, %q) = %q", v, r, flavor, got)
			}
			if b := SUSEBuild(p); got != b+"-"+flavor {
				t.Errorf("SUSEFlavor = %q, SUSEBuild = %q", got, b)
			}
		}
		if got, ok := FlavorSuffix(p, flavor); ok && !strings.HasPrefix(got, v+"-"+r) {
			t.Errorf("FlavorSuffix(%q, %q, %q) = %q", v, r, flavor, got)
		}
		if got, ok := VersionReleaseArch(p, ""); ok && got != v+"-"+r+".x86_64" {
			t.Errorf("VersionReleaseArch(%q, %q) = %q", v, r, got)
		}
	})
}
