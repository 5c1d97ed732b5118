package sentinel

import "context"

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

// AutomationRules returns every automation rule of the workspace.
func (c *Client) AutomationRules(ctx context.Context) ([]*AutomationRule, error) {
	return rulesListTyped[AutomationRule](ctx, c, "automation rules", "automationRules")
}

// AutomationRule reads one automation rule; a missing one is an *azure.Error with azure.IsNotFound.
func (c *Client) AutomationRule(ctx context.Context, name string) (*AutomationRule, error) {
	path, err := c.ResourcePath("automationRules", name)
	if err != nil {
		return nil, err
	}
	var r AutomationRule
	resp, err := c.arm.GetJSON(ctx, path, &r)
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
func (c *Client) PutAutomationRule(ctx context.Context, r *AutomationRule, create bool) (*AutomationRule, error) {
	path, err := c.ResourcePath("automationRules", r.Name)
	if err != nil {
		return nil, err
	}
	var out AutomationRule
	etag, err := rulesPut(ctx, c, path, map[string]any{"properties": r.WritableProperties()}, r.Etag, create, &out)
	if err != nil {
		return nil, err
	}
	if out.Etag == "" {
		out.Etag = etag
	}
	return &out, nil
}

// DeleteAutomationRule deletes a rule; with etag, only if it is unchanged. A missing rule is not an error.
func (c *Client) DeleteAutomationRule(ctx context.Context, name, etag string) error {
	return rulesDelete(ctx, c, etag, "automationRules", name)
}
