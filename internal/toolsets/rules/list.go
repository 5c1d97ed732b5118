package rules

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type listIn struct {
	toolkit.TargetsArg
	Kind      string `json:"kind,omitempty"`
	Enabled   *bool  `json:"enabled,omitempty"`
	Severity  string `json:"severity,omitempty"`
	Tactic    string `json:"tactic,omitempty" jsonschema:"MITRE tactic, e.g. CredentialAccess."`
	Technique string `json:"technique,omitempty" jsonschema:"e.g. T1110 (matches its sub-techniques)."`
	Search    string `json:"search,omitempty" jsonschema:"Text in the display name."`
	Limit     int    `json:"limit,omitempty"`
	Cursor    string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
	Format    string `json:"format,omitempty"`
}

// failure is a workspace a multi-workspace tool could not read.
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

var ruleKinds = []any{sentinel.AlertRuleScheduled, sentinel.AlertRuleNRT, sentinel.AlertRuleFusion, sentinel.AlertRuleIncidentCreation}

var severities = []any{"High", "Medium", "Low", "Informational"}

func listRules(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_analytics_rules",
		Description: "List analytics rules of one or many workspaces (kind, state, severity, MITRE tactics/techniques, last modified), with filters.",
		Annotations: inventory.Annotations("List analytics rules", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in listIn) (*mcp.CallToolResult, listOut, error) {
		format, err := render.ParseFormat(in.Format)
		if err != nil {
			return nil, listOut{}, toolkit.ArgError("format", "%v", err)
		}
		var tactic string
		if in.Tactic != "" {
			ts, err := normTactics("tactic", []string{in.Tactic})
			if err != nil {
				return nil, listOut{}, err
			}
			tactic = ts[0]
		}
		filters := in
		filters.Cursor, filters.Limit, filters.Format = "", 0, ""
		pager, err := toolkit.NewPager("list_analytics_rules", filters, in.Cursor)
		if err != nil {
			return nil, listOut{}, err
		}
		wss, err := selectWorkspaces(ctx, d, in.TargetsArg)
		if err != nil {
			return nil, listOut{}, err
		}
		outs := forEach(ctx, d, wss, func(ctx context.Context, t *target) ([]*sentinel.AlertRule, error) {
			return t.listAll(ctx)
		})
		if err := toolkit.AllFailed("listing analytics rules", outs); err != nil {
			return nil, listOut{}, err
		}
		multi := len(wss) > 1
		tbl := &render.Table{}
		if multi {
			tbl.Columns = append(tbl.Columns, render.Column{Name: "workspace"})
		}
		tbl.Columns = append(tbl.Columns, []render.Column{{Name: "name"}, {Name: "display_name"}, {Name: "kind"},
			{Name: "enabled", Type: "bool"}, {Name: "severity"}, {Name: "tactics"}, {Name: "techniques"}, {Name: "template"},
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
				if !ruleMatches(r, in, tactic) {
					continue
				}
				row := []any{r.Name, r.DisplayName(), r.Kind, r.Enabled(), r.Severity(), strings.Join(r.Tactics(), ", "),
					strings.Join(r.Techniques(), ", "), r.TemplateName(), r.LastModified()}
				if multi {
					row = append([]any{o.Target.Alias}, row...)
				}
				tbl.Rows = append(tbl.Rows, row)
			}
		}
		res, rep, next, err := pager.Page(d, tbl, format, in.Limit)
		if err != nil {
			return nil, listOut{}, err
		}
		out.Result, out.NextCursor = rep, next
		toolkit.WithHeading(res, toolkit.Count(len(tbl.Rows), "analytics rule", "analytics rules")+" in "+toolkit.Scope(read)+".")
		appendFailures(res, out.Failed)
		return res, out, nil
	}, inventory.Enum("kind", ruleKinds...), inventory.Enum("severity", severities...),
		inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 1000))
}

func ruleMatches(r *sentinel.AlertRule, in listIn, tactic string) bool {
	if in.Kind != "" && !strings.EqualFold(r.Kind, in.Kind) {
		return false
	}
	if in.Enabled != nil && r.Enabled() != *in.Enabled {
		return false
	}
	if in.Severity != "" && !strings.EqualFold(r.Severity(), in.Severity) {
		return false
	}
	if tactic != "" && !hasFold(r.Tactics(), tactic) {
		return false
	}
	if in.Technique != "" && !hasTechnique(r.Techniques(), in.Technique) {
		return false
	}
	if in.Search != "" && !strings.Contains(strings.ToLower(r.DisplayName()), strings.ToLower(in.Search)) {
		return false
	}
	return true
}

// hasTechnique matches a technique or, for a parent technique, any of its sub-techniques.
func hasTechnique(list []string, t string) bool {
	t = strings.ToUpper(strings.TrimSpace(t))
	for _, x := range list {
		x = strings.ToUpper(x)
		if x == t || !strings.Contains(t, ".") && strings.HasPrefix(x, t+".") {
			return true
		}
	}
	return false
}

func hasFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// forEach runs fn over workspaces with the configured fan-out (concurrency, per-workspace timeout).
func forEach[V any](ctx context.Context, d *toolkit.Deps, wss []*tenancy.Workspace, fn func(context.Context, *target) (V, error)) []fanout.Outcome[*tenancy.Workspace, V] {
	fo := d.Registry.FanOut()
	return fanout.Run(ctx, wss, fanout.Options{Concurrency: fo.Concurrency, PerTargetTimeout: fo.PerWorkspaceTimeout},
		func(ctx context.Context, ws *tenancy.Workspace) (V, error) {
			t, err := clientFor(d, ws)
			if err != nil {
				var zero V
				return zero, err
			}
			return fn(ctx, t)
		})
}

// appendFailures adds the failed workspaces to a text result, after the table.
func appendFailures(res *mcp.CallToolResult, failed []failure) {
	if len(failed) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d workspace(s) could not be read:", len(failed))
	for _, f := range failed {
		fmt.Fprintf(&b, "\n- %s: %s", f.Workspace, f.Error)
	}
	if tc, ok := res.Content[0].(*mcp.TextContent); ok {
		tc.Text += b.String()
	}
}

type getIn struct {
	toolkit.WorkspaceArg
	Rule string `json:"rule" jsonschema:"Name (GUID), resource id or display name."`
}

type getOut struct {
	Tenant     string         `json:"tenant"`
	Workspace  string         `json:"workspace"`
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	Etag       string         `json:"etag,omitempty"`
	Properties map[string]any `json:"properties"`
}

func getRule(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_analytics_rule",
		Description: "Get an analytics rule with all its properties (query, schedule, entity mappings, incident settings) and etag.",
		Annotations: inventory.Annotations("Get an analytics rule", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in getIn) (*mcp.CallToolResult, getOut, error) {
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, getOut{}, err
		}
		r, err := t.findRule(ctx, in.Rule)
		if err != nil {
			return nil, getOut{}, err
		}
		return nil, getOut{Tenant: t.ws.TenantName, Workspace: t.ws.Alias, Name: r.Name, Kind: r.Kind, Etag: r.Etag, Properties: r.Properties}, nil
	})
}
