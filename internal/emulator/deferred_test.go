package emulator

import (
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// The workspaces' seeded contents are stored on first access: nothing is built before, everything is there
// after, and what a client writes next to it behaves as if it had always been there.
func TestDeferredContentIsStoredOnFirstAccess(t *testing.T) {
	now := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	e := startEmu(t, Options{Now: func() time.Time { return now }})
	tok := token(t, e, world.ManagingApp.TenantID, world.ManagingApp.ClientID, world.ManagingApp.Secret, armScope)
	ws := world.MustWorkspace(world.WSContosoProd)
	incidents := ws.ResourceID + "/providers/Microsoft.SecurityInsights/incidents"

	// Discovery-type requests do not build anything.
	if r := do(t, e, tok, "GET", ws.ResourceID+"?api-version=2025-02-01", nil); r.status != 200 {
		t.Fatalf("workspace: %d %s", r.status, r.raw)
	}
	_, st, _ := e.state()
	if n := st.npend.Load(); n == 0 || len(st.list(incidents)) == 0 || st.npend.Load() != n-1 {
		t.Fatalf("pending groups before/after listing incidents: %d/%d", n, st.npend.Load())
	}

	f := world.SeededFacts()
	want := f.AllIncidentsIn(ws.Name)
	last := want[len(want)-1]
	r := do(t, e, tok, "GET", incidents+"/"+last.Name+"?api-version=2025-06-01", nil)
	if r.status != 200 || r.body["properties"].(map[string]any)["incidentNumber"].(float64) != float64(last.Number) {
		t.Fatalf("get seeded incident: %d %s", r.status, r.raw)
	}
	// A new incident is numbered after the seeded ones.
	r = do(t, e, tok, "PUT", incidents+"/"+world.GUID("new-incident")+"?api-version=2025-06-01",
		map[string]any{"properties": map[string]any{"title": "Manual", "severity": "Low", "status": "New"}})
	if r.status != 201 || r.body["properties"].(map[string]any)["incidentNumber"].(float64) != float64(last.Number+1) {
		t.Fatalf("new incident: %d %s", r.status, r.raw)
	}
	// Children of an incident of another workspace are built by the POST that lists them.
	nw := world.MustWorkspace(world.WSNorthwindSentinel)
	inc := f.AllIncidentsIn(nw.Name)[0]
	r = do(t, e, tok, "POST", nw.ResourceID+"/providers/Microsoft.SecurityInsights/incidents/"+inc.Name+"/entities?api-version=2025-06-01", nil)
	if ents, _ := r.body["entities"].([]any); r.status != 200 || len(ents) != len(inc.Entities) {
		t.Fatalf("entities: %d %s", r.status, r.raw)
	}
}

// A persisted state holds the deferred contents too: the state file is loaded without the seed's groups.
func TestDeferredContentIsPersisted(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	opts := Options{Now: func() time.Time { return now }, DataDir: dir}
	e := startEmu(t, opts)
	tok := token(t, e, world.ManagingApp.TenantID, world.ManagingApp.ClientID, world.ManagingApp.Secret, armScope)
	ws := world.MustWorkspace(world.WSContosoDev)
	comment := ws.ResourceID + "/providers/Microsoft.SecurityInsights/incidents/" + world.SeededFacts().AllIncidentsIn(ws.Name)[0].Name +
		"/comments/" + world.GUID("persisted-comment") + "?api-version=2025-06-01"
	if r := do(t, e, tok, "PUT", comment, map[string]any{"properties": map[string]any{"message": "kept"}}); r.status != 201 {
		t.Fatalf("comment: %d %s", r.status, r.raw)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	_ = e.Close()

	e2 := startEmu(t, opts)
	tok = token(t, e2, world.ManagingApp.TenantID, world.ManagingApp.ClientID, world.ManagingApp.Secret, armScope)
	want := len(world.SeededFacts().AllIncidentsIn(world.WSContosoProd))
	r := do(t, e2, tok, "GET", world.MustWorkspace(world.WSContosoProd).ResourceID+
		"/providers/Microsoft.SecurityInsights/incidents?api-version=2025-06-01&$top=1000", nil)
	if r.status != 200 || len(values(r)) != want {
		t.Fatalf("after a restart: %d incidents (status %d), want %d", len(values(r)), r.status, want)
	}
	if r := do(t, e2, tok, "GET", comment, nil); r.status != 200 || !strings.Contains(r.raw, "kept") {
		t.Fatalf("comment after a restart: %d %s", r.status, r.raw)
	}
}

// The query API's metadata lists the seeded tables and the parser function saved in the workspace.
func TestMetadataListsSeededTablesAndFunctions(t *testing.T) {
	e := startEmu(t, Options{})
	tok := token(t, e, world.ManagingApp.TenantID, world.ManagingApp.ClientID, world.ManagingApp.Secret, logsScope)
	ws := world.MustWorkspace(world.WSContosoProd)
	r := do(t, e, tok, "GET", "/v1/workspaces/"+ws.CustomerID+"/metadata", nil)
	if r.status != 200 {
		t.Fatalf("metadata: %d %s", r.status, r.raw)
	}
	fns, _ := r.body["functions"].([]any)
	found := false
	for _, f := range fns {
		m := f.(map[string]any)
		found = found || (m["name"] == world.VPNSessionsFunction.Alias && m["parameters"] == world.VPNSessionsFunction.Parameters)
	}
	tables, _ := r.body["tables"].([]any)
	names := map[string]bool{}
	for _, x := range tables {
		names[x.(map[string]any)["name"].(string)] = true
	}
	if !found || !names[world.CustomTable] || !names["SigninLogs"] || len(tables) < 20 {
		t.Errorf("metadata: function %v, %d tables", found, len(tables))
	}
}

// Resource Graph lists the deferred top-level resources (data collection rules, workbooks) of the
// subscriptions the caller sees.
func TestResourceGraphListsDeferredTopLevelResources(t *testing.T) {
	e := startEmu(t, Options{})
	tok := token(t, e, world.ManagingApp.TenantID, world.ManagingApp.ClientID, world.ManagingApp.Secret, armScope)
	q := "resources | where type =~ 'microsoft.insights/datacollectionrules' or type =~ 'microsoft.insights/workbooks' | project id, type"
	r := do(t, e, tok, "POST", "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", map[string]any{"query": q})
	if r.status != 200 {
		t.Fatalf("graph: %d %s", r.status, r.raw)
	}
	rows, _ := r.body["data"].([]any)
	// The managing app sees Woodgrove's and the delegated customers' Sentinel workspaces.
	n := 0
	for _, ws := range world.Workspaces() {
		t := world.MustTenant(ws.TenantAlias)
		if ws.Sentinel && (t.Role == world.RoleManaging || t.Role == world.RoleDelegated) {
			n++
		}
	}
	if want := n * (len(world.DataCollectionRules) + len(world.Workbooks)); len(rows) != want {
		t.Errorf("Resource Graph lists %d data collection rules and workbooks, want %d", len(rows), want)
	}
}
