package transport

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryAfter parses a Retry-After field value as RFC 9110 §10.2.3 defines
// it: either delay-seconds (a non-negative decimal integer) or an
// HTTP-date, which is taken relative to now (a date in the past means no
// wait). ok is false for an empty or malformed value. A delay too large
// for a time.Duration is clamped to the largest one.
func RetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		secs, err := strconv.ParseUint(v, 10, 64)
		const maxSecs = uint64(1<<63-1) / uint64(time.Second)
		if err != nil || secs > maxSecs { // only a range error is possible here
			return time.Duration(1<<63 - 1), true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// isDigits: delay-seconds is 1*DIGIT, no sign.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
