package koji

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// getBuild628 is a getBuild answer as Koji's marshaller writes it (FORMATS.md § Koji), with
// the values of the recorded getBuild(628) call in pages_calls-excerpt.json.
const getBuild628 = `<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><struct>
<member>
<name>build_id</name>
<value><int>628</int></value>
</member>
<member>
<name>completion_ts</name>
<value><double>1701173516.98622</double></value>
</member>
<member>
<name>epoch</name>
<value><nil/></value></member>
<member>
<name>extra</name>
<value><struct>
<member>
<name>typeinfo</name>
<value><struct>
<member>
<name>rpm</name>
<value><nil/></value></member>
</struct></value>
</member>
</struct></value>
</member>
<member>
<name>draft</name>
<value><boolean>0</boolean></value>
</member>
<member>
<name>nvr</name>
<value><string>koji-1.21.0-17.el6_10</string></value>
</member>
<member>
<name>size</name>
<value><i8>5368709120</i8></value>
</member>
<member>
<name>when</name>
<value><dateTime.iso8601>20231128T12:11:56</dateTime.iso8601></value>
</member>
<member>
<name>blob</name>
<value><base64>
aGVs
bG8=
</base64></value>
</member>
<member>
<name>bare</name>
<value>text &amp; more</value>
</member>
<member>
<name>state</name>
<value><int>1</int></value>
</member>
</struct></value>
</param>
</params>
</methodResponse>
`

func TestDecodeResponse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Value
		wantErr string
		fault   *Fault
	}{
		{name: "getBuild 628", in: getBuild628, want: map[string]Value{
			"build_id": int64(628), "completion_ts": 1701173516.98622, "epoch": nil,
			"extra": map[string]Value{"typeinfo": map[string]Value{"rpm": nil}}, "draft": false,
			"nvr": "koji-1.21.0-17.el6_10", "size": int64(5368709120), "when": time.Date(2023, 11, 28, 12, 11, 56, 0, time.UTC),
			"blob": []byte("hello"), "bare": "text & more", "state": int64(1)}},
		{name: "getPackageID nil", in: "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><nil/></value></param>\n</params>\n</methodResponse>\n", want: nil},
		{name: "empty array", in: "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n", want: []Value{}},
		{name: "fault", in: "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>1000</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>No such build: 'kernel-1-1'</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n",
			fault: &Fault{Code: 1000, String: "No such build: 'kernel-1-1'"}},
		{name: "html error page", in: "<html><body>502 Bad Gateway</body></html>", wantErr: "want <methodResponse>, found <html>"},
		{name: "truncated", in: "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>build_id</name>", wantErr: "unexpected EOF"},
		{name: "bad int", in: "<methodResponse><params><param><value><int>12x</int></value></param></params></methodResponse>", wantErr: "<int>12x</int>"},
		{name: "stray element in array", in: "<methodResponse><params><param><value><array><data><int>1</int></data></array></value></param></params></methodResponse>", wantErr: "want <value> in <array>, found <int>"},
		{name: "text in struct", in: "<methodResponse><params><param><value><struct>oops</struct></value></param></params></methodResponse>", wantErr: `unexpected text "oops" in <struct>`},
		{name: "member without name", in: "<methodResponse><params><param><value><struct><member><value>1</value></member></struct></value></param></params></methodResponse>", wantErr: "want <name>, found <value> in <member>"},
		{name: "array without data", in: "<methodResponse><params><param><value><array><value>1</value></array></value></param></params></methodResponse>", wantErr: "want <data>, found <value>"},
		{name: "unknown type", in: "<methodResponse><params><param><value><float>1</float></value></param></params></methodResponse>", wantErr: "unknown value type <float>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeResponse(strings.NewReader(tc.in))
			switch {
			case tc.fault != nil:
				var f *Fault
				if !errors.As(err, &f) || *f != *tc.fault {
					t.Fatalf("err = %v, want fault %+v", err, tc.fault)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !reflect.DeepEqual(got, tc.want):
				t.Fatalf("got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestEncodeCall(t *testing.T) {
	tests := []struct {
		name   string
		method string
		args   []Value
		kw     map[string]Value
		want   string
	}{
		{"positional only", "getBuild", []Value{"kernel-6.11.4-301.fc41"}, nil,
			"<?xml version='1.0'?>\n<methodCall>\n<methodName>getBuild</methodName>\n<params>\n<param>\n<value><string>kernel-6.11.4-301.fc41</string></value></param>\n</params>\n</methodCall>\n"},
		{"keywords as __starstar", "listRPMs", nil, map[string]Value{"buildID": int64(2575911), "arches": []string{"x86_64"}},
			"<?xml version='1.0'?>\n<methodCall>\n<methodName>listRPMs</methodName>\n<params>\n<param>\n<value><struct>\n<member>\n<name>__starstar</name>\n<value><boolean>1</boolean></value>\n</member>\n<member>\n<name>arches</name>\n<value><array><data>\n<value><string>x86_64</string></value>\n</data></array></value>\n</member>\n<member>\n<name>buildID</name>\n<value><int>2575911</int></value>\n</member>\n</struct></value></param>\n</params>\n</methodCall>\n"},
		{"i8 and nil", "x", []Value{int64(1) << 40, nil}, nil,
			"<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><i8>1099511627776</i8></value></param>\n<param>\n<value><nil/></value></param>\n</params>\n</methodCall>\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EncodeCall(tc.method, tc.args, tc.kw)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
			method, params, err := DecodeCall(strings.NewReader(string(got)))
			if err != nil {
				t.Fatal(err)
			}
			pos, kw := SplitKwargs(params)
			if method != tc.method || len(pos) != len(tc.args) || len(kw) != len(tc.kw) {
				t.Fatalf("decoded %s %v %v", method, pos, kw)
			}
		})
	}
}
