package query

import (
	"context"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
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
		res, err := logs.Query(ctx, ws.CustomerID, in.Query, tr.ISO, nil, nil)
		if err != nil {
			return nil, runOut{}, queryFailure(ws.Alias, in.Query, err)
		}
		tbl := &render.Table{Columns: []render.Column{}}
		out := runOut{Tenant: ws.TenantName, Workspace: ws.Alias, TimeRange: tr.Desc}
		more := 0
		if p := res.Primary(); p != nil {
			tbl = &render.Table{Columns: toRender(p.Columns), Rows: p.Rows}
			more = len(res.Tables) - 1
		}
		header := fmt.Sprintf("%s (tenant %s), %s: %s.", ws.Alias, ws.TenantName, tr.Desc, rowsWord(len(tbl.Rows)))
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
		return toolkit.Text(dataText(header, "query result of "+ws.Alias, r, notes)), out, nil
	}, formatOpts...)
}
