package koji

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// Hub is one Koji instance: its XML-RPC endpoint and the root its files are served under,
// each a --mirror key.
type Hub struct {
	Key      string // "koji-fedora"
	URL      string // the hub's default endpoint
	FilesKey string // "koji-fedora-files"
	TopURL   string // the default file root (Koji's topurl)
}

// Hubs are the hubs matrixgen knows: Fedora's Koji, CentOS Stream's, and the CentOS
// Community Build Service.
func Hubs() []Hub {
	return []Hub{
		{Key: "koji-fedora", URL: "https://koji.fedoraproject.org/kojihub", FilesKey: "koji-fedora-files", TopURL: "https://kojipkgs.fedoraproject.org"},
		{Key: "koji-stream", URL: "https://kojihub.stream.centos.org/kojihub", FilesKey: "koji-stream-files", TopURL: "https://kojihub.stream.centos.org/kojifiles"},
		{Key: "koji-cbs", URL: "https://cbs.centos.org/kojihub", FilesKey: "koji-cbs-files", TopURL: "https://cbs.centos.org/kojifiles"},
	}
}

// Mirrors are every hub's --mirror keys with their defaults.
func Mirrors() map[string]string {
	m := map[string]string{}
	for _, h := range Hubs() {
		m[h.Key], m[h.FilesKey] = h.URL, h.TopURL
	}
	return m
}

// BuildState is a build's state as the hub numbers it (koji.BUILD_STATES).
type BuildState int64

const (
	Building BuildState = 0
	Complete BuildState = 1
	Deleted  BuildState = 2
	Failed   BuildState = 3
	Canceled BuildState = 4
)

func (s BuildState) String() string {
	switch s {
	case Building:
		return "BUILDING"
	case Complete:
		return "COMPLETE"
	case Deleted:
		return "DELETED"
	case Failed:
		return "FAILED"
	case Canceled:
		return "CANCELED"
	}
	return fmt.Sprintf("state %d", int64(s))
}

// Build is the fields of a build record matrixgen reads.
type Build struct {
	ID           int64
	PackageID    int64
	Name         string
	Version      string
	Release      string
	NVR          string
	State        BuildState
	VolumeName   string // "DEFAULT" or an archive volume
	CompletionTS float64
}

// RPM is the fields of an RPM record matrixgen reads.
type RPM struct {
	ID      int64
	BuildID int64
	Name    string
	Version string
	Release string
	Arch    string
	Size    int64
}

// maxAnswer caps one hub answer: a page of builds or an RPM list is far smaller.
const maxAnswer = 64 << 20

// Client calls one hub.
type Client struct {
	f   source.Fetcher
	url string
}

// NewClient returns a client of the hub at url (its /kojihub endpoint).
func NewClient(f source.Fetcher, url string) *Client {
	return &Client{f: f, url: strings.TrimSuffix(url, "/")}
}

// URL is the hub's endpoint.
func (c *Client) URL() string { return c.url }

// Call sends one call: args positional in the hub's order, kwargs as Koji's keyword
// arguments. Every call matrixgen makes is read-only, so it is retried as a GET is.
// A <fault> answer is a *Fault, wrapped with the hub and method.
func (c *Client) Call(ctx context.Context, method string, args []Value, kwargs map[string]Value) (Value, error) {
	body, err := EncodeCall(method, args, kwargs)
	if err != nil {
		return nil, fmt.Errorf("koji: %s: %w", method, err)
	}
	data, err := c.f.Get(ctx, fetch.Request{URL: c.url, Method: http.MethodPost, Body: body, ContentType: "text/xml", Idempotent: true, MaxBytes: maxAnswer})
	if err != nil {
		return nil, fmt.Errorf("koji: %s: %w", method, err)
	}
	v, err := DecodeResponse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("koji: POST %s: %s: %w", c.url, method, err)
	}
	return v, nil
}

// GetPackageID returns a package's id; ok is false when the hub does not know it.
func (c *Client) GetPackageID(ctx context.Context, name string) (id int64, ok bool, err error) {
	v, err := c.Call(ctx, "getPackageID", []Value{name}, nil)
	if err != nil || v == nil {
		return 0, false, err
	}
	n, isInt := v.(int64)
	if !isInt {
		return 0, false, fmt.Errorf("koji: POST %s: getPackageID %q: want an int, got %T", c.url, name, v)
	}
	return n, true, nil
}

// GetBuild returns the build of an NVR ("kernel-6.11.4-301.fc41"), nil when the hub has
// none. Its state is whatever the hub says: callers decide what a DELETED build means.
func (c *Client) GetBuild(ctx context.Context, nvr string) (*Build, error) {
	v, err := c.Call(ctx, "getBuild", []Value{nvr}, nil)
	if err != nil || v == nil {
		return nil, err
	}
	m, ok := v.(map[string]Value)
	if !ok {
		return nil, fmt.Errorf("koji: POST %s: getBuild %q: want a struct, got %T", c.url, nvr, v)
	}
	b := buildOf(m)
	return &b, nil
}

// QueryOpts are Koji's queryOpts: paging and order.
type QueryOpts struct {
	Limit  int    // 0: none
	Offset int    // 0: from the start
	Order  string // "-build_id": newest first
}

func (q QueryOpts) value() map[string]Value {
	m := map[string]Value{}
	if q.Limit > 0 {
		m["limit"] = int64(q.Limit)
	}
	if q.Offset > 0 {
		m["offset"] = int64(q.Offset)
	}
	if q.Order != "" {
		m["order"] = q.Order
	}
	return m
}

// ListBuildsOpts select builds; zero fields are not sent.
type ListBuildsOpts struct {
	PackageID     int64
	State         *BuildState
	Pattern       string // glob on the NVR: "kernel-*.fc41"
	CompleteAfter float64
	Query         QueryOpts
}

// ListBuilds lists builds as listBuilds does.
func (c *Client) ListBuilds(ctx context.Context, o ListBuildsOpts) ([]Build, error) {
	kw := map[string]Value{}
	if o.PackageID != 0 {
		kw["packageID"] = o.PackageID
	}
	if o.State != nil {
		kw["state"] = int64(*o.State)
	}
	if o.Pattern != "" {
		kw["pattern"] = o.Pattern
	}
	if o.CompleteAfter != 0 {
		kw["completeAfter"] = o.CompleteAfter
	}
	if q := o.Query.value(); len(q) > 0 {
		kw["queryOpts"] = q
	}
	return c.builds(ctx, "listBuilds", nil, kw)
}

// ListTagged lists the builds of pkg in a tag ("f41-updates"), the newest only if latest.
func (c *Client) ListTagged(ctx context.Context, tag, pkg string, latest bool) ([]Build, error) {
	kw := map[string]Value{}
	if pkg != "" {
		kw["package"] = pkg
	}
	if latest {
		kw["latest"] = true
	}
	return c.builds(ctx, "listTagged", []Value{tag}, kw)
}

// GetLatestBuilds lists the newest build of pkg in a tag.
func (c *Client) GetLatestBuilds(ctx context.Context, tag, pkg string) ([]Build, error) {
	kw := map[string]Value{}
	if pkg != "" {
		kw["package"] = pkg
	}
	return c.builds(ctx, "getLatestBuilds", []Value{tag}, kw)
}

func (c *Client) builds(ctx context.Context, method string, args []Value, kw map[string]Value) ([]Build, error) {
	v, err := c.Call(ctx, method, args, kw)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]Value)
	if !ok {
		return nil, fmt.Errorf("koji: POST %s: %s: want an array, got %T", c.url, method, v)
	}
	out := make([]Build, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]Value)
		if !ok {
			return nil, fmt.Errorf("koji: POST %s: %s: item %d: want a struct, got %T", c.url, method, i, e)
		}
		out = append(out, buildOf(m))
	}
	return out, nil
}

// ListRPMs lists a build's RPMs on the given arches (nil: all).
func (c *Client) ListRPMs(ctx context.Context, buildID int64, arches []string) ([]RPM, error) {
	kw := map[string]Value{"buildID": buildID}
	if len(arches) > 0 {
		kw["arches"] = arches
	}
	v, err := c.Call(ctx, "listRPMs", nil, kw)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]Value)
	if !ok {
		return nil, fmt.Errorf("koji: POST %s: listRPMs: want an array, got %T", c.url, v)
	}
	out := make([]RPM, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]Value)
		if !ok {
			return nil, fmt.Errorf("koji: POST %s: listRPMs: item %d: want a struct, got %T", c.url, i, e)
		}
		out = append(out, RPM{ID: intOf(m["id"]), BuildID: intOf(m["build_id"]), Name: strOf(m["name"]), Version: strOf(m["version"]),
			Release: strOf(m["release"]), Arch: strOf(m["arch"]), Size: intOf(m["size"])})
	}
	return out, nil
}

func buildOf(m map[string]Value) Build {
	id := intOf(m["build_id"])
	if id == 0 {
		id = intOf(m["id"]) // getBuild answers both; listTagged only build_id
	}
	b := Build{ID: id, PackageID: intOf(m["package_id"]), Name: strOf(m["name"]), Version: strOf(m["version"]), Release: strOf(m["release"]),
		NVR: strOf(m["nvr"]), State: BuildState(intOf(m["state"])), VolumeName: strOf(m["volume_name"])}
	if b.Name == "" {
		b.Name = strOf(m["package_name"])
	}
	if f, ok := m["completion_ts"].(float64); ok {
		b.CompletionTS = f
	}
	return b
}

func intOf(v Value) int64 {
	n, _ := v.(int64)
	return n
}

func strOf(v Value) string {
	s, _ := v.(string)
	return s
}

// RPMURL is where an RPM of a build is served: <topurl>[/vol/<volume>]/packages/<name>/
// <version>/<release>/<arch>/<nvra>.rpm, the volume part whenever the build's volume is
// not DEFAULT (koji.PathInfo).
func RPMURL(topURL string, b Build, r RPM) string {
	base := strings.TrimSuffix(topURL, "/")
	if b.VolumeName != "" && b.VolumeName != "DEFAULT" {
		base += "/vol/" + b.VolumeName
	}
	return fmt.Sprintf("%s/packages/%s/%s/%s/%s/%s-%s-%s.%s.rpm", base, b.Name, b.Version, b.Release, r.Arch, r.Name, r.Version, r.Release, r.Arch)
}
