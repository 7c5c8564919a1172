package deb

import (
	"slices"
	"testing"
)

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"6.1.192-2", "6.1.192-1", 1},
		{"6.1.190-1", "6.1.192-1", -1},
		{"6.12.95-1~bpo12+1", "6.12.95-1", -1}, // backport sorts before the release it backports
		{"6.12.117-1~deb12u1", "6.12.115-2~deb12u1", 1},
		{"6.8.0-149.149", "6.8.0-149.149.1", -1},
		{"7.0.0-43.43~24.04.1", "7.0.0-43.43", -1},
		{"6.8.0-1069.74", "6.8.0-149.149", 1}, // numeric, not lexical
		{"1:1.0", "9.9", 1},                   // epoch wins
		{"1.0", "1.0", 0},
		{"1.0", "not a version", -1}, // unparsable sorts last
		{"not a version", "1.0", 1},
		{"a", "b", -1}, // both unparsable: string order
		{"", "", 0},
	}
	for _, tt := range tests {
		if got := CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}

	vs := []string{"bogus version", "6.1.192-2", "6.1.187-1", "6.1.192-1", "6.1.190-1"}
	slices.SortFunc(vs, CompareVersions)
	want := []string{"6.1.187-1", "6.1.190-1", "6.1.192-1", "6.1.192-2", "bogus version"}
	if !slices.Equal(vs, want) {
		t.Errorf("sorted = %q, want %q", vs, want)
	}
}
