// Package kojitest is a fake Koji hub for tests: it parses each XML-RPC call, checks it
// against the hub's own method signatures (Koji 1.34's _listapi, saved in signatures.json),
// and answers as Koji's marshaller writes, faults included.
package kojitest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/matrixgen/matrixgen/crawlers/koji"
)

//go:embed signatures.json
var signaturesJSON []byte

type signature struct {
	Args []struct {
		Name    string  `json:"name"`
		Default *string `json:"default"`
	} `json:"args"`
}

func signatures() (map[string]signature, error) {
	var doc struct {
		RPC map[string]signature `json:"rpc"`
	}
	if err := json.Unmarshal(signaturesJSON, &doc); err != nil {
		return nil, fmt.Errorf("kojitest: signatures.json: %w", err)
	}
	return doc.RPC, nil
}

// Build is a build the hub holds, with the RPMs it made.
type Build struct {
	ID                     int64
	Name, Version, Release string
	State                  koji.BuildState
	Volume                 string // "" = DEFAULT
	CompletionTS           float64
	RPMs                   []RPM
	Tags                   []string
}

// RPM is one RPM of a build.
type RPM struct {
	ID   int64
	Name string
	Arch string
	Size int64
}

// Hub is the fake hub. Set its fields before serving; read Calls after.
type Hub struct {
	T        interface{ Errorf(string, ...any) }
	Packages map[string]int64
	Builds   []Build
	// Faults answers a method with a fault instead (e.g. "getBuild": {1000, "..."}).
	Faults map[string]koji.Fault
	// Hang, when set, makes every call wait until the client goes away.
	Hang bool
	// IgnoreOffset makes listBuilds answer every page as the first (a hub
	// that ignores queryOpts' offset); IgnoreState makes it list builds of
	// every state, whatever the call's state filter.
	IgnoreOffset, IgnoreState bool
	// MaxCalls, when set, answers every call after that many with a fault,
	// so that a client that never stops calling ends (and the test sees
	// the count) instead of hanging the test.
	MaxCalls int

	mu    sync.Mutex
	sigs  map[string]signature
	calls []Call
}

// Call is a call the hub received, its params named by the signature.
type Call struct {
	Method string
	Args   map[string]koji.Value
}

// Calls returns the calls received so far.
func (h *Hub) Calls() []Call {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Call(nil), h.calls...)
}

func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if h.Hang {
		// The body is read first: only then does net/http watch the connection and
		// cancel the context when the client goes away.
		<-r.Context().Done()
		return
	}
	if r.Method != http.MethodPost {
		h.T.Errorf("kojitest: %s %s: a hub takes POST", r.Method, r.URL)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/xml" {
		h.T.Errorf("kojitest: Content-Type %q, want text/xml", ct)
	}
	method, params, err := koji.DecodeCall(strings.NewReader(string(body)))
	if err != nil {
		h.T.Errorf("kojitest: unreadable call: %v\n%s", err, body)
		writeFault(w, 1000, err.Error())
		return
	}
	named, err := h.bind(method, params)
	if err != nil {
		h.T.Errorf("kojitest: %s: %v\n%s", method, err, body)
		writeFault(w, 1009, err.Error()) // ParameterError
		return
	}
	h.mu.Lock()
	h.calls = append(h.calls, Call{Method: method, Args: named})
	over := h.MaxCalls > 0 && len(h.calls) > h.MaxCalls
	h.mu.Unlock()
	if over {
		writeFault(w, 1000, fmt.Sprintf("kojitest: more than %d calls", h.MaxCalls))
		return
	}
	if f, ok := h.Faults[method]; ok {
		writeFault(w, f.Code, f.String)
		return
	}
	v, err := h.answer(method, named)
	if err != nil {
		writeFault(w, 1000, err.Error())
		return
	}
	if err := writeResponse(w, v); err != nil {
		h.T.Errorf("kojitest: %s: %v", method, err)
		writeFault(w, 1000, err.Error())
	}
}

// bind names the params as Python would bind them: positional in signature order, then
// keywords, each once; required ones present; no unknown names.
func (h *Hub) bind(method string, params []koji.Value) (map[string]koji.Value, error) {
	h.mu.Lock()
	if h.sigs == nil {
		sigs, err := signatures()
		if err != nil {
			h.mu.Unlock()
			return nil, err
		}
		h.sigs = sigs
	}
	sig, ok := h.sigs[method]
	h.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("method %q is not one the client should call", method)
	}
	pos, kw := koji.SplitKwargs(params)
	if len(pos) > len(sig.Args) {
		return nil, fmt.Errorf("%d positional params, the signature has %d", len(pos), len(sig.Args))
	}
	named := map[string]koji.Value{}
	for i, p := range pos {
		named[sig.Args[i].Name] = p
	}
	for k, v := range kw {
		found := false
		for _, a := range sig.Args {
			found = found || a.Name == k
		}
		if !found {
			return nil, fmt.Errorf("unexpected keyword argument %q", k)
		}
		if _, dup := named[k]; dup {
			return nil, fmt.Errorf("multiple values for argument %q", k)
		}
		named[k] = v
	}
	for _, a := range sig.Args {
		if _, ok := named[a.Name]; !ok && a.Default == nil {
			return nil, fmt.Errorf("missing required argument %q", a.Name)
		}
	}
	return named, nil
}

func (h *Hub) answer(method string, a map[string]koji.Value) (any, error) {
	switch method {
	case "getPackageID":
		name, _ := a["name"].(string)
		if id, ok := h.Packages[name]; ok {
			return id, nil
		}
		return nil, nil
	case "getBuild":
		for _, b := range h.Builds {
			if a["buildInfo"] == b.NVR() || a["buildInfo"] == b.ID {
				return buildStruct(b, h.Packages[b.Name], true), nil
			}
		}
		if a["strict"] == true {
			//lint:ignore ST1005 Koji's own fault string, reproduced verbatim
			return nil, fmt.Errorf("No such build: %v", a["buildInfo"])
		}
		return nil, nil
	case "listBuilds":
		var out []Build
		for _, b := range h.Builds {
			if id, ok := a["packageID"].(int64); ok && h.Packages[b.Name] != id {
				continue
			}
			if st, ok := a["state"].(int64); ok && int64(b.State) != st && !h.IgnoreState {
				continue
			}
			if p, ok := a["pattern"].(string); ok {
				if m, _ := path.Match(p, b.NVR()); !m {
					continue
				}
			}
			if after, ok := a["completeAfter"].(float64); ok && b.CompletionTS <= after {
				continue
			}
			out = append(out, b)
		}
		qo, _ := a["queryOpts"].(map[string]koji.Value)
		switch qo["order"] {
		case "-build_id":
			sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
		case nil, "build_id":
			sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		default:
			return nil, fmt.Errorf("order %v not supported by the fake hub", qo["order"])
		}
		if off, ok := qo["offset"].(int64); ok && !h.IgnoreOffset {
			out = out[min(int(off), len(out)):]
		}
		if lim, ok := qo["limit"].(int64); ok {
			out = out[:min(int(lim), len(out))]
		}
		list := []any{}
		for _, b := range out {
			list = append(list, buildStruct(b, h.Packages[b.Name], false))
		}
		return list, nil
	case "listRPMs":
		list := []any{}
		for _, b := range h.Builds {
			if a["buildID"] != b.ID {
				continue
			}
			arches, _ := a["arches"].([]koji.Value)
			for _, r := range b.RPMs {
				if len(arches) > 0 && !containsValue(arches, r.Arch) {
					continue
				}
				list = append(list, rpmStruct(b, r))
			}
		}
		return list, nil
	case "listTagged", "getLatestBuilds":
		var out []Build
		for _, b := range h.Builds {
			tag, _ := a["tag"].(string)
			if !containsString(b.Tags, tag) || a["package"] != nil && a["package"] != b.Name || b.State != koji.Complete {
				continue
			}
			out = append(out, b)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
		if (method == "getLatestBuilds" || a["latest"] == true) && len(out) > 1 {
			out = out[:1]
		}
		list := []any{}
		for _, b := range out {
			list = append(list, buildStruct(b, h.Packages[b.Name], false))
		}
		return list, nil
	}
	return nil, fmt.Errorf("method %s not served by the fake hub", method)
}

// NVR is the build's name-version-release.
func (b Build) NVR() string { return b.Name + "-" + b.Version + "-" + b.Release }

func containsValue(vs []koji.Value, s string) bool {
	for _, v := range vs {
		if v == s {
			return true
		}
	}
	return false
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// member and ordered struct: Koji writes a struct's members in its query's column order.
type member struct {
	name  string
	value any
}
type orderedStruct []member

func buildStruct(b Build, pkgID int64, withID bool) orderedStruct {
	vol, volID := b.Volume, int64(0)
	if vol == "" {
		vol = "DEFAULT"
	} else {
		volID = 7
	}
	var completion any
	if b.State == koji.Complete {
		completion = b.CompletionTS
	}
	s := orderedStruct{
		{"build_id", b.ID}, {"version", b.Version}, {"release", b.Release}, {"epoch", nil}, {"state", int64(b.State)},
		{"completion_time", nil}, {"completion_ts", completion}, {"task_id", b.ID*10 + 3},
		{"creation_event_id", int64(497707)}, {"creation_time", "2024-09-17 15:35:18.209655+00:00"},
		{"creation_ts", 1726587318.209655}, {"volume_id", volID}, {"volume_name", vol},
		{"package_id", pkgID}, {"package_name", b.Name}, {"name", b.Name}, {"nvr", b.NVR()},
		{"owner_id", int64(1)}, {"owner_name", "kernel-team"}, {"draft", false},
		{"source", "git+https://src.example.com/rpms/kernel#0123456789abcdef"},
		{"extra", orderedStruct{{"typeinfo", orderedStruct{{"rpm", nil}}}}},
	}
	if withID {
		s = append(s, member{"id", b.ID})
	}
	return s
}

func rpmStruct(b Build, r RPM) orderedStruct {
	return orderedStruct{
		{"id", r.ID}, {"name", r.Name}, {"version", b.Version}, {"release", b.Release}, {"arch", r.Arch},
		{"epoch", nil}, {"draft", false}, {"payloadhash", "3a7dbfe113b104f49baa90888d009c0e"}, {"size", r.Size},
		{"buildtime", int64(1701173466)}, {"build_id", b.ID}, {"buildroot_id", int64(966)},
		{"external_repo_id", int64(0)}, {"external_repo_name", "INTERNAL"}, {"metadata_only", false}, {"extra", nil},
	}
}
