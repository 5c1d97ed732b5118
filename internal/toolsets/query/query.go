// Package query is the toolset that runs KQL: on one workspace (run_kql_query), on many workspaces
// or tenants at once (run_kql_query_across_workspaces, fanned out or as one Log Analytics
// cross-workspace query), table lists and schemas, offline validation (validate_kql) and the shipped
// hunts (get_kql_examples).
//
// Every result goes through internal/render: rows and bytes are capped by the configured budget
// (limits.max_rows, limits.max_bytes; a tool's limit argument can only lower it), and a cut result
// says truncated, the total rows and how to narrow the query. Only read-only queries are sent:
// control commands (.drop, .set, ...) are refused, and a query is at most MaxQueryBytes long.
package query

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "query"

// defaultSpan is the time range of a query that names none.
const defaultSpan = 24 * time.Hour

// Tools returns the toolset's tools. It only builds values: d's clients may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{runQuery(d), runAcross(d), listTables(d), getTableSchema(d), validateKQL(d), getExamples(d)}
}

var errNoAzure = errors.New("no Azure access is configured, so no workspace can be queried: configure azure.credential (see README, Configuration) or run with --emulator; validate_kql and get_kql_examples work offline")

func clients(d *toolkit.Deps) (*tenancy.Registry, *azure.Provider, error) {
	if d == nil || d.Registry == nil || d.Azure == nil {
		return nil, nil, errNoAzure
	}
	return d.Registry, d.Azure, nil
}

// resolve returns the workspace the server already resolved and allow-listed.
func resolve(ctx context.Context, d *toolkit.Deps, ref string) (*tenancy.Workspace, *azure.Logs, error) {
	reg, p, err := clients(d)
	if err != nil {
		return nil, nil, err
	}
	ws, err := reg.Resolve(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	logs, err := p.Logs(ws.CredTenantID)
	if err != nil {
		return nil, nil, toolkit.Unavailable("reaching "+ws.Alias, err, "")
	}
	return ws, logs, nil
}

// FormatArg is the output format argument shared by the query tools.
type FormatArg struct {
	Limit  int    `json:"limit,omitempty" jsonschema:"Maximum rows shown (at most the server's limit)."`
	Format string `json:"format,omitempty" jsonschema:"table (default), csv or json"`
}

var formatOpts = []inventory.Option{inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 100000)}

func (f FormatArg) format() (render.Format, error) {
	fm, err := render.ParseFormat(f.Format)
	if err != nil {
		return "", toolkit.ArgError("format", "%v", err)
	}
	return fm, nil
}

// renderTable renders t within the budget, leaving room for the header line and the fence.
func renderTable(d *toolkit.Deps, t *render.Table, f render.Format, limit int, header string) render.Result {
	b := d.Budget().Limit(limit)
	b.MaxBytes = max(1024, b.MaxBytes-len(header)-fenceOverhead)
	queryTable(t)
	return render.Render(t, f, b)
}

// queryTable sets what query results render with: KQL advice when cut, and no columns that are empty
// in every row (a raw SigninLogs or union * row has dozens).
func queryTable(t *render.Table) {
	t.Advice, t.DropEmptyColumns = render.KQLAdvice, true
}

// fenceOverhead is what dataText adds around the rows: the data note and the fence markers.
const fenceOverhead = len(textsafe.DataNote) + 160

// dataText is the header line, then the rows fenced as untrusted data (query results are log
// values that attackers can write: command lines, mail subjects, user agents), then the
// truncation note and the notes, which are the server's own words.
func dataText(header, source string, r render.Result, notes []string) string {
	var b strings.Builder
	b.WriteString(header + "\n" + textsafe.DataNote + "\n")
	rows := strings.TrimRight(r.Text, "\n")
	if r.Format == render.FormatJSON {
		// The fence defuses marker look-alikes by rewording them; in JSON the marker can only be
		// inside a string, where an escaped hyphen defuses it and still decodes to the exact value.
		rows = strings.ReplaceAll(rows, "untrusted-data", `untrusted\u002ddata`)
	}
	b.WriteString(textsafe.Fence(source, rows))
	if f := r.Footer(); f != "" {
		b.WriteString("\n" + f)
	}
	for _, n := range notes {
		b.WriteString("\n" + n)
	}
	return b.String()
}

// resultText is the header line, the rendered rows and notes, in one text block (for the
// server's own and Azure's metadata: table lists, schemas).
func resultText(header string, r render.Result, notes []string) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteByte('\n')
	b.WriteString(r.TextWithFooter())
	for _, n := range notes {
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		b.WriteString(n)
	}
	return b.String()
}

func toRender(cols []azure.Column) []render.Column {
	out := make([]render.Column, len(cols))
	for i, c := range cols {
		out[i] = render.Column{Name: c.Name, Type: c.Type}
	}
	return out
}

func rowsWord(n int) string { return plural(n, "row", "rows") }

// partialNote describes a partial result (Log Analytics answered with data and an error).
func partialNote(e *azure.Error) string {
	if e == nil {
		return ""
	}
	msg := strings.TrimSuffix(e.Message, ".")
	if msg == "" {
		msg = e.Code
	}
	return fmt.Sprintf("Log Analytics returned a partial result (%s): some rows are missing. Narrow the query (shorter timespan, filters, summarize).", msg)
}
