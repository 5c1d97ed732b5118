package connectors_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
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
	// The tests own the connectors of these workspaces: clear what the seeded world may have.
	for _, ws := range []world.Workspace{prodWS, fabrikamWS} {
		list, err := arm.List(context.Background(), ws.ResourceID+"/providers/Microsoft.SecurityInsights/dataConnectors", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range list.Items {
			var dc struct{ ID string }
			_ = json.Unmarshal(raw, &dc)
			if _, err := arm.Delete(context.Background(), dc.ID, nil); err != nil {
				t.Fatal(err)
			}
		}
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
	// Everywhere: the two above and those the seeded world has in the other workspaces the server reaches.
	want := 2
	for _, ws := range world.Workspaces() {
		if ws.Name != prodWS.Name && ws.Name != fabrikamWS.Name && ws.TenantAlias != world.Adatum &&
			slices.Contains(world.ConnectorsIn(ws.Name), "Office365") {
			want++
		}
	}
	res = env.CallOK("list_data_connectors", map[string]any{"workspaces": []string{"all"}, "kind": "office365"})
	res.Decode(&out)
	if out.Count != want {
		t.Errorf("Office365 everywhere: %d, want %d\n%s", out.Count, want, res.Text)
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
	if msg := env.CallError("check_connector_freshness", map[string]any{"workspaces": []string{"all"}, "timespan": "200d"}); !strings.Contains(msg, "out of range") {
		t.Errorf("timespan: %s", msg)
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

	// Fabrikam's Office 365 connector has been silent for days (seeded); Contoso's sign-ins flow.
	silent := world.SeededFacts().Diff(world.DiffSilentConnector)[0]
	if silent.Workspace != fabrikamWS.Name || silent.Table != "OfficeActivity" {
		t.Fatalf("seeded silent connector %+v", silent)
	}
	if s := byKey[fabrikamWS.Alias()+"/Office365/OfficeActivity"]; s != "stale" {
		t.Errorf("Fabrikam OfficeActivity, silent for %s: status %s\n%s", silent.Silent, s, res.Text)
	}
	for _, table := range []string{"SigninLogs", "AuditLogs"} {
		if s := byKey[prodWS.Alias()+"/AzureActiveDirectory/"+table]; s != "fresh" {
			t.Errorf("Contoso %s: %s\n%s", table, s, res.Text)
		}
	}
	if out.Stale != 1 || out.Errors != 0 {
		t.Errorf("stale %d, errors %d", out.Stale, out.Errors)
	}
	// A longer stale_after makes it fresh again.
	env.CallOK("check_connector_freshness", map[string]any{"workspaces": []string{fabrikamWS.Alias()}, "stale_after": "5d"}).Decode(&out)
	if len(out.Rows) != 1 || out.Rows[0].Status != "fresh" {
		t.Errorf("stale_after 5d: %+v", out.Rows)
	}
}

// A table that cannot be queried is reported on its own row, with the reason; the others still are.
func TestConnectorFreshnessReportsQueryErrorsPerTable(t *testing.T) {
	env := start(t)
	arm, _ := env.Provider.ARM("")
	if _, err := arm.Put(context.Background(), prodWS.ResourceID+"/providers/Microsoft.SecurityInsights/dataConnectors/aws", map[string]any{
		"kind": "AmazonWebServicesCloudTrail", "properties": map[string]any{"awsRoleArn": "arn:aws:iam::123456789012:role/sentinel",
			"dataTypes": map[string]any{"logs": map[string]any{"state": "Enabled"}}}}, nil); err != nil {
		t.Fatal(err)
	}
	var out freshOut
	res := env.CallOK("check_connector_freshness", map[string]any{"workspaces": []string{prodWS.Alias()}})
	res.Decode(&out)
	var aws, others int
	for _, r := range out.Rows {
		switch {
		case r.Table == "AWSCloudTrail":
			aws++
			if r.Status != "error" || !strings.Contains(r.Error, "does not exist in this workspace") {
				t.Errorf("AWSCloudTrail: %s %q", r.Status, r.Error)
			}
		case r.Table != "":
			others++
			if r.Status == "error" {
				t.Errorf("%s: %s", r.Table, r.Error)
			}
		}
	}
	if aws != 1 || others != 4 || out.Errors != 1 || !strings.Contains(res.Text, "1 could not be queried") {
		t.Errorf("rows %+v\n%s", out.Rows, res.Text)
	}
	// Throttled queries fail per table once the retries are spent; the tool still answers.
	env.Emulator.Faults().Add(emulator.Fault{Route: "query", Status: 429, RetryAfter: 10 * time.Millisecond})
	res = env.CallOK("check_connector_freshness", map[string]any{"workspaces": []string{prodWS.Alias()}, "kind": "Office365"})
	res.Decode(&out)
	if len(out.Rows) != 1 || out.Rows[0].Status != "error" || out.Rows[0].Error == "" {
		t.Errorf("throttled: %+v", out.Rows)
	}
}

func TestToolsAreReadOnly(t *testing.T) {
	env := start(t)
	if got, want := env.ToolNames(), []string{"check_connector_freshness", "list_data_connectors"}; !slices.Equal(got, want) {
		t.Errorf("tools %v, want %v", got, want)
	}
}

// Over the seeded world, without arguments (every workspace): the silent connector comes first and is
// named in the summary; alert and incident tables that saw no new record are quiet, not stale, so
// they do not bury it.
func TestConnectorFreshnessPutsTheSilentConnectorFirst(t *testing.T) {
	env := toolsettest.Start(t, toolsettest.Options{Toolsets: []toolsettest.Toolset{toolset},
		Configure: func(c *config.Config) { c.Limits.TenantRate = 0 }})
	silent := world.SeededFacts().Diff(world.DiffSilentConnector)
	if len(silent) != 1 {
		t.Fatalf("seeded silent connectors: %+v", silent)
	}
	ws := world.MustWorkspace(silent[0].Workspace)
	var out struct {
		freshOut
		Quiet int
	}
	res := env.CallOK("check_connector_freshness", map[string]any{})
	res.Decode(&out)
	if out.Stale != 1 || out.Errors != 0 || len(out.Rows) == 0 {
		t.Fatalf("stale %d, errors %d, %d rows\n%s", out.Stale, out.Errors, len(out.Rows), res.Text)
	}
	first := out.Rows[0]
	if first.Workspace != ws.Alias() || first.Connector != silent[0].Connector || first.Table != silent[0].Table || first.Status != "stale" {
		t.Errorf("first row %+v, want the silent %+v", first, silent[0])
	}
	want := "Stale or silent: " + ws.Alias() + " " + silent[0].Connector + " " + silent[0].Table + " (last record "
	if !strings.Contains(res.Text, want) {
		t.Errorf("summary does not name the silent connector (%q):\n%s", want, res.Text[:min(len(res.Text), 600)])
	}
	workspaces := map[string]bool{}
	for _, r := range out.Rows {
		workspaces[r.Workspace] = true
		if (r.Table == "SecurityAlert" || r.Table == "SecurityIncident") && r.Status != "quiet" && r.Status != "fresh" {
			t.Errorf("%s %s %s: %s, want quiet or fresh", r.Workspace, r.Connector, r.Table, r.Status)
		}
	}
	if out.Quiet == 0 || len(workspaces) < 5 {
		t.Errorf("quiet %d, workspaces %v", out.Quiet, workspaces)
	}
}
