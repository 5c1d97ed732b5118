package rules_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/rules"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// The Sentinel workspaces the default identity reaches (Lighthouse and Litware direct).
var sentinelWorkspaces = []string{world.WSSocCentral, world.WSContosoProd, world.WSContosoDev, world.WSFabrikamSentinel,
	world.WSNorthwindSentinel, world.WSLitwareSentinel}

type envOptions struct {
	readOnly  bool
	pageSize  int
	configure func(*config.Config)
}

func start(t *testing.T, o envOptions) *toolsettest.Env {
	t.Helper()
	return toolsettest.Start(t, toolsettest.Options{
		Toolsets: []toolsettest.Toolset{{Toolset: inventory.Toolset{Name: rules.Name, Default: true}, Tools: rules.Tools}},
		Writes:   !o.readOnly,
		Emulator: emulator.Options{PageSize: o.pageSize},
		Configure: func(c *config.Config) {
			// Tests make many calls in a row against one tenant: the rate limits are not under test here.
			c.Limits.TenantRate, c.Limits.Rate = 0, 0
			if o.configure != nil {
				o.configure(c)
			}
		},
	})
}

func alias(ws string) string {
	w := world.MustWorkspace(ws)
	return w.Alias()
}

// deploy stores shipped rules in a workspace as Sentinel would hold them after a deployment from their
// templates (resource names as world.AlertRuleName), bypassing the tools under test.
func deploy(t *testing.T, env *toolsettest.Env, ws string, rs ...*content.Rule) []string {
	t.Helper()
	w := world.MustWorkspace(ws)
	var names []string
	for _, r := range rs {
		props, err := r.AlertRuleProperties(true)
		if err != nil {
			t.Fatal(err)
		}
		props["lastModifiedUtc"] = "2025-05-01T10:00:00Z"
		name := world.AlertRuleName(ws, r.ID)
		body, _ := json.Marshal(map[string]any{"kind": r.Kind, "type": "Microsoft.SecurityInsights/alertRules", "properties": props})
		if err := env.Emulator.SeedResource(sentinel.AlertRuleID(w.ResourceID, name), body); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

// clearRules deletes every analytics rule of a workspace, so that a test does not depend on what the
// seeded world deploys there.
func clearRules(t *testing.T, env *toolsettest.Env, wss ...string) {
	t.Helper()
	for _, name := range wss {
		ws, err := env.Registry.Resolve(t.Context(), alias(name))
		if err != nil {
			t.Fatal(err)
		}
		c, err := sentinel.New(env.Provider, ws)
		if err != nil {
			t.Fatal(err)
		}
		rules, err := c.AlertRules(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			if err := c.DeleteAlertRule(t.Context(), r.Name, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// seedTemplates stores the shipped rules as templates of a workspace (Sentinel and solutions provide them).
func seedTemplates(t *testing.T, env *toolsettest.Env, ws string, rs ...*content.Rule) {
	t.Helper()
	w := world.MustWorkspace(ws)
	for _, r := range rs {
		props, err := r.TemplateProperties(time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"kind": r.Kind, "type": "Microsoft.SecurityInsights/AlertRuleTemplates", "properties": props})
		if err := env.Emulator.SeedResource(sentinel.AlertRuleTemplateID(w.ResourceID, r.ID), body); err != nil {
			t.Fatal(err)
		}
	}
}

// writes counts the PUT and DELETE requests sent to the emulator.
func writes(env *toolsettest.Env) int {
	n := 0
	for _, r := range env.Requests() {
		if strings.HasPrefix(r, "PUT ") || strings.HasPrefix(r, "DELETE ") || strings.HasPrefix(r, "PATCH ") {
			n++
		}
	}
	return n
}

// confirm calls a destructive tool, checks it answered with a plan containing want, and calls it again
// with the confirmation token.
func confirm(t *testing.T, env *toolsettest.Env, tool string, args map[string]any, want ...string) *toolsettest.Result {
	t.Helper()
	var pending inventory.Pending
	env.CallOK(tool, args).Decode(&pending)
	if !pending.ConfirmationRequired || pending.ConfirmToken == "" {
		t.Fatalf("%s ran without confirmation: %+v", tool, pending)
	}
	for _, w := range want {
		if !strings.Contains(pending.Plan, w) {
			t.Fatalf("%s: the plan lacks %q:\n%s", tool, w, pending.Plan)
		}
	}
	confirmed := map[string]any{inventory.ConfirmTokenArg: pending.ConfirmToken}
	for k, v := range args {
		confirmed[k] = v
	}
	return env.Call(tool, confirmed)
}

// rows decodes a json-format table result.
func rows(t *testing.T, res *toolsettest.Result) []map[string]any {
	t.Helper()
	var tbl struct {
		Columns []struct{ Name string }
		Rows    [][]any
	}
	text := res.Text
	if i := strings.Index(text, "\n"); i >= 0 && !strings.HasPrefix(text, "{") { // the heading line
		text = text[i+1:]
	}
	if i := strings.Index(text, "\n["); i >= 0 { // a truncation footer or failure notes follow the JSON
		text = text[:i]
	}
	if i := strings.Index(text, "\n\n"); i >= 0 {
		text = text[:i]
	}
	if err := json.Unmarshal([]byte(text), &tbl); err != nil {
		t.Fatalf("not a JSON table: %v\n%s", err, res.Text)
	}
	var out []map[string]any
	for _, r := range tbl.Rows {
		m := map[string]any{}
		for i, c := range tbl.Columns {
			m[c.Name] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func mustRule(t *testing.T, id string) *content.Rule {
	t.Helper()
	r, ok := content.RuleByID(id)
	if !ok {
		t.Fatalf("no shipped rule %s", id)
	}
	return r
}
