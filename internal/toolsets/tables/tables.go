// Package tables is the toolset for the Log Analytics tables of a workspace: their plan (Analytics,
// Basic, Auxiliary), interactive and total retention and type; a table's schema; custom tables
// (create, delete); and plan and retention changes. Writes are long-running operations in Azure:
// the tools wait for them (with progress notifications when the client asks), within the call's time
// limit.
package tables

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "tables"

// Tools returns the toolset's tools. It only builds values: d's clients may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{listTables(d), getTableSchema(d), createCustomTable(d), deleteCustomTable(d), setTablePlan(d), setTableRetention(d)}
}

var errNoAzure = errors.New("no Azure access is configured: configure azure.credential (see README, Configuration) or run with --emulator")

func clientFor(ctx context.Context, d *toolkit.Deps, ref string) (*sentinel.Client, error) {
	if d == nil || d.Registry == nil || d.Azure == nil {
		return nil, errNoAzure
	}
	ws, err := d.Registry.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	return sentinel.New(d.Azure, ws)
}

// Target names the workspace a result is about.
type Target struct {
	Tenant    string `json:"tenant"`
	Workspace string `json:"workspace"`
}

func targetOf(ws *tenancy.Workspace) Target {
	return Target{Tenant: ws.TenantName, Workspace: ws.Alias}
}

// readTable reads a table, turning a 404 into an error that says how to find tables.
func readTable(ctx context.Context, c *sentinel.Client, name string) (*sentinel.Table, error) {
	t, err := c.Table(ctx, name)
	if azure.IsNotFound(err) {
		hint := "list_table_settings shows the tables of " + c.Workspace().Alias + " (names are case-sensitive)"
		if s := schema.DefaultCatalog().Suggest(name); s != "" && s != name {
			hint = fmt.Sprintf("did you mean %s? %s", s, hint)
		}
		return nil, toolkit.NotFound("table", name, hint)
	}
	if err != nil {
		return nil, toolkit.Unavailable("reading table "+name+" of "+c.Workspace().Alias, err, "")
	}
	return t, nil
}

// TableInfo is a table's plan, retention and type.
type TableInfo struct {
	Name                  string `json:"name"`
	Type                  string `json:"type" jsonschema:"Microsoft, custom, restored or search results"`
	Plan                  string `json:"plan"`
	RetentionDays         int    `json:"retention_days" jsonschema:"interactive retention"`
	TotalRetentionDays    int    `json:"total_retention_days" jsonschema:"interactive plus long-term retention"`
	RetentionDefault      bool   `json:"retention_default,omitempty" jsonschema:"the interactive retention follows the workspace's"`
	TotalRetentionDefault bool   `json:"total_retention_default,omitempty"`
	State                 string `json:"state,omitempty" jsonschema:"provisioning state when not Succeeded"`
}

func infoOf(t *sentinel.Table) TableInfo {
	p := t.Properties
	ti := TableInfo{Name: t.Name, Type: t.Kind(), Plan: p.Plan, RetentionDays: p.RetentionInDays, TotalRetentionDays: p.TotalRetentionInDays,
		RetentionDefault: p.RetentionInDaysAsDefault, TotalRetentionDefault: p.TotalRetentionInDaysAsDefault}
	if p.ProvisioningState != "" && !strings.EqualFold(p.ProvisioningState, "Succeeded") {
		ti.State = p.ProvisioningState
	}
	return ti
}

var typeFilters = []any{"all", "microsoft", "custom", "restored", "search_results"}

type listIn struct {
	toolkit.WorkspaceArg
	Type   string `json:"type,omitempty" jsonschema:"Only tables of this type (default all)."`
	Plan   string `json:"plan,omitempty" jsonschema:"Only tables on this plan."`
	Name   string `json:"name,omitempty" jsonschema:"Only tables whose name contains this text (case-insensitive)."`
	Limit  int    `json:"limit,omitempty" jsonschema:"Maximum rows to show."`
	Cursor string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
	Format string `json:"format,omitempty" jsonschema:"table (default), csv or json."`
}

type listOut struct {
	Target
	Count      int            `json:"count"`
	ByPlan     map[string]int `json:"by_plan"`
	Result     render.Result  `json:"result"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

func listTables(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_table_settings",
		Description: "List a workspace's table settings: type (Microsoft, custom, restored, search results), plan and interactive/total retention. For costs and retention; list_tables shows what has data.",
		Annotations: inventory.Annotations("List table settings", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in listIn) (*mcp.CallToolResult, listOut, error) {
		filters := in
		filters.Cursor, filters.Limit, filters.Format = "", 0, ""
		pager, err := toolkit.NewPager("list_table_settings", filters, in.Cursor)
		if err != nil {
			return nil, listOut{}, err
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, listOut{}, err
		}
		ts, err := c.Tables(ctx)
		if err != nil {
			return nil, listOut{}, toolkit.Unavailable("listing the tables of "+c.Workspace().Alias, err, "")
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
		out := listOut{Target: targetOf(c.Workspace()), ByPlan: map[string]int{}}
		tbl := &render.Table{Columns: []render.Column{{Name: "name"}, {Name: "type"}, {Name: "plan"},
			{Name: "retention_days", Type: "long"}, {Name: "total_retention_days", Type: "long"}}}
		wantType := strings.ReplaceAll(strings.ToLower(in.Type), "_", " ")
		for i := range ts {
			ti := infoOf(&ts[i])
			if wantType != "" && wantType != "all" && !strings.EqualFold(ti.Type, wantType) {
				continue
			}
			if in.Plan != "" && !strings.EqualFold(ti.Plan, in.Plan) {
				continue
			}
			if in.Name != "" && !strings.Contains(strings.ToLower(ti.Name), strings.ToLower(in.Name)) {
				continue
			}
			out.ByPlan[ti.Plan]++
			tbl.Rows = append(tbl.Rows, []any{ti.Name, ti.Type, ti.Plan, ti.RetentionDays, ti.TotalRetentionDays})
		}
		out.Count = len(tbl.Rows)
		if out.Count == 0 {
			return toolkit.Text("No table of " + c.Workspace().Alias + " matches."), out, nil
		}
		res, rep, next, err := pager.Page(d, tbl, render.Format(in.Format), in.Limit)
		if err != nil {
			return nil, listOut{}, err
		}
		out.Result, out.NextCursor = rep, next
		toolkit.WithHeading(res, toolkit.Count(len(tbl.Rows), "table", "tables")+" of "+toolkit.WorkspaceName(c.Workspace())+".")
		return res, out, nil
	}, inventory.Enum("type", typeFilters...), inventory.Enum("plan", sentinel.PlanAnalytics, sentinel.PlanBasic, sentinel.PlanAuxiliary),
		inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 1000))
}

type getIn struct {
	toolkit.WorkspaceArg
	Table string `json:"table" jsonschema:"Table name (case-sensitive)."`
}

// Column is a column of a table schema.
type Column struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	Standard    bool   `json:"standard,omitempty" jsonschema:"defined by Log Analytics rather than the table's owner"`
}

type getOut struct {
	Target
	TableInfo
	Description string   `json:"description,omitempty"`
	Solutions   []string `json:"solutions,omitempty"`
	Columns     []Column `json:"columns"`
}

func getTableSchema(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_table",
		Description: "Show a table's settings (plan, retention) and columns, to manage it; get_table_schema is enough to write queries.",
		Annotations: inventory.Annotations("Get a table definition", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in getIn) (*mcp.CallToolResult, getOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, getOut{}, err
		}
		t, err := readTable(ctx, c, in.Table)
		if err != nil {
			return nil, getOut{}, err
		}
		out := getOut{Target: targetOf(c.Workspace()), TableInfo: infoOf(t), Description: t.Properties.Schema.Description,
			Solutions: t.Properties.Schema.Solutions, Columns: []Column{}}
		// A schema is listed whole (Microsoft tables have up to a few hundred columns), one line per
		// column, within the byte budget.
		var b strings.Builder
		add := func(cols []sentinel.TableColumn, std bool) {
			for _, col := range cols {
				out.Columns = append(out.Columns, Column{Name: col.Name, Type: col.Type, Description: col.Description, Standard: std})
				fmt.Fprintf(&b, "\n%s %s", col.Name, col.Type)
				if col.Description != "" {
					b.WriteString(" -- " + col.Description)
				}
			}
		}
		add(t.Properties.Schema.Columns, false)
		add(t.Properties.Schema.StandardColumns, true)
		text := fmt.Sprintf("%s (%s table) in %s: plan %s, retention %d days interactive, %d days total, %d columns:%s",
			t.Name, out.Type, c.Workspace().Alias, out.Plan, out.RetentionDays, out.TotalRetentionDays, len(out.Columns), b.String())
		if cut, truncated := render.Truncate(text, d.Budget().Limit(0).MaxBytes); truncated {
			text = cut + "\n[truncated: the structured output lists every column]"
		}
		return toolkit.Text(text), out, nil
	})
}
