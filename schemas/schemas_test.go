package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/matrixgen/matrixgen/internal/jsonpos"
)

// falcoCorpus is the real Falco kernel-crawler output of 2022-08-29, unchanged.
const falcoCorpus = "../fixtures/kernel-crawler-2022-08/x86_64.json"

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kindOfFile maps examples/<kind>.json to its kind.
func kindOfFile(t *testing.T, path string) Kind {
	t.Helper()
	k := Kind(strings.TrimSuffix(filepath.Base(path), ".json"))
	if !slices.Contains(Kinds(), k) {
		t.Fatalf("%s: file name names no kind; want one of %v", path, Kinds())
	}
	return k
}

func TestExamplesAreValid(t *testing.T) {
	files, err := filepath.Glob("examples/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var seen []Kind
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			want := kindOfFile(t, path)
			seen = append(seen, want)
			data := readFile(t, path)
			got, err := Detect(data)
			if err != nil || got != want {
				t.Fatalf("Detect(%s) = %q, %v; want %q", path, got, err, want)
			}
			if err := Validate(want, data); err != nil {
				t.Errorf("Validate(%q, %s): %v", want, path, err)
			}
			if got, err := ValidateAny(data); err != nil || got != want {
				t.Errorf("ValidateAny(%s) = %q, %v; want %q, nil", path, got, err, want)
			}
		})
	}
	slices.Sort(seen)
	all := Kinds()
	slices.Sort(all)
	if !slices.Equal(seen, all) {
		t.Errorf("examples/ covers kinds %v, want one example for each of %v", seen, all)
	}
}

func TestInvalidExamplesFail(t *testing.T) {
	// Every violation each file must report, by JSON pointer; nothing else may be reported.
	want := map[string][]string{
		"kernels.json": {
			"/x86-64",                 // unknown architecture
			"/x86_64/0/kernelrelease", // "$(" and "{" in a release
			"/x86_64/1/flavor",        // unknown field
			"/x86_64/1/target",        // a Falco target, not a distribution
			"/x86_64/2/distroversion", // empty
			"/x86_64/2/kernelrelease", // "/" and ".."
		},
		"crawl.json": {
			"/debian/0/headers/0",     // file:// URL
			"/debian/1/carried_over",  // a string, not a boolean
			"/debian/1/distroversion", // missing
		},
		"falco-list.json": {
			"/Minikube/0",             // neither headers nor kernelconfigdata
			"/Ubuntu/0/kernelrelease", // ";"
		},
		"matrix.json": {
			"/include/0/artifact",       // leading "-"
			"/include/0/cache_key",      // four parts
			"/include/0/kernel_release", // ";"
		},
		"distros.json": {
			"/0/arches/0",      // not a build arch
			"/0/crawled",       // not a boolean
			"/0/default_image", // no {version}
			"/0/name",          // capital letter
		},
		"plan.json": {
			"/builds/0/artifact", // leading "-"
			"/chunk_size",        // over 256
			"/sha256",            // not hex
		},
	}
	files, err := filepath.Glob("examples/invalid/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Errorf("examples/invalid has %d files, the test knows %d: keep them in step", len(files), len(want))
	}
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			pointers, ok := want[filepath.Base(path)]
			if !ok {
				t.Fatalf("%s: add its expected pointers to this test", path)
			}
			kind := kindOfFile(t, path)
			data := readFile(t, path)
			if got, err := Detect(data); err != nil || got != kind {
				t.Fatalf("Detect(%s) = %q, %v; want %q", path, got, err, kind)
			}
			err := Validate(kind, data)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate(%q, %s) = %v; want a *ValidationError", kind, path, err)
			}
			var got []string
			for _, v := range ve.Violations {
				if !slices.Contains(got, v.Pointer) {
					got = append(got, v.Pointer)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, pointers) {
				t.Errorf("%s: violations at %q, want %q\nerror: %v", path, got, pointers, err)
			}
			for _, p := range pointers {
				if !strings.Contains(err.Error(), p+": ") {
					t.Errorf("%s: error does not name %s:\n%v", path, p, err)
				}
			}
			if k, err2 := ValidateAny(data); k != kind || err2 == nil || err2.Error() != err.Error() {
				t.Errorf("ValidateAny(%s) = %q, %v; want %q, %v", path, k, err2, kind, err)
			}
		})
	}
}

func TestFalcoCorpusValidates(t *testing.T) {
	data := readFile(t, falcoCorpus)
	if k, err := Detect(data); err != nil || k != FalcoList {
		t.Fatalf("Detect(%s) = %q, %v; want %q", falcoCorpus, k, err, FalcoList)
	}
	if err := Validate(FalcoList, data); err != nil {
		t.Fatalf("Validate(falco-list, %s): %v", falcoCorpus, err)
	}
	// It must fail as crawl output, for the reason that tells the two apart.
	err := Validate(Crawl, data)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate(crawl, %s) = %v; want a *ValidationError", falcoCorpus, err)
	}
	const entries = 4450 // README of the fixture
	missing := 0
	for _, v := range ve.Violations {
		if strings.HasSuffix(v.Pointer, "/distroversion") {
			missing++
		}
	}
	if missing != entries {
		t.Errorf("Validate(crawl, %s): %d entries lack distroversion, want %d", falcoCorpus, missing, entries)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("and %d more", len(ve.Violations)-maxShown)) {
		t.Errorf("error for %d violations does not cap its listing:\n%.500s", len(ve.Violations), err)
	}
}

// The excerpt must be real bytes: each of its entries appears verbatim in the corpus.
func TestFalcoExcerptIsVerbatim(t *testing.T) {
	corpus := readFile(t, falcoCorpus)
	var excerpt map[string][]json.RawMessage
	if err := json.Unmarshal(readFile(t, "examples/falco-list.json"), &excerpt); err != nil {
		t.Fatal(err)
	}
	if len(excerpt) < 3 {
		t.Errorf("examples/falco-list.json has %d distros, want at least 3", len(excerpt))
	}
	for distro, entries := range excerpt {
		for i, raw := range entries {
			if !bytes.Contains(corpus, raw) {
				t.Errorf("examples/falco-list.json /%s/%d is not a verbatim excerpt of %s:\n%.300s", distro, i, falcoCorpus, raw)
			}
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Kind
		wantErr string // substring; "" means no error
	}{
		{"matrix", `{"include":[]}`, Matrix, ""},
		{"plan", `{"matrixgen_plan":1,"builds":[]}`, Plan, ""},
		{"matrix wins over arch keys", `{"include":[],"x86_64":[]}`, Matrix, ""},
		{"kernels", `{"x86_64":[{"target":"ubuntu","kernelrelease":"6.8.0-51-generic","distroversion":"24.04"}]}`, Kernels, ""},
		{"kernels, every arch", `{"x86_64":[],"aarch64":[],"riscv64":[],"aarch64+64k":[]}`, Kernels, ""},
		{"empty object is an empty demand list", `{}`, Kernels, ""},
		{"kernels with a misspelt arch", `{"amd64":[{"target":"debian","kernelrelease":"6.1.0-53-amd64","distroversion":"12"}]}`, Kernels, ""},
		{"crawl", `{"debian":[{"kernelversion":"1","kernelrelease":"6.1.0-53-amd64","target":"debian","headers":[],"distroversion":"12"}]}`, Crawl, ""},
		{"crawl with one entry missing distroversion", `{"debian":[{"kernelversion":1,"kernelrelease":"a","target":"debian","headers":[]},{"kernelversion":1,"kernelrelease":"b","target":"debian","headers":[],"distroversion":"12"}]}`, Crawl, ""},
		{"falco list", `{"Ubuntu":[{"kernelversion":"24~18.04.1","kernelrelease":"4.18.0-1023-azure","target":"ubuntu-azure","headers":[]}]}`, FalcoList, ""},
		{"falco list with kernelconfigdata", `{"Minikube":[{"kernelversion":"1_1.24.0","kernelrelease":"4.19.202","target":"minikube","kernelconfigdata":"IyBD"}]}`, FalcoList, ""},
		{"top-level array", `[{"include":[]}]`, "", "the top-level value is an array"},
		{"distros", `[{"name":"debian"}]`, Distros, ""},
		{"top-level string", `"x86_64"`, "", "the top-level value is a string"},
		{"key holds a string", `{"debian":"6.1.0-53-amd64"}`, "", `key "debian" holds a string`},
		{"only empty lists", `{"debian":[],"ubuntu":[]}`, "", "every list is empty"},
		{"entries without kernelrelease", `{"debian":[{"name":"linux"}]}`, "", "no entry has a kernelrelease"},
		{"malformed", `{"x86_64": [}`, "", "line 1, column 13: malformed JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Detect([]byte(tc.in))
			if tc.wantErr == "" {
				if err != nil || got != tc.want {
					t.Fatalf("Detect(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Detect(%s) = %q, %v; want error containing %q", tc.in, got, err, tc.wantErr)
			}
			var se *jsonpos.Error
			if !errors.Is(err, ErrUnknownFormat) && !(errors.As(err, &se) && errors.Is(err, ErrMalformed)) {
				t.Errorf("Detect(%s) error %v is neither ErrUnknownFormat nor a malformed-JSON *jsonpos.Error", tc.in, err)
			}
		})
	}
}

// matrixEntry returns a valid matrix entry with the given fields overridden; a nil value
// deletes the field.
func matrixEntry(over map[string]any) map[string]any {
	e := map[string]any{
		"distribution":   "ubuntu",
		"distro_version": "24.04",
		"kernel_release": "6.8.0-1048-gcp",
		"architecture":   "x86_64",
		"driver_version": "0.38.0",
		"base_image":     "ubuntu:24.04",
		"cache_key":      "6.8.0-1048-gcp:x86_64:ubuntu:24.04:0.38.0",
		"artifact":       "falco-ubuntu-6.8.0-1048-gcp_0.38.0_amd64.deb",
	}
	for k, v := range over {
		if v == nil {
			delete(e, k)
		} else {
			e[k] = v
		}
	}
	return e
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestValidate(t *testing.T) {
	many := make([]any, 257)
	for i := range many {
		many[i] = matrixEntry(nil)
	}
	kernel := func(release, distroversion string) string {
		return fmt.Sprintf(`{"x86_64":[{"target":"ubuntu","kernelrelease":%q,"distroversion":%q}]}`, release, distroversion)
	}
	crawl := func(entry string) string { return `{"debian":[` + entry + `]}` }
	tests := []struct {
		name    string
		kind    Kind
		in      string
		pointer string // "" with msg "" means valid
		msg     string // substring of that violation's message
	}{
		{"kernels ok", Kernels, kernel("6.12.95+deb12-amd64", "12"), "", ""},
		{"kernels tilde release", Kernels, kernel("5.18.2-1~bpo11+1-amd64", "11"), "", ""},
		{"kernels release with ..", Kernels, kernel("6.1..0", "12"), "/x86_64/0/kernelrelease", `"6.1..0" must not match pattern \.\.`},
		{"kernels release with $(", Kernels, kernel("6.1$(id)", "12"), "/x86_64/0/kernelrelease", `"6.1$(id)" does not match pattern`},
		{"kernels release starts with a letter", Kernels, kernel("v6.1", "12"), "/x86_64/0/kernelrelease", "does not match pattern"},
		{"kernels release too long", Kernels, kernel("6"+strings.Repeat("1", 128), "12"), "/x86_64/0/kernelrelease", "at most 128"},
		{"kernels distroversion too long", Kernels, kernel("6.1", strings.Repeat("1", 33)), "/x86_64/0/distroversion", "at most 32"},
		{"kernels distroversion with ..", Kernels, kernel("6.1", "1..2"), "/x86_64/0/distroversion", `"1..2" must not match pattern`},
		{"kernels missing release", Kernels, `{"aarch64":[{"target":"debian","distroversion":"12"}]}`, "/aarch64/0/kernelrelease", "required property is missing"},
		{"kernels duplicate entry", Kernels, `{"riscv64":[{"target":"debian","kernelrelease":"6.12.107+deb13-riscv64","distroversion":"13"},{"target":"debian","kernelrelease":"6.12.107+deb13-riscv64","distroversion":"13"}]}`, "/riscv64/1", "the same as item 0"},
		{"kernels unknown arch lists allowed ones", Kernels, `{"arm64":[]}`, "/arm64", "allowed: aarch64, aarch64+64k, riscv64, x86_64"},
		{"kernels arch holds an object", Kernels, `{"x86_64":{}}`, "/x86_64", "got object, want array"},

		{"crawl ok, integer kernelversion, empty headers", Crawl, crawl(`{"kernelversion":1,"kernelrelease":"6.1.0-53-amd64","target":"debian","headers":[],"distroversion":"12"}`), "", ""},
		{"crawl ok, carried over", Crawl, crawl(`{"kernelversion":"51","kernelrelease":"6.8.0-1048-gcp","target":"ubuntu-nvidia-lowlatency","headers":["http://a/b.deb"],"distroversion":"24.04","carried_over":true}`), "", ""},
		{"crawl ok, livepatch", Crawl, crawl(`{"kernelversion":1,"kernelrelease":"6.1.153-175.280.amzn2023.x86_64","target":"amazonlinux2023","headers":[],"distroversion":"2023","source":"livepatch"}`), "", ""},
		{"crawl ok, fedora-coreos stream and build", Crawl, `{"fedora":[{"kernelversion":1,"kernelrelease":"7.1.3-200.fc44.x86_64","target":"fedora","headers":[],"distroversion":"44","source":"fedora-coreos","stream":"stable","build":"44.20260707.3.1"}]}`, "", ""},
		{"crawl fedora-coreos stream without build", Crawl, `{"fedora":[{"kernelversion":1,"kernelrelease":"7.1.3-200.fc44.x86_64","target":"fedora","headers":[],"distroversion":"44","source":"fedora-coreos","stream":"stable"}]}`, "/fedora/0", "build"},
		{"crawl build without source", Crawl, `{"fedora":[{"kernelversion":1,"kernelrelease":"7.1.3-200.fc44.x86_64","target":"fedora","headers":[],"distroversion":"44","stream":"stable","build":"44.20260707.3.1"}]}`, "/fedora/0", "source"},
		{"crawl fedora-coreos build with a slash", Crawl, `{"fedora":[{"kernelversion":1,"kernelrelease":"7.1.3-200.fc44.x86_64","target":"fedora","headers":[],"distroversion":"44","source":"fedora-coreos","stream":"stable","build":"44.20260707.3.1/../x"}]}`, "/fedora/0/build", "does not match pattern"},
		{"crawl ok, rhcos with its z-streams and build image", Crawl, `{"rhcos":[{"kernelversion":1,"kernelrelease":"5.14.0-284.54.1.el9_2.aarch64+64k","target":"rhcos","headers":[],"distroversion":"4.15","openshift_releases":["4.15.9","4.15.10"],"build_image":"quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0000000000000000000000000000000000000000000000000000000000000000"}]}`, "", ""},
		{"crawl rhcos build image by tag", Crawl, `{"rhcos":[{"kernelversion":1,"kernelrelease":"5.14.0-284.54.1.el9_2.aarch64+64k","target":"rhcos","headers":[],"distroversion":"4.15","build_image":"quay.io/openshift-release-dev/ocp-v4.0-art-dev:4.15"}]}`, "/rhcos/0/build_image", "does not match pattern"},
		{"crawl rhcos build image with a scheme", Crawl, `{"rhcos":[{"kernelversion":1,"kernelrelease":"5.14.0-284.54.1.el9_2.aarch64+64k","target":"rhcos","headers":[],"distroversion":"4.15","build_image":"https://quay.io/x@sha256:0000000000000000000000000000000000000000000000000000000000000000"}]}`, "/rhcos/0/build_image", "does not match pattern"},
		{"crawl rhcos release not a z-stream", Crawl, `{"rhcos":[{"kernelversion":1,"kernelrelease":"5.14.0-284.54.1.el9_2.aarch64+64k","target":"rhcos","headers":[],"distroversion":"4.15","openshift_releases":["4.15"]}]}`, "/rhcos/0/openshift_releases/0", "does not match pattern"},
		{"crawl rhcos no releases", Crawl, `{"rhcos":[{"kernelversion":1,"kernelrelease":"5.14.0-284.54.1.el9_2.aarch64+64k","target":"rhcos","headers":[],"distroversion":"4.15","openshift_releases":[]}]}`, "/rhcos/0/openshift_releases", "want at least 1"},
		{"crawl source not an origin", Crawl, crawl(`{"kernelversion":1,"kernelrelease":"6.1.0-28-amd64","target":"debian","headers":[],"distroversion":"12","source":"http://a/Packages.xz"}`), "/debian/0/source", ""},
		{"crawl negative kernelversion", Crawl, crawl(`{"kernelversion":-1,"kernelrelease":"6.1","target":"debian","headers":[],"distroversion":"12"}`), "/debian/0/kernelversion", "minimum"},
		{"crawl fractional kernelversion", Crawl, crawl(`{"kernelversion":1.5,"kernelrelease":"6.1","target":"debian","headers":[],"distroversion":"12"}`), "/debian/0/kernelversion", "want integer or string"},
		{"crawl relative header", Crawl, crawl(`{"kernelversion":1,"kernelrelease":"6.1","target":"debian","headers":["pool/main/l/linux.deb"],"distroversion":"12"}`), "/debian/0/headers/0", "is not a valid uri: relative url"},
		{"crawl header with a space", Crawl, crawl(`{"kernelversion":1,"kernelrelease":"6.1","target":"debian","headers":["http://a b/c"],"distroversion":"12"}`), "/debian/0/headers/0", "is not a valid uri"},
		{"crawl kernelconfigdata is Falco only", Crawl, crawl(`{"kernelversion":1,"kernelrelease":"6.1","target":"debian","headers":[],"distroversion":"12","kernelconfigdata":"IyBD"}`), "/debian/0/kernelconfigdata", "property is not allowed"},
		{"crawl distro key with a space", Crawl, `{"Amazon Linux":[]}`, "/Amazon Linux", `key is not allowed: "Amazon Linux" does not match pattern`},
		{"crawl distro key with a slash is escaped", Crawl, `{"a/b":[]}`, "/a~1b", "key is not allowed"},

		{"falco list distroversion optional", FalcoList, crawl(`{"kernelversion":1,"kernelrelease":"6.1","target":"photonOS","headers":[]}`), "", ""},
		{"falco list needs headers or config", FalcoList, crawl(`{"kernelversion":1,"kernelrelease":"6.1","target":"debian"}`), "/debian/0", "needs one of the properties headers, kernelconfigdata"},
		{"falco list config not base64", FalcoList, crawl(`{"kernelversion":1,"kernelrelease":"6.1","target":"minikube","kernelconfigdata":"not base64!"}`), "/debian/0/kernelconfigdata", "does not match pattern"},

		{"matrix ok", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(nil)}}), "", ""},
		{"matrix empty driver version", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"driver_version": "", "cache_key": "6.8.0-1048-gcp:x86_64:ubuntu:24.04:"})}}), "", ""},
		{"matrix user axis", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"nvlink": "nvf1.0"})}}), "", ""},
		{"matrix 256 builds", Matrix, mustJSON(t, map[string]any{"include": many[:256]}), "", ""},
		{"matrix 257 builds", Matrix, mustJSON(t, map[string]any{"include": many}), "/include", "has 257 items, want at most 256"},
		{"matrix no include", Matrix, `{}`, "/include", "required property is missing"},
		{"matrix user axis not a string", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"nvlink": 1})}}), "/include/0/nvlink", "got number, want string"},
		{"matrix user axis bad name", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"a b": "c"})}}), "/include/0/a b", "key is not allowed"},
		{"matrix missing artifact", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"artifact": nil})}}), "/include/0/artifact", "required property is missing"},
		{"matrix cache key with 4 parts", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"cache_key": "6.8.0-1048-gcp:x86_64:ubuntu:24.04"})}}), "/include/0/cache_key", "does not match pattern"},
		{"matrix cache key with 6 parts", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"cache_key": "6.8.0-1048-gcp:x86_64:ubuntu:24.04:0.38.0:x"})}}), "/include/0/cache_key", "does not match pattern"},
		{"matrix unknown arch", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"architecture": "amd64"})}}), "/include/0/architecture", "value must be one of"},
		{"matrix artifact with ..", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"artifact": "../../x.deb"})}}), "/include/0/artifact", "does not match pattern"},
		{"matrix artifact of a template without driver version", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"artifact": "-6.1.0-55-amd64-debian12"})}}), "/include/0/artifact", "does not match pattern"},
		{"matrix artifact with a slash", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"artifact": "a/b.deb"})}}), "/include/0/artifact", "does not match pattern"},
		{"matrix user axis value with a space", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"nvlink": "nvf 1.0"})}}), "/include/0/nvlink", "does not match pattern"},
		{"matrix driver version with ..", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"driver_version": "1..0", "cache_key": "6.8.0-1048-gcp:x86_64:ubuntu:24.04:1..0"})}}), "/include/0/driver_version", "must not match pattern"},
		{"matrix base image with a space", Matrix, mustJSON(t, map[string]any{"include": []any{matrixEntry(map[string]any{"base_image": "ubuntu 24.04"})}}), "/include/0/base_image", "does not match pattern"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.kind, []byte(tc.in))
			if tc.pointer == "" {
				if err != nil {
					t.Fatalf("Validate(%q, %.200s): %v", tc.kind, tc.in, err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate(%q, %.200s) = %v; want a *ValidationError", tc.kind, tc.in, err)
			}
			for _, v := range ve.Violations {
				if v.Pointer == tc.pointer && strings.Contains(v.Message, tc.msg) {
					return
				}
			}
			t.Errorf("Validate(%q, %.200s): no violation at %q containing %q; got:\n%v", tc.kind, tc.in, tc.pointer, tc.msg, err)
		})
	}
}

func TestValidateUnknownKind(t *testing.T) {
	err := Validate("kernel", []byte(`{}`))
	if !errors.Is(err, ErrUnknownKind) || !strings.Contains(err.Error(), `"kernel"`) {
		t.Errorf(`Validate("kernel") = %v; want ErrUnknownKind naming "kernel"`, err)
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		line, col int
		msg       string
	}{
		{"empty", "", 1, 1, "empty input"},
		{"blank", " \n\t", 2, 2, "empty input"},
		{"truncated", "{\n  \"x86_64\": [", 2, 14, "unexpected end of JSON input"},
		{"missing comma", "{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3, `invalid character '"' after object key:value pair`},
		{"trailing comma", `{"include":[1,]}`, 1, 15, "invalid character ']'"},
		{"second value", "{}\n{}", 2, 1, "after top-level value"},
		{"bad literal", `{"a":tru}`, 1, 9, "in literal true"},
		{"column counts characters", `{"é":"ü" x}`, 1, 10, "invalid character 'x'"},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", 1, 7, "invalid UTF-8"},
		{"duplicate key", "{\n  \"x86_64\": [],\n  \"x86_64\": []\n}", 3, 3, `duplicate key "x86_64" in the object at (document root)`},
		{"duplicate nested key", `{"include":[{"a":"1","a":"2"}]}`, 1, 22, `duplicate key "a" in the object at /include/0`},
		{"too deep", strings.Repeat("[", 100) + strings.Repeat("]", 100), 1, 66, "nested deeper than 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, kind := range Kinds() {
				err := Validate(kind, []byte(tc.in))
				var se *jsonpos.Error
				if !errors.As(err, &se) || !errors.Is(err, ErrMalformed) {
					t.Fatalf("Validate(%q, %q) = %v; want a *jsonpos.Error wrapping ErrMalformed", kind, tc.in, err)
				}
				if se.Line != tc.line || se.Col != tc.col || !strings.Contains(se.Error(), tc.msg) {
					t.Errorf("Validate(%q, %q) = %v (line %d, column %d); want line %d, column %d, %q",
						kind, tc.in, err, se.Line, se.Col, tc.line, tc.col, tc.msg)
				}
				want := fmt.Sprintf("line %d, column %d: malformed JSON: ", tc.line, tc.col)
				if !strings.HasPrefix(err.Error(), want) {
					t.Errorf("Validate(%q, %q) = %q; want prefix %q", kind, tc.in, err, want)
				}
			}
			if _, err := Detect([]byte(tc.in)); err == nil {
				t.Errorf("Detect(%q) accepted malformed input", tc.in)
			}
			if _, err := ValidateAny([]byte(tc.in)); err == nil {
				t.Errorf("ValidateAny(%q) accepted malformed input", tc.in)
			}
		})
	}
}

func TestSchema(t *testing.T) {
	for _, kind := range Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			raw := Schema(kind)
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("Schema(%q) is not JSON: %v", kind, err)
			}
			if got := doc["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
				t.Errorf("Schema(%q) $schema = %v, want draft 2020-12", kind, got)
			}
			if id, _ := doc["$id"].(string); !strings.HasSuffix(id, "/schemas/"+string(kind)+".schema.json") {
				t.Errorf("Schema(%q) $id = %q, want it to end in /schemas/%s.schema.json", kind, id, kind)
			}
			raw[0] = 'X'
			if Schema(kind)[0] != '{' {
				t.Errorf("Schema(%q) shares its bytes between callers", kind)
			}
		})
	}
	if got := Schema("nope"); got != nil {
		t.Errorf(`Schema("nope") = %.40q, want nil`, got)
	}
}

// defs returns the $defs of kind's schema, without descriptions and examples.
func defs(t *testing.T, kind Kind) map[string]any {
	t.Helper()
	var doc struct {
		Defs map[string]map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(kind), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for name, d := range doc.Defs {
		delete(d, "description")
		delete(d, "examples")
		out[name] = d
	}
	return out
}

// The schemas stay self-contained (no cross-file $ref, so any tool can use one alone);
// this keeps their copies of the shared rules identical.
func TestSharedDefsAgree(t *testing.T) {
	shared := map[string][]Kind{
		"release":       {Kernels, Crawl, FalcoList, Matrix, Plan},
		"distroversion": {Kernels, Crawl, FalcoList, Matrix, Plan},
		"build":         {Matrix, Plan},
		"arch":          {Matrix, Plan},
		"kernelversion": {Crawl, FalcoList},
		"target":        {Crawl, FalcoList},
		"headers":       {Crawl, FalcoList},
		"distroKey":     {Crawl, FalcoList},
	}
	for name, kinds := range shared {
		first := defs(t, kinds[0])[name]
		if first == nil {
			t.Errorf("%s has no $defs/%s", fileName(kinds[0]), name)
			continue
		}
		for _, k := range kinds[1:] {
			if got := defs(t, k)[name]; !reflect.DeepEqual(got, first) {
				t.Errorf("$defs/%s differs:\n%s: %v\n%s: %v", name, fileName(kinds[0]), first, fileName(k), got)
			}
		}
	}
}

// Detect's architecture list must be the schemas' one.
func TestArchesMatchSchemas(t *testing.T) {
	var want []string
	for a := range arches {
		want = append(want, a)
	}
	sort.Strings(want)

	var kernels struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(Schema(Kernels), &kernels); err != nil {
		t.Fatal(err)
	}
	var got []string
	for a := range kernels.Properties {
		got = append(got, a)
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("kernels.schema.json architectures %v, Detect knows %v", got, want)
	}

	var enum []string
	for _, a := range defs(t, Matrix)["arch"].(map[string]any)["enum"].([]any) {
		enum = append(enum, a.(string))
	}
	sort.Strings(enum)
	if !slices.Equal(enum, want) {
		t.Errorf("matrix.schema.json architectures %v, Detect knows %v", enum, want)
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	data := map[Kind][]byte{}
	for _, k := range Kinds() {
		data[k] = readFile(t, filepath.Join("examples", string(k)+".json"))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(data))
	for range 4 {
		for k, b := range data {
			wg.Go(func() {
				if err := Validate(k, b); err != nil {
					errs <- fmt.Errorf("Validate(%q): %w", k, err)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func FuzzDetect(f *testing.F) {
	seeds, err := filepath.Glob("examples/*.json")
	if err != nil {
		f.Fatal(err)
	}
	invalid, err := filepath.Glob("examples/invalid/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range append(seeds, invalid...) {
		f.Add(readFile(f, path))
	}
	for _, s := range []string{``, `{}`, `[]`, `{"include":[]}`, `{"a":1,"a":2}`, `{"x86_64":[}`, "{\"\xff\":1}", `{"debian":[]}`, `{} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		kind, detectErr := Detect(data)
		anyKind, anyErr := ValidateAny(data)
		if !json.Valid(data) {
			var se *jsonpos.Error
			if !errors.As(detectErr, &se) || !errors.As(anyErr, &se) || !errors.Is(detectErr, ErrMalformed) {
				t.Fatalf("malformed %q: Detect = %q, %v; ValidateAny = %q, %v; want a malformed-JSON *jsonpos.Error", data, kind, detectErr, anyKind, anyErr)
			}
			for _, k := range Kinds() {
				if err := Validate(k, data); !errors.As(err, &se) || !errors.Is(err, ErrMalformed) {
					t.Fatalf("malformed %q: Validate(%q) = %v; want a malformed-JSON *jsonpos.Error", data, k, err)
				}
			}
			return
		}
		if detectErr == nil && anyKind != kind {
			t.Fatalf("%q: Detect = %q but ValidateAny = %q", data, kind, anyKind)
		}
		if anyErr == nil {
			if err := Validate(anyKind, data); err != nil {
				t.Fatalf("%q: ValidateAny accepted it as %q, Validate rejects it: %v", data, anyKind, err)
			}
		}
	})
}
