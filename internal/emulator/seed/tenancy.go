package seed

import (
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// tenancy adds the Lighthouse registration definitions and assignments of every delegated subscription.
func (b *builder) tenancy() {
	managing := world.MustTenant(world.Woodgrove)
	for _, d := range b.w.Delegations {
		customer, _ := b.w.Tenant(d.CustomerTenantID)
		scope := "/subscriptions/" + d.SubscriptionID
		defID := scope + "/providers/Microsoft.ManagedServices/registrationDefinitions/" + d.DefinitionID
		auths := make([]any, 0, len(d.Authorizations))
		for _, a := range d.Authorizations {
			auths = append(auths, map[string]any{"principalId": a.PrincipalID,
				"principalIdDisplayName": a.PrincipalIDDisplayName, "roleDefinitionId": a.RoleDefinitionID})
		}
		defProps := map[string]any{
			"registrationDefinitionName": d.OfferName,
			"description":                "Managed detection and response by " + managing.Name + " for " + customer.Name,
			"managedByTenantId":          d.ManagingTenantID,
			"managedByTenantName":        managing.Name,
			"manageeTenantId":            d.CustomerTenantID,
			"manageeTenantName":          customer.Name,
			"authorizations":             auths,
			"provisioningState":          "Succeeded",
		}
		b.add(defID, "Microsoft.ManagedServices/registrationDefinitions", map[string]any{"properties": defProps})
		b.add(scope+"/providers/Microsoft.ManagedServices/registrationAssignments/"+d.AssignmentID,
			"Microsoft.ManagedServices/registrationAssignments", map[string]any{"properties": map[string]any{
				"registrationDefinitionId": defID,
				"provisioningState":        "Succeeded",
			}})
	}
}

// workspace adds a workspace and everything in it.
func (b *builder) workspace(ws world.Workspace) {
	created := b.now.Add(-400 * 24 * time.Hour)
	if ws.Synthetic {
		created = b.now.Add(-60 * 24 * time.Hour)
	}
	b.add(ws.ResourceID, "Microsoft.OperationalInsights/workspaces", map[string]any{
		"location": ws.Location,
		"tags":     map[string]any{"owner": "soc", "tenant": ws.TenantAlias},
		"properties": map[string]any{
			"customerId":        ws.CustomerID,
			"provisioningState": "Succeeded",
			"sku":               map[string]any{"name": ws.SKU, "lastSkuUpdate": ts(created)},
			"retentionInDays":   ws.RetentionDays,
			"features": map[string]any{
				"legacy": 0, "searchVersion": 1, "enableLogAccessUsingOnlyResourcePermissions": true,
			},
			"workspaceCapping": map[string]any{
				"dailyQuotaGb": -1, "quotaNextResetTime": ts(b.now.Truncate(24 * time.Hour).Add(24 * time.Hour)),
				"dataIngestionStatus": "RespectQuota",
			},
			"publicNetworkAccessForIngestion": "Enabled",
			"publicNetworkAccessForQuery":     "Enabled",
			"createdDate":                     ts(created),
			"modifiedDate":                    ts(created.Add(30 * 24 * time.Hour)),
		},
	})
	b.workspaceContent(ws)
	if !ws.Sentinel {
		return
	}
	solName := "SecurityInsights(" + ws.Name + ")"
	b.add("/subscriptions/"+ws.SubscriptionID+"/resourceGroups/"+ws.ResourceGroup+
		"/providers/Microsoft.OperationsManagement/solutions/"+solName,
		"Microsoft.OperationsManagement/solutions", map[string]any{
			"location": ws.Location,
			"plan": map[string]any{"name": solName, "publisher": "Microsoft",
				"product": "OMSGallery/SecurityInsights", "promotionCode": ""},
			"properties": map[string]any{"workspaceResourceId": ws.ResourceID, "provisioningState": "Succeeded",
				"containedResources": []any{}, "referencedResources": []any{}},
		})
	b.add(sentinelBase(ws)+"/onboardingStates/default", "Microsoft.SecurityInsights/onboardingStates",
		map[string]any{"properties": map[string]any{"customerManagedKey": false}})
	b.sentinelContent(ws)
	b.insights(ws)
}

// sentinelBase is the Microsoft.SecurityInsights provider path of a workspace.
func sentinelBase(ws world.Workspace) string {
	return ws.ResourceID + "/providers/Microsoft.SecurityInsights"
}
