package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseISODuration parses ISO 8601 durations as Azure uses them: PnDTnHnMnS, PnW (no years or months,
// which have no fixed length).
func parseISODuration(s string) (time.Duration, error) {
	orig := s
	s = strings.ToUpper(strings.TrimSpace(s))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if !strings.HasPrefix(s, "P") || len(s) < 2 {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration", orig)
	}
	s = s[1:]
	var d time.Duration
	inTime := false
	num := ""
	for _, r := range s {
		switch {
		case r == 'T':
			inTime = true
		case r >= '0' && r <= '9' || r == '.':
			num += string(r)
		default:
			if num == "" {
				return 0, fmt.Errorf("%q is not an ISO 8601 duration", orig)
			}
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("%q is not an ISO 8601 duration", orig)
			}
			var unit time.Duration
			switch {
			case r == 'W' && !inTime:
				unit = 7 * 24 * time.Hour
			case r == 'D' && !inTime:
				unit = 24 * time.Hour
			case r == 'H' && inTime:
				unit = time.Hour
			case r == 'M' && inTime:
				unit = time.Minute
			case r == 'S' && inTime:
				unit = time.Second
			default:
				return 0, fmt.Errorf("%q: unsupported ISO 8601 duration unit %q", orig, r)
			}
			d += time.Duration(f * float64(unit))
			num = ""
		}
	}
	if num != "" {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration", orig)
	}
	if neg {
		d = -d
	}
	return d, nil
}

// parseTimespan parses the query API timespan: "PT12H" (ending now), "start/end", "start/PT1H" or
// "PT1H/end".
func parseTimespan(s string, now time.Time) (from, to time.Time, err error) {
	s = strings.TrimSpace(s)
	parseT := func(x string) (time.Time, error) {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date-time", x)
	}
	if a, b, ok := strings.Cut(s, "/"); ok {
		da, errDA := parseISODuration(a)
		db, errDB := parseISODuration(b)
		switch {
		case errDA == nil && errDB == nil:
			return time.Time{}, time.Time{}, fmt.Errorf("timespan %q has two durations", s)
		case errDA == nil:
			to, err = parseT(b)
			return to.Add(-da), to, err
		case errDB == nil:
			from, err = parseT(a)
			return from, from.Add(db), err
		}
		if from, err = parseT(a); err != nil {
			return
		}
		if to, err = parseT(b); err != nil {
			return
		}
		if to.Before(from) {
			return from, to, fmt.Errorf("timespan %q ends before it starts", s)
		}
		return from, to, nil
	}
	d, err := parseISODuration(s)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return now.Add(-d), now, nil
}
