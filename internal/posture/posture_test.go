package posture

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
)

// Unit tests of the assessment rules on hand-made snapshots; the toolsets' tests run the whole path
// (Collect over the emulator) and assert against the seeded world.

var day0 = time.Date(2025, 6, 11, 12, 0, 0, 0, time.UTC) // a Wednesday noon

func ingestion(table string, first time.Time, daily ...float64) *Ingestion {
	in := &Ingestion{Days: window(day0, Thresholds{BaselineDays: len(daily) - 1})}
	in.Tables = []TableVolume{{Table: table, DailyMB: daily, First: first, Last: day0}}
	return in
}

func TestAnomalies(t *testing.T) {
	th := Thresholds{}.WithDefaults()
	start := window(day0, Thresholds{BaselineDays: 7})[0]
	cases := []struct {
		name  string
		in    *Ingestion
		want  []string // kind@day index
		table string
	}{
		{"steady with a weekend", ingestion("SigninLogs", start, 1, 1.1, 0.95, 0.3, 0.25, 1, 1.05, 0.4), nil, ""},
		{"a spike", ingestion("CommonSecurityLog", start, 1, 1, 1, 5.5, 1, 1, 1, 0.5), []string{"spike@3"}, ""},
		{"a drop", ingestion("Syslog", start, 1, 1, 1, 1, 0.05, 1, 1, 1), []string{"drop@4"}, ""},
		{"a silent stretch does not drag the median down", ingestion("OfficeActivity", start, 1, 1, 1, 1, 0, 0, 0, 0), []string{"drop@4", "drop@5", "drop@6"}, ""},
		{"today is not judged", ingestion("SecurityEvent", start, 1, 1, 1, 1, 1, 1, 1, 40), nil, ""},
		{"a first day that began late is left out", ingestion("AuditLogs", start.Add(17*time.Hour), 0.2, 1, 1, 1, 1, 1, 1, 1), nil, ""},
		{"a table that began later", ingestion("DnsEvents", start.AddDate(0, 0, 5), 0, 0, 0, 0, 0, 1, 3, 1), nil, ""},
		{"event tables follow incidents", ingestion("SecurityAlert", start, 0.001, 0.001, 0.001, 0.05, 0.001, 0.001, 0.001, 0), nil, ""},
	}
	for _, c := range cases {
		var got []string
		for _, a := range Anomalies(c.in, th) {
			for i, d := range c.in.Days {
				if d.Equal(a.Day) {
					got = append(got, a.Kind+"@"+string(rune('0'+i)))
				}
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestThresholds(t *testing.T) {
	th := Thresholds{Silence: map[string]time.Duration{"OfficeActivity": 72 * time.Hour, ClassCustom: 0}}.WithDefaults()
	for table, want := range map[string]time.Duration{
		"OfficeActivity": 72 * time.Hour, "AuditLogs": 48 * time.Hour, "Heartbeat": 2 * time.Hour, "SecurityEvent": 24 * time.Hour,
		"LegacyVPN_CL": 0, "SecurityAlert": 0, "SomethingNew": 48 * time.Hour,
	} {
		if got := th.SilenceFor(table); got != want {
			t.Errorf("SilenceFor(%s) = %s, want %s", table, got, want)
		}
	}
	if th.MinRetentionDays != 90 || th.IncidentMaxAge != 24*time.Hour || th.SpikeFactor != 3 || th.DropFactor != 0.1 || th.BaselineDays != 7 {
		t.Errorf("defaults: %+v", th)
	}
	for d, want := range map[time.Duration]string{72 * time.Hour: "3d", 74 * time.Hour: "3d 2h", 90 * time.Minute: "1h 30m", 5 * time.Minute: "5m", -time.Hour: "0s"} {
		if got := Age(d); got != want {
			t.Errorf("Age(%s) = %q, want %q", d, got, want)
		}
	}
}

func snapshot(parts Part) *Snapshot {
	return &Snapshot{Now: day0, Parts: parts, Onboarded: true, RetentionDays: 90}
}

func TestHealthStatus(t *testing.T) {
	s := snapshot(PartRules | PartRuleRuns | PartAutomation | PartIncidents)
	s.Rules = []Rule{{DisplayName: "A", Enabled: true}, {DisplayName: "B", Enabled: false}}
	s.RuleRuns = []RuleRun{{Name: "A", Runs: 24, Failures: 2, LastRun: day0.Add(-time.Hour), LastFailure: day0.Add(-5 * time.Hour), Reason: "timeout"}}
	s.Automation = &Automation{Total: 1, Enabled: 1}
	s.Incidents = &Incidents{Open: map[string]int{}}
	h := AssessHealth(s, Thresholds{})
	if h.Status != Degraded || len(h.Reasons) != 2 || !strings.Contains(h.Reasons[0], "1 of 2 analytics rules disabled") ||
		!strings.Contains(h.Reasons[1], `"A" failed 2 of 24`) {
		t.Errorf("disabled rule and intermittent failures: %s %q", h.Status, h.Reasons)
	}
	s.RuleRuns[0].LastFailure = s.RuleRuns[0].LastRun
	if h = AssessHealth(s, Thresholds{}); h.Status != Unhealthy || h.Metrics.RulesFailing != 1 {
		t.Errorf("a rule whose last run failed: %s %+v", h.Status, h.Metrics)
	}
	s.fail(PartIncidents, "reading open incidents", errors.New("boom"))
	s.RuleRuns, s.Rules = nil, []Rule{{DisplayName: "A", Enabled: true}}
	if h = AssessHealth(s, Thresholds{}); h.Status != Unknown || !h.Incomplete || h.Reasons[0] != "could not check incidents" {
		t.Errorf("a part that could not be read: %s %q", h.Status, h.Reasons)
	}
	s = snapshot(PartOnboarding | PartRules)
	s.Onboarded = false
	if h = AssessHealth(s, Thresholds{}); h.Status != Unhealthy || len(h.Findings) != 1 {
		t.Errorf("not onboarded: %s %+v", h.Status, h.Findings)
	}
}

func TestConnectorSilence(t *testing.T) {
	s := snapshot(PartConnectors | PartIngestion | PartFreshness)
	s.Ingestion = &Ingestion{Days: window(day0, Thresholds{}.WithDefaults())}
	s.Connectors = []Connector{{Kind: "Office365", State: "Enabled"}, {Kind: "AzureActiveDirectory", State: "Disabled"}}
	s.Tables = []TableActivity{
		{Table: "OfficeActivity", Connector: "Office365", Configured: true, LastRecord: day0.Add(-72 * time.Hour), Threshold: 48 * time.Hour, Class: ClassActivity},
		{Table: "SigninLogs", Connector: "AzureActiveDirectory", Configured: true, Threshold: 24 * time.Hour, Class: ClassStreaming},
		{Table: "Heartbeat", LastRecord: day0.Add(-10 * time.Minute), Threshold: 2 * time.Hour, Class: ClassAgent},
		{Table: "SecurityAlert", Configured: true, Threshold: 0},
	}
	h := AssessHealth(s, Thresholds{})
	if h.Status != Unhealthy || h.Metrics.TablesSilent != 2 || h.Metrics.TablesChecked != 3 {
		t.Fatalf("%s %+v %q", h.Status, h.Metrics, h.Reasons)
	}
	want := []string{"Office365 connector: OfficeActivity silent for 3d", "AzureActiveDirectory connector: SigninLogs has no records in the last 14d"}
	for i, w := range want {
		if h.Reasons[i] != w {
			t.Errorf("reason %d: %q, want %q", i, h.Reasons[i], w)
		}
	}
	if !strings.Contains(strings.Join(h.Reasons, ";"), "every data type disabled") {
		t.Errorf("a disabled connector is not reported: %q", h.Reasons)
	}
}

func TestComplianceEvaluation(t *testing.T) {
	s := snapshot(CompliancePart)
	s.RetentionDays = 120
	s.TableRetention = []TableRetention{{Table: "SigninLogs", Plan: "Analytics", RetentionDays: 30}, {Table: "Syslog", Plan: "Basic", RetentionDays: 30}}
	s.Rules = []Rule{
		{Name: "r1", DisplayName: "Custom spray", Template: "df72ec0e-38a7-5e9f-9066-9b1a6b9bced3", Enabled: true, Tactics: []string{"Credential Access"}, Techniques: []string{"T1110.003"}},
		{Name: "r2", DisplayName: "Impossible travel - successful sign-ins from distant countries", Enabled: true, Tactics: []string{"InitialAccess"}, Techniques: []string{"T1078"}},
		{Name: "r3", DisplayName: "Off", Enabled: false, Tactics: []string{"Exfiltration"}},
	}
	s.Connectors = []Connector{{Kind: "office365", State: "Enabled"}, {Kind: "ThreatIntelligence", State: "Disabled"}}
	s.UEBA = &UEBA{Configured: true, DataSources: []string{"SigninLogs"}}
	s.Incidents = &Incidents{Open: map[string]int{"High": 2}, created: map[string][]time.Time{"High": {day0.Add(-10 * 24 * time.Hour), day0.Add(-time.Hour)}},
		Oldest: map[string]time.Time{"High": day0.Add(-10 * 24 * time.Hour)}}
	c := EvaluateCompliance(s, content.DefaultPolicy())
	want := map[string]struct{ status, evidence string }{
		"retention":           {Fail, "1 Analytics tables below the minimum: SigninLogs 30d"},
		"required-rules":      {Fail, "6 required: 2 present and enabled; 4 missing"},
		"required-connectors": {Fail, "1 of 4 required connectors configured: Office365; every data type disabled: ThreatIntelligence; missing: AzureActiveDirectory, MicrosoftThreatProtection"},
		"mitre-coverage":      {Fail, "2 tactics covered (minimum 8); 2 techniques (minimum 10); required tactics without an enabled rule: Execution, Persistence, PrivilegeEscalation, Exfiltration"},
		"ueba":                {Fail, "missing data sources: AuditLogs, AzureActivity, SecurityEvent"},
		"open-high-incidents": {Fail, "1 open High incidents older than 7 days; 2 open in all, the oldest open for 10d"},
	}
	for _, r := range c.Checks {
		w := want[r.ID]
		if r.Status != w.status || !strings.Contains(r.Evidence, w.evidence) {
			t.Errorf("%s: %s %q, want %s containing %q", r.ID, r.Status, r.Evidence, w.status, w.evidence)
		}
	}
	if c.Passed != 0 || c.Failed != 6 || c.Summary != "0/6 checks passed" {
		t.Errorf("summary: %+v", c)
	}
	s.fail(PartUEBA, "reading UEBA settings", errors.New("403 Forbidden"))
	if r := EvaluateCompliance(s, content.DefaultPolicy()).Checks[4]; r.Status != CheckFail || !strings.Contains(r.Evidence, "403") {
		t.Errorf("a check whose data could not be read: %+v", r)
	}
}

func TestResolvePolicy(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.yaml"), content.DefaultPolicyYAML(), 0o600)
	if p, from, err := ResolvePolicy("", "", "", ""); err != nil || from != BuiltinPolicy || p.Name != content.DefaultPolicy().Name {
		t.Errorf("built-in: %v %q %v", p, from, err)
	}
	if _, from, err := ResolvePolicy("", "", dir, "p.yaml"); err != nil || from != "p.yaml" {
		t.Errorf("configured default: %q %v", from, err)
	}
	if _, _, err := ResolvePolicy("p.yaml", "", "", ""); !errors.Is(err, ErrNoPolicyDir) {
		t.Errorf("no policy dir: %v", err)
	}
	if _, _, err := ResolvePolicy("", strings.Repeat("x", MaxPolicyBytes+1), dir, ""); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("oversized inline policy: %v", err)
	}
	for _, bad := range []string{"/etc/passwd.yaml", "../p.yaml", "a/../../p.yaml"} {
		if _, _, err := ResolvePolicy(bad, "", dir, ""); err == nil {
			t.Errorf("policy %q was accepted", bad)
		}
	}
}

// The ingestion figures: the daily totals of the window, the last complete day against the median of
// the complete days with data; a window without any data gives zeros, not a failure.
func TestIngestionTrend(t *testing.T) {
	s := snapshot(PartIngestion)
	start := window(day0, Thresholds{BaselineDays: 7})[0]
	s.Ingestion = ingestion("SigninLogs", start, 1, 1, 2, 1, 1, 1, 1.5, 0.4)
	s.Ingestion.Tables = append(s.Ingestion.Tables, TableVolume{Table: "Syslog", DailyMB: []float64{1, 1, 1, 1, 1, 1, 1.5, 0.1}, First: start, Last: day0})
	m := AssessHealth(s, Thresholds{}).Metrics
	if len(m.DailyMB) != 8 || m.DailyMB[2] != 3 || m.DailyMB[7] != 0.5 || m.MedianDailyMB != 2 || m.LastDayMB != 3 || m.TrendPct != 50 {
		t.Errorf("figures: %+v", m)
	}
	s.Ingestion = &Ingestion{Days: window(day0, Thresholds{}.WithDefaults())}
	if m := AssessHealth(s, Thresholds{}).Metrics; m.LastDayMB != 0 || m.TrendPct != 0 || m.MedianDailyMB != 0 || len(m.DailyMB) != 8 {
		t.Errorf("an empty window: %+v", m)
	}
}
