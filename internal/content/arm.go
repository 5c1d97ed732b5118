package content

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// DefaultSuppression is the suppression duration given to rules whose YAML does not set one (the portal's
// default).
const DefaultSuppression = "PT5H"

// AlertRuleProperties renders the rule as the properties of a Microsoft.SecurityInsights/alertRules resource
// of kind r.Kind, as deployed from its template (alertRuleTemplateName = rule id).
func (r *Rule) AlertRuleProperties(enabled bool) (map[string]any, error) {
	p := map[string]any{
		"displayName":           r.Name,
		"description":           strings.TrimSpace(r.Description),
		"severity":              r.Severity,
		"enabled":               enabled,
		"query":                 strings.TrimRight(r.Query, "\n"),
		"tactics":               strs(r.Tactics),
		"techniques":            strs(parentTechniques(r.RelevantTechniques)),
		"subTechniques":         strs(subTechniques(r.RelevantTechniques)),
		"alertRuleTemplateName": r.ID,
		"templateVersion":       r.Version,
		"suppressionDuration":   DefaultSuppression,
		"suppressionEnabled":    r.SuppressionEnabled,
		"entityMappings":        toJSONValue(r.EntityMappings),
		"eventGroupingSettings": map[string]any{"aggregationKind": "SingleAlert"},
		"incidentConfiguration": map[string]any{"createIncident": true, "groupingConfiguration": map[string]any{
			"enabled": false, "reopenClosedIncident": false, "lookbackDuration": "PT5H", "matchingMethod": "AllEntities",
			"groupByEntities": []any{}, "groupByAlertDetails": []any{}, "groupByCustomDetails": []any{}}},
	}
	if r.SuppressionDuration != "" {
		iso, err := ISODuration(r.SuppressionDuration)
		if err != nil {
			return nil, fmt.Errorf("rule %q: suppressionDuration: %w", r.Name, err)
		}
		p["suppressionDuration"] = iso
	}
	if r.Kind == KindScheduled {
		freq, err := ISODuration(r.QueryFrequency)
		if err != nil {
			return nil, fmt.Errorf("rule %q: queryFrequency: %w", r.Name, err)
		}
		period, err := ISODuration(r.QueryPeriod)
		if err != nil {
			return nil, fmt.Errorf("rule %q: queryPeriod: %w", r.Name, err)
		}
		op, ok := TriggerOperatorARM(r.TriggerOperator)
		if !ok {
			return nil, fmt.Errorf("rule %q: triggerOperator %q", r.Name, r.TriggerOperator)
		}
		p["queryFrequency"], p["queryPeriod"], p["triggerOperator"], p["triggerThreshold"] = freq, period, op, r.Threshold()
	}
	if len(r.CustomDetails) > 0 {
		p["customDetails"] = toJSONValue(r.CustomDetails)
	}
	if r.AlertDetailsOverride != nil {
		p["alertDetailsOverride"] = toJSONValue(r.AlertDetailsOverride)
	}
	if r.EventGroupingSettings != nil {
		p["eventGroupingSettings"] = toJSONValue(r.EventGroupingSettings)
	}
	if r.IncidentConfiguration != nil {
		ic := *r.IncidentConfiguration
		if g := ic.GroupingConfiguration; g != nil {
			gc := *g
			d, err := anyDuration(gc.LookbackDuration)
			if err != nil {
				return nil, fmt.Errorf("rule %q: incidentConfiguration.groupingConfiguration.lookbackDuration: %w", r.Name, err)
			}
			gc.LookbackDuration = isoUnlessEqual(gc.LookbackDuration, d)
			ic.GroupingConfiguration = &gc
		}
		p["incidentConfiguration"] = toJSONValue(ic)
	}
	if len(r.SentinelEntities) > 0 {
		p["sentinelEntitiesMappings"] = toJSONValue(r.SentinelEntities)
	}
	return p, nil
}

// isoUnlessEqual keeps s when it already is the ISO form of d (PT5H stays PT5H, P1D stays P1D), else
// renders d in ISO 8601.
func isoUnlessEqual(s string, d time.Duration) string {
	if got, err := ParseISODuration(s); err == nil && got == d {
		return s
	}
	return FormatISODuration(d)
}

// TemplateProperties renders the rule as the properties of a Microsoft.SecurityInsights/alertRuleTemplates
// resource. created is the template's creation date (the update date is a day later).
func (r *Rule) TemplateProperties(created time.Time) (map[string]any, error) {
	p := map[string]any{
		"displayName":                      r.Name,
		"description":                      strings.TrimSpace(r.Description),
		"severity":                         r.Severity,
		"query":                            strings.TrimRight(r.Query, "\n"),
		"tactics":                          strs(r.Tactics),
		"techniques":                       strs(parentTechniques(r.RelevantTechniques)),
		"subTechniques":                    strs(subTechniques(r.RelevantTechniques)),
		"status":                           "Available",
		"version":                          r.Version,
		"requiredDataConnectors":           toJSONValue(r.RequiredDataConnectors),
		"entityMappings":                   toJSONValue(r.EntityMappings),
		"alertRulesCreatedByTemplateCount": 0,
		"createdDateUTC":                   created.UTC().Format("2006-01-02T15:04:05Z"),
		"lastUpdatedDateUTC":               created.Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05Z"),
	}
	if r.Kind == KindScheduled {
		freq, err := ISODuration(r.QueryFrequency)
		if err != nil {
			return nil, err
		}
		period, err := ISODuration(r.QueryPeriod)
		if err != nil {
			return nil, err
		}
		op, _ := TriggerOperatorARM(r.TriggerOperator)
		p["queryFrequency"], p["queryPeriod"], p["triggerOperator"], p["triggerThreshold"] = freq, period, op, r.Threshold()
	}
	return p, nil
}

// RuleFromAlertRule converts a deployed Scheduled or NRT alert rule (kind and properties as ARM returns them)
// back to the YAML model, for export to a git repository. The rule id is the template name when the rule came
// from a template, else the resource name.
func RuleFromAlertRule(kind, name string, props map[string]any) (*Rule, error) {
	if kind != KindScheduled && kind != KindNRT {
		return nil, fmt.Errorf("alert rule %s: kind %q cannot be expressed in the YAML rule format (Scheduled and NRT only)", name, kind)
	}
	get := func(k string) string { s, _ := props[k].(string); return s }
	r := &Rule{ID: get("alertRuleTemplateName"), Name: get("displayName"), Description: get("description"),
		Severity: get("severity"), Query: get("query"), Version: get("templateVersion"), Kind: kind}
	if r.ID == "" {
		r.ID = name
	}
	if r.Version == "" {
		r.Version = "1.0.0"
	}
	r.Tactics = anyStrings(props["tactics"])
	r.RelevantTechniques = mergeTechniques(anyStrings(props["techniques"]), anyStrings(props["subTechniques"]))
	if kind == KindScheduled {
		for _, f := range []struct {
			key string
			dst *string
		}{{"queryFrequency", &r.QueryFrequency}, {"queryPeriod", &r.QueryPeriod}} {
			d, err := ParseISODuration(get(f.key))
			if err != nil {
				return nil, fmt.Errorf("alert rule %s: %s: %w", name, f.key, err)
			}
			*f.dst = ShortDuration(d)
		}
		op, ok := TriggerOperatorYAML(get("triggerOperator"))
		if !ok {
			return nil, fmt.Errorf("alert rule %s: triggerOperator %q", name, get("triggerOperator"))
		}
		r.TriggerOperator = op
		th := 0
		if n, ok := props["triggerThreshold"].(float64); ok {
			th = int(n)
		} else if n, ok := props["triggerThreshold"].(json.Number); ok {
			v, _ := n.Int64()
			th = int(v)
		} else if n, ok := props["triggerThreshold"].(int); ok {
			th = n
		}
		r.TriggerThreshold = &th
	}
	if s := get("suppressionDuration"); s != "" && s != DefaultSuppression {
		if d, err := ParseISODuration(s); err == nil {
			r.SuppressionDuration = ShortDuration(d)
		}
	}
	r.SuppressionEnabled, _ = props["suppressionEnabled"].(bool)
	if err := fromJSONValue(props["entityMappings"], &r.EntityMappings); err != nil {
		return nil, fmt.Errorf("alert rule %s: entityMappings: %w", name, err)
	}
	if err := fromJSONValue(props["customDetails"], &r.CustomDetails); err != nil {
		return nil, fmt.Errorf("alert rule %s: customDetails: %w", name, err)
	}
	if len(r.CustomDetails) == 0 {
		r.CustomDetails = nil
	}
	if props["alertDetailsOverride"] != nil {
		r.AlertDetailsOverride = &AlertDetails{}
		if err := fromJSONValue(props["alertDetailsOverride"], r.AlertDetailsOverride); err != nil {
			return nil, fmt.Errorf("alert rule %s: alertDetailsOverride: %w", name, err)
		}
		if r.AlertDetailsOverride.empty() {
			r.AlertDetailsOverride = nil
		}
	}
	if err := fromJSONValue(props["sentinelEntitiesMappings"], &r.SentinelEntities); err != nil {
		return nil, fmt.Errorf("alert rule %s: sentinelEntitiesMappings: %w", name, err)
	}
	if len(r.EntityMappings) == 0 {
		r.EntityMappings = nil
	}
	if len(r.SentinelEntities) == 0 {
		r.SentinelEntities = nil
	}
	// Settings equal to what AlertRuleProperties adds for a rule that does not state them are left out,
	// so that a rule deployed from YAML exports to the same YAML.
	if props["eventGroupingSettings"] != nil {
		var g EventGrouping
		if err := fromJSONValue(props["eventGroupingSettings"], &g); err != nil {
			return nil, fmt.Errorf("alert rule %s: eventGroupingSettings: %w", name, err)
		}
		if g.AggregationKind != "" && g.AggregationKind != AggregationSingleAlert {
			r.EventGroupingSettings = &g
		}
	}
	if props["incidentConfiguration"] != nil {
		var ic IncidentConfig
		if err := fromJSONValue(props["incidentConfiguration"], &ic); err != nil {
			return nil, fmt.Errorf("alert rule %s: incidentConfiguration: %w", name, err)
		}
		if !ic.isDefault() {
			if g := ic.GroupingConfiguration; g != nil && !g.Enabled && !g.ReopenClosedIncident && g.isDefault() {
				ic.GroupingConfiguration = nil // createIncident: false with the default grouping
			}
			r.IncidentConfiguration = &ic
		}
	}
	r.Description = blockText(r.Description)
	r.Query = blockText(r.Query)
	if r.RequiredDataConnectors == nil {
		r.RequiredDataConnectors = []DataConnectorRef{}
	}
	return r, r.Validate()
}

// blockText gives multi-line-capable text the single trailing newline of a YAML literal block ("|"), the
// form of the Azure-Sentinel files: ARM values carry no trailing newline (AlertRuleProperties trims it).
func blockText(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return s + "\n"
}

// isDefault reports whether ic is what AlertRuleProperties deploys when a rule does not say: an incident
// per alert, no grouping.
func (ic *IncidentConfig) isDefault() bool {
	return ic.CreateIncident && (ic.GroupingConfiguration == nil || ic.GroupingConfiguration.isDefault())
}

func (g *GroupingConfig) isDefault() bool {
	d, err := anyDuration(g.LookbackDuration)
	return !g.Enabled && !g.ReopenClosedIncident && (g.LookbackDuration == "" || err == nil && d == 5*time.Hour) &&
		(g.MatchingMethod == "" || g.MatchingMethod == "AllEntities") &&
		len(g.GroupByEntities) == 0 && len(g.GroupByAlertDetails) == 0 && len(g.GroupByCustomDetails) == 0
}

func parentTechniques(ts []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range ts {
		p, _, _ := strings.Cut(t, ".")
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func subTechniques(ts []string) []string {
	var out []string
	for _, t := range ts {
		if strings.Contains(t, ".") {
			out = append(out, t)
		}
	}
	return out
}

// mergeTechniques rebuilds relevantTechniques in the parents' order: a parent's sub-techniques in its place,
// or the parent itself when it has none.
func mergeTechniques(parents, subs []string) []string {
	byParent := map[string][]string{}
	for _, s := range subs {
		p, _, _ := strings.Cut(s, ".")
		byParent[p] = append(byParent[p], s)
	}
	var out []string
	for _, p := range parents {
		if s, ok := byParent[p]; ok {
			out = append(out, s...)
			delete(byParent, p)
		} else {
			out = append(out, p)
		}
	}
	for _, s := range subs { // sub-techniques whose parent was not listed
		p, _, _ := strings.Cut(s, ".")
		if _, ok := byParent[p]; ok {
			out = append(out, s)
		}
	}
	return out
}

func strs(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func anyStrings(v any) []string {
	arr, _ := v.([]any)
	var out []string
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	if out == nil {
		if ss, ok := v.([]string); ok {
			return append([]string(nil), ss...)
		}
	}
	return out
}

// toJSONValue converts a typed value to the generic JSON form (maps, slices) of ARM documents.
func toJSONValue(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		return []any{}
	}
	return out
}

func fromJSONValue(v any, dst any) error {
	if v == nil {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, dst)
}
