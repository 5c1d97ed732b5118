package posture

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// The Log Analytics queries of Collect. Every window is absolute (datetime literals from the
// snapshot's clock and a matching timespan), so the answers agree with the assessment whatever the
// service's clock says. Table and column names are checked against the Log Analytics name rules
// before they are put into a query, and the only string values are this package's constants.

type querier struct {
	logs *azure.Logs
	err  error
	ws   *tenancy.Workspace
	now  time.Time
}

// result is a query's primary table with columns by name.
type result struct {
	cols map[string]int
	rows [][]any
}

func (q *querier) run(ctx context.Context, kql string, from time.Time) (*result, error) {
	if q.err != nil {
		return nil, q.err
	}
	res, err := q.logs.Query(ctx, q.ws.CustomerID, kql, azure.TimespanBetween(from, q.now.Add(time.Minute)), nil, nil)
	if err != nil {
		return nil, err
	}
	if res.Partial != nil {
		return nil, fmt.Errorf("the query answered with incomplete data: %w", res.Partial)
	}
	t := res.Primary()
	if t == nil {
		return &result{cols: map[string]int{}}, nil
	}
	r := &result{cols: map[string]int{}, rows: t.Rows}
	for i, c := range t.Columns {
		r.cols[c.Name] = i
	}
	return r, nil
}

func (r *result) val(row []any, col string) any {
	i, ok := r.cols[col]
	if !ok || i >= len(row) {
		return nil
	}
	return row[i]
}

func (r *result) str(row []any, col string) string {
	switch v := r.val(row, col).(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func (r *result) num(row []any, col string) float64 {
	switch v := r.val(row, col).(type) {
	case json.Number:
		f, _ := v.Float64()
		return f
	case float64:
		return v
	case string:
		f, _ := strconv.ParseFloat(v, 64)
		return f
	}
	return 0
}

func (r *result) time(row []any, col string) time.Time {
	s, _ := r.val(row, col).(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func kqlTime(t time.Time) string { return "datetime(" + t.UTC().Format(time.RFC3339Nano) + ")" }

// kqlString quotes one of this package's constants as a KQL string literal.
func kqlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}

// missingTable reports the error of a query on a table the workspace does not have.
func missingTable(err error, table string) bool {
	e, ok := azure.AsError(err)
	return ok && e.Status == 400 && strings.Contains(e.Message, table)
}

func (s *Snapshot) readRuleRuns(ctx context.Context, q *querier) error {
	from := s.Now.Add(-24 * time.Hour)
	kql := `SentinelHealth
| where TimeGenerated >= ` + kqlTime(from) + ` and SentinelResourceType == "Analytics Rule"
| summarize Runs=count(), Failures=countif(Status == "Failure"), LastRun=max(TimeGenerated),
    LastFailure=maxif(TimeGenerated, Status == "Failure"), Reason=take_anyif(Reason, Status == "Failure")
    by SentinelResourceId, SentinelResourceName`
	r, err := q.run(ctx, kql, from)
	if err != nil {
		if missingTable(err, "SentinelHealth") {
			s.RuleRuns = []RuleRun{} // health monitoring is off: no runs known (the assessment says so)
			return nil
		}
		return err
	}
	s.RuleRuns = []RuleRun{}
	for _, row := range r.rows {
		s.RuleRuns = append(s.RuleRuns, RuleRun{ResourceID: r.str(row, "SentinelResourceId"), Name: r.str(row, "SentinelResourceName"),
			Runs: int(r.num(row, "Runs")), Failures: int(r.num(row, "Failures")), LastRun: r.time(row, "LastRun"),
			LastFailure: r.time(row, "LastFailure"), Reason: r.str(row, "Reason")})
	}
	sort.Slice(s.RuleRuns, func(i, j int) bool { return s.RuleRuns[i].Name < s.RuleRuns[j].Name })
	return nil
}

// tableUse is what Usage says of a table over the freshness lookback.
type tableUse struct{ first, last time.Time }

// window returns the ingestion window: BaselineDays complete days and today.
func window(now time.Time, th Thresholds) []time.Time {
	today := now.UTC().Truncate(24 * time.Hour)
	days := make([]time.Time, 0, th.BaselineDays+1)
	for i := th.BaselineDays; i >= 0; i-- {
		days = append(days, today.AddDate(0, 0, -i))
	}
	return days
}

func (s *Snapshot) readIngestion(ctx context.Context, q *querier, th Thresholds) error {
	days := window(s.Now, th)
	from := days[0]
	if lb := s.Now.Add(-FreshnessLookback).Truncate(24 * time.Hour); lb.Before(from) {
		from = lb
	}
	kql := `Usage
| where TimeGenerated >= ` + kqlTime(from) + `
| summarize MB=sum(Quantity), First=min(TimeGenerated), Last=max(TimeGenerated) by DataType, Day=startofday(TimeGenerated)`
	r, err := q.run(ctx, kql, from)
	if err != nil {
		return err
	}
	index := map[time.Time]int{}
	for i, d := range days {
		index[d] = i
	}
	vols := map[string]*TableVolume{}
	s.usage = map[string]tableUse{}
	for _, row := range r.rows {
		table := r.str(row, "DataType")
		if table == "" {
			continue
		}
		first, last := r.time(row, "First"), r.time(row, "Last")
		u := s.usage[table]
		if u.first.IsZero() || first.Before(u.first) {
			u.first = first
		}
		if last.After(u.last) {
			u.last = last
		}
		s.usage[table] = u
		i, ok := index[r.time(row, "Day")]
		if !ok {
			continue
		}
		v := vols[table]
		if v == nil {
			v = &TableVolume{Table: table, DailyMB: make([]float64, len(days)), First: first, Last: last}
			vols[table] = v
		}
		v.DailyMB[i] += r.num(row, "MB")
		if first.Before(v.First) {
			v.First = first
		}
		if last.After(v.Last) {
			v.Last = last
		}
	}
	in := &Ingestion{Days: days, Tables: []TableVolume{}}
	for _, v := range vols {
		in.Tables = append(in.Tables, *v)
	}
	sort.Slice(in.Tables, func(i, j int) bool {
		a, b := in.Tables[i].TotalMB(), in.Tables[j].TotalMB()
		if a != b {
			return a > b
		}
		return in.Tables[i].Table < in.Tables[j].Table
	})
	s.Ingestion = in
	return nil
}

// freshnessTargets are the tables whose last record is checked: those of the configured connectors
// and every table Usage saw in the lookback (attributed to the connector the schema names).
func freshnessTargets(conns []Connector, usage map[string]tableUse, th Thresholds) []TableActivity {
	var out []TableActivity
	whole := map[string]bool{}
	for _, c := range conns {
		for _, ct := range sentinel.ConnectorTables(c.Kind) {
			t := TableActivity{Table: ct.Table, Connector: c.Kind, Configured: true, Class: ClassOf(ct.Table),
				Threshold: th.SilenceFor(ct.Table)}
			if col, val := ct.Where(); col != "" {
				t.Filter = col + " == " + kqlString(val)
			} else {
				if whole[ct.Table] {
					continue
				}
				whole[ct.Table] = true
			}
			out = append(out, t)
		}
	}
	var extra []string
	for table := range usage {
		if !whole[table] && validTable(table) {
			extra = append(extra, table)
		}
	}
	sort.Strings(extra)
	for _, table := range extra {
		t := TableActivity{Table: table, Class: ClassOf(table), Threshold: th.SilenceFor(table)}
		if st, ok := schema.Lookup(table); ok {
			t.Connector = st.Connector
		}
		out = append(out, t)
	}
	return out
}

// freshness reads the last record of every target with a threshold, in one query.
func (q *querier) freshness(ctx context.Context, targets []TableActivity) error {
	from := q.now.Add(-FreshnessLookback)
	var branches []string
	var idx []int
	for i, t := range targets {
		if t.Threshold <= 0 || !validTable(t.Table) {
			continue
		}
		b := "(" + t.Table + " | where TimeGenerated >= " + kqlTime(from)
		if t.Filter != "" {
			b += " | where " + t.Filter
		}
		b += " | summarize Last=max(TimeGenerated) | extend K=" + strconv.Itoa(len(idx)) + ")"
		branches = append(branches, b)
		idx = append(idx, i)
	}
	if len(branches) == 0 {
		return nil
	}
	r, err := q.run(ctx, "union isfuzzy=true\n"+strings.Join(branches, ",\n"), from)
	if err != nil {
		return err
	}
	for _, row := range r.rows {
		k := int(r.num(row, "K"))
		if k >= 0 && k < len(idx) {
			targets[idx[k]].LastRecord = r.time(row, "Last")
		}
	}
	return nil
}

func (s *Snapshot) readIncidentStats(ctx context.Context, q *querier, th Thresholds) error {
	from := window(s.Now, th)[0]
	kql := `SecurityIncident
| where TimeGenerated >= ` + kqlTime(from) + ` and CreatedTime >= ` + kqlTime(from) + `
| summarize arg_max(TimeGenerated, Severity) by IncidentName
| summarize Incidents=count() by Severity`
	s.IncidentStats = map[string]int{}
	r, err := q.run(ctx, kql, from)
	if err != nil {
		if missingTable(err, "SecurityIncident") {
			return nil
		}
		return err
	}
	for _, row := range r.rows {
		s.IncidentStats[r.str(row, "Severity")] += int(r.num(row, "Incidents"))
	}
	return nil
}
