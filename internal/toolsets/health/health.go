// Package health is the SOC health toolset: check_health assesses Sentinel workspaces across tenants
// (onboarding, data connectors and the freshness of their tables, analytics rules enabled and
// running, ingestion anomalies, automation rules, untriaged high-severity incidents, retention) and gives
// each a status with its reasons. (The SOC report, which adds compliance, is in the compliance
// toolset.)
//
// The assessment itself is internal/posture (shared with the CLI's `health` and `report` commands);
// this package selects the workspaces, reports progress, and shapes results for a model.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/posture"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/report"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "health"

// Tools returns the toolset's tools. It only builds values: d's clients may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{checkHealth(d)}
}

// MaxHTMLBytes bounds the HTML page a tool call returns.
const MaxHTMLBytes = 4 << 20

var errNoAzure = errors.New("no Azure access is configured: configure azure.credential (see README, Configuration) or run with --emulator")

type checkIn struct {
	toolkit.WorkspacesArg
	toolkit.TenantArg
	Mode   string `json:"mode,omitempty" jsonschema:"quick (default): status and top reasons per workspace; detailed: also every finding with its evidence."`
	Format string `json:"format,omitempty" jsonschema:"table (default), markdown, json, or html: a self-contained report page with charts of ingestion and incidents per tenant, as an embedded resource."`
	Limit  int    `json:"limit,omitempty" jsonschema:"Maximum rows of each table."`
}

type workspaceStatus struct {
	Workspace  string   `json:"workspace"`
	Tenant     string   `json:"tenant"`
	Status     string   `json:"status"`
	Reasons    []string `json:"reasons"`
	Findings   int      `json:"findings"`
	Incomplete bool     `json:"incomplete,omitempty"`
	// Metrics are the figures behind the status: rules, connectors, table freshness, the daily
	// ingestion volume (days in ingestion_days) and its trend, automation, open incidents, retention.
	Metrics posture.Metrics `json:"metrics"`
	// ConnectorTables (detailed mode) are the tables of the configured data connectors with their last
	// record.
	ConnectorTables []connectorTable `json:"connector_tables,omitempty"`
}

type connectorTable struct {
	Connector  string `json:"connector"`
	Table      string `json:"table"`
	Filter     string `json:"filter,omitempty"`
	LastRecord string `json:"last_record,omitempty"` // RFC 3339; empty: none in the lookback
	Age        string `json:"age"`
	Threshold  string `json:"threshold"`
	Silent     bool   `json:"silent"`
}

// connectorTables lists the tables of the configured connectors of a snapshot with their last record.
func connectorTables(s *posture.Snapshot) []connectorTable {
	if s == nil {
		return nil
	}
	var out []connectorTable
	for _, t := range s.Tables {
		if !t.Configured || t.Threshold <= 0 {
			continue
		}
		ct := connectorTable{Connector: textsafe.Line(t.Connector), Table: textsafe.Line(t.Table), Filter: textsafe.Line(t.Filter),
			Threshold: posture.Age(t.Threshold), Age: "none in " + posture.Age(posture.FreshnessLookback), Silent: true}
		if !t.LastRecord.IsZero() {
			gap := s.Now.Sub(t.LastRecord)
			ct.LastRecord, ct.Age, ct.Silent = t.LastRecord.Format(time.RFC3339), posture.Age(gap), gap > t.Threshold
		}
		out = append(out, ct)
	}
	return out
}

// connectorTablesTable is the connector tables of every workspace, silent ones first.
func connectorTablesTable(out checkOut) *render.Table {
	t := &render.Table{Columns: []render.Column{{Name: "workspace"}, {Name: "connector"}, {Name: "table"}, {Name: "last record"}, {Name: "ago"},
		{Name: "threshold"}, {Name: "state"}}}
	for _, silent := range []bool{true, false} {
		for _, w := range out.Workspaces {
			for _, c := range w.ConnectorTables {
				if c.Silent != silent {
					continue
				}
				table, state := c.Table, "receiving"
				if c.Filter != "" {
					table += " (" + c.Filter + ")"
				}
				if c.Silent {
					state = "SILENT"
				}
				t.Rows = append(t.Rows, []any{w.Workspace, c.Connector, table, c.LastRecord, c.Age, c.Threshold, state})
			}
		}
	}
	return t
}

type checkOut struct {
	Mode       string            `json:"mode"`
	CheckedAt  string            `json:"checked_at"`
	Counts     map[string]int    `json:"counts"`                   // workspaces per status
	Days       []string          `json:"ingestion_days,omitempty"` // the days of metrics.daily_mb (the last is today, partial)
	Workspaces []workspaceStatus `json:"workspaces"`
	Failed     []posture.Failure `json:"failed,omitempty"`
	Result     render.Result     `json:"result"`
}

func checkHealth(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name: "check_health",
		Description: "Check the health of Sentinel workspaces (default all): onboarding, silent data connectors, analytics rules disabled or failing, " +
			"ingestion spikes and drops, automation rules, untriaged high-severity incidents, retention. Status healthy/degraded/unhealthy with reasons.",
		Annotations: inventory.Annotations("Check workspace health", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in checkIn) (*mcp.CallToolResult, checkOut, error) {
		mode := posture.Mode(in.Mode)
		if mode == "" {
			mode = posture.Quick
		}
		format := strings.ToLower(in.Format)
		rep, err := assess(ctx, d, req, in.Workspaces, in.Tenant, posture.Request{Health: true, Mode: mode, Charts: format == "html"})
		if err != nil {
			return nil, checkOut{}, err
		}
		out := checkOut{Mode: string(mode), CheckedAt: rep.GeneratedAt.Format(time.RFC3339), Counts: map[string]int{}, Failed: cleanFailures(rep.Failed),
			Workspaces: []workspaceStatus{}}
		for st, n := range rep.StatusCounts() {
			out.Counts[string(st)] = n
		}
		for _, w := range rep.Workspaces {
			out.Workspaces = append(out.Workspaces, workspaceStatus{Workspace: w.Workspace.Alias, Tenant: w.Workspace.Tenant,
				Status: string(w.Health.Status), Reasons: textsafe.Strings(w.Health.Reasons), Findings: len(w.Health.Findings),
				Incomplete: w.Health.Incomplete, Metrics: w.Health.Metrics})
			if mode == posture.Detailed {
				out.Workspaces[len(out.Workspaces)-1].ConnectorTables = connectorTables(w.Snapshot)
			}
			if s := w.Snapshot; out.Days == nil && s != nil && s.Ingestion != nil {
				for _, day := range s.Ingestion.Days {
					out.Days = append(out.Days, day.Format("2006-01-02"))
				}
			}
		}
		if format == "html" {
			return htmlResult(rep, out)
		}
		if format == "markdown" {
			text, rr := markdownWithin(d, rep)
			out.Result = rr
			return toolkit.Text(text), out, nil
		}
		summary := fmt.Sprintf("Health of %d workspace(s), %s mode, %s: %s.", len(rep.Workspaces)+len(rep.Failed), mode,
			rep.GeneratedAt.Format("2006-01-02 15:04 UTC"), countsText(rep))
		budget := d.Budget().Limit(in.Limit)
		statusBudget := budget
		if mode == posture.Detailed {
			statusBudget.MaxBytes = budget.MaxBytes / 3
		}
		if format == "json" {
			text, rr := jsonResult(summary, rep, mode, budget, statusBudget)
			out.Result = rr
			return toolkit.Text(text), out, nil
		}
		rr := render.Render(statusTable(rep), render.FormatTable, statusBudget)
		var b strings.Builder
		b.WriteString(summary + "\n")
		b.WriteString(strings.TrimRight(rr.TextWithFooter(), "\n"))
		if mode == posture.Detailed {
			mb := budget
			mb.MaxBytes = max(1024, budget.MaxBytes/4)
			mrr := render.Render(metricsTable(rep), render.FormatTable, mb)
			b.WriteString("\n\nFigures (ingestion: median MB/day over the complete days, the last complete day and its change):\n")
			b.WriteString(strings.TrimRight(mrr.TextWithFooter(), "\n"))
			rr = merge(rr, mrr)
			fb := budget
			fb.MaxBytes = max(1024, (budget.MaxBytes-b.Len())*2/3)
			frr := render.Render(findingsTable(rep), render.FormatTable, fb)
			b.WriteString("\n\nFindings (most severe first):\n")
			b.WriteString(strings.TrimRight(frr.TextWithFooter(), "\n"))
			rr = merge(rr, frr)
			cb := budget
			cb.MaxBytes = max(1024, budget.MaxBytes-b.Len()-600)
			crr := render.Render(connectorTablesTable(out), render.FormatTable, cb)
			b.WriteString("\n\nData connector tables (last record, silent ones first):\n")
			b.WriteString(strings.TrimRight(crr.TextWithFooter(), "\n"))
			rr = merge(rr, crr)
		}
		writeFailures(&b, rep.Failed)
		if mode == posture.Quick && len(rep.Workspaces) > 0 {
			b.WriteString("\n\nFor every finding with its evidence, call check_health with mode \"detailed\" (and the workspaces to look at).")
		}
		out.Result = rr
		return toolkit.Text(b.String()), out, nil
	}, inventory.Enum("mode", "quick", "detailed"), inventory.Enum("format", "table", "markdown", "json", "html"), inventory.Range("limit", 1, 1000))
}

// assess selects the workspaces and runs the assessment with progress notifications. When every
// selected workspace failed, the call fails with their errors.
func assess(ctx context.Context, d *toolkit.Deps, req *mcp.CallToolRequest, workspaces []string, tenant string, r posture.Request) (*posture.Report, error) {
	if d == nil || d.Registry == nil || d.Azure == nil {
		return nil, errNoAzure
	}
	if len(workspaces) == 0 && tenant == "" {
		workspaces = []string{"all"}
	}
	// All workspaces (or a tenant's) include those discovery lists without Sentinel
	// (azure.discovery.include_non_sentinel): they are reported as not onboarded.
	wss, notOnboarded, err := snapshot.Targets(ctx, d.Registry, workspaces, tenant)
	if err != nil {
		return nil, err
	}
	wss = append(wss, notOnboarded...)
	if len(wss) == 0 {
		return nil, errors.New("no Sentinel workspaces to check: list_workspaces shows the workspaces you may address")
	}
	if d.Config != nil {
		r.Thresholds = posture.ThresholdsFrom(d.Config.Health)
	}
	prog := toolkit.NewProgress(req)
	r.Progress = func(done, total int, last string) {
		prog.Step(ctx, done, total, fmt.Sprintf("assessed %s (%d of %d)", last, done, total))
	}
	rep := posture.Run(ctx, posture.Deps{Provider: d.Azure, FanOut: d.Registry.FanOut(), Now: d.Clock}, wss, r)
	if len(rep.Workspaces) == 0 && len(rep.Failed) > 0 {
		var msgs []string
		for _, f := range rep.Failed {
			msgs = append(msgs, f.Workspace+": "+textsafe.Line(f.Error))
		}
		return nil, toolkit.Unavailable(fmt.Sprintf("assessing %d workspace(s)", len(rep.Failed)), errors.New(strings.Join(msgs, "; ")),
			"retry in a minute; if it persists, check access with list_workspaces")
	}
	return rep, nil
}

func countsText(rep *posture.Report) string {
	c := rep.StatusCounts()
	parts := []string{fmt.Sprintf("%d healthy", c[posture.Healthy]), fmt.Sprintf("%d degraded", c[posture.Degraded]),
		fmt.Sprintf("%d unhealthy", c[posture.Unhealthy])}
	if c[posture.Unknown] > 0 {
		parts = append(parts, fmt.Sprintf("%d unknown", c[posture.Unknown]))
	}
	return strings.Join(parts, ", ")
}

func statusTable(rep *posture.Report) *render.Table {
	t := &render.Table{Columns: []render.Column{{Name: "workspace"}, {Name: "status"}, {Name: "reasons"}}}
	for _, w := range rep.Workspaces {
		reasons := "no issues found"
		if len(w.Health.Reasons) > 0 {
			reasons = strings.Join(textsafe.Strings(w.Health.Reasons), "; ")
		}
		t.Rows = append(t.Rows, []any{w.Workspace.Alias, string(w.Health.Status), reasons})
	}
	for _, f := range rep.Failed {
		t.Rows = append(t.Rows, []any{f.Workspace, "not checked", textsafe.Line(f.Error)})
	}
	return t
}

// metricsTable is one row per workspace with the figures behind its status.
func metricsTable(rep *posture.Report) *render.Table {
	t := &render.Table{Columns: []render.Column{{Name: "workspace"}, {Name: "rules enabled"}, {Name: "failing"}, {Name: "connectors"},
		{Name: "silent tables"}, {Name: "MB/day"}, {Name: "last day"}, {Name: "anomalies"}, {Name: "automation"}, {Name: "open (high)"},
		{Name: "oldest high"}, {Name: "retention"}}}
	for _, w := range rep.Workspaces {
		m := w.Health.Metrics
		last := "-"
		if len(m.DailyMB) >= 2 {
			last = fmt.Sprintf("%s MB (%+.0f%%)", num(m.LastDayMB), m.TrendPct)
		}
		oldest := m.OldestOpenHigh
		if oldest == "" {
			oldest = "-"
		}
		t.Rows = append(t.Rows, []any{w.Workspace.Alias, fmt.Sprintf("%d/%d", m.RulesEnabled, m.RulesTotal), m.RulesFailing, m.Connectors,
			fmt.Sprintf("%d/%d", m.TablesSilent, m.TablesChecked), num(m.MedianDailyMB), last, m.Anomalies, m.AutomationRules,
			fmt.Sprintf("%d (%d)", m.OpenIncidents, m.OpenHigh), oldest, fmt.Sprintf("%dd", m.RetentionDays)})
	}
	return t
}

// num formats a volume in MB with up to three decimals.
func num(x float64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", x), "0"), ".")
	if s == "" || s == "-0" {
		return "0"
	}
	return s
}

// htmlResult returns the health report as a self-contained HTML page (charts of ingestion and
// incidents per tenant, the health table and findings) in an embedded resource.
func htmlResult(rep *posture.Report, out checkOut) (*mcp.CallToolResult, checkOut, error) {
	page, err := report.HTML(rep, report.Options{Title: "SOC health report", Product: "sentinel-mcp"})
	if err != nil {
		return nil, checkOut{}, err
	}
	if len(page) > MaxHTMLBytes {
		return nil, checkOut{}, fmt.Errorf("the HTML report is %d bytes, over the %d-byte limit of a tool result: name fewer workspaces, or write it with `sentinel-mcp health --format html --out health.html`", len(page), MaxHTMLBytes)
	}
	uri := "sentinel-mcp://reports/health-" + rep.GeneratedAt.Format("20060102T150405Z") + ".html"
	out.Result = render.Result{Format: "html", Rows: len(rep.Workspaces), TotalRows: len(rep.Workspaces)}
	summary := fmt.Sprintf("Health of %d workspace(s), %s mode, %s: %s. The report is the embedded resource %s (self-contained HTML, %d bytes, no script): save it as a .html file to view or send it.",
		len(rep.Workspaces)+len(rep.Failed), rep.Mode, rep.GeneratedAt.Format("2006-01-02 15:04 UTC"), countsText(rep), uri, len(page))
	return &mcp.CallToolResult{Content: []mcp.Content{
		&mcp.TextContent{Text: summary},
		&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: uri, MIMEType: "text/html", Text: string(page)}},
	}}, out, nil
}

func findingsTable(rep *posture.Report) *render.Table {
	t := &render.Table{Columns: []render.Column{{Name: "workspace"}, {Name: "severity"}, {Name: "check"}, {Name: "finding"}, {Name: "evidence"}}}
	for _, sev := range []posture.Severity{posture.Critical, posture.Error, posture.Warning, posture.Info} {
		for _, w := range rep.Workspaces {
			for _, f := range w.Health.Findings {
				if f.Severity == sev {
					t.Rows = append(t.Rows, []any{w.Workspace.Alias, string(f.Severity), f.Check, textsafe.Line(f.Message), textsafe.Line(f.Evidence)})
				}
			}
		}
	}
	return t
}

func writeFailures(b *strings.Builder, failed []posture.Failure) {
	if len(failed) == 0 {
		return
	}
	fmt.Fprintf(b, "\n\n%d workspace(s) could not be checked (the figures above leave them out):", len(failed))
	for _, f := range failed {
		fmt.Fprintf(b, "\n- %s: %s", f.Workspace, textsafe.Line(f.Error))
	}
}

// merge combines the render reports of two tables of one result.
func merge(a, b render.Result) render.Result {
	a.Rows += b.Rows
	a.TotalRows += b.TotalRows
	a.CellsCut += b.CellsCut
	if b.Truncated {
		a.Truncated, a.Reason = true, b.Reason
		if a.Advice == "" {
			a.Advice = b.Advice
		}
	}
	return a
}

// jsonResult is the JSON form of the result: one object with the summary, the status table, the
// findings (detailed mode) and the failed workspaces.
func jsonResult(summary string, rep *posture.Report, mode posture.Mode, budget, statusBudget render.Budget) (string, render.Result) {
	rr := render.Render(statusTable(rep), render.FormatJSON, statusBudget)
	doc := map[string]json.RawMessage{}
	doc["summary"], _ = json.Marshal(summary)
	doc["workspaces"] = json.RawMessage(rr.Text)
	if mode == posture.Detailed {
		fb := budget
		fb.MaxBytes = max(1024, budget.MaxBytes-len(rr.Text)-600)
		frr := render.Render(findingsTable(rep), render.FormatJSON, fb)
		doc["findings"] = json.RawMessage(frr.Text)
		rr = merge(rr, frr)
	}
	if len(rep.Failed) > 0 {
		doc["failed"], _ = json.Marshal(cleanFailures(rep.Failed))
	}
	if rr.Truncated {
		doc["truncated"], _ = json.Marshal(rr.Footer())
	}
	b, _ := json.Marshal(doc)
	return string(b), rr
}

// markdownWithin renders the health sections as Markdown cut to the result budget.
func markdownWithin(d *toolkit.Deps, rep *posture.Report) (string, render.Result) {
	md := report.Markdown(rep, report.Options{Title: "SOC health report", NoCharts: true})
	text, cut := render.Truncate(md, d.Budget().Limit(0).MaxBytes-200)
	rr := render.Result{Format: "markdown", Rows: len(rep.Workspaces), TotalRows: len(rep.Workspaces)}
	if cut {
		text += "\n\n[truncated: the report is longer than the result budget. Name fewer workspaces, or write the full report with `sentinel-mcp health --format markdown --out health.md`.]"
		rr.Truncated, rr.Reason, rr.Advice = true, "bytes", "Name fewer workspaces."
	}
	return text, rr
}

func cleanFailures(fs []posture.Failure) []posture.Failure {
	out := make([]posture.Failure, len(fs))
	for i, f := range fs {
		out[i] = posture.Failure{Workspace: f.Workspace, Tenant: f.Tenant, Error: textsafe.Line(f.Error)}
	}
	return out
}
