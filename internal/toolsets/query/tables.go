package query

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// tablesSpan is how far back list_tables looks for data by default.
const tablesSpan = 7 * 24 * time.Hour

type listTablesIn struct {
	toolkit.WorkspaceArg
	Counts   bool   `json:"counts,omitempty" jsonschema:"Exact row counts and latest TimeGenerated (scans every table: slower)."`
	Timespan string `json:"timespan,omitempty" jsonschema:"Range: 7d (default), 24h, P30D."`
	Name     string `json:"name,omitempty" jsonschema:"Only names containing this."`
}

type tableRow struct {
	Name              string   `json:"name"`
	IngestedMB        *float64 `json:"ingested_mb,omitempty"`
	Rows              *int64   `json:"rows,omitempty"`
	LastTimeGenerated string   `json:"last_time_generated,omitempty"`
}

type listTablesOut struct {
	Tenant    string     `json:"tenant"`
	Workspace string     `json:"workspace"`
	Tables    []tableRow `json:"tables"`
	Truncated bool       `json:"truncated,omitempty"`
}

func listTables(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_tables",
		Description: "List the tables of a workspace that received data in a range (default 7d), with volume: what there is to query. counts gives exact row counts.",
		Annotations: inventory.Annotations("List tables", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in listTablesIn) (*mcp.CallToolResult, listTablesOut, error) {
		tr, err := TimeArgs{Timespan: in.Timespan}.resolve(d.Clock(), tablesSpan)
		if err != nil {
			return nil, listTablesOut{}, err
		}
		ws, logs, err := resolve(ctx, d, in.Workspace)
		if err != nil {
			return nil, listTablesOut{}, err
		}
		// Fixed queries: the name filter is applied to the answer, never spliced into KQL. By default
		// the Usage table (hourly ingestion volume per table) answers cheaply; counts scans every table.
		q := "Usage | where isnotempty(DataType) | summarize IngestedMB = round(sum(Quantity), 3) by TableName = DataType"
		if in.Counts {
			q = "union withsource=TableName * | summarize Rows = count(), LastTimeGenerated = max(TimeGenerated) by TableName"
		}
		res, err := logs.Query(ctx, ws.CustomerID, q, tr.ISO, nil, nil)
		if err != nil {
			return nil, listTablesOut{}, queryFailure(ws.Alias, q, err)
		}
		out := listTablesOut{Tenant: ws.TenantName, Workspace: ws.Alias, Tables: []tableRow{}}
		cols := []render.Column{{Name: "Table"}, {Name: "IngestedMB", Type: "real"}}
		if in.Counts {
			cols = []render.Column{{Name: "Table"}, {Name: "Rows", Type: "long"}, {Name: "LastTimeGenerated", Type: "datetime"}}
		}
		cols = append(cols, render.Column{Name: "Description"})
		tbl := &render.Table{Columns: cols}
		if p := res.Primary(); p != nil {
			at := columnIndex(p.Columns)
			for _, r := range p.Rows {
				name, _ := cell(r, at("TableName")).(string)
				if name == "" || in.Name != "" && !strings.Contains(strings.ToLower(name), strings.ToLower(in.Name)) {
					continue
				}
				row := tableRow{Name: name}
				cells := []any{name}
				if !in.Counts {
					if num, ok := cell(r, at("IngestedMB")).(json.Number); ok {
						if f, err := num.Float64(); err == nil {
							row.IngestedMB = &f
						}
					}
					cells = append(cells, cell(r, at("IngestedMB")))
				} else {
					if num, ok := cell(r, at("Rows")).(json.Number); ok {
						if n, err := num.Int64(); err == nil {
							row.Rows = &n
						}
					}
					row.LastTimeGenerated, _ = cell(r, at("LastTimeGenerated")).(string)
					cells = append(cells, cell(r, at("Rows")), cell(r, at("LastTimeGenerated")))
				}
				out.Tables = append(out.Tables, row)
				tbl.Rows = append(tbl.Rows, append(cells, describeTable(name)))
			}
		}
		slices.SortFunc(out.Tables, func(a, b tableRow) int { return strings.Compare(a.Name, b.Name) })
		slices.SortFunc(tbl.Rows, func(a, b []any) int { return strings.Compare(a[0].(string), b[0].(string)) })
		header := fmt.Sprintf("%s (tenant %s): %s with data in the %s.", ws.Alias, ws.TenantName, plural(len(tbl.Rows), "table", "tables"), tr.Desc)
		if !in.Counts {
			header = fmt.Sprintf("%s (tenant %s): %s with data ingested in the %s (from the Usage table, which lags by up to an hour; counts gives exact row counts).",
				ws.Alias, ws.TenantName, plural(len(tbl.Rows), "table", "tables"), tr.Desc)
		}
		r := renderTable(d, tbl, render.FormatTable, 0, header)
		out.Truncated = r.Truncated
		var notes []string
		if res.Partial != nil {
			notes = append(notes, partialNote(res.Partial))
		}
		notes = append(notes, "get_table_schema shows a table's columns.")
		return toolkit.Text(resultText(header, r, notes)), out, nil
	})
}

// columnIndex returns a lookup of column positions by name (-1: no such column).
func columnIndex(cols []azure.Column) func(string) int {
	m := make(map[string]int, len(cols))
	for i, c := range cols {
		m[c.Name] = i
	}
	return func(name string) int {
		if i, ok := m[name]; ok {
			return i
		}
		return -1
	}
}

func cell(row []any, i int) any {
	if i < 0 || i >= len(row) {
		return nil
	}
	return row[i]
}

// describeTable is the first sentence of the built-in description of a table ("" if unknown).
func describeTable(name string) string {
	t, ok := schema.Lookup(name)
	if !ok {
		if strings.HasSuffix(name, "_CL") {
			return "Custom log table."
		}
		return ""
	}
	s := t.Description
	if i := strings.Index(s, ". "); i > 0 {
		s = s[:i+1]
	}
	if len(s) > 160 {
		cut := 157
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

type schemaIn struct {
	Workspace string `json:"workspace,omitempty" jsonschema:"Workspace to read it from; omit for the built-in schema (offline)."`
	Table     string `json:"table" jsonschema:"Table name (case-sensitive), e.g. SigninLogs."`
}

type schemaCol struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"-"` // text only: the structured output stays small
}

// schemaOut: Source is "workspace" (read with getschema) or "built-in".
type schemaOut struct {
	Table       string      `json:"table"`
	Source      string      `json:"source"`
	Tenant      string      `json:"tenant,omitempty"`
	Workspace   string      `json:"workspace,omitempty"`
	Columns     []schemaCol `json:"columns"`
	Note        string      `json:"note,omitempty"`
	Description string      `json:"-"`
}

func getTableSchema(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_table_schema",
		Description: "Show a table's columns and types, to write queries: from a workspace, or without one from the built-in Sentinel schemas.",
		Annotations: inventory.Annotations("Get table schema", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in schemaIn) (*mcp.CallToolResult, schemaOut, error) {
		name := strings.TrimSpace(in.Table)
		if err := checkTableName(name); err != nil {
			return nil, schemaOut{}, err
		}
		builtin, known := schema.Lookup(name)
		if strings.TrimSpace(in.Workspace) == "" {
			if !known {
				return nil, schemaOut{}, unknownTable(name, "")
			}
			out := builtinSchema(builtin)
			return schemaText(d, out), out, nil
		}
		ws, logs, err := resolve(ctx, d, in.Workspace)
		if err != nil {
			return nil, schemaOut{}, err
		}
		q := toolkit.QuoteKQLName(name) + " | getschema"
		res, err := logs.Query(ctx, ws.CustomerID, q, azure.Timespan(time.Hour), nil, nil)
		if err != nil {
			if ctx.Err() != nil {
				return nil, schemaOut{}, queryFailure(ws.Alias, q, err)
			}
			ae, _ := azure.AsError(err)
			missing := ae != nil && ae.Status == http.StatusBadRequest
			if !known {
				if missing {
					return nil, schemaOut{}, unknownTable(name, ws.Alias)
				}
				return nil, schemaOut{}, queryFailure(ws.Alias, q, err)
			}
			out := builtinSchema(builtin)
			out.Tenant, out.Workspace = ws.TenantName, ws.Alias
			if missing {
				out.Note = fmt.Sprintf("%s has no table %s (Log Analytics: %s); this is the built-in schema.", ws.Alias, name, shortError(err))
			} else {
				out.Note = fmt.Sprintf("Reading the schema from %s failed (%s); this is the built-in schema.", ws.Alias, shortError(err))
			}
			return schemaText(d, out), out, nil
		}
		out := schemaOut{Table: name, Source: "workspace", Tenant: ws.TenantName, Workspace: ws.Alias, Columns: []schemaCol{}}
		if known {
			out.Description = builtin.Description
		}
		if p := res.Primary(); p != nil {
			at := columnIndex(p.Columns)
			for _, r := range p.Rows {
				col, _ := cell(r, at("ColumnName")).(string)
				typ, _ := cell(r, at("ColumnType")).(string)
				c := schemaCol{Name: col, Type: typ}
				if known {
					if bc, ok := builtin.Column(col); ok {
						c.Description = bc.Description
					}
				}
				out.Columns = append(out.Columns, c)
			}
		}
		return schemaText(d, out), out, nil
	})
}

func checkTableName(name string) error {
	switch {
	case name == "":
		return toolkit.ArgError("table", "is empty: name a table such as SigninLogs (list_tables shows a workspace's tables)")
	case len(name) > 256:
		return toolkit.ArgError("table", "is %d bytes long; table names are at most 256", len(name))
	case strings.ContainsFunc(name, unicode.IsControl):
		return toolkit.ArgError("table", "contains control characters")
	}
	return checkValue("table", name)
}

func unknownTable(name, ws string) error {
	hint := "list_tables shows the tables of a workspace"
	if s := schema.DefaultCatalog().Suggest(name); s != "" {
		hint = fmt.Sprintf("did you mean %s? (table names are case-sensitive) %s", s, hint)
	}
	if ws == "" {
		return toolkit.NotFound("built-in table", name, hint+"; pass workspace to read a custom table's schema")
	}
	return fmt.Errorf("%s has no table %q: %s", ws, name, hint)
}

func builtinSchema(t *schema.Table) schemaOut {
	out := schemaOut{Table: t.Name, Source: "built-in", Description: t.Description, Columns: []schemaCol{}}
	for _, c := range t.VisibleColumns() {
		out.Columns = append(out.Columns, schemaCol{Name: c.Name, Type: c.Type.String(), Description: c.Description})
	}
	return out
}

func schemaText(d *toolkit.Deps, out schemaOut) *mcp.CallToolResult {
	from := "built-in schema"
	where := out.Workspace
	if out.Tenant != "" {
		where += " (tenant " + out.Tenant + ")"
	}
	switch {
	case out.Source == "workspace":
		from = "schema of " + where
	case out.Workspace != "":
		from = "built-in schema, for " + where
	}
	header := fmt.Sprintf("%s (%s, %s)", out.Table, from, plural(len(out.Columns), "column", "columns"))
	if out.Description != "" {
		header += ": " + out.Description
	}
	tbl := &render.Table{Columns: []render.Column{{Name: "Column"}, {Name: "Type"}, {Name: "Description"}}}
	for _, c := range out.Columns {
		tbl.Rows = append(tbl.Rows, []any{c.Name, c.Type, c.Description})
	}
	r := renderTable(d, tbl, render.FormatTable, 0, header)
	notes := []string{"Also queryable, not listed: _ResourceId, _SubscriptionId, _BilledSize, _IsBillable."}
	if out.Note != "" {
		notes = append([]string{out.Note}, notes...)
	}
	return toolkit.Text(resultText(header, r, notes))
}
