package content

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Rule is an analytics rule in the Azure-Sentinel YAML format (the format of the public Azure-Sentinel
// repository's Detections folder). Field order is the repository's, so Encode produces familiar files.
type Rule struct {
	ID                     string             `yaml:"id"`
	Name                   string             `yaml:"name"`
	Description            string             `yaml:"description"`
	Severity               string             `yaml:"severity"`
	Status                 string             `yaml:"status,omitempty"`
	RequiredDataConnectors []DataConnectorRef `yaml:"requiredDataConnectors"`
	QueryFrequency         string             `yaml:"queryFrequency,omitempty"`
	QueryPeriod            string             `yaml:"queryPeriod,omitempty"`
	TriggerOperator        string             `yaml:"triggerOperator,omitempty"`
	TriggerThreshold       *int               `yaml:"triggerThreshold,omitempty"`
	Tactics                []string           `yaml:"tactics"`
	RelevantTechniques     []string           `yaml:"relevantTechniques"`
	Query                  string             `yaml:"query"`
	EntityMappings         []EntityMapping    `yaml:"entityMappings,omitempty"`
	SentinelEntities       []SentinelEntity   `yaml:"sentinelEntitiesMappings,omitempty"`
	CustomDetails          map[string]string  `yaml:"customDetails,omitempty"`
	AlertDetailsOverride   *AlertDetails      `yaml:"alertDetailsOverride,omitempty"`
	EventGroupingSettings  *EventGrouping     `yaml:"eventGroupingSettings,omitempty"`
	IncidentConfiguration  *IncidentConfig    `yaml:"incidentConfiguration,omitempty"`
	SuppressionDuration    string             `yaml:"suppressionDuration,omitempty"`
	SuppressionEnabled     bool               `yaml:"suppressionEnabled,omitempty"`
	Version                string             `yaml:"version"`
	Kind                   string             `yaml:"kind"`
	Metadata               *RuleMetadata      `yaml:"metadata,omitempty"`
	Extra                  map[string]any     `yaml:",inline"` // unknown keys survive a round trip
}

// DataConnectorRef names a data connector and the tables (data types) a rule needs from it.
type DataConnectorRef struct {
	ConnectorID string   `yaml:"connectorId" json:"connectorId"`
	DataTypes   []string `yaml:"dataTypes" json:"dataTypes"`
}

// EntityMapping maps query columns to an entity of a type (Account, Host, IP, ...).
type EntityMapping struct {
	EntityType    string         `yaml:"entityType" json:"entityType"`
	FieldMappings []FieldMapping `yaml:"fieldMappings" json:"fieldMappings"`
}

// FieldMapping maps one entity identifier to a column.
type FieldMapping struct {
	Identifier string `yaml:"identifier" json:"identifier"`
	ColumnName string `yaml:"columnName" json:"columnName"`
}

// SentinelEntity names a column holding Sentinel entities (sentinelEntitiesMappings).
type SentinelEntity struct {
	ColumnName string `yaml:"columnName" json:"columnName"`
}

// AlertDetails overrides alert properties from columns.
type AlertDetails struct {
	AlertDisplayNameFormat string            `yaml:"alertDisplayNameFormat,omitempty" json:"alertDisplayNameFormat,omitempty"`
	AlertDescriptionFormat string            `yaml:"alertDescriptionFormat,omitempty" json:"alertDescriptionFormat,omitempty"`
	AlertTacticsColumnName string            `yaml:"alertTacticsColumnName,omitempty" json:"alertTacticsColumnName,omitempty"`
	AlertSeverityColumn    string            `yaml:"alertSeverityColumnName,omitempty" json:"alertSeverityColumnName,omitempty"`
	AlertDynamicProperties []DynamicProperty `yaml:"alertDynamicProperties,omitempty" json:"alertDynamicProperties,omitempty"`
}

// DynamicProperty sets an alert property (ProductName, RemediationSteps, ...) from a column.
type DynamicProperty struct {
	AlertProperty string `yaml:"alertProperty" json:"alertProperty"`
	Value         string `yaml:"value" json:"value"`
}

func (a *AlertDetails) empty() bool {
	return a == nil || a.AlertDisplayNameFormat == "" && a.AlertDescriptionFormat == "" && a.AlertTacticsColumnName == "" &&
		a.AlertSeverityColumn == "" && len(a.AlertDynamicProperties) == 0
}

// EventGrouping chooses one alert per query result or a single alert.
type EventGrouping struct {
	AggregationKind string `yaml:"aggregationKind" json:"aggregationKind"`
}

// IncidentConfig controls incident creation and alert grouping.
type IncidentConfig struct {
	CreateIncident        bool            `yaml:"createIncident" json:"createIncident"`
	GroupingConfiguration *GroupingConfig `yaml:"groupingConfiguration,omitempty" json:"groupingConfiguration,omitempty"`
}

// GroupingConfig groups alerts into incidents.
type GroupingConfig struct {
	Enabled              bool     `yaml:"enabled" json:"enabled"`
	ReopenClosedIncident bool     `yaml:"reopenClosedIncident" json:"reopenClosedIncident"`
	LookbackDuration     string   `yaml:"lookbackDuration" json:"lookbackDuration"`
	MatchingMethod       string   `yaml:"matchingMethod" json:"matchingMethod"`
	GroupByEntities      []string `yaml:"groupByEntities,omitempty" json:"groupByEntities,omitempty"`
	GroupByAlertDetails  []string `yaml:"groupByAlertDetails,omitempty" json:"groupByAlertDetails,omitempty"`
	GroupByCustomDetails []string `yaml:"groupByCustomDetails,omitempty" json:"groupByCustomDetails,omitempty"`
}

// RuleMetadata is the repository's authoring metadata.
type RuleMetadata struct {
	Source     map[string]string   `yaml:"source,omitempty"`
	Author     map[string]string   `yaml:"author,omitempty"`
	Support    map[string]string   `yaml:"support,omitempty"`
	Categories map[string][]string `yaml:"categories,omitempty"`
}

// Rule kinds.
const (
	KindScheduled = "Scheduled"
	KindNRT       = "NRT"
)

// Event grouping (eventGroupingSettings.aggregationKind): one alert for all results, or one per result.
const (
	AggregationSingleAlert = "SingleAlert"
	AggregationPerResult   = "AlertPerResult"
)

var matchingMethods = map[string]bool{"AllEntities": true, "AnyAlert": true, "Selected": true}

var (
	guidRE     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	severities = map[string]bool{"High": true, "Medium": true, "Low": true, "Informational": true}
	techRE     = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
)

// Tactics are the MITRE ATT&CK tactics Sentinel accepts, in kill-chain order.
var Tactics = []string{"Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence",
	"PrivilegeEscalation", "DefenseEvasion", "CredentialAccess", "Discovery", "LateralMovement", "Collection",
	"CommandAndControl", "Exfiltration", "Impact", "ImpairProcessControl", "InhibitResponseFunction", "PreAttack"}

// ParseRule parses and validates one rule in the Azure-Sentinel YAML format.
func ParseRule(src []byte) (*Rule, error) {
	var r Rule
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("rule YAML: %w", err)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// ParseRules parses a stream of rules in the Azure-Sentinel YAML format: one document or several separated
// by "---" lines (as export_analytics_rules writes them). Errors name the document (1-based) they are in.
func ParseRules(src []byte) ([]*Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var out []*Rule
	var errs []error
	for n := 1; ; n++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("rule YAML (document %d): %w", n, err)
		}
		if len(node.Content) == 0 || node.Content[0].Kind == yaml.ScalarNode && node.Content[0].Tag == "!!null" {
			n-- // an empty document (a leading or trailing "---")
			continue
		}
		var r Rule
		if err := node.Decode(&r); err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", n, err))
			continue
		}
		if err := r.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", n, err))
			continue
		}
		out = append(out, &r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("rule YAML: no rule found")
	}
	return out, nil
}

// EncodeRules renders rules as one YAML stream, documents separated by "---" lines (ParseRules reads it).
func EncodeRules(rules []*Rule) ([]byte, error) {
	var buf bytes.Buffer
	for i, r := range rules {
		raw, err := r.Encode()
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(raw)
	}
	return buf.Bytes(), nil
}

// Validate checks the fields Sentinel requires and their formats. The query itself is validated by the KQL
// engine, not here.
func (r *Rule) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !guidRE.MatchString(r.ID) {
		bad("id %q is not a GUID", r.ID)
	}
	if strings.TrimSpace(r.Name) == "" {
		bad("name is empty")
	}
	if !severities[r.Severity] {
		bad("severity %q is not High, Medium, Low or Informational", r.Severity)
	}
	if strings.TrimSpace(r.Query) == "" {
		bad("query is empty")
	}
	switch r.Kind {
	case KindScheduled:
		for field, v := range map[string]string{"queryFrequency": r.QueryFrequency, "queryPeriod": r.QueryPeriod} {
			if _, err := ParseDuration(v); err != nil {
				bad("%s: %v", field, err)
			}
		}
		if _, ok := triggerOps[r.TriggerOperator]; !ok {
			bad("triggerOperator %q is not gt, lt, eq or ne", r.TriggerOperator)
		}
		if r.TriggerThreshold == nil || *r.TriggerThreshold < 0 {
			bad("triggerThreshold must be a number >= 0")
		}
	case KindNRT:
		if r.QueryFrequency != "" || r.QueryPeriod != "" {
			bad("an NRT rule has no queryFrequency or queryPeriod")
		}
	default:
		bad("kind %q is not Scheduled or NRT", r.Kind)
	}
	known := map[string]bool{}
	for _, t := range Tactics {
		known[t] = true
	}
	for _, t := range r.Tactics {
		if !known[t] {
			bad("unknown tactic %q", t)
		}
	}
	for _, t := range r.RelevantTechniques {
		if !techRE.MatchString(t) {
			bad("technique %q is not of the form T1234 or T1234.001", t)
		}
	}
	for _, m := range r.EntityMappings {
		if m.EntityType == "" || len(m.FieldMappings) == 0 {
			bad("entity mapping %q without field mappings", m.EntityType)
		}
	}
	if g := r.EventGroupingSettings; g != nil && g.AggregationKind != AggregationSingleAlert && g.AggregationKind != AggregationPerResult {
		bad("eventGroupingSettings.aggregationKind %q is not %s or %s", g.AggregationKind, AggregationSingleAlert, AggregationPerResult)
	}
	if ic := r.IncidentConfiguration; ic != nil && ic.GroupingConfiguration != nil {
		g := ic.GroupingConfiguration
		if _, err := anyDuration(g.LookbackDuration); err != nil {
			bad("incidentConfiguration.groupingConfiguration.lookbackDuration: %v", err)
		}
		if !matchingMethods[g.MatchingMethod] {
			bad("incidentConfiguration.groupingConfiguration.matchingMethod %q is not AllEntities, AnyAlert or Selected", g.MatchingMethod)
		}
	}
	if r.SuppressionDuration != "" {
		if _, err := ParseDuration(r.SuppressionDuration); err != nil {
			bad("suppressionDuration: %v", err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		name := r.Name
		if name == "" {
			name = r.ID
		}
		return fmt.Errorf("rule %q: %w", name, err)
	}
	return nil
}

// Tables returns the tables the rule declares it needs (requiredDataConnectors' data types), deduplicated.
func (r *Rule) Tables() []string { return connectorTables(r.RequiredDataConnectors) }

// Threshold returns the trigger threshold (0 when unset).
func (r *Rule) Threshold() int {
	if r.TriggerThreshold == nil {
		return 0
	}
	return *r.TriggerThreshold
}

// Encode renders the rule as Azure-Sentinel YAML (2-space indentation, block scalars for multi-line text).
func (r *Rule) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func connectorTables(refs []DataConnectorRef) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range refs {
		for _, t := range c.DataTypes {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

var triggerOps = map[string]string{"gt": "GreaterThan", "lt": "LessThan", "eq": "Equal", "ne": "NotEqual"}

// TriggerOperatorARM maps the YAML trigger operator (gt, lt, eq, ne) to the ARM value (GreaterThan, ...).
func TriggerOperatorARM(op string) (string, bool) {
	v, ok := triggerOps[op]
	return v, ok
}

// TriggerOperatorYAML maps an ARM trigger operator back to the YAML form.
func TriggerOperatorYAML(op string) (string, bool) {
	for k, v := range triggerOps {
		if strings.EqualFold(v, op) {
			return k, true
		}
	}
	return "", false
}

var durRE = regexp.MustCompile(`^(\d+)([smhd])$`)

// ParseDuration parses the YAML short form (30m, 1h, 14d, 90s).
func ParseDuration(s string) (time.Duration, error) {
	m := durRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("duration %q is not of the form 5m, 1h or 1d", s)
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[m[2]]
	if n <= 0 {
		return 0, fmt.Errorf("duration %q must be positive", s)
	}
	return time.Duration(n) * unit, nil
}

// ISODuration converts the YAML short form to ISO 8601 as ARM expects (1h -> PT1H, 1d -> P1D, 90m -> PT1H30M).
func ISODuration(s string) (string, error) {
	d, err := ParseDuration(s)
	if err != nil {
		return "", err
	}
	return FormatISODuration(d), nil
}

// FormatISODuration renders a duration in ISO 8601 (whole days as PnD).
func FormatISODuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("P%dD", d/(24*time.Hour))
	}
	var b strings.Builder
	b.WriteString("PT")
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m := (d % time.Hour) / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s := (d % time.Minute) / time.Second; s > 0 {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}

// anyDuration parses either form: the YAML short form (5h) or ISO 8601 (PT5H).
func anyDuration(s string) (time.Duration, error) {
	if d, err := ParseDuration(s); err == nil {
		return d, nil
	}
	d, err := ParseISODuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("duration %q is not of the form 5m, 1h, 1d or an ISO 8601 duration such as PT5H", s)
	}
	return d, nil
}

var isoRE = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// ParseISODuration parses the ISO 8601 durations ARM uses (P1D, PT5H, PT1H30M, P1DT12H).
func ParseISODuration(s string) (time.Duration, error) {
	m := isoRE.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil || s == "P" || strings.HasSuffix(strings.ToUpper(s), "T") {
		return 0, fmt.Errorf("duration %q is not an ISO 8601 duration such as PT1H or P1D", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * unit
		}
	}
	return d, nil
}

// ShortDuration renders a duration in the YAML short form, using the largest unit that divides it.
func ShortDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
