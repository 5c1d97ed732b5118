package posture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// Part is one thing Collect reads of a workspace; parts combine as a bit set.
type Part uint16

// Parts. Each costs one or two requests (noted).
const (
	PartOnboarding     Part = 1 << iota // onboardingStates/default (1 ARM)
	PartRules                           // analytics rules (1+ ARM)
	PartRuleRuns                        // analytics rule runs of the last 24 hours (1 query of SentinelHealth)
	PartIngestion                       // daily volume per table (1 query of Usage)
	PartConnectors                      // data connectors (1+ ARM)
	PartAutomation                      // automation rules (1+ ARM)
	PartIncidents                       // open incidents (1+ ARM)
	PartIncidentStats                   // incidents created in the ingestion window, by severity (1 query of SecurityIncident)
	PartUEBA                            // UEBA and entity analytics settings (2 ARM)
	PartTableRetention                  // per-table plan and retention (1 ARM)
	PartFreshness                       // the last record of the connectors' tables and of every table with data (1 query); implies PartConnectors and PartIngestion
)

// Part sets used by the checks.
const (
	HealthQuick    = PartOnboarding | PartRules | PartRuleRuns | PartIngestion | PartConnectors | PartFreshness | PartAutomation | PartIncidents
	HealthDetailed = HealthQuick | PartTableRetention
	CompliancePart = PartOnboarding | PartRules | PartConnectors | PartIncidents | PartUEBA | PartTableRetention
	ReportCharts   = PartIngestion | PartIncidentStats
)

var partNames = []struct {
	p    Part
	name string
}{
	{PartOnboarding, "onboarding"}, {PartRules, "analytics rules"}, {PartRuleRuns, "rule runs"},
	{PartIngestion, "ingestion"}, {PartConnectors, "data connectors"}, {PartAutomation, "automation rules"},
	{PartIncidents, "incidents"}, {PartIncidentStats, "incident statistics"}, {PartUEBA, "UEBA settings"},
	{PartTableRetention, "table retention"}, {PartFreshness, "table freshness"},
}

func (p Part) String() string {
	var names []string
	for _, n := range partNames {
		if p&n.p != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ", ")
}

// Snapshot is what was read of one workspace. A part that could not be read is nil or empty and
// named in Errors; the assessments say so rather than guessing.
type Snapshot struct {
	Workspace WorkspaceRef `json:"workspace"`
	Now       time.Time    `json:"now"`
	Parts     Part         `json:"-"`
	// Onboarded is false when Sentinel's onboarding state is missing (the other Sentinel parts are
	// then not read).
	Onboarded      bool                `json:"onboarded"`
	RetentionDays  int                 `json:"retention_days"`
	Rules          []Rule              `json:"rules,omitempty"`
	RuleRuns       []RuleRun           `json:"rule_runs,omitempty"`
	Connectors     []Connector         `json:"connectors,omitempty"`
	Tables         []TableActivity     `json:"tables,omitempty"`
	Ingestion      *Ingestion          `json:"ingestion,omitempty"`
	Automation     *Automation         `json:"automation,omitempty"`
	Incidents      *Incidents          `json:"incidents,omitempty"`
	IncidentStats  map[string]int      `json:"incidents_created_by_severity,omitempty"`
	UEBA           *UEBA               `json:"ueba,omitempty"`
	TableRetention []TableRetention    `json:"table_retention,omitempty"`
	Errors         []PartError         `json:"errors,omitempty"`
	errs           map[Part]error      // by part, for the assessments
	usage          map[string]tableUse // Usage per table, for the freshness query
}

// PartError is a part that could not be read.
type PartError struct {
	Part  string `json:"part"`
	Error string `json:"error"`
}

// Err returns the error of a part (nil when it was read or not asked for).
func (s *Snapshot) Err(p Part) error { return s.errs[p] }

// Has reports whether a part was asked for and read.
func (s *Snapshot) Has(p Part) bool { return s.Parts&p != 0 && s.errs[p] == nil }

func (s *Snapshot) fail(p Part, what string, err error) {
	if s.errs == nil {
		s.errs = map[Part]error{}
	}
	err = fmt.Errorf("%s: %w", what, err)
	s.errs[p] = err
	s.Errors = append(s.Errors, PartError{Part: p.String(), Error: err.Error()})
}

// Rule is an analytics rule.
type Rule struct {
	Name        string   `json:"name"` // resource name
	DisplayName string   `json:"display_name"`
	Kind        string   `json:"kind"`
	Template    string   `json:"template,omitempty"`
	Severity    string   `json:"severity,omitempty"`
	Enabled     bool     `json:"enabled"`
	Tactics     []string `json:"tactics,omitempty"`
	Techniques  []string `json:"techniques,omitempty"`
}

// RuleRun summarizes an analytics rule's runs in the last 24 hours (SentinelHealth).
type RuleRun struct {
	ResourceID  string    `json:"resource_id"`
	Name        string    `json:"name"`
	Runs        int       `json:"runs"`
	Failures    int       `json:"failures"`
	LastRun     time.Time `json:"last_run"`
	LastFailure time.Time `json:"last_failure,omitzero"`
	Reason      string    `json:"reason,omitempty"` // of a failed run
}

// Failing reports whether the rule's last run failed.
func (r RuleRun) Failing() bool { return r.Failures > 0 && !r.LastFailure.Before(r.LastRun) }

// Connector is a data connector.
type Connector struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind"`
	State     string   `json:"state,omitempty"` // Enabled, Disabled, Partial, "" (no data types)
	DataTypes []string `json:"data_types,omitempty"`
}

// TableActivity is the last record of a table (or of a connector's records in a shared table).
type TableActivity struct {
	Table      string        `json:"table"`
	Connector  string        `json:"connector,omitempty"` // connector kind feeding it (configured, else the schema's)
	Configured bool          `json:"configured"`          // the connector is configured in the workspace
	Filter     string        `json:"filter,omitempty"`    // the connector's records of a shared table
	LastRecord time.Time     `json:"last_record,omitzero"`
	Threshold  time.Duration `json:"threshold"` // silence threshold (0: not checked)
	Class      string        `json:"class"`
}

// Ingestion is the daily volume of each table.
type Ingestion struct {
	// Days are the days of the window, oldest first; the last one is today (partial).
	Days   []time.Time   `json:"days"`
	Tables []TableVolume `json:"tables"`
}

// TableVolume is a table's billed volume per day of Ingestion.Days, in MB (10^6 bytes).
type TableVolume struct {
	Table   string    `json:"table"`
	DailyMB []float64 `json:"daily_mb"`
	// First and Last are the first and last Usage records of the table in the window.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// TotalMB is the window's total.
func (v TableVolume) TotalMB() float64 {
	t := 0.0
	for _, x := range v.DailyMB {
		t += x
	}
	return t
}

// Automation summarizes the automation rules.
type Automation struct {
	Total   int      `json:"total"`
	Enabled int      `json:"enabled"`
	Names   []string `json:"names,omitempty"`
}

// Incidents are the open incidents.
type Incidents struct {
	Open      map[string]int `json:"open_by_severity"`
	OpenHigh  []OpenIncident `json:"open_high,omitempty"` // oldest first, at most maxOpenHigh
	Truncated bool           `json:"truncated,omitempty"` // more open incidents than were read
	// Oldest is the creation time of the oldest open incident per severity.
	Oldest  map[string]time.Time   `json:"oldest_open_by_severity,omitempty"`
	created map[string][]time.Time // every open incident's creation time, per severity
}

// OpenOlderThan counts the open incidents of a severity created before t.
func (i *Incidents) OpenOlderThan(severity string, t time.Time) int {
	n := 0
	for sev, ts := range i.created {
		if !strings.EqualFold(sev, severity) {
			continue
		}
		for _, c := range ts {
			if c.Before(t) {
				n++
			}
		}
	}
	return n
}

// OpenIncident is an open high-severity incident.
type OpenIncident struct {
	Number  int64     `json:"number"`
	Title   string    `json:"title"`
	Status  string    `json:"status"`
	Owner   string    `json:"owner,omitempty"`
	Created time.Time `json:"created"`
}

// UEBA is the state of user and entity behavior analytics.
type UEBA struct {
	Configured      bool     `json:"configured"` // the Ueba setting exists
	DataSources     []string `json:"data_sources,omitempty"`
	EntityProviders []string `json:"entity_providers,omitempty"`
}

// Enabled reports UEBA on: the setting exists with at least one data source.
func (u *UEBA) Enabled() bool { return u != nil && u.Configured && len(u.DataSources) > 0 }

// TableRetention is a table's plan and retention.
type TableRetention struct {
	Table         string `json:"table"`
	Plan          string `json:"plan"`
	RetentionDays int    `json:"retention_days"`
	TotalDays     int    `json:"total_retention_days"`
}

const (
	maxOpenRead = 1000 // open incidents read per workspace
	maxOpenHigh = 50   // open high-severity incidents kept
)

// Collect reads the parts of a workspace. It never fails as a whole: what could not be read is in
// the snapshot's Errors. now anchors every time window (the query windows are absolute, so results
// agree with the assessment's clock).
func Collect(ctx context.Context, p *azure.Provider, ws *tenancy.Workspace, parts Part, now time.Time, th Thresholds) *Snapshot {
	th = th.WithDefaults()
	if parts&PartFreshness != 0 {
		parts |= PartIngestion | PartConnectors
	}
	s := &Snapshot{Workspace: refOf(ws), Now: now.UTC(), Parts: parts, Onboarded: true, RetentionDays: ws.RetentionDays}
	c, err := sentinel.New(p, ws)
	if err != nil {
		for _, n := range partNames {
			if parts&n.p != 0 {
				s.fail(n.p, "connecting", err)
			}
		}
		return s
	}
	logs, logsErr := p.Logs(ws.CredTenantID)
	q := &querier{logs: logs, err: logsErr, ws: ws, now: s.Now}
	if parts&PartOnboarding != 0 {
		if err := c.Get(ctx, c.Path("onboardingStates", "default"), &json.RawMessage{}); err != nil {
			if azure.IsNotFound(err) {
				s.Onboarded = false
				return s
			}
			s.fail(PartOnboarding, "reading the onboarding state", err)
		}
	}
	step := func(part Part, what string, fn func() error) {
		if parts&part == 0 {
			return
		}
		err := ctx.Err()
		if err == nil {
			err = fn()
		}
		if err != nil {
			s.fail(part, what, err)
		}
	}
	step(PartRules, "reading analytics rules", func() error { return s.readRules(ctx, c, ws) })
	step(PartRuleRuns, "querying SentinelHealth", func() error { return s.readRuleRuns(ctx, q) })
	step(PartIngestion, "querying Usage", func() error { return s.readIngestion(ctx, q, th) })
	step(PartConnectors, "reading data connectors", func() error { return s.readConnectors(ctx, c) })
	step(PartFreshness, "querying the last records of the tables", func() error { return s.readFreshness(ctx, q, th) })
	step(PartAutomation, "reading automation rules", func() error { return s.readAutomation(ctx, c, ws) })
	step(PartIncidents, "reading open incidents", func() error { return s.readIncidents(ctx, c) })
	step(PartIncidentStats, "querying SecurityIncident", func() error { return s.readIncidentStats(ctx, q, th) })
	step(PartUEBA, "reading UEBA settings", func() error { return s.readUEBA(ctx, c) })
	step(PartTableRetention, "reading tables", func() error { return s.readTableRetention(ctx, c) })
	return s
}

func refOf(ws *tenancy.Workspace) WorkspaceRef {
	return WorkspaceRef{Alias: ws.Alias, Tenant: ws.TenantAlias, TenantName: ws.TenantName, Name: ws.Name,
		ResourceID: ws.ResourceID, CustomerID: ws.CustomerID, Location: ws.Location, AccessVia: ws.AccessVia,
		DefaultDays: ws.RetentionDays}
}

func (s *Snapshot) readRules(ctx context.Context, c *sentinel.Client, ws *tenancy.Workspace) error {
	rules, err := c.AlertRules(ctx)
	if err != nil {
		return err
	}
	s.Rules = []Rule{}
	for _, r := range rules {
		s.Rules = append(s.Rules, Rule{Name: r.Name, DisplayName: r.DisplayName(), Kind: r.Kind, Template: r.TemplateName(),
			Severity: r.Severity(), Enabled: r.Enabled(), Tactics: r.Tactics(), Techniques: r.Techniques()})
	}
	sort.Slice(s.Rules, func(i, j int) bool { return s.Rules[i].DisplayName < s.Rules[j].DisplayName })
	return nil
}

func (s *Snapshot) readAutomation(ctx context.Context, c *sentinel.Client, ws *tenancy.Workspace) error {
	rules, err := c.AutomationRules(ctx)
	if err != nil {
		return err
	}
	a := &Automation{Total: len(rules)}
	for _, r := range rules {
		if r.Enabled() {
			a.Enabled++
		}
		a.Names = append(a.Names, r.DisplayName())
	}
	sort.Strings(a.Names)
	s.Automation = a
	return nil
}

func (s *Snapshot) readIncidents(ctx context.Context, c *sentinel.Client) error {
	filter := sentinel.IncidentFilter{Statuses: []string{sentinel.StatusNew, sentinel.StatusActive}}.OData()
	items, truncated, err := c.ListAll(ctx, c.Path("incidents"), sentinel.Query{Filter: filter}, maxOpenRead)
	if err != nil {
		return err
	}
	incs, err := sentinel.DecodeAll[sentinel.Incident](items)
	if err != nil {
		return err
	}
	out := &Incidents{Open: map[string]int{}, Truncated: truncated, Oldest: map[string]time.Time{}, created: map[string][]time.Time{}}
	for _, i := range incs {
		p := i.Properties
		if p.Status == sentinel.StatusClosed { // a service that ignored the filter
			continue
		}
		out.Open[p.Severity]++
		out.created[p.Severity] = append(out.created[p.Severity], p.CreatedTimeUTC)
		if o, ok := out.Oldest[p.Severity]; !ok || p.CreatedTimeUTC.Before(o) {
			out.Oldest[p.Severity] = p.CreatedTimeUTC
		}
		if strings.EqualFold(p.Severity, sentinel.SeverityHigh) {
			out.OpenHigh = append(out.OpenHigh, OpenIncident{Number: p.IncidentNumber, Title: p.Title, Status: p.Status,
				Owner: p.Owner.String(), Created: p.CreatedTimeUTC})
		}
	}
	sort.SliceStable(out.OpenHigh, func(i, j int) bool { return out.OpenHigh[i].Created.Before(out.OpenHigh[j].Created) })
	if len(out.OpenHigh) > maxOpenHigh {
		out.OpenHigh = out.OpenHigh[:maxOpenHigh]
	}
	s.Incidents = out
	return nil
}

func (s *Snapshot) readUEBA(ctx context.Context, c *sentinel.Client) error {
	var ueba, ea struct {
		Properties struct {
			DataSources     []string `json:"dataSources"`
			EntityProviders []string `json:"entityProviders"`
		} `json:"properties"`
	}
	u := &UEBA{}
	switch err := c.Get(ctx, c.Path("settings", "Ueba"), &ueba); {
	case err == nil:
		u.Configured, u.DataSources = true, ueba.Properties.DataSources
	case !azure.IsNotFound(err):
		return err
	}
	switch err := c.Get(ctx, c.Path("settings", "EntityAnalytics"), &ea); {
	case err == nil:
		u.EntityProviders = ea.Properties.EntityProviders
	case !azure.IsNotFound(err):
		return err
	}
	sort.Strings(u.DataSources)
	s.UEBA = u
	return nil
}

func (s *Snapshot) readTableRetention(ctx context.Context, c *sentinel.Client) error {
	tables, err := c.Tables(ctx)
	if err != nil {
		return err
	}
	s.TableRetention = []TableRetention{}
	for _, t := range tables {
		p := t.Properties
		s.TableRetention = append(s.TableRetention, TableRetention{Table: t.Name, Plan: p.Plan, RetentionDays: p.RetentionInDays,
			TotalDays: p.TotalRetentionInDays})
	}
	sort.Slice(s.TableRetention, func(i, j int) bool { return s.TableRetention[i].Table < s.TableRetention[j].Table })
	return nil
}

func (s *Snapshot) readConnectors(ctx context.Context, c *sentinel.Client) error {
	conns, _, err := c.DataConnectors(ctx, 0)
	if err != nil {
		return err
	}
	s.Connectors = []Connector{}
	for _, dc := range conns {
		s.Connectors = append(s.Connectors, Connector{Name: dc.Name, Kind: dc.Kind, State: dc.State(), DataTypes: dc.DataTypeNames()})
	}
	sort.Slice(s.Connectors, func(i, j int) bool { return s.Connectors[i].Kind < s.Connectors[j].Kind })
	return nil
}

func (s *Snapshot) readFreshness(ctx context.Context, q *querier, th Thresholds) error {
	if s.errs[PartIngestion] != nil {
		return errors.New("the tables with data are not known: Usage could not be read")
	}
	s.Tables = freshnessTargets(s.Connectors, s.usage, th) // without connectors (not readable), the tables Usage knows
	return q.freshness(ctx, s.Tables)
}
