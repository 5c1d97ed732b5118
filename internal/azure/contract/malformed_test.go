package contract

import (
	"testing"

	ms "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managedservices/armmanagedservices"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func init() {
	// Quirks: upstream the file lacks a comma after "api-version" (loadExample repairs it), its scope
	// says "subscription/" and its $filter repeats "$filter=" inside the value. The replay lists the
	// assignments of a delegated subscription, expanded, filtered on the seeded managing tenant.
	scenarios["managedservices/"+malformedDir+"/GetRegistrationAssignmentsWithManagedByTenantIdEqFilter.json"] = func(t *testing.T, h *harness, ex *example) {
		if ex.str("api-version") == "" || ex.str("$filter") == "" {
			t.Fatalf("the repaired example lost its parameters: %v", ex.Parameters)
		}
		d := world.Delegations()[0]
		c, _ := ms.NewRegistrationAssignmentsClient(h.cred, h.opts)
		filter := "managedByTenantId eq '" + d.ManagingTenantID + "'"
		got, wire := firstPage(h, c.NewListPager("subscriptions/"+d.SubscriptionID,
			&ms.RegistrationAssignmentsClientListOptions{ExpandRegistrationDefinition: ptr(true), Filter: &filter}))
		if len(got.Value) != 1 {
			t.Fatalf("assignments delegated to the managing tenant: %d, want 1", len(got.Value))
		}
		if def := got.Value[0].Properties.RegistrationDefinition; def == nil || def.Properties == nil ||
			def.Properties.ManagedByTenantID == nil || *def.Properties.ManagedByTenantID != d.ManagingTenantID {
			t.Errorf("$expandRegistrationDefinition=true did not embed the definition: %+v", got.Value[0].Properties)
		}
		// The seeded offer has no marketplace plan and no eligible (just-in-time) authorizations.
		checkBoth(t, ex, ex.body("200"), got, wire, "nextLink", "value[].properties.registrationDefinition.plan",
			"value[].properties.registrationDefinition.properties.eligibleAuthorizations",
			"value[].properties.registrationDefinition.properties.authorizations[].delegatedRoleDefinitionIds")
		other := "managedByTenantId eq '00000000-0000-0000-0000-000000000001'"
		none, _ := firstPage(h, c.NewListPager("subscriptions/"+d.SubscriptionID, &ms.RegistrationAssignmentsClientListOptions{Filter: &other}))
		if len(none.Value) != 0 {
			t.Errorf("filter on another tenant returned %d assignments", len(none.Value))
		}
	}
}
