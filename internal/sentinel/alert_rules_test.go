package sentinel_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// rulesFixture is an emulator (small pages) and an ARM client of the managing app, which reaches
// Contoso through Lighthouse.
func rulesFixture(t *testing.T) (*emulator.Emulator, *sentinel.Client, string) {
	t.Helper()
	e, err := emulator.New(emulator.Options{PageSize: 2, AsyncDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.HTTPClient().CloseIdleConnections(); _ = e.Close() })
	cfg := config.Default().Azure
	app := world.ManagingApp
	cfg.Credential = config.AzureCredential{Type: config.CredClientSecret, TenantID: app.TenantID, ClientID: app.ClientID, ClientSecret: app.Secret}
	p, err := azure.NewProvider(cfg, azure.Options{Emulator: &azure.Emulator{URL: e.URL(), Client: e.HTTPClient()}})
	if err != nil {
		t.Fatal(err)
	}
	ws := world.MustWorkspace(world.WSContosoProd)
	c, err := sentinel.New(p, &tenancy.Workspace{ResourceID: ws.ResourceID, CredTenantID: app.TenantID, Alias: ws.Alias()})
	if err != nil {
		t.Fatal(err)
	}
	return e, c, ws.ResourceID
}

func shippedAlertRule(t *testing.T, r *content.Rule, name string) *sentinel.AlertRule {
	t.Helper()
	props, err := r.AlertRuleProperties(true)
	if err != nil {
		t.Fatal(err)
	}
	return &sentinel.AlertRule{Name: name, Kind: r.Kind, Properties: props}
}

func TestAlertRulesLifecycle(t *testing.T) {
	_, c, _ := rulesFixture(t)
	ctx := context.Background()
	before, err := c.AlertRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rules := content.Rules()[:5]
	for i, r := range rules {
		created, err := c.PutAlertRule(ctx, shippedAlertRule(t, r, world.GUID("test-rule:"+r.ID)), true)
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		if created.Etag == "" || created.DisplayName() != r.Name || created.LastModified() == "" {
			t.Fatalf("created rule %+v", created)
		}
	}
	// Five rules on pages of two: the listing follows nextLink.
	all, err := c.AlertRules(ctx)
	if err != nil || len(all) != len(before)+5 {
		t.Fatalf("listed %d rules (%v), want %d", len(all), err, len(before)+5)
	}
	name := world.GUID("test-rule:" + rules[0].ID)
	// A create never overwrites.
	if _, err := c.PutAlertRule(ctx, shippedAlertRule(t, rules[0], name), true); err == nil {
		t.Fatal("a create overwrote an existing rule")
	}
	got, err := c.AlertRule(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	stale := got.Clone()
	got.Properties["enabled"] = false
	updated, err := c.PutAlertRule(ctx, got, false)
	if err != nil || updated.Enabled() || updated.Etag == got.Etag {
		t.Fatalf("update: %v %+v", err, updated)
	}
	// The etag read before the update is stale now: 409, nothing changed.
	stale.Properties["severity"] = "Low"
	if _, err := c.PutAlertRule(ctx, stale, false); !azure.IsConflict(err) {
		t.Fatalf("stale etag: %v, want a conflict", err)
	}
	if err := c.DeleteAlertRule(ctx, name, stale.Etag); !azure.IsConflict(err) {
		t.Fatalf("delete with a stale etag: %v", err)
	}
	now, _ := c.AlertRule(ctx, name)
	if now.Severity() != rules[0].Severity || now.Enabled() {
		t.Fatalf("a refused write changed the rule: %+v", now.Properties)
	}
	if err := c.DeleteAlertRule(ctx, name, now.Etag); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AlertRule(ctx, name); !azure.IsNotFound(err) {
		t.Fatalf("deleted rule: %v", err)
	}
	if err := c.DeleteAlertRule(ctx, name, ""); err != nil {
		t.Fatalf("deleting a missing rule: %v", err)
	}
}

func TestAlertRuleMetadataAndTemplates(t *testing.T) {
	e, c, ws := rulesFixture(t)
	ctx := context.Background()
	r := content.Rules()[0]
	if err := c.PutAlertRuleMetadata(ctx, r.ID, r.MetadataProperties(sentinel.AlertRuleID(ws, r.ID))); err != nil {
		t.Fatal(err)
	}
	md, err := c.AlertRulesMetadata(ctx)
	if err != nil || md[r.ID] == nil {
		t.Fatalf("metadata: %v %v", md, err)
	}
	var back content.Rule
	back.ApplyMetadata(md[r.ID].Properties)
	if back.ID != r.ID || len(back.RequiredDataConnectors) != len(r.RequiredDataConnectors) {
		t.Fatalf("metadata lost provenance: %+v", back)
	}
	if err := c.DeleteAlertRuleMetadata(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	for _, r := range content.Rules()[:3] {
		props, _ := r.TemplateProperties(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		body, _ := json.Marshal(map[string]any{"kind": r.Kind, "type": "Microsoft.SecurityInsights/AlertRuleTemplates", "properties": props})
		if err := e.SeedResource(sentinel.AlertRuleTemplateID(ws, r.ID), body); err != nil {
			t.Fatal(err)
		}
	}
	tpls, err := c.AlertRuleTemplates(ctx)
	if err != nil || len(tpls) < 3 {
		t.Fatalf("templates: %d %v", len(tpls), err)
	}
	tpl, err := c.AlertRuleTemplate(ctx, r.ID)
	if err != nil || tpl.DisplayName() != r.Name || len(tpl.DataTypes()) == 0 || tpl.Version() != r.Version {
		t.Fatalf("template: %+v %v", tpl, err)
	}
}

func TestAutomationRulesLifecycle(t *testing.T) {
	_, c, _ := rulesFixture(t)
	ctx := context.Background()
	name := world.GUID("test-automation")
	rule := &sentinel.AutomationRule{Name: name, Properties: map[string]any{
		"displayName": "Close informational", "order": 3,
		"triggeringLogic": map[string]any{"isEnabled": true, "triggersOn": "Incidents", "triggersWhen": "Created",
			"conditions": []any{map[string]any{"conditionType": "Property", "conditionProperties": map[string]any{
				"propertyName": "IncidentSeverity", "operator": "Equals", "propertyValues": []any{"Informational"}}}}},
		"actions": []any{map[string]any{"order": 1, "actionType": "ModifyProperties", "actionConfiguration": map[string]any{
			"status": "Closed", "classification": "BenignPositive", "classificationReason": "SuspiciousButExpected"}}},
	}}
	created, err := c.PutAutomationRule(ctx, rule, true)
	if err != nil {
		t.Fatal(err)
	}
	if created.Order() != 3 || !created.Enabled() || created.TriggersOn() != "Incidents" || len(created.Actions()) != 1 || created.LastModified() == "" {
		t.Fatalf("created %+v", created.Properties)
	}
	list, err := c.AutomationRules(ctx)
	if err != nil || len(list) == 0 {
		t.Fatalf("list: %v %v", list, err)
	}
	upd := created.Clone()
	upd.Logic()["isEnabled"] = false
	if _, err := c.PutAutomationRule(ctx, upd, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutAutomationRule(ctx, created, false); !azure.IsConflict(err) {
		t.Fatalf("stale etag: %v", err)
	}
	got, _ := c.AutomationRule(ctx, name)
	if got.Enabled() {
		t.Fatal("the stale write went through")
	}
	if err := c.DeleteAutomationRule(ctx, name, got.Etag); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AutomationRule(ctx, name); !azure.IsNotFound(err) {
		t.Fatalf("deleted rule: %v", err)
	}
}
