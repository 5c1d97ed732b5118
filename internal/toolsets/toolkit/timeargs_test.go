package toolkit

import (
	"strings"
	"testing"
	"time"
)

func TestParseDurationAcceptsOneSyntaxEverywhere(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"30s": 30 * time.Second, "45m": 45 * time.Minute, "90 min": 90 * time.Minute, "24h": day, "36hr": 36 * time.Hour,
		"7d": 7 * day, "7 days": 7 * day, "1 day": day, "2w": 14 * day, "1 week": 7 * day, "P7D": 7 * day, "pt12h": 12 * time.Hour,
		"P2W": 14 * day, "1h30m": 90 * time.Minute, "1d 12h": 36 * time.Hour, "P1DT12H": 36 * time.Hour, "PT1H30M": 90 * time.Minute, " 7D ": 7 * day,
	} {
		if got, err := ParseDuration("timespan", in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{
		"a week": "is not a duration: use 30m, 24h, 7d, 2w or ISO 8601", "1 fortnight": "is not a duration", "soon": "is not a duration", "": "is not a duration",
		"P": "is not a duration", "PT": "is not a duration", "-1d": "is not a duration", "10ms": "is not a duration", "1h30": "is not a duration", "0h": "must be longer than zero",
		"99999d": "longer than any retention", "999999999999w": "longer than any retention", "P999999W": "longer than any retention",
	} {
		_, err := ParseDuration("timespan", in)
		if err == nil || !strings.Contains(err.Error(), msg) || !strings.HasPrefix(err.Error(), `argument "timespan": `) {
			t.Errorf("ParseDuration(%q) = %v, want an error with %q", in, err, msg)
		}
	}
	if d, err := DurationArg("stale_after", "", time.Hour, time.Minute, day); err != nil || d != time.Hour {
		t.Errorf("default: %v %v", d, err)
	}
	if _, err := DurationArg("stale_after", "2d", 0, time.Minute, day); err == nil || !strings.Contains(err.Error(), "out of range: use 1m to 24h") {
		t.Errorf("range: %v", err)
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2025-06-01T08:00:00Z": time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC), "2025-06-01T10:00:00+02:00": time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC),
		"2025-06-01": time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), "2025-06-01 08:30": time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC),
		"24h": now.Add(-24 * time.Hour), "P7D": now.Add(-7 * 24 * time.Hour),
	} {
		if got, err := ParseTime("start", in, now); err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseTime("start", "next tuesday", now); err == nil || !strings.Contains(err.Error(), `argument "start": "next tuesday" is not a time: use RFC 3339`) {
		t.Errorf("bad time: %v", err)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0s", 45 * time.Second: "45s", 90 * time.Minute: "90m", 24 * time.Hour: "24h",
		36 * time.Hour: "36h", 7 * 24 * time.Hour: "7d", 14 * 24 * time.Hour: "14d"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
		if d > 0 {
			if back, err := ParseDuration("x", FormatDuration(d)); err != nil || back != d {
				t.Errorf("round trip of %v: %v %v", d, back, err)
			}
		}
	}
}

func TestTargetsSelector(t *testing.T) {
	if sel := (TargetsArg{}).Selector(); !sel.All {
		t.Errorf("no arguments should select every workspace: %+v", sel)
	}
	sel := TargetsArg{Workspace: "contoso/contoso-prod", Workspaces: []string{"fabrikam/fabrikam-sentinel"}}.Selector()
	if sel.All || len(sel.Workspaces) != 2 || sel.Workspaces[1] != "contoso/contoso-prod" {
		t.Errorf("workspace and workspaces: %+v", sel)
	}
	if sel := (TargetsArg{Tenant: "contoso"}).Selector(); sel.All || sel.Tenant != "contoso" {
		t.Errorf("tenant: %+v", sel)
	}
}
