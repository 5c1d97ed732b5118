package query

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// TimeArgs is the time range of a query: a duration ending now, or an absolute start (and end).
type TimeArgs struct {
	Timespan string `json:"timespan,omitempty" jsonschema:"Range ending now: 24h (default, or the query's longest ago()), 7d, 30m, PT1H, P7D."`
	Start    string `json:"start,omitempty" jsonschema:"Start instead of timespan: RFC 3339, a date, or a period ago (2d)."`
	End      string `json:"end,omitempty" jsonschema:"End (as start); default now."`
}

// timeRange is a resolved time range.
type timeRange struct {
	ISO  string // what the query API gets: PT24H, P7D or start/end
	Desc string // for people: "last 24h", "2025-05-01T08:00:00Z to 2025-05-02T08:00:00Z"
}

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
		if d, err := toolkit.ParseDuration("ago", m[1]+m[2]); err == nil && d > longest {
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
		d, err := toolkit.DurationArg("timespan", t.Timespan, def, 0, 0)
		if err != nil {
			return timeRange{}, err
		}
		return timeRange{ISO: azure.Timespan(d), Desc: "last " + shortDuration(d)}, nil
	}
	if strings.TrimSpace(t.Timespan) != "" {
		return timeRange{}, toolkit.ArgError("timespan", "give either timespan (a range ending now) or start/end, not both")
	}
	from, err := toolkit.ParseTime("start", t.Start, now)
	if err != nil {
		return timeRange{}, err
	}
	to := now.UTC()
	if strings.TrimSpace(t.End) != "" {
		if to, err = toolkit.ParseTime("end", t.End, now); err != nil {
			return timeRange{}, err
		}
	}
	if !to.After(from) {
		return timeRange{}, toolkit.ArgError("end", "the range is empty: end (%s) must be after start (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	if to.Sub(from) > 12*366*24*time.Hour {
		return timeRange{}, toolkit.ArgError("start", "the range is longer than any retention")
	}
	return timeRange{ISO: azure.TimespanBetween(from, to), Desc: from.Format(time.RFC3339) + " to " + to.Format(time.RFC3339)}, nil
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
