package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file is the client side of the API: what a node's loader
// (matrixgen request-build) uses to ask for its kernel's build.

// osReleaseIDs maps os-release ID to matrixgen's distribution.
var osReleaseIDs = map[string]string{
	"rhel": "rhel", "rocky": "rocky", "almalinux": "almalinux", "ol": "oracle", "amzn": "amazonlinux",
	"ubuntu": "ubuntu", "debian": "debian", "fedora": "fedora", "centos": "centos",
}

// ParseOSRelease reads ID and VERSION_ID (os-release(5): KEY=VALUE, the
// value optionally quoted) and maps them to a distribution and version.
func ParseOSRelease(r io.Reader, name string) (distribution, version string, err error) {
	vals := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return "", "", fmt.Errorf("%s:%d: want KEY=VALUE, got %q", name, n, line)
		}
		if v != "" && (v[0] == '"' || v[0] == '\'') {
			if len(v) < 2 || v[len(v)-1] != v[0] {
				return "", "", fmt.Errorf("%s:%d: %s: unterminated quote", name, n, k)
			}
			v = v[1 : len(v)-1]
		}
		vals[k] = v
	}
	if err := sc.Err(); err != nil {
		return "", "", fmt.Errorf("%s: %w", name, err)
	}
	// os-release(5): ID and VERSION_ID hold lowercase letters, digits
	// and "._-" only (VERSION_ID may have capitals in the wild).
	for _, k := range []string{"ID", "VERSION_ID"} {
		if strings.IndexFunc(vals[k], func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
		}) >= 0 {
			return "", "", fmt.Errorf("%s: %s=%q: want letters, digits and . _ - only", name, k, vals[k])
		}
	}
	id := vals["ID"]
	distribution, ok := osReleaseIDs[id]
	if !ok {
		return "", "", fmt.Errorf("%s: ID=%q is not a distribution matrixgen builds for (rhel, rocky, almalinux, ol, amzn, ubuntu, debian, fedora, centos)", name, id)
	}
	version = vals["VERSION_ID"]
	switch distribution {
	case "rhel", "rocky", "almalinux", "oracle":
		version, _, _ = strings.Cut(version, ".") // 9.4 → 9: builds are per major
	case "centos":
		version, _, _ = strings.Cut(version, ".")
		if n, err := strconv.Atoi(version); err == nil && n >= 9 {
			version = "stream" + version // CentOS Stream 9 and later say VERSION_ID="9"
		}
	}
	return distribution, version, nil
}

// Client talks to a build service.
type Client struct {
	Server string       // base URL, e.g. http://builds.internal:8080
	Token  string       // bearer token for POST, "" for none
	HTTP   *http.Client // nil: 30s timeout
}

// RefusedError is the service refusing a request (400): the field and rule
// are in Message.
type RefusedError struct {
	Method, URL, Status, Message string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s %s: %s: %s", e.Method, e.URL, e.Status, e.Message)
}

// Submit asks for the build of req.
func (c *Client) Submit(ctx context.Context, req Request) (Status, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return Status{}, err
	}
	return c.call(ctx, "POST", "/build", body)
}

// Get is a build's status.
func (c *Client) Get(ctx context.Context, id string) (Status, error) {
	return c.call(ctx, "GET", "/status/"+id, nil)
}

// errWaitTimeout is Wait reaching its deadline before the build ended.
var errWaitTimeout = errors.New("deadline reached before the build ended")

// IsWaitTimeout says whether err is Wait giving up at its deadline.
func IsWaitTimeout(err error) bool { return errors.Is(err, errWaitTimeout) }

// Wait polls st's build until it ends (done, error, timed_out) or deadline
// passes, pausing backoff, doubling up to maxBackoff. onChange, when set,
// is called when the state changes. It returns the last status seen.
func (c *Client) Wait(ctx context.Context, st Status, deadline time.Time, backoff, maxBackoff time.Duration, onChange func(Status)) (Status, error) {
	pause := backoff
	for {
		switch st.Status {
		case StateDone, StateError, StateTimedOut:
			return st, nil
		}
		if time.Now().Add(pause).After(deadline) {
			return st, errWaitTimeout
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*2, maxBackoff)
		next, err := c.Get(ctx, st.BuildID)
		if err != nil {
			return st, err
		}
		if next.Status != st.Status && onChange != nil {
			onChange(next)
		}
		st = next
	}
}

// call sends one request to the service; a 400 is a *RefusedError.
func (c *Client) call(ctx context.Context, method, path string, body []byte) (Status, error) {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	url := strings.TrimRight(c.Server, "/") + path
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return Status{}, fmt.Errorf("server URL: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" && method == "POST" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Status{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Status{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		_ = json.Unmarshal(raw, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(raw))
		}
		if resp.StatusCode == http.StatusBadRequest {
			return Status{}, &RefusedError{Method: method, URL: url, Status: resp.Status, Message: e.Error}
		}
		return Status{}, fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, e.Error)
	}
	var st Status
	if err := json.Unmarshal(raw, &st); err != nil {
		return Status{}, fmt.Errorf("%s %s: answer: %w", method, url, err)
	}
	if st.BuildID == "" {
		return Status{}, errors.New(method + " " + url + ": answer holds no build_id")
	}
	return st, nil
}
