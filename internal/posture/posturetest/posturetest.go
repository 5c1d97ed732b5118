// Package posturetest gives the emulator's Sentinel workspaces the content the seeded world describes
// (internal/emulator/world Facts) for tests of health and compliance: the shipped analytics rules
// (the disabled one disabled, the missing one left out), data connectors, an automation rule, and UEBA
// where it is not seeded as disabled. It creates each kind of content only in a workspace that has
// none of it, through the real API, so it does nothing where the emulator already seeds it.
package posturetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// Connectors are the data connector kinds given to every workspace, with their data types.
var Connectors = map[string][]string{
	"AzureActiveDirectory":      {"alerts"},
	"Office365":                 {"exchange", "sharePoint", "teams"},
	"MicrosoftThreatProtection": {"incidents"},
	"ThreatIntelligence":        {"indicators"},
}

// UEBASources are the UEBA data sources of the workspaces with UEBA on.
var UEBASources = []string{"AuditLogs", "AzureActivity", "SecurityEvent", "SigninLogs"}

// Seed gives every Sentinel workspace of reg its content (see the package comment).
func Seed(t testing.TB, p *azure.Provider, reg *tenancy.Registry) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wss, err := reg.Select(ctx, tenancy.Selector{All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, ws := range wss {
		if err := SeedWorkspace(ctx, p, ws); err != nil {
			t.Fatalf("seeding %s: %v", ws.Alias, err)
		}
	}
}

// SeedWorkspace gives one workspace its content.
func SeedWorkspace(ctx context.Context, p *azure.Provider, ws *tenancy.Workspace) error {
	facts := world.SeededFacts()
	c, err := sentinel.New(p, ws)
	if err != nil {
		return err
	}
	rules, err := c.AlertRules(ctx)
	if err != nil {
		return err
	}
	if len(rules) == 0 {
		for _, r := range content.Rules() {
			if facts.Has(ws.Name, world.DiffMissingRule, r.ID) {
				continue
			}
			props, err := r.AlertRuleProperties(!facts.Has(ws.Name, world.DiffDisabledRule, r.ID))
			if err != nil {
				return err
			}
			ar := &sentinel.AlertRule{Name: world.AlertRuleName(ws.Name, r.ID), Kind: r.Kind, Properties: props}
			if _, err := c.PutAlertRule(ctx, ar, true); err != nil {
				return err
			}
		}
	}
	conns, _, err := c.DataConnectors(ctx, 0)
	if err != nil {
		return err
	}
	if len(conns) == 0 {
		for kind, types := range Connectors {
			dt := map[string]any{}
			for _, name := range types {
				dt[name] = map[string]any{"state": "Enabled"}
			}
			body := map[string]any{"kind": kind, "properties": map[string]any{"tenantId": ws.TenantID, "dataTypes": dt}}
			if err := c.Put(ctx, c.Path("dataConnectors", world.DataConnectorName(ws.Name, kind)), body, "", nil); err != nil {
				return err
			}
		}
	}
	autos, err := c.AutomationRules(ctx)
	if err != nil {
		return err
	}
	if len(autos) == 0 {
		ar := &sentinel.AutomationRule{Name: world.GUID("automationrule:" + ws.Name + "/triage"), Properties: map[string]any{
			"displayName": "Assign new high-severity incidents to the SOC queue", "order": 1,
			"triggeringLogic": map[string]any{"isEnabled": true, "triggersOn": "Incidents", "triggersWhen": "Created",
				"conditions": []any{map[string]any{"conditionType": "Property", "conditionProperties": map[string]any{
					"propertyName": "IncidentSeverity", "operator": "Equals", "propertyValues": []any{"High"}}}}},
			"actions": []any{map[string]any{"order": 1, "actionType": "ModifyProperties",
				"actionConfiguration": map[string]any{"status": "Active"}}},
		}}
		if _, err := c.PutAutomationRule(ctx, ar, true); err != nil {
			return err
		}
	}
	if facts.Has(ws.Name, world.DiffUEBADisabled, "") {
		return nil
	}
	var existing map[string]any
	switch err := c.Get(ctx, c.Path("settings", "Ueba"), &existing); {
	case azure.IsNotFound(err):
		sources := make([]any, len(UEBASources))
		for i, s := range UEBASources {
			sources[i] = s
		}
		if err := c.Put(ctx, c.Path("settings", "EntityAnalytics"), map[string]any{"kind": "EntityAnalytics",
			"properties": map[string]any{"entityProviders": []any{"AzureActiveDirectory"}}}, "", nil); err != nil {
			return err
		}
		return c.Put(ctx, c.Path("settings", "Ueba"), map[string]any{"kind": "Ueba", "properties": map[string]any{"dataSources": sources}}, "", nil)
	case err != nil:
		return err
	}
	return nil
}

// Now is a fixed data clock for tests: the last Wednesday, 12:00 UTC, before the real time. Pinning
// the emulator (emulator.Options.Now) and the checks (toolkit.Deps.Now) to it makes the seeded data
// the same whatever the day of the week: a weekday noon, with a complete weekend in the baseline.
func Now() time.Time {
	t := time.Now().UTC().Truncate(24 * time.Hour).Add(12 * time.Hour)
	for t.Weekday() != time.Wednesday || t.After(time.Now()) {
		t = t.Add(-24 * time.Hour)
	}
	return t
}

// Start starts a toolsettest environment whose emulator and checks run on the Now clock, with the
// content of Seed, and without rate limits (tests call faster than an analyst).
func Start(t testing.TB, o toolsettest.Options) *toolsettest.Env {
	t.Helper()
	now := Now()
	if o.Emulator.Now == nil {
		o.Emulator.Now = func() time.Time { return now }
	}
	configure := o.Configure
	o.Configure = func(c *config.Config) {
		c.Limits.Rate, c.Limits.TenantRate = 0, 0
		if configure != nil {
			configure(c)
		}
	}
	env := toolsettest.Start(t, o)
	env.Deps.Now = func() time.Time { return now }
	Seed(t, env.Provider, env.Registry)
	return env
}

// CallWithProgress calls a tool from a second client that asks for progress notifications, and
// returns the result and the notifications' messages.
func CallWithProgress(t testing.TB, env *toolsettest.Env, name string, args map[string]any) (*mcp.CallToolResult, []string) {
	t.Helper()
	var mu sync.Mutex
	var msgs []string
	client := mcp.NewClient(&mcp.Implementation{Name: "progress", Version: "1"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			msgs = append(msgs, r.Params.Message)
			mu.Unlock()
		}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := env.Server.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	params := &mcp.CallToolParams{Name: name, Arguments: args}
	params.SetProgressToken("progress-1")
	res, err := cs.CallTool(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	// Notifications arrive asynchronously: give the last ones a moment.
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	return res, append([]string(nil), msgs...)
}
