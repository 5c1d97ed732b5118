package rules

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type coverageIn struct {
	toolkit.TargetsArg
	By              string `json:"by,omitempty" jsonschema:"tactic (default, gaps included) or technique."`
	IncludeDisabled bool   `json:"include_disabled,omitempty"`
	Limit           int    `json:"limit,omitempty"`
}

type coverageOut struct {
	Workspaces        []string      `json:"workspaces"`
	Rules             int           `json:"rules"`
	TacticsCovered    int           `json:"tactics_covered"`
	TechniquesCovered int           `json:"techniques_covered"`
	Result            render.Result `json:"result"`
	Failed            []failure     `json:"failed,omitempty"`
}

// maxNames bounds the rule names listed in one cell.
const maxNames = 5

func mitreCoverage(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_mitre_coverage",
		Description: "MITRE ATT&CK coverage of the analytics rules of one or many workspaces, by tactic or technique, with the workspaces lacking each.",
		Annotations: inventory.Annotations("MITRE ATT&CK coverage", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in coverageIn) (*mcp.CallToolResult, coverageOut, error) {
		wss, err := selectWorkspaces(ctx, d, in.TargetsArg)
		if err != nil {
			return nil, coverageOut{}, err
		}
		outs := forEach(ctx, d, wss, func(ctx context.Context, t *target) ([]*sentinel.AlertRule, error) { return t.listAll(ctx) })
		if err := toolkit.AllFailed("reading the analytics rules", outs); err != nil {
			return nil, coverageOut{}, err
		}
		out := coverageOut{Workspaces: []string{}}
		var read []*tenancy.Workspace
		byTechnique := in.By == "technique"
		// Per key (tactic or technique): the display names of the rules covering it, and the workspaces
		// having at least one.
		names := map[string]map[string]bool{}
		where := map[string]map[string]bool{}
		tactics, techs := map[string]bool{}, map[string]bool{}
		add := func(key, rule, ws string) {
			if names[key] == nil {
				names[key], where[key] = map[string]bool{}, map[string]bool{}
			}
			names[key][rule], where[key][ws] = true, true
		}
		for _, o := range outs {
			if o.Err != nil {
				out.Failed = append(out.Failed, failure{Workspace: o.Target.Alias, Error: o.Err.Error()})
				continue
			}
			out.Workspaces = append(out.Workspaces, o.Target.Alias)
			read = append(read, o.Target)
			for _, r := range o.Value {
				if !r.Enabled() && !in.IncludeDisabled {
					continue
				}
				out.Rules++
				keys := r.Tactics()
				if byTechnique {
					keys = r.Techniques()
				}
				for _, k := range keys {
					add(k, r.DisplayName(), o.Target.Alias)
				}
				for _, t := range r.Tactics() {
					tactics[t] = true
				}
				for _, t := range r.Techniques() {
					techs[t] = true
				}
			}
		}
		// The tactics of Enterprise ATT&CK are the scale; the ICS-only ones and the retired PreAttack
		// only show (and count) when a rule uses them, else every workspace would have three "gaps"
		// no Sentinel rule is meant to fill.
		var scale, keys []string
		for _, t := range content.Tactics {
			if !nonEnterprise[t] {
				scale = append(scale, t)
			}
			if !nonEnterprise[t] || tactics[t] {
				keys = append(keys, t)
			}
		}
		col := "tactic"
		if byTechnique {
			keys, col = sortedKeys(names), "technique"
		}
		tbl := &render.Table{Columns: []render.Column{{Name: col}, {Name: "rules", Type: "long"}, {Name: "workspaces_covered"},
			{Name: "missing_in"}, {Name: "example_rules"}}}
		for _, k := range keys {
			var missing []string
			for _, ws := range out.Workspaces {
				if !where[k][ws] {
					missing = append(missing, ws)
				}
			}
			missingText := capList(missing)
			if len(missing) > 1 && len(missing) == len(out.Workspaces) {
				missingText = "all"
			}
			tbl.Rows = append(tbl.Rows, []any{k, len(names[k]), fmt.Sprintf("%d/%d", len(where[k]), len(out.Workspaces)),
				missingText, capList(sortedKeys(names[k]))})
		}
		for _, t := range scale {
			if tactics[t] {
				out.TacticsCovered++
			}
		}
		out.TechniquesCovered = len(techs)
		res, rep := d.Table(tbl, render.FormatTable, in.Limit)
		out.Result = rep
		if tc, ok := res.Content[0].(*mcp.TextContent); ok {
			state := "enabled "
			if in.IncludeDisabled {
				state = ""
			}
			tc.Text = fmt.Sprintf("%d %srules in %s: %d of the %d Enterprise ATT&CK tactics and %d techniques covered.\n", out.Rules,
				state, toolkit.Scope(read), out.TacticsCovered, len(scale), out.TechniquesCovered) + tc.Text
		}
		appendFailures(res, out.Failed)
		return res, out, nil
	}, inventory.Enum("by", "tactic", "technique"), inventory.Range("limit", 1, 1000))
}

// nonEnterprise are tactics Sentinel accepts that are not Enterprise ATT&CK tactics: ICS-only ones
// and the retired PreAttack.
var nonEnterprise = map[string]bool{"ImpairProcessControl": true, "InhibitResponseFunction": true, "PreAttack": true}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// capList joins at most maxNames items, saying how many more there are.
func capList(items []string) string {
	if len(items) <= maxNames {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:maxNames], ", ") + fmt.Sprintf(" (+%d more)", len(items)-maxNames)
}
