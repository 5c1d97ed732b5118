package posture

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Finding is one thing the health check noticed.
type Finding struct {
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	Subject  string   `json:"subject,omitempty"` // the table, rule or connector it is about
	Message  string   `json:"message"`
	Evidence string   `json:"evidence,omitempty"` // the values seen
}

// Health is the health of one workspace.
type Health struct {
	Status Status `json:"status"`
	// Reasons are the messages of the most severe findings (at most MaxReasons).
	Reasons    []string  `json:"reasons"`
	Findings   []Finding `json:"findings"`
	Incomplete bool      `json:"incomplete,omitempty"` // a check could not be made
	Metrics    Metrics   `json:"metrics"`
}

// Metrics are the figures of a workspace's health.
type Metrics struct {
	RulesEnabled  int     `json:"rules_enabled"`
	RulesTotal    int     `json:"rules_total"`
	RulesFailing  int     `json:"rules_failing"`
	Connectors    int     `json:"connectors"`
	TablesChecked int     `json:"tables_checked"`
	TablesSilent  int     `json:"tables_silent"`
	Anomalies     int     `json:"ingestion_anomalies"`
	MedianDailyMB float64 `json:"median_daily_mb"`
	// LastDayMB is the volume of the last complete day, and TrendPct how far it is from the median of
	// the complete days (+12.5: 12.5% above); DailyMB is the whole window, oldest first, today last.
	LastDayMB       float64   `json:"last_day_mb"`
	TrendPct        float64   `json:"ingestion_trend_pct"`
	DailyMB         []float64 `json:"daily_mb,omitempty"`
	AutomationRules int       `json:"automation_rules_enabled"`
	OpenIncidents   int       `json:"open_incidents"`
	OpenHigh        int       `json:"open_high"`
	UntriagedHigh   int       `json:"untriaged_high"`
	OldestOpenHigh  string    `json:"oldest_open_high,omitempty"`
	RetentionDays   int       `json:"retention_days"`
}

// MaxReasons is how many reasons a health status lists.
const MaxReasons = 3

// AssessHealth assesses a snapshot read with (at least) the HealthQuick parts.
func AssessHealth(s *Snapshot, th Thresholds) *Health {
	th = th.WithDefaults()
	h := &Health{Findings: []Finding{}, Metrics: Metrics{RetentionDays: s.RetentionDays}}
	add := func(check string, sev Severity, subject, evidence, format string, args ...any) {
		h.Findings = append(h.Findings, Finding{Check: check, Severity: sev, Subject: subject, Message: fmt.Sprintf(format, args...), Evidence: evidence})
	}
	for _, pe := range partNames {
		if err := s.errs[pe.p]; err != nil {
			h.Incomplete = true
			add(checkOfPart(pe.p), Error, "", err.Error(), "could not check %s", pe.name)
		}
	}
	if !s.Onboarded {
		add(CheckOnboarding, Critical, "", "onboardingStates/default not found", "Microsoft Sentinel is not onboarded on this workspace")
		return h.finish()
	}
	silent := assessConnectors(s, add, &h.Metrics)
	assessRules(s, add, &h.Metrics)
	assessIngestion(s, th, silent, add, &h.Metrics)
	if s.Has(PartAutomation) {
		a := s.Automation
		h.Metrics.AutomationRules = a.Enabled
		switch {
		case a.Total == 0:
			add(CheckAutomation, Info, "", "0 automation rules", "no automation rules: incidents are not triaged or assigned automatically")
		case a.Enabled == 0:
			add(CheckAutomation, Info, "", fmt.Sprintf("%d automation rules, 0 enabled", a.Total), "every automation rule is disabled")
		}
	}
	assessIncidents(s, th, add, &h.Metrics)
	if s.RetentionDays > 0 && s.RetentionDays < th.MinRetentionDays {
		ev := fmt.Sprintf("workspace retention %d days; minimum %d", s.RetentionDays, th.MinRetentionDays)
		if n, ex := tablesBelow(s, th.MinRetentionDays); n > 0 {
			ev += fmt.Sprintf("; %d Analytics tables below it (%s)", n, ex)
		}
		add(CheckRetention, Warning, "", ev, "retention is %d days, below the %d-day minimum", s.RetentionDays, th.MinRetentionDays)
	} else if n, ex := tablesBelow(s, th.MinRetentionDays); n > 0 {
		add(CheckRetention, Warning, "", fmt.Sprintf("%d Analytics tables below %d days (%s)", n, th.MinRetentionDays, ex),
			"%d tables keep data for less than %d days", n, th.MinRetentionDays)
	}
	return h.finish()
}

type addFn func(check string, sev Severity, subject, evidence, format string, args ...any)

func checkOfPart(p Part) string {
	switch p {
	case PartOnboarding:
		return CheckOnboarding
	case PartRules:
		return CheckRules
	case PartRuleRuns:
		return CheckRuleRuns
	case PartIngestion:
		return CheckIngestion
	case PartConnectors, PartFreshness:
		return CheckConnectors
	case PartAutomation:
		return CheckAutomation
	case PartIncidents, PartIncidentStats:
		return CheckIncidents
	case PartTableRetention:
		return CheckRetention
	}
	return "ueba"
}

// finish sorts the findings (most severe first) and derives the status and its reasons.
func (h *Health) finish() *Health {
	sort.SliceStable(h.Findings, func(i, j int) bool { return h.Findings[i].Severity.rank() < h.Findings[j].Severity.rank() })
	worst := Info
	for _, f := range h.Findings {
		if f.Severity.rank() < worst.rank() {
			worst = f.Severity
		}
	}
	switch worst {
	case Critical:
		h.Status = Unhealthy
	case Warning:
		h.Status = Degraded
	case Error:
		h.Status = Unknown
	default:
		h.Status = Healthy
	}
	h.Reasons = []string{}
	var serious []Finding
	for _, f := range h.Findings {
		if f.Severity != Info {
			serious = append(serious, f)
		}
	}
	for i, f := range serious {
		if i == MaxReasons {
			h.Reasons = append(h.Reasons, fmt.Sprintf("(+%d more)", len(serious)-MaxReasons))
			break
		}
		h.Reasons = append(h.Reasons, f.Message)
	}
	return h
}

// assessConnectors checks the configured connectors and the freshness of the tables; it returns the
// silent tables.
func assessConnectors(s *Snapshot, add addFn, m *Metrics) map[string]bool {
	silent := map[string]bool{}
	if s.Has(PartConnectors) {
		m.Connectors = len(s.Connectors)
		if len(s.Connectors) == 0 {
			add(CheckConnectors, Info, "", "0 data connectors", "no data connectors configured (data may arrive through data collection rules)")
		}
		for _, c := range s.Connectors {
			if c.State == "Disabled" {
				add(CheckConnectors, Warning, c.Kind, strings.Join(c.DataTypes, ", "), "data connector %s has every data type disabled", c.Kind)
			}
		}
	}
	if !s.Has(PartFreshness) {
		return silent
	}
	for _, t := range s.Tables {
		if t.Threshold <= 0 {
			continue
		}
		m.TablesChecked++
		source := t.Table
		if t.Connector != "" {
			source = t.Connector + " connector: " + t.Table
			if t.Filter != "" {
				source += " (" + t.Filter + ")"
			}
		}
		last := t.LastRecord
		if last.IsZero() {
			if !t.Configured {
				continue // Usage saw it, the table no longer answers: nothing to measure
			}
			silent[t.Table] = t.Filter == "" || silent[t.Table]
			m.TablesSilent++
			add(CheckConnectors, Critical, subjectOf(t), fmt.Sprintf("no record since at least %s; threshold %s", Age(FreshnessLookback), Age(t.Threshold)),
				"%s has no records in the last %s", source, Age(FreshnessLookback))
			continue
		}
		gap := s.Now.Sub(last)
		if gap <= t.Threshold {
			continue
		}
		if t.Filter == "" {
			silent[t.Table] = true
		}
		m.TablesSilent++
		add(CheckConnectors, Critical, subjectOf(t),
			fmt.Sprintf("last record %s (%s ago); threshold %s (%s tables)", last.Format(time.RFC3339), Age(gap), Age(t.Threshold), t.Class),
			"%s silent for %s", source, Age(gap))
	}
	return silent
}

func subjectOf(t TableActivity) string {
	if t.Connector != "" {
		return t.Connector + "/" + t.Table
	}
	return t.Table
}

func assessRules(s *Snapshot, add addFn, m *Metrics) {
	if s.Has(PartRules) {
		m.RulesTotal = len(s.Rules)
		var disabled []string
		for _, r := range s.Rules {
			if r.Enabled {
				m.RulesEnabled++
			} else {
				disabled = append(disabled, r.DisplayName)
			}
		}
		switch {
		case m.RulesTotal == 0:
			add(CheckRules, Critical, "", "0 analytics rules", "no analytics rules: nothing raises alerts")
		case m.RulesEnabled == 0:
			add(CheckRules, Critical, "", fmt.Sprintf("0 of %d enabled", m.RulesTotal), "no analytics rule is enabled: nothing raises alerts")
		case len(disabled) > 0:
			add(CheckRules, Warning, "", "disabled: "+capJoin(disabled, 5), "%d of %d analytics rules disabled", len(disabled), m.RulesTotal)
		}
	}
	if !s.Has(PartRuleRuns) {
		return
	}
	if len(s.RuleRuns) == 0 && m.RulesEnabled > 0 {
		add(CheckRuleRuns, Info, "", "0 analytics rule runs in SentinelHealth in 24h",
			"no rule runs recorded in the last 24 hours: Sentinel health monitoring may be off")
	}
	for _, r := range s.RuleRuns {
		if r.Failures == 0 {
			continue
		}
		ev := fmt.Sprintf("%d of %d runs failed in 24h; last run %s; last failure %s", r.Failures, r.Runs,
			r.LastRun.Format(time.RFC3339), r.LastFailure.Format(time.RFC3339))
		if r.Reason != "" {
			ev += "; reason: " + r.Reason
		}
		if r.Failing() {
			m.RulesFailing++
			add(CheckRuleRuns, Critical, r.Name, ev, "analytics rule %q is failing (%d of %d runs in 24h)", r.Name, r.Failures, r.Runs)
		} else {
			add(CheckRuleRuns, Warning, r.Name, ev, "analytics rule %q failed %d of %d runs in 24h", r.Name, r.Failures, r.Runs)
		}
	}
}

// Anomaly is a complete day whose volume is far from the table's median.
type Anomaly struct {
	Table    string    `json:"table"`
	Day      time.Time `json:"day"`
	MB       float64   `json:"mb"`
	MedianMB float64   `json:"median_mb"`
	Ratio    float64   `json:"ratio"`
	Kind     string    `json:"kind"` // spike or drop
}

// Anomalies finds the ingestion anomalies of a snapshot: on complete days only (today is not over),
// against the median of the table's complete days with data, leaving out a first day that began after its
// start (history or the table began that day) and event tables, whose volume follows incidents.
func Anomalies(in *Ingestion, th Thresholds) []Anomaly {
	th = th.WithDefaults()
	if in == nil || len(in.Days) < 2 {
		return nil
	}
	var out []Anomaly
	for _, v := range in.Tables {
		if ClassOf(v.Table) == ClassEvent {
			continue
		}
		var days []int
		for i, d := range in.Days[:len(in.Days)-1] {
			if !v.First.Before(d.Add(24*time.Hour)) || !v.First.Before(d) && v.First.After(d.Add(time.Hour)) {
				continue // the table (or the history) began later, or during this day
			}
			days = append(days, i)
		}
		if len(days) < 3 {
			continue
		}
		// The median is over the days with data, so that the days after a source stopped do not
		// drag the baseline down and make its normal days look like spikes.
		var vals []float64
		for _, i := range days {
			if v.DailyMB[i] > 0 {
				vals = append(vals, v.DailyMB[i])
			}
		}
		if len(vals) < 3 {
			continue
		}
		med := median(vals)
		if med <= 0 {
			continue
		}
		for _, i := range days {
			x := v.DailyMB[i]
			ratio := x / med
			switch {
			case ratio >= th.SpikeFactor:
				out = append(out, Anomaly{Table: v.Table, Day: in.Days[i], MB: x, MedianMB: med, Ratio: ratio, Kind: "spike"})
			case ratio <= th.DropFactor:
				out = append(out, Anomaly{Table: v.Table, Day: in.Days[i], MB: x, MedianMB: med, Ratio: ratio, Kind: "drop"})
			}
		}
	}
	return out
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func assessIngestion(s *Snapshot, th Thresholds, silent map[string]bool, add addFn, m *Metrics) {
	if !s.Has(PartIngestion) || s.Ingestion == nil {
		return
	}
	in := s.Ingestion
	totals := make([]float64, 0, len(in.Days))
	for i := range in.Days[:len(in.Days)-1] {
		t := 0.0
		for _, v := range in.Tables {
			t += v.DailyMB[i]
		}
		if t > 0 {
			totals = append(totals, t)
		}
	}
	round := func(x float64) float64 { return math.Round(x*1000) / 1000 }
	if len(totals) > 0 {
		m.MedianDailyMB = round(median(totals))
	}
	for i := range in.Days {
		t := 0.0
		for _, v := range in.Tables {
			if i < len(v.DailyMB) {
				t += v.DailyMB[i]
			}
		}
		m.DailyMB = append(m.DailyMB, round(t))
	}
	if n := len(m.DailyMB); n >= 2 && len(totals) > 0 {
		m.LastDayMB = m.DailyMB[n-2]
		if med := median(totals); med > 0 {
			m.TrendPct = math.Round((m.LastDayMB/med-1)*1000) / 10
		}
	}
	byTable := map[string][]Anomaly{}
	var order []string
	for _, a := range Anomalies(in, th) {
		if a.Kind == "drop" && silent[a.Table] {
			continue // the silence already says it
		}
		if byTable[a.Table] == nil {
			order = append(order, a.Table)
		}
		byTable[a.Table] = append(byTable[a.Table], a)
	}
	for _, table := range order {
		as := byTable[table]
		m.Anomalies += len(as)
		var parts []string
		for _, a := range as {
			parts = append(parts, fmt.Sprintf("%s %s MB (%.1fx)", a.Day.Format("2006-01-02"), mb(a.MB), a.Ratio))
		}
		worst := as[0]
		for _, a := range as {
			if math.Abs(math.Log(a.Ratio+1e-9)) > math.Abs(math.Log(worst.Ratio+1e-9)) {
				worst = a
			}
		}
		ev := fmt.Sprintf("median %s MB/day over complete days; %s", mb(worst.MedianMB), strings.Join(parts, "; "))
		add(CheckIngestion, Warning, table, ev, "%s ingestion %s on %s: %s MB, %.1fx its median of %s MB/day",
			table, worst.Kind, worst.Day.Format("2006-01-02"), mb(worst.MB), worst.Ratio, mb(worst.MedianMB))
	}
}

// mb formats megabytes with three significant digits.
func mb(x float64) string {
	switch {
	case x == 0:
		return "0"
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	case x >= 1:
		return fmt.Sprintf("%.2f", x)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3g", x), "0"), ".")
}

func assessIncidents(s *Snapshot, th Thresholds, add addFn, m *Metrics) {
	if !s.Has(PartIncidents) {
		return
	}
	inc := s.Incidents
	for _, n := range inc.Open {
		m.OpenIncidents += n
	}
	m.OpenHigh = inc.Open["High"]
	if len(inc.OpenHigh) > 0 {
		m.OldestOpenHigh = Age(s.Now.Sub(inc.OpenHigh[0].Created))
	}
	// Incidents being worked (Active with an owner) are the SOC's normal work; what degrades a workspace
	// is a high-severity incident nobody has picked up (New, or without an owner) past the maximum age.
	var untriaged []OpenIncident
	inProgress := 0
	for _, i := range inc.OpenHigh {
		picked := i.Status != "New" && i.Owner != ""
		if picked {
			inProgress++
		}
		if !picked && s.Now.Sub(i.Created) > th.IncidentMaxAge {
			untriaged = append(untriaged, i)
		}
	}
	m.UntriagedHigh = len(untriaged)
	if inc.Truncated {
		add(CheckIncidents, Info, "", fmt.Sprintf("more than %d open incidents", maxOpenRead), "only the first %d open incidents were read", maxOpenRead)
	}
	if len(untriaged) > 0 {
		o := untriaged[0]
		state := o.Status
		if o.Owner == "" {
			state += ", unassigned"
		} else {
			state += ", " + o.Owner
		}
		var nums []string
		for _, i := range untriaged {
			nums = append(nums, fmt.Sprintf("#%d (%s)", i.Number, Age(s.Now.Sub(i.Created))))
		}
		add(CheckIncidents, Warning, "", "untriaged high-severity incidents: "+capJoin(nums, 10),
			"%d high-severity incident(s) untriaged for more than %s; oldest #%d open for %s (%s)", len(untriaged), Age(th.IncidentMaxAge),
			o.Number, Age(s.Now.Sub(o.Created)), state)
	}
	if m.OpenHigh > len(untriaged) {
		add(CheckIncidents, Info, "", fmt.Sprintf("%d open, %d in progress; the oldest open for %s", m.OpenHigh, inProgress, m.OldestOpenHigh),
			"%d open high-severity incident(s), %d of them in progress", m.OpenHigh, inProgress)
	}
}

// tablesBelow counts the Analytics-plan tables whose retention is under min, with a few names.
func tablesBelow(s *Snapshot, min int) (int, string) {
	if !s.Has(PartTableRetention) {
		return 0, ""
	}
	var names []string
	for _, t := range s.TableRetention {
		if (t.Plan == "" || t.Plan == "Analytics") && t.RetentionDays > 0 && t.RetentionDays < min {
			names = append(names, fmt.Sprintf("%s %dd", t.Table, t.RetentionDays))
		}
	}
	return len(names), capJoin(names, 3)
}

func capJoin(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" (+%d more)", len(items)-n)
}
