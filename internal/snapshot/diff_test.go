package snapshot

import (
	"encoding/json"
	"strings"
	"testing"
)

func rule(key, title string, enabled bool, threshold int, query string) *Item {
	return &Item{Kind: KindAnalyticsRule, Key: key, Name: "n-" + key, Title: title, Doc: map[string]any{"kind": "Scheduled",
		"properties": map[string]any{"displayName": title, "enabled": enabled, "triggerThreshold": json.Number(itoa(threshold)), "query": query}}}
}

func TestCompare(t *testing.T) {
	q := "SecurityEvent\n| where EventID == 4625\n| summarize count() by Computer"
	base := &Snapshot{Source: Source{Workspace: "woodgrove/soc-central"}, Kinds: []Kind{KindAnalyticsRule, KindWatchlist, KindTable, KindDataConnector}}
	target := &Snapshot{Source: Source{Workspace: "contoso/contoso-dev"}, Kinds: base.Kinds}
	base.Items = []*Item{
		rule("t1", "Brute force", true, 0, q), rule("t2", "Port scan", true, 0, q), rule("t3", "Mass download", true, 0, q),
		rule("Custom A", "Custom A", true, 1, q),
		{Kind: KindWatchlist, Key: "HVA", Title: "HVA", Doc: map[string]any{"properties": map[string]any{"itemsSearchKey": "Host"}},
			Rows: []map[string]any{{"Host": "A", "Tier": "0"}, {"Host": "B", "Tier": "1"}, {"Host": "C", "Tier": "1"}}},
		{Kind: KindTable, Key: "SecurityEvent", Title: "SecurityEvent", Doc: map[string]any{"properties": map[string]any{"plan": "Analytics",
			"retentionInDays": json.Number("180"), "totalRetentionInDays": json.Number("-1")}}},
	}
	changedQuery := strings.Replace(q, "== 4625", "in (4625, 4771)", 1)
	target.Items = []*Item{
		rule("t1", "Brute force", false, 0, q), rule("t2", "Port scan (renamed)", true, 5, changedQuery), rule("t9", "Own rule", true, 0, q),
		rule("Custom A (copy)", "Custom A", true, 1, q), // another key, the same title: matched by title
		{Kind: KindWatchlist, Key: "hva", Title: "HVA", Doc: map[string]any{"properties": map[string]any{"itemsSearchKey": "Host"}},
			Rows: []map[string]any{{"Host": "A", "Tier": "0"}, {"Host": "C", "Tier": "2"}, {"Host": "D", "Tier": "1"}}},
	}
	d := Compare(base, target, DiffOptions{})
	got := map[string]Finding{}
	for _, f := range d.Findings {
		got[string(f.Kind)+":"+f.Title+":"+string(f.Change)] = f
	}
	if len(d.Findings) != 6 {
		t.Fatalf("%d findings:\n%s", len(d.Findings), strings.Join(d.Lines(), "\n"))
	}
	if f := got["analytics_rule:Brute force:changed"]; len(f.Fields) != 1 || f.Fields[0].Path != "enabled" || f.Fields[0].Baseline != "true" || f.Fields[0].Target != "false" {
		t.Errorf("disabled rule: %+v", f)
	}
	f := got["analytics_rule:Port scan:changed"]
	paths := []string{}
	for _, fd := range f.Fields {
		paths = append(paths, fd.Path)
	}
	if strings.Join(paths, ",") != "displayName,query,triggerThreshold" || !strings.Contains(f.Fields[1].Diff, "+ | where EventID in (4625, 4771)") {
		t.Errorf("changed rule: %+v", f)
	}
	if _, ok := got["analytics_rule:Mass download:missing"]; !ok {
		t.Error("missing rule not reported")
	}
	if _, ok := got["analytics_rule:Own rule:extra"]; !ok {
		t.Error("extra rule not reported")
	}
	if w := got["watchlist:HVA:changed"]; w.Rows == nil || strings.Join(w.Rows.Missing, ",") != "B" || strings.Join(w.Rows.Extra, ",") != "D" ||
		strings.Join(w.Rows.Changed, ",") != "C" || len(w.Fields) != 0 {
		t.Errorf("watchlist rows: %+v", w.Rows)
	}
	// A Microsoft table listed only in the baseline (its retention is set there) is compared with the
	// default settings, not called missing.
	if tb := got["table:SecurityEvent:changed"]; len(tb.Fields) != 1 || tb.Fields[0].Path != "retentionInDays" || tb.Fields[0].Target != "-1" {
		t.Errorf("table: %+v", tb)
	}
	text := strings.Join(d.Lines(), "\n")
	for _, want := range []string{`analytics rule "Brute force": changed`, "    enabled: true -> false", `analytics rule "Mass download": missing`,
		"    rows missing: B", "      - | where EventID == 4625"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}

	ig, err := ParseIgnore([]string{"field:query", "analytics_rule:own*", "watchlist", "analytics_rule.field:displayName"})
	if err != nil {
		t.Fatal(err)
	}
	d = Compare(base, target, DiffOptions{Ignore: ig})
	var lines []string
	for _, f := range d.Findings {
		lines = append(lines, f.Title+":"+string(f.Change)+":"+itoa(len(f.Fields)))
	}
	if strings.Join(lines, " ") != "SecurityEvent:changed:1 Brute force:changed:1 Port scan:changed:1 Mass download:missing:0" || d.Ignored != 3 {
		t.Errorf("with ignores: %v (ignored %d)", lines, d.Ignored)
	}
	for _, bad := range []string{"nope", "nope:x", "field:[", "nope.field:x"} {
		if _, err := ParseIgnore([]string{bad}); err == nil {
			t.Errorf("ParseIgnore(%q) accepted", bad)
		}
	}
	// A kind one side could not read is not compared (its items are unknown, not missing).
	target.Incomplete = []KindError{{Kind: KindAnalyticsRule, Error: "403 Forbidden"}}
	d = Compare(base, target, DiffOptions{})
	for _, f := range d.Findings {
		if f.Kind == KindAnalyticsRule {
			t.Errorf("unreadable rules reported: %+v", f)
		}
	}
	if len(d.NotCompared) != 1 || d.NotCompared[0].Kind != KindAnalyticsRule || !strings.Contains(d.NotCompared[0].Error, "403") {
		t.Errorf("not compared: %+v", d.NotCompared)
	}
}
