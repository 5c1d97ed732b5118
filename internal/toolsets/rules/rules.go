// Package rules is the analytics rules toolset: list, read, create, update, enable, disable and delete
// the analytics (alert) rules of Sentinel workspaces, browse rule templates and create rules from them,
// MITRE ATT&CK coverage over one or many workspaces, and export/import of rules in the Azure-Sentinel
// YAML format and the portal's ARM template format.
//
// Every write reads the rule first and sends the etag it read (a rule changed in between is a conflict
// and nothing is written), validates KQL before anything is written, and reports the change for the
// audit log.
package rules

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "rules"

// Tools returns the toolset's tools. It only builds values: d's clients may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{
		listRules(d), getRule(d), mitreCoverage(d), listTemplates(d), getTemplate(d), exportRules(d),
		createRule(d), updateRule(d), enableRule(d, true), enableRule(d, false), createFromTemplate(d),
		importRules(d), deleteRule(d),
	}
}

var errNoAzure = errors.New("no Azure access is configured: configure azure.credential (see README, Configuration) or run with --emulator")

// target is one workspace and the ARM client of the identity that reaches it.
type target struct {
	ws  *tenancy.Workspace
	c   *sentinel.Client
	reg *tenancy.Registry
}

// workspace resolves a workspace argument (already resolved and allow-listed by the server) and its client.
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
	return &target{ws: ws, c: c, reg: d.Registry}, nil
}

// selectWorkspaces resolves the workspaces/tenant arguments of a multi-workspace tool.
func selectWorkspaces(ctx context.Context, d *toolkit.Deps, targets toolkit.TargetsArg) ([]*tenancy.Workspace, error) {
	if d == nil || d.Registry == nil || d.Azure == nil {
		return nil, errNoAzure
	}
	return d.Registry.Select(ctx, targets.Selector())
}

// listAll lists the alert rules of a workspace, with an actionable error.
func (t *target) listAll(ctx context.Context) ([]*sentinel.AlertRule, error) {
	rules, err := t.c.AlertRules(ctx)
	if err != nil {
		return nil, toolkit.Unavailable("listing the analytics rules of "+t.ws.Alias, err, "")
	}
	return rules, nil
}

// findRule finds a rule by resource name (GUID), resource id or display name (case-insensitive).
func (t *target) findRule(ctx context.Context, ref string) (*sentinel.AlertRule, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, toolkit.ArgError("rule", "is empty: give the rule's name (GUID) or display name; list_analytics_rules shows them")
	}
	name := ref
	if i := strings.LastIndex(strings.ToLower(ref), "/alertrules/"); i >= 0 {
		name = ref[i+len("/alertrules/"):]
		if !strings.HasPrefix(strings.ToLower(ref), strings.ToLower(t.ws.ResourceID)+"/") {
			return nil, toolkit.ArgError("rule", "%q is a rule of another workspace than %s: pass that workspace, or the rule's name", ref, t.ws.Alias)
		}
	}
	if looksLikeName(name) {
		r, err := t.c.AlertRule(ctx, name)
		if err == nil {
			return r, nil
		}
		if !azure.IsNotFound(err) {
			return nil, toolkit.Unavailable("reading analytics rule "+name+" of "+t.ws.Alias, err, "")
		}
		if name != ref {
			return nil, toolkit.NotFound("analytics rule", ref, "list_analytics_rules shows the rules of "+t.ws.Alias)
		}
	}
	all, err := t.listAll(ctx)
	if err != nil {
		return nil, err
	}
	return matchRule(all, ref, t.ws.Alias)
}

// looksLikeName reports whether ref can be a resource name (no spaces or slashes) rather than only a
// display name.
func looksLikeName(ref string) bool {
	return ref != "" && !strings.ContainsAny(ref, " /\\?#")
}

func matchRule(all []*sentinel.AlertRule, ref, alias string) (*sentinel.AlertRule, error) {
	var hits []*sentinel.AlertRule
	for _, r := range all {
		if strings.EqualFold(r.Name, ref) {
			return r, nil
		}
		if strings.EqualFold(strings.TrimSpace(r.DisplayName()), ref) {
			hits = append(hits, r)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		names := make([]string, 0, len(all))
		for _, r := range all {
			names = append(names, r.DisplayName())
		}
		hint := "list_analytics_rules shows the rules of " + alias
		if s := inventory.Closest(ref, names); s != "" {
			hint = fmt.Sprintf("did you mean %q? %s", s, hint)
		}
		return nil, toolkit.NotFound("analytics rule", ref, hint)
	}
	var names []string
	for _, h := range hits {
		names = append(names, h.Name)
	}
	sort.Strings(names)
	return nil, toolkit.ArgError("rule", "%d rules of %s are named %q: pass the rule's name instead, one of %s", len(hits), alias, ref, strings.Join(names, ", "))
}

// writeError explains a failed write; a conflict says nothing was changed and how to retry.
func writeError(what string, err error) error {
	if azure.IsConflict(err) {
		return fmt.Errorf("%s: the rule was changed by someone else since it was read (its etag no longer matches), so nothing was changed. Read it again (get_analytics_rule) and retry", what)
	}
	return toolkit.Unavailable(what, err, "")
}

// ruleSummary is what write tools return about the rule they wrote.
type ruleSummary struct {
	Name         string   `json:"name" jsonschema:"resource name (GUID): pass it as rule to other tools"`
	DisplayName  string   `json:"display_name"`
	Kind         string   `json:"kind"`
	Enabled      bool     `json:"enabled"`
	Severity     string   `json:"severity,omitempty"`
	Tactics      []string `json:"tactics,omitempty"`
	Techniques   []string `json:"techniques,omitempty"`
	Template     string   `json:"template,omitempty" jsonschema:"the rule template it was created from"`
	LastModified string   `json:"last_modified,omitempty"`
	Etag         string   `json:"etag,omitempty"`
}

func summarize(r *sentinel.AlertRule) ruleSummary {
	return ruleSummary{Name: r.Name, DisplayName: r.DisplayName(), Kind: r.Kind, Enabled: r.Enabled(), Severity: r.Severity(),
		Tactics: r.Tactics(), Techniques: r.Techniques(), Template: r.TemplateName(), LastModified: r.LastModified(), Etag: r.Etag}
}

// writeOut is the structured output of the tools that write one rule.
type writeOut struct {
	Tenant    string      `json:"tenant"`
	Workspace string      `json:"workspace"`
	Rule      ruleSummary `json:"rule"`
	Changed   []string    `json:"changed,omitempty" jsonschema:"the properties that changed"`
	Warnings  []string    `json:"warnings,omitempty"`
}

// isPrecondition reports a 412: a create found the rule already there (If-None-Match: *).
func isPrecondition(err error) bool {
	e, ok := azure.AsError(err)
	return ok && e.Status == 412
}
