package sentinel

import (
	"context"
	"net/url"
	"strings"
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

// AlertRuleTemplateID is the resource id of a template of a workspace (its resource id).
func AlertRuleTemplateID(workspaceID, name string) string {
	return strings.TrimSuffix(workspaceID, "/") + ProviderPath + "/alertRuleTemplates/" + url.PathEscape(name)
}

// AlertRuleTemplates returns every rule template of the workspace.
func (c *Client) AlertRuleTemplates(ctx context.Context) ([]*AlertRuleTemplate, error) {
	return rulesListTyped[AlertRuleTemplate](ctx, c, "alert rule templates", "alertRuleTemplates")
}

// AlertRuleTemplate reads one template; a missing one is an *azure.Error with azure.IsNotFound.
func (c *Client) AlertRuleTemplate(ctx context.Context, name string) (*AlertRuleTemplate, error) {
	path, err := c.ResourcePath("alertRuleTemplates", name)
	if err != nil {
		return nil, err
	}
	var t AlertRuleTemplate
	if _, err := c.arm.GetJSON(ctx, path, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
