package rules

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type createIn struct {
	toolkit.WorkspaceArg
	Kind        string `json:"kind,omitempty" jsonschema:"Scheduled (default) or NRT (near-real-time: runs every minute over new data)."`
	DisplayName string `json:"display_name" jsonschema:"Display name."`
	Query       string `json:"query" jsonschema:"KQL query; validated before anything is written."`
	Severity    string `json:"severity" jsonschema:"Alert severity."`
	spec
}

func createRule(d *toolkit.Deps) inventory.Tool {
	opts := append([]inventory.Option{inventory.Enum("kind", sentinel.AlertRuleScheduled, sentinel.AlertRuleNRT),
		inventory.Default("kind", sentinel.AlertRuleScheduled)}, specOptions...)
	return inventory.New(Name, mcp.Tool{
		Name: "create_analytics_rule",
		Description: "Create a Scheduled or NRT analytics rule: query (validated first), schedule, trigger, severity, MITRE tactics and techniques, " +
			"entity mappings, incident settings. Defaults: every 5h over 5h, alert when results > 0, one incident per alert.",
		Annotations: inventory.Annotations("Create an analytics rule", inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in createIn) (*mcp.CallToolResult, writeOut, error) {
		if in.Kind == "" {
			in.Kind = sentinel.AlertRuleScheduled
		}
		sp := in.spec
		sp.DisplayName, sp.Query, sp.Severity = &in.DisplayName, &in.Query, in.Severity
		props := newRuleProperties(in.Kind)
		if _, err := sp.apply(in.Kind, props); err != nil {
			return nil, writeOut{}, err
		}
		warns, err := checkRuleQuery("create_analytics_rule", props["query"].(string))
		if err != nil {
			return nil, writeOut{}, err
		}
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, writeOut{}, err
		}
		// Sentinel accepts two rules with one display name, but then the name no longer picks a rule
		// in the other tools: say so rather than leave the surprise for later.
		if rules, err := t.listAll(ctx); err == nil {
			if same := sameDisplayName(rules, in.DisplayName); len(same) > 0 {
				warns = append(warns, fmt.Sprintf("another rule of %s already has this display name (%s): pass rules by their name (GUID) from now on",
					t.ws.Alias, strings.Join(same, ", ")))
			}
		}
		rule := &sentinel.AlertRule{Name: newGUID(), Kind: in.Kind, Properties: props}
		created, err := t.c.PutAlertRule(ctx, rule, true)
		if err != nil {
			return nil, writeOut{}, writeError("creating the analytics rule in "+t.ws.Alias, err)
		}
		audit.RecordChange(ctx, nil, created)
		out := writeOut{Tenant: t.ws.TenantName, Workspace: t.ws.Alias, Rule: summarize(created), Warnings: warns}
		return writeText("Created", t, created, nil, nil, warns), out, nil
	}, opts...)
}

// newRuleProperties are the properties of a new Scheduled or NRT rule before the caller's spec: the
// portal's defaults.
func newRuleProperties(kind string) map[string]any {
	p := map[string]any{
		"displayName": "", "description": "", "severity": "Medium", "enabled": true, "query": "",
		"tactics": []any{}, "techniques": []any{}, "subTechniques": []any{},
		"suppressionDuration": "PT5H", "suppressionEnabled": false, "alertRuleTemplateName": nil,
		"eventGroupingSettings": map[string]any{"aggregationKind": "SingleAlert"},
		"incidentConfiguration": defaultIncidentConfig(), "entityMappings": []any{},
	}
	if kind == sentinel.AlertRuleScheduled {
		p["queryFrequency"], p["queryPeriod"], p["triggerOperator"], p["triggerThreshold"] = "PT5H", "PT5H", "GreaterThan", 0
	}
	return p
}

type updateIn struct {
	toolkit.WorkspaceArg
	Rule        string  `json:"rule" jsonschema:"The rule: its name (GUID), resource id or display name."`
	Etag        string  `json:"etag,omitempty" jsonschema:"The etag from get_analytics_rule: update only if the rule is still that version."`
	DisplayName *string `json:"display_name,omitempty" jsonschema:"Display name."`
	Query       *string `json:"query,omitempty" jsonschema:"KQL query; validated before anything is written."`
	Severity    string  `json:"severity,omitempty" jsonschema:"Alert severity."`
	spec
}

func updateRule(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "update_analytics_rule",
		Description: "Change properties of an analytics rule (only those given): query (validated first), schedule, trigger, severity, tactics, entity mappings, incident settings. Refused if the rule changed since it was read.",
		Annotations: inventory.Annotations("Update an analytics rule", inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in updateIn) (*mcp.CallToolResult, writeOut, error) {
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, writeOut{}, err
		}
		before, err := t.findRule(ctx, in.Rule)
		if err != nil {
			return nil, writeOut{}, err
		}
		after := before.Clone()
		sp := in.spec
		sp.DisplayName, sp.Query, sp.Severity = in.DisplayName, in.Query, in.Severity
		changed, err := sp.apply(before.Kind, after.Properties)
		if err != nil {
			return nil, writeOut{}, err
		}
		var warns []string
		if in.Query != nil {
			if warns, err = checkRuleQuery("update_analytics_rule", after.Query()); err != nil {
				return nil, writeOut{}, err
			}
		}
		return t.writeRule(ctx, before, after, in.Etag, changed, warns)
	}, specOptions...)
}

// writeRule writes after over before with the etag the caller read (or the one just read), unless nothing
// changes, and reports the change for the audit log.
func (t *target) writeRule(ctx context.Context, before, after *sentinel.AlertRule, etag string, changed, warns []string) (*mcp.CallToolResult, writeOut, error) {
	out := writeOut{Tenant: t.ws.TenantName, Workspace: t.ws.Alias, Warnings: warns}
	if etag != "" {
		// The caller's etag is sent as it is: Azure refuses the write if the rule is no longer that version.
		after.Etag = etag
	}
	if len(changed) == 0 && (etag == "" || sameEtag(etag, before.Etag)) {
		out.Rule = summarize(before)
		out.Warnings = append(out.Warnings, "nothing to change: the rule already has these values")
		return toolkit.Text(fmt.Sprintf("Nothing to change: analytics rule %q in %s already has these values.",
			before.DisplayName(), toolkit.WorkspaceName(t.ws))), out, nil
	}
	written, err := t.c.PutAlertRule(ctx, after, false)
	if err != nil {
		return nil, out, writeError(fmt.Sprintf("updating analytics rule %q in %s", before.DisplayName(), t.ws.Alias), err)
	}
	audit.RecordChange(ctx, before, written)
	out.Rule, out.Changed = summarize(written), changed
	verb := "Updated"
	if len(changed) == 1 && changed[0] == "enabled" {
		verb = map[bool]string{true: "Enabled", false: "Disabled"}[written.Enabled()]
		changed = nil
	}
	return writeText(verb, t, written, before, changed, warns), out, nil
}

// writeText is the answer of a rule write: what was done to which rule where, the changes (before ->
// after), and the warnings.
func writeText(verb string, t *target, r, before *sentinel.AlertRule, changed, warns []string) *mcp.CallToolResult {
	var b strings.Builder
	state := "enabled"
	if !r.Enabled() {
		state = "disabled"
	}
	fmt.Fprintf(&b, "%s analytics rule %q in %s: %s, severity %s, %s; name %s (pass it as rule).", verb, r.DisplayName(),
		toolkit.WorkspaceName(t.ws), r.Kind, orNone(r.Severity()), state, r.Name)
	if len(changed) > 0 {
		b.WriteString("\nChanged:")
		for _, k := range changed {
			b.WriteString("\n- " + changeLine(k, before.Properties[k], r.Properties[k]))
		}
	}
	for _, w := range warns {
		b.WriteString("\nWarning: " + w)
	}
	return toolkit.Text(b.String())
}

// changeLine says how one property changed: "triggerThreshold: 0 -> 5"; long or structured values
// (the query, entity mappings) only say that they changed.
func changeLine(k string, before, after any) string {
	short := func(v any) (string, bool) {
		switch x := v.(type) {
		case nil:
			return "(none)", true
		case string:
			return x, len(x) <= 60 && !strings.Contains(x, "\n")
		case bool, float64, int, int64:
			return fmt.Sprint(x), true
		case []any:
			if len(x) == 0 {
				return "(none)", true
			}
			parts := make([]string, len(x))
			for i, e := range x {
				s, ok := e.(string)
				if !ok {
					return "", false
				}
				parts[i] = s
			}
			s := strings.Join(parts, ", ")
			return s, len(s) <= 80
		}
		return "", false
	}
	b, okb := short(before)
	a, oka := short(after)
	if !okb || !oka {
		return k + " changed"
	}
	return k + ": " + b + " -> " + a
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// sameDisplayName lists the rules named like display (any case).
func sameDisplayName(rules []*sentinel.AlertRule, display string) []string {
	var out []string
	for _, r := range rules {
		if strings.EqualFold(strings.TrimSpace(r.DisplayName()), strings.TrimSpace(display)) {
			out = append(out, r.Name)
		}
	}
	return out
}

func sameEtag(a, b string) bool {
	norm := func(s string) string { return strings.Trim(strings.TrimPrefix(strings.TrimSpace(s), "W/"), `"`) }
	return norm(a) == norm(b)
}

type enableIn struct {
	toolkit.WorkspaceArg
	Rule string `json:"rule" jsonschema:"The rule: its name (GUID), resource id or display name."`
	Etag string `json:"etag,omitempty" jsonschema:"Change only if the rule is still this version (from get_analytics_rule)."`
}

func enableRule(d *toolkit.Deps, enable bool) inventory.Tool {
	name, title, desc := "enable_analytics_rule", "Enable an analytics rule", "Enable an analytics rule so it runs again."
	if !enable {
		name, title, desc = "disable_analytics_rule", "Disable an analytics rule", "Disable an analytics rule: it stops running and creating alerts; it is kept and can be enabled again."
	}
	return inventory.New(Name, mcp.Tool{
		Name:        name,
		Description: desc,
		Annotations: inventory.Annotations(title, inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in enableIn) (*mcp.CallToolResult, writeOut, error) {
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, writeOut{}, err
		}
		before, err := t.findRule(ctx, in.Rule)
		if err != nil {
			return nil, writeOut{}, err
		}
		after := before.Clone()
		changed, _ := (&spec{Enabled: &enable}).apply(before.Kind, after.Properties)
		return t.writeRule(ctx, before, after, in.Etag, changed, nil)
	})
}

type deleteIn struct {
	toolkit.WorkspaceArg
	Rule string `json:"rule" jsonschema:"The rule: its name (GUID), resource id or display name."`
	Etag string `json:"etag,omitempty" jsonschema:"Delete only if the rule is still this version (from get_analytics_rule)."`
}

type deleteOut struct {
	Tenant    string      `json:"tenant"`
	Workspace string      `json:"workspace"`
	Deleted   ruleSummary `json:"deleted"`
}

func deleteRule(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "delete_analytics_rule",
		Description: "Delete an analytics rule (asks for confirmation). Consider disable_analytics_rule to stop it but keep it.",
		Annotations: inventory.Annotations("Delete an analytics rule", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in deleteIn) (*mcp.CallToolResult, deleteOut, error) {
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, deleteOut{}, err
		}
		r, err := t.findRule(ctx, in.Rule)
		if err != nil {
			return nil, deleteOut{}, err
		}
		etag := r.Etag
		if in.Etag != "" {
			etag = in.Etag // Azure refuses the deletion if the rule is no longer that version
		}
		if err := t.c.DeleteAlertRule(ctx, r.Name, etag); err != nil {
			return nil, deleteOut{}, writeError(fmt.Sprintf("deleting analytics rule %q in %s", r.DisplayName(), t.ws.Alias), err)
		}
		audit.RecordChange(ctx, r, nil)
		// Its provenance record (written by import_analytics_rules) goes with it; a failure leaves an orphan
		// record that nothing reads, so it is not an error of the deletion.
		_ = t.c.DeleteAlertRuleMetadata(ctx, r.Name)
		return toolkit.Text(fmt.Sprintf("Deleted analytics rule %q (%s, name %s) from %s.", r.DisplayName(), r.Kind, r.Name, toolkit.WorkspaceName(t.ws))),
			deleteOut{Tenant: t.ws.TenantName, Workspace: t.ws.Alias, Deleted: summarize(r)}, nil
	}, inventory.Plan(func(ctx context.Context, in deleteIn) (string, error) {
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return "", err
		}
		r, err := t.findRule(ctx, in.Rule)
		if err != nil {
			return "", err
		}
		return "Would delete " + describeRule(r) + ".", nil
	}))
}

// describeRule is a one-line description of a rule for plans.
func describeRule(r *sentinel.AlertRule) string {
	state := "enabled"
	if !r.Enabled() {
		state = "disabled"
	}
	s := fmt.Sprintf("analytics rule %q (name %s, %s, %s", r.DisplayName(), r.Name, r.Kind, state)
	if r.Severity() != "" {
		s += ", severity " + r.Severity()
	}
	if r.TemplateName() != "" {
		s += ", from template " + r.TemplateName()
	}
	if r.LastModified() != "" {
		s += ", last modified " + r.LastModified()
	}
	return s + ")"
}

func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// jsonValue converts a typed value to its generic JSON form (maps, slices, float64), as ARM bodies hold.
func jsonValue(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(raw, &out)
	return out
}
