package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Health configures the health checks: check_health, generate_soc_report, `sentinel-mcp health` and
// `sentinel-mcp report` (internal/posture reads it).
type Health struct {
	Silence          map[string]time.Duration `config:"silence" help:"Silence thresholds: how long a table may go without a record before it is flagged, per table name or table class (agent, streaming, activity, custom, other, event), e.g. {OfficeActivity: 72h, custom: 168h}; 0 turns the check off. Defaults: agent 2h, streaming 24h, activity, custom and other 48h, event tables not checked."`
	MinRetentionDays int                      `config:"min_retention_days" default:"90" help:"Interactive retention (workspace, and Analytics tables in detailed mode) below which a workspace is degraded."`
	IncidentMaxAge   time.Duration            `config:"incident_max_age" default:"24h" help:"High-severity incidents left untriaged (New, or without an owner) longer than this degrade a workspace."`
	BaselineDays     int                      `config:"baseline_days" default:"7" help:"Complete days over which each table's median daily ingestion is computed."`
	SpikeFactor      float64                  `config:"spike_factor" default:"3" help:"A complete day with at least this many times a table's median daily volume is an ingestion spike."`
	DropFactor       float64                  `config:"drop_factor" default:"0.1" help:"A complete day with at most this fraction of a table's median daily volume is an ingestion drop."`
}

// Compliance configures the compliance checks: run_compliance_check, generate_soc_report,
// `sentinel-mcp compliance` and `sentinel-mcp report`.
type Compliance struct {
	PolicyDir string `config:"policy_dir" help:"Directory of compliance policy files (YAML) that tools may read by file name; tools read no other file. Empty: tools use the built-in policy or inline YAML only."`
	Policy    string `config:"policy" help:"Policy used when a call names none: a file name in policy_dir (empty: the built-in baseline). The CLI's --policy takes any path."`
}

// healthClasses are the table classes of health.silence (internal/posture.Classes).
var healthClasses = []string{"agent", "streaming", "activity", "custom", "other", "event"}

func (c *Config) validateSocOps() []error {
	var errs []error
	h := c.Health
	for k, d := range h.Silence {
		if d < 0 {
			errs = append(errs, fmt.Errorf("health.silence.%s: %s is negative (0 turns the check off)", k, d))
		}
		if k == "" || strings.ToLower(k) == k && !strings.HasSuffix(k, "_CL") && !slices.Contains(healthClasses, k) {
			errs = append(errs, fmt.Errorf("health.silence.%s: neither a table name nor a class (%s)", k, strings.Join(healthClasses, ", ")))
		}
	}
	if h.MinRetentionDays < 4 || h.MinRetentionDays > 730 {
		errs = append(errs, fmt.Errorf("health.min_retention_days %d: use a value between 4 and 730", h.MinRetentionDays))
	}
	if h.IncidentMaxAge < time.Minute {
		errs = append(errs, fmt.Errorf("health.incident_max_age %s: use at least 1m", h.IncidentMaxAge))
	}
	if h.BaselineDays < 3 || h.BaselineDays > 30 {
		errs = append(errs, fmt.Errorf("health.baseline_days %d: use a value between 3 and 30", h.BaselineDays))
	}
	if h.SpikeFactor <= 1 || h.DropFactor <= 0 || h.DropFactor >= 1 {
		errs = append(errs, errors.New("health.spike_factor must be above 1 and health.drop_factor between 0 and 1"))
	}
	return errs
}
