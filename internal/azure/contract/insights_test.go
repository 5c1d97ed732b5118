package contract

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	ai "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/applicationinsights/armapplicationinsights"
	mon "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"
)

// toLegacyWorkbook maps a 2023-06-01 workbook body onto the 2015-05-01 shape that the pinned
// armapplicationinsights v1.2.0 module sends (properties.name, sourceResourceId, sharedTypeKind).
func toLegacyWorkbook(t *testing.T, raw json.RawMessage) json.RawMessage {
	var m map[string]any
	must(t, json.Unmarshal(raw, &m))
	p, _ := m["properties"].(map[string]any)
	if p != nil {
		p["name"] = p["displayName"]
		delete(p, "displayName")
		if s, ok := p["sourceId"]; ok {
			p["sourceResourceId"] = s
			delete(p, "sourceId")
		}
		p["sharedTypeKind"] = m["kind"]
	}
	b, _ := json.Marshal(m)
	return b
}

func init() {
	w := "workbooks/"
	wbPath := func(h *harness, name string) string {
		return "/subscriptions/" + h.sub + "/resourceGroups/" + h.rg + "/providers/Microsoft.Insights/workbooks/" + name
	}
	putWB := func(h *harness, name string, raw json.RawMessage, query ...string) (int, []byte) {
		var body any
		must(h.t, json.Unmarshal(raw, &body))
		p := wbPath(h, name)
		if len(query) > 0 {
			p += "?" + query[0]
		}
		return h.rawARM(http.MethodPut, p, "2023-06-01", body)
	}
	// Workbooks: the wire contract at 2023-06-01 through the SDK pipeline, and the pinned module's client
	// (2015-05-01 shape) decoding the same workbook.
	scenarios[w+"WorkbookAdd.json"] = func(t *testing.T, h *harness, ex *example) {
		status, wire := putWB(h, ex.str("resourceName"), ex.param("workbookProperties"), "sourceId="+url.QueryEscape(ex.str("sourceId")))
		if status != http.StatusCreated {
			t.Errorf("create workbook: %d, want 201: %s", status, wire)
		}
		checkWire(t, ex.name+" (wire)", ex.body("201", "200"), wire)
		c, _ := ai.NewWorkbooksClient(h.sub, h.cred, h.opts)
		legacy := decodeInto[ai.Workbook](t, toLegacyWorkbook(t, ex.param("workbookProperties")))
		legacy.Properties.SourceResourceID = ptr(ex.str("sourceId")) // 2015-05-01 carries it in the body
		got, _, _ := capture(h, func(ctx context.Context) (ai.WorkbooksClientCreateOrUpdateResponse, error) {
			return c.CreateOrUpdate(ctx, h.rg, ex.str("resourceName"), legacy, nil)
		})
		checkSDK(t, ex.name+" (sdk 2015-05-01)", toLegacyWorkbook(t, ex.body("200")), got)
	}
	scenarios[w+"WorkbookGet.json"] = func(t *testing.T, h *harness, ex *example) {
		putWB(h, ex.str("resourceName"), ex.body("200"))
		status, wire := h.rawARM(http.MethodGet, wbPath(h, ex.str("resourceName")), "2023-06-01", nil)
		if status != 200 {
			t.Fatalf("get workbook: %d %s", status, wire)
		}
		checkWire(t, ex.name+" (wire)", ex.body("200"), wire)
		c, _ := ai.NewWorkbooksClient(h.sub, h.cred, h.opts)
		got, _, _ := capture(h, func(ctx context.Context) (ai.WorkbooksClientGetResponse, error) {
			return c.Get(ctx, h.rg, ex.str("resourceName"), nil)
		})
		checkSDK(t, ex.name+" (sdk 2015-05-01)", toLegacyWorkbook(t, ex.body("200")), got)
	}
	scenarios[w+"WorkbooksList.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			putWB(h, nameOf(t, it), it)
		}
		status, wire := h.rawARM(http.MethodGet, "/subscriptions/"+h.sub+"/resourceGroups/"+h.rg+"/providers/Microsoft.Insights/workbooks?category="+ex.str("category")+"&canFetchContent=true", "2023-06-01", nil)
		if status != 200 {
			t.Fatalf("list workbooks: %d %s", status, wire)
		}
		checkWire(t, ex.name+" (wire)", ex.body("200"), wire)
		if s, _ := h.rawARM(http.MethodGet, "/subscriptions/"+h.sub+"/resourceGroups/"+h.rg+"/providers/Microsoft.Insights/workbooks", "2023-06-01", nil); s != 400 {
			t.Errorf("workbook list without category: %d, want 400", s)
		}
		c, _ := ai.NewWorkbooksClient(h.sub, h.cred, h.opts)
		got, _ := firstPage(h, c.NewListByResourceGroupPager(h.rg, ai.CategoryTypeWorkbook, nil))
		if len(got.Value) == 0 {
			t.Error("the pinned workbooks client listed no workbooks")
		}
	}
	scenarios[w+"WorkbookDelete.json"] = func(t *testing.T, h *harness, ex *example) {
		putWB(h, ex.str("resourceName"), loadExample(t, w+"WorkbookAdd.json").param("workbookProperties"))
		c, _ := ai.NewWorkbooksClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (ai.WorkbooksClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, ex.str("resourceName"), nil)
		})
		expectStatus(t, ex, resp)
	}

	// Data collection rules, endpoints and associations (armmonitor).
	m := "monitor-dcr/"
	putDCR := func(h *harness, name string, raw json.RawMessage) (mon.DataCollectionRulesClientCreateResponse, []byte) {
		c, _ := mon.NewDataCollectionRulesClient(h.sub, h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (mon.DataCollectionRulesClientCreateResponse, error) {
			return c.Create(ctx, h.rg, name, decodeInto[mon.DataCollectionRuleResource](h.t, withoutEtag(h.t, raw)), nil)
		})
		return got, wire
	}
	dcrAllow := []string{"properties.provisioningState"}
	scenarios[m+"DataCollectionRulesCreate.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire := putDCR(h, ex.str("dataCollectionRuleName"), ex.param("body"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire, dcrAllow...)
	}
	scenarios[m+"DataCollectionRulesGet.json"] = func(t *testing.T, h *harness, ex *example) {
		putDCR(h, ex.str("dataCollectionRuleName"), ex.body("200"))
		c, _ := mon.NewDataCollectionRulesClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (mon.DataCollectionRulesClientGetResponse, error) {
			return c.Get(ctx, h.rg, ex.str("dataCollectionRuleName"), nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire, dcrAllow...)
	}
	scenarios[m+"DataCollectionRulesListByResourceGroup.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			putDCR(h, nameOf(t, it), it)
		}
		c, _ := mon.NewDataCollectionRulesClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListByResourceGroupPager(h.rg, nil))
		checkBoth(t, ex, ex.body("200"), got, wire, "value[].properties.provisioningState", "nextLink")
	}
	scenarios[m+"DataCollectionRulesDelete.json"] = func(t *testing.T, h *harness, ex *example) {
		putDCR(h, ex.str("dataCollectionRuleName"), loadExample(t, m+"DataCollectionRulesCreate.json").param("body"))
		c, _ := mon.NewDataCollectionRulesClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (mon.DataCollectionRulesClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, ex.str("dataCollectionRuleName"), nil)
		})
		expectStatus(t, ex, resp)
	}
	putDCE := func(h *harness, name string, raw json.RawMessage) (mon.DataCollectionEndpointsClientCreateResponse, []byte) {
		c, _ := mon.NewDataCollectionEndpointsClient(h.sub, h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (mon.DataCollectionEndpointsClientCreateResponse, error) {
			return c.Create(ctx, h.rg, name, decodeInto[mon.DataCollectionEndpointResource](h.t, withoutEtag(h.t, raw)), nil)
		})
		return got, wire
	}
	scenarios[m+"DataCollectionEndpointsCreate.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire := putDCE(h, ex.str("dataCollectionEndpointName"), ex.param("body"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire)
	}
	scenarios[m+"DataCollectionEndpointsGet.json"] = func(t *testing.T, h *harness, ex *example) {
		putDCE(h, ex.str("dataCollectionEndpointName"), ex.body("200"))
		c, _ := mon.NewDataCollectionEndpointsClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (mon.DataCollectionEndpointsClientGetResponse, error) {
			return c.Get(ctx, h.rg, ex.str("dataCollectionEndpointName"), nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	// Associations hang on resources the emulator does not model (a VM): the example's resourceUri is
	// kept, re-rooted in the harness subscription.
	vm := func(h *harness) string {
		return "subscriptions/" + h.sub + "/resourceGroups/" + h.rg + "/providers/Microsoft.Compute/virtualMachines/myVm"
	}
	putDCRA := func(h *harness, name string, raw json.RawMessage) (mon.DataCollectionRuleAssociationsClientCreateResponse, []byte) {
		putDCR(h, "myCollectionRule", loadExample(h.t, m+"DataCollectionRulesCreate.json").param("body"))
		var a map[string]any
		must(h.t, json.Unmarshal(raw, &a))
		a["properties"] = map[string]any{"dataCollectionRuleId": "/subscriptions/" + h.sub + "/resourceGroups/" + h.rg + "/providers/Microsoft.Insights/dataCollectionRules/myCollectionRule"}
		b, _ := json.Marshal(a)
		c, _ := mon.NewDataCollectionRuleAssociationsClient(h.sub, h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (mon.DataCollectionRuleAssociationsClientCreateResponse, error) {
			return c.Create(ctx, vm(h), name, decodeInto[mon.DataCollectionRuleAssociationProxyOnlyResource](h.t, withoutEtag(h.t, b)), nil)
		})
		return got, wire
	}
	scenarios[m+"DataCollectionRuleAssociationsCreate.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire := putDCRA(h, ex.str("associationName"), ex.param("body"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire)
	}
	scenarios[m+"DataCollectionRuleAssociationsListByResource.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			putDCRA(h, nameOf(t, it), it)
		}
		c, _ := mon.NewDataCollectionRuleAssociationsClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListByResourcePager(vm(h), nil))
		checkBoth(t, ex, ex.body("200"), got, wire, "nextLink", "value[].properties.dataCollectionEndpointId")
		byRule, _ := firstPage(h, c.NewListByRulePager(h.rg, "myCollectionRule", nil))
		if len(byRule.Value) != len(got.Value) {
			t.Errorf("associations by rule: %d, by resource: %d", len(byRule.Value), len(got.Value))
		}
	}
}
