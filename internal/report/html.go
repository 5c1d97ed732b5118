package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/posture"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
)

//go:embed report.html.tmpl
var pageTemplate string

//go:embed report.css
var pageCSS string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"f1":    func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"plus":  func(a, b float64) float64 { return a + b },
	"minus": func(a, b float64) float64 { return a - b },
	"half":  func(a float64) float64 { return a / 2 },
	"css":   func() template.CSS { return template.CSS(pageCSS) }, // a constant of this package, never data
}).Parse(pageTemplate))

type card struct {
	Label, Value, Note, Tone string
}

type healthRow struct {
	Workspace, Tenant, Status string
	Rules, Silent, Anomalies  string
	OpenHigh                  string
	Ingestion                 string // the last complete day's volume and its change against the median
	Reasons                   []string
	More                      int
}

type findingView struct {
	Severity, Check, Subject, Message, Evidence string
}

type workspaceFindings struct {
	Workspace, Status string
	Items             []findingView
}

type checkHead struct {
	ID, Title, Severity string
}

type complianceCell struct {
	Status, Title string
}

type complianceRow struct {
	Workspace, Summary string
	Cells              []complianceCell
	Compliant          bool
}

type complianceFailure struct {
	Workspace, Check, Title, Severity, Status, Evidence string
}

// failedCheck is a check with the workspaces where it did not pass.
type failedCheck struct {
	Check, Title, Severity string
	Of                     int
	Items                  []complianceFailure
}

type complianceView struct {
	Policy, Source string
	Checks         []checkHead
	Rows           []complianceRow
	Failures       []complianceFailure
	Passes         []complianceFailure
	FailedChecks   []failedCheck
}

type failureView struct {
	Workspace, Error string
}

type pageView struct {
	Title, Subtitle, Generated, Scope, Product, Mode string
	Cards                                            []card
	Ingestion                                        *lineChart
	IngestionNote                                    string
	Incidents                                        *barChart
	IncidentsWhat                                    string
	HealthRows                                       []healthRow
	Findings                                         []workspaceFindings
	Compliance                                       *complianceView
	OpenHigh                                         []openIncident
	OpenHighTotal                                    int
	Failed                                           []failureView
	Notes                                            []string
}

// HTML renders the report as one self-contained HTML page.
func HTML(r *posture.Report, o Options) ([]byte, error) {
	v := buildView(r, o)
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("report: rendering HTML: %w", err)
	}
	return b.Bytes(), nil
}

func buildView(r *posture.Report, o Options) *pageView {
	v := &pageView{Title: o.title(), Subtitle: textsafe.Line(o.Subtitle), Generated: r.GeneratedAt.UTC().Format("2 January 2006, 15:04 UTC"),
		Scope: scope(r), Product: textsafe.Line(o.Product), Mode: string(r.Mode)}
	if v.Subtitle == "" {
		v.Subtitle = "Microsoft Sentinel, " + v.Scope
	}
	if v.Product == "" {
		v.Product = "sentinel-mcp"
	}
	days, series := IngestionByTenant(r, 8)
	v.Ingestion = newLineChart(days, series)
	if len(days) > 0 {
		v.IngestionNote = fmt.Sprintf("Billed volume per day (Usage), %s to %s; the last day is today so far.",
			days[0].Format("Jan 2"), days[len(days)-1].Format("Jan 2"))
	}
	inc, what := IncidentsByTenant(r)
	v.Incidents, v.IncidentsWhat = newBarChart(inc), what
	if what == "incidents created" && len(days) > 0 {
		v.IncidentsWhat = "Incidents created since " + days[0].Format("Jan 2") + ", by severity"
	} else {
		v.IncidentsWhat = "Open incidents, by severity"
	}
	v.Cards = cards(r, days, series)
	for _, w := range r.Workspaces {
		if h := w.Health; h != nil {
			v.HealthRows = append(v.HealthRows, healthRowOf(w))
			var items []findingView
			for _, f := range h.Findings {
				items = append(items, findingView{Severity: string(f.Severity), Check: f.Check, Subject: textsafe.Line(f.Subject),
					Message: textsafe.Line(f.Message), Evidence: textsafe.Line(f.Evidence)})
			}
			if len(items) > 0 {
				v.Findings = append(v.Findings, workspaceFindings{Workspace: textsafe.Line(w.Workspace.Alias), Status: string(h.Status), Items: items})
			}
		}
	}
	v.Compliance = complianceOf(r)
	v.OpenHigh, v.OpenHighTotal = openHighIncidents(r, 25)
	for _, f := range r.Failed {
		v.Failed = append(v.Failed, failureView{Workspace: textsafe.Line(f.Workspace), Error: textsafe.Line(f.Error)})
	}
	v.Notes = notes(r)
	return v
}

func cards(r *posture.Report, days []time.Time, series []Series) []card {
	var out []card
	if r.Mode != "" {
		sc := r.StatusCounts()
		total := len(r.Workspaces) + len(r.Failed)
		tone := "good"
		switch {
		case sc[posture.Unhealthy] > 0:
			tone = "bad"
		case sc[posture.Degraded] > 0 || sc[posture.Unknown] > 0:
			tone = "warn"
		}
		note := fmt.Sprintf("%d degraded, %d unhealthy", sc[posture.Degraded], sc[posture.Unhealthy])
		if sc[posture.Unknown] > 0 {
			note += fmt.Sprintf(", %d unknown", sc[posture.Unknown])
		}
		out = append(out, card{Label: "Healthy workspaces", Value: fmt.Sprintf("%d / %d", sc[posture.Healthy], total), Note: note, Tone: tone})
	}
	if r.Policy != nil {
		passed, failed, errs, compliant := r.ComplianceCounts()
		all := passed + failed + errs
		pct := 0
		if all > 0 {
			pct = passed * 100 / all
		}
		tone := "good"
		if failed+errs > 0 {
			tone = "warn"
		}
		if pct < 70 {
			tone = "bad"
		}
		out = append(out, card{Label: "Compliance checks passed", Value: fmt.Sprintf("%d%%", pct),
			Note: fmt.Sprintf("%d of %d checks; %d of %d workspaces compliant", passed, all, compliant, len(r.Workspaces)), Tone: tone})
	}
	open, untriaged, oldest := 0, 0, time.Duration(0)
	for _, w := range r.Workspaces {
		if s := w.Snapshot; s != nil && s.Incidents != nil {
			open += s.Incidents.Open["High"]
			if len(s.Incidents.OpenHigh) > 0 {
				oldest = max(oldest, r.GeneratedAt.Sub(s.Incidents.OpenHigh[0].Created))
			}
		}
		if w.Health != nil {
			untriaged += w.Health.Metrics.UntriagedHigh
		}
	}
	note, tone := "none open", "good"
	if open > 0 {
		note, tone = fmt.Sprintf("%d untriaged past %s; the oldest open for %s", untriaged, posture.Age(r.Thresholds.IncidentMaxAge), posture.Age(oldest)), "warn"
		if untriaged > 0 {
			tone = "bad"
		}
	}
	out = append(out, card{Label: "Open high-severity incidents", Value: fmt.Sprint(open), Note: note, Tone: tone})
	if day, mb := lastCompleteDay(days, series); !day.IsZero() {
		out = append(out, card{Label: "Ingestion " + day.Format("Mon Jan 2"), Value: fmtMB(mb), Note: fmt.Sprintf("%d tenants", len(series)), Tone: "neutral"})
	}
	return out
}

func healthRowOf(w posture.WorkspaceResult) healthRow {
	h := w.Health
	m := h.Metrics
	row := healthRow{Workspace: textsafe.Line(w.Workspace.Alias), Tenant: textsafe.Line(w.Workspace.TenantName), Status: string(h.Status),
		Rules: fmt.Sprintf("%d / %d", m.RulesEnabled, m.RulesTotal), Silent: fmt.Sprint(m.TablesSilent),
		Anomalies: fmt.Sprint(m.Anomalies), OpenHigh: fmt.Sprint(m.OpenHigh)}
	if m.RulesFailing > 0 {
		row.Rules += fmt.Sprintf(" (%d failing)", m.RulesFailing)
	}
	row.Ingestion = "-"
	if len(m.DailyMB) >= 2 && m.MedianDailyMB > 0 {
		row.Ingestion = fmt.Sprintf("%s (%+.0f%%)", fmtMB(m.LastDayMB), m.TrendPct)
	}
	if row.Tenant == "" {
		row.Tenant = textsafe.Line(w.Workspace.Tenant)
	}
	for _, rs := range h.Reasons {
		if strings.HasPrefix(rs, "(+") {
			fmt.Sscanf(rs, "(+%d more)", &row.More)
			continue
		}
		row.Reasons = append(row.Reasons, textsafe.Line(rs))
	}
	return row
}

func complianceOf(r *posture.Report) *complianceView {
	if r.Policy == nil {
		return nil
	}
	cv := &complianceView{Policy: textsafe.Line(r.Policy.Name), Source: textsafe.Line(r.Policy.Source)}
	if r.Policy.Version > 0 {
		cv.Policy += fmt.Sprintf(" (version %d)", r.Policy.Version)
	}
	seen := map[string]bool{}
	for _, w := range r.Workspaces {
		c := w.Compliance
		if c == nil {
			continue
		}
		for _, ch := range c.Checks {
			if !seen[ch.ID] {
				seen[ch.ID] = true
				cv.Checks = append(cv.Checks, checkHead{ID: textsafe.Line(ch.ID), Title: textsafe.Line(ch.Title), Severity: ch.Severity})
			}
		}
	}
	for _, w := range r.Workspaces {
		c := w.Compliance
		if c == nil {
			continue
		}
		row := complianceRow{Workspace: textsafe.Line(w.Workspace.Alias), Summary: c.Summary, Compliant: c.Compliant()}
		byID := map[string]posture.CheckResult{}
		for _, ch := range c.Checks {
			byID[textsafe.Line(ch.ID)] = ch
		}
		for _, h := range cv.Checks {
			ch, ok := byID[h.ID]
			cell := complianceCell{Status: "na", Title: h.Title + ": not evaluated"}
			if ok {
				cell = complianceCell{Status: ch.Status, Title: h.Title + ": " + textsafe.Line(ch.Evidence)}
			}
			row.Cells = append(row.Cells, cell)
			if ok {
				f := complianceFailure{Workspace: row.Workspace, Check: h.ID, Title: h.Title, Severity: ch.Severity, Status: ch.Status,
					Evidence: textsafe.Line(ch.Evidence)}
				if ch.Status == posture.Pass {
					cv.Passes = append(cv.Passes, f)
				} else {
					cv.Failures = append(cv.Failures, f)
				}
			}
		}
		cv.Rows = append(cv.Rows, row)
	}
	rank := map[string]int{"High": 0, "Medium": 1, "Low": 2, "Informational": 3}
	sort.SliceStable(cv.Failures, func(i, j int) bool { return rank[cv.Failures[i].Severity] < rank[cv.Failures[j].Severity] })
	for _, h := range cv.Checks {
		fc := failedCheck{Check: h.ID, Title: h.Title, Severity: h.Severity, Of: len(cv.Rows)}
		for _, f := range cv.Failures {
			if f.Check == h.ID {
				fc.Items = append(fc.Items, f)
			}
		}
		if len(fc.Items) > 0 {
			cv.FailedChecks = append(cv.FailedChecks, fc)
		}
	}
	sort.SliceStable(cv.FailedChecks, func(i, j int) bool { return rank[cv.FailedChecks[i].Severity] < rank[cv.FailedChecks[j].Severity] })
	return cv
}

// notes explains how the report was made: thresholds, windows, what could not be read.
func notes(r *posture.Report) []string {
	th := r.Thresholds
	var out []string
	if r.Mode != "" {
		out = append(out, fmt.Sprintf("Health (%s mode): a table is silent when its last record is older than its threshold (agent tables %s, streaming %s, activity and custom %s by default; configurable in health.silence).",
			r.Mode, posture.Age(th.SilenceFor("Heartbeat")), posture.Age(th.SilenceFor("SecurityEvent")), posture.Age(th.SilenceFor("OfficeActivity"))))
		out = append(out, fmt.Sprintf("Ingestion anomalies compare each complete day with the table's median over the last %d complete days (spike at %.0fx, drop at %.1fx). High-severity incidents untriaged (New or unassigned) for more than %s degrade a workspace; retention below %d days too.",
			th.BaselineDays, th.SpikeFactor, th.DropFactor, posture.Age(th.IncidentMaxAge), th.MinRetentionDays))
	}
	if r.Policy != nil {
		out = append(out, fmt.Sprintf("Compliance: policy %q (%s), %d checks per workspace.", textsafe.Line(r.Policy.Name), textsafe.Line(r.Policy.Source), r.Policy.Checks))
	}
	if len(r.Failed) > 0 {
		out = append(out, fmt.Sprintf("%d workspace(s) could not be assessed and are listed at the end; the figures above leave them out.", len(r.Failed)))
	}
	return out
}
