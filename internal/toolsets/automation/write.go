package automation

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type summary struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Order       int    `json:"order"`
	Enabled     bool   `json:"enabled"`
	Trigger     string `json:"trigger"`
	Conditions  string `json:"conditions"`
	Actions     string `json:"actions"`
	Expires     string `json:"expires,omitempty"`
	Etag        string `json:"etag,omitempty"`
}

func summarize(r *sentinel.AutomationRule) summary {
	return summary{Name: r.Name, DisplayName: r.DisplayName(), Order: r.Order(), Enabled: r.Enabled(),
		Trigger: r.TriggersOn() + " " + strings.ToLower(r.TriggersWhen()), Conditions: describeConditions(r.Conditions()),
		Actions: describeActions(r.Actions()), Expires: r.Expiration(), Etag: r.Etag}
}

type writeOut struct {
	Tenant    string   `json:"tenant"`
	Workspace string   `json:"workspace"`
	Rule      summary  `json:"rule"`
	Changed   []string `json:"changed,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
}

func writeError(what string, err error) error {
	if azure.IsConflict(err) {
		return fmt.Errorf("%s: the automation rule was changed by someone else since it was read (its etag no longer matches), so nothing was changed. Read it again (get_automation_rule) and retry", what)
	}
	return toolkit.Unavailable(what, err, "")
}

type createIn struct {
	toolkit.WorkspaceArg
	DisplayName string `json:"display_name"`
	spec
}

func createRule(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name: "create_automation_rule",
		Description: "Create an automation rule: when incidents (or alerts) are created or updated and the conditions hold, " +
			"change properties (status, severity, owner, labels), run a playbook or add a task. Optional order and expiration.",
		Annotations: inventory.Annotations("Create an automation rule", inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in createIn) (*mcp.CallToolResult, writeOut, error) {
		if strings.TrimSpace(in.DisplayName) == "" {
			return nil, writeOut{}, toolkit.ArgError("display_name", "is empty")
		}
		if len(in.Actions) == 0 {
			return nil, writeOut{}, toolkit.ArgError("actions", "an automation rule needs at least one action (ModifyProperties, RunPlaybook or AddIncidentTask)")
		}
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, writeOut{}, err
		}
		props := map[string]any{"displayName": strings.TrimSpace(in.DisplayName)}
		sp := in.spec
		if sp.Order == nil {
			// Validate first, so that a bad argument costs no list call.
			probe := map[string]any{}
			one := 1
			sp.Order = &one
			if _, err := sp.apply(probe, t.ws, d.Clock()); err != nil {
				return nil, writeOut{}, err
			}
			existing, err := t.listAll(ctx)
			if err != nil {
				return nil, writeOut{}, err
			}
			next := 1
			for _, r := range existing {
				next = max(next, r.Order()+1)
			}
			next = min(next, 1000)
			sp.Order = &next
		}
		if _, err := sp.apply(props, t.ws, d.Clock()); err != nil {
			return nil, writeOut{}, err
		}
		rule := &sentinel.AutomationRule{Name: newGUID(), Properties: props}
		created, err := t.c.PutAutomationRule(ctx, rule, true)
		if err != nil {
			return nil, writeOut{}, writeError("creating the automation rule in "+t.ws.Alias, err)
		}
		audit.RecordChange(ctx, nil, created)
		return writeText("Created", t, created, nil), writeOut{Tenant: t.ws.TenantName, Workspace: t.ws.Alias, Rule: summarize(created)}, nil
	}, inventory.MaxLength("display_name", 256))
}

type updateIn struct {
	toolkit.WorkspaceArg
	Rule        string  `json:"rule" jsonschema:"Name (GUID), resource id or display name."`
	Etag        string  `json:"etag,omitempty" jsonschema:"Update only if the rule is still this version (from get_automation_rule)."`
	DisplayName *string `json:"display_name,omitempty"`
	spec
}

func updateRule(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "update_automation_rule",
		Description: "Change an automation rule (only what is given; conditions and actions are replaced as a whole). Refused if the rule changed since it was read.",
		Annotations: inventory.Annotations("Update an automation rule", inventory.Idempotent|inventory.OpenWorld),
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
		changed, err := in.spec.apply(after.Properties, t.ws, d.Clock())
		if err != nil {
			return nil, writeOut{}, err
		}
		if in.DisplayName != nil {
			name := strings.TrimSpace(*in.DisplayName)
			if name == "" {
				return nil, writeOut{}, toolkit.ArgError("display_name", "is empty")
			}
			if name != before.DisplayName() {
				after.Properties["displayName"] = name
				changed = append(changed, "displayName")
			}
		}
		return t.write(ctx, before, after, in.Etag, changed)
	}, inventory.MaxLength("display_name", 256))
}

func (t *target) write(ctx context.Context, before, after *sentinel.AutomationRule, etag string, changed []string) (*mcp.CallToolResult, writeOut, error) {
	out := writeOut{Tenant: t.ws.TenantName, Workspace: t.ws.Alias}
	if etag != "" {
		after.Etag = etag // sent as given: Azure refuses the write if the rule is no longer that version
	}
	if len(changed) == 0 && (etag == "" || sameEtag(etag, before.Etag)) {
		out.Rule = summarize(before)
		out.Warnings = []string{"nothing to change: the rule already has these values"}
		return toolkit.Text(fmt.Sprintf("Nothing to change: automation rule %q in %s already has these values.", before.DisplayName(), toolkit.WorkspaceName(t.ws))), out, nil
	}
	written, err := t.c.PutAutomationRule(ctx, after, false)
	if err != nil {
		return nil, out, writeError(fmt.Sprintf("updating automation rule %q in %s", before.DisplayName(), t.ws.Alias), err)
	}
	audit.RecordChange(ctx, before, written)
	out.Rule, out.Changed = summarize(written), changed
	verb := "Updated"
	if len(changed) == 1 && changed[0] == "isEnabled" {
		verb = map[bool]string{true: "Enabled", false: "Disabled"}[written.Enabled()]
	}
	return writeText(verb, t, written, changed), out, nil
}

// writeText is the answer of an automation rule write: what was done to which rule where, what it
// now does, and which properties changed.
func writeText(verb string, t *target, r *sentinel.AutomationRule, changed []string) *mcp.CallToolResult {
	s := summarize(r)
	state := "enabled"
	if !s.Enabled {
		state = "disabled"
	}
	msg := fmt.Sprintf("%s automation rule %q in %s: %s, order %d; on %s, if %s, then %s", verb, s.DisplayName, toolkit.WorkspaceName(t.ws),
		state, s.Order, strings.ToLower(s.Trigger), orEvery(s.Conditions), s.Actions)
	if s.Expires != "" {
		msg += "; expires " + s.Expires
	}
	msg += "; name " + s.Name + " (pass it as rule)."
	if len(changed) > 0 && verb == "Updated" {
		msg += "\nChanged: " + strings.Join(changed, ", ") + "."
	}
	return toolkit.Text(msg)
}

func orEvery(conditions string) string {
	if conditions == "" {
		return "always"
	}
	return conditions
}

func sameEtag(a, b string) bool {
	norm := func(s string) string { return strings.Trim(strings.TrimPrefix(strings.TrimSpace(s), "W/"), `"`) }
	return norm(a) == norm(b)
}

type enableIn struct {
	toolkit.WorkspaceArg
	Rule string `json:"rule" jsonschema:"Name (GUID), resource id or display name."`
	Etag string `json:"etag,omitempty" jsonschema:"Change only if the rule is still this version."`
}

func enableRule(d *toolkit.Deps, enable bool) inventory.Tool {
	name, title, desc := "enable_automation_rule", "Enable an automation rule", "Enable an automation rule so it runs again."
	if !enable {
		name, title, desc = "disable_automation_rule", "Disable an automation rule", "Disable an automation rule: it stops running and is kept."
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
		changed, err := (&spec{Enabled: &enable}).apply(after.Properties, t.ws, d.Clock())
		if err != nil {
			return nil, writeOut{}, err
		}
		return t.write(ctx, before, after, in.Etag, changed)
	})
}

type deleteIn struct {
	toolkit.WorkspaceArg
	Rule string `json:"rule" jsonschema:"Name (GUID), resource id or display name."`
	Etag string `json:"etag,omitempty" jsonschema:"Delete only if the rule is still this version."`
}

type deleteOut struct {
	Tenant    string  `json:"tenant"`
	Workspace string  `json:"workspace"`
	Deleted   summary `json:"deleted"`
}

func deleteRule(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "delete_automation_rule",
		Description: "Delete an automation rule (asks for confirmation). disable_automation_rule stops it but keeps it.",
		Annotations: inventory.Annotations("Delete an automation rule", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
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
			etag = in.Etag
		}
		if err := t.c.DeleteAutomationRule(ctx, r.Name, etag); err != nil {
			return nil, deleteOut{}, writeError(fmt.Sprintf("deleting automation rule %q in %s", r.DisplayName(), t.ws.Alias), err)
		}
		audit.RecordChange(ctx, r, nil)
		return toolkit.Text(fmt.Sprintf("Deleted automation rule %q (name %s) from %s.", r.DisplayName(), r.Name, toolkit.WorkspaceName(t.ws))),
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
		s := summarize(r)
		state := "enabled"
		if !s.Enabled {
			state = "disabled"
		}
		return fmt.Sprintf("Would delete automation rule %q (name %s, order %d, %s; trigger: %s; conditions: %s; actions: %s).",
			s.DisplayName, s.Name, s.Order, state, s.Trigger, s.Conditions, s.Actions), nil
	}))
}

func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
