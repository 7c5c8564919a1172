package crawlers

import (
	"context"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
)

// keySet is the identities of kernels, for comparing two crawls.
func keySet(ks []matrixgen.Kernel) []string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Key().String())
	}
	slices.Sort(out)
	return out
}

func carried(ks []matrixgen.Kernel) int {
	n := 0
	for _, k := range ks {
		if k.CarriedOver {
			n++
		}
	}
	return n
}

// TestRunListingFails: a listing that fails (Fedora's releases/, a
// vault's, AL2023's releasemd.xml) fails in place of the releases it would
// have listed: it is a named source of each arch, counted, and every kernel
// the previous crawl had in what it covers is carried over. Before, Fedora's
// 9 kernels became 0 ("1 of 0 sources failed"), Rocky's 8 became 6, and the
// listing's failure had no arch, so the arch was written as if healthy.
func TestRunListingFails(t *testing.T) {
	x86 := []matrixgen.Arch{matrixgen.X86_64}
	tests := []struct {
		name   string
		req    Request
		path   string // the listing that fails
		status int
		source string
		// kernels carried over: all (Fedora: no release is known), or
		// those only the listing's releases had
		carried int
		sources int
	}{
		{name: "fedora releases/ 404", req: Request{Table: distros.All(), Distros: []string{"fedora"}}, path: "/fedora/releases/", status: http.StatusNotFound, source: "releases listing", carried: 9, sources: 1},
		{name: "fedora releases/ 503", req: Request{Table: distros.All(), Distros: []string{"fedora"}}, path: "/fedora/releases/", status: http.StatusServiceUnavailable, source: "releases listing", carried: 9, sources: 1},
		{name: "rocky vault listing 503", req: Request{Table: distros.All(), Distros: []string{"rocky"}, Vault: true}, path: "/rocky-vault/", status: http.StatusServiceUnavailable, source: "vault listing", carried: 2, sources: 7},
		{name: "almalinux vault listing 404", req: Request{Table: distros.All(), Distros: []string{"almalinux"}, Vault: true}, path: "/almalinux-vault/", status: http.StatusNotFound, source: "vault listing", carried: 2, sources: 7},
		{name: "amazonlinux2023 releasemd.xml 503", req: Request{Table: distros.All(), Distros: []string{"amazonlinux2", "amazonlinux2023"}, Discover: true}, path: "/amazonlinux2023/releasemd.xml", status: http.StatusServiceUnavailable, source: "releasemd.xml", carried: 2, sources: 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDistroServer(t)
			req := tt.req
			req.Arches, req.Mirrors = x86, s.mirrors()
			good, err := Run(context.Background(), rpmClient(t, ""), req)
			if err != nil || len(good.Failures) > 0 || len(good.Kernels) == 0 {
				t.Fatalf("healthy crawl: %v, %v, %d kernels", err, good.Failures, len(good.Kernels))
			}
			s.status[tt.path] = tt.status
			req.Previous = good.Kernels
			if strings.HasPrefix(tt.name, "amazonlinux") {
				// An Amazon Linux 2 kernel the previous crawl had and AL2 no
				// longer has: AL2023's listing does not cover it.
				k, err := matrixgen.Make(matrixgen.Spec{Target: "amazonlinux", Arch: matrixgen.X86_64, Release: "4.14.1-1.amzn2.x86_64", DistroVersion: "2"})
				if err != nil {
					t.Fatal(err)
				}
				req.Previous = append(slices.Clone(req.Previous), k)
			}
			rep, err := Run(context.Background(), rpmClient(t, ""), req)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := keySet(rep.Kernels), keySet(good.Kernels); !slices.Equal(got, want) {
				t.Errorf("kernels after the listing failed:\n%v\nwant the previous crawl's\n%v", got, want)
			}
			if len(rep.Failures) != 1 {
				t.Fatalf("failures = %v, want the listing", rep.Failures)
			}
			f := rep.Failures[0]
			if f.Source != tt.source || f.URL != s.srv.URL+tt.path || f.Job.Arch != matrixgen.X86_64 || f.Job.Distro != req.Distros[len(req.Distros)-1] {
				t.Errorf("failure = %+v, want %s %s on x86_64", f, tt.source, s.srv.URL+tt.path)
			}
			n := carried(rep.Kernels)
			if n != tt.carried {
				t.Errorf("%d of %d kernels carried over, want %d", n, len(rep.Kernels), tt.carried)
			}
			if rep.CarriedOver != n {
				t.Errorf("CarriedOver = %d, the output holds %d", rep.CarriedOver, n)
			}
			// The listing is a source: "1 of N sources failed", N counting it.
			if rep.Sources != tt.sources {
				t.Errorf("Sources = %d, want %d (the jobs planned, and the failed listing)", rep.Sources, tt.sources)
			}
			i := slices.IndexFunc(rep.Counts, func(c Count) bool { return c.Distro == f.Job.Distro && c.Arch == matrixgen.X86_64 })
			if i < 0 || rep.Counts[i].Failures != 1 || rep.Counts[i].Sources < 1 {
				t.Errorf("counts = %+v, want one failed source for %s x86_64", rep.Counts, f.Job.Distro)
			}
			total := 0
			for _, c := range rep.Counts {
				total += c.Kernels
			}
			if total != len(rep.Kernels) {
				t.Errorf("counts say %d kernels, the report has %d", total, len(rep.Kernels))
			}
			if write, keep := rep.Writable(x86); n == len(rep.Kernels) && (len(write) != 0 || len(keep) != 1) {
				t.Errorf("Writable = %v, %v: an arch whose only source failed must be kept", write, keep)
			}
		})
	}
}

// TestRunListingFailsNamedRelease: with releases named, a failed listing
// covers only those: a kernel of another release in the previous crawl is
// not carried into this one.
func TestRunListingFailsNamedRelease(t *testing.T) {
	s := newDistroServer(t)
	s.status["/fedora/releases/"] = http.StatusServiceUnavailable
	other, err := matrixgen.Make(matrixgen.Spec{Target: "fedora", Arch: matrixgen.X86_64, Release: "6.5.6-300.fc39.x86_64", DistroVersion: "39"})
	if err != nil {
		t.Fatal(err)
	}
	named, err := matrixgen.Make(matrixgen.Spec{Target: "fedora", Arch: matrixgen.X86_64, Release: "6.20.1-100.fc42.x86_64", DistroVersion: "42"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), rpmClient(t, ""), Request{Table: distros.All(), Distros: []string{"fedora"}, Releases: []string{"fedora/42"},
		Arches: []matrixgen.Arch{matrixgen.X86_64}, Mirrors: s.mirrors(), Previous: []matrixgen.Kernel{other, named}})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(rep.Kernels, func(k matrixgen.Kernel) bool { return k.DistroVersion == "39" }) {
		t.Errorf("fedora 39, not asked for, carried over: %v", keySet(rep.Kernels))
	}
	if !slices.ContainsFunc(rep.Kernels, func(k matrixgen.Kernel) bool { return k.Release == named.Release && k.CarriedOver }) {
		t.Errorf("fedora 42's previous kernel not carried over: %v", keySet(rep.Kernels))
	}
	if !slices.ContainsFunc(rep.Failures, func(f Failure) bool { return f.Source == "releases listing" && f.Job.Release == "42" }) {
		t.Errorf("failures = %v, want the listing, for 42", rep.Failures)
	}
}

// TestRunDiscoverListingFails: Debian's dists/ listing fails under
// --discover: the releases it would have found are unknown, so the kernels
// of a release the previous crawl discovered are carried over, on every
// arch asked for, while the table's releases are crawled as usual.
func TestRunDiscoverListingFails(t *testing.T) {
	s := newFaultServer(t, map[string]fault{"/debian/dists/": {kind: fault404}})
	req := testRequest(s.URL, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
	req.Table = req.Table[:1] // Debian
	req.Discover = true
	var prev []matrixgen.Kernel
	for _, a := range req.Arches {
		rel := "6.12.90+deb14-amd64"
		if a == matrixgen.AArch64 {
			rel = "6.12.90+deb14-arm64"
		}
		k, err := matrixgen.Make(matrixgen.Spec{Target: "debian", Arch: a, Release: rel, DistroVersion: "14"})
		if err != nil {
			t.Fatal(err)
		}
		prev = append(prev, k)
	}
	req.Previous = prev
	rep, err := Run(context.Background(), testClient(), req)
	if err != nil {
		t.Fatal(err)
	}
	var listings []Failure
	for _, f := range rep.Failures {
		if f.Source == "dists/" {
			listings = append(listings, f)
		}
	}
	if len(listings) != 2 || listings[0].Job.Arch == listings[1].Job.Arch || listings[0].URL != s.URL+"/debian/dists/" {
		t.Fatalf("failures = %v, want dists/ once per arch", rep.Failures)
	}
	for _, p := range prev {
		if !slices.ContainsFunc(rep.Kernels, func(k matrixgen.Kernel) bool { return k.Key() == p.Key() && k.CarriedOver }) {
			t.Errorf("%s not carried over", p.Key())
		}
	}
	if !slices.ContainsFunc(rep.Kernels, func(k matrixgen.Kernel) bool { return k.DistroVersion == "12" && !k.CarriedOver }) {
		t.Errorf("the table's bookworm was not crawled")
	}
	if write, keep := rep.Writable(req.Arches); len(keep) != 0 || len(write) != 2 {
		t.Errorf("Writable = %v, %v; want both arches written (bookworm was seen)", write, keep)
	}
}
