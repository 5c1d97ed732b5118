package sentinel

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
)

// Automation rules: Microsoft.SecurityInsights/automationRules of a workspace. Properties are kept as raw
// JSON values (triggeringLogic, conditions and actions have many shapes) so nothing is lost in a write.

// AutomationRule is an automation rule as ARM returns it.
type AutomationRule struct {
	ID         string         `json:"id,omitempty"`
	Name       string         `json:"name,omitempty"`
	Type       string         `json:"type,omitempty"`
	Etag       string         `json:"etag,omitempty"`
	Properties map[string]any `json:"properties"`
}

// AutomationRuleReadOnly are the properties Azure sets and ignores in a PUT.
var AutomationRuleReadOnly = []string{"createdBy", "createdTimeUtc", "lastModifiedBy", "lastModifiedTimeUtc"}

// DisplayName is the rule's display name.
func (r *AutomationRule) DisplayName() string { return rulesStr(r.Properties, "displayName") }

// Order is the rule's position among the workspace's automation rules (1 runs first).
func (r *AutomationRule) Order() int {
	n, _ := r.Properties["order"].(float64)
	return int(n)
}

// Logic is triggeringLogic (nil when absent).
func (r *AutomationRule) Logic() map[string]any {
	m, _ := r.Properties["triggeringLogic"].(map[string]any)
	return m
}

// Enabled is triggeringLogic.isEnabled.
func (r *AutomationRule) Enabled() bool { b, _ := r.Logic()["isEnabled"].(bool); return b }

// TriggersOn is Incidents or Alerts.
func (r *AutomationRule) TriggersOn() string { return rulesStr(r.Logic(), "triggersOn") }

// TriggersWhen is Created or Updated.
func (r *AutomationRule) TriggersWhen() string { return rulesStr(r.Logic(), "triggersWhen") }

// Expiration is triggeringLogic.expirationTimeUtc ("" when the rule does not expire).
func (r *AutomationRule) Expiration() string { return rulesStr(r.Logic(), "expirationTimeUtc") }

// Conditions are triggeringLogic.conditions.
func (r *AutomationRule) Conditions() []any { c, _ := r.Logic()["conditions"].([]any); return c }

// Actions are the rule's actions.
func (r *AutomationRule) Actions() []any { a, _ := r.Properties["actions"].([]any); return a }

// LastModified is lastModifiedTimeUtc.
func (r *AutomationRule) LastModified() string { return rulesStr(r.Properties, "lastModifiedTimeUtc") }

// Clone returns a deep copy.
func (r *AutomationRule) Clone() *AutomationRule {
	c := *r
	c.Properties = rulesCloneProps(r.Properties)
	return &c
}

// WritableProperties returns a copy of the properties without the read-only ones.
func (r *AutomationRule) WritableProperties() map[string]any {
	p := rulesCloneProps(r.Properties)
	for _, k := range AutomationRuleReadOnly {
		delete(p, k)
	}
	return p
}

// AutomationRulesPath is the automationRules collection of a workspace.
func AutomationRulesPath(workspaceID string) string {
	return strings.TrimSuffix(workspaceID, "/") + "/providers/Microsoft.SecurityInsights/automationRules"
}

// AutomationRulePath is one automation rule of a workspace.
func AutomationRulePath(workspaceID, name string) string {
	return AutomationRulesPath(workspaceID) + "/" + url.PathEscape(name)
}

// ListAutomationRules returns every automation rule of a workspace.
func ListAutomationRules(ctx context.Context, arm *azure.ARM, workspaceID string) ([]*AutomationRule, error) {
	return rulesListTyped[AutomationRule](ctx, arm, AutomationRulesPath(workspaceID), "automation rules")
}

// GetAutomationRule reads one automation rule; a missing one is an *azure.Error with azure.IsNotFound.
func GetAutomationRule(ctx context.Context, arm *azure.ARM, workspaceID, name string) (*AutomationRule, error) {
	var r AutomationRule
	resp, err := arm.GetJSON(ctx, AutomationRulePath(workspaceID, name), &r)
	if err != nil {
		return nil, err
	}
	if r.Etag == "" {
		r.Etag = resp.ETag()
	}
	return &r, nil
}

// PutAutomationRule writes r under r.Name, as PutAlertRule does: create refuses to overwrite, an update
// sends r.Etag so that a rule changed since it was read is not overwritten (409, azure.IsConflict).
func PutAutomationRule(ctx context.Context, arm *azure.ARM, workspaceID string, r *AutomationRule, create bool) (*AutomationRule, error) {
	if r.Name == "" {
		return nil, fmt.Errorf("sentinel: an automation rule needs a name")
	}
	body := map[string]any{"properties": r.WritableProperties()}
	o := &azure.WriteOptions{}
	if create {
		o.IfNoneMatch = "*"
	} else if r.Etag != "" {
		body["etag"], o.IfMatch = r.Etag, r.Etag
	}
	resp, err := arm.Put(ctx, AutomationRulePath(workspaceID, r.Name), body, o)
	if err != nil {
		return nil, err
	}
	var out AutomationRule
	if err := resp.Decode(&out); err != nil {
		return nil, err
	}
	if out.Etag == "" {
		out.Etag = resp.ETag()
	}
	return &out, nil
}

// DeleteAutomationRule deletes a rule; with etag, only if it is unchanged. A missing rule is not an error.
func DeleteAutomationRule(ctx context.Context, arm *azure.ARM, workspaceID, name, etag string) error {
	_, err := arm.Delete(ctx, AutomationRulePath(workspaceID, name), &azure.WriteOptions{IfMatch: etag})
	if azure.IsNotFound(err) {
		return nil
	}
	return err
}
