package report

import (
	"fmt"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/posture"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
)

// Markdown renders the report as GitHub-flavoured Markdown: the same sections as the HTML page,
// with the charts' data as tables.
func Markdown(r *posture.Report, o Options) string {
	v := buildView(r, o)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", md(v.Title))
	fmt.Fprintf(&b, "%s. Generated %s", md(v.Subtitle), md(v.Generated))
	if v.Mode != "" {
		fmt.Fprintf(&b, "; health check: %s", md(v.Mode))
	}
	if v.Compliance != nil {
		fmt.Fprintf(&b, "; policy: %s", md(v.Compliance.Policy))
	}
	b.WriteString(".\n\n")
	for _, c := range v.Cards {
		fmt.Fprintf(&b, "- **%s: %s** (%s)\n", md(c.Label), md(c.Value), md(c.Note))
	}
	b.WriteString("\n")
	if len(v.HealthRows) > 0 {
		b.WriteString("## Workspace health\n\n| Workspace | Status | Rules enabled | Silent tables | Anomalies | Last day (vs median) | Open high | Top reasons |\n|---|---|---:|---:|---:|---:|---:|---|\n")
		for _, h := range v.HealthRows {
			reasons := "no issues found"
			if len(h.Reasons) > 0 {
				reasons = mdJoin(h.Reasons, "; ")
				if h.More > 0 {
					reasons += fmt.Sprintf(" (+%d more)", h.More)
				}
			}
			fmt.Fprintf(&b, "| %s | **%s** | %s | %s | %s | %s | %s | %s |\n", md(h.Workspace), md(h.Status), md(h.Rules), md(h.Silent),
				md(h.Anomalies), md(h.Ingestion), md(h.OpenHigh), reasons)
		}
		b.WriteString("\n")
	}
	if len(v.Findings) > 0 {
		b.WriteString("## Health findings\n\n| Workspace | Severity | Check | Finding | Evidence |\n|---|---|---|---|---|\n")
		for _, w := range v.Findings {
			for _, f := range w.Items {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", md(w.Workspace), md(f.Severity), md(f.Check), md(f.Message), md(f.Evidence))
			}
		}
		b.WriteString("\n")
	}
	if c := v.Compliance; c != nil && len(c.Rows) > 0 {
		fmt.Fprintf(&b, "## Compliance\n\nPolicy %s (source: %s).\n\n| Workspace |", md(c.Policy), md(c.Source))
		for _, h := range c.Checks {
			fmt.Fprintf(&b, " %s |", md(h.ID))
		}
		b.WriteString(" Result |\n|---|" + strings.Repeat(":---:|", len(c.Checks)) + "---|\n")
		for _, row := range c.Rows {
			fmt.Fprintf(&b, "| %s |", md(row.Workspace))
			for _, cell := range row.Cells {
				fmt.Fprintf(&b, " %s |", map[string]string{"pass": "pass", "fail": "**FAIL**", "error": "error"}[cell.Status])
			}
			fmt.Fprintf(&b, " %s |\n", md(row.Summary))
		}
		if len(c.Failures) > 0 {
			b.WriteString("\n### Failed checks\n\n| Workspace | Check | Severity | Evidence |\n|---|---|---|---|\n")
			for _, f := range c.Failures {
				title := md(f.Title)
				if f.Status == posture.CheckFail {
					title += " (not evaluated)"
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", md(f.Workspace), title, md(f.Severity), md(f.Evidence))
			}
		}
		b.WriteString("\n")
	}
	if !o.NoCharts {
		writeChartTables(&b, r)
	}
	if len(v.OpenHigh) > 0 {
		b.WriteString("## Open high-severity incidents\n\n")
		if v.OpenHighTotal > len(v.OpenHigh) {
			fmt.Fprintf(&b, "The %d oldest of %d.\n\n", len(v.OpenHigh), v.OpenHighTotal)
		}
		b.WriteString("| Workspace | # | Title | Status | Owner | Open for |\n|---|---:|---|---|---|---:|\n")
		for _, i := range v.OpenHigh {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s |\n", md(i.Workspace), i.Number, md(i.Title), md(i.Status), md(i.Owner), md(i.Age))
		}
		b.WriteString("\n")
	}
	if len(v.Failed) > 0 {
		b.WriteString("## Could not be assessed\n\n| Workspace | Error |\n|---|---|\n")
		for _, f := range v.Failed {
			fmt.Fprintf(&b, "| %s | %s |\n", md(f.Workspace), md(f.Error))
		}
		b.WriteString("\n")
	}
	if len(v.Notes) > 0 {
		b.WriteString("---\n\n")
		for _, n := range v.Notes {
			fmt.Fprintf(&b, "- %s\n", md(n))
		}
	}
	return b.String()
}

func writeChartTables(b *strings.Builder, r *posture.Report) {
	days, series := IngestionByTenant(r, 8)
	if len(days) > 0 && len(series) > 0 {
		b.WriteString("## Ingestion per tenant (MB/day)\n\n| Tenant |")
		for i, d := range days {
			label := d.Format("Jan 2")
			if i == len(days)-1 {
				label = "today so far"
			}
			fmt.Fprintf(b, " %s |", label)
		}
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(days)) + "\n")
		for _, s := range series {
			fmt.Fprintf(b, "| %s |", md(s.Name))
			for _, x := range s.Values {
				fmt.Fprintf(b, " %s |", strings.TrimSuffix(fmtMB(x), " MB"))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	inc, what := IncidentsByTenant(r)
	if len(inc) > 0 {
		fmt.Fprintf(b, "## Incidents per tenant (%s)\n\n| Tenant | High | Medium | Low | Informational | Total |\n|---|---:|---:|---:|---:|---:|\n", what)
		for _, t := range inc {
			fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %d |\n", md(t.Tenant), t.BySeverity["High"], t.BySeverity["Medium"],
				t.BySeverity["Low"], t.BySeverity["Informational"], t.Total)
		}
		b.WriteString("\n")
	}
}

// md cleans a value and escapes it for a Markdown table cell or line: no markup, link, HTML or
// table break can come out of it.
func md(s string) string {
	s = textsafe.Line(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func mdJoin(items []string, sep string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = md(s)
	}
	return strings.Join(out, sep)
}
