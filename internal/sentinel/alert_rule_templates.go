package sentinel

import (
	"context"
	"net/url"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
)

// Alert rule templates: Microsoft.SecurityInsights/alertRuleTemplates of a workspace (read-only; Sentinel
// and installed solutions provide them).

// AlertRuleTemplate is a rule template as ARM returns it.
type AlertRuleTemplate struct {
	ID         string         `json:"id,omitempty"`
	Name       string         `json:"name,omitempty"`
	Type       string         `json:"type,omitempty"`
	Kind       string         `json:"kind"`
	Properties map[string]any `json:"properties"`
}

// DisplayName is the template's display name.
func (t *AlertRuleTemplate) DisplayName() string { return rulesStr(t.Properties, "displayName") }

// Severity is the template's severity.
func (t *AlertRuleTemplate) Severity() string { return rulesStr(t.Properties, "severity") }

// Version is the template version.
func (t *AlertRuleTemplate) Version() string { return rulesStr(t.Properties, "version") }

// Status is Available, Installed or NotAvailable.
func (t *AlertRuleTemplate) Status() string { return rulesStr(t.Properties, "status") }

// Tactics are the MITRE ATT&CK tactics of the template.
func (t *AlertRuleTemplate) Tactics() []string { return rulesStrs(t.Properties, "tactics") }

// Techniques are the techniques and sub-techniques of the template.
func (t *AlertRuleTemplate) Techniques() []string {
	out := rulesStrs(t.Properties, "techniques")
	for _, s := range rulesStrs(t.Properties, "subTechniques") {
		if !rulesHasFold(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// DataTypes are the tables the template needs (requiredDataConnectors' data types), deduplicated.
func (t *AlertRuleTemplate) DataTypes() []string {
	var out []string
	conns, _ := t.Properties["requiredDataConnectors"].([]any)
	for _, c := range conns {
		cm, _ := c.(map[string]any)
		for _, dt := range rulesStrs(cm, "dataTypes") {
			if !rulesHasFold(out, dt) {
				out = append(out, dt)
			}
		}
	}
	return out
}

// PropertiesCopy returns a deep copy of the template's properties.
func (t *AlertRuleTemplate) PropertiesCopy() map[string]any { return rulesCloneProps(t.Properties) }

// AlertRuleTemplatesPath is the alertRuleTemplates collection of a workspace.
func AlertRuleTemplatesPath(workspaceID string) string {
	return strings.TrimSuffix(workspaceID, "/") + "/providers/Microsoft.SecurityInsights/alertRuleTemplates"
}

// ListAlertRuleTemplates returns every rule template of a workspace.
func ListAlertRuleTemplates(ctx context.Context, arm *azure.ARM, workspaceID string) ([]*AlertRuleTemplate, error) {
	return rulesListTyped[AlertRuleTemplate](ctx, arm, AlertRuleTemplatesPath(workspaceID), "alert rule templates")
}

// GetAlertRuleTemplate reads one template; a missing one is an *azure.Error with azure.IsNotFound.
func GetAlertRuleTemplate(ctx context.Context, arm *azure.ARM, workspaceID, name string) (*AlertRuleTemplate, error) {
	var t AlertRuleTemplate
	if _, err := arm.GetJSON(ctx, AlertRuleTemplatesPath(workspaceID)+"/"+url.PathEscape(name), &t); err != nil {
		return nil, err
	}
	return &t, nil
}
