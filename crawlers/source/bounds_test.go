package source

import (
	"errors"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen"
)

func TestParseKojiBounds(t *testing.T) {
	day := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name        string
		since       string
		newest      int
		newestGiven bool
		want        KojiOptions
	}{
		{"no date: the count bounds", "", 10, false, KojiOptions{Newest: 10, Timeout: time.Minute}},
		{"a date alone bounds", "2026-01-31", 10, false, KojiOptions{Since: day, Timeout: time.Minute}},
		{"a date and a count given: both", "2026-01-31", 5, true, KojiOptions{Since: day, Newest: 5, Timeout: time.Minute}},
		{"RFC 3339", "2026-01-31T00:00:00Z", 10, false, KojiOptions{Since: day, Timeout: time.Minute}},
	} {
		got, err := ParseKojiBounds(c.since, c.newest, c.newestGiven, time.Minute)
		if err != nil || !got.Since.Equal(c.want.Since) || got.Newest != c.want.Newest || got.Timeout != c.want.Timeout {
			t.Errorf("%s: %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	for _, c := range []struct {
		name, since string
		newest      int
		timeout     time.Duration
		option      string
	}{
		{"a bad date", "31.1.2026", 10, time.Minute, "koji-since"},
		{"no timeout", "", 10, 0, "koji-timeout"},
		{"a negative count", "", -1, time.Minute, "koji-newest"},
	} {
		_, err := ParseKojiBounds(c.since, c.newest, false, c.timeout)
		var ue *matrixgen.UsageError
		if !errors.As(err, &ue) || ue.Option != c.option {
			t.Errorf("%s: %v, want a usage error naming %s", c.name, err, c.option)
		}
	}
}
