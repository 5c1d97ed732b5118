package contract

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// Alert rule kinds beyond the stable examples: NRT (no example upstream; the shape of Scheduled without
// its schedule and trigger) round-trips through the SDK's NrtAlertRule, a kind the emulator does not
// model is stored and echoed as sent, and a Scheduled rule missing required properties is refused.
func TestAlertRuleKindsThroughSDK(t *testing.T) {
	h := newHarness(t, emulatorOptions())
	c, err := si.NewAlertRulesClient(h.sub, h.cred, h.opts)
	must(t, err)
	nrtName := world.GUID("contract-nrt")
	nrt := &si.NrtAlertRule{Kind: ptr(si.AlertRuleKindNRT), Properties: &si.NrtAlertRuleProperties{
		DisplayName: ptr("Mass download (NRT)"), Enabled: ptr(true), Severity: ptr(si.AlertSeverityHigh),
		Query:               ptr("OfficeActivity | where Operation == 'FileDownloaded' | summarize n = count() by UserId | where n > 100"),
		SuppressionDuration: ptr("PT1H"), SuppressionEnabled: ptr(false), Tactics: []*si.AttackTactic{ptr(si.AttackTacticExfiltration)},
		IncidentConfiguration: &si.IncidentConfiguration{CreateIncident: ptr(true)}}}
	created, err := c.CreateOrUpdate(h.ctx(), h.rg, h.ws, nrtName, nrt, nil)
	must(t, err)
	got, err := c.Get(h.ctx(), h.rg, h.ws, nrtName, nil)
	must(t, err)
	for label, r := range map[string]si.AlertRuleClassification{"create": created.AlertRuleClassification, "get": got.AlertRuleClassification} {
		rule, ok := r.(*si.NrtAlertRule)
		if !ok {
			t.Fatalf("%s: decoded as %T, want *NrtAlertRule", label, r)
		}
		p := rule.Properties
		if rule.Etag == nil || p == nil || *p.DisplayName != "Mass download (NRT)" || *p.Severity != si.AlertSeverityHigh || len(p.Tactics) != 1 ||
			p.LastModifiedUTC == nil || p.IncidentConfiguration == nil || !*p.IncidentConfiguration.CreateIncident {
			t.Errorf("%s: NRT rule %+v", label, p)
		}
	}

	// A kind the emulator has no model for is kept verbatim.
	unknown := world.GUID("contract-unknown-kind")
	path := h.wsID + "/providers/Microsoft.SecurityInsights/alertRules/" + unknown
	body := map[string]any{"kind": "FutureKind", "properties": map[string]any{"displayName": "From the future", "enabled": true,
		"futureSetting": map[string]any{"depth": 3}}}
	if st, b := h.rawARM(http.MethodPut, path, "2025-12-01", body); st != http.StatusCreated {
		t.Fatalf("unknown kind: %d %s", st, b)
	}
	st, b := h.rawARM(http.MethodGet, path, "2025-12-01", nil)
	var echoed map[string]any
	_ = json.Unmarshal(b, &echoed)
	if p, _ := echoed["properties"].(map[string]any); st != 200 || echoed["kind"] != "FutureKind" || p["futureSetting"] == nil || echoed["etag"] == nil {
		t.Errorf("unknown kind echoed: %d %s", st, b)
	}
	listed := 0
	for p := c.NewListPager(h.rg, h.ws, nil); p.More(); {
		page, err := p.NextPage(h.ctx())
		must(t, err) // the SDK lists a kind it does not know as its base type
		for _, r := range page.Value {
			if base := r.GetAlertRule(); base != nil && base.Name != nil && *base.Name == unknown {
				listed++
				if *base.Kind != "FutureKind" {
					t.Errorf("listed unknown kind as %s", *base.Kind)
				}
			}
		}
	}
	if listed != 1 {
		t.Errorf("the unknown kind is listed %d times", listed)
	}

	// Required properties of a Scheduled rule.
	_, err = c.CreateOrUpdate(h.ctx(), h.rg, h.ws, world.GUID("contract-bad-scheduled"), &si.ScheduledAlertRule{Kind: ptr(si.AlertRuleKindScheduled),
		Properties: &si.ScheduledAlertRuleProperties{DisplayName: ptr("no query"), Enabled: ptr(true), Severity: ptr(si.AlertSeverityLow),
			SuppressionDuration: ptr("PT1H"), SuppressionEnabled: ptr(false), QueryFrequency: ptr("PT1H"), QueryPeriod: ptr("PT1H"),
			TriggerOperator: ptr(si.TriggerOperatorGreaterThan), TriggerThreshold: ptr(int32(0))}}, nil)
	if body := responseError(t, err, http.StatusBadRequest, "BadRequest"); !strings.Contains(body.Error.Message, "'query'") {
		t.Errorf("missing query: %q", body.Error.Message)
	}
}
