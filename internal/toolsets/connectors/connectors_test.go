package connectors_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/connectors"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

var (
	toolset    = toolsettest.Toolset{Toolset: inventory.Toolset{Name: connectors.Name, Description: "Data connectors."}, Tools: connectors.Tools}
	prodWS     = world.MustWorkspace(world.WSContosoProd)
	fabrikamWS = world.MustWorkspace(world.WSFabrikamSentinel)
)

// start runs the toolset with connectors in two customers' workspaces, created through the API as
// the Sentinel portal does.
func start(t *testing.T) *toolsettest.Env {
	env := toolsettest.Start(t, toolsettest.Options{Toolsets: []toolsettest.Toolset{toolset},
		Configure: func(c *config.Config) { c.Limits.TenantRate = 0 }})
	arm, err := env.Provider.ARM("")
	if err != nil {
		t.Fatal(err)
	}
	put := func(ws world.Workspace, name, kind string, props map[string]any) {
		t.Helper()
		path := ws.ResourceID + "/providers/Microsoft.SecurityInsights/dataConnectors/" + name
		if _, err := arm.Put(context.Background(), path, map[string]any{"kind": kind, "properties": props}, nil); err != nil {
			t.Fatal(err)
		}
	}
	enabled := map[string]any{"state": "Enabled"}
	for _, ws := range []world.Workspace{prodWS, fabrikamWS} {
		put(ws, "office365", "Office365", map[string]any{"tenantId": ws.TenantID, "dataTypes": map[string]any{
			"exchange": enabled, "sharePoint": enabled, "teams": map[string]any{"state": "Disabled"}}})
	}
	put(prodWS, "aad", "AzureActiveDirectory", map[string]any{"tenantId": prodWS.TenantID, "dataTypes": map[string]any{"alerts": map[string]any{"state": "Disabled"}}})
	put(prodWS, "poller", "RestApiPoller", map[string]any{"connectorDefinitionName": "Contoso VPN"})
	return env
}

func TestListDataConnectors(t *testing.T) {
	env := start(t)
	var out struct {
		Count    int
		Failures []any
	}
	res := env.CallOK("list_data_connectors", map[string]any{"workspaces": []string{prodWS.Alias(), fabrikamWS.Alias()}, "format": "csv"})
	res.Decode(&out)
	if out.Count != 4 || len(out.Failures) != 0 {
		t.Fatalf("list %+v\n%s", out, res.Text)
	}
	for _, want := range []string{
		prodWS.Alias() + ",Office365,Partial,\"exchange=Enabled, sharePoint=Enabled, teams=Disabled\",OfficeActivity,office365",
		prodWS.Alias() + ",AzureActiveDirectory,Disabled,alerts=Disabled,\"SigninLogs, AuditLogs, SecurityAlert, AADNonInteractiveUserSignInLogs\",aad",
		fabrikamWS.Alias() + ",Office365,Partial",
		prodWS.Alias() + ",RestApiPoller,,,,poller",
	} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("missing %q in\n%s", want, res.Text)
		}
	}
	res = env.CallOK("list_data_connectors", map[string]any{"workspaces": []string{"all"}, "kind": "office365"})
	res.Decode(&out)
	if out.Count != 2 {
		t.Errorf("Office365 everywhere: %d\n%s", out.Count, res.Text)
	}
}

type freshOut struct {
	Rows []struct {
		Workspace, Connector, Table, Status, Error string
		LastRecord                                 string `json:"last_record"`
	}
	Stale, Errors int
}

func TestConnectorFreshness(t *testing.T) {
	env := start(t)
	if msg := env.CallError("check_connector_freshness", map[string]any{"workspaces": []string{"all"}, "lookback": "200d"}); !strings.Contains(msg, "out of range") {
		t.Errorf("lookback: %s", msg)
	}
	if msg := env.CallError("check_connector_freshness", map[string]any{"workspaces": []string{"all"}, "stale_after": "soon"}); !strings.Contains(msg, "stale_after") {
		t.Errorf("stale_after: %s", msg)
	}
	var out freshOut
	res := env.CallOK("check_connector_freshness", map[string]any{"workspaces": []string{prodWS.Alias(), fabrikamWS.Alias()}})
	res.Decode(&out)
	byKey := map[string]string{}
	for _, r := range out.Rows {
		byKey[r.Workspace+"/"+r.Connector+"/"+r.Table] = r.Status
	}
	// One row per table of each connector (the disabled AAD alerts data type is not checked), and the
	// connector kind whose tables are unknown says so.
	want := []string{prodWS.Alias() + "/Office365/OfficeActivity", fabrikamWS.Alias() + "/Office365/OfficeActivity",
		prodWS.Alias() + "/AzureActiveDirectory/SigninLogs", prodWS.Alias() + "/AzureActiveDirectory/AuditLogs",
		prodWS.Alias() + "/AzureActiveDirectory/AADNonInteractiveUserSignInLogs", prodWS.Alias() + "/RestApiPoller/"}
	var got []string
	for k := range byKey {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("rows %v\nwant %v", got, want)
	}
	if byKey[prodWS.Alias()+"/RestApiPoller/"] != "unknown" {
		t.Errorf("poller: %v", byKey)
	}

	// Until the emulator's query API runs KQL, every table reports the query's error, clearly.
	logs, err := env.Provider.Logs(prodWS.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	_, probe := logs.Query(context.Background(), prodWS.CustomerID, "print 1", "", nil, nil)
	if azure.IsNotImplemented(probe) {
		t.Log(res.Text)
		if out.Errors != 5 || !strings.Contains(res.Text, "5 could not be queried") {
			t.Errorf("errors %d:\n%s", out.Errors, res.Text)
		}
		for _, r := range out.Rows {
			if r.Table != "" && (r.Status != "error" || !strings.Contains(r.Error, "cannot run")) {
				t.Errorf("%s/%s: %s %q", r.Workspace, r.Table, r.Status, r.Error)
			}
		}
		return
	}
	if probe != nil {
		t.Fatalf("probe query: %v", probe)
	}
	// With the engine: Fabrikam's Office 365 connector has been silent for days (seeded).
	silent := world.SeededFacts().Diff(world.DiffSilentConnector)[0]
	if s := byKey[fabrikamWS.Alias()+"/Office365/OfficeActivity"]; s != "stale" && s != "no data" {
		t.Errorf("Fabrikam OfficeActivity silent for %s: status %s", silent.Silent, s)
	}
	if s := byKey[prodWS.Alias()+"/AzureActiveDirectory/SigninLogs"]; s != "fresh" {
		t.Errorf("Contoso SigninLogs: %s", s)
	}
}

func TestToolsAreReadOnly(t *testing.T) {
	env := start(t)
	if got, want := env.ToolNames(), []string{"check_connector_freshness", "list_data_connectors"}; !slices.Equal(got, want) {
		t.Errorf("tools %v, want %v", got, want)
	}
}
