package toolkit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Time arguments follow one convention in every tool (docs/toolsets.md, "Argument conventions"):
//
//   - a period ("timespan", "stale_after", "created_within", "query_frequency", "expires" as a
//     duration...) is a number and a unit, 30s, 45m, 24h, 7d or 2w (or several: 1h30m), or an ISO
//     8601 duration such as PT12H, P7D, P2W or P1DT12H;
//   - a point in time ("start", "end", "created_after"...) is RFC 3339 (2025-06-01T08:00:00Z), a
//     date (2025-06-01, midnight UTC), a date and time without zone (UTC), or a period before now
//     (24h: a day ago).
//
// The parsers here are the only ones tools use, so that a value one tool accepts is accepted by all.

// DurationHint is what an error about a period argument suggests.
const DurationHint = "use 30m, 24h, 7d, 2w or ISO 8601 (PT12H, P7D)"

// TimeHint is what an error about a point-in-time argument suggests.
const TimeHint = "use RFC 3339 (2025-06-01T08:00:00Z), a date (2025-06-01) or a period before now (24h, 7d)"

var (
	// One or more number-unit pairs: 7d, 90 min, 1h30m, 1d 12h.
	shortDurRE  = regexp.MustCompile(`^(?:\d{1,12}\s*(?:weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\s*)+$`)
	shortPartRE = regexp.MustCompile(`(\d{1,12})\s*(weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)`)
	isoDurRE    = regexp.MustCompile(`^p(?:(\d{1,6})w)?(?:(\d{1,6})d)?(?:t(?:(\d{1,8})h)?(?:(\d{1,10})m)?(?:(\d{1,12})s)?)?$`)
)

// maxDuration bounds every period: far beyond any retention (12 years of archive), it catches typos
// such as 99999d rather than silently meaning "everything", and keeps the arithmetic in range.
const maxDuration = 12 * 366 * 24 * time.Hour

var units = map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}

// ParseDuration reads the period s of argument arg (see the convention above). It must be longer than
// zero and at most a dozen years.
func ParseDuration(arg, s string) (time.Duration, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	var d time.Duration
	if shortDurRE.MatchString(v) {
		for _, m := range shortPartRE.FindAllStringSubmatch(v, -1) {
			n, err := strconv.ParseInt(m[1], 10, 64)
			unit := units[m[2][0]]
			if err != nil || n > int64(maxDuration/unit) || d > maxDuration {
				return 0, ArgError(arg, "%q is longer than any retention: use at most a few years", s)
			}
			d += time.Duration(n) * unit
		}
	} else if m := isoDurRE.FindStringSubmatch(v); m != nil && v != "p" && !strings.HasSuffix(v, "t") {
		for i, unit := range []time.Duration{units['w'], units['d'], units['h'], units['m'], units['s']} {
			if m[i+1] == "" {
				continue
			}
			n, _ := strconv.ParseInt(m[i+1], 10, 64)
			if n > int64(maxDuration/unit) || d > maxDuration {
				return 0, ArgError(arg, "%q is longer than any retention: use at most a few years", s)
			}
			d += time.Duration(n) * unit
		}
	} else {
		return 0, ArgError(arg, "%q is not a duration: %s", s, DurationHint)
	}
	if d <= 0 {
		return 0, ArgError(arg, "%q must be longer than zero: %s", s, DurationHint)
	}
	if d > maxDuration {
		return 0, ArgError(arg, "%q is longer than any retention: use at most a few years", s)
	}
	return d, nil
}

// DurationArg reads an optional period argument: def when s is empty, else ParseDuration bounded to
// [lo, hi] (a zero bound is no bound).
func DurationArg(arg, s string, def, lo, hi time.Duration) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return def, nil
	}
	d, err := ParseDuration(arg, s)
	if err != nil {
		return 0, err
	}
	if (lo > 0 && d < lo) || (hi > 0 && d > hi) {
		return 0, ArgError(arg, "%s is out of range: use %s to %s", strings.TrimSpace(s), FormatDuration(lo), FormatDuration(hi))
	}
	return d, nil
}

// ParseTime reads the point in time s of argument arg (see the convention above); now anchors
// periods before now.
func ParseTime(arg, s string, now time.Time) (time.Time, error) {
	v := strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	if d, err := ParseDuration(arg, v); err == nil {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, ArgError(arg, "%q is not a time: %s", s, TimeHint)
}

// FormatDuration renders a period in the short form the parsers read back: 7d, 36h, 90m, 45s (the
// largest unit that divides it, days from two days up; 0 is "0s").
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d%units['d'] == 0 && d >= 2*units['d']:
		return fmt.Sprintf("%dd", d/units['d'])
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
