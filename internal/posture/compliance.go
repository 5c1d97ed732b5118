package posture

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
)

// Check result statuses.
const (
	Pass      = "pass"
	Fail      = "fail"
	CheckFail = "error" // the check could not be evaluated: what it needs could not be read
)

// CheckResult is the outcome of one policy check on one workspace.
type CheckResult struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Type     string `json:"type"`
	Severity string `json:"severity"` // the check's severity in the policy
	Status   string `json:"status"`   // pass, fail or error
	Evidence string `json:"evidence"` // the values seen
}

// Compliance is one workspace's result against a policy.
type Compliance struct {
	Policy  string        `json:"policy"`
	Version int           `json:"version"`
	Passed  int           `json:"passed"`
	Failed  int           `json:"failed"`
	Errors  int           `json:"errors"`
	Checks  []CheckResult `json:"checks"`
	Summary string        `json:"summary"` // "4/6 checks passed"
}

// Compliant reports every check passed.
func (c *Compliance) Compliant() bool { return c.Failed == 0 && c.Errors == 0 }

// EvaluateCompliance evaluates a policy on a snapshot read with (at least) the CompliancePart parts.
func EvaluateCompliance(s *Snapshot, p *content.Policy) *Compliance {
	c := &Compliance{Policy: p.Name, Version: p.Version, Checks: []CheckResult{}}
	for _, ch := range p.Checks {
		r := CheckResult{ID: ch.ID, Title: ch.Title, Type: ch.Type, Severity: ch.Severity}
		var status, ev string
		if !s.Onboarded {
			status, ev = Fail, "Microsoft Sentinel is not onboarded on this workspace"
		} else {
			status, ev = evaluate(s, ch)
		}
		r.Status, r.Evidence = status, ev
		switch status {
		case Pass:
			c.Passed++
		case Fail:
			c.Failed++
		default:
			c.Errors++
		}
		c.Checks = append(c.Checks, r)
	}
	c.Summary = fmt.Sprintf("%d/%d checks passed", c.Passed, len(c.Checks))
	if c.Errors > 0 {
		c.Summary += fmt.Sprintf(", %d could not be evaluated", c.Errors)
	}
	return c
}

// needs returns the error result when a part the check needs was not read.
func needs(s *Snapshot, parts ...Part) (string, bool) {
	for _, p := range parts {
		if s.Parts&p == 0 {
			return fmt.Sprintf("%s not read", p), false
		}
		if err := s.errs[p]; err != nil {
			return err.Error(), false
		}
	}
	return "", true
}

// checkers runs each check type, after making sure the part of the snapshot it reads was read
// (minimum retention looks at what it finds itself).
var checkers = map[string]struct {
	needs Part
	run   func(*Snapshot, content.Check) (string, string)
}{
	content.CheckMinRetention:       {0, checkRetention},
	content.CheckRequiredRules:      {PartRules, checkRules},
	content.CheckRequiredConnectors: {PartConnectors, checkConnectors},
	content.CheckMITRECoverage:      {PartRules, checkMITRE},
	content.CheckUEBA:               {PartUEBA, checkUEBA},
	content.CheckOpenIncidents:      {PartIncidents, checkOpenIncidents},
}

func evaluate(s *Snapshot, ch content.Check) (string, string) {
	c, ok := checkers[ch.Type]
	if !ok {
		return CheckFail, fmt.Sprintf("unknown check type %q", ch.Type)
	}
	if c.needs != 0 {
		if msg, ok := needs(s, c.needs); !ok {
			return CheckFail, msg
		}
	}
	return c.run(s, ch)
}

func verdict(ok bool) string {
	if ok {
		return Pass
	}
	return Fail
}

func checkRetention(s *Snapshot, ch content.Check) (string, string) {
	if s.RetentionDays <= 0 {
		return CheckFail, "the workspace retention is not known"
	}
	ok := s.RetentionDays >= ch.MinDays
	ev := fmt.Sprintf("workspace retention %d days (minimum %d)", s.RetentionDays, ch.MinDays)
	switch {
	case s.Parts&PartTableRetention == 0:
	case s.errs[PartTableRetention] != nil:
		ev += "; tables not checked: " + s.errs[PartTableRetention].Error()
	default:
		n, ex := tablesBelow(s, ch.MinDays)
		if n > 0 {
			ok = false
			ev += fmt.Sprintf("; %d Analytics tables below the minimum: %s", n, ex)
		} else if len(s.TableRetention) > 0 {
			ev += fmt.Sprintf("; all %d tables at or above it (Basic and Auxiliary plans excepted)", len(s.TableRetention))
		}
	}
	return verdict(ok), ev
}

// matchRule finds the deployed rule a policy rule names: by template id, resource name or display
// name (case-insensitive).
func matchRule(rules []Rule, pr content.PolicyRule) *Rule {
	for i, r := range rules {
		if pr.ID != "" && (strings.EqualFold(r.Template, pr.ID) || strings.EqualFold(r.Name, pr.ID)) {
			return &rules[i]
		}
	}
	for i, r := range rules {
		if pr.Name != "" && strings.EqualFold(strings.TrimSpace(r.DisplayName), strings.TrimSpace(pr.Name)) {
			return &rules[i]
		}
	}
	return nil
}

func checkRules(s *Snapshot, ch content.Check) (string, string) {
	var missing, disabled []string
	enabled := 0
	for _, pr := range ch.Rules {
		label := pr.Name
		if label == "" {
			label = pr.ID
		}
		r := matchRule(s.Rules, pr)
		switch {
		case r == nil:
			missing = append(missing, label)
		case !r.Enabled:
			disabled = append(disabled, label)
		default:
			enabled++
		}
	}
	ev := fmt.Sprintf("%d required: %d present and enabled", len(ch.Rules), enabled)
	if len(disabled) > 0 {
		ev += fmt.Sprintf("; %d disabled: %s", len(disabled), capJoin(disabled, 5))
	}
	if len(missing) > 0 {
		ev += fmt.Sprintf("; %d missing: %s", len(missing), capJoin(missing, 5))
	}
	ok := len(missing) == 0 && (!ch.MustBeEnabled || len(disabled) == 0)
	return verdict(ok), ev
}

func checkConnectors(s *Snapshot, ch content.Check) (string, string) {
	have := map[string]string{}
	for _, c := range s.Connectors {
		if c.State != "Disabled" || have[strings.ToLower(c.Kind)] == "" {
			have[strings.ToLower(c.Kind)] = c.State
		}
	}
	var present, missing, off []string
	for _, k := range ch.Connectors {
		state, ok := have[strings.ToLower(k)]
		switch {
		case !ok:
			missing = append(missing, k)
		case state == "Disabled":
			off = append(off, k)
		default:
			present = append(present, k)
		}
	}
	ev := fmt.Sprintf("%d of %d required connectors configured", len(present), len(ch.Connectors))
	if len(present) > 0 {
		ev += ": " + strings.Join(present, ", ")
	}
	if len(off) > 0 {
		ev += "; every data type disabled: " + strings.Join(off, ", ")
	}
	if len(missing) > 0 {
		ev += "; missing: " + strings.Join(missing, ", ")
	}
	return verdict(len(missing) == 0 && len(off) == 0), ev
}

// Coverage counts the ATT&CK tactics and (parent) techniques of the enabled rules.
func Coverage(rules []Rule) (tactics map[string]bool, techniques map[string]bool) {
	tactics, techniques = map[string]bool{}, map[string]bool{}
	canon := map[string]string{}
	for _, t := range content.Tactics {
		canon[strings.ToLower(t)] = t
	}
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		for _, t := range r.Tactics {
			name := strings.ReplaceAll(strings.TrimSpace(t), " ", "")
			if c, ok := canon[strings.ToLower(name)]; ok {
				name = c
			}
			tactics[name] = true
		}
		for _, t := range r.Techniques {
			parent, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(t)), ".")
			if parent != "" {
				techniques[parent] = true
			}
		}
	}
	return tactics, techniques
}

func checkMITRE(s *Snapshot, ch content.Check) (string, string) {
	tactics, techniques := Coverage(s.Rules)
	ok := true
	var parts []string
	if ch.MinTactics > 0 {
		ok = ok && len(tactics) >= ch.MinTactics
		parts = append(parts, fmt.Sprintf("%d tactics covered (minimum %d)", len(tactics), ch.MinTactics))
	} else {
		parts = append(parts, fmt.Sprintf("%d tactics covered", len(tactics)))
	}
	if ch.MinTechniques > 0 {
		ok = ok && len(techniques) >= ch.MinTechniques
		parts = append(parts, fmt.Sprintf("%d techniques (minimum %d)", len(techniques), ch.MinTechniques))
	}
	var missing []string
	for _, t := range ch.RequiredTactics {
		found := false
		for have := range tactics {
			if strings.EqualFold(have, t) {
				found = true
			}
		}
		if !found {
			missing = append(missing, t)
		}
	}
	if len(ch.RequiredTactics) > 0 {
		if len(missing) > 0 {
			ok = false
			parts = append(parts, "required tactics without an enabled rule: "+strings.Join(missing, ", "))
		} else {
			parts = append(parts, fmt.Sprintf("all %d required tactics covered", len(ch.RequiredTactics)))
		}
	}
	return verdict(ok), strings.Join(parts, "; ") + " (enabled rules only)"
}

func checkUEBA(s *Snapshot, ch content.Check) (string, string) {
	u := s.UEBA
	state := "off (no Ueba setting)"
	if u.Configured {
		state = "on, data sources: " + strings.Join(u.DataSources, ", ")
		if len(u.DataSources) == 0 {
			state = "configured without data sources"
		}
	}
	ev := "UEBA " + state
	if len(u.EntityProviders) > 0 {
		ev += "; entity providers: " + strings.Join(u.EntityProviders, ", ")
	}
	if !ch.Enabled {
		return Pass, ev + " (the policy does not require UEBA)"
	}
	var missing []string
	for _, want := range ch.DataSources {
		found := false
		for _, have := range u.DataSources {
			if strings.EqualFold(have, want) {
				found = true
			}
		}
		if !found {
			missing = append(missing, want)
		}
	}
	if u.Enabled() && len(missing) > 0 {
		ev += "; missing data sources: " + strings.Join(missing, ", ")
	}
	return verdict(u.Enabled() && len(missing) == 0), ev
}

func checkOpenIncidents(s *Snapshot, ch content.Check) (string, string) {
	inc := s.Incidents
	maxAge := time.Duration(ch.MaxAgeDays) * 24 * time.Hour
	var open int
	for sev, n := range inc.Open {
		if strings.EqualFold(sev, ch.IncidentSeverity) {
			open += n
		}
	}
	old := inc.OpenOlderThan(ch.IncidentSeverity, s.Now.Add(-maxAge))
	ev := fmt.Sprintf("%d open %s incidents older than %d days; %d open in all", old, ch.IncidentSeverity, ch.MaxAgeDays, open)
	var oldest time.Time
	for sev, t := range inc.Oldest {
		if strings.EqualFold(sev, ch.IncidentSeverity) && (oldest.IsZero() || t.Before(oldest)) {
			oldest = t
		}
	}
	if !oldest.IsZero() {
		ev += fmt.Sprintf(", the oldest open for %s", Age(s.Now.Sub(oldest)))
	}
	if inc.Truncated {
		ev += fmt.Sprintf(" (only the first %d open incidents read)", maxOpenRead)
	}
	return verdict(old == 0), ev
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
