// Package automation is the automation rules toolset: list, read, create, update, enable, disable and
// delete the automation rules of Sentinel workspaces (conditions on incidents or alerts, and actions:
// change properties, run a playbook, add a task), with their order and expiration.
//
// Writes read the rule first and send the etag they read, so a rule changed in between is a conflict and
// nothing is written; every change is reported for the audit log.
package automation

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "automation"

// Tools returns the toolset's tools. It only builds values: d's clients may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{listRules(d), getRule(d), createRule(d), updateRule(d), enableRule(d, true), enableRule(d, false), deleteRule(d)}
}

var errNoAzure = errors.New("no Azure access is configured: configure azure.credential (see README, Configuration) or run with --emulator")

type target struct {
	ws *tenancy.Workspace
	c  *sentinel.Client
}

func workspace(ctx context.Context, d *toolkit.Deps, ref string) (*target, error) {
	if d == nil || d.Registry == nil || d.Azure == nil {
		return nil, errNoAzure
	}
	ws, err := d.Registry.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	return clientFor(d, ws)
}

func clientFor(d *toolkit.Deps, ws *tenancy.Workspace) (*target, error) {
	c, err := sentinel.New(d.Azure, ws)
	if err != nil {
		return nil, toolkit.Unavailable("connecting to "+ws.Alias, err, "")
	}
	return &target{ws: ws, c: c}, nil
}

func (t *target) listAll(ctx context.Context) ([]*sentinel.AutomationRule, error) {
	rules, err := t.c.AutomationRules(ctx)
	if err != nil {
		return nil, toolkit.Unavailable("listing the automation rules of "+t.ws.Alias, err, "")
	}
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Order() < rules[j].Order() })
	return rules, nil
}

// findRule finds a rule by name (GUID), resource id or display name (case-insensitive).
func (t *target) findRule(ctx context.Context, ref string) (*sentinel.AutomationRule, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, toolkit.ArgError("rule", "is empty: give the automation rule's name (GUID) or display name; list_automation_rules shows them")
	}
	name := ref
	if i := strings.LastIndex(strings.ToLower(ref), "/automationrules/"); i >= 0 {
		name = ref[i+len("/automationrules/"):]
	}
	if !strings.ContainsAny(name, " /\\?#") {
		r, err := t.c.AutomationRule(ctx, name)
		if err == nil {
			return r, nil
		}
		if !azure.IsNotFound(err) {
			return nil, toolkit.Unavailable("reading automation rule "+name+" of "+t.ws.Alias, err, "")
		}
	}
	all, err := t.listAll(ctx)
	if err != nil {
		return nil, err
	}
	var hits []*sentinel.AutomationRule
	var names []string
	for _, r := range all {
		if strings.EqualFold(strings.TrimSpace(r.DisplayName()), ref) {
			hits = append(hits, r)
		}
		names = append(names, r.DisplayName())
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		hint := "list_automation_rules shows the automation rules of " + t.ws.Alias
		if s := inventory.Closest(ref, names); s != "" {
			hint = fmt.Sprintf("did you mean %q? %s", s, hint)
		}
		return nil, toolkit.NotFound("automation rule", ref, hint)
	}
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.Name)
	}
	return nil, toolkit.ArgError("rule", "%d automation rules are named %q: pass the name of one: %s", len(hits), ref, strings.Join(ids, ", "))
}

type listIn struct {
	toolkit.TargetsArg
	Enabled *bool  `json:"enabled,omitempty"`
	Search  string `json:"search,omitempty" jsonschema:"Text in the display name."`
	Limit   int    `json:"limit,omitempty"`
	Cursor  string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
}

type failure struct {
	Workspace string `json:"workspace"`
	Error     string `json:"error"`
}

type listOut struct {
	Workspaces []string      `json:"workspaces"`
	Result     render.Result `json:"result"`
	Failed     []failure     `json:"failed,omitempty"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func listRules(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_automation_rules",
		Description: "List automation rules of one or many workspaces in run order: trigger, conditions, actions, state and expiration.",
		Annotations: inventory.Annotations("List automation rules", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in listIn) (*mcp.CallToolResult, listOut, error) {
		if d == nil || d.Registry == nil || d.Azure == nil {
			return nil, listOut{}, errNoAzure
		}
		filters := in
		filters.Cursor, filters.Limit = "", 0
		pager, err := toolkit.NewPager("list_automation_rules", filters, in.Cursor)
		if err != nil {
			return nil, listOut{}, err
		}
		wss, err := d.Registry.Select(ctx, in.Selector())
		if err != nil {
			return nil, listOut{}, err
		}
		fo := d.Registry.FanOut()
		outs := fanout.Run(ctx, wss, fanout.Options{Concurrency: fo.Concurrency, PerTargetTimeout: fo.PerWorkspaceTimeout},
			func(ctx context.Context, ws *tenancy.Workspace) ([]*sentinel.AutomationRule, error) {
				t, err := clientFor(d, ws)
				if err != nil {
					return nil, err
				}
				return t.listAll(ctx)
			})
		if err := toolkit.AllFailed("listing automation rules", outs); err != nil {
			return nil, listOut{}, err
		}
		multi := len(wss) > 1
		tbl := &render.Table{}
		if multi {
			tbl.Columns = append(tbl.Columns, render.Column{Name: "workspace"})
		}
		tbl.Columns = append(tbl.Columns, []render.Column{{Name: "order", Type: "long"}, {Name: "name"}, {Name: "display_name"},
			{Name: "enabled", Type: "bool"}, {Name: "trigger"}, {Name: "conditions"}, {Name: "actions"}, {Name: "expires"},
			{Name: "last_modified", Type: "datetime"}}...)
		out := listOut{Workspaces: []string{}}
		var read []*tenancy.Workspace
		for _, o := range outs {
			if o.Err != nil {
				out.Failed = append(out.Failed, failure{Workspace: o.Target.Alias, Error: o.Err.Error()})
				continue
			}
			read = append(read, o.Target)
			out.Workspaces = append(out.Workspaces, o.Target.Alias)
			for _, r := range o.Value {
				if in.Enabled != nil && r.Enabled() != *in.Enabled ||
					in.Search != "" && !strings.Contains(strings.ToLower(r.DisplayName()), strings.ToLower(in.Search)) {
					continue
				}
				row := []any{r.Order(), r.Name, r.DisplayName(), r.Enabled(), r.TriggersOn() + " " + strings.ToLower(r.TriggersWhen()),
					describeConditions(r.Conditions()), describeActions(r.Actions()), r.Expiration(), r.LastModified()}
				if multi {
					row = append([]any{o.Target.Alias}, row...)
				}
				tbl.Rows = append(tbl.Rows, row)
			}
		}
		res, rep, next, err := pager.Page(d, tbl, render.FormatTable, in.Limit)
		if err != nil {
			return nil, listOut{}, err
		}
		out.Result, out.NextCursor = rep, next
		if len(out.Failed) > 0 {
			var b strings.Builder
			fmt.Fprintf(&b, "\n%d workspace(s) could not be read:", len(out.Failed))
			for _, f := range out.Failed {
				fmt.Fprintf(&b, "\n- %s: %s", f.Workspace, f.Error)
			}
			res.Content[0].(*mcp.TextContent).Text += b.String()
		}
		toolkit.WithHeading(res, toolkit.Count(len(tbl.Rows), "automation rule", "automation rules")+" in "+toolkit.Scope(read)+", in run order.")
		return res, out, nil
	}, inventory.Range("limit", 1, 1000))
}

type getIn struct {
	toolkit.WorkspaceArg
	Rule string `json:"rule" jsonschema:"Name (GUID), resource id or display name."`
}

type getOut struct {
	Tenant     string         `json:"tenant"`
	Workspace  string         `json:"workspace"`
	Name       string         `json:"name"`
	Etag       string         `json:"etag,omitempty"`
	Properties map[string]any `json:"properties"`
}

func getRule(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_automation_rule",
		Description: "Get an automation rule with its trigger, conditions, actions, order, expiration and etag.",
		Annotations: inventory.Annotations("Get an automation rule", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in getIn) (*mcp.CallToolResult, getOut, error) {
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, getOut{}, err
		}
		r, err := t.findRule(ctx, in.Rule)
		if err != nil {
			return nil, getOut{}, err
		}
		return nil, getOut{Tenant: t.ws.TenantName, Workspace: t.ws.Alias, Name: r.Name, Etag: r.Etag, Properties: r.Properties}, nil
	})
}

// describeConditions summarizes conditions for a table cell.
func describeConditions(cs []any) string {
	if len(cs) == 0 {
		return "always"
	}
	var parts []string
	for _, c := range cs {
		parts = append(parts, describeCondition(c))
	}
	return strings.Join(parts, " and ")
}

func describeCondition(c any) string {
	m, _ := c.(map[string]any)
	p, _ := m["conditionProperties"].(map[string]any)
	str := func(k string) string { s, _ := p[k].(string); return s }
	vals := func() string {
		arr, _ := p["propertyValues"].([]any)
		var ss []string
		for _, v := range arr {
			s := fmt.Sprint(v)
			if i := strings.LastIndex(s, "/"); i >= 0 && strings.HasPrefix(s, "/subscriptions/") {
				s = s[i+1:] // a rule resource id: its name is enough here
			}
			ss = append(ss, s)
		}
		return strings.Join(ss, ", ")
	}
	switch t, _ := m["conditionType"].(string); t {
	case "Property":
		return fmt.Sprintf("%s %s (%s)", str("propertyName"), str("operator"), vals())
	case "PropertyChanged":
		return fmt.Sprintf("%s %s %s (%s)", str("propertyName"), str("changeType"), str("operator"), vals())
	case "PropertyArrayChanged":
		return fmt.Sprintf("%s %s", str("arrayType"), str("changeType"))
	default:
		return t
	}
}

// describeActions summarizes actions for a table cell, in their order.
func describeActions(as []any) string {
	sorted := append([]any(nil), as...)
	order := func(a any) float64 { m, _ := a.(map[string]any); n, _ := m["order"].(float64); return n }
	sort.SliceStable(sorted, func(i, j int) bool { return order(sorted[i]) < order(sorted[j]) })
	var parts []string
	for _, a := range sorted {
		m, _ := a.(map[string]any)
		typ, _ := m["actionType"].(string)
		cfg, _ := m["actionConfiguration"].(map[string]any)
		var details []string
		switch typ {
		case "ModifyProperties":
			for _, k := range []string{"status", "severity", "classification", "classificationReason"} {
				if v, ok := cfg[k].(string); ok && v != "" {
					details = append(details, k+"="+v)
				}
			}
			if o, ok := cfg["owner"].(map[string]any); ok {
				for _, k := range []string{"userPrincipalName", "email", "objectId"} {
					if v, _ := o[k].(string); v != "" {
						details = append(details, "owner="+v)
						break
					}
				}
			}
			if ls, ok := cfg["labels"].([]any); ok && len(ls) > 0 {
				var names []string
				for _, l := range ls {
					if m, _ := l.(map[string]any); m != nil {
						if n, _ := m["labelName"].(string); n != "" {
							names = append(names, textsafe.Line(n))
						}
					}
				}
				details = append(details, "labels+="+strings.Join(names, "+"))
			}
		case "RunPlaybook":
			if id, _ := cfg["logicAppResourceId"].(string); id != "" {
				details = append(details, id[strings.LastIndex(id, "/")+1:])
			}
		case "AddIncidentTask":
			if title, _ := cfg["title"].(string); title != "" {
				details = append(details, title)
			}
		}
		parts = append(parts, typ+"("+strings.Join(details, ", ")+")")
	}
	return strings.Join(parts, "; ")
}
