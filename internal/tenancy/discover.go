package tenancy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
)

// identity is one credential discovery looks through: the default identity, or a pinned tenant's
// own credential.
type identity struct {
	credTenant string              // argument of Provider.ARM
	pinned     *config.AzureTenant // nil for the default identity
	label      string
}

// tenantInfo is what GET /tenants says about a tenant.
type tenantInfo struct {
	ID       string `json:"tenantId"`
	Name     string `json:"displayName"`
	Domain   string `json:"defaultDomain"`
	Category string `json:"tenantCategory"`
}

type subscriptionInfo struct {
	ID               string `json:"subscriptionId"`
	TenantID         string `json:"tenantId"`
	Name             string `json:"displayName"`
	State            string `json:"state"`
	ManagedByTenants []struct {
		TenantID string `json:"tenantId"`
	} `json:"managedByTenants"`
}

// found is what one identity discovered.
type found struct {
	id        identity
	home      string // the identity's home tenant
	tenants   map[string]tenantInfo
	subs      []subscriptionInfo
	workspace []*Workspace // Sentinel or not (merge decides what is addressable)
	warnings  []string
}

// workspaceQuery lists Log Analytics workspaces with their Sentinel solution (if any) in one
// Resource Graph query (CONTRACTS.md, Sentinel workspace discovery).
const workspaceQuery = `resources
| where type =~ 'microsoft.operationalinsights/workspaces'
| extend wsId = tolower(id)
| project wsId, id, name, location, resourceGroup, subscriptionId, tenantId, customerId = tostring(properties.customerId), retentionInDays = properties.retentionInDays, sku = tostring(properties.sku.name)
| join kind=leftouter (resources
    | where type =~ 'microsoft.operationsmanagement/solutions' and name startswith 'SecurityInsights('
    | project wsId = tolower(tostring(properties.workspaceResourceId)), solution = name) on wsId
| project id, name, location, resourceGroup, subscriptionId, tenantId, customerId, retentionInDays, sku, solution`

type workspaceRow struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Location       string          `json:"location"`
	ResourceGroup  string          `json:"resourceGroup"`
	SubscriptionID string          `json:"subscriptionId"`
	TenantID       string          `json:"tenantId"`
	CustomerID     string          `json:"customerId"`
	Retention      json.RawMessage `json:"retentionInDays"`
	SKU            string          `json:"sku"`
	Solution       string          `json:"solution"`
}

// identities lists the credentials to discover with: the default identity (when discovery is on)
// and each allowed pinned tenant with its own credential (unless limited to its pinned workspaces).
func (r *Registry) identities() []identity {
	var ids []identity
	if r.cfg.Discovery.Enabled {
		ids = append(ids, identity{credTenant: r.p.DefaultTenantID(), label: "the default identity"})
	}
	for i := range r.cfg.Tenants {
		t := &r.cfg.Tenants[i]
		if t.Credential == "" || !r.cfg.Discovery.Enabled || t.WorkspacesOnly || !r.allowedTenant(t.ID, tenantInfo{}) {
			continue
		}
		ids = append(ids, identity{credTenant: t.ID, pinned: t, label: fmt.Sprintf("credential %q of tenant %s", t.Credential, t.ID)})
	}
	return ids
}

// discover runs discovery through every identity and merges the result with the configuration.
func (r *Registry) discover(ctx context.Context, prev *snapshot) (*snapshot, error) {
	ids := r.identities()
	outs := fanout.Run(ctx, ids, fanout.Options{Concurrency: r.cfg.FanOut.Concurrency}, func(ctx context.Context, id identity) (*found, error) {
		return r.discoverWith(ctx, id)
	})
	var results []*found
	var failed []identity
	var warnings []string
	var errs []error
	for _, o := range outs {
		if o.Err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			failed = append(failed, o.Target)
			errs = append(errs, fmt.Errorf("%s: %w", o.Target.label, o.Err))
			warnings = append(warnings, fmt.Sprintf("discovery through %s failed: %v", o.Target.label, o.Err))
			continue
		}
		results = append(results, o.Value)
	}
	if len(ids) > 0 && len(results) == 0 && len(r.cfg.Tenants) == 0 {
		return nil, fmt.Errorf("tenant discovery failed: %w", errors.Join(errs...))
	}
	return r.merge(ctx, results, failed, warnings, prev)
}

func (r *Registry) discoverWith(ctx context.Context, id identity) (*found, error) {
	arm, err := r.p.ARM(id.credTenant)
	if err != nil {
		return nil, err
	}
	f := &found{id: id, tenants: map[string]tenantInfo{}}
	tenants, err := arm.List(ctx, "/tenants", nil)
	switch {
	case err == nil:
		for _, raw := range tenants.Items {
			var ti tenantInfo
			if json.Unmarshal(raw, &ti) == nil && ti.ID != "" {
				f.tenants[strings.ToLower(ti.ID)] = ti
				if strings.EqualFold(ti.Category, "Home") {
					f.home = ti.ID
				}
			}
		}
	case ctx.Err() != nil:
		return nil, ctx.Err()
	default:
		// names and the home tenant can come from elsewhere; subscriptions cannot
		f.warnings = append(f.warnings, fmt.Sprintf("listing tenants through %s: %v", id.label, err))
	}
	if f.home == "" {
		f.home = id.credTenant
		if id.pinned != nil {
			f.home = id.pinned.ID
		}
	}
	subs, err := arm.List(ctx, "/subscriptions", nil)
	if err != nil {
		return nil, fmt.Errorf("listing subscriptions: %w", err)
	}
	var visible []string
	for _, raw := range subs.Items {
		var s subscriptionInfo
		if json.Unmarshal(raw, &s) != nil || s.ID == "" {
			continue
		}
		switch strings.ToLower(s.State) {
		case "disabled", "deleted":
			continue
		}
		f.subs = append(f.subs, s)
		ti := f.tenants[strings.ToLower(s.TenantID)]
		if r.allowedTenant(s.TenantID, ti) {
			visible = append(visible, s.ID)
		}
	}
	if len(visible) == 0 {
		return f, nil
	}
	rows, fallback, err := r.findWorkspaces(ctx, arm, visible)
	if err != nil {
		return nil, err
	}
	if fallback != "" {
		f.warnings = append(f.warnings, fallback)
	}
	var confirm []*Workspace
	for _, row := range rows {
		ws := &Workspace{TenantID: row.TenantID, SubscriptionID: row.SubscriptionID, ResourceGroup: row.ResourceGroup,
			Name: row.Name, CustomerID: row.CustomerID, ResourceID: row.ID, Location: row.Location, SKU: row.SKU,
			RetentionDays: intOf(row.Retention), Sentinel: row.Solution != ""}
		if ws.TenantID == "" {
			ws.TenantID = tenantOfSub(f.subs, ws.SubscriptionID)
		}
		ws.CredTenantID, ws.AccessVia = f.access(ws.TenantID)
		if (ws.Sentinel && r.cfg.Discovery.ConfirmOnboard) || fallback != "" {
			confirm = append(confirm, ws)
		}
		f.workspace = append(f.workspace, ws)
	}
	f.warnings = append(f.warnings, r.confirmOnboarding(ctx, arm, confirm)...)
	return f, nil
}

// access is how the identity reaches a tenant's resources.
func (f *found) access(tenantID string) (credTenant, via string) {
	cred := f.id.credTenant
	if f.id.pinned != nil {
		cred = f.id.pinned.ID
	}
	switch {
	case !strings.EqualFold(tenantID, f.home):
		return cred, AccessLighthouse
	case f.id.pinned != nil:
		return cred, AccessDirect
	}
	if cred == "" {
		cred = f.home
	}
	return cred, AccessOwn
}

// findWorkspaces lists the workspaces of subs through Resource Graph, or, when Resource Graph
// refuses, through each subscription's workspace list (then every workspace needs its onboarding
// confirmed, so the second result says discovery fell back).
func (r *Registry) findWorkspaces(ctx context.Context, arm *azure.ARM, subs []string) ([]workspaceRow, string, error) {
	res, err := arm.ResourceGraph(ctx, azure.GraphQuery{Query: workspaceQuery, Subscriptions: subs})
	if err == nil {
		rows := make([]workspaceRow, 0, len(res.Rows))
		for _, raw := range res.Rows {
			var row workspaceRow
			if json.Unmarshal(raw, &row) == nil && row.ID != "" {
				rows = append(rows, row)
			}
		}
		return rows, "", nil
	}
	if ctx.Err() != nil {
		return nil, "", ctx.Err()
	}
	note := fmt.Sprintf("Resource Graph failed (%v); workspaces were listed per subscription instead", err)
	var rows []workspaceRow
	for _, sub := range subs {
		list, err := arm.List(ctx, "/subscriptions/"+sub+"/providers/Microsoft.OperationalInsights/workspaces", nil)
		if err != nil {
			if ctx.Err() != nil {
				return nil, "", ctx.Err()
			}
			note += fmt.Sprintf("; subscription %s: %v", sub, err)
			continue
		}
		for _, raw := range list.Items {
			var d struct {
				ID         string `json:"id"`
				Name       string `json:"name"`
				Location   string `json:"location"`
				Properties struct {
					CustomerID string          `json:"customerId"`
					Retention  json.RawMessage `json:"retentionInDays"`
					SKU        struct {
						Name string `json:"name"`
					} `json:"sku"`
				} `json:"properties"`
			}
			if json.Unmarshal(raw, &d) != nil || d.ID == "" {
				continue
			}
			rows = append(rows, workspaceRow{ID: d.ID, Name: d.Name, Location: d.Location, SubscriptionID: sub,
				ResourceGroup: resourceGroupOf(d.ID), CustomerID: d.Properties.CustomerID, Retention: d.Properties.Retention,
				SKU: d.Properties.SKU.Name})
		}
	}
	return rows, note, nil
}

// confirmOnboarding asks Sentinel whether each workspace is onboarded (onboardingStates/default:
// 200 yes, 404 no). Other failures keep Resource Graph's answer and become warnings.
func (r *Registry) confirmOnboarding(ctx context.Context, arm *azure.ARM, wss []*Workspace) []string {
	outs := fanout.Run(ctx, wss, fanout.Options{Concurrency: r.cfg.FanOut.Concurrency, PerTargetTimeout: r.cfg.FanOut.PerWorkspaceTimeout},
		func(ctx context.Context, ws *Workspace) (bool, error) {
			_, err := arm.Do(ctx, azure.Request{Method: http.MethodGet, Path: ws.ResourceID + "/providers/Microsoft.SecurityInsights/onboardingStates/default"})
			if azure.IsNotFound(err) {
				return false, nil
			}
			return err == nil, err
		})
	var warnings []string
	for _, o := range outs {
		if o.Err != nil {
			warnings = append(warnings, fmt.Sprintf("checking Sentinel onboarding of %s: %v", o.Target.ResourceID, o.Err))
			continue
		}
		o.Target.Sentinel = o.Value
	}
	return warnings
}

func intOf(raw json.RawMessage) int {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0
		}
		n = json.Number(s)
	}
	i, err := n.Int64()
	if err != nil {
		f, _ := n.Float64()
		return int(f)
	}
	return int(i)
}

func tenantOfSub(subs []subscriptionInfo, id string) string {
	for _, s := range subs {
		if strings.EqualFold(s.ID, id) {
			return s.TenantID
		}
	}
	return ""
}

// resourceGroupOf returns the resource group of an ARM id.
func resourceGroupOf(id string) string {
	p := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(p); i++ {
		if strings.EqualFold(p[i], "resourceGroups") {
			return p[i+1]
		}
	}
	return ""
}

// tenantName is the configured name of a tenant, else the discovered one.
func (r *Registry) tenantName(id, discovered string) string {
	for _, t := range r.cfg.Tenants {
		if strings.EqualFold(t.ID, id) && t.Name != "" {
			return t.Name
		}
	}
	return discovered
}
