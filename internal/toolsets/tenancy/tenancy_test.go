package tenancy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/server"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

var toolset = toolsettest.Toolset{Toolset: inventory.Toolset{Name: tenancy.Name, Description: "Tenancy.", Default: true}, Tools: tenancy.Tools}

func start(t *testing.T, o toolsettest.Options) *toolsettest.Env {
	o.Toolsets = append(o.Toolsets, toolset)
	return toolsettest.Start(t, o)
}

type tenantsOut struct {
	Tenants []struct {
		Alias, Name, ID string
		AccessVia       string `json:"access_via"`
		Workspaces      int
		Allowed         bool
	}
}

type workspacesOut struct {
	Workspaces []struct {
		Alias, Tenant, Name, Region, SKU string
		CustomerID                       string `json:"customer_id"`
		Sentinel                         bool
		RetentionDays                    int    `json:"retention_days"`
		AccessVia                        string `json:"access_via"`
		ResourceID                       string `json:"resource_id"`
	}
	Count int
}

func (w workspacesOut) aliases() []string {
	var out []string
	for _, x := range w.Workspaces {
		out = append(out, x.Alias)
	}
	return out
}

func TestListTenantsAndWorkspaces(t *testing.T) {
	env := start(t, toolsettest.Options{})
	if got := env.ToolNames(); !slices.Equal(got, []string{"list_tenants", "list_workspaces", "refresh_discovery"}) {
		t.Fatalf("tools: %v", got)
	}
	var ts tenantsOut
	res := env.CallOK("list_tenants", nil)
	res.Decode(&ts)
	access := map[string]string{}
	for _, tn := range ts.Tenants {
		access[tn.Alias] = tn.AccessVia
		if !tn.Allowed || tn.ID != world.MustTenant(tn.Alias).ID {
			t.Errorf("tenant %+v", tn)
		}
	}
	want := map[string]string{"woodgrove": "own", "contoso": "lighthouse", "fabrikam": "lighthouse", "northwind": "lighthouse", "litware": "direct"}
	if len(access) != len(want) {
		t.Errorf("tenants %v, want %v", access, want)
	}
	for a, v := range want {
		if access[a] != v {
			t.Errorf("%s reached via %q, want %q", a, access[a], v)
		}
	}
	if !strings.Contains(res.Text, "| contoso | Contoso |") {
		t.Errorf("text table:\n%s", res.Text)
	}

	var ws workspacesOut
	env.CallOK("list_workspaces", nil).Decode(&ws)
	var wantWS []string
	for _, w := range world.Workspaces() {
		if w.Sentinel && w.TenantAlias != world.Adatum {
			wantWS = append(wantWS, w.Alias())
		}
	}
	slices.Sort(wantWS)
	if !slices.Equal(ws.aliases(), wantWS) || ws.Count != len(wantWS) {
		t.Fatalf("workspaces %v, want %v", ws.aliases(), wantWS)
	}
	for _, w := range ws.Workspaces {
		ww := world.MustWorkspace(w.Name)
		if w.CustomerID != ww.CustomerID || w.Region != ww.Location || w.RetentionDays != ww.RetentionDays || w.SKU != ww.SKU || !w.Sentinel {
			t.Errorf("%s: %+v", w.Alias, w)
		}
	}

	var contoso workspacesOut
	env.CallOK("list_workspaces", map[string]any{"tenant": "Contoso"}).Decode(&contoso)
	if !slices.Equal(contoso.aliases(), []string{"contoso/contoso-dev", "contoso/contoso-prod"}) {
		t.Errorf("contoso: %v", contoso.aliases())
	}
	msg := env.CallError("list_workspaces", map[string]any{"tenant": "contosso"})
	if !strings.Contains(msg, `unknown tenant "contosso": did you mean contoso?`) {
		t.Errorf("unknown tenant: %s", msg)
	}
}

func TestAllowListRefusesBeforeAnyAzureCall(t *testing.T) {
	env := start(t, toolsettest.Options{Configure: func(c *config.Config) {
		c.Azure.AllowedTenants = []string{"contoso", world.MustTenant(world.Litware).ID}
	}})
	fab := addCounter(t, env.Emulator, world.Fabrikam)
	var ts tenantsOut
	env.CallOK("list_tenants", nil).Decode(&ts)
	for _, tn := range ts.Tenants {
		if tn.Allowed != (tn.Alias == "contoso" || tn.Alias == "litware") {
			t.Errorf("%s allowed=%v", tn.Alias, tn.Allowed)
		}
	}
	before := env.RequestCount()
	for _, ref := range []string{"fabrikam", "Fabrikam", world.MustTenant(world.Fabrikam).ID} {
		msg := env.CallError("list_workspaces", map[string]any{"tenant": ref})
		if !strings.Contains(msg, "not in the allow-list") || !strings.Contains(msg, "nothing was called") {
			t.Errorf("tenant %s: %s", ref, msg)
		}
	}
	if n := env.RequestCount() - before; n != 0 {
		t.Errorf("refused calls sent %d requests: %v", n, env.Requests()[before:])
	}
	if h := env.Emulator.Faults().Hits(fab); h != 0 {
		t.Errorf("%d requests addressed Fabrikam", h)
	}
	var ws workspacesOut
	env.CallOK("list_workspaces", nil).Decode(&ws)
	if !slices.Equal(ws.aliases(), []string{"contoso/contoso-dev", "contoso/contoso-prod", "litware/litware-sentinel"}) {
		t.Errorf("allowed workspaces: %v", ws.aliases())
	}
	var refused int
	for _, r := range env.AuditRecords() {
		if r.Tool == "list_workspaces" && r.Outcome == audit.OutcomeRefused {
			refused++
		}
	}
	if refused != 3 {
		t.Errorf("%d refusals audited, want 3", refused)
	}
}

func TestAllowListOfIDsRefusesTheFirstCallWithoutAnyRequest(t *testing.T) {
	env := start(t, toolsettest.Options{Configure: func(c *config.Config) {
		c.Azure.AllowedTenants = []string{world.MustTenant(world.Contoso).ID}
	}})
	msg := env.CallError("list_workspaces", map[string]any{"tenant": world.MustTenant(world.Adatum).ID})
	if !strings.Contains(msg, "not in the allow-list") {
		t.Errorf("refusal: %s", msg)
	}
	if n := env.RequestCount(); n != 0 {
		t.Errorf("%d requests: %v", n, env.Requests())
	}
}

// A principal of one tenant never reaches another tenant's workspaces: Litware's own app sees
// Litware only, Woodgrove's never sees Adatum, and no tool sends a request into them.
func TestNoToolCrossesTenants(t *testing.T) {
	lit := start(t, toolsettest.Options{Identity: &world.LitwareApp, NoDirectTenant: true})
	counters := map[string]string{}
	for _, a := range []string{world.Contoso, world.Fabrikam, world.Northwind, world.Woodgrove, world.Adatum} {
		counters[a] = addCounter(t, lit.Emulator, a)
	}
	var ws workspacesOut
	lit.CallOK("list_workspaces", nil).Decode(&ws)
	if !slices.Equal(ws.aliases(), []string{"litware/litware-sentinel"}) || ws.Workspaces[0].AccessVia != "own" {
		t.Errorf("Litware's app sees %v", ws.aliases())
	}
	for _, ref := range []string{"contoso", world.MustTenant(world.Contoso).ID, "adatum"} {
		if msg := lit.CallError("list_workspaces", map[string]any{"tenant": ref}); !strings.Contains(msg, "unknown tenant") {
			t.Errorf("%s: %s", ref, msg)
		}
	}
	lit.CallOK("refresh_discovery", nil)
	for a, id := range counters {
		if h := lit.Emulator.Faults().Hits(id); h != 0 {
			t.Errorf("%d requests addressed %s", h, a)
		}
	}

	wg := start(t, toolsettest.Options{})
	adatum := addCounter(t, wg.Emulator, world.Adatum)
	wg.CallOK("list_tenants", nil)
	if msg := wg.CallError("list_workspaces", map[string]any{"tenant": world.MustTenant(world.Adatum).ID}); !strings.Contains(msg, fmt.Sprintf("unknown tenant %q. list_tenants shows", world.MustTenant(world.Adatum).ID)) {
		t.Errorf("adatum: %s", msg)
	}
	if h := wg.Emulator.Faults().Hits(adatum); h != 0 {
		t.Errorf("%d requests addressed Adatum", h)
	}
}

func TestRefreshDiscovery(t *testing.T) {
	env := start(t, toolsettest.Options{})
	res := env.CallOK("refresh_discovery", nil)
	if !strings.Contains(res.Text, "Discovered 5 tenants and 6 workspaces") {
		t.Errorf("first refresh: %s", res.Text)
	}
	res = env.CallOK("refresh_discovery", nil)
	if !strings.Contains(res.Text, "Nothing changed.") {
		t.Errorf("second refresh: %s", res.Text)
	}
	prod := world.MustWorkspace(world.WSContosoProd)
	seed(t, env.Emulator, prod.SubscriptionID, prod.ResourceGroup, "contoso-soc2")
	var out struct {
		WorkspacesAdded []string `json:"workspaces_added"`
		Workspaces      int
	}
	res = env.CallOK("refresh_discovery", nil)
	res.Decode(&out)
	if !slices.Equal(out.WorkspacesAdded, []string{"contoso/contoso-soc2"}) || out.Workspaces != 7 || !strings.Contains(res.Text, "Workspaces added: contoso/contoso-soc2") {
		t.Errorf("after onboarding a workspace: %+v\n%s", out, res.Text)
	}
	tools, _ := env.Session.ListTools(context.Background(), nil)
	for _, tl := range tools.Tools {
		a := tl.Annotations
		switch tl.Name {
		case "refresh_discovery":
			if !a.ReadOnlyHint || a.IdempotentHint || a.DestructiveHint == nil || *a.DestructiveHint || a.OpenWorldHint == nil || !*a.OpenWorldHint {
				t.Errorf("refresh_discovery annotations: %+v", a)
			}
		default:
			if !a.ReadOnlyHint || !a.IdempotentHint {
				t.Errorf("%s annotations: %+v", tl.Name, a)
			}
		}
	}
}

func TestDiscoveryFailureIsAToolError(t *testing.T) {
	env := start(t, toolsettest.Options{NoDirectTenant: true, Configure: func(c *config.Config) {
		c.Azure.Credential.ClientSecret = "wrong"
	}})
	msg := env.CallError("list_workspaces", nil)
	if !strings.Contains(msg, "AADSTS7000215") || !strings.Contains(msg, "check the Azure credential") || strings.Contains(msg, "wrong") {
		t.Errorf("bad secret: %s", msg)
	}
}

func TestWithoutAzure(t *testing.T) {
	cfg := config.Default()
	deps := &toolkit.Deps{Config: cfg}
	inv, err := inventory.NewBuilder([]inventory.Toolset{toolset.Toolset}, tenancy.Tools(deps)).Build(inventory.Filter{Toolsets: []string{"all"}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{Config: cfg, Inventory: inv, Audit: audit.New(filepath.Join(t.TempDir(), "a.jsonl"))})
	if err != nil {
		t.Fatal(err)
	}
	st, ct := mcp.NewInMemoryTransports()
	ss, _ := srv.MCP().Connect(context.Background(), st, nil)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t"}, nil).Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cs.Close(); ss.Close() }()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "list_tenants"})
	if err != nil || !res.IsError {
		t.Fatalf("%v %v", res, err)
	}
	if b, _ := json.Marshal(res.Content); !strings.Contains(string(b), "no Azure access is configured") {
		t.Errorf("message: %s", b)
	}
}

// addCounter installs a no-op fault that counts the requests addressing a tenant's resources.
func addCounter(t *testing.T, e *emulator.Emulator, tenant string) string {
	t.Helper()
	route := ""
	if tenant == world.Woodgrove {
		route = "arm" // its app signs in to it; its resources must not be asked for
	}
	id, err := e.Faults().Add(emulator.Fault{Tenant: tenant, Route: route, Latency: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func seed(t *testing.T, e *emulator.Emulator, sub, rg, name string) {
	t.Helper()
	id := world.WorkspaceResourceID(sub, rg, name)
	docs := map[string]map[string]any{
		id: {"type": "Microsoft.OperationalInsights/workspaces", "location": "westeurope",
			"properties": map[string]any{"customerId": world.GUID("seeded:" + id), "retentionInDays": 90, "sku": map[string]any{"name": "PerGB2018"}}},
		"/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.OperationsManagement/solutions/SecurityInsights(" + name + ")": {
			"type": "Microsoft.OperationsManagement/solutions", "location": "westeurope", "properties": map[string]any{"workspaceResourceId": id}},
		id + "/providers/Microsoft.SecurityInsights/onboardingStates/default": {"type": "Microsoft.SecurityInsights/onboardingStates", "properties": map[string]any{}},
	}
	for rid, d := range docs {
		b, _ := json.Marshal(d)
		if err := e.SeedResource(rid, b); err != nil {
			t.Fatal(err)
		}
	}
}
