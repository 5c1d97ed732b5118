package emulator

import (
	"net/http"
	"testing"
	"time"
)

// TestReopenedIncidentLosesClassification: putting a closed incident back
// to New or Active drops its classification, reason and comment, even when
// the body still carries them (a read-modify-write).
func TestReopenedIncidentLosesClassification(t *testing.T) {
	e := startEmu(t, Options{Now: func() time.Time { return fxNow }, fixture: fixtureWorld})
	tok := token(t, e, fxWoodgrove, fxClient, "woodgrove-secret", armScope)
	inc := "/subscriptions/5b000000-0000-4000-8000-00000000a001/resourceGroups/soc-rg/providers/Microsoft.OperationalInsights/workspaces/soc-central/providers/Microsoft.SecurityInsights/incidents/00000001-0000-4000-8000-000000000001?api-version=2025-09-01"
	put := func(props map[string]any) map[string]any {
		t.Helper()
		r := do(t, e, tok, http.MethodPut, inc, map[string]any{"properties": props})
		if r.status != 200 {
			t.Fatalf("PUT: %d %s", r.status, r.raw)
		}
		return r.body["properties"].(map[string]any)
	}
	closed := map[string]any{"title": "Incident 1", "severity": "Medium", "status": "Closed", "classification": "FalsePositive",
		"classificationReason": "IncorrectAlertLogic", "classificationComment": "rule too broad"}
	if p := put(closed); p["classification"] != "FalsePositive" || p["classificationComment"] != "rule too broad" {
		t.Fatalf("closing kept %v", p)
	}
	for _, status := range []string{"Active", "New"} {
		reopen := map[string]any{}
		for k, v := range closed {
			reopen[k] = v
		}
		reopen["status"] = status
		p := put(reopen)
		for _, f := range []string{"classification", "classificationReason", "classificationComment"} {
			if v, ok := p[f]; ok {
				t.Errorf("reopened as %s: %s = %v", status, f, v)
			}
		}
		got := do(t, e, tok, http.MethodGet, inc, nil).body["properties"].(map[string]any)
		if got["status"] != status || got["classification"] != nil {
			t.Errorf("GET after reopening as %s: %v", status, got)
		}
		put(closed)
	}
}
