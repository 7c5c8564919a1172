package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"syscall"
)

// Host policy: a crawl connects to the mirrors its configuration names. Whatever a mirror
// writes (an href, a mirror.list line, a redirect, a DNS answer) never makes it connect to
// the machine's own special addresses: link-local (169.254.0.0/16, fe80::/10), the cloud
// metadata services, the unspecified, this-network, multicast and broadcast addresses, and,
// unless allowLoopback (crawlers/fetch: unless Options.RefuseLoopback), loopback.

// metadataAddrs are cloud instance-metadata services outside link-local: AWS's IPv6
// endpoint and Alibaba Cloud's. (AWS, GCP, Azure and Oracle answer on 169.254.169.254,
// which is link-local.)
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("100.100.100.200"),
}

// specialAddr says why a crawl never connects to ip, or "".
func specialAddr(ip netip.Addr, allowLoopback bool) string {
	ip = ip.Unmap()
	switch {
	case slices.Contains(metadataAddrs, ip) || ip == netip.MustParseAddr("169.254.169.254"):
		return "a cloud metadata address"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsMulticast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast():
		return "multicast"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.Is4() && ip.As4()[0] == 0:
		return "this-network (0.0.0.0/8)"
	case ip == netip.MustParseAddr("255.255.255.255"):
		return "broadcast"
	case ip.IsLoopback() && !allowLoopback:
		return "loopback, and no configured mirror is"
	}
	return ""
}

// HostError is a URL or connection refused by the host policy: a special address (see
// specialAddr), or a host the source's configuration does not name.
type HostError struct {
	URL    string // redacted; "" for a connection (Host is then the address dialled)
	Host   string
	Reason string
}

func (e *HostError) Error() string {
	if e.URL == "" {
		return fmt.Sprintf("connection to %s refused: %s", e.Host, e.Reason)
	}
	return fmt.Sprintf("%s: host %s refused: %s", e.URL, e.Host, e.Reason)
}

// CheckURL refuses a URL whose host is a special address written as such (an IP literal,
// or localhost): what a mirror.list line or an href may not point at. Names are checked
// when they are dialled. allowLoopback lets loopback through (a mirror on loopback).
func CheckURL(rawURL string, allowLoopback bool) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q: not an absolute URL", rawURL)
	}
	host := strings.ToLower(u.Hostname())
	if ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")); err == nil {
		if r := specialAddr(ip, allowLoopback); r != "" {
			return &HostError{URL: Redact(u), Host: host, Reason: "the address is " + r}
		}
		return nil
	}
	if (host == "localhost" || strings.HasSuffix(host, ".localhost")) && !allowLoopback {
		return &HostError{URL: Redact(u), Host: host, Reason: "the address is loopback, and no configured mirror is"}
	}
	return nil
}

// IsLoopback reports whether rawURL's host is a loopback address or localhost.
func IsLoopback(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().IsLoopback()
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// Hosts is one source's allow-list: the hosts of the URLs its configuration names (the
// mirror, and the repository a mirror.list fetched from it names). Ports and schemes are
// not told apart: a mirror serves http and https from one name.
type Hosts struct{ set map[string]bool }

// NewHosts allows the hosts of urls.
func NewHosts(urls ...string) *Hosts {
	h := &Hosts{set: map[string]bool{}}
	for _, u := range urls {
		h.Add(u)
	}
	return h
}

// Add allows rawURL's host (a bare host name is taken as one).
func (h *Hosts) Add(rawURL string) {
	if name := hostName(rawURL); name != "" {
		h.set[name] = true
	}
}

// Allows reports whether rawURL is on an allowed host.
func (h *Hosts) Allows(rawURL string) bool { return h.set[hostName(rawURL)] }

// Check returns a *HostError for a URL on a host the list does not hold; what names it
// (an href, a location) is said by the caller.
func (h *Hosts) Check(rawURL string) error {
	if h.Allows(rawURL) {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%q: %w", rawURL, err)
	}
	return &HostError{URL: Redact(u), Host: strings.ToLower(u.Hostname()), Reason: "not a host this source's configuration names (" + h.String() + ")"}
}

func (h *Hosts) String() string {
	names := make([]string, 0, len(h.set))
	for n := range h.set {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func hostName(rawURL string) string {
	if !strings.Contains(rawURL, "://") {
		return strings.ToLower(rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// PolicyDialer dials through d, refusing special addresses after name resolution (so a
// DNS answer cannot lead a crawl to the metadata service). A configured proxy's address
// is dialled as configured, loopback included.
func PolicyDialer(d *net.Dialer, allowLoopback bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	proxies := proxyAddrs()
	strict := *d
	strict.Control = func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if r := specialAddr(ap.Addr(), allowLoopback); r != "" {
			return &HostError{Host: address, Reason: "the address is " + r}
		}
		return nil
	}
	proxy := *d
	proxy.Control = func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if r := specialAddr(ap.Addr(), true); r != "" {
			return &HostError{Host: address, Reason: "the proxy's address is " + r}
		}
		return nil
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if proxies[strings.ToLower(addr)] {
			return proxy.DialContext(ctx, network, addr)
		}
		return strict.DialContext(ctx, network, addr)
	}
}

// proxyAddrs are the host:port of the proxies the environment configures (as
// http.ProxyFromEnvironment reads them).
func proxyAddrs() map[string]bool {
	out := map[string]bool{}
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		if !strings.Contains(v, "://") {
			v = "http://" + v
		}
		u, err := url.Parse(v)
		if err != nil || u.Host == "" {
			continue
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
		}
		out[strings.ToLower(net.JoinHostPort(u.Hostname(), port))] = true
	}
	return out
}
