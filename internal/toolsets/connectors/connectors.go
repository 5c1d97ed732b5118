// Package connectors is the toolset for Sentinel data connectors: which connectors each workspace has
// (kind, data types and their state) and whether their data still arrives (the last record of each
// table a connector fills, from a query per table).
package connectors

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "connectors"

// Tools returns the toolset's tools. It only builds values: d's clients may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{listConnectors(d), checkFreshness(d)}
}

var errNoAzure = errors.New("no Azure access is configured: configure azure.credential (see README, Configuration) or run with --emulator")

// Failure is a workspace of a multi-workspace call that failed.
type Failure struct {
	Workspace string `json:"workspace"`
	Error     string `json:"error"`
}

type listIn struct {
	toolkit.TargetsArg
	Kind   string `json:"kind,omitempty" jsonschema:"Only connectors of this kind (e.g. Office365, AzureActiveDirectory)."`
	Limit  int    `json:"limit,omitempty" jsonschema:"Maximum rows to show."`
	Cursor string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
	Format string `json:"format,omitempty" jsonschema:"table (default), csv or json."`
}

type listOut struct {
	Count      int           `json:"count"`
	Failures   []Failure     `json:"failures,omitempty"`
	Result     render.Result `json:"result"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func selectWorkspaces(ctx context.Context, d *toolkit.Deps, targets toolkit.TargetsArg) ([]*tenancy.Workspace, error) {
	if d == nil || d.Registry == nil || d.Azure == nil {
		return nil, errNoAzure
	}
	return d.Registry.Select(ctx, targets.Selector())
}

// connectorsOf reads a workspace's connectors, optionally of one kind.
func connectorsOf(ctx context.Context, d *toolkit.Deps, ws *tenancy.Workspace, kind string) ([]sentinel.DataConnector, error) {
	c, err := sentinel.New(d.Azure, ws)
	if err != nil {
		return nil, err
	}
	cs, _, err := c.DataConnectors(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := cs[:0]
	for _, dc := range cs {
		if kind == "" || strings.EqualFold(dc.Kind, kind) {
			out = append(out, dc)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind+"\x00"+out[i].Name < out[j].Kind+"\x00"+out[j].Name })
	return out, nil
}

// tablesOf returns the tables a connector fills: the known mapping, plus tables whose schema names
// the kind as their connector.
func tablesOf(kind string) []sentinel.ConnectorTable {
	out := sentinel.ConnectorTables(kind)
	seen := map[string]bool{}
	for _, t := range out {
		seen[t.Table] = true
	}
	for _, t := range schema.All() {
		if strings.EqualFold(t.Connector, kind) && !seen[t.Name] {
			out = append(out, sentinel.ConnectorTable{Table: t.Name})
			seen[t.Name] = true
		}
	}
	return out
}

func tableNames(ts []sentinel.ConnectorTable) string {
	var names []string
	for _, t := range ts {
		names = append(names, t.Table)
	}
	return strings.Join(names, ", ")
}

func listConnectors(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_data_connectors",
		Description: "List data connectors of one or more workspaces: kind, state of each data type, and the tables they fill.",
		Annotations: inventory.Annotations("List data connectors", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in listIn) (*mcp.CallToolResult, listOut, error) {
		filters := in
		filters.Cursor, filters.Limit, filters.Format = "", 0, ""
		pager, err := toolkit.NewPager("list_data_connectors", filters, in.Cursor)
		if err != nil {
			return nil, listOut{}, err
		}
		wss, err := selectWorkspaces(ctx, d, in.TargetsArg)
		if err != nil {
			return nil, listOut{}, err
		}
		fo := d.Registry.FanOut()
		prog := toolkit.NewProgress(req)
		outs := fanout.Run(ctx, wss, fanout.Options{Concurrency: fo.Concurrency, PerTargetTimeout: fo.PerWorkspaceTimeout,
			Progress: func(done, total int, last string) { prog.Step(ctx, done, total, "listed "+last) }},
			func(ctx context.Context, ws *tenancy.Workspace) ([]sentinel.DataConnector, error) {
				return connectorsOf(ctx, d, ws, in.Kind)
			})
		if err := toolkit.AllFailed("listing data connectors", outs); err != nil {
			return nil, listOut{}, err
		}
		tbl := &render.Table{Columns: []render.Column{{Name: "workspace"}, {Name: "kind"}, {Name: "state"}, {Name: "data_types"}, {Name: "tables"}, {Name: "name"}}}
		out := listOut{}
		for _, o := range outs {
			if o.Err != nil {
				out.Failures = append(out.Failures, Failure{Workspace: o.Target.Alias, Error: o.Err.Error()})
				continue
			}
			for _, dc := range o.Value {
				tbl.Rows = append(tbl.Rows, []any{o.Target.Alias, dc.Kind, dc.State(), strings.Join(dc.DataTypeNames(), ", "), tableNames(tablesOf(dc.Kind)), dc.Name})
			}
		}
		out.Count = len(tbl.Rows)
		res, rep, next, err := pager.Page(d, tbl, render.Format(in.Format), in.Limit)
		if err != nil {
			return nil, listOut{}, err
		}
		out.Result, out.NextCursor = rep, next
		toolkit.WithHeading(res, toolkit.Count(out.Count, "data connector", "data connectors")+" in "+toolkit.Scope(wss)+".")
		if out.Count == 0 && len(out.Failures) == 0 {
			res = toolkit.Text("No data connectors in " + toolkit.Scope(wss) + ".")
		}
		for _, f := range out.Failures {
			res.Content = append(res.Content, &mcp.TextContent{Text: fmt.Sprintf("%s failed: %s", f.Workspace, f.Error)})
		}
		return res, out, nil
	}, inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 1000))
}

type freshIn struct {
	toolkit.TargetsArg
	Kind       string `json:"kind,omitempty" jsonschema:"Only connectors of this kind."`
	Timespan   string `json:"timespan,omitempty" jsonschema:"How far back to look for the last record: 1h to 90d (default 7d)."`
	StaleAfter string `json:"stale_after,omitempty" jsonschema:"A table whose last record is older is stale (default 24h)."`
	Limit      int    `json:"limit,omitempty" jsonschema:"Maximum rows to show."`
	Format     string `json:"format,omitempty" jsonschema:"table (default), csv or json."`
}

// Freshness is the last record of one connector table in one workspace.
type Freshness struct {
	Workspace  string `json:"workspace"`
	Connector  string `json:"connector"`
	Table      string `json:"table"`
	LastRecord string `json:"last_record,omitempty"`
	Age        string `json:"age,omitempty"`
	Status     string `json:"status" jsonschema:"error, no data (nothing in the timespan), stale, unknown, quiet (an alert or incident table without new ones: not a failure) or fresh"`
	Error      string `json:"error,omitempty" jsonschema:"why the table could not be queried"`
}

type freshOut struct {
	Rows     []Freshness   `json:"rows"`
	Stale    int           `json:"stale" jsonschema:"stale or silent tables"`
	Quiet    int           `json:"quiet" jsonschema:"alert and incident tables without new records (not counted as stale)"`
	Errors   int           `json:"errors" jsonschema:"tables whose query failed"`
	Failures []Failure     `json:"failures,omitempty"`
	Result   render.Result `json:"result"`
}

// maxFreshnessRows bounds the rows kept in the structured output.
const maxFreshnessRows = 500

func checkFreshness(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "check_connector_freshness",
		Description: "Check that data still arrives: for each data connector of one or more workspaces, when each of its tables last received a record; stale and silent ones first.",
		Annotations: inventory.Annotations("Check connector freshness", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in freshIn) (*mcp.CallToolResult, freshOut, error) {
		lookback, err := toolkit.DurationArg("timespan", in.Timespan, 7*24*time.Hour, time.Hour, 90*24*time.Hour)
		if err != nil {
			return nil, freshOut{}, err
		}
		stale, err := toolkit.DurationArg("stale_after", in.StaleAfter, 24*time.Hour, time.Minute, lookback)
		if err != nil {
			return nil, freshOut{}, err
		}
		wss, err := selectWorkspaces(ctx, d, in.TargetsArg)
		if err != nil {
			return nil, freshOut{}, err
		}
		fo := d.Registry.FanOut()
		prog := toolkit.NewProgress(req)
		now := d.Clock()
		outs := fanout.Run(ctx, wss, fanout.Options{Concurrency: fo.Concurrency, PerTargetTimeout: fo.PerWorkspaceTimeout,
			Progress: func(done, total int, last string) { prog.Step(ctx, done, total, "checked "+last) }},
			func(ctx context.Context, ws *tenancy.Workspace) ([]Freshness, error) {
				return freshness(ctx, d, ws, in.Kind, lookback, stale, now)
			})
		if err := toolkit.AllFailed("checking connector freshness", outs); err != nil {
			return nil, freshOut{}, err
		}
		out := freshOut{Rows: []Freshness{}}
		var all []Freshness
		for _, o := range outs {
			if o.Err != nil {
				out.Failures = append(out.Failures, Failure{Workspace: o.Target.Alias, Error: o.Err.Error()})
				continue
			}
			all = append(all, o.Value...)
		}
		// Problems first: the silent connector is what the caller is looking for, not row 40 of 90.
		sort.SliceStable(all, func(i, j int) bool { return statusRank[all[i].Status] < statusRank[all[j].Status] })
		tbl := &render.Table{Columns: []render.Column{{Name: "workspace"}, {Name: "connector"}, {Name: "table"}, {Name: "last_record", Type: "datetime"},
			{Name: "age"}, {Name: "status"}, {Name: "error"}}}
		var silent []string
		for _, f := range all {
			switch f.Status {
			case "stale", "no data":
				out.Stale++
				if len(silent) < 10 {
					silent = append(silent, fmt.Sprintf("%s %s %s (%s)", f.Workspace, f.Connector, f.Table, lastSeen(f)))
				}
			case "quiet":
				out.Quiet++
			case "error":
				out.Errors++
			}
			if len(out.Rows) < maxFreshnessRows {
				out.Rows = append(out.Rows, f)
			}
			var last any
			if f.LastRecord != "" {
				last = f.LastRecord
			}
			tbl.Rows = append(tbl.Rows, []any{f.Workspace, f.Connector, f.Table, last, f.Age, f.Status, f.Error})
		}
		res, rep := d.Table(tbl, render.Format(in.Format), in.Limit)
		out.Result = rep
		summary := fmt.Sprintf("%d connector table(s) in %s checked over the last %s: %d stale or silent (no record for %s or more), %d could not be queried",
			len(tbl.Rows), toolkit.Scope(wss), human(lookback), out.Stale, human(stale), out.Errors)
		if out.Quiet > 0 {
			summary += fmt.Sprintf("; %d alert or incident table(s) quiet (no new alerts is not a failure)", out.Quiet)
		}
		summary += "."
		if len(silent) > 0 {
			more := ""
			if out.Stale > len(silent) {
				more = fmt.Sprintf(" and %d more (see the table)", out.Stale-len(silent))
			}
			summary += "\nStale or silent: " + strings.Join(silent, "; ") + more + "."
		}
		res.Content = append([]mcp.Content{&mcp.TextContent{Text: summary}}, res.Content...)
		for _, f := range out.Failures {
			res.Content = append(res.Content, &mcp.TextContent{Text: fmt.Sprintf("%s failed: %s", f.Workspace, f.Error)})
		}
		return res, out, nil
	}, inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 1000))
}

// statusRank orders freshness rows: what needs attention first.
var statusRank = map[string]int{"error": 0, "no data": 1, "stale": 2, "unknown": 3, "quiet": 4, "fresh": 5}

// eventTables only receive records when something is detected: no new alert for a day says nothing
// about the connector, so their silence is "quiet", not "stale".
var eventTables = map[string]bool{"SecurityAlert": true, "SecurityIncident": true}

// lastSeen says when a stale or silent table last received a record.
func lastSeen(f Freshness) string {
	if f.LastRecord == "" {
		return "no record for " + f.Age
	}
	return "last record " + f.Age + " ago"
}

// queriesPerWorkspace bounds the concurrent freshness queries of one workspace (the query API allows
// 5 concurrent queries per user, shared with the other workspaces of a fan-out).
const queriesPerWorkspace = 2

// freshness queries the last record of every table of the workspace's connectors.
func freshness(ctx context.Context, d *toolkit.Deps, ws *tenancy.Workspace, kind string, lookback, stale time.Duration, now time.Time) ([]Freshness, error) {
	cs, err := connectorsOf(ctx, d, ws, kind)
	if err != nil {
		return nil, err
	}
	logs, err := d.Azure.Logs(ws.CredTenantID)
	if err != nil {
		return nil, err
	}
	var rows []Freshness
	type job struct {
		i int
		t sentinel.ConnectorTable
	}
	var jobs []job
	seen := map[string]bool{}
	for _, dc := range cs {
		ts := tablesOf(dc.Kind)
		if len(ts) == 0 {
			rows = append(rows, Freshness{Workspace: ws.Alias, Connector: dc.Kind, Status: "unknown",
				Error: "the tables of this connector kind are not known: query them yourself"})
			continue
		}
		for _, t := range ts {
			if t.DataType != "" {
				if st, ok := dc.Properties.DataTypes[t.DataType]; ok && !strings.EqualFold(st.State, "Enabled") {
					continue // a disabled data type is not expected to send anything
				}
			}
			key := dc.Kind + "/" + t.Table + "/" + t.Value
			if seen[key] {
				continue
			}
			seen[key] = true
			rows = append(rows, Freshness{Workspace: ws.Alias, Connector: dc.Kind, Table: t.Table})
			jobs = append(jobs, job{len(rows) - 1, t})
		}
	}
	sem := make(chan struct{}, queriesPerWorkspace)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func(j job) {
			defer wg.Done()
			defer func() { <-sem }()
			last, err := lastRecord(ctx, logs, ws.CustomerID, j.t, lookback)
			f := &rows[j.i]
			switch {
			case err != nil:
				f.Status, f.Error = "error", queryError(err)
			case last.IsZero():
				f.Status = "no data"
				f.Age = "over " + human(lookback)
			default:
				age := now.Sub(last)
				f.LastRecord, f.Age = render.FormatTime(last), human(age.Round(time.Minute))
				f.Status = "fresh"
				if age > stale {
					f.Status = "stale"
				}
			}
			if (f.Status == "stale" || f.Status == "no data") && eventTables[j.t.Table] {
				f.Status = "quiet"
			}
		}(j)
	}
	wg.Wait()
	return rows, nil
}

// lastRecord runs `T | summarize max(TimeGenerated)` (with the connector's condition on shared
// tables) over the lookback; a zero time means no record.
func lastRecord(ctx context.Context, logs *azure.Logs, workspaceID string, t sentinel.ConnectorTable, lookback time.Duration) (time.Time, error) {
	q := toolkit.QuoteKQLName(t.Table)
	if col, val := t.Where(); col != "" {
		q += " | where " + toolkit.QuoteKQLName(col) + " == " + toolkit.QuoteKQL(val)
	}
	q += " | summarize LastRecord = max(TimeGenerated)"
	res, err := logs.Query(ctx, workspaceID, q, azure.Timespan(lookback), nil, &azure.QueryOptions{Wait: 60 * time.Second})
	if err != nil {
		return time.Time{}, err
	}
	p := res.Primary()
	if p == nil || len(p.Rows) == 0 || len(p.Rows[0]) == 0 || p.Rows[0][0] == nil {
		return time.Time{}, nil
	}
	s, _ := p.Rows[0][0].(string)
	if s == "" {
		return time.Time{}, nil
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("unexpected LastRecord value %q", s)
	}
	return tm, nil
}

// queryError says why a table could not be queried, in a line.
func queryError(err error) string {
	e, ok := azure.AsError(err)
	switch {
	case !ok:
		return err.Error()
	case e.Status == 400 && strings.Contains(strings.ToLower(e.Message), "resolve table"):
		return "the table does not exist in this workspace (the connector never sent data): " + e.Message
	case azure.IsNotImplemented(err):
		return "the query API cannot run this query here: " + e.Message
	}
	return e.Error()
}

// human renders a duration for people: 7d, 26h, 3h 5m, 45m.
func human(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d >= 72*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= 72*time.Hour:
		return fmt.Sprintf("%dd %dh", d/(24*time.Hour), (d%(24*time.Hour))/time.Hour)
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh %dm", d/time.Hour, (d%time.Hour)/time.Minute)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}
