package content

import (
	"bytes"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Policy is a compliance policy: a list of checks that run_compliance_check evaluates per workspace.
type Policy struct {
	Name        string  `yaml:"name"`
	Version     int     `yaml:"version"`
	Description string  `yaml:"description,omitempty"`
	Checks      []Check `yaml:"checks"`
}

// Check types.
const (
	CheckMinRetention       = "minRetention"       // MinDays: workspace (and Analytics table) retention
	CheckRequiredRules      = "requiredRules"      // Rules present (and enabled when MustBeEnabled)
	CheckRequiredConnectors = "requiredConnectors" // Connectors (data connector kinds) configured
	CheckMITRECoverage      = "mitreCoverage"      // MinTactics, MinTechniques, RequiredTactics over enabled rules
	CheckUEBA               = "ueba"               // Enabled, DataSources of the Ueba setting
	CheckOpenIncidents      = "openIncidents"      // no open incident of IncidentSeverity older than MaxAgeDays
)

// Check is one policy check; which fields apply depends on Type.
type Check struct {
	ID               string       `yaml:"id"`
	Title            string       `yaml:"title"`
	Type             string       `yaml:"type"`
	Severity         string       `yaml:"severity"`
	MinDays          int          `yaml:"minDays,omitempty"`
	MustBeEnabled    bool         `yaml:"mustBeEnabled,omitempty"`
	Rules            []PolicyRule `yaml:"rules,omitempty"`
	Connectors       []string     `yaml:"connectors,omitempty"`
	MinTactics       int          `yaml:"minTactics,omitempty"`
	MinTechniques    int          `yaml:"minTechniques,omitempty"`
	RequiredTactics  []string     `yaml:"requiredTactics,omitempty"`
	Enabled          bool         `yaml:"enabled,omitempty"`
	DataSources      []string     `yaml:"dataSources,omitempty"`
	IncidentSeverity string       `yaml:"incidentSeverity,omitempty"`
	MaxAgeDays       int          `yaml:"maxAgeDays,omitempty"`
}

// PolicyRule names a required rule by id (the template id) and display name.
type PolicyRule struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
}

// ParsePolicy parses and validates a policy file. Unknown keys are errors, so a typo does not silently
// disable a check.
func ParsePolicy(src []byte) (*Policy, error) {
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("policy YAML: %w", err)
	}
	return &p, p.Validate()
}

// Validate checks that every check is complete for its type.
func (p *Policy) Validate() error {
	var errs []error
	if p.Name == "" || len(p.Checks) == 0 {
		errs = append(errs, errors.New("policy needs a name and at least one check"))
	}
	ids := map[string]bool{}
	for i, c := range p.Checks {
		bad := func(msg string) { errs = append(errs, fmt.Errorf("check %d (%s): %s", i+1, c.ID, msg)) }
		if c.ID == "" || ids[c.ID] {
			bad("missing or duplicate id")
		}
		ids[c.ID] = true
		if !severities[c.Severity] {
			bad("severity must be High, Medium, Low or Informational")
		}
		switch c.Type {
		case CheckMinRetention:
			if c.MinDays < 4 || c.MinDays > 730 {
				bad("minDays must be between 4 and 730")
			}
		case CheckRequiredRules:
			if len(c.Rules) == 0 {
				bad("rules is empty")
			}
			for _, r := range c.Rules {
				if r.ID == "" && r.Name == "" {
					bad("a rule needs an id or a name")
				}
			}
		case CheckRequiredConnectors:
			if len(c.Connectors) == 0 {
				bad("connectors is empty")
			}
		case CheckMITRECoverage:
			if c.MinTactics <= 0 && c.MinTechniques <= 0 && len(c.RequiredTactics) == 0 {
				bad("set minTactics, minTechniques or requiredTactics")
			}
		case CheckUEBA:
		case CheckOpenIncidents:
			if !severities[c.IncidentSeverity] || c.MaxAgeDays <= 0 {
				bad("incidentSeverity and a positive maxAgeDays are required")
			}
		default:
			bad(fmt.Sprintf("unknown type %q", c.Type))
		}
	}
	return errors.Join(errs...)
}

// Check returns the check with an id.
func (p *Policy) Check(id string) (Check, bool) {
	for _, c := range p.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

func (p *Policy) clone() *Policy {
	c := *p
	c.Checks = make([]Check, len(p.Checks))
	for i, ch := range p.Checks {
		ch.Rules = append([]PolicyRule(nil), ch.Rules...)
		ch.Connectors = append([]string(nil), ch.Connectors...)
		ch.RequiredTactics = append([]string(nil), ch.RequiredTactics...)
		ch.DataSources = append([]string(nil), ch.DataSources...)
		c.Checks[i] = ch
	}
	return &c
}
