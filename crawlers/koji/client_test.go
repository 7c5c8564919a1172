package koji_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/koji"
	"github.com/matrixgen/matrixgen/crawlers/koji/kojitest"
)

func newHub(t *testing.T) (*kojitest.Hub, *koji.Client) {
	t.Helper()
	hub := &kojitest.Hub{T: t, Packages: map[string]int64{"kernel": 8}, Builds: []kojitest.Build{
		{ID: 100, Name: "kernel", Version: "6.11.3", Release: "300.fc41", State: koji.Complete, CompletionTS: 1728000000, Tags: []string{"f41-updates"},
			RPMs: []kojitest.RPM{{ID: 1, Name: "kernel-devel", Arch: "x86_64", Size: 20 << 20}, {ID: 2, Name: "kernel-devel", Arch: "aarch64"}, {ID: 3, Name: "kernel", Arch: "src"}}},
		{ID: 101, Name: "kernel", Version: "6.11.4", Release: "301.fc41", State: koji.Failed},
		{ID: 102, Name: "kernel", Version: "4.19.16", Release: "200.fc28", State: koji.Complete, Volume: "fedora_koji_archive02", CompletionTS: 1548000000, Tags: []string{"f28-updates"}},
		{ID: 103, Name: "kernel", Version: "6.11.5", Release: "300.fc41", State: koji.Complete, CompletionTS: 1729000000, Tags: []string{"f41-updates"}},
	}}
	srv := httptest.NewServer(hub)
	t.Cleanup(srv.Close)
	f := fetch.New(fetch.Options{Backoff: fetch.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond}})
	t.Cleanup(f.CloseIdleConnections)
	return hub, koji.NewClient(f, srv.URL+"/kojihub")
}

func TestClientCalls(t *testing.T) {
	ctx := context.Background()
	hub, c := newHub(t)

	id, ok, err := c.GetPackageID(ctx, "kernel")
	if err != nil || !ok || id != 8 {
		t.Fatalf("GetPackageID(kernel) = %d %v %v, want 8", id, ok, err)
	}
	if _, ok, err := c.GetPackageID(ctx, "nosuch"); err != nil || ok {
		t.Fatalf("GetPackageID(nosuch) = %v %v, want not found", ok, err)
	}
	b, err := c.GetBuild(ctx, "kernel-4.19.16-200.fc28")
	if err != nil {
		t.Fatal(err)
	}
	want := koji.Build{ID: 102, PackageID: 8, Name: "kernel", Version: "4.19.16", Release: "200.fc28", NVR: "kernel-4.19.16-200.fc28", State: koji.Complete, VolumeName: "fedora_koji_archive02", CompletionTS: 1548000000}
	if *b != want {
		t.Fatalf("GetBuild = %+v\nwant %+v", *b, want)
	}
	if b, err := c.GetBuild(ctx, "kernel-9-9"); err != nil || b != nil {
		t.Fatalf("GetBuild(unknown) = %v %v, want nil", b, err)
	}
	complete := koji.Complete
	page, err := c.ListBuilds(ctx, koji.ListBuildsOpts{PackageID: 8, State: &complete, Pattern: "kernel-*.fc41", Query: koji.QueryOpts{Limit: 1, Offset: 1, Order: "-build_id"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 1 || page[0].NVR != "kernel-6.11.3-300.fc41" {
		t.Fatalf("ListBuilds page 2 = %+v, want kernel-6.11.3-300.fc41", page)
	}
	rpms, err := c.ListRPMs(ctx, 100, []string{"x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	if wantR := []koji.RPM{{ID: 1, BuildID: 100, Name: "kernel-devel", Version: "6.11.3", Release: "300.fc41", Arch: "x86_64", Size: 20 << 20}}; !reflect.DeepEqual(rpms, wantR) {
		t.Fatalf("ListRPMs = %+v\nwant %+v", rpms, wantR)
	}
	latest, err := c.GetLatestBuilds(ctx, "f41-updates", "kernel")
	if err != nil || len(latest) != 1 || latest[0].ID != 103 {
		t.Fatalf("GetLatestBuilds = %+v %v, want build 103", latest, err)
	}
	tagged, err := c.ListTagged(ctx, "f41-updates", "kernel", false)
	if err != nil || len(tagged) != 2 || tagged[0].ID != 103 || tagged[1].ID != 100 {
		t.Fatalf("ListTagged = %+v %v, want builds 103, 100", tagged, err)
	}
	// The hub bound every call against Koji's signatures; these are the names it saw.
	wantCalls := []kojitest.Call{
		{Method: "getPackageID", Args: map[string]koji.Value{"name": "kernel"}},
		{Method: "getPackageID", Args: map[string]koji.Value{"name": "nosuch"}},
		{Method: "getBuild", Args: map[string]koji.Value{"buildInfo": "kernel-4.19.16-200.fc28"}},
		{Method: "getBuild", Args: map[string]koji.Value{"buildInfo": "kernel-9-9"}},
		{Method: "listBuilds", Args: map[string]koji.Value{"packageID": int64(8), "state": int64(1), "pattern": "kernel-*.fc41",
			"queryOpts": map[string]koji.Value{"limit": int64(1), "offset": int64(1), "order": "-build_id"}}},
		{Method: "listRPMs", Args: map[string]koji.Value{"buildID": int64(100), "arches": []koji.Value{"x86_64"}}},
		{Method: "getLatestBuilds", Args: map[string]koji.Value{"tag": "f41-updates", "package": "kernel"}},
		{Method: "listTagged", Args: map[string]koji.Value{"tag": "f41-updates", "package": "kernel"}},
	}
	if got := hub.Calls(); !reflect.DeepEqual(got, wantCalls) {
		t.Fatalf("calls:\n got %+v\nwant %+v", got, wantCalls)
	}
}

func TestFault(t *testing.T) {
	hub, c := newHub(t)
	hub.Faults = map[string]koji.Fault{"getBuild": {Code: 1000, String: "database is down"}}
	_, err := c.GetBuild(context.Background(), "kernel-6.11.3-300.fc41")
	var f *koji.Fault
	if !errors.As(err, &f) || f.Code != 1000 || f.String != "database is down" {
		t.Fatalf("err = %v, want fault 1000", err)
	}
	if got := len(hub.Calls()); got != 1 {
		t.Fatalf("a fault was retried: %d calls", got) // a fault is an answer, not a transport failure
	}
}

func TestRPMURL(t *testing.T) {
	rpm := koji.RPM{Name: "kernel-devel", Version: "4.19.16", Release: "200.fc28", Arch: "x86_64"}
	tests := []struct {
		volume, want string
	}{
		{"DEFAULT", "https://kojipkgs.fedoraproject.org/packages/kernel/4.19.16/200.fc28/x86_64/kernel-devel-4.19.16-200.fc28.x86_64.rpm"},
		{"", "https://kojipkgs.fedoraproject.org/packages/kernel/4.19.16/200.fc28/x86_64/kernel-devel-4.19.16-200.fc28.x86_64.rpm"},
		{"fedora_koji_archive02", "https://kojipkgs.fedoraproject.org/vol/fedora_koji_archive02/packages/kernel/4.19.16/200.fc28/x86_64/kernel-devel-4.19.16-200.fc28.x86_64.rpm"},
	}
	for _, tc := range tests {
		b := koji.Build{Name: "kernel", Version: "4.19.16", Release: "200.fc28", VolumeName: tc.volume}
		if got := koji.RPMURL("https://kojipkgs.fedoraproject.org/", b, rpm); got != tc.want {
			t.Errorf("volume %q: got %s, want %s", tc.volume, got, tc.want)
		}
	}
}
