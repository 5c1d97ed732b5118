package sentinel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
)

// Alert rules (analytics rules): Microsoft.SecurityInsights/alertRules of a workspace. The kinds are
// Scheduled, NRT, Fusion, MicrosoftSecurityIncidentCreation and others Azure may add; properties are kept
// as raw JSON values so that no field is lost between a read and a write (or an export and an import).

// Alert rule kinds.
const (
	AlertRuleScheduled        = "Scheduled"
	AlertRuleNRT              = "NRT"
	AlertRuleFusion           = "Fusion"
	AlertRuleIncidentCreation = "MicrosoftSecurityIncidentCreation"
)

// AlertRule is an analytics rule as ARM returns it.
type AlertRule struct {
	ID         string         `json:"id,omitempty"`
	Name       string         `json:"name,omitempty"`
	Type       string         `json:"type,omitempty"`
	Kind       string         `json:"kind"`
	Etag       string         `json:"etag,omitempty"`
	Properties map[string]any `json:"properties"`
}

// AlertRuleReadOnly are the properties Azure sets and ignores in a PUT.
var AlertRuleReadOnly = []string{"lastModifiedUtc"}

// DisplayName is the rule's display name.
func (r *AlertRule) DisplayName() string { return rulesStr(r.Properties, "displayName") }

// Enabled reports whether the rule runs.
func (r *AlertRule) Enabled() bool { b, _ := r.Properties["enabled"].(bool); return b }

// Severity is the rule's severity (empty for kinds without one).
func (r *AlertRule) Severity() string { return rulesStr(r.Properties, "severity") }

// Query is the KQL query of a Scheduled or NRT rule.
func (r *AlertRule) Query() string { return rulesStr(r.Properties, "query") }

// TemplateName is the alert rule template the rule was created from ("" for a custom rule).
func (r *AlertRule) TemplateName() string { return rulesStr(r.Properties, "alertRuleTemplateName") }

// LastModified is lastModifiedUtc as Azure wrote it.
func (r *AlertRule) LastModified() string { return rulesStr(r.Properties, "lastModifiedUtc") }

// Tactics are the MITRE ATT&CK tactics the rule declares.
func (r *AlertRule) Tactics() []string { return rulesStrs(r.Properties, "tactics") }

// Techniques are the techniques and sub-techniques the rule declares (T1110, T1110.003).
func (r *AlertRule) Techniques() []string {
	out := rulesStrs(r.Properties, "techniques")
	for _, s := range rulesStrs(r.Properties, "subTechniques") {
		if !rulesHasFold(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// HasQuery reports whether the kind carries a KQL query (Scheduled, NRT).
func (r *AlertRule) HasQuery() bool { return r.Kind == AlertRuleScheduled || r.Kind == AlertRuleNRT }

// Clone returns a deep copy (properties included), to change without touching r.
func (r *AlertRule) Clone() *AlertRule {
	c := *r
	c.Properties = rulesCloneProps(r.Properties)
	return &c
}

// WritableProperties returns a copy of the properties without the read-only ones.
func (r *AlertRule) WritableProperties() map[string]any {
	p := rulesCloneProps(r.Properties)
	for _, k := range AlertRuleReadOnly {
		delete(p, k)
	}
	return p
}

// AlertRuleID is the resource id of the alert rule name of a workspace (its resource id).
func AlertRuleID(workspaceID, name string) string {
	return strings.TrimSuffix(workspaceID, "/") + ProviderPath + "/alertRules/" + url.PathEscape(name)
}

// AlertRules returns every alert rule of the workspace (following nextLink).
func (c *Client) AlertRules(ctx context.Context) ([]*AlertRule, error) {
	return rulesListTyped[AlertRule](ctx, c, "alert rules", "alertRules")
}

// AlertRule reads one alert rule; a missing rule is an *azure.Error with azure.IsNotFound.
func (c *Client) AlertRule(ctx context.Context, name string) (*AlertRule, error) {
	path, err := c.ResourcePath("alertRules", name)
	if err != nil {
		return nil, err
	}
	var r AlertRule
	resp, err := c.arm.GetJSON(ctx, path, &r)
	if err != nil {
		return nil, err
	}
	if r.Etag == "" {
		r.Etag = resp.ETag()
	}
	return &r, nil
}

// PutAlertRule writes r (kind, properties) under r.Name. With create, it refuses to overwrite an existing
// rule (If-None-Match: *; a 412 then); otherwise it sends r.Etag (body and If-Match) when set, so that a
// rule changed since it was read is not overwritten: Azure answers 409 and nothing changes (azure.IsConflict).
func (c *Client) PutAlertRule(ctx context.Context, r *AlertRule, create bool) (*AlertRule, error) {
	if r.Kind == "" {
		return nil, fmt.Errorf("sentinel: alert rule %q has no kind", r.Name)
	}
	path, err := c.ResourcePath("alertRules", r.Name)
	if err != nil {
		return nil, err
	}
	var out AlertRule
	etag, err := rulesPut(ctx, c, path, map[string]any{"kind": r.Kind, "properties": r.WritableProperties()}, r.Etag, create, &out)
	if err != nil {
		return nil, err
	}
	if out.Etag == "" {
		out.Etag = etag
	}
	return &out, nil
}

// DeleteAlertRule deletes a rule; with etag, only if it is unchanged (azure.IsConflict otherwise). A rule
// that does not exist is not an error.
func (c *Client) DeleteAlertRule(ctx context.Context, name, etag string) error {
	return rulesDelete(ctx, c, etag, "alertRules", name)
}

// AlertRuleMetadata is the Sentinel metadata resource (kind AnalyticsRule) that records where a deployed
// rule came from: content id, version, source, author, support, categories and the data connectors it
// needs (see content.Rule.MetadataProperties).
type AlertRuleMetadata struct {
	ID         string         `json:"id,omitempty"`
	Name       string         `json:"name,omitempty"`
	Etag       string         `json:"etag,omitempty"`
	Properties map[string]any `json:"properties"`
}

// ParentName is the name of the rule the metadata describes (the last segment of parentId).
func (m *AlertRuleMetadata) ParentName() string {
	p := rulesStr(m.Properties, "parentId")
	return p[strings.LastIndex(p, "/")+1:]
}

// AlertRuleMetadataName is the name given to the metadata resource of a rule, as content hub names it.
func AlertRuleMetadataName(ruleName string) string { return "analyticsrule-" + ruleName }

// AlertRulesMetadata returns the AnalyticsRule metadata of the workspace, by the name of the rule each
// describes (lower case).
func (c *Client) AlertRulesMetadata(ctx context.Context) (map[string]*AlertRuleMetadata, error) {
	items, truncated, err := c.ListAll(ctx, c.Path("metadata"), Query{Filter: "properties/kind eq 'AnalyticsRule'"}, 0)
	if err != nil {
		return nil, err
	}
	if truncated {
		return nil, fmt.Errorf("sentinel: the workspace has more metadata items than can be listed at once (%d read)", len(items))
	}
	out := map[string]*AlertRuleMetadata{}
	for _, raw := range items {
		var m AlertRuleMetadata
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("sentinel: a metadata item is not the expected JSON: %v", err)
		}
		if strings.EqualFold(rulesStr(m.Properties, "kind"), "AnalyticsRule") {
			out[strings.ToLower(m.ParentName())] = &m
		}
	}
	return out, nil
}

// PutAlertRuleMetadata writes the metadata of the rule ruleName (properties from
// content.Rule.MetadataProperties).
func (c *Client) PutAlertRuleMetadata(ctx context.Context, ruleName string, props map[string]any) error {
	path, err := c.ResourcePath("metadata", AlertRuleMetadataName(ruleName))
	if err != nil {
		return err
	}
	_, err = c.arm.Put(ctx, path, map[string]any{"properties": props}, nil)
	return err
}

// DeleteAlertRuleMetadata deletes the metadata of the rule ruleName, if any.
func (c *Client) DeleteAlertRuleMetadata(ctx context.Context, ruleName string) error {
	return rulesDelete(ctx, c, "", "metadata", AlertRuleMetadataName(ruleName))
}

// rulesListTyped lists a collection into typed items; a listing cut by the client's caps is an error
// rather than a silently partial answer.
func rulesListTyped[T any](ctx context.Context, c *Client, what string, segments ...string) ([]*T, error) {
	items, truncated, err := c.ListAll(ctx, c.Path(segments...), Query{}, 0)
	if err != nil {
		return nil, err
	}
	if truncated {
		return nil, fmt.Errorf("sentinel: the workspace has more %s than can be listed at once (%d read)", what, len(items))
	}
	out := make([]*T, 0, len(items))
	for _, raw := range items {
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return nil, fmt.Errorf("sentinel: an item of %s is not the expected JSON: %v", what, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// rulesPut PUTs body at path: create-only (If-None-Match: *), or guarded by etag (body and If-Match).
// It returns the answer's etag header.
func rulesPut(ctx context.Context, c *Client, path string, body map[string]any, etag string, create bool, out any) (string, error) {
	o := &azure.WriteOptions{}
	if create {
		o.IfNoneMatch = "*"
	} else if etag != "" {
		body["etag"], o.IfMatch = etag, etag
	}
	resp, err := c.arm.Put(ctx, path, body, o)
	if err != nil {
		return "", err
	}
	return resp.ETag(), resp.Decode(out)
}

func rulesDelete(ctx context.Context, c *Client, etag string, segments ...string) error {
	path, err := c.ResourcePath(segments...)
	if err != nil {
		return err
	}
	_, err = c.arm.Delete(ctx, path, &azure.WriteOptions{IfMatch: etag})
	if azure.IsNotFound(err) {
		return nil
	}
	return err
}

func rulesStr(p map[string]any, k string) string {
	s, _ := p[k].(string)
	return s
}

func rulesStrs(p map[string]any, k string) []string {
	arr, _ := p[k].([]any)
	out := make([]string, 0, len(arr))
	for _, v := range arr {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func rulesHasFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// rulesCloneProps deep-copies a JSON object (maps and slices).
func rulesCloneProps(p map[string]any) map[string]any {
	if p == nil {
		return map[string]any{}
	}
	return rulesCloneJSON(p).(map[string]any)
}

func rulesCloneJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = rulesCloneJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = rulesCloneJSON(e)
		}
		return s
	}
	return v
}
