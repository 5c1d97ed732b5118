package rules

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// normTactics maps tactics to Sentinel's names, accepting any case and spaces or hyphens
// ("credential access" -> CredentialAccess); an unknown tactic is an error listing the valid ones.
func normTactics(arg string, in []string) ([]string, error) {
	out := []string{}
	for _, t := range in {
		key := strings.ToLower(strings.NewReplacer(" ", "", "-", "", "_", "").Replace(t))
		found := ""
		for _, v := range content.Tactics {
			if strings.ToLower(v) == key {
				found = v
			}
		}
		if found == "" {
			msg := fmt.Sprintf("unknown tactic %q", t)
			if s := inventory.Closest(t, content.Tactics); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			return nil, toolkit.ArgError(arg, "%s; valid tactics: %s", msg, strings.Join(content.Tactics, ", "))
		}
		if !hasFold(out, found) {
			out = append(out, found)
		}
	}
	return out, nil
}

var techniqueRE = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// splitTechniques validates MITRE technique ids and splits them into the parent techniques and the
// sub-techniques, as alert rules hold them (T1110.003 also lists T1110).
func splitTechniques(arg string, in []string) (parents, subs []string, err error) {
	parents, subs = []string{}, []string{}
	for _, t := range in {
		id := strings.ToUpper(strings.TrimSpace(t))
		if !techniqueRE.MatchString(id) {
			return nil, nil, toolkit.ArgError(arg, "%q is not a MITRE ATT&CK technique id: use T1110 or T1110.003", t)
		}
		p, _, isSub := strings.Cut(id, ".")
		if !hasFold(parents, p) {
			parents = append(parents, p)
		}
		if isSub && !hasFold(subs, id) {
			subs = append(subs, id)
		}
	}
	return parents, subs, nil
}

// Sentinel's limits for scheduled rules.
const (
	minSchedule = 5 * time.Minute
	maxSchedule = 14 * 24 * time.Hour
)

// parseDuration reads a period argument (toolkit.ParseDuration: 5m, 1h, 2d, PT1H, P1D...).
func parseDuration(arg, s string) (time.Duration, error) {
	return toolkit.ParseDuration(arg, s)
}

func parseSchedule(arg, s string) (time.Duration, error) {
	d, err := parseDuration(arg, s)
	if err != nil {
		return 0, err
	}
	if d < minSchedule || d > maxSchedule {
		return 0, toolkit.ArgError(arg, "%s is out of range: Sentinel runs scheduled rules between every 5m and every 14d", s)
	}
	return d, nil
}

// Sentinel's entity types for entity mappings.
var entityTypes = []string{"Account", "AzureResource", "CloudApplication", "DNS", "File", "FileHash", "Host", "IoTDevice",
	"IP", "Mailbox", "MailCluster", "MailMessage", "Malware", "Process", "RegistryKey", "RegistryValue", "SecurityGroup",
	"SubmissionMail", "URL"}

// checkEntityMappings validates entity mappings (Sentinel: up to 10 entities of known types, each with 1
// to 3 identifiers mapped to columns).
func checkEntityMappings(arg string, ms []content.EntityMapping) ([]content.EntityMapping, error) {
	if len(ms) > 10 {
		return nil, toolkit.ArgError(arg, "%d entity mappings: Sentinel allows at most 10", len(ms))
	}
	out := make([]content.EntityMapping, 0, len(ms))
	for _, m := range ms {
		typ := ""
		for _, t := range entityTypes {
			if strings.EqualFold(t, m.EntityType) {
				typ = t
			}
		}
		if typ == "" {
			return nil, toolkit.ArgError(arg, "unknown entity type %q; valid types: %s", m.EntityType, strings.Join(entityTypes, ", "))
		}
		if len(m.FieldMappings) == 0 || len(m.FieldMappings) > 3 {
			return nil, toolkit.ArgError(arg, "entity %s needs 1 to 3 fieldMappings ({identifier, columnName}), got %d", typ, len(m.FieldMappings))
		}
		for _, f := range m.FieldMappings {
			if strings.TrimSpace(f.Identifier) == "" || strings.TrimSpace(f.ColumnName) == "" {
				return nil, toolkit.ArgError(arg, "entity %s: every field mapping needs an identifier (e.g. FullName, Address) and a columnName of the query's results", typ)
			}
		}
		out = append(out, content.EntityMapping{EntityType: typ, FieldMappings: m.FieldMappings})
	}
	return out, nil
}

// spec is what create_analytics_rule and update_analytics_rule may set. Nil or empty fields are left
// as they are (update) or take their default (create).
type spec struct {
	// DisplayName, Query and Severity are declared by the create and update inputs (required in one,
	// optional in the other) and copied here.
	DisplayName         *string                 `json:"-"`
	Query               *string                 `json:"-"`
	Severity            string                  `json:"-"`
	Description         *string                 `json:"description,omitempty" jsonschema:"What the rule detects and how to respond."`
	Enabled             *bool                   `json:"enabled,omitempty" jsonschema:"Whether the rule runs."`
	QueryFrequency      string                  `json:"query_frequency,omitempty" jsonschema:"Scheduled: how often it runs, 5m to 14d (e.g. 1h)."`
	QueryPeriod         string                  `json:"query_period,omitempty" jsonschema:"Scheduled: how far back each run looks, 5m to 14d, at least the frequency (e.g. 1d)."`
	TriggerOperator     string                  `json:"trigger_operator,omitempty" jsonschema:"Scheduled: alert when the result count is GreaterThan, LessThan, Equal or NotEqual the threshold."`
	TriggerThreshold    *int                    `json:"trigger_threshold,omitempty" jsonschema:"Scheduled: the result count threshold."`
	Tactics             []string                `json:"tactics,omitempty" jsonschema:"MITRE ATT&CK tactics, e.g. [\"CredentialAccess\"]."`
	Techniques          []string                `json:"techniques,omitempty" jsonschema:"MITRE ATT&CK techniques, e.g. [\"T1110.003\"]."`
	EntityMappings      []content.EntityMapping `json:"entity_mappings,omitempty" jsonschema:"Entities from result columns: [{entityType: Account, fieldMappings: [{identifier: FullName, columnName: UserPrincipalName}]}]."`
	CustomDetails       map[string]string       `json:"custom_details,omitempty" jsonschema:"Alert custom details: {detail name: column}."`
	AlertDetails        *content.AlertDetails   `json:"alert_details_override,omitempty" jsonschema:"Alert name/description formats from columns ({{Column}})."`
	EventGrouping       string                  `json:"event_grouping,omitempty" jsonschema:"SingleAlert (one alert per run) or AlertPerResult."`
	CreateIncident      *bool                   `json:"create_incident,omitempty" jsonschema:"Create incidents from the alerts (default true)."`
	Grouping            *groupingIn             `json:"incident_grouping,omitempty" jsonschema:"Group alerts into incidents."`
	SuppressionDuration string                  `json:"suppression_duration,omitempty" jsonschema:"Stop running for this long after an alert (e.g. 5h)."`
	SuppressionEnabled  *bool                   `json:"suppression_enabled,omitempty" jsonschema:"Whether suppression is on."`
}

type groupingIn struct {
	Enabled              bool     `json:"enabled" jsonschema:"Group related alerts into one incident."`
	Lookback             string   `json:"lookback,omitempty" jsonschema:"Group alerts created within this time (e.g. 5h, default 5h)."`
	MatchingMethod       string   `json:"matching_method,omitempty" jsonschema:"AllEntities (default), AnyAlert or Selected."`
	GroupByEntities      []string `json:"group_by_entities,omitempty" jsonschema:"Selected: entity types to match (e.g. [\"Account\"])."`
	ReopenClosedIncident bool     `json:"reopen_closed_incident,omitempty" jsonschema:"Reopen a closed matching incident."`
}

var specOptions = []inventory.Option{
	inventory.Enum("trigger_operator", "GreaterThan", "LessThan", "Equal", "NotEqual"),
	inventory.Enum("event_grouping", content.AggregationSingleAlert, content.AggregationPerResult),
	inventory.Enum("severity", severities...), inventory.MaxLength("query", 10000), inventory.MaxLength("display_name", 256),
	inventory.MaxLength("description", 5000),
}

// apply sets the spec on the properties of a rule of kind, returning the names of the properties it
// set. It validates everything it can without Azure; the query itself is checked by checkSpecQuery.
func (s *spec) apply(kind string, p map[string]any) ([]string, error) {
	var changed []string
	set := func(k string, v any) {
		if fmt.Sprint(p[k]) != fmt.Sprint(v) {
			changed = append(changed, k)
		}
		p[k] = v
	}
	if err := s.checkKind(kind); err != nil {
		return nil, err
	}
	if s.DisplayName != nil {
		if strings.TrimSpace(*s.DisplayName) == "" {
			return nil, toolkit.ArgError("display_name", "is empty")
		}
		set("displayName", strings.TrimSpace(*s.DisplayName))
	}
	if s.Description != nil {
		set("description", *s.Description)
	}
	if s.Severity != "" {
		set("severity", s.Severity)
	}
	if s.Enabled != nil {
		set("enabled", *s.Enabled)
	}
	scheduled := kind == sentinel.AlertRuleScheduled
	hasQuery := kind == sentinel.AlertRuleScheduled || kind == sentinel.AlertRuleNRT
	if !scheduled && (s.QueryFrequency != "" || s.QueryPeriod != "" || s.TriggerOperator != "" || s.TriggerThreshold != nil) {
		return nil, fmt.Errorf("an %s rule runs continuously: it has no query_frequency, query_period or trigger", kind)
	}
	if s.Query != nil {
		q := strings.TrimRight(*s.Query, " \t\r\n")
		if strings.TrimSpace(q) == "" {
			return nil, toolkit.ArgError("query", "is empty")
		}
		set("query", q)
	}
	if scheduled {
		for _, f := range []struct{ arg, key, val string }{{"query_frequency", "queryFrequency", s.QueryFrequency}, {"query_period", "queryPeriod", s.QueryPeriod}} {
			if f.val == "" {
				continue
			}
			d, err := parseSchedule(f.arg, f.val)
			if err != nil {
				return nil, err
			}
			set(f.key, content.FormatISODuration(d))
		}
		freq, _ := content.ParseISODuration(fmt.Sprint(p["queryFrequency"]))
		period, _ := content.ParseISODuration(fmt.Sprint(p["queryPeriod"]))
		if freq > 0 && period > 0 && period < freq {
			return nil, toolkit.ArgError("query_period", "%s is shorter than the query frequency %s: each run must look back at least as far as the time since the last run", content.ShortDuration(period), content.ShortDuration(freq))
		}
		if s.TriggerOperator != "" {
			set("triggerOperator", s.TriggerOperator)
		}
		if s.TriggerThreshold != nil {
			if *s.TriggerThreshold < 0 || *s.TriggerThreshold > 10000 {
				return nil, toolkit.ArgError("trigger_threshold", "%d is out of range 0..10000", *s.TriggerThreshold)
			}
			set("triggerThreshold", *s.TriggerThreshold)
		}
	}
	if s.Tactics != nil {
		ts, err := normTactics("tactics", s.Tactics)
		if err != nil {
			return nil, err
		}
		set("tactics", anys(ts))
	}
	if s.Techniques != nil {
		parents, subs, err := splitTechniques("techniques", s.Techniques)
		if err != nil {
			return nil, err
		}
		set("techniques", anys(parents))
		if hasQuery {
			set("subTechniques", anys(subs))
		}
	}
	if s.EntityMappings != nil {
		ms, err := checkEntityMappings("entity_mappings", s.EntityMappings)
		if err != nil {
			return nil, err
		}
		set("entityMappings", jsonValue(ms))
	}
	if s.CustomDetails != nil {
		if len(s.CustomDetails) > 20 {
			return nil, toolkit.ArgError("custom_details", "%d details: Sentinel allows at most 20", len(s.CustomDetails))
		}
		set("customDetails", jsonValue(s.CustomDetails))
	}
	if s.AlertDetails != nil {
		set("alertDetailsOverride", jsonValue(s.AlertDetails))
	}
	if s.EventGrouping != "" {
		set("eventGroupingSettings", map[string]any{"aggregationKind": s.EventGrouping})
	}
	if s.CreateIncident != nil || s.Grouping != nil {
		ic, _ := p["incidentConfiguration"].(map[string]any)
		if ic == nil {
			ic = defaultIncidentConfig()
		} else {
			ic = jsonValue(ic).(map[string]any)
		}
		if s.CreateIncident != nil {
			ic["createIncident"] = *s.CreateIncident
		}
		if g := s.Grouping; g != nil {
			gc, err := g.arm()
			if err != nil {
				return nil, err
			}
			ic["groupingConfiguration"] = gc
		}
		set("incidentConfiguration", ic)
	}
	if s.SuppressionDuration != "" {
		d, err := parseDuration("suppression_duration", s.SuppressionDuration)
		if err != nil {
			return nil, err
		}
		if d > 24*time.Hour {
			return nil, toolkit.ArgError("suppression_duration", "%s is longer than Sentinel's maximum of 24h", s.SuppressionDuration)
		}
		set("suppressionDuration", content.FormatISODuration(d))
	}
	if s.SuppressionEnabled != nil {
		set("suppressionEnabled", *s.SuppressionEnabled)
	}
	return changed, nil
}

// checkKind refuses what a rule of kind does not have: only Scheduled and NRT rules have a query and
// its settings; Fusion and the other built-in kinds take everything but their state from their template;
// a Microsoft incident creation rule has a name, a description and product filters.
func (s *spec) checkKind(kind string) error {
	switch kind {
	case sentinel.AlertRuleScheduled, sentinel.AlertRuleNRT:
		return nil
	case sentinel.AlertRuleIncidentCreation:
		if s.Severity != "" || s.Tactics != nil || s.Techniques != nil || s.hasQuerySettings() {
			return fmt.Errorf("a %s rule only has a display name, a description and its state here (its alerts keep their products' severity)", kind)
		}
		return nil
	}
	if s.DisplayName != nil || s.Description != nil || s.Severity != "" || s.Tactics != nil || s.Techniques != nil || s.hasQuerySettings() {
		return fmt.Errorf("a %s rule takes its name, description, severity and tactics from its template: only its state (enabled) can change", kind)
	}
	return nil
}

func (s *spec) hasQuerySettings() bool {
	return s.Query != nil || s.EntityMappings != nil || s.CustomDetails != nil || s.AlertDetails != nil || s.EventGrouping != "" ||
		s.QueryFrequency != "" || s.QueryPeriod != "" || s.TriggerOperator != "" || s.TriggerThreshold != nil ||
		s.CreateIncident != nil || s.Grouping != nil || s.SuppressionDuration != "" || s.SuppressionEnabled != nil
}

func (g *groupingIn) arm() (map[string]any, error) {
	lookback := 5 * time.Hour
	if g.Lookback != "" {
		d, err := parseDuration("incident_grouping.lookback", g.Lookback)
		if err != nil {
			return nil, err
		}
		if d < 5*time.Minute || d > 7*24*time.Hour {
			return nil, toolkit.ArgError("incident_grouping.lookback", "%s is out of range 5m..7d", g.Lookback)
		}
		lookback = d
	}
	method := g.MatchingMethod
	if method == "" {
		method = "AllEntities"
	}
	switch method {
	case "AllEntities", "AnyAlert", "Selected":
	default:
		return nil, toolkit.ArgError("incident_grouping.matching_method", "%q is not AllEntities, AnyAlert or Selected", method)
	}
	if method == "Selected" && len(g.GroupByEntities) == 0 {
		return nil, toolkit.ArgError("incident_grouping.group_by_entities", "matching_method Selected needs the entity types to match, e.g. [\"Account\", \"IP\"]")
	}
	var ents []string
	for _, e := range g.GroupByEntities {
		typ := ""
		for _, t := range entityTypes {
			if strings.EqualFold(t, e) {
				typ = t
			}
		}
		if typ == "" {
			return nil, toolkit.ArgError("incident_grouping.group_by_entities", "unknown entity type %q; valid types: %s", e, strings.Join(entityTypes, ", "))
		}
		ents = append(ents, typ)
	}
	return map[string]any{"enabled": g.Enabled, "reopenClosedIncident": g.ReopenClosedIncident,
		"lookbackDuration": content.FormatISODuration(lookback), "matchingMethod": method, "groupByEntities": anys(ents),
		"groupByAlertDetails": []any{}, "groupByCustomDetails": []any{}}, nil
}

func defaultIncidentConfig() map[string]any {
	return map[string]any{"createIncident": true, "groupingConfiguration": map[string]any{
		"enabled": false, "reopenClosedIncident": false, "lookbackDuration": "PT5H", "matchingMethod": "AllEntities",
		"groupByEntities": []any{}, "groupByAlertDetails": []any{}, "groupByCustomDetails": []any{}}}
}

// checkRuleQuery validates a query with the KQL checker: blocking diagnostics are an error that lists
// them (nothing is written); the others come back as warnings.
func checkRuleQuery(what, q string) ([]string, error) {
	ds := checkQuery(q)
	if bad := blocking(ds); len(bad) > 0 {
		return nil, fmt.Errorf("%s: the query was refused and nothing was written:%s", what, formatDiagnostics(bad))
	}
	var warns []string
	for _, d := range ds {
		warns = append(warns, strings.TrimPrefix(formatDiagnostics([]Diagnostic{d}), "\n  - "))
	}
	return warns, nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
