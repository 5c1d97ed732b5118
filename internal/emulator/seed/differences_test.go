package seed

import (
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

func TestSilentConnector(t *testing.T) {
	_, logs := demo()
	f := world.SeededFacts()
	diffs := f.Diff(world.DiffSilentConnector)
	if len(diffs) == 0 {
		t.Fatal("no silent connector seeded")
	}
	for _, d := range diffs {
		if st, _ := schema.Lookup(d.Table); st.Connector != d.Connector {
			t.Errorf("table %s is fed by %s, the fact says %s", d.Table, st.Connector, d.Connector)
		}
		cut := testNow.Truncate(time.Hour).Add(-d.Silent)
		for _, ws := range world.Workspaces() {
			tab, ok := logs[ws.Name][d.Table]
			if !ok {
				continue
			}
			x := tbl{t, tab}
			ts := x.time("TimeGenerated")
			before, after := len(x.rows(func(i int) bool { return ts(i).Before(cut) })), len(x.rows(func(i int) bool { return !ts(i).Before(cut) }))
			if ws.Name == d.Workspace {
				if after != 0 || before == 0 {
					t.Errorf("%s: %s has %d records in the last %v (and %d before): not a silent connector", ws.Name, d.Table, after, d.Silent, before)
				}
			} else if after == 0 {
				t.Errorf("%s: %s is silent too", ws.Name, d.Table)
			}
		}
	}
}

func TestIngestionAnomaly(t *testing.T) {
	_, logs := demo()
	for _, d := range world.SeededFacts().Diff(world.DiffIngestionAnomaly) {
		day := testNow.Truncate(24*time.Hour).AddDate(0, 0, -d.DaysAgo)
		for _, ws := range world.Workspaces() {
			tab, ok := logs[ws.Name][d.Table]
			if !ok {
				continue
			}
			// Rows per UTC day, over the whole days of the window.
			perDay := map[time.Time]int{}
			ts := tbl{t, tab}.time("TimeGenerated")
			for i := 0; i < tab.Len(); i++ {
				perDay[ts(i).Truncate(24*time.Hour)]++
			}
			first := testNow.Truncate(time.Hour).Add(-7*24*time.Hour).Truncate(24*time.Hour).AddDate(0, 0, 1)
			var others []float64
			peak, peakDay := 0, time.Time{}
			for at := first; at.Before(testNow.Truncate(24 * time.Hour)); at = at.AddDate(0, 0, 1) {
				if perDay[at] > peak {
					peak, peakDay = perDay[at], at
				}
				if !at.Equal(day) {
					others = append(others, float64(perDay[at]))
				}
			}
			sort.Float64s(others)
			median := others[len(others)/2]
			ratio := float64(perDay[day]) / median
			if ws.Name == d.Workspace {
				if !peakDay.Equal(day) || ratio < d.Factor*0.6 {
					t.Errorf("%s: %s peaks on %s; %s has %.1fx the median day, want about %.0fx", ws.Name, d.Table,
						peakDay.Format("2006-01-02"), day.Format("2006-01-02"), ratio, d.Factor)
				}
			} else if float64(peak) > 3*median {
				t.Errorf("%s: %s has an anomaly too (%d vs median %.0f)", ws.Name, d.Table, peak, median)
			}
		}
	}
}

func TestRuleHealth(t *testing.T) {
	w, logs := demo()
	f := w.Facts
	failing := f.Diff(world.DiffFailingRule)
	if len(failing) != 1 {
		t.Fatalf("%d failing rules seeded", len(failing))
	}
	fr := failing[0]
	for _, ws := range world.Workspaces() {
		if !ws.Sentinel {
			continue
		}
		x := table(t, logs[ws.Name], "SentinelHealth")
		rid, status, reason, ts, typ := x.str("SentinelResourceId"), x.str("Status"), x.str("Reason"), x.time("TimeGenerated"),
			x.str("SentinelResourceType")
		runs := map[string]int{}
		for i := 0; i < x.n(); i++ {
			if typ(i) != "Analytics Rule" {
				if status(i) != "Success" {
					t.Errorf("%s: %s %s is %s", ws.Name, typ(i), rid(i), status(i))
				}
				continue
			}
			runs[rid(i)]++
			id := rid(i)[strings.LastIndex(rid(i), "/")+1:]
			isFailing := ws.Name == fr.Workspace && id == world.AlertRuleName(ws.Name, fr.Rule)
			wantFail := isFailing && !ts(i).Before(testNow.Truncate(time.Hour).Add(-fr.Since))
			if (status(i) == "Failure") != wantFail || (wantFail && reason(i) != fr.Reason) {
				t.Errorf("%s: run of %s at %s: %s %q", ws.Name, id, ts(i), status(i), reason(i))
			}
		}
		for _, r := range shippedRules() {
			n := runs[alertRuleID(ws, r.ID)]
			off := f.Has(ws.Name, world.DiffMissingRule, r.ID) || f.Has(ws.Name, world.DiffDisabledRule, r.ID)
			if off != (n == 0) {
				t.Errorf("%s: rule %s has %d runs (missing or disabled: %v)", ws.Name, r.Name, n, off)
			}
		}
	}
}

func TestUsageMatchesTables(t *testing.T) {
	w, logs := demo()
	for ws, tabs := range logs {
		wsd, _ := w.Workspace(ws)
		u := table(t, tabs, "Usage")
		dt, qty, start, billable0, sol := u.str("DataType"), u.col("Quantity"), u.time("StartTime"), u.col("IsBillable"), u.str("Solution")
		type key struct {
			table string
			hour  time.Time
		}
		usage := map[key]float64{}
		for i := 0; i < u.n(); i++ {
			k := key{dt(i), start(i)}
			if _, dup := usage[k]; dup {
				t.Errorf("%s: two Usage records for %v", ws, k)
			}
			usage[k] = qty.Reals[i]
			if billable0.Bools[i] != billable(dt(i), wsd) || sol(i) == "" {
				t.Errorf("%s: Usage of %s: billable %v solution %q", ws, dt(i), billable0.Bools[i], sol(i))
			}
		}
		seen := 0
		for name, tab := range tabs {
			if name == "Usage" {
				continue
			}
			x := tbl{t, tab}
			ts, size, isBillable := x.time("TimeGenerated"), x.col("_BilledSize"), x.str("_IsBillable")
			sum := map[time.Time]float64{}
			for i := 0; i < x.n(); i++ {
				sum[hourOf(ts(i))] += size.Reals[i]
				if isBillable(i) != boolText(billable(name, wsd)) {
					t.Fatalf("%s/%s: _IsBillable %s", ws, name, isBillable(i))
				}
			}
			for h, bytes := range sum {
				got, ok := usage[key{name, h}]
				if !ok || math.Abs(got-bytes/1e6) > 1e-9 {
					t.Errorf("%s: Usage of %s at %s is %v MB, the rows bill %v MB", ws, name, h, got, bytes/1e6)
				}
				seen++
			}
		}
		if seen != len(usage) {
			t.Errorf("%s: %d Usage records for %d table-hours with data", ws, len(usage), seen)
		}
	}
}

func TestHeartbeats(t *testing.T) {
	_, logs := demo()
	for ws, tabs := range logs {
		hb := table(t, tabs, "Heartbeat")
		comp, ts := hb.str("Computer"), hb.time("TimeGenerated")
		beats := map[string][]time.Time{}
		for i := 0; i < hb.n(); i++ {
			beats[comp(i)] = append(beats[comp(i)], ts(i))
		}
		for c, list := range beats {
			sort.Slice(list, func(a, b int) bool { return list[a].Before(list[b]) })
			for k := 1; k < len(list); k++ {
				if gap := list[k].Sub(list[k-1]); gap != 5*time.Minute {
					t.Errorf("%s: %s heartbeats %v apart", ws, c, gap)
					break
				}
			}
			if last := list[len(list)-1]; testNow.Truncate(time.Hour).Sub(last) > 5*time.Minute {
				t.Errorf("%s: %s last heartbeat at %s", ws, c, last)
			}
		}
		// Every machine that sends security events or syslog is an agent with heartbeats.
		for _, src := range []string{"SecurityEvent", "Syslog", "W3CIISLog", "DnsEvents"} {
			tab, ok := tabs[src]
			if !ok {
				continue
			}
			cs := tbl{t, tab}.str("Computer")
			for i := 0; i < tab.Len(); i++ {
				if _, ok := beats[cs(i)]; !ok {
					t.Errorf("%s: %s from %s, which has no heartbeat", ws, src, cs(i))
					break
				}
			}
		}
	}
}
