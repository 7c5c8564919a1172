package crawlers

import (
	"context"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"github.com/matrixgen/matrixgen/crawlers/rpm"
	"github.com/matrixgen/matrixgen/internal/rpmfixture"
)

// fleetRoot is the cloud-fleet distributions' mirror trees (fixtures/rpm/generate-fleet.sh).
const fleetRoot = "../fixtures/rpm/fleet"

// The oracle's rules, written from each distribution's documentation apart from the code:
// which package names are kernel headers, and the uname -r each stands for.
var (
	reFleetPhoton = regexp.MustCompile(`^linux(?:-(esx|rt|aws|secure))?-devel$`)
	reFleetSUSE   = regexp.MustCompile(`^kernel-(default|azure|rt|64kb)-devel$`)
	reFleetSUSERl = regexp.MustCompile(`^(.*)\.[0-9]+$`) // the release without its rebuild counter
)

// fleetOracle is the kernels ("release" → header URLs) MANIFEST says one repository holds
// for arch.
func fleetOracle(t *testing.T, lines []manifestLine, distro, key, repo string, arch matrixgen.Arch, server string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	url := func(l manifestLine) string { return server + "/" + l.path }
	for _, l := range lines {
		if l.key != key || l.repo != repo || l.arch != string(arch) {
			continue
		}
		switch distro {
		case "azurelinux":
			if l.name == "kernel-devel" || l.name == "kernel-hwe-devel" {
				out[l.version+"-"+l.release] = []string{url(l)}
			}
		case "photon":
			if m := reFleetPhoton.FindStringSubmatch(l.name); m != nil {
				rel := l.version + "-" + l.release
				if m[1] != "" {
					rel += "-" + m[1]
				}
				out[rel] = []string{url(l)}
			}
		case "opensuse":
			m := reFleetSUSE.FindStringSubmatch(l.name)
			if m == nil {
				continue
			}
			build := reFleetSUSERl.FindStringSubmatch(l.release)[1]
			hs := []string{url(l)}
			newest := ""
			for _, c := range lines { // the noarch kernel-devel of the same build, newest rebuild
				if c.key == key && c.repo == repo && c.name == "kernel-devel" && c.arch == "noarch" &&
					c.version == l.version && reFleetSUSERl.FindStringSubmatch(c.release)[1] == build && c.release > newest {
					newest = c.release
					hs = []string{url(l), url(c)}
				}
			}
			if newest == "" {
				t.Fatalf("oracle: %s has no kernel-devel in %s", l.path, repo)
			}
			slices.Sort(hs)
			out[l.version+"-"+build+"-"+m[1]] = hs
		case "alinux":
			if l.name == "kernel-devel" {
				out[l.version+"-"+l.release+"."+l.arch] = []string{url(l)}
			}
		}
	}
	return out
}

// fleetCase is one distribution's fixture: its repositories by release and arch, with the
// releases written out by hand from generate-fleet.sh (so a wrong oracle shows too).
type fleetCase struct {
	d       func() *rpm.Distribution
	mirrors map[string]string
	// want: "release arch repo" → uname -r releases in rpm order (Vercmp: a numeric
	// segment sorts after a letter one, so -64kb after -default).
	want map[string][]string
}

var fleetCases = map[string]fleetCase{
	"azurelinux": {
		d: distros.AzureLinux,
		mirrors: map[string]string{
			"azurelinux":  "https://packages.microsoft.com/azurelinux",
			"cbl-mariner": "https://packages.microsoft.com/cbl-mariner",
		},
		want: map[string][]string{
			"3.0 x86_64 base":  {"6.6.64.2-7.azl3", "6.6.145.2-1.azl3", "6.18.38.1-1.azl3"},
			"3.0 aarch64 base": {"6.6.64.2-7.azl3", "6.6.145.2-1.azl3", "6.18.38.1-1.azl3"},
			"2.0 x86_64 base":  {"5.15.158.2-1.cm2", "5.15.173.1-2.cm2"},
			"2.0 aarch64 base": {"5.15.158.2-1.cm2", "5.15.173.1-2.cm2"},
		},
	},
	"photon": {
		d:       distros.Photon,
		mirrors: map[string]string{"photon": "https://packages.vmware.com/photon"},
		want: map[string][]string{
			"5.0 x86_64 release":  {"6.1.10-11.ph5", "6.1.10-11.ph5-esx"},
			"5.0 aarch64 release": {"6.1.10-11.ph5", "6.1.10-11.ph5-esx"},
			"5.0 x86_64 photon":   {"6.1.10-11.ph5", "6.1.102-1.ph5", "6.1.102-1.ph5-esx"},
			"5.0 aarch64 photon":  {"6.1.10-11.ph5", "6.1.102-1.ph5", "6.1.102-1.ph5-esx"},
			"5.0 x86_64 updates":  {"6.1.102-1.ph5", "6.1.102-1.ph5-esx", "6.1.102-1.ph5-rt"},
			"5.0 aarch64 updates": {"6.1.102-1.ph5", "6.1.102-1.ph5-esx"},
			"4.0 x86_64 release":  {"5.10.4-16.ph4", "5.10.4-16.ph4-esx"},
			"4.0 aarch64 release": {"5.10.4-16.ph4", "5.10.4-16.ph4-esx"},
			"4.0 x86_64 photon":   {"5.10.83-6.ph4-esx", "5.10.118-14.ph4", "5.10.118-14.ph4-esx"},
			"4.0 aarch64 photon":  {"5.10.83-6.ph4-esx", "5.10.118-14.ph4", "5.10.118-14.ph4-esx"},
			"4.0 x86_64 updates": {"5.10.132-1.ph4", "5.10.224-1.ph4", "5.10.224-1.ph4-aws", "5.10.224-1.ph4-esx",
				"5.10.224-1.ph4-rt", "5.10.224-1.ph4-secure"},
			"4.0 aarch64 updates": {"5.10.132-1.ph4", "5.10.224-1.ph4", "5.10.224-1.ph4-esx"},
		},
	},
	"opensuse": {
		d:       distros.OpenSUSE,
		mirrors: map[string]string{"opensuse": "https://download.opensuse.org"},
		want: map[string][]string{
			"15.6 x86_64 oss":         {"6.4.0-150600.23.17-default"},
			"15.6 aarch64 oss":        {"6.4.0-150600.23.17-default", "6.4.0-150600.23.17-64kb"},
			"15.6 x86_64 update-oss":  {"6.4.0-150600.23.22-default"},
			"15.6 aarch64 update-oss": {"6.4.0-150600.23.22-default", "6.4.0-150600.23.22-64kb"},
			"15.6 x86_64 update-sle": {"6.4.0-150600.23.17-azure", "6.4.0-150600.23.17-default",
				"6.4.0-150600.23.25-azure", "6.4.0-150600.23.25-default"},
			"15.6 aarch64 update-sle": {"6.4.0-150600.23.17-default", "6.4.0-150600.23.17-64kb",
				"6.4.0-150600.23.25-default", "6.4.0-150600.23.25-64kb"},
			"15.5 x86_64 oss":         {"5.14.21-150500.53-default"},
			"15.5 aarch64 oss":        {"5.14.21-150500.53-default", "5.14.21-150500.53-64kb"},
			"15.5 x86_64 update-oss":  {"5.14.21-150500.55.83-default"},
			"15.5 aarch64 update-oss": {"5.14.21-150500.55.83-default", "5.14.21-150500.55.83-64kb"},
			"15.5 x86_64 update-sle":  {"5.14.21-150500.55.83-azure", "5.14.21-150500.55.83-default"},
			"15.5 aarch64 update-sle": {"5.14.21-150500.55.83-default", "5.14.21-150500.55.83-64kb"},
		},
	},
	"alinux": {
		d:       distros.Alinux,
		mirrors: map[string]string{"alinux": "https://mirrors.aliyun.com/alinux"},
		want: map[string][]string{
			"3 x86_64 os":       {"5.10.134-15.1.al8.x86_64"},
			"3 aarch64 os":      {"5.10.134-15.1.al8.aarch64"},
			"3 x86_64 updates":  {"5.10.134-15.1.al8.x86_64", "5.10.134-16.1.al8.x86_64"},
			"3 aarch64 updates": {"5.10.134-15.1.al8.aarch64", "5.10.134-16.1.al8.aarch64"},
			"3 x86_64 plus":     {},
			"3 aarch64 plus":    {},
		},
	},
}

// TestFleetFixtures crawls every repository of each cloud-fleet distribution's fixture tree
// with the distribution's own configuration (its repositories, its header packages and its
// uname -r rule) and finds exactly the kernels the fixture holds, each with its header URLs
// (for SUSE the flavour's package and the newest noarch kernel-devel of its build), and
// nothing else: no image, decoy, noarch, other-arch or 64k-only package.
func TestFleetFixtures(t *testing.T) {
	lines := readManifest(t, fleetRoot)
	srv := rpmfixture.Serve(t, fleetRoot, nil)
	c := rpmClient(t, t.TempDir())
	for _, name := range slices.Sorted(maps.Keys(fleetCases)) {
		tc := fleetCases[name]
		t.Run(name, func(t *testing.T) {
			d := tc.d()
			if d.Name() != name {
				t.Errorf("Name() = %q, want %q", d.Name(), name)
			}
			if !maps.Equal(d.Mirrors(), tc.mirrors) {
				t.Errorf("Mirrors() = %v, want %v", d.Mirrors(), tc.mirrors)
			}
			seen := map[string]bool{}
			for _, rel := range d.Releases() {
				for _, a := range []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64} {
					for _, ref := range d.Repos(rpm.Rel{Name: rel}, string(a)) {
						id := rel + " " + string(a) + " " + ref.Name
						seen[id] = true
						want, ok := tc.want[id]
						if !ok {
							t.Errorf("%s: a repository the test does not list", id)
							continue
						}
						base := srv.URL + "/" + ref.MirrorKey + "/" + ref.Path
						res, err := rpm.CrawlRepo(context.Background(), c, rpm.Repo{Base: base, Arch: a, Distribution: d.Kernels, Packages: d.Packages})
						if err != nil {
							t.Errorf("%s: %v", id, err)
							continue
						}
						var got []string
						for _, k := range res.Kernels {
							got = append(got, k.Release)
							if k.Arch != a || k.Distribution != name || k.Source != base {
								t.Errorf("%s: kernel %s: arch %s distribution %s source %s", id, k.Release, k.Arch, k.Distribution, k.Source)
							}
							// The live check's shape of the release's kernels (FLEET-TABLE.md's version rule).
							if re := liveFleetRelease[name+" "+rel]; re == nil || !re.MatchString(k.Release) {
								t.Errorf("%s: kernel %s does not match the release's shape %v", id, k.Release, re)
							}
						}
						if !slices.Equal(got, want) && len(got)+len(want) > 0 {
							t.Errorf("%s: releases\n got %q\nwant %q", id, got, want)
						}
						repo := strings.TrimSuffix(ref.Path, "/")
						oracle := fleetOracle(t, lines, name, ref.MirrorKey, repo, a, srv.URL)
						if len(oracle) != len(want) {
							t.Errorf("%s: the MANIFEST oracle finds %d kernels, the hand-written list %d", id, len(oracle), len(want))
						}
						for _, k := range res.Kernels {
							if !slices.Equal(k.Headers, oracle[k.Release]) {
								t.Errorf("%s: %s headers\n got %q\nwant %q", id, k.Release, k.Headers, oracle[k.Release])
							}
						}
						if len(res.Warnings) > 0 {
							t.Errorf("%s: warnings %q", id, res.Warnings)
						}
					}
				}
			}
			for id := range tc.want {
				if !seen[id] {
					t.Errorf("%s: listed by the test, not a repository of the configuration", id)
				}
			}
		})
	}
}

// fleetMirrors are the fixture's mirror roots, one folder per --mirror key.
func fleetMirrors(server string) map[string]string {
	m := map[string]string{}
	for _, k := range []string{"azurelinux", "cbl-mariner", "photon", "opensuse", "alinux"} {
		m[k] = server + "/" + k
	}
	return m
}

// fleetWant is what crawling name's releases should write, from the MANIFEST oracle: for
// each "arch version release", the header URLs of every repository of the release that
// holds it, sorted.
func fleetWant(t *testing.T, lines []manifestLine, name string, d *rpm.Distribution, releases []string, server string) map[string][]string {
	t.Helper()
	want := map[string][]string{}
	for _, rel := range releases {
		for _, a := range []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64} {
			for _, ref := range d.Repos(rpm.Rel{Name: rel}, string(a)) {
				for r, hs := range fleetOracle(t, lines, name, ref.MirrorKey, strings.TrimSuffix(ref.Path, "/"), a, server) {
					k := string(a) + " " + rel + " " + r
					for _, h := range hs {
						if !slices.Contains(want[k], h) {
							want[k] = append(want[k], h)
						}
					}
					slices.Sort(want[k])
				}
			}
		}
	}
	return want
}

// TestFleetCrawl crawls each cloud-fleet distribution as `crawl --distro NAME` does
// (crawlers.Run over distros.All(), the table's configurations, every kernel built by the
// domain's constructor) and finds every kernel of its fixture with its distro version and
// every header URL the fixture's repositories hold for it, and nothing else; a
// DISTRO/RELEASE reads that release alone, and an alias (sles, mariner) selects the
// distribution.
func TestFleetCrawl(t *testing.T) {
	lines := readManifest(t, fleetRoot)
	srv := rpmfixture.Serve(t, fleetRoot, nil)
	arches := []matrixgen.Arch{matrixgen.X86_64, matrixgen.AArch64}
	tests := []struct {
		name, distro string
		releases     []string // --release
		read         []string // the releases that should be crawled
	}{
		{"azurelinux", "azurelinux", nil, []string{"3.0", "2.0"}},
		{"photon", "photon", nil, []string{"5.0", "4.0"}},
		{"opensuse", "opensuse", nil, []string{"15.6", "15.5"}},
		{"alinux", "alinux", nil, []string{"3"}},
		{"azurelinux/2.0", "azurelinux", []string{"azurelinux/2.0"}, []string{"2.0"}},
		{"photon/4.0", "photon", []string{"photon/4.0"}, []string{"4.0"}},
		{"opensuse/15.5 by the sles alias", "sles", []string{"opensuse/15.5"}, []string{"15.5"}},
		{"alinux/3", "alinux", []string{"alinux/3"}, []string{"3"}},
		{"mariner selects azurelinux", "mariner", nil, []string{"3.0", "2.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d *rpm.Distribution
			for _, c := range distros.All() {
				if c.Name() == tt.distro || slices.Contains(c.Aliases(), tt.distro) {
					d = c.(*rpm.Distribution)
				}
			}
			if d == nil {
				t.Fatalf("no configuration answers --distro %s", tt.distro)
			}
			rep, err := Run(context.Background(), rpmClient(t, ""), Request{Table: distros.All(), Distros: []string{tt.distro},
				Releases: tt.releases, Arches: arches, Mirrors: fleetMirrors(srv.URL)})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Failures {
				t.Errorf("failure: %v", f)
			}
			if len(rep.Warnings) > 0 {
				t.Errorf("warnings:\n%s", strings.Join(rep.Warnings, "\n"))
			}
			want := fleetWant(t, lines, d.Name(), d, tt.read, srv.URL)
			if len(want) == 0 {
				t.Fatal("the oracle expects no kernels")
			}
			got := map[string][]string{}
			for _, k := range rep.Kernels {
				if k.Distribution != d.Name() {
					t.Errorf("%s: distribution %s", k.Release, k.Distribution)
				}
				id := string(k.Arch) + " " + k.DistroVersion + " " + k.Release
				if _, dup := got[id]; dup {
					t.Errorf("%s written twice", id)
				}
				got[id] = slices.Sorted(slices.Values(k.Headers))
			}
			for id, hs := range want {
				if g, ok := got[id]; !ok {
					t.Errorf("missing %s", id)
				} else if !slices.Equal(g, hs) {
					t.Errorf("%s: headers\n got %q\nwant %q", id, g, hs)
				}
			}
			for id := range got {
				if _, ok := want[id]; !ok {
					t.Errorf("unexpected %s", id)
				}
			}
		})
	}
}

// TestFleetDiscover: --discover lists each distribution's release folders and crawls those
// newer than its table releases, naming them as discovered; one whose version the
// distribution table does not know (photon/6.0 here) fails in place of its kernels, named,
// instead of writing kernels Make would refuse. Older folders (photon/3.0) are not read.
func TestFleetDiscover(t *testing.T) {
	listing := func(names ...string) string {
		var b strings.Builder
		for _, n := range names {
			b.WriteString(`<a href="` + n + `/">` + n + `/</a>` + "\n")
		}
		return "<html><body>" + b.String() + "</body></html>"
	}
	listings := map[string]string{
		"/photon/":                     listing("1.0", "3.0", "4.0", "5.0", "6.0", "photon_dev"),
		"/opensuse/distribution/leap/": listing("15.4", "15.5", "15.6", "16.0", "42.3"),
		"/azurelinux/":                 listing("3.0"),
		"/alinux/":                     listing("2", "2.1903", "3"),
	}
	var mu sync.Mutex
	var hits []string
	srv := rpmfixture.Serve(t, fleetRoot, func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		hits = append(hits, r.URL.Path)
		mu.Unlock()
		if l, ok := listings[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(l))
			return true
		}
		return false
	})
	rep, err := Run(context.Background(), rpmClient(t, ""), Request{Table: distros.All(), Distros: []string{"azurelinux", "photon", "opensuse", "alinux"},
		Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: fleetMirrors(srv.URL), Discover: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"opensuse/16.0", "photon/6.0"}
	if got := slices.Sorted(slices.Values(rep.Discovered)); !slices.Equal(got, want) {
		t.Errorf("discovered %v, want %v", got, want)
	}
	// Each discovered release names a version the table does not know: each fails, named.
	var failed []string
	for _, f := range rep.Failures {
		failed = append(failed, f.Job.Distro+"/"+f.Job.Release)
		if !strings.Contains(f.Err.Error(), "not written until the distribution table has it") {
			t.Errorf("failure %v does not say why", f)
		}
	}
	if slices.Sort(failed); !slices.Equal(failed, want) {
		t.Errorf("failures %v, want %v", failed, want)
	}
	for _, h := range hits {
		if strings.HasPrefix(h, "/photon/3.0/") || strings.HasPrefix(h, "/photon/6.0/") || strings.Contains(h, "/42.3/") || strings.Contains(h, "/16.0/") {
			t.Errorf("read %s", h)
		}
	}
	// The table's releases are crawled as without --discover.
	if !slices.ContainsFunc(rep.Kernels, func(k matrixgen.Kernel) bool { return k.Release == "6.1.102-1.ph5-esx" && k.DistroVersion == "5.0" }) {
		t.Errorf("photon 5.0 was not crawled")
	}
}
