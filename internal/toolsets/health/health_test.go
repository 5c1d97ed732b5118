package health_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/posture"
	"github.com/sentinel-mcp/sentinel-mcp/internal/posture/posturetest"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/health"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// The tests run check_health through the MCP protocol against the emulator's seeded world, on a fixed
// data clock (posturetest.Now), and assert against world.SeededFacts rather than literals.

var toolset = toolsettest.Toolset{Toolset: inventory.Toolset{Name: health.Name, Description: "Health."}, Tools: health.Tools}

type connectorTable struct {
	Connector, Table, Filter string
	LastRecord               string `json:"last_record"`
	Silent                   bool
}

type status struct {
	Tables     []connectorTable `json:"connector_tables"`
	Workspace  string           `json:"workspace"`
	Status     string           `json:"status"`
	Reasons    []string         `json:"reasons"`
	Incomplete bool             `json:"incomplete"`
	Metrics    posture.Metrics  `json:"metrics"`
}

type checkOut struct {
	Mode       string         `json:"mode"`
	Days       []string       `json:"ingestion_days"`
	Counts     map[string]int `json:"counts"`
	Workspaces []status       `json:"workspaces"`
	Failed     []struct {
		Workspace, Error string
	} `json:"failed"`
	Result struct {
		Truncated bool `json:"truncated"`
	} `json:"result"`
}

func (o checkOut) of(t *testing.T, wsName string) status {
	t.Helper()
	alias := world.MustWorkspace(wsName).Alias()
	for _, s := range o.Workspaces {
		if s.Workspace == alias {
			return s
		}
	}
	t.Fatalf("%s is not in the result: %+v", alias, o.Workspaces)
	return status{}
}

func hasReason(s status, parts ...string) bool {
	for _, r := range s.Reasons {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(r, p)
		}
		if all {
			return true
		}
	}
	return false
}

// TestHealth shares one environment between subtests (starting one and generating its logs is the
// expensive part); the subtest that injects faults comes last.
func TestHealth(t *testing.T) {
	env := posturetest.Start(t, toolsettest.Options{Toolsets: []toolsettest.Toolset{toolset}})
	var all checkOut
	t.Run("finds the seeded problems and calls the others healthy", func(t *testing.T) { all = seededProblems(t, env) })
	t.Run("figures: rules, tables, ingestion trend, incidents", func(t *testing.T) { figures(t, all) })
	t.Run("detailed gives the evidence", func(t *testing.T) { detailed(t, env) })
	t.Run("html report with charts", func(t *testing.T) { htmlReport(t, env) })
	t.Run("reports progress and stays within the budget", func(t *testing.T) { progressAndBudget(t, env) })
	t.Run("partial results when a tenant fails", func(t *testing.T) { partialResults(t, env) })
}

func seededProblems(t *testing.T, env *toolsettest.Env) checkOut {
	res := env.CallOK("check_health", map[string]any{})
	var out checkOut
	res.Decode(&out)
	facts := world.SeededFacts()
	now := env.Deps.Clock()

	for _, d := range facts.Diff(world.DiffSilentConnector) {
		s := out.of(t, d.Workspace)
		if s.Status != "unhealthy" || !hasReason(s, d.Connector, d.Table, "silent for "+fmt.Sprint(int(d.Silent.Hours()/24))+"d") {
			t.Errorf("silent connector %s/%s in %s: got %s %q", d.Connector, d.Table, d.Workspace, s.Status, s.Reasons)
		}
	}
	for _, d := range facts.Diff(world.DiffFailingRule) {
		r, _ := content.RuleByID(d.Rule)
		s := out.of(t, d.Workspace)
		if s.Status != "unhealthy" || !hasReason(s, r.Name, "failing") {
			t.Errorf("failing rule %q in %s: got %s %q", r.Name, d.Workspace, s.Status, s.Reasons)
		}
	}
	for _, d := range facts.Diff(world.DiffDisabledRule) {
		if s := out.of(t, d.Workspace); s.Status == "healthy" || !hasReason(s, "analytics rules disabled") {
			t.Errorf("disabled rule in %s: got %s %q", d.Workspace, s.Status, s.Reasons)
		}
	}
	for _, d := range facts.Diff(world.DiffIngestionAnomaly) {
		day := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -d.DaysAgo).Format("2006-01-02")
		if s := out.of(t, d.Workspace); s.Status == "healthy" || !hasReason(s, d.Table, "spike", day) {
			t.Errorf("ingestion anomaly of %s on %s in %s: got %s %q", d.Table, day, d.Workspace, s.Status, s.Reasons)
		}
	}
	for _, d := range facts.Diff(world.DiffShortRetention) {
		if s := out.of(t, d.Workspace); !hasReason(s, fmt.Sprintf("retention is %d days", d.RetentionDays)) {
			t.Errorf("short retention in %s: got %q", d.Workspace, s.Reasons)
		}
	}
	healthy := 0
	for _, s := range out.Workspaces {
		name := s.Workspace[strings.Index(s.Workspace, "/")+1:]
		if len(facts.DiffsIn(name)) > 0 {
			continue
		}
		healthy++
		if s.Status != "healthy" || len(s.Reasons) != 0 {
			t.Errorf("%s has no seeded problem but is %s: %q", s.Workspace, s.Status, s.Reasons)
		}
	}
	if healthy < 2 || out.Counts["healthy"] != healthy {
		t.Errorf("healthy workspaces: %d checked, counts %v", healthy, out.Counts)
	}
	for _, want := range []string{"| workspace | status | reasons |", "unhealthy", "mode \"detailed\""} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("the text lacks %q:\n%s", want, res.Text)
		}
	}
	return out
}

func detailed(t *testing.T, env *toolsettest.Env) {
	facts := world.SeededFacts()
	disabled := facts.Diff(world.DiffDisabledRule)[0]
	silent := facts.Diff(world.DiffSilentConnector)[0]
	res := env.CallOK("check_health", map[string]any{"mode": "detailed",
		"workspaces": []string{world.MustWorkspace(disabled.Workspace).Alias(), world.MustWorkspace(silent.Workspace).Alias()}})
	rule, _ := content.RuleByID(disabled.Rule)
	for _, want := range []string{"Findings (most severe first)", "disabled: " + rule.Name, "last record", "threshold 2d (activity tables)",
		"| critical | connectors |", "| warning | retention |", "Figures (ingestion", "| rules enabled |", "| MB/day |"} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("detailed text lacks %q:\n%s", want, res.Text)
		}
	}
	// The silent workspace's figures: rules, failing, connectors, then 1 silent table of those checked.
	if row := regexp.MustCompile(`\| ` + regexp.QuoteMeta(world.MustWorkspace(silent.Workspace).Alias()) + ` \| \d+/\d+ \| 0 \| \d+ \| 1/\d+ \|`); !row.MatchString(res.Text) {
		t.Errorf("no figures row with one silent table for %s:\n%s", silent.Workspace, res.Text)
	}
	if strings.Contains(res.Text, world.MustWorkspace(world.WSSocCentral).Alias()) {
		t.Error("a workspace that was not asked for is in the result")
	}
	var out checkOut
	res.Decode(&out)
	if out.Mode != "detailed" || len(out.Workspaces) != 2 {
		t.Errorf("structured output: %+v", out)
	}
	// The last record of every table of the configured connectors: the silent one, the others receiving.
	receiving, silentSeen := 0, false
	for _, ct := range out.of(t, silent.Workspace).Tables {
		switch {
		case ct.Connector == silent.Connector && ct.Table == silent.Table:
			silentSeen = ct.Silent && ct.LastRecord != ""
		case !ct.Silent && ct.LastRecord != "":
			receiving++
		default:
			t.Errorf("%s: an unexpected silent connector table %+v", silent.Workspace, ct)
		}
	}
	if !silentSeen || receiving < 3 {
		t.Errorf("%s connector tables: silent %s/%s seen %v, %d receiving: %+v", silent.Workspace, silent.Connector, silent.Table, silentSeen, receiving,
			out.of(t, silent.Workspace).Tables)
	}
	if want := "| " + world.MustWorkspace(silent.Workspace).Alias() + " | " + silent.Connector + " | " + silent.Table + " |"; !strings.Contains(res.Text, "Data connector tables") ||
		!strings.Contains(res.Text, want) || !strings.Contains(res.Text, "| SILENT |") || !strings.Contains(res.Text, "| receiving |") {
		t.Errorf("the detailed text lacks the connector tables (%q):\n%s", want, res.Text)
	}

	// JSON: one document with the status table and the findings.
	res = env.CallOK("check_health", map[string]any{"mode": "detailed", "format": "json", "workspaces": []string{world.MustWorkspace(silent.Workspace).Alias()}})
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(res.Text), &doc); err != nil || doc["workspaces"] == nil || doc["findings"] == nil {
		t.Fatalf("json format: %v\n%s", err, res.Text)
	}
	if !strings.Contains(string(doc["findings"]), silent.Table) {
		t.Errorf("json findings lack the silent table: %s", doc["findings"])
	}

	// Markdown: the report's health sections.
	res = env.CallOK("check_health", map[string]any{"format": "markdown", "workspaces": []string{world.MustWorkspace(silent.Workspace).Alias()}})
	if !strings.Contains(res.Text, "## Workspace health") || !strings.Contains(res.Text, "**unhealthy**") {
		t.Errorf("markdown format:\n%s", res.Text)
	}
}

// figures checks the metrics behind the statuses (of every workspace, in the structured output of a
// quick check) against the seeded world: the disabled rule in the rule counts, the silent table, the
// ingestion series of the window with the seeded spike, incidents.
func figures(t *testing.T, out checkOut) {
	facts := world.SeededFacts()
	if len(out.Days) != posture.DefaultBaselineDays+1 {
		t.Fatalf("ingestion_days: %v", out.Days)
	}
	disabled := facts.Diff(world.DiffDisabledRule)[0]
	if m := out.of(t, disabled.Workspace).Metrics; m.RulesTotal == 0 || m.RulesEnabled != m.RulesTotal-1 {
		t.Errorf("%s with one disabled rule: rules %d/%d", disabled.Workspace, m.RulesEnabled, m.RulesTotal)
	}
	if m := out.of(t, facts.Baseline).Metrics; m.RulesEnabled != m.RulesTotal || m.TablesSilent != 0 || m.TablesChecked < 5 || m.Anomalies != 0 ||
		m.AutomationRules == 0 || m.RetentionDays != world.MustWorkspace(facts.Baseline).RetentionDays {
		t.Errorf("baseline figures: %+v", m)
	}
	silent := facts.Diff(world.DiffSilentConnector)[0]
	if m := out.of(t, silent.Workspace).Metrics; m.TablesSilent < 1 || m.Connectors == 0 {
		t.Errorf("%s with a silent connector: %+v", silent.Workspace, m)
	}
	failing := facts.Diff(world.DiffFailingRule)[0]
	if m := out.of(t, failing.Workspace).Metrics; m.RulesFailing != 1 {
		t.Errorf("%s with a failing rule: %d failing", failing.Workspace, m.RulesFailing)
	}
	spike := facts.Diff(world.DiffIngestionAnomaly)[0]
	m := out.of(t, spike.Workspace).Metrics
	if len(m.DailyMB) != len(out.Days) || m.MedianDailyMB <= 0 || m.Anomalies < 1 {
		t.Fatalf("%s ingestion figures: %+v", spike.Workspace, m)
	}
	spiked := m.DailyMB[len(m.DailyMB)-1-spike.DaysAgo]
	for i, v := range m.DailyMB[1 : len(m.DailyMB)-1] { // complete days after the first (partial) one
		if i+1 != len(m.DailyMB)-1-spike.DaysAgo && v >= spiked {
			t.Errorf("%s: the spike day (%.3f MB) is not the largest complete day: %v", spike.Workspace, spiked, m.DailyMB)
		}
	}
	if m.LastDayMB != m.DailyMB[len(m.DailyMB)-2] || m.TrendPct < -90 || m.TrendPct > 200 {
		t.Errorf("last day %.3f MB, trend %.1f%%: %v", m.LastDayMB, m.TrendPct, m.DailyMB)
	}
	open := 0
	for _, s := range out.Workspaces {
		open += s.Metrics.OpenIncidents
	}
	if open == 0 {
		t.Error("no open incidents in any workspace's figures (the seeded world has open incidents)")
	}
}

// htmlReport asks check_health for its HTML page: an embedded, self-contained page with both charts
// and the health table, naming the silent table.
func htmlReport(t *testing.T, env *toolsettest.Env) {
	silent := world.SeededFacts().Diff(world.DiffSilentConnector)[0]
	res := env.CallOK("check_health", map[string]any{"format": "html", "mode": "detailed",
		"workspaces": []string{world.MustWorkspace(silent.Workspace).Alias(), world.MustWorkspace(world.SeededFacts().Baseline).Alias()}})
	er, ok := res.Content[len(res.Content)-1].(*mcp.EmbeddedResource)
	if !ok || er.Resource.MIMEType != "text/html" || !strings.HasPrefix(er.Resource.URI, "sentinel-mcp://reports/health-") {
		t.Fatalf("html: %#v", res.Content)
	}
	doc := posturetest.CheckHTML(t, er.Resource.Text)
	for _, want := range []string{"Ingestion per tenant", "Incidents per tenant", "Workspace health", silent.Table} {
		if !strings.Contains(er.Resource.Text, want) {
			t.Errorf("the health page lacks %q", want)
		}
	}
	if len(posturetest.Text(doc, "pill")) == 0 || strings.Contains(er.Resource.Text, "Compliance</h2>") {
		t.Error("the health page has no status pills, or a compliance section it was not asked for")
	}
	var out checkOut
	res.Decode(&out)
	if len(out.Workspaces) == 0 || out.Counts["unhealthy"] == 0 {
		t.Errorf("structured output of the html format: %+v", out)
	}
}

func progressAndBudget(t *testing.T, env *toolsettest.Env) {
	res, msgs := posturetest.CallWithProgress(t, env, "check_health", map[string]any{"workspaces": []string{"all"}})
	if res.IsError {
		t.Fatalf("check_health failed: %v", res.Content)
	}
	wss, _ := env.Registry.Workspaces(context.Background())
	if len(msgs) != len(wss) || !strings.Contains(msgs[len(msgs)-1], fmt.Sprintf("(%d of %d)", len(wss), len(wss))) {
		t.Errorf("want one progress notification per workspace (%d), got %q", len(wss), msgs)
	}

	res2 := env.CallOK("check_health", map[string]any{"limit": 2})
	var out checkOut
	res2.Decode(&out)
	if !out.Result.Truncated || !strings.Contains(res2.Text, "[truncated: showing 2 of") {
		t.Errorf("limit 2 over %d workspaces is not reported as truncated:\n%s", len(out.Workspaces), res2.Text)
	}
}

func partialResults(t *testing.T, env *toolsettest.Env) {
	broken := world.MustWorkspace(world.WSFabrikamSentinel)
	id, err := env.Emulator.Faults().Add(emulator.Fault{Route: "arm", Tenant: broken.TenantID, Status: 500})
	if err != nil {
		t.Fatal(err)
	}
	id2, _ := env.Emulator.Faults().Add(emulator.Fault{Route: "query", Tenant: broken.TenantID, Status: 500})
	res := env.CallOK("check_health", map[string]any{})
	var out checkOut
	res.Decode(&out)
	if len(out.Failed) != 1 || out.Failed[0].Workspace != broken.Alias() || !strings.Contains(out.Failed[0].Error, "500") {
		t.Fatalf("want %s failed with its error, got %+v", broken.Alias(), out.Failed)
	}
	if len(out.Workspaces) == 0 || out.Counts["unknown"] != 1 {
		t.Errorf("the other workspaces are missing or the counts are wrong: %v %v", out.Workspaces, out.Counts)
	}
	if !strings.Contains(res.Text, "could not be checked") || !strings.Contains(res.Text, broken.Alias()) {
		t.Errorf("the text does not say which workspace could not be checked:\n%s", res.Text)
	}

	// Only its queries fail: what ARM says is assessed, the rest is unknown rather than healthy.
	env.Emulator.Faults().Remove(id)
	res = env.CallOK("check_health", map[string]any{"workspaces": []string{broken.Alias()}})
	out = checkOut{}
	res.Decode(&out)
	if s := out.of(t, broken.Name); s.Status != "unknown" || !s.Incomplete || !hasReason(s, "could not check") {
		t.Errorf("with its queries failing, %s is %s %q (incomplete %v)", broken.Alias(), s.Status, s.Reasons, s.Incomplete)
	}
	env.Emulator.Faults().Remove(id2)

	// Every workspace fails: an error that says so.
	env.Emulator.Faults().Add(emulator.Fault{Route: "arm", Status: 500})
	env.Emulator.Faults().Add(emulator.Fault{Route: "query", Status: 500})
	msg := env.CallError("check_health", map[string]any{"workspaces": []string{broken.Alias()}})
	if !strings.Contains(msg, broken.Alias()) || !strings.Contains(msg, "500") {
		t.Errorf("error when nothing could be read: %s", msg)
	}
}

func TestHealthFlagsAgingHighSeverityIncidents(t *testing.T) {
	var offset atomic.Int64
	now := posturetest.Now()
	env := posturetest.Start(t, toolsettest.Options{Toolsets: []toolsettest.Toolset{toolset},
		Emulator: emulator.Options{Now: func() time.Time { return now.Add(time.Duration(offset.Load())) }}})
	ws := world.MustWorkspace(world.WSLitwareSentinel)
	n := createIncident(t, env, ws.Alias(), "Old ransomware case", -3*24*time.Hour, &offset)
	res := env.CallOK("check_health", map[string]any{"workspaces": []string{ws.Alias()}})
	var out checkOut
	res.Decode(&out)
	s := out.of(t, ws.Name)
	if s.Status != "degraded" || !hasReason(s, "untriaged for more than 1d", fmt.Sprintf("oldest #%d open for 3d (New, unassigned)", n)) {
		t.Errorf("an untriaged high-severity incident of 3 days: %s %q", s.Status, s.Reasons)
	}
}

// createIncident creates an open high-severity incident as if at now+age (the emulator's clock is
// moved back for the write) and returns its number.
func createIncident(t *testing.T, env *toolsettest.Env, alias, title string, age time.Duration, offset *atomic.Int64) int64 {
	t.Helper()
	ctx := context.Background()
	ws, err := env.Registry.Resolve(ctx, alias)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sentinel.New(env.Provider, ws)
	if err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(age))
	defer offset.Store(0)
	inc, err := c.PutIncident(ctx, &sentinel.Incident{Properties: sentinel.IncidentProperties{Title: title,
		Severity: sentinel.SeverityHigh, Status: sentinel.StatusNew}})
	if err != nil {
		t.Fatal(err)
	}
	return inc.Properties.IncidentNumber
}

// With discovery listing workspaces without Sentinel (include_non_sentinel), a health check of a
// tenant (or of all workspaces: the same selection) reports them as not onboarded rather than leaving
// them out.
func TestHealthReportsWorkspacesWithoutSentinel(t *testing.T) {
	env := posturetest.Start(t, toolsettest.Options{Toolsets: []toolsettest.Toolset{toolset},
		Configure: func(c *config.Config) { c.Azure.Discovery.IncludeNonSentinel = true }})
	d := world.SeededFacts().Diff(world.DiffNotOnboarded)[0]
	for _, args := range []map[string]any{{"tenant": world.MustWorkspace(d.Workspace).TenantAlias}} {
		res := env.CallOK("check_health", args)
		var out checkOut
		res.Decode(&out)
		if s := out.of(t, d.Workspace); s.Status != "unhealthy" || !hasReason(s, "not onboarded") {
			t.Errorf("%v: %s is %s %q", args, d.Workspace, s.Status, s.Reasons)
		}
		if len(out.Workspaces) < 2 {
			t.Errorf("%v: the Sentinel workspaces are missing: %+v", args, out.Workspaces)
		}
	}
}
