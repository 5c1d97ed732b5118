package emulator

import (
	"encoding/json"
	"fmt"
)

// fixtureWorld is a small self-contained world: a managing tenant (Woodgrove) with its own workspace,
// a customer delegated through Lighthouse (Contoso) and an outsider (Adatum). Package tests use it so
// they do not depend on the size or details of the seeded world.
func fixtureWorld() *worldState {
	const (
		woodgrove = "7a1c0f00-0000-4000-8000-00000000a001"
		contoso   = "7a1c0f00-0000-4000-8000-00000000c001"
		adatum    = "7a1c0f00-0000-4000-8000-00000000d001"
		subW      = "5b000000-0000-4000-8000-00000000a001"
		subC      = "5b000000-0000-4000-8000-00000000c001"
		subA      = "5b000000-0000-4000-8000-00000000d001"
	)
	w := &worldState{
		tenants: []*tenantRec{
			{ID: woodgrove, Name: "Woodgrove SOC", Alias: "woodgrove", Domain: "woodgrove.onmicrosoft.com"},
			{ID: contoso, Name: "Contoso", Alias: "contoso", Domain: "contoso.onmicrosoft.com"},
			{ID: adatum, Name: "Adatum", Alias: "adatum", Domain: "adatum.onmicrosoft.com"},
		},
		apps: []*appRec{
			{TenantID: woodgrove, ClientID: "c1000000-0000-4000-8000-00000000a001", Secret: "woodgrove-secret", ObjectID: "0b000000-0000-4000-8000-00000000a001", DisplayName: "sentinel-mcp", Role: "managing"},
			{TenantID: adatum, ClientID: "c1000000-0000-4000-8000-00000000d001", Secret: "adatum-secret", ObjectID: "0b000000-0000-4000-8000-00000000d001", DisplayName: "adatum-app", Role: "direct"},
		},
		subs: []*subscription{
			{ID: subW, TenantID: woodgrove, DisplayName: "woodgrove-soc", State: "Enabled"},
			{ID: subC, TenantID: contoso, DisplayName: "contoso-prod", State: "Enabled"},
			{ID: subA, TenantID: adatum, DisplayName: "adatum-corp", State: "Enabled"},
		},
	}
	add := func(id string, body map[string]any) {
		body["id"] = id
		b, _ := json.Marshal(body)
		w.resources = append(w.resources, seedDoc{ID: id, Body: b})
	}
	ws := func(sub, rg, name, customerID string, n int) string {
		id := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.OperationalInsights/workspaces/%s", sub, rg, name)
		add(id, map[string]any{"name": name, "type": "Microsoft.OperationalInsights/workspaces", "location": "westeurope",
			"properties": map[string]any{"customerId": customerID, "provisioningState": "Succeeded",
				"sku": map[string]any{"name": "PerGB2018"}, "retentionInDays": 90}})
		sol := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.OperationsManagement/solutions/SecurityInsights(%s)", sub, rg, name)
		add(sol, map[string]any{"name": "SecurityInsights(" + name + ")", "type": "Microsoft.OperationsManagement/solutions", "location": "westeurope",
			"plan":       map[string]any{"name": "SecurityInsights(" + name + ")", "publisher": "Microsoft", "product": "OMSGallery/SecurityInsights", "promotionCode": ""},
			"properties": map[string]any{"workspaceResourceId": id, "provisioningState": "Succeeded"}})
		add(id+"/providers/Microsoft.SecurityInsights/onboardingStates/default", map[string]any{"name": "default",
			"type": "Microsoft.SecurityInsights/onboardingStates", "properties": map[string]any{"customerManagedKey": false}})
		for i := 1; i <= n; i++ {
			iid := fmt.Sprintf("%08d-0000-4000-8000-%012d", i, i)
			add(id+"/providers/Microsoft.SecurityInsights/incidents/"+iid, map[string]any{"name": iid, "type": "Microsoft.SecurityInsights/incidents",
				"properties": map[string]any{"title": fmt.Sprintf("Incident %d", i), "severity": []string{"High", "Medium", "Low"}[i%3],
					"status": []string{"New", "Active", "Closed"}[i%3], "incidentNumber": i, "createdTimeUtc": fmt.Sprintf("2026-01-0%dT10:00:00Z", 1+i%9),
					"lastModifiedTimeUtc": fmt.Sprintf("2026-01-0%dT11:00:00Z", 1+i%9), "labels": []any{},
					"additionalData": map[string]any{"alertsCount": 0, "bookmarksCount": 0, "commentsCount": 0, "alertProductNames": []any{}, "tactics": []any{}}}})
		}
		return id
	}
	ws(subW, "soc-rg", "soc-central", "a0000000-0000-4000-8000-00000000a001", 3)
	ws(subC, "contoso-rg", "contoso-prod", "a0000000-0000-4000-8000-00000000c001", 7)
	ws(subA, "adatum-rg", "adatum-sentinel", "a0000000-0000-4000-8000-00000000d001", 2)
	def := "/subscriptions/" + subC + "/providers/Microsoft.ManagedServices/registrationDefinitions/d0000000-0000-4000-8000-00000000c001"
	add(def, map[string]any{"name": "d0000000-0000-4000-8000-00000000c001", "type": "Microsoft.ManagedServices/registrationDefinitions",
		"properties": map[string]any{"registrationDefinitionName": "Woodgrove SOC", "managedByTenantId": woodgrove, "provisioningState": "Succeeded",
			"authorizations": []any{map[string]any{"principalId": "0b000000-0000-4000-8000-00000000a001", "principalIdDisplayName": "sentinel-mcp",
				"roleDefinitionId": "ab8e14d6-4a74-4a29-9ba8-549422addade"}}}})
	add("/subscriptions/"+subC+"/providers/Microsoft.ManagedServices/registrationAssignments/e0000000-0000-4000-8000-00000000c001",
		map[string]any{"name": "e0000000-0000-4000-8000-00000000c001", "type": "Microsoft.ManagedServices/registrationAssignments",
			"properties": map[string]any{"registrationDefinitionId": def, "provisioningState": "Succeeded"}})
	return w
}
