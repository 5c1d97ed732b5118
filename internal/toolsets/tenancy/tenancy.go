// Package tenancy is the toolset that shows the model where it can act: the tenants the server knows
// (and how it reaches each), their Sentinel workspaces with the aliases every other tool accepts, and
// a way to look again in Azure when a customer was just onboarded.
package tenancy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	registry "github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "tenancy"

// Tools returns the toolset's tools. It only builds values: d.Registry may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{listTenants(d), listWorkspaces(d), refreshDiscovery(d)}
}

var errNoAzure = errors.New("no Azure access is configured, so there are no tenants: configure azure.credential (see README, Configuration) or run with --emulator")

func registryOf(d *toolkit.Deps) (*registry.Registry, error) {
	if d == nil || d.Registry == nil {
		return nil, errNoAzure
	}
	return d.Registry, nil
}

type tenantRow struct {
	Alias         string `json:"alias"`
	Name          string `json:"name"`
	ID            string `json:"id"`
	AccessVia     string `json:"access_via" jsonschema:"lighthouse (delegated to the managing tenant), direct (its own credential) or own (the server identity's home tenant)"`
	Workspaces    int    `json:"workspaces" jsonschema:"Sentinel workspaces you may address in this tenant"`
	Subscriptions int    `json:"subscriptions"`
	Allowed       bool   `json:"allowed" jsonschema:"whether the server's tenant allow-list lets tools address it"`
}

type tenantsOut struct {
	Tenants      []tenantRow `json:"tenants"`
	DiscoveredAt string      `json:"discovered_at,omitempty"`
	Warnings     []string    `json:"warnings,omitempty" jsonschema:"parts of the last discovery that failed"`
}

func listTenants(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_tenants",
		Description: "List the tenants this server knows: alias, id, how each is reached (Lighthouse, direct, own), its Sentinel workspace count, and whether the allow-list permits it.",
		Annotations: inventory.Annotations("List tenants", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, tenantsOut, error) {
		r, err := registryOf(d)
		if err != nil {
			return nil, tenantsOut{}, err
		}
		ts, err := r.Tenants(ctx)
		if err != nil {
			return nil, tenantsOut{}, toolkit.Unavailable("discovering tenants", err, "check the Azure credential, then call refresh_discovery")
		}
		out := tenantsOut{Tenants: []tenantRow{}}
		tbl := &render.Table{Columns: []render.Column{{Name: "alias"}, {Name: "name"}, {Name: "id"}, {Name: "access_via"},
			{Name: "workspaces", Type: "long"}, {Name: "allowed", Type: "bool"}}}
		for _, t := range ts {
			out.Tenants = append(out.Tenants, tenantRow{Alias: t.Alias, Name: t.Name, ID: t.ID, AccessVia: t.AccessVia,
				Workspaces: t.Workspaces, Subscriptions: t.Subscriptions, Allowed: t.Allowed})
			tbl.Rows = append(tbl.Rows, []any{t.Alias, t.Name, t.ID, t.AccessVia, t.Workspaces, t.Allowed})
		}
		st := r.Status()
		out.DiscoveredAt, out.Warnings = discoveredAt(st), st.Warnings
		res, _ := d.Table(tbl, render.FormatTable, 0)
		appendNotes(res, st.Warnings)
		return res, out, nil
	})
}

type workspaceRow struct {
	Alias         string `json:"alias" jsonschema:"pass this as the workspace argument of other tools"`
	Tenant        string `json:"tenant"`
	Name          string `json:"name"`
	CustomerID    string `json:"customer_id"`
	Region        string `json:"region"`
	Sentinel      bool   `json:"sentinel" jsonschema:"onboarded to Microsoft Sentinel"`
	RetentionDays int    `json:"retention_days"`
	SKU           string `json:"sku"`
	AccessVia     string `json:"access_via"`
	ResourceID    string `json:"resource_id"`
}

type workspacesOut struct {
	Workspaces []workspaceRow `json:"workspaces"`
	Count      int            `json:"count"`
	Warnings   []string       `json:"warnings,omitempty"`
}

func listWorkspaces(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_workspaces",
		Description: "List the Sentinel workspaces you may address, with the alias other tools take as workspace, tenant, customer id, region, retention and SKU. Optionally only one tenant's.",
		Annotations: inventory.Annotations("List workspaces", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in toolkit.TenantArg) (*mcp.CallToolResult, workspacesOut, error) {
		r, err := registryOf(d)
		if err != nil {
			return nil, workspacesOut{}, err
		}
		wss, err := r.Workspaces(ctx)
		if err != nil {
			return nil, workspacesOut{}, toolkit.Unavailable("discovering workspaces", err, "check the Azure credential, then call refresh_discovery")
		}
		if t := strings.TrimSpace(in.Tenant); t != "" && t != "*" && !strings.EqualFold(t, "all") {
			tn, err := r.ResolveTenant(ctx, t) // already resolved and allow-listed by the server
			if err != nil {
				return nil, workspacesOut{}, err
			}
			var keep []*registry.Workspace
			for _, w := range wss {
				if w.TenantID == tn.ID {
					keep = append(keep, w)
				}
			}
			wss = keep
		}
		out := workspacesOut{Workspaces: []workspaceRow{}, Count: len(wss)}
		tbl := &render.Table{Columns: []render.Column{{Name: "alias"}, {Name: "tenant"}, {Name: "customer_id", Type: "guid"},
			{Name: "region"}, {Name: "sentinel", Type: "bool"}, {Name: "retention_days", Type: "long"}, {Name: "sku"}}}
		for _, w := range wss {
			out.Workspaces = append(out.Workspaces, workspaceRow{Alias: w.Alias, Tenant: w.TenantName, Name: w.Name, CustomerID: w.CustomerID,
				Region: w.Location, Sentinel: w.Sentinel, RetentionDays: w.RetentionDays, SKU: w.SKU, AccessVia: w.AccessVia, ResourceID: w.ResourceID})
			tbl.Rows = append(tbl.Rows, []any{w.Alias, w.TenantName, w.CustomerID, w.Location, w.Sentinel, w.RetentionDays, w.SKU})
		}
		st := r.Status()
		out.Warnings = st.Warnings
		if len(wss) == 0 {
			msg := "No Sentinel workspace found"
			if in.Tenant != "" {
				msg += " in tenant " + in.Tenant
			}
			res := toolkit.Text(msg + ". list_tenants shows the tenants and their access; refresh_discovery looks again in Azure.")
			appendNotes(res, st.Warnings)
			return res, out, nil
		}
		res, _ := d.Table(tbl, render.FormatTable, 0)
		appendNotes(res, st.Warnings)
		return res, out, nil
	})
}

type refreshOut struct {
	Tenants           int      `json:"tenants"`
	Workspaces        int      `json:"workspaces"`
	TenantsAdded      []string `json:"tenants_added"`
	TenantsRemoved    []string `json:"tenants_removed"`
	WorkspacesAdded   []string `json:"workspaces_added"`
	WorkspacesRemoved []string `json:"workspaces_removed"`
	WorkspacesChanged []string `json:"workspaces_changed"`
	Warnings          []string `json:"warnings"`
	DiscoveredAt      string   `json:"discovered_at"`
	TookMS            int64    `json:"took_ms"`
}

func refreshDiscovery(d *toolkit.Deps) inventory.Tool {
	// Read-only: it changes nothing in Azure, only the server's cache. Not marked idempotent: each
	// call queries Azure again (and spends its rate limits) and may report different changes.
	return inventory.New(Name, mcp.Tool{
		Name:        "refresh_discovery",
		Description: "Look for tenants and workspaces in Azure again now (results are otherwise cached for a while) and report what changed. Use after onboarding a customer or workspace.",
		Annotations: inventory.Annotations("Refresh discovery", inventory.ReadOnly|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, refreshOut, error) {
		r, err := registryOf(d)
		if err != nil {
			return nil, refreshOut{}, err
		}
		ch, err := r.Refresh(ctx)
		if err != nil {
			return nil, refreshOut{}, toolkit.Unavailable("discovery", err, "check the Azure credential and try again")
		}
		out := refreshOut{Tenants: ch.Tenants, Workspaces: ch.Workspaces, TenantsAdded: nonNil(ch.TenantsAdded),
			TenantsRemoved: nonNil(ch.TenantsRemoved), WorkspacesAdded: nonNil(ch.WorkspacesAdded),
			WorkspacesRemoved: nonNil(ch.WorkspacesRemoved), WorkspacesChanged: nonNil(ch.WorkspacesChanged),
			Warnings: nonNil(ch.Warnings), DiscoveredAt: ch.DiscoveredAt.UTC().Format(time.RFC3339), TookMS: ch.Took.Milliseconds()}
		var b strings.Builder
		fmt.Fprintf(&b, "Discovered %d tenants and %d workspaces in %s.", ch.Tenants, ch.Workspaces, ch.Took.Round(time.Millisecond))
		section := func(title string, items []string) {
			if len(items) > 0 {
				fmt.Fprintf(&b, "\n%s: %s", title, strings.Join(items, "; "))
			}
		}
		section("Tenants added", ch.TenantsAdded)
		section("Tenants removed", ch.TenantsRemoved)
		section("Workspaces added", ch.WorkspacesAdded)
		section("Workspaces removed", ch.WorkspacesRemoved)
		section("Workspaces changed", ch.WorkspacesChanged)
		if len(ch.TenantsAdded)+len(ch.TenantsRemoved)+len(ch.WorkspacesAdded)+len(ch.WorkspacesRemoved)+len(ch.WorkspacesChanged) == 0 {
			b.WriteString(" Nothing changed.")
		}
		section("Warnings", ch.Warnings)
		return toolkit.Text(b.String()), out, nil
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func discoveredAt(st registry.Status) string {
	if !st.Discovered {
		return ""
	}
	return st.DiscoveredAt.UTC().Format(time.RFC3339)
}

// appendNotes adds the discovery warnings under the table, so the model knows the list may be
// incomplete.
func appendNotes(res *mcp.CallToolResult, warnings []string) {
	if len(warnings) == 0 || res == nil {
		return
	}
	shown := warnings
	more := ""
	if len(shown) > 5 {
		shown, more = shown[:5], fmt.Sprintf(" (and %d more)", len(warnings)-5)
	}
	res.Content = append(res.Content, &mcp.TextContent{Text: "Discovery was incomplete: " + strings.Join(shown, "; ") + more})
}
