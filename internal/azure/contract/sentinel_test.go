package contract

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"
)

func firstPage[T any](h *harness, p *runtime.Pager[T]) (T, []byte) {
	h.t.Helper()
	got, _, wire := capture(h, func(ctx context.Context) (T, error) { return p.NextPage(ctx) })
	return got, wire
}

// listItems returns the "value" elements of an example list body, re-rooted at the harness workspace.
func (h *harness) listItems(body json.RawMessage) []json.RawMessage {
	var l struct {
		Value []json.RawMessage `json:"value"`
	}
	must(h.t, json.Unmarshal(h.rewriteIDs(body), &l))
	seen := map[string]bool{}
	for i, it := range l.Value {
		it = withoutEtag(h.t, it)
		// Quirk: GetDataConnectors.json lists two different connectors under one name; give the
		// second its own name so both exist.
		if n := nameOf(h.t, it); seen[n] {
			var m map[string]any
			must(h.t, json.Unmarshal(it, &m))
			m["name"] = n + "-2"
			if id, ok := m["id"].(string); ok {
				m["id"] = id + "-2"
			}
			it, _ = json.Marshal(m)
		}
		seen[nameOf(h.t, it)] = true
		l.Value[i] = it
	}
	return l.Value
}

// withoutEtag drops the example's etag: it belongs to another service instance, and replaying it on an
// update would rightly be refused as stale.
func withoutEtag(t *testing.T, raw json.RawMessage) json.RawMessage {
	var m map[string]any
	must(t, json.Unmarshal(raw, &m))
	delete(m, "etag")
	b, _ := json.Marshal(m)
	return b
}

func nameOf(t *testing.T, raw json.RawMessage) string {
	var v struct {
		Name string `json:"name"`
	}
	must(t, json.Unmarshal(raw, &v))
	return v.Name
}

func init() {
	s := "securityinsights/"
	// Alert rules.
	putRule := func(h *harness, name string, raw json.RawMessage) (si.AlertRulesClientCreateOrUpdateResponse, []byte) {
		c, err := si.NewAlertRulesClient(h.sub, h.cred, h.opts)
		must(h.t, err)
		rule := decodeInto[si.AlertRulesClientCreateOrUpdateResponse](h.t, raw).AlertRuleClassification
		got, _, wire := capture(h, func(ctx context.Context) (si.AlertRulesClientCreateOrUpdateResponse, error) {
			return c.CreateOrUpdate(ctx, h.rg, h.ws, name, rule, nil)
		})
		return got, wire
	}
	for _, f := range []string{"CreateFusionAlertRule", "CreateMicrosoftSecurityIncidentCreationAlertRule", "CreateScheduledAlertRule"} {
		scenarios[s+"alertRules/"+f+".json"] = func(t *testing.T, h *harness, ex *example) {
			got, wire := putRule(h, ex.str("ruleId"), ex.param("alertRule"))
			checkBoth(t, ex, ex.body("201", "200"), got, wire)
		}
	}
	for _, f := range []string{"GetMicrosoftSecurityIncidentCreationAlertRule", "GetScheduledAlertRule"} {
		scenarios[s+"alertRules/"+f+".json"] = func(t *testing.T, h *harness, ex *example) {
			body := ex.body("200")
			putRule(h, ex.str("ruleId"), body)
			c, _ := si.NewAlertRulesClient(h.sub, h.cred, h.opts)
			got, resp, wire := capture(h, func(ctx context.Context) (si.AlertRulesClientGetResponse, error) {
				return c.Get(ctx, h.rg, h.ws, ex.str("ruleId"), nil)
			})
			expectStatus(t, ex, resp)
			checkBoth(t, ex, body, got, wire)
		}
	}
	scenarios[s+"alertRules/GetAllAlertRules.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			putRule(h, nameOf(t, it), it)
		}
		c, _ := si.NewAlertRulesClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, nil))
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	scenarios[s+"alertRules/DeleteAlertRule.json"] = func(t *testing.T, h *harness, ex *example) {
		sched := loadExample(t, s+"alertRules/CreateScheduledAlertRule.json")
		putRule(h, ex.str("ruleId"), sched.param("alertRule"))
		c, _ := si.NewAlertRulesClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (si.AlertRulesClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, h.ws, ex.str("ruleId"), nil)
		})
		if resp.StatusCode != 200 {
			t.Errorf("delete existing rule: %d, want 200", resp.StatusCode)
		}
		_, resp, _ = capture(h, func(ctx context.Context) (si.AlertRulesClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, h.ws, ex.str("ruleId"), nil)
		})
		if resp.StatusCode != 204 {
			t.Errorf("delete missing rule: %d, want 204", resp.StatusCode)
		}
	}
	scenarios[s+"alertRuleTemplates/GetAlertRuleTemplates.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			must(t, h.e.SeedResource(h.wsID+"/providers/Microsoft.SecurityInsights/alertRuleTemplates/"+nameOf(t, it), it))
		}
		c, _ := si.NewAlertRuleTemplatesClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, nil))
		checkBoth(t, ex, ex.body("200"), got, wire)
	}

	// Automation rules.
	putAuto := func(h *harness, name string, raw json.RawMessage) (si.AutomationRulesClientCreateOrUpdateResponse, []byte) {
		c, _ := si.NewAutomationRulesClient(h.sub, h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (si.AutomationRulesClientCreateOrUpdateResponse, error) {
			return c.CreateOrUpdate(ctx, h.rg, h.ws, name, decodeInto[si.AutomationRule](h.t, raw), nil)
		})
		return got, wire
	}
	scenarios[s+"automationRules/AutomationRules_CreateOrUpdate.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire := putAuto(h, ex.str("automationRuleId"), h.rewriteIDs(ex.param("automationRule")))
		checkBoth(t, ex, ex.body("201", "200"), got, wire, "properties.createdBy.email", "properties.createdBy.userPrincipalName",
			"properties.lastModifiedBy.email", "properties.lastModifiedBy.userPrincipalName")
	}
	scenarios[s+"automationRules/AutomationRules_List.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			putAuto(h, nameOf(t, it), it)
		}
		c, _ := si.NewAutomationRulesClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, nil))
		checkBoth(t, ex, ex.body("200"), got, wire, "value[].properties.createdBy.email", "value[].properties.createdBy.userPrincipalName",
			"value[].properties.lastModifiedBy.email", "value[].properties.lastModifiedBy.userPrincipalName")
	}
	scenarios[s+"automationRules/AutomationRules_Delete.json"] = func(t *testing.T, h *harness, ex *example) {
		create := loadExample(t, s+"automationRules/AutomationRules_CreateOrUpdate.json")
		putAuto(h, ex.str("automationRuleId"), h.rewriteIDs(create.param("automationRule")))
		c, _ := si.NewAutomationRulesClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (si.AutomationRulesClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, h.ws, ex.str("automationRuleId"), nil)
		})
		expectStatus(t, ex, resp)
	}

	// Bookmarks.
	putBookmark := func(h *harness, name string, raw json.RawMessage) (si.BookmarksClientCreateOrUpdateResponse, []byte) {
		c, _ := si.NewBookmarksClient(h.sub, h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (si.BookmarksClientCreateOrUpdateResponse, error) {
			return c.CreateOrUpdate(ctx, h.rg, h.ws, name, decodeInto[si.Bookmark](h.t, raw), nil)
		})
		return got, wire
	}
	bookmarkAllow := []string{"properties.createdBy.email", "properties.updatedBy.email"}
	scenarios[s+"bookmarks/CreateBookmark.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire := putBookmark(h, ex.str("bookmarkId"), ex.param("bookmark"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire, bookmarkAllow...)
	}
	scenarios[s+"bookmarks/GetBookmarks.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			putBookmark(h, nameOf(t, it), it)
		}
		c, _ := si.NewBookmarksClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, nil))
		checkBoth(t, ex, ex.body("200"), got, wire, "value[].properties.createdBy.email", "value[].properties.updatedBy.email")
	}
	scenarios[s+"bookmarks/DeleteBookmark.json"] = func(t *testing.T, h *harness, ex *example) {
		create := loadExample(t, s+"bookmarks/CreateBookmark.json")
		putBookmark(h, ex.str("bookmarkId"), create.param("bookmark"))
		c, _ := si.NewBookmarksClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (si.BookmarksClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, h.ws, ex.str("bookmarkId"), nil)
		})
		expectStatus(t, ex, resp)
	}

	// Data connectors.
	putConnector := func(h *harness, name string, raw json.RawMessage) (si.DataConnectorsClientCreateOrUpdateResponse, []byte) {
		c, _ := si.NewDataConnectorsClient(h.sub, h.cred, h.opts)
		dc := decodeInto[si.DataConnectorsClientCreateOrUpdateResponse](h.t, raw).DataConnectorClassification
		got, _, wire := capture(h, func(ctx context.Context) (si.DataConnectorsClientCreateOrUpdateResponse, error) {
			return c.CreateOrUpdate(ctx, h.rg, h.ws, name, dc, nil)
		})
		return got, wire
	}
	scenarios[s+"dataConnectors/CreateOfficeDataConnetor.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire := putConnector(h, ex.str("dataConnectorId"), ex.param("dataConnector"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire)
	}
	scenarios[s+"dataConnectors/GetAzureActiveDirectoryById.json"] = func(t *testing.T, h *harness, ex *example) {
		putConnector(h, ex.str("dataConnectorId"), ex.body("200"))
		c, _ := si.NewDataConnectorsClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (si.DataConnectorsClientGetResponse, error) {
			return c.Get(ctx, h.rg, h.ws, ex.str("dataConnectorId"), nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	scenarios[s+"dataConnectors/GetDataConnectors.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			putConnector(h, nameOf(t, it), it)
		}
		c, _ := si.NewDataConnectorsClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, nil))
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	scenarios[s+"dataConnectors/DeleteOfficeDataConnetor.json"] = func(t *testing.T, h *harness, ex *example) {
		create := loadExample(t, s+"dataConnectors/CreateOfficeDataConnetor.json")
		putConnector(h, ex.str("dataConnectorId"), create.param("dataConnector"))
		c, _ := si.NewDataConnectorsClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (si.DataConnectorsClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, h.ws, ex.str("dataConnectorId"), nil)
		})
		expectStatus(t, ex, resp)
	}

	// Onboarding states (Contoso's workspace is onboarded in the seeded world).
	scenarios[s+"onboardingStates/CreateSentinelOnboardingState.json"] = func(t *testing.T, h *harness, ex *example) {
		c, _ := si.NewSentinelOnboardingStatesClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (si.SentinelOnboardingStatesClientCreateResponse, error) {
			return c.Create(ctx, h.rg, h.ws, "default", decodeInto[si.SentinelOnboardingState](t, ex.param("sentinelOnboardingStateParameter")), nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200", "201"), got, wire)
	}
	scenarios[s+"onboardingStates/GetSentinelOnboardingState.json"] = func(t *testing.T, h *harness, ex *example) {
		c, _ := si.NewSentinelOnboardingStatesClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (si.SentinelOnboardingStatesClientGetResponse, error) {
			return c.Get(ctx, h.rg, h.ws, "default", nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	scenarios[s+"onboardingStates/GetAllSentinelOnboardingStates.json"] = func(t *testing.T, h *harness, ex *example) {
		c, _ := si.NewSentinelOnboardingStatesClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (si.SentinelOnboardingStatesClientListResponse, error) {
			return c.List(ctx, h.rg, h.ws, nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire)
	}

	// ML analytics settings.
	scenarios[s+"securityMLAnalyticsSettings/GetAllSecurityMLAnalyticsSettings.json"] = func(t *testing.T, h *harness, ex *example) {
		c, _ := si.NewSecurityMLAnalyticsSettingsClient(h.sub, h.cred, h.opts)
		for _, it := range h.listItems(ex.body("200")) {
			setting := decodeInto[si.SecurityMLAnalyticsSettingsClientCreateOrUpdateResponse](t, it).SecurityMLAnalyticsSettingClassification
			capture(h, func(ctx context.Context) (si.SecurityMLAnalyticsSettingsClientCreateOrUpdateResponse, error) {
				return c.CreateOrUpdate(ctx, h.rg, h.ws, nameOf(t, it), setting, nil)
			})
		}
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, nil))
		checkBoth(t, ex, ex.body("200"), got, wire)
	}

	// Product settings (preview): Azure creates them; an update must carry the current etag.
	scenarios[s+"settings/GetAllSettings.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			must(t, h.e.SeedResource(h.wsID+"/providers/Microsoft.SecurityInsights/settings/"+nameOf(t, it), it))
		}
		c, _ := si.NewProductSettingsClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, nil))
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	scenarios[s+"settings/UpdateEyesOnSetting.json"] = func(t *testing.T, h *harness, ex *example) {
		must(t, h.e.SeedResource(h.wsID+"/providers/Microsoft.SecurityInsights/settings/EyesOn", h.rewriteIDs(ex.body("200"))))
		c, _ := si.NewProductSettingsClient(h.sub, h.cred, h.opts)
		cur, err := c.Get(h.ctx(), h.rg, h.ws, "EyesOn", nil)
		must(t, err)
		setting := decodeInto[si.ProductSettingsClientUpdateResponse](t, ex.param("settings")).SettingsClassification.(*si.EyesOn)
		setting.Etag = cur.SettingsClassification.GetSettings().Etag // the example's etag belongs to another service instance
		got, resp, wire := capture(h, func(ctx context.Context) (si.ProductSettingsClientUpdateResponse, error) {
			return c.Update(ctx, h.rg, h.ws, "EyesOn", setting, nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
}
