package query

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type runIn struct {
	toolkit.WorkspaceArg
	Query string `json:"query" jsonschema:"KQL query (read-only)."`
	TimeArgs
	FormatArg
}

type runOut struct {
	Tenant    string        `json:"tenant"`
	Workspace string        `json:"workspace"`
	TimeRange string        `json:"time_range"`
	Result    render.Result `json:"result"`
	// Partial is Log Analytics' error when it answered with incomplete data.
	Partial string `json:"partial_error,omitempty"`
	// AlsoRead are the other workspaces the query read through workspace("<resource id>").
	AlsoRead []string `json:"also_read,omitempty" jsonschema:"other workspaces the query read through workspace()"`
}

func runQuery(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "run_kql_query",
		Description: "Run a read-only KQL query on one workspace (default: last 24h). Large results are cut; then narrow the query.",
		Annotations: inventory.Annotations("Run KQL query", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in runIn) (*mcp.CallToolResult, runOut, error) {
		if err := checkQuery("query", in.Query); err != nil {
			return nil, runOut{}, err
		}
		f, err := in.format()
		if err != nil {
			return nil, runOut{}, err
		}
		tr, err := in.forQuery(d.Clock(), in.Query)
		if err != nil {
			return nil, runOut{}, err
		}
		ws, logs, err := resolve(ctx, d, in.Workspace)
		if err != nil {
			return nil, runOut{}, err
		}
		others, err := otherWorkspaces(ctx, d, ws, in.Query)
		if err != nil {
			return nil, runOut{}, err
		}
		res, err := logs.Query(ctx, ws.CustomerID, in.Query, tr.ISO, nil, nil)
		if err != nil {
			return nil, runOut{}, queryFailure(ws.Alias, in.Query, err)
		}
		tbl := &render.Table{Columns: []render.Column{}}
		out := runOut{Tenant: ws.TenantName, Workspace: ws.Alias, TimeRange: tr.Desc}
		source := ws.Alias
		var also []string
		for _, o := range others {
			out.AlsoRead = append(out.AlsoRead, o.Alias)
			also = append(also, fmt.Sprintf("%s (tenant %s)", o.Alias, o.TenantName))
		}
		more := 0
		if p := res.Primary(); p != nil {
			tbl = &render.Table{Columns: toRender(p.Columns), Rows: p.Rows}
			more = len(res.Tables) - 1
		}
		header := fmt.Sprintf("%s (tenant %s), %s: %s.", ws.Alias, ws.TenantName, tr.Desc, rowsWord(len(tbl.Rows)))
		if len(also) > 0 {
			// Every result names where it came from: the rows may come from the workspaces the
			// query named itself (their TenantId column tells which).
			header = fmt.Sprintf("%s (tenant %s) and, through workspace(), %s, %s: %s.", ws.Alias, ws.TenantName, strings.Join(also, ", "), tr.Desc, rowsWord(len(tbl.Rows)))
			source += " and " + plural(len(also), "other workspace", "other workspaces")
		}
		r := renderTable(d, tbl, f, in.Limit, header)
		out.Result = r
		var notes []string
		if res.Partial != nil {
			out.Partial = res.Partial.Error()
			notes = append(notes, partialNote(res.Partial))
		}
		if more > 0 {
			notes = append(notes, fmt.Sprintf("The query returned %d more result tables, not shown: run one tabular statement per query.", more))
		}
		if len(tbl.Rows) == 0 && res.Partial == nil {
			notes = append(notes, fmt.Sprintf("No rows in %s. Widen timespan, check the filters, or list_tables to see which tables have data.", tr.Desc))
		}
		return toolkit.Text(dataText(header, "query result of "+source, r, notes)), out, nil
	}, formatOpts...)
}

// otherWorkspaces are the workspaces a query names itself (workspace("<resource id>")), resolved
// and allow-listed as the server's middleware did before the call. Log Analytics reads them with
// the credential of the workspace the query is sent to, so one reached with another credential (a
// direct tenant next to Lighthouse customers) cannot be read that way: the error says what to use.
func otherWorkspaces(ctx context.Context, d *toolkit.Deps, ws *tenancy.Workspace, q string) ([]*tenancy.Workspace, error) {
	wss, err := d.Registry.QueryWorkspaces(ctx, q)
	if err != nil {
		return nil, toolkit.ArgError("query", "%v", err)
	}
	var out []*tenancy.Workspace
	for _, o := range wss {
		if strings.EqualFold(o.ResourceID, ws.ResourceID) || slices.ContainsFunc(out, func(w *tenancy.Workspace) bool { return strings.EqualFold(w.ResourceID, o.ResourceID) }) {
			continue
		}
		if !strings.EqualFold(o.CredTenantID, ws.CredTenantID) {
			return nil, toolkit.ArgError("query", "the query reads workspace(%q) (%s), which this server reaches with another credential than %s, so one request cannot read both; nothing was called. Run it on each with run_kql_query_across_workspaces (workspaces [%q, %q])",
				o.ResourceID, o.Alias, ws.Alias, ws.Alias, o.Alias)
		}
		out = append(out, o)
	}
	return out, nil
}
