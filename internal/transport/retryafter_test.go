package transport

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"zero seconds", "0", 0, true},
		{"seconds", "120", 2 * time.Minute, true},
		{"spaces around", " 7 ", 7 * time.Second, true},
		{"too large clamps", "99999999999999999999", time.Duration(1<<63 - 1), true},
		{"IMF-fixdate", "Thu, 20 Nov 2025 10:00:10 GMT", 10 * time.Second, true},
		{"obsolete RFC 850 date", "Thursday, 20-Nov-25 10:01:00 GMT", time.Minute, true},
		{"obsolete asctime date", "Thu Nov 20 10:00:30 2025", 30 * time.Second, true},
		{"a date in the past is no wait", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"a sign is not delay-seconds", "-3", 0, false},
		{"plus sign", "+3", 0, false},
		{"fraction", "1.5", 0, false},
		{"words", "soon", 0, false},
		{"empty", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RetryAfter(tt.in, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// FuzzRetryAfter: never a negative wait; delay-seconds read as the number
// they are; an HTTP-date as its distance from now.
func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, s := range []string{"0", "120", " 7 ", "-3", "1e3", "99999999999999999999", "Thu, 20 Nov 2025 10:00:10 GMT",
		"Thursday, 20-Nov-25 10:01:00 GMT", "Thu Nov 20 10:00:30 2025", "", "soon", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := RetryAfter(s, now)
		if d < 0 {
			t.Fatalf("RetryAfter(%q) = %v, negative", s, d)
		}
		if !ok && d != 0 {
			t.Fatalf("RetryAfter(%q) = %v, false: a refused value must be no wait", s, d)
		}
		if n, err := strconv.ParseUint(trimmed(s), 10, 32); err == nil && isDigits(trimmed(s)) {
			if !ok || d != time.Duration(n)*time.Second {
				t.Fatalf("RetryAfter(%q) = %v, %v; want %ds", s, d, ok, n)
			}
		}
		if at, err := http.ParseTime(trimmed(s)); err == nil && !isDigits(trimmed(s)) {
			if want := max(at.Sub(now), 0); !ok || d != want {
				t.Fatalf("RetryAfter(%q) = %v, %v; want %v", s, d, ok, want)
			}
		}
	})
}

func trimmed(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' || s[0] == '\v' || s[0] == '\f') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r' || s[len(s)-1] == '\v' || s[len(s)-1] == '\f') {
		s = s[:len(s)-1]
	}
	return s
}

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		name string
		b    Backoff
		want []time.Duration
	}{
		{"doubling to the max", Backoff{Base: 100 * time.Millisecond, Factor: 2, Max: time.Second},
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}},
		{"factor 0 means 2", Backoff{Base: time.Second, Max: time.Minute}, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"max 0 means 30s", Backoff{Base: 20 * time.Second}, []time.Duration{20 * time.Second, 30 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for n, want := range tt.want {
				if got := tt.b.Delay(n); got != want {
					t.Errorf("Delay(%d) = %v, want %v", n, got, want)
				}
			}
		})
	}
	if got := (Backoff{Base: time.Second, Max: time.Hour}).Delay(1000); got != time.Hour {
		t.Errorf("Delay(1000) = %v, want the max, not an overflow", got)
	}
	for _, b := range []Backoff{DefaultBackoff(), {Base: 2 * time.Second, Max: time.Minute, Jitter: 0.5}} {
		full := Backoff{Base: b.Base, Factor: b.Factor, Max: b.Max}
		for n := range 8 {
			for range 50 {
				got, hi := b.Delay(n), full.Delay(n)
				lo := time.Duration(float64(hi) * (1 - b.Jitter))
				if got < lo || got > hi {
					t.Fatalf("%+v: Delay(%d) = %v, want in [%v, %v]", b, n, got, lo, hi)
				}
			}
		}
	}
}
