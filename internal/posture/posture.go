// Package posture assesses Microsoft Sentinel workspaces for SOC operations, across tenants:
//
//   - health: is the SIEM working? Sentinel onboarded, data connectors and their tables still
//     receiving records, analytics rules enabled and running without failures, ingestion volume
//     without spikes or drops, automation rules present, high-severity incidents not left to age,
//     retention. Each workspace gets a status (healthy, degraded, unhealthy, unknown) and the
//     findings behind it.
//   - compliance: does the configuration meet a policy (internal/content.Policy)? Every check
//     passes or fails per workspace with the evidence it looked at.
//
// Collect reads what a workspace needs (a Snapshot) through internal/sentinel and the Log Analytics
// query API, part by part, so that one failed read leaves the others usable; Run fans Collect out
// over workspaces (internal/tenancy/fanout) and assesses the snapshots. The result is plain data:
// the health and compliance toolsets present it to a model, the CLI prints or writes it, and
// internal/report renders it as Markdown or HTML. Nothing here formats text for a model.
//
// Free text that comes from Azure (rule names, failure reasons, incident titles, table names) is
// kept as read; whoever presents it cleans and escapes it (textsafe, internal/report).
package posture

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
)

// Status is a workspace's health.
type Status string

// Statuses, from best to worst. Unknown means a check could not be made and nothing found so far
// is bad enough to say more: it is never reported as healthy.
const (
	Healthy   Status = "healthy"
	Degraded  Status = "degraded"
	Unhealthy Status = "unhealthy"
	Unknown   Status = "unknown"
)

// Severity is how much a health finding weighs.
type Severity string

// Finding severities: critical makes a workspace unhealthy, warning degraded, error (a check that
// could not be made) unknown; info never changes the status.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Error    Severity = "error"
	Info     Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case Critical:
		return 0
	case Error:
		return 1
	case Warning:
		return 2
	}
	return 3
}

// Health checks, as named in findings.
const (
	CheckOnboarding = "onboarding"
	CheckConnectors = "connectors" // data connectors and the freshness of their tables
	CheckRules      = "rules"      // analytics rules enabled
	CheckRuleRuns   = "rule_runs"  // analytics rule runs (SentinelHealth)
	CheckIngestion  = "ingestion"  // daily volume per table against its median
	CheckAutomation = "automation"
	CheckIncidents  = "incidents"
	CheckRetention  = "retention"
)

// WorkspaceRef names a workspace in results.
type WorkspaceRef struct {
	Alias       string `json:"workspace"` // tenant/workspace
	Tenant      string `json:"tenant"`    // tenant alias
	TenantName  string `json:"tenant_name,omitempty"`
	Name        string `json:"name"`
	ResourceID  string `json:"resource_id,omitempty"`
	CustomerID  string `json:"customer_id,omitempty"`
	Location    string `json:"location,omitempty"`
	AccessVia   string `json:"access_via,omitempty"`
	DefaultDays int    `json:"retention_days,omitempty"` // workspace retention as discovered
}

// Table classes group tables by how steadily they receive records; the silence threshold of a
// table is its own (Thresholds.Silence[table]) or its class's.
const (
	ClassAgent     = "agent"     // agent heartbeats: every minute
	ClassStreaming = "streaming" // high-volume security and network logs
	ClassActivity  = "activity"  // audit and activity logs that follow people's working hours
	ClassCustom    = "custom"    // custom (_CL) tables
	ClassOther     = "other"     // any other table
	ClassEvent     = "event"     // written only when something happens (alerts, incidents): not checked
)

// Classes lists the table classes, for documentation and validation.
var Classes = []string{ClassAgent, ClassStreaming, ClassActivity, ClassCustom, ClassOther, ClassEvent}

var tableClasses = map[string]string{
	"Heartbeat": ClassAgent,

	"SecurityEvent": ClassStreaming, "WindowsEvent": ClassStreaming, "Syslog": ClassStreaming,
	"CommonSecurityLog": ClassStreaming, "DnsEvents": ClassStreaming, "W3CIISLog": ClassStreaming,
	"AzureDiagnostics": ClassStreaming, "DeviceProcessEvents": ClassStreaming, "DeviceNetworkEvents": ClassStreaming,
	"DeviceEvents": ClassStreaming, "DeviceRegistryEvents": ClassStreaming, "SigninLogs": ClassStreaming,
	"AADNonInteractiveUserSignInLogs": ClassStreaming, "AADServicePrincipalSignInLogs": ClassStreaming,
	"EmailEvents": ClassStreaming, "AzureFirewall": ClassStreaming,

	"OfficeActivity": ClassActivity, "AuditLogs": ClassActivity, "AzureActivity": ClassActivity,
	"DeviceLogonEvents": ClassActivity, "DeviceFileEvents": ClassActivity, "IdentityLogonEvents": ClassActivity,
	"AzureDevOpsAuditing": ClassActivity, "ThreatIntelligenceIndicator": ClassActivity,
	"BehaviorAnalytics": ClassActivity, "AWSCloudTrail": ClassActivity, "Dynamics365Activity": ClassActivity,

	"SecurityAlert": ClassEvent, "SecurityIncident": ClassEvent, "Usage": ClassEvent, "Watchlist": ClassEvent,
	"SentinelHealth": ClassEvent, "SentinelAudit": ClassEvent, "Anomalies": ClassEvent, "HuntingBookmark": ClassEvent,
	"ThreatIntelIndicators": ClassEvent, "ThreatIntelObjects": ClassEvent, "McasShadowItReporting": ClassEvent,
}

// ClassOf returns the class of a table.
func ClassOf(table string) string {
	if c, ok := tableClasses[table]; ok {
		return c
	}
	if strings.HasSuffix(table, "_CL") {
		return ClassCustom
	}
	return ClassOther
}

// Thresholds tune the health assessment. The zero value of a field means its default.
type Thresholds struct {
	// Silence is the longest a table may go without a record, per table name or class (Classes);
	// a zero duration turns the check off for it. Missing keys take DefaultSilence.
	Silence map[string]time.Duration
	// MinRetentionDays is the interactive retention below which a workspace is degraded.
	MinRetentionDays int
	// IncidentMaxAge is how long a high-severity incident may stay open before it degrades the
	// workspace.
	IncidentMaxAge time.Duration
	// BaselineDays is how many complete days of ingestion make a table's baseline.
	BaselineDays int
	// SpikeFactor and DropFactor: a complete day whose volume is at least SpikeFactor times, or at
	// most DropFactor times, the table's median daily volume is an anomaly.
	SpikeFactor, DropFactor float64
}

// DefaultSilence are the silence thresholds per class: generous enough for nights and weekends of a
// small tenant, short enough that a connector silent for days is caught.
var DefaultSilence = map[string]time.Duration{
	ClassAgent:     2 * time.Hour,
	ClassStreaming: 24 * time.Hour,
	ClassActivity:  48 * time.Hour,
	ClassCustom:    48 * time.Hour,
	ClassOther:     48 * time.Hour,
	ClassEvent:     0,
}

// Defaults of the other thresholds.
const (
	DefaultMinRetentionDays = 90
	DefaultIncidentMaxAge   = 24 * time.Hour
	DefaultBaselineDays     = 7
	DefaultSpikeFactor      = 3.0
	DefaultDropFactor       = 0.1
	// FreshnessLookback is how far back the last record of a table is looked for.
	FreshnessLookback = 14 * 24 * time.Hour
)

// WithDefaults returns t with every unset field at its default.
func (t Thresholds) WithDefaults() Thresholds {
	if t.MinRetentionDays <= 0 {
		t.MinRetentionDays = DefaultMinRetentionDays
	}
	if t.IncidentMaxAge <= 0 {
		t.IncidentMaxAge = DefaultIncidentMaxAge
	}
	if t.BaselineDays <= 0 {
		t.BaselineDays = DefaultBaselineDays
	}
	if t.SpikeFactor <= 1 {
		t.SpikeFactor = DefaultSpikeFactor
	}
	if t.DropFactor <= 0 || t.DropFactor >= 1 {
		t.DropFactor = DefaultDropFactor
	}
	return t
}

// SilenceFor returns the silence threshold of a table (0: not checked).
func (t Thresholds) SilenceFor(table string) time.Duration {
	if d, ok := t.Silence[table]; ok {
		return d
	}
	class := ClassOf(table)
	if d, ok := t.Silence[class]; ok {
		return d
	}
	return DefaultSilence[class]
}

// ThresholdsFrom returns the thresholds configured in the health section.
func ThresholdsFrom(h config.Health) Thresholds {
	return Thresholds{Silence: h.Silence, MinRetentionDays: h.MinRetentionDays, IncidentMaxAge: h.IncidentMaxAge,
		BaselineDays: h.BaselineDays, SpikeFactor: h.SpikeFactor, DropFactor: h.DropFactor}.WithDefaults()
}

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,254}$`)

// validTable reports a Log Analytics table name: letters, digits and underscores. Names that are
// not are never put into a query.
func validTable(s string) bool { return tableName.MatchString(s) }

// Age formats a duration for people: 3d 4h, 5h 12m, 40m, 30s.
func Age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d >= 24*time.Hour:
		days := int(d / (24 * time.Hour))
		h := int((d % (24 * time.Hour)) / time.Hour)
		if h == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd %dh", days, h)
	case d >= time.Hour:
		h := int(d / time.Hour)
		m := int((d % time.Hour) / time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh %dm", h, m)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return fmt.Sprintf("%ds", int(d/time.Second))
}
