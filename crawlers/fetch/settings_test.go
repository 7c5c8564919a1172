package fetch

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

// TestAnyLoopback: a crawl may reach loopback only when a mirror is there.
func TestAnyLoopback(t *testing.T) {
	for _, tt := range []struct {
		mirrors map[string]string
		want    bool
	}{
		{mirrors: nil},
		{mirrors: map[string]string{"debian": "https://mirrors.edge.kernel.org/debian"}},
		{mirrors: map[string]string{"debian": "https://mirrors.edge.kernel.org/debian", "fedora": "http://127.0.0.1:8080/fedora"}, want: true},
		{mirrors: map[string]string{"fedora": "http://localhost:8080/fedora"}, want: true},
		{mirrors: map[string]string{"fedora": "http://[::1]:8080/fedora"}, want: true},
	} {
		if got := AnyLoopback(tt.mirrors); got != tt.want {
			t.Errorf("AnyLoopback(%v) = %v, want %v", tt.mirrors, got, tt.want)
		}
	}
}

func TestParseMirrors(t *testing.T) {
	got, err := ParseMirrors([]string{"debian=http://127.0.0.1:8080/debian", "fedora=https://mirror.example/fedora=x"})
	want := map[string]string{"debian": "http://127.0.0.1:8080/debian", "fedora": "https://mirror.example/fedora=x"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	for _, v := range []string{"debian", "=http://x", "debian=ftp://x", "debian=127.0.0.1"} {
		_, err := ParseMirrors([]string{v})
		var ue *matrixgen.UsageError
		if !errors.As(err, &ue) || ue.Option != "mirror" || !strings.Contains(err.Error(), "want KEY=http(s)://URL") {
			t.Errorf("%q: %v, want a usage error naming mirror", v, err)
		}
	}
}
