package emulator

import (
	"net/http"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func tableNames(r resp) map[string]bool {
	out := map[string]bool{}
	for _, v := range values(r) {
		out[v.(map[string]any)["name"].(string)] = true
	}
	return out
}

// Microsoft tables exist in every workspace (the Sentinel ones once Sentinel is onboarded), can be
// changed like any table and cannot be deleted.
func TestBuiltInTables(t *testing.T) {
	e := startEmu(t, Options{})
	app := world.ManagingApp
	tok := token(t, e, app.TenantID, app.ClientID, app.Secret, armScope)
	const v = "?api-version=2025-07-01"
	prod := world.MustWorkspace(world.WSContosoProd).ResourceID
	ops := world.MustWorkspace(world.WSNorthwindOps).ResourceID

	// The custom table is there because the world created it (it has data), not as a built-in one.
	r := do(t, e, tok, "GET", prod+"/tables"+v, nil)
	if got := tableNames(r); r.status != 200 || !got["SecurityEvent"] || !got["SigninLogs"] || !got["Heartbeat"] || !got["LegacyVPN_CL"] {
		t.Fatalf("tables of a Sentinel workspace: %d %v", r.status, got)
	}
	if _, paged := r.body["nextLink"]; paged {
		t.Error("table lists are not pageable")
	}
	r = do(t, e, tok, "GET", ops+"/tables"+v, nil)
	if got := tableNames(r); !got["Heartbeat"] || got["SecurityEvent"] || got["LegacyVPN_CL"] {
		t.Errorf("tables of a workspace without Sentinel: %v", got)
	}

	r = do(t, e, tok, "GET", prod+"/tables/securityevent"+v, nil)
	p, _ := r.body["properties"].(map[string]any)
	sch, _ := p["schema"].(map[string]any)
	if r.status != 200 || r.body["name"] != "SecurityEvent" || sch["tableType"] != "Microsoft" || p["retentionInDays"] != float64(world.DefaultRetentionDays) {
		t.Fatalf("get SecurityEvent: %d %s", r.status, r.raw)
	}
	if r = do(t, e, tok, "DELETE", prod+"/tables/SecurityEvent"+v, nil); r.status != http.StatusBadRequest {
		t.Errorf("delete of a Microsoft table: %d %s", r.status, r.raw)
	}
	if r = do(t, e, tok, "GET", prod+"/tables/NoSuchTable"+v, nil); r.status != http.StatusNotFound {
		t.Errorf("unknown table: %d", r.status)
	}

	// A change materializes the table; the list still has it once.
	r = do(t, e, tok, "PATCH", prod+"/tables/SigninLogs"+v, map[string]any{"properties": map[string]any{"retentionInDays": 180}})
	if r.status != http.StatusAccepted {
		t.Fatalf("patch: %d %s", r.status, r.raw)
	}
	time.Sleep(30 * time.Millisecond)
	r = do(t, e, tok, "GET", prod+"/tables/SigninLogs"+v, nil)
	if p, _ := r.body["properties"].(map[string]any); p["retentionInDays"] != float64(180) {
		t.Errorf("after patch: %s", r.raw)
	}
	r = do(t, e, tok, "GET", prod+"/tables"+v, nil)
	n := 0
	for _, x := range values(r) {
		if x.(map[string]any)["name"] == "SigninLogs" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("SigninLogs listed %d times", n)
	}
}
