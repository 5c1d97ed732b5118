package emulator

import (
	"net/http"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// TestShippedRulesFindThePlantedStories runs every shipped analytics rule
// through the query API of the seeded world, as Sentinel schedules it (its
// query period as the timespan): each rule must run in every Sentinel
// workspace, and a workspace where the world planted a story the rule
// detects must give rows, and every other workspace none (the world's
// background never triggers a shipped rule).
func TestShippedRulesFindThePlantedStories(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the seeded world's logs")
	}
	now := time.Date(2026, 3, 2, 15, 20, 0, 0, time.UTC)
	e := startEmu(t, Options{Now: func() time.Time { return now }})
	// Woodgrove's app reads the delegated customers; the others through their own app.
	tokens := map[string]string{}
	tokenFor := func(ws world.Workspace) string {
		app := world.ManagingApp
		for _, id := range e.Identities() {
			if id.TenantID == ws.TenantID {
				app = id
			}
		}
		if tokens[app.ClientID] == "" {
			tokens[app.ClientID] = token(t, e, app.TenantID, app.ClientID, app.Secret, logsScope)
		}
		return tokens[app.ClientID]
	}
	facts := world.SeededFacts()
	found := 0
	for _, r := range content.Rules() {
		period := r.QueryPeriod
		if period == "" {
			period = "1d" // NRT rules: what arrived recently
		}
		d, err := content.ParseDuration(period)
		if err != nil {
			t.Fatal(err)
		}
		span := now.Add(-d).Format(time.RFC3339) + "/" + now.Format(time.RFC3339)
		for _, ws := range world.Workspaces() {
			if !ws.Sentinel {
				continue
			}
			res := do(t, e, tokenFor(ws), http.MethodPost, "/v1/workspaces/"+ws.CustomerID+"/query", map[string]any{"query": r.Query, "timespan": span})
			if res.status != 200 {
				t.Errorf("%s in %s: %d %s", r.Name, ws.Name, res.status, res.raw)
				continue
			}
			tables, _ := res.body["tables"].([]any)
			rows, _ := tables[0].(map[string]any)["rows"].([]any)
			want := false
			for _, s := range facts.StoriesIn(ws.Name) {
				for _, id := range s.Rules {
					want = want || id == r.ID
				}
			}
			if want && len(rows) == 0 {
				t.Errorf("%s finds nothing in %s, where the world planted its story", r.Name, ws.Name)
			}
			if want && len(rows) > 0 {
				found++
			}
			if !want && len(rows) > 0 {
				// The world promises that the background never triggers a shipped rule.
				t.Errorf("%s in %s: %d rows, but the world planted no story it detects there", r.Name, ws.Name, len(rows))
			}
		}
	}
	if found == 0 {
		t.Fatal("no rule found a planted story")
	}
	t.Logf("%d rules run in every Sentinel workspace; %d planted stories found by their rules", len(content.Rules()), found)
}

// TestShippedHuntsSurfaceTheirStories runs every shipped hunt in every
// Sentinel workspace; a hunt tagged with a story kind must give rows where
// the world planted that story.
func TestShippedHuntsSurfaceTheirStories(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the seeded world's logs")
	}
	now := time.Date(2026, 3, 2, 15, 20, 0, 0, time.UTC)
	e := startEmu(t, Options{Now: func() time.Time { return now }})
	app := world.ManagingApp
	tok := token(t, e, app.TenantID, app.ClientID, app.Secret, logsScope)
	facts := world.SeededFacts()
	surfaced := 0
	for _, h := range content.Hunts() {
		for _, ws := range world.Workspaces() {
			if !ws.Sentinel || ws.TenantAlias == world.Litware || ws.TenantAlias == world.Adatum {
				continue
			}
			res := do(t, e, tok, http.MethodPost, "/v1/workspaces/"+ws.CustomerID+"/query", map[string]any{"query": h.Query, "timespan": "P7D"})
			if res.status != 200 {
				t.Errorf("%s in %s: %d %s", h.Name, ws.Name, res.status, res.raw)
				continue
			}
			tables, _ := res.body["tables"].([]any)
			rows, _ := tables[0].(map[string]any)["rows"].([]any)
			for _, s := range facts.StoriesIn(ws.Name) {
				for _, tag := range h.Tags {
					if tag != s.Kind {
						continue
					}
					if len(rows) == 0 {
						t.Errorf("hunt %s finds nothing in %s, where the world planted a %s story", h.Name, ws.Name, s.Kind)
					} else {
						surfaced++
					}
				}
			}
		}
	}
	t.Logf("%d hunts run; %d planted stories surfaced by the hunts tagged with them", len(content.Hunts()), surfaced)
}
