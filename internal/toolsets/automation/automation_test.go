package automation_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/automation"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

func start(t *testing.T, writes bool) *toolsettest.Env {
	t.Helper()
	return toolsettest.Start(t, toolsettest.Options{
		Toolsets: []toolsettest.Toolset{{Toolset: inventory.Toolset{Name: automation.Name}, Tools: automation.Tools}},
		Writes:   writes,
		Emulator: emulator.Options{PageSize: 2},
		// Many calls in a row against one tenant: the per-tenant rate limit is not under test here.
		Configure: func(c *config.Config) { c.Limits.TenantRate, c.Limits.Rate = 0, 0 },
	})
}

type ruleOut struct {
	Workspace string
	Rule      struct {
		Name        string
		DisplayName string `json:"display_name"`
		Order       int
		Enabled     bool
		Trigger     string
		Conditions  string
		Actions     string
		Expires     string
		Etag        string
	}
	Changed  []string
	Warnings []string
}

type getOut struct {
	Name, Etag string
	Properties map[string]any
}

func writeCount(env *toolsettest.Env) int {
	n := 0
	for _, r := range env.Requests() {
		if strings.HasPrefix(r, "PUT ") || strings.HasPrefix(r, "DELETE ") {
			n++
		}
	}
	return n
}

func TestAutomationRuleLifecycle(t *testing.T) {
	env := start(t, true)
	ws := world.MustWorkspace(world.WSContosoProd)
	ruleName := world.AlertRuleName(world.WSContosoProd, world.RulePasswordSpray)
	var first ruleOut
	// BenignPositive has one reason: it need not be given.
	res := env.CallOK("create_automation_rule", map[string]any{"workspace": ws.Alias(), "display_name": "Close informational",
		"conditions": []map[string]any{{"property": "incidentseverity", "values": []string{"Informational"}}},
		"actions": []map[string]any{{"type": "ModifyProperties", "status": "Closed", "classification": "BenignPositive",
			"labels": []string{"auto-closed"}}},
		"expires": "7d"})
	res.Decode(&first)
	r := first.Rule
	if r.Order < 1 || !r.Enabled || r.Trigger != "Incidents created" || !strings.Contains(r.Conditions, "IncidentSeverity Equals (Informational)") ||
		!strings.Contains(r.Actions, "status=Closed") || !strings.Contains(r.Actions, "classificationReason=SuspiciousButExpected") || r.Expires == "" {
		t.Fatalf("created %+v", r)
	}
	// The answer is a sentence: which rule, where, what it does (labels by name).
	if want := `Created automation rule "Close informational" in ` + ws.Alias() + " (tenant Contoso): enabled"; !strings.HasPrefix(res.Text, want) ||
		!strings.Contains(res.Text, "if IncidentSeverity Equals (Informational), then ModifyProperties(") || !strings.Contains(res.Text, "labels+=auto-closed") {
		t.Errorf("create answer:\n%s", res.Text)
	}
	exp, err := time.Parse(time.RFC3339, r.Expires)
	if err != nil || exp.Before(env.Deps.Now().Add(6*24*time.Hour)) {
		t.Errorf("expiration %q", r.Expires)
	}
	// The next rule goes after the last one; rule names become resource ids in conditions.
	var second ruleOut
	env.CallOK("create_automation_rule", map[string]any{"workspace": ws.Alias(), "display_name": "Spray: task and playbook",
		"conditions": []map[string]any{{"property": "IncidentRelatedAnalyticRuleIds", "operator": "Contains", "values": []string{ruleName}}},
		"actions": []map[string]any{{"type": "AddIncidentTask", "title": "Reset the password of the compromised account"},
			{"type": "RunPlaybook", "playbook": "/subscriptions/" + ws.SubscriptionID + "/resourceGroups/soc/providers/Microsoft.Logic/workflows/block-ip"}},
	}).Decode(&second)
	if second.Rule.Order != r.Order+1 {
		t.Errorf("second rule order %d, want %d", second.Rule.Order, r.Order+1)
	}
	var got getOut
	env.CallOK("get_automation_rule", map[string]any{"workspace": ws.Alias(), "rule": "spray: TASK and playbook"}).Decode(&got)
	cond := got.Properties["triggeringLogic"].(map[string]any)["conditions"].([]any)[0].(map[string]any)["conditionProperties"].(map[string]any)
	if v := cond["propertyValues"].([]any)[0]; v != sentinel.AlertRuleID(ws.ResourceID, ruleName) {
		t.Errorf("rule id condition value %v", v)
	}
	acts := got.Properties["actions"].([]any)
	if play := acts[1].(map[string]any)["actionConfiguration"].(map[string]any); play["tenantId"] != ws.TenantID {
		t.Errorf("playbook action %v", play)
	}

	// Listed in run order across pages of two.
	res = env.CallOK("list_automation_rules", map[string]any{"workspaces": []string{ws.Alias()}})
	if i, j := strings.Index(res.Text, "Close informational"), strings.Index(res.Text, "Spray: task"); i < 0 || j < 0 || i > j {
		t.Errorf("list:\n%s", res.Text)
	}

	var upd ruleOut
	env.CallOK("update_automation_rule", map[string]any{"workspace": ws.Alias(), "rule": first.Rule.Name, "etag": first.Rule.Etag,
		"order": 5, "triggers_when": "Updated", "expires": "",
		"conditions": []map[string]any{{"property": "IncidentStatus", "change": "ChangedTo", "values": []string{"Active"}}}}).Decode(&upd)
	if upd.Rule.Order != 5 || upd.Rule.Expires != "" || !strings.Contains(upd.Rule.Conditions, "IncidentStatus ChangedTo Equals (Active)") ||
		!slices.Contains(upd.Changed, "expirationTimeUtc") {
		t.Errorf("update: %+v", upd)
	}
	// The etag read at creation is stale now.
	msg := env.CallError("disable_automation_rule", map[string]any{"workspace": ws.Alias(), "rule": first.Rule.Name, "etag": first.Rule.Etag})
	if !strings.Contains(msg, "changed by someone else") || !strings.Contains(msg, "nothing was changed") {
		t.Errorf("stale etag: %s", msg)
	}
	var off ruleOut
	env.CallOK("disable_automation_rule", map[string]any{"workspace": ws.Alias(), "rule": first.Rule.Name}).Decode(&off)
	if off.Rule.Enabled {
		t.Errorf("disable: %+v", off.Rule)
	}
	var on ruleOut
	env.CallOK("enable_automation_rule", map[string]any{"workspace": ws.Alias(), "rule": "Close informational"}).Decode(&on)
	if !on.Rule.Enabled {
		t.Errorf("enable: %+v", on.Rule)
	}

	// Deletion: a plan first, then the confirmed call.
	var pending inventory.Pending
	env.CallOK("delete_automation_rule", map[string]any{"workspace": ws.Alias(), "rule": second.Rule.Name}).Decode(&pending)
	if !pending.ConfirmationRequired || !strings.Contains(pending.Plan, "Spray: task and playbook") || !strings.Contains(pending.Plan, "RunPlaybook(block-ip)") {
		t.Fatalf("plan: %+v", pending)
	}
	env.CallOK("delete_automation_rule", map[string]any{"workspace": ws.Alias(), "rule": second.Rule.Name, "confirm_token": pending.ConfirmToken})
	if msg := env.CallError("get_automation_rule", map[string]any{"workspace": ws.Alias(), "rule": second.Rule.Name}); !strings.Contains(msg, "not found") {
		t.Errorf("after delete: %s", msg)
	}
	changes := 0
	for _, rec := range env.AuditRecords() {
		changes += len(rec.Changes)
	}
	if changes != 6 { // 2 creates, update, disable, enable, delete
		t.Errorf("%d changes audited, want 6", changes)
	}
}

func TestAutomationRefusesBadInputBeforeAnyWrite(t *testing.T) {
	env := start(t, true)
	ws := world.MustWorkspace(world.WSFabrikamSentinel).Alias()
	close := map[string]any{"type": "ModifyProperties", "status": "Closed", "classification": "FalsePositive", "classification_reason": "InaccurateData"}
	before := writeCount(env)
	for name, c := range map[string]struct {
		args map[string]any
		want []string
	}{
		"no actions":   {map[string]any{}, []string{"at least one action"}},
		"property":     {map[string]any{"actions": []any{close}, "conditions": []map[string]any{{"property": "IncidentSeverty", "values": []string{"High"}}}}, []string{"did you mean IncidentSeverity?"}},
		"severity":     {map[string]any{"actions": []any{close}, "conditions": []map[string]any{{"property": "IncidentSeverity", "values": []string{"Critical"}}}}, []string{`"Critical" is not valid`, "Informational"}},
		"close":        {map[string]any{"actions": []map[string]any{{"type": "ModifyProperties", "status": "Closed"}}}, []string{"needs a classification"}},
		"reason":       {map[string]any{"actions": []map[string]any{{"type": "ModifyProperties", "classification": "TruePositive", "classification_reason": "InaccurateData"}}}, []string{"SuspiciousActivity"}},
		"playbook":     {map[string]any{"actions": []map[string]any{{"type": "RunPlaybook", "playbook": "block-ip"}}}, []string{"not a logic app resource id"}},
		"alerts":       {map[string]any{"triggers_on": "Alerts", "actions": []any{close}}, []string{"can only run playbooks"}},
		"change":       {map[string]any{"actions": []any{close}, "conditions": []map[string]any{{"property": "IncidentStatus", "change": "ChangedTo", "values": []string{"Active"}}}}, []string{"triggers_when Updated"}},
		"expiry":       {map[string]any{"actions": []any{close}, "expires": "2001-01-01T00:00:00Z"}, []string{"in the past"}},
		"expiry form":  {map[string]any{"actions": []any{close}, "expires": "next week"}, []string{"RFC 3339", "7d"}},
		"order":        {map[string]any{"actions": []any{close}, "order": 0}, []string{"out of range"}},
		"owner":        {map[string]any{"actions": []map[string]any{{"type": "ModifyProperties", "owner": "Adele"}}}, []string{"neither a user object id"}},
		"empty modify": {map[string]any{"actions": []map[string]any{{"type": "ModifyProperties"}}}, []string{"needs something to set"}},
	} {
		args := map[string]any{"workspace": ws, "display_name": "Bad rule"}
		for k, v := range c.args {
			args[k] = v
		}
		msg := env.CallError("create_automation_rule", args)
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", name, msg, w)
			}
		}
	}
	if n := writeCount(env) - before; n != 0 {
		t.Errorf("%d writes for refused rules", n)
	}
}

func TestAutomationListAcrossTenantsAndReadOnly(t *testing.T) {
	env := start(t, false)
	if got := env.ToolNames(); !slices.Equal(got, []string{"get_automation_rule", "list_automation_rules"}) {
		t.Errorf("read-only tools: %v", got)
	}
	for _, name := range []string{world.WSContosoProd, world.WSNorthwindSentinel} {
		ws, err := env.Registry.Resolve(t.Context(), world.MustWorkspace(name).Alias())
		if err != nil {
			t.Fatal(err)
		}
		c, err := sentinel.New(env.Provider, ws)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 3; i++ {
			r := &sentinel.AutomationRule{Name: world.GUID("auto:" + name + string(rune('0'+i))), Properties: map[string]any{
				"displayName": "Tag rule " + string(rune('0'+i)), "order": 4 - i,
				"triggeringLogic": map[string]any{"isEnabled": i != 2, "triggersOn": "Incidents", "triggersWhen": "Created"},
				"actions": []any{map[string]any{"order": 1, "actionType": "ModifyProperties",
					"actionConfiguration": map[string]any{"labels": []any{map[string]any{"labelName": "x"}}}}}}}
			if _, err := c.PutAutomationRule(t.Context(), r, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	res := env.CallOK("list_automation_rules", map[string]any{"workspaces": []string{"all"}, "enabled": true})
	var out struct {
		Workspaces []string
		Failed     []any
	}
	res.Decode(&out)
	if len(out.Workspaces) != 6 || len(out.Failed) != 0 {
		t.Errorf("workspaces %v failed %v", out.Workspaces, out.Failed)
	}
	for _, ws := range []string{"contoso/contoso-prod", "northwind/northwind-sentinel"} {
		n := 0
		for _, line := range strings.Split(res.Text, "\n") {
			if strings.Contains(line, "| "+ws+" |") && strings.Contains(line, "Tag rule") {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%s: %d enabled rules listed, want 2:\n%s", ws, n, res.Text)
		}
	}
	if strings.Contains(res.Text, "Tag rule 2") {
		t.Error("the enabled filter kept a disabled rule")
	}
	if i, j := strings.Index(res.Text, "Tag rule 3"), strings.Index(res.Text, "Tag rule 1"); i > j {
		t.Errorf("not in run order:\n%s", res.Text)
	}
}
