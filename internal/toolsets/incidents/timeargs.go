package incidents

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
)

var (
	shortDur = regexp.MustCompile(`^(\d+)\s*(m|min|h|d|w)$`)
	isoDur   = regexp.MustCompile(`^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$`)
)

// maxWindow bounds relative periods: Sentinel keeps incidents for the workspace's retention, and a
// typo such as 7000d should be an error rather than a silent "everything".
const maxWindow = 5 * 365 * 24 * time.Hour

// parseWindow reads a period: 30m, 24h, 7d, 2w, or ISO 8601 (PT12H, P7D, P2W).
func parseWindow(s string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	var d time.Duration
	if m := shortDur.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return 0, fmt.Errorf("%q is too large", s)
		}
		unit := map[string]time.Duration{"m": time.Minute, "min": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		d = time.Duration(n) * unit
	} else if m := isoDur.FindStringSubmatch(strings.ToUpper(s)); m != nil && s != "p" && !strings.HasSuffix(s, "t") {
		for i, unit := range []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute} {
			if m[i+1] != "" {
				n, err := strconv.Atoi(m[i+1])
				if err != nil {
					return 0, fmt.Errorf("%q is too large", s)
				}
				d += time.Duration(n) * unit
			}
		}
	} else {
		return 0, fmt.Errorf("%q is not a period: use 30m, 24h, 7d, 2w or ISO 8601 such as P7D", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be longer than zero", s)
	}
	if d > maxWindow || d < 0 {
		return 0, fmt.Errorf("%q is longer than 5 years", s)
	}
	return d, nil
}

// parseTime reads a point in time: RFC 3339, a date (midnight UTC), a date and time without zone
// (UTC), or a period before now (7d).
func parseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if d, err := parseWindow(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2025-06-01T08:00:00Z), a date (2025-06-01) or a period before now (24h, 7d)", s)
}

// timeText renders a time for results ("" when unset).
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return render.FormatTime(t)
}
