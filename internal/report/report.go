// Package report renders a posture.Report as a document an MSSP can send to a customer or keep: a
// Markdown summary, or a self-contained HTML page (inline CSS and SVG charts, no script, no external
// resource, a Content-Security-Policy that forbids loading anything) with charts of ingestion per
// tenant over time and incidents per tenant by severity, the health table with its findings, the
// compliance matrix with its evidence, and the open high-severity incidents.
//
// Everything that comes from Azure (names, titles, reasons, error messages) is attacker-influenced:
// it is cleaned with textsafe.Line and then escaped for the output (html/template contexts for HTML,
// Markdown escaping for Markdown), so an incident title can neither inject markup nor break a table.
package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/posture"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
)

// Options set what frames the report.
type Options struct {
	Title    string // default "SOC health and compliance report"
	Subtitle string // e.g. the MSSP's name; default: the scope
	Product  string // footer, e.g. "sentinel-mcp 1.2.0"
	NoCharts bool   // Markdown: leave out the ingestion and incident tables
}

func (o Options) title() string {
	if o.Title != "" {
		return textsafe.Line(o.Title)
	}
	return "SOC health and compliance report"
}

// Series is one line of a chart: a name and a value per point.
type Series struct {
	Name   string
	Values []float64
}

// IngestionByTenant sums the daily volume of each tenant's workspaces, per day of the window (the
// last day is today, partial). Tenants are ordered by volume; past maxLines, the rest is summed
// into "other tenants".
func IngestionByTenant(r *posture.Report, maxLines int) ([]time.Time, []Series) {
	var days []time.Time
	sums := map[string][]float64{}
	for _, w := range r.Workspaces {
		s := w.Snapshot
		if s == nil || s.Ingestion == nil || len(s.Ingestion.Days) == 0 {
			continue
		}
		if days == nil {
			days = s.Ingestion.Days
		}
		if len(s.Ingestion.Days) != len(days) || !s.Ingestion.Days[0].Equal(days[0]) {
			continue // a window that does not line up (another clock): left out rather than misplotted
		}
		v := sums[w.Workspace.Tenant]
		if v == nil {
			v = make([]float64, len(days))
		}
		for _, t := range s.Ingestion.Tables {
			for i, x := range t.DailyMB {
				v[i] += x
			}
		}
		sums[w.Workspace.Tenant] = v
	}
	var out []Series
	for name, v := range sums {
		out = append(out, Series{Name: textsafe.Line(name), Values: v})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := total(out[i].Values), total(out[j].Values)
		if a != b {
			return a > b
		}
		return out[i].Name < out[j].Name
	})
	if maxLines > 0 && len(out) > maxLines {
		other := Series{Name: fmt.Sprintf("%d other tenants", len(out)-maxLines+1), Values: make([]float64, len(days))}
		for _, s := range out[maxLines-1:] {
			for i, x := range s.Values {
				other.Values[i] += x
			}
		}
		out = append(out[:maxLines-1], other)
	}
	return days, out
}

func total(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

// Severities in display order.
var Severities = []string{"High", "Medium", "Low", "Informational"}

// TenantIncidents is one tenant's incident count per severity.
type TenantIncidents struct {
	Tenant     string
	BySeverity map[string]int
	Total      int
}

// IncidentsByTenant counts, per tenant, the incidents created in the window (from SecurityIncident)
// when the report read them, else the open incidents. The second result says which.
func IncidentsByTenant(r *posture.Report) ([]TenantIncidents, string) {
	created := false
	for _, w := range r.Workspaces {
		if w.Snapshot != nil && w.Snapshot.IncidentStats != nil {
			created = true
		}
	}
	by := map[string]*TenantIncidents{}
	for _, w := range r.Workspaces {
		s := w.Snapshot
		if s == nil {
			continue
		}
		counts := s.IncidentStats
		if !created && s.Incidents != nil {
			counts = s.Incidents.Open
		}
		t := by[w.Workspace.Tenant]
		if t == nil {
			t = &TenantIncidents{Tenant: textsafe.Line(w.Workspace.Tenant), BySeverity: map[string]int{}}
			by[w.Workspace.Tenant] = t
		}
		for sev, n := range counts {
			t.BySeverity[canonSeverity(sev)] += n
			t.Total += n
		}
	}
	var out []TenantIncidents
	for _, t := range by {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].Tenant < out[j].Tenant
	})
	what := "open incidents"
	if created {
		what = "incidents created"
	}
	return out, what
}

func canonSeverity(s string) string {
	for _, v := range Severities {
		if strings.EqualFold(v, s) {
			return v
		}
	}
	return "Informational"
}

// openHigh lists the open high-severity incidents of every workspace, oldest first.
type openIncident struct {
	Workspace, Title, Status, Owner, Age string
	Number                               int64
	created                              time.Time
}

func openHighIncidents(r *posture.Report, max int) ([]openIncident, int) {
	var out []openIncident
	for _, w := range r.Workspaces {
		s := w.Snapshot
		if s == nil || s.Incidents == nil {
			continue
		}
		for _, i := range s.Incidents.OpenHigh {
			owner := textsafe.Line(i.Owner)
			if owner == "" {
				owner = "unassigned"
			}
			out = append(out, openIncident{Workspace: textsafe.Line(w.Workspace.Alias), Number: i.Number, Title: textsafe.Line(i.Title),
				Status: textsafe.Line(i.Status), Owner: owner, Age: posture.Age(r.GeneratedAt.Sub(i.Created)), created: i.Created})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].created.Before(out[j].created) })
	n := len(out)
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out, n
}

// scope describes what the report covers: "7 workspaces in 5 tenants".
func scope(r *posture.Report) string {
	n := len(r.Workspaces) + len(r.Failed)
	t := len(r.Tenants())
	return fmt.Sprintf("%d workspace%s in %d tenant%s", n, plural(n), t, plural(t))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// fmtMB formats a volume: 1.23 GB, 45.6 MB, 0.12 MB.
func fmtMB(x float64) string {
	switch {
	case x >= 1000:
		return fmt.Sprintf("%.2f GB", x/1000)
	case x >= 100:
		return fmt.Sprintf("%.0f MB", x)
	case x >= 10:
		return fmt.Sprintf("%.1f MB", x)
	}
	return fmt.Sprintf("%.2f MB", x)
}

// lastCompleteDay is the total volume of the last complete day of the window.
func lastCompleteDay(days []time.Time, series []Series) (time.Time, float64) {
	if len(days) < 2 {
		return time.Time{}, 0
	}
	i := len(days) - 2
	t := 0.0
	for _, s := range series {
		t += s.Values[i]
	}
	return days[i], t
}
