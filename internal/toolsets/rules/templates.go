package rules

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type listTemplatesIn struct {
	toolkit.WorkspaceArg
	Kind     string `json:"kind,omitempty"`
	Tactic   string `json:"tactic,omitempty"`
	DataType string `json:"data_type,omitempty" jsonschema:"A table it needs, e.g. SigninLogs."`
	Search   string `json:"search,omitempty" jsonschema:"Text in the display name."`
	NotInUse bool   `json:"not_in_use,omitempty" jsonschema:"Only templates no rule uses yet."`
	Limit    int    `json:"limit,omitempty"`
	Cursor   string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
}

type listTemplatesOut struct {
	Workspace  string        `json:"workspace"`
	Result     render.Result `json:"result"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func listTemplates(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_rule_templates",
		Description: "List the analytics rule templates of a workspace (kind, severity, tactics, needed tables, rules using each), with filters.",
		Annotations: inventory.Annotations("List rule templates", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in listTemplatesIn) (*mcp.CallToolResult, listTemplatesOut, error) {
		var tactic string
		if in.Tactic != "" {
			ts, err := normTactics("tactic", []string{in.Tactic})
			if err != nil {
				return nil, listTemplatesOut{}, err
			}
			tactic = ts[0]
		}
		filters := in
		filters.Cursor, filters.Limit = "", 0
		pager, err := toolkit.NewPager("list_rule_templates", filters, in.Cursor)
		if err != nil {
			return nil, listTemplatesOut{}, err
		}
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, listTemplatesOut{}, err
		}
		tpls, err := t.c.AlertRuleTemplates(ctx)
		if err != nil {
			return nil, listTemplatesOut{}, toolkit.Unavailable("listing the rule templates of "+t.ws.Alias, err, "")
		}
		rules, err := t.listAll(ctx)
		if err != nil {
			return nil, listTemplatesOut{}, err
		}
		inUse := map[string]int{}
		for _, r := range rules {
			if n := strings.ToLower(r.TemplateName()); n != "" {
				inUse[n]++
			}
		}
		tbl := &render.Table{Columns: []render.Column{{Name: "name"}, {Name: "display_name"}, {Name: "kind"}, {Name: "severity"},
			{Name: "tactics"}, {Name: "techniques"}, {Name: "data_types"}, {Name: "version"}, {Name: "rules", Type: "long"}}}
		for _, tp := range tpls {
			used := inUse[strings.ToLower(tp.Name)]
			switch {
			case in.Kind != "" && !strings.EqualFold(tp.Kind, in.Kind),
				tactic != "" && !hasFold(tp.Tactics(), tactic),
				in.DataType != "" && !hasFold(tp.DataTypes(), in.DataType),
				in.Search != "" && !strings.Contains(strings.ToLower(tp.DisplayName()), strings.ToLower(in.Search)),
				in.NotInUse && used > 0:
				continue
			}
			tbl.Rows = append(tbl.Rows, []any{tp.Name, tp.DisplayName(), tp.Kind, tp.Severity(), strings.Join(tp.Tactics(), ", "),
				strings.Join(tp.Techniques(), ", "), strings.Join(tp.DataTypes(), ", "), tp.Version(), used})
		}
		res, rep, next, err := pager.Page(d, tbl, render.FormatTable, in.Limit)
		if err != nil {
			return nil, listTemplatesOut{}, err
		}
		toolkit.WithHeading(res, toolkit.Count(len(tbl.Rows), "rule template", "rule templates")+" in "+toolkit.WorkspaceName(t.ws)+".")
		return res, listTemplatesOut{Workspace: t.ws.Alias, Result: rep, NextCursor: next}, nil
	}, inventory.Enum("kind", ruleKinds...), inventory.Range("limit", 1, 1000))
}

type getTemplateIn struct {
	toolkit.WorkspaceArg
	Template string `json:"template" jsonschema:"Name (GUID) or display name."`
}

type getTemplateOut struct {
	Tenant     string         `json:"tenant"`
	Workspace  string         `json:"workspace"`
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	Properties map[string]any `json:"properties"`
	Rules      []string       `json:"rules" jsonschema:"rules created from it"`
}

func getTemplate(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_rule_template",
		Description: "Get an analytics rule template (query, schedule, tactics, data connectors) and the rules created from it.",
		Annotations: inventory.Annotations("Get a rule template", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in getTemplateIn) (*mcp.CallToolResult, getTemplateOut, error) {
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, getTemplateOut{}, err
		}
		tp, err := t.findTemplate(ctx, in.Template)
		if err != nil {
			return nil, getTemplateOut{}, err
		}
		rules, err := t.listAll(ctx)
		if err != nil {
			return nil, getTemplateOut{}, err
		}
		return nil, getTemplateOut{Tenant: t.ws.TenantName, Workspace: t.ws.Alias, Name: tp.Name, Kind: tp.Kind,
			Properties: tp.Properties, Rules: rulesFromTemplate(rules, tp.Name)}, nil
	})
}

func rulesFromTemplate(rules []*sentinel.AlertRule, template string) []string {
	out := []string{}
	for _, r := range rules {
		if strings.EqualFold(r.TemplateName(), template) {
			out = append(out, r.Name)
		}
	}
	return out
}

// findTemplate finds a template by name or display name.
func (t *target) findTemplate(ctx context.Context, ref string) (*sentinel.AlertRuleTemplate, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, toolkit.ArgError("template", "is empty: give the template's name (GUID) or display name; list_rule_templates shows them")
	}
	if looksLikeName(ref) {
		tp, err := t.c.AlertRuleTemplate(ctx, ref)
		if err == nil {
			return tp, nil
		}
		if !azure.IsNotFound(err) {
			return nil, toolkit.Unavailable("reading rule template "+ref+" of "+t.ws.Alias, err, "")
		}
	}
	tpls, err := t.c.AlertRuleTemplates(ctx)
	if err != nil {
		return nil, toolkit.Unavailable("listing the rule templates of "+t.ws.Alias, err, "")
	}
	var names []string
	for _, tp := range tpls {
		if strings.EqualFold(tp.Name, ref) || strings.EqualFold(strings.TrimSpace(tp.DisplayName()), ref) {
			return tp, nil
		}
		names = append(names, tp.DisplayName())
	}
	hint := "list_rule_templates shows the templates of " + t.ws.Alias
	if s := inventory.Closest(ref, names); s != "" {
		hint = fmt.Sprintf("did you mean %q? %s", s, hint)
	}
	return nil, toolkit.NotFound("rule template", ref, hint)
}

type fromTemplateIn struct {
	toolkit.WorkspaceArg
	Template    string `json:"template" jsonschema:"The template: its name (GUID) or display name."`
	DisplayName string `json:"display_name,omitempty" jsonschema:"Display name (default: the template's)."`
	Severity    string `json:"severity,omitempty" jsonschema:"Severity (default: the template's)."`
	Enabled     *bool  `json:"enabled,omitempty" jsonschema:"Whether the rule runs (default true)."`
}

// templateCopied are the template properties a rule created from it takes over.
var templateCopied = []string{"displayName", "description", "severity", "query", "queryFrequency", "queryPeriod",
	"triggerOperator", "triggerThreshold", "tactics", "techniques", "subTechniques", "entityMappings", "customDetails",
	"alertDetailsOverride", "eventGroupingSettings", "sentinelEntitiesMappings", "productFilter", "severitiesFilter",
	"displayNamesFilter", "displayNamesExcludeFilter"}

func createFromTemplate(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "create_rule_from_template",
		Description: "Create an analytics rule from a rule template (its query validated first), optionally with another name, severity or disabled.",
		Annotations: inventory.Annotations("Create a rule from a template", inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in fromTemplateIn) (*mcp.CallToolResult, writeOut, error) {
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, writeOut{}, err
		}
		tp, err := t.findTemplate(ctx, in.Template)
		if err != nil {
			return nil, writeOut{}, err
		}
		rule := ruleFromTemplate(tp)
		sp := spec{Enabled: in.Enabled, Severity: in.Severity}
		if in.DisplayName != "" {
			sp.DisplayName = &in.DisplayName
		}
		if _, err := sp.apply(rule.Kind, rule.Properties); err != nil {
			return nil, writeOut{}, err
		}
		var warns []string
		if rule.HasQuery() {
			if warns, err = checkRuleQuery("create_rule_from_template", rule.Query()); err != nil {
				return nil, writeOut{}, err
			}
		}
		rules, err := t.listAll(ctx)
		if err != nil {
			return nil, writeOut{}, err
		}
		if used := rulesFromTemplate(rules, tp.Name); len(used) > 0 {
			warns = append(warns, fmt.Sprintf("the workspace already had %d rule(s) from this template: %s", len(used), strings.Join(used, ", ")))
		}
		created, err := t.c.PutAlertRule(ctx, rule, true)
		if err != nil {
			return nil, writeOut{}, writeError(fmt.Sprintf("creating a rule from template %q in %s", tp.DisplayName(), t.ws.Alias), err)
		}
		audit.RecordChange(ctx, nil, created)
		return writeText("Created", t, created, nil, nil, warns), writeOut{Tenant: t.ws.TenantName, Workspace: t.ws.Alias, Rule: summarize(created), Warnings: warns}, nil
	}, inventory.Enum("severity", severities...))
}

// ruleFromTemplate builds a new rule as the portal does from a template: its properties, the portal's
// defaults for what a template does not carry, and the link to the template (name and version).
func ruleFromTemplate(tp *sentinel.AlertRuleTemplate) *sentinel.AlertRule {
	p := map[string]any{"enabled": true, "alertRuleTemplateName": tp.Name}
	if v := tp.Version(); v != "" {
		p["templateVersion"] = v
	}
	switch tp.Kind {
	case sentinel.AlertRuleScheduled, sentinel.AlertRuleNRT:
		p = newRuleProperties(tp.Kind)
		p["alertRuleTemplateName"] = tp.Name
		if v := tp.Version(); v != "" {
			p["templateVersion"] = v
		}
		fallthrough
	case sentinel.AlertRuleIncidentCreation:
		src := tp.PropertiesCopy()
		for _, k := range templateCopied {
			if v, ok := src[k]; ok && v != nil {
				p[k] = v
			}
		}
	}
	// Fusion and the other built-in kinds take everything else from the template.
	return &sentinel.AlertRule{Name: newGUID(), Kind: tp.Kind, Properties: p}
}
