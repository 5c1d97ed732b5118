package content

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

func TestRulesParseAndAreUnique(t *testing.T) {
	rules := Rules()
	if len(rules) < 15 {
		t.Fatalf("only %d rules shipped", len(rules))
	}
	ids, names := map[string]bool{}, map[string]bool{}
	kinds := map[string]int{}
	for _, r := range rules {
		if ids[r.ID] || names[r.Name] {
			t.Errorf("duplicate rule id or name: %s %s", r.ID, r.Name)
		}
		ids[r.ID], names[r.Name] = true, true
		kinds[r.Kind]++
		for _, tb := range r.Tables() {
			if _, ok := schema.Lookup(tb); !ok {
				t.Errorf("rule %q needs table %s, which internal/schema does not know", r.Name, tb)
			}
			if !strings.Contains(r.Query, tb) {
				t.Errorf("rule %q declares %s but its query does not use it", r.Name, tb)
			}
		}
	}
	if kinds[KindScheduled] == 0 || kinds[KindNRT] == 0 {
		t.Errorf("kinds = %v, want Scheduled and NRT rules", kinds)
	}
}

// The world's facts refer to shipped rules by id; each must exist.
func TestWorldRuleIDsAreShipped(t *testing.T) {
	for _, id := range []string{world.RulePasswordSpray, world.RuleImpossibleTravel, world.RuleEncodedPowerShell,
		world.RuleEncodedPowerShellMDE, world.RuleMassDownload, world.RuleBruteForceWindows,
		world.RulePrivilegedGroupChange, world.RulePortScan, world.RuleThreatIntelIPMatch} {
		if _, ok := RuleByID(id); !ok {
			t.Errorf("rule %s referenced by world facts is not shipped", id)
		}
	}
	for _, s := range world.SeededFacts().Stories {
		if len(HuntsTagged(s.Kind)) == 0 {
			t.Errorf("no hunt tagged %s", s.Kind)
		}
	}
}

func TestRuleYAMLRoundTrip(t *testing.T) {
	for _, r := range Rules() {
		raw, err := r.Encode()
		if err != nil {
			t.Fatalf("%s: encode: %v", r.Name, err)
		}
		back, err := ParseRule(raw)
		if err != nil {
			t.Fatalf("%s: re-parse: %v\n%s", r.Name, err, raw)
		}
		if !reflect.DeepEqual(r, back) {
			t.Errorf("%s: YAML round trip changed the rule:\n%+v\n%+v", r.Name, r, back)
		}
	}
}

func TestRuleARMRoundTrip(t *testing.T) {
	for _, r := range Rules() {
		props, err := r.AlertRuleProperties(true)
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		back, err := RuleFromAlertRule(r.Kind, "x", props)
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		// The ARM shape has no requiredDataConnectors or metadata: the metadata resource carries them.
		back.ApplyMetadata(r.MetadataProperties("/x/alertRules/x"))
		want, _ := r.Encode()
		got, _ := back.Encode()
		if string(want) != string(got) {
			t.Errorf("%s: ARM round trip changed the rule:\n%s", r.Name, lineDiffText(string(want), string(got)))
		}
		if r.Kind == KindScheduled && props["queryFrequency"] == "" {
			t.Errorf("%s: no queryFrequency", r.Name)
		}
	}
}

func TestRuleValidation(t *testing.T) {
	good, _ := RuleByID(world.RulePasswordSpray)
	raw, _ := good.Encode()
	for name, mutate := range map[string]func(string) string{
		"bad id":       func(s string) string { return strings.Replace(s, "id: "+good.ID, "id: nope", 1) },
		"bad severity": func(s string) string { return strings.Replace(s, "severity: High", "severity: Urgent", 1) },
		"bad duration": func(s string) string { return strings.Replace(s, "queryPeriod: 1d", "queryPeriod: 1 day", 1) },
		"bad operator": func(s string) string { return strings.Replace(s, "triggerOperator: gt", "triggerOperator: more", 1) },
		"bad tactic":   func(s string) string { return strings.Replace(s, "- CredentialAccess", "- Hacking", 1) },
		"bad kind":     func(s string) string { return strings.Replace(s, "kind: Scheduled", "kind: Fusion", 1) },
	} {
		if _, err := ParseRule([]byte(mutate(string(raw)))); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]string{"1h": "PT1H", "1d": "P1D", "90m": "PT1H30M", "14d": "P14D", "30s": "PT30S"} {
		got, err := ISODuration(in)
		if err != nil || got != want {
			t.Errorf("ISODuration(%s) = %s, %v; want %s", in, got, err, want)
		}
		d, err := ParseISODuration(want)
		if err != nil {
			t.Fatal(err)
		}
		if back, _ := ParseDuration(ShortDuration(d)); back != d {
			t.Errorf("%s does not round trip", want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "1h", "P1X"} {
		if _, err := ParseISODuration(bad); err == nil {
			t.Errorf("ParseISODuration(%q) accepted", bad)
		}
	}
}

func TestHunts(t *testing.T) {
	hunts := Hunts()
	if len(hunts) < 10 {
		t.Fatalf("only %d hunts", len(hunts))
	}
	for _, h := range hunts {
		for _, tb := range h.Tables() {
			if _, ok := schema.Lookup(tb); !ok {
				t.Errorf("hunt %q needs unknown table %s", h.Name, tb)
			}
			if !strings.Contains(h.Query, tb) {
				t.Errorf("hunt %q declares %s but does not query it", h.Name, tb)
			}
		}
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	rr, ok := p.Check("required-rules")
	if !ok {
		t.Fatal("no required-rules check")
	}
	for _, pr := range rr.Rules {
		r, ok := RuleByID(pr.ID)
		if !ok || r.Name != pr.Name {
			t.Errorf("policy rule %s %q does not match a shipped rule", pr.ID, pr.Name)
		}
	}
	ret, _ := p.Check("retention")
	if ret.MinDays <= world.SeededFacts().Diff(world.DiffShortRetention)[0].RetentionDays {
		t.Error("the policy must fail the seeded short-retention workspace")
	}
	cov := MITRECoverage(Rules())
	mitre, _ := p.Check("mitre-coverage")
	if len(cov.Tactics) < mitre.MinTactics || len(cov.Techniques) < mitre.MinTechniques {
		t.Errorf("the shipped rules (%d tactics, %d techniques) fail the shipped policy", len(cov.Tactics), len(cov.Techniques))
	}
	if _, err := ParsePolicy([]byte("name: x\nchecks:\n  - id: a\n    type: minRetention\n    severity: High\n    minDayz: 5\n")); err == nil {
		t.Error("unknown key accepted")
	}
	if !strings.Contains(string(DefaultPolicyYAML()), "# Default compliance policy") {
		t.Error("DefaultPolicyYAML lost its comments")
	}
}

func TestCheatSheet(t *testing.T) {
	cs := CheatSheet()
	for _, want := range []string{"# KQL cheat sheet", "summarize", "join kind=", "has_any"} {
		if !strings.Contains(cs, want) {
			t.Errorf("cheat sheet lacks %q", want)
		}
	}
}

func TestAccessorsReturnCopies(t *testing.T) {
	a := Rules()[0]
	a.Tactics[0] = "Changed"
	*a.TriggerThreshold = 99
	if b := Rules()[0]; b.Tactics[0] == "Changed" || b.Threshold() == 99 {
		t.Error("Rules() shares state between callers")
	}
}

// lineDiffText shows the lines of b that differ from a (enough to read a YAML difference).
func lineDiffText(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for i := 0; i < max(len(x), len(y)); i++ {
		var l, r string
		if i < len(x) {
			l = x[i]
		}
		if i < len(y) {
			r = y[i]
		}
		if l != r {
			out.WriteString("- " + l + "\n+ " + r + "\n")
		}
	}
	return out.String()
}

// Settings that differ from Sentinel's defaults survive the ARM round trip; defaults are left out.
func TestRuleARMRoundTripOfNonDefaultSettings(t *testing.T) {
	r, _ := RuleByID(world.RulePasswordSpray)
	r.EventGroupingSettings = &EventGrouping{AggregationKind: AggregationPerResult}
	r.IncidentConfiguration = &IncidentConfig{CreateIncident: true, GroupingConfiguration: &GroupingConfig{Enabled: true,
		LookbackDuration: "PT8H", MatchingMethod: "Selected", GroupByEntities: []string{"IP"}, GroupByAlertDetails: []string{"DisplayName"}}}
	r.SuppressionDuration, r.SuppressionEnabled = "2h", true
	r.AlertDetailsOverride.AlertDynamicProperties = []DynamicProperty{{AlertProperty: "ProductName", Value: "IPAddress"}}
	r.SentinelEntities = []SentinelEntity{{ColumnName: "Entities"}}
	r.Metadata = &RuleMetadata{Source: map[string]string{"kind": "Community"}, Categories: map[string][]string{"domains": {"Security - Threat Protection"}}}
	want, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	props, err := r.AlertRuleProperties(false)
	if err != nil {
		t.Fatal(err)
	}
	back, err := RuleFromAlertRule(r.Kind, r.ID, props)
	if err != nil {
		t.Fatal(err)
	}
	back.ApplyMetadata(r.MetadataProperties("/x"))
	got, _ := back.Encode()
	if string(got) != string(want) {
		t.Errorf("round trip changed the rule:\n%s", lineDiffText(string(want), string(got)))
	}
	// The short form of a lookback is deployed in ISO 8601.
	r.IncidentConfiguration.GroupingConfiguration.LookbackDuration = "8h"
	props, _ = r.AlertRuleProperties(true)
	if g := props["incidentConfiguration"].(map[string]any)["groupingConfiguration"].(map[string]any); g["lookbackDuration"] != "PT8H" {
		t.Errorf("lookbackDuration deployed as %v", g["lookbackDuration"])
	}
}

func TestParseRulesStream(t *testing.T) {
	rules := Rules()[:3]
	raw, err := EncodeRules(rules)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseRules(append([]byte("---\n"), raw...))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 3 || !reflect.DeepEqual(back[2], rules[2]) {
		t.Fatalf("ParseRules read %d rules", len(back))
	}
	rules[1].Severity = "Urgent"
	bad, _ := EncodeRules(rules)
	if _, err := ParseRules(bad); err == nil || !strings.Contains(err.Error(), "document 2") {
		t.Errorf("error does not name the document: %v", err)
	}
	if _, err := ParseRules([]byte("# nothing\n")); err == nil {
		t.Error("an empty stream was accepted")
	}
}
