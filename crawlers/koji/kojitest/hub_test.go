package kojitest

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen/crawlers/koji"
)

// recorder is a T that keeps what the hub reports instead of failing the test.
type recorder struct{ msgs []string }

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

// TestBind: the hub refuses calls that Koji's signatures would refuse, with a
// ParameterError fault and a report to the test.
func TestBind(t *testing.T) {
	tests := []struct {
		name   string
		method string
		args   []koji.Value
		kw     map[string]koji.Value
		report string // "" = a valid call
	}{
		{"positional and keyword", "getBuild", []koji.Value{"kernel-1-1.fc41"}, map[string]koji.Value{"strict": true}, ""},
		{"all keywords", "listBuilds", nil, map[string]koji.Value{"packageID": int64(8), "queryOpts": map[string]koji.Value{"limit": int64(1)}}, ""},
		{"unknown keyword", "listBuilds", nil, map[string]koji.Value{"package": "kernel"}, `unexpected keyword argument "package"`},
		{"too many positional", "getPackageID", []koji.Value{"kernel", false, 1}, nil, "3 positional params, the signature has 2"},
		{"twice", "getBuild", []koji.Value{"x"}, map[string]koji.Value{"buildInfo": "y"}, `multiple values for argument "buildInfo"`},
		{"missing required", "listTagged", nil, map[string]koji.Value{"package": "kernel"}, `missing required argument "tag"`},
		{"not a method the client calls", "deleteBuild", []koji.Value{"x"}, nil, `method "deleteBuild" is not one the client should call`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			h := &Hub{T: rec, Packages: map[string]int64{"kernel": 8}, Builds: []Build{{ID: 1, Name: "kernel", Version: "1", Release: "1.fc41", State: koji.Complete}}}
			srv := httptest.NewServer(h)
			defer srv.Close()
			body, err := koji.EncodeCall(tc.method, tc.args, tc.kw)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Post(srv.URL, "text/xml", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			_, derr := koji.DecodeResponse(resp.Body)
			var f *koji.Fault
			switch {
			case tc.report == "":
				if derr != nil || len(rec.msgs) > 0 {
					t.Fatalf("valid call refused: %v %v", derr, rec.msgs)
				}
			case !errors.As(derr, &f) || f.Code != 1009 || len(rec.msgs) != 1 || !strings.Contains(rec.msgs[0], tc.report):
				t.Fatalf("got %v, reports %q; want fault 1009 and a report containing %q", derr, rec.msgs, tc.report)
			}
		})
	}
}

// TestMarshalResponse: the bytes are Python's Marshaller's, as FORMATS.md § Koji shows them.
func TestMarshalResponse(t *testing.T) {
	got, err := MarshalResponse(orderedStruct{{"build_id", int64(628)}, {"epoch", nil}, {"size", int64(5368709120)}, {"nvr", "a<b"}})
	if err != nil {
		t.Fatal(err)
	}
	const want = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n" +
		"<member>\n<name>build_id</name>\n<value><int>628</int></value>\n</member>\n" +
		"<member>\n<name>epoch</name>\n<value><nil/></value></member>\n" +
		"<member>\n<name>size</name>\n<value><i8>5368709120</i8></value>\n</member>\n" +
		"<member>\n<name>nvr</name>\n<value><string>a&lt;b</string></value>\n</member>\n" +
		"</struct></value>\n</param>\n</params>\n</methodResponse>\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	v, err := koji.DecodeResponse(strings.NewReader(string(got)))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]koji.Value)
	if m["build_id"] != int64(628) || m["epoch"] != nil || m["size"] != int64(5368709120) || m["nvr"] != "a<b" {
		t.Fatalf("decoded %v", m)
	}
}
