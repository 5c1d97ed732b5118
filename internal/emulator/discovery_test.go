package emulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func TestDiscoverySlice(t *testing.T) {
	e := startEmu(t, Options{})
	app := world.ManagingApp
	tok := token(t, e, app.TenantID, app.ClientID, app.Secret, armScope)

	r := do(t, e, tok, "GET", "/subscriptions?api-version=2022-12-01", nil)
	if r.status != 200 {
		t.Fatalf("subscriptions: %d %s", r.status, r.raw)
	}
	got := map[string]bool{}
	for _, v := range values(r) {
		m := v.(map[string]any)
		got[m["displayName"].(string)] = true
		if m["displayName"] == "contoso-prod" {
			mbt := m["managedByTenants"].([]any)
			if len(mbt) != 1 || mbt[0].(map[string]any)["tenantId"] != world.MustTenant(world.Woodgrove).ID {
				t.Errorf("contoso managedByTenants = %v", mbt)
			}
		}
	}
	for _, want := range []string{"woodgrove-soc", "contoso-prod", "fabrikam-main", "northwind-it"} {
		if !got[want] {
			t.Errorf("subscription %s missing from %v", want, got)
		}
	}
	if got["adatum-corp"] || got["litware-sec"] {
		t.Errorf("undelegated subscriptions visible: %v", got)
	}

	q := `resources
| where type =~ 'microsoft.operationsmanagement/solutions' and name startswith 'SecurityInsights('
| extend wsId = tolower(tostring(properties.workspaceResourceId))
| join kind=inner (resources | where type =~ 'microsoft.operationalinsights/workspaces'
    | project wsId = tolower(id), workspaceName = name, customerId = tostring(properties.customerId), wsLocation = location) on wsId
| project wsId, workspaceName, customerId, subscriptionId, resourceGroup, tenantId, wsLocation`
	r = do(t, e, tok, "POST", "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", map[string]any{"query": q})
	if r.status != 200 {
		t.Fatalf("graph: %d %s", r.status, r.raw)
	}
	names := map[string]bool{}
	for _, d := range r.body["data"].([]any) {
		m := d.(map[string]any)
		names[m["workspaceName"].(string)] = true
		if m["customerId"] == "" || m["tenantId"] == "" {
			t.Errorf("row lacks ids: %v", m)
		}
	}
	for _, ws := range []string{"soc-central", "contoso-prod", "contoso-dev", "fabrikam-sentinel", "northwind-sentinel"} {
		if !names[ws] {
			t.Errorf("workspace %s not discovered: %v", ws, names)
		}
	}
	if names["northwind-ops"] || names["adatum-sentinel"] {
		t.Errorf("unexpected workspaces: %v", names)
	}
	if r.header.Get("x-ms-user-quota-remaining") == "" {
		t.Error("missing x-ms-user-quota-remaining")
	}

	ws := world.MustWorkspace(world.WSContosoProd)
	r = do(t, e, tok, "GET", "/subscriptions/"+ws.SubscriptionID+"/providers/Microsoft.OperationalInsights/workspaces?api-version=2025-07-01", nil)
	if r.status != 200 || len(values(r)) != 2 {
		t.Fatalf("workspaces: %d %s", r.status, r.raw)
	}
	r = do(t, e, tok, "GET", ws.ResourceID+"/providers/Microsoft.SecurityInsights/onboardingStates/default?api-version=2025-07-01-preview", nil)
	if r.status != 200 {
		t.Fatalf("onboardingStates: %d %s", r.status, r.raw)
	}
	ops := world.MustWorkspace(world.WSNorthwindOps)
	r = do(t, e, tok, "GET", ops.ResourceID+"/providers/Microsoft.SecurityInsights/onboardingStates/default?api-version=2025-07-01-preview", nil)
	if r.status != 404 {
		t.Fatalf("northwind-ops onboardingStates: %d %s", r.status, r.raw)
	}

	ad := world.MustWorkspace(world.WSAdatumSentinel)
	r = do(t, e, tok, "GET", ad.ResourceID+"?api-version=2025-07-01", nil)
	if r.status != http.StatusForbidden || errCode(r) != "AuthorizationFailed" || !strings.Contains(r.raw, "does not have authorization to perform action 'Microsoft.OperationalInsights/workspaces/read'") {
		t.Fatalf("adatum: %d %s", r.status, r.raw)
	}
}
