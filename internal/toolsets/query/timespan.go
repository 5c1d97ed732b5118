package query

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// TimeArgs is the time range of a query: a duration ending now, or an absolute start (and end).
type TimeArgs struct {
	Timespan string `json:"timespan,omitempty" jsonschema:"Range ending now: 24h (default, or the query's longest ago()), 7d, 30m, PT1H, P7D."`
	Start    string `json:"start,omitempty" jsonschema:"Absolute start (RFC 3339) instead of timespan."`
	End      string `json:"end,omitempty" jsonschema:"Absolute end (RFC 3339); default now."`
}

// timeRange is a resolved time range.
type timeRange struct {
	ISO  string // what the query API gets: PT24H, P7D or start/end
	Desc string // for people: "last 24h", "2025-05-01T08:00:00Z to 2025-05-02T08:00:00Z"
}

// maxSpan is far beyond any retention (12 years of archive): it only catches typos like 99999d.
const maxSpan = 12 * 366 * 24 * time.Hour

var shortSpanRE = regexp.MustCompile(`^(\d+)\s*(ms|s|sec|m|min|h|hr|d|day|days|w)$`)

// parseSpan accepts 24h, 7d, 30m, 90s, 2w and ISO 8601 durations (PT24H, P7D, P1DT12H).
func parseSpan(s string) (time.Duration, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if m := shortSpanRE.FindStringSubmatch(s); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n <= 0 || n > 1<<40 {
			return 0, false
		}
		unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "sec": time.Second, "m": time.Minute,
			"min": time.Minute, "h": time.Hour, "hr": time.Hour, "d": 24 * time.Hour, "day": 24 * time.Hour,
			"days": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		if time.Duration(n) > maxSpan/unit {
			return maxSpan + 1, true
		}
		return time.Duration(n) * unit, true
	}
	if strings.HasPrefix(s, "p") {
		if d, err := content.ParseISODuration(s); err == nil && d > 0 {
			return d, true
		}
		if m := isoWeeksRE.FindStringSubmatch(s); m != nil {
			n, _ := strconv.Atoi(m[1])
			return time.Duration(n) * 7 * 24 * time.Hour, n > 0
		}
	}
	return 0, false
}

var isoWeeksRE = regexp.MustCompile(`^p(\d{1,4})w$`)

// agoRE finds the look-backs a query states itself: ago(7d), ago(36h), ago(90m).
var agoRE = regexp.MustCompile(`\bago\(\s*(\d{1,6})\s*(d|h|m|s)\s*\)`)

// lookback is the longest ago(...) of q, outside string literals and comments.
func lookback(q string) time.Duration {
	var code strings.Builder
	code.Grow(len(q))
	last := -1
	scanCode(q, func(i, _ int) {
		if last >= 0 && i != last+1 {
			code.WriteByte(' ') // a string or comment was skipped: keep the tokens apart
		}
		code.WriteByte(q[i])
		last = i
	})
	var longest time.Duration
	for _, m := range agoRE.FindAllStringSubmatch(code.String(), -1) {
		if d, ok := parseSpan(m[1] + m[2]); ok && d > longest && d <= maxSpan {
			longest = d
		}
	}
	return longest
}

// forQuery resolves the range of a query: without timespan or start, the default widens to the
// query's own longest ago(...), as the portal's "set in query" does, so "where TimeGenerated >
// ago(7d)" is not silently cut to the default day.
func (t TimeArgs) forQuery(now time.Time, q string) (timeRange, error) {
	if strings.TrimSpace(t.Timespan) == "" && strings.TrimSpace(t.Start) == "" && strings.TrimSpace(t.End) == "" {
		if d := lookback(q); d > defaultSpan {
			tr, err := t.resolve(now, d)
			tr.Desc += " (from the query's ago)"
			return tr, err
		}
	}
	return t.resolve(now, defaultSpan)
}

// resolve returns the range to query: def when nothing was given.
func (t TimeArgs) resolve(now time.Time, def time.Duration) (timeRange, error) {
	if strings.TrimSpace(t.Start) == "" {
		if strings.TrimSpace(t.End) != "" {
			return timeRange{}, toolkit.ArgError("end", "needs start as well (or use timespan for a range ending now)")
		}
		d := def
		if s := strings.TrimSpace(t.Timespan); s != "" {
			var ok bool
			if d, ok = parseSpan(s); !ok {
				return timeRange{}, toolkit.ArgError("timespan", "%q is not a duration: use 24h, 7d, 30m or ISO 8601 (PT24H, P7D)", t.Timespan)
			}
		}
		if d > maxSpan {
			return timeRange{}, toolkit.ArgError("timespan", "%q is longer than any retention: use at most a few years", t.Timespan)
		}
		return timeRange{ISO: azure.Timespan(d), Desc: "last " + shortDuration(d)}, nil
	}
	if strings.TrimSpace(t.Timespan) != "" {
		return timeRange{}, toolkit.ArgError("timespan", "give either timespan (a range ending now) or start/end, not both")
	}
	from, err := parseInstant(t.Start)
	if err != nil {
		return timeRange{}, toolkit.ArgError("start", "%q is not a date-time: use RFC 3339 such as 2025-05-01T08:00:00Z", t.Start)
	}
	to := now.UTC()
	if strings.TrimSpace(t.End) != "" {
		if to, err = parseInstant(t.End); err != nil {
			return timeRange{}, toolkit.ArgError("end", "%q is not a date-time: use RFC 3339 such as 2025-05-02T08:00:00Z", t.End)
		}
	}
	if !to.After(from) {
		return timeRange{}, toolkit.ArgError("end", "the range is empty: end (%s) must be after start (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	if to.Sub(from) > maxSpan {
		return timeRange{}, toolkit.ArgError("start", "the range is longer than any retention")
	}
	return timeRange{ISO: azure.TimespanBetween(from, to), Desc: from.Format(time.RFC3339) + " to " + to.Format(time.RFC3339)}, nil
}

func parseInstant(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	_, err := time.Parse(time.RFC3339, s)
	return time.Time{}, err
}

// shortDuration renders 24h, 7d, 90m, 1h30m.
func shortDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0 && d > 24*time.Hour:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0 && d < 3*time.Hour:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	s := d.String() // 3h30m0s
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	return s
}
