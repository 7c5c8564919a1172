package github

import (
	"fmt"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{name: "equal", a: "x\ny\n", b: "x\ny\n", want: ""},
		{name: "one line added", a: "{\n  \"x86_64\": [\n    {\"a\": 1}\n  ]\n}\n", b: "{\n  \"x86_64\": [\n    {\"a\": 1},\n    {\"b\": 2}\n  ]\n}\n",
			want: "--- a/k\n+++ b/k\n@@ -1,5 +1,6 @@\n {\n   \"x86_64\": [\n-    {\"a\": 1}\n+    {\"a\": 1},\n+    {\"b\": 2}\n   ]\n }\n"},
		{name: "from nothing", a: "", b: "a\nb\n", want: "--- a/k\n+++ b/k\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{name: "two hunks far apart", a: numbered(1, 20), b: "0\n" + numbered(1, 20) + "21\n",
			want: "--- a/k\n+++ b/k\n@@ -1,3 +1,4 @@\n+0\n 1\n 2\n 3\n@@ -18,3 +19,4 @@\n 18\n 19\n 20\n+21\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diff("a/k", "b/k", []byte(tt.a), []byte(tt.b)); got != tt.want {
				t.Errorf("Diff:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestDiffScatteredChanges: a PR that adds kernels near both ends of a large kernels.json
// shows those lines, not the whole file removed and added again.
func TestDiffScatteredChanges(t *testing.T) {
	var a, b strings.Builder
	a.WriteString("{\n  \"x86_64\": [\n")
	b.WriteString("{\n  \"x86_64\": [\n")
	b.WriteString(`    {"target": "almalinux", "kernelrelease": "4.18.0-80.el8.x86_64", "distroversion": "8"},` + "\n")
	const n = 3000
	for i := range n {
		l := fmt.Sprintf(`    {"target": "ubuntu", "kernelrelease": "6.8.0-%d-generic", "distroversion": "24.04"},`+"\n", 1000+i)
		a.WriteString(l)
		b.WriteString(l)
	}
	b.WriteString(`    {"target": "ubuntu", "kernelrelease": "6.8.0-9999-generic", "distroversion": "24.04"},` + "\n")
	a.WriteString("  ]\n}\n")
	b.WriteString("  ]\n}\n")
	d := Diff("a/kernels.json", "b/kernels.json", []byte(a.String()), []byte(b.String()))
	var plus, minus, hunks int
	for _, l := range strings.Split(d, "\n") {
		switch {
		case strings.HasPrefix(l, "@@"):
			hunks++
		case strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++"):
			plus++
		case strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---"):
			minus++
		}
	}
	if plus != 2 || minus != 0 || hunks != 2 {
		t.Errorf("%d hunks, %d added and %d removed lines (%d bytes of diff), want 2 hunks adding 2 lines", hunks, plus, minus, len(d))
	}
}

func numbered(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return b.String()
}
