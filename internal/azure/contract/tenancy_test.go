package contract

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	ms "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managedservices/armmanagedservices"
	rg "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph"
	subs "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func init() {
	l := "managedservices/"
	// Delegations are created by the customer tenant: Litware's own app on its own subscription.
	litware := func(h *harness) (string, *harness) {
		h2 := *h
		h2.cred = h.credential(world.LitwareApp)
		return "subscriptions/" + world.SubscriptionID("litware-sec"), &h2
	}
	putDef := func(h *harness, scope, id string, raw json.RawMessage) (ms.RegistrationDefinitionsClientCreateOrUpdateResponse, []byte) {
		c, _ := ms.NewRegistrationDefinitionsClient(h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (ms.RegistrationDefinitionsClientCreateOrUpdateResponse, error) {
			p, err := c.BeginCreateOrUpdate(ctx, id, scope, decodeInto[ms.RegistrationDefinition](h.t, raw), nil)
			if err != nil {
				return ms.RegistrationDefinitionsClientCreateOrUpdateResponse{}, err
			}
			if p.Done() {
				h.t.Error("registration definition PUT completed without a long-running operation")
			}
			return p.PollUntilDone(ctx, pollFast)
		})
		return got, wire
	}
	scenarios[l+"PutRegistrationDefinition.json"] = func(t *testing.T, h *harness, ex *example) {
		scope, lh := litware(h)
		got, wire := putDef(lh, scope, ex.str("registrationDefinitionId"), ex.param("requestBody"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire)
		if got.Properties.ProvisioningState == nil || *got.Properties.ProvisioningState != ms.ProvisioningStateSucceeded {
			t.Errorf("provisioningState after the operation: %v", got.Properties.ProvisioningState)
		}
	}
	scenarios[l+"PutRegistrationAssignment.json"] = func(t *testing.T, h *harness, ex *example) {
		scope, lh := litware(h)
		def := loadExample(t, l+"PutRegistrationDefinition.json")
		defID := def.str("registrationDefinitionId")
		putDef(lh, scope, defID, def.param("requestBody"))
		body, _ := json.Marshal(map[string]any{"properties": map[string]any{
			"registrationDefinitionId": "/" + scope + "/providers/Microsoft.ManagedServices/registrationDefinitions/" + defID}})
		c, _ := ms.NewRegistrationAssignmentsClient(lh.cred, lh.opts)
		got, _, wire := capture(lh, func(ctx context.Context) (ms.RegistrationAssignmentsClientCreateOrUpdateResponse, error) {
			p, err := c.BeginCreateOrUpdate(ctx, scope, ex.str("registrationAssignmentId"), decodeInto[ms.RegistrationAssignment](t, body), nil)
			if err != nil {
				return ms.RegistrationAssignmentsClientCreateOrUpdateResponse{}, err
			}
			return p.PollUntilDone(ctx, pollFast)
		})
		checkBoth(t, ex, ex.body("201", "200"), got, wire)
		// The assignment delegates Litware's subscription to the example's managing tenant; deleting it
		// is a long-running operation that ends the delegation.
		dp, err := c.BeginDelete(lh.ctx(), scope, ex.str("registrationAssignmentId"), nil)
		must(t, err)
		_, err = dp.PollUntilDone(lh.ctx(), pollFast)
		must(t, err)
		if _, err := c.Get(lh.ctx(), scope, ex.str("registrationAssignmentId"), nil); err == nil {
			t.Error("assignment still exists after its delete operation completed")
		}
	}
	scenarios[l+"GetRegistrationAssignment.json"] = func(t *testing.T, h *harness, ex *example) {
		d := world.Delegations()[0]
		c, _ := ms.NewRegistrationAssignmentsClient(h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (ms.RegistrationAssignmentsClientGetResponse, error) {
			return c.Get(ctx, "subscriptions/"+d.SubscriptionID, d.AssignmentID, &ms.RegistrationAssignmentsClientGetOptions{ExpandRegistrationDefinition: ptr(true)})
		})
		expectStatus(t, ex, resp)
		// The seeded offer has no marketplace plan and no eligible (just-in-time) authorizations.
		checkBoth(t, ex, ex.body("200"), got, wire, "properties.registrationDefinition.plan",
			"properties.registrationDefinition.properties.eligibleAuthorizations",
			"properties.registrationDefinition.properties.authorizations[].delegatedRoleDefinitionIds")
	}
	// Quirk: the example's $filter repeats "$filter=" inside the value and names a tenant of its own;
	// the replay filters on the seeded managing tenant.
	scenarios[l+"GetRegistrationDefinitionsWithManagedByTenantIdEqFilter.json"] = func(t *testing.T, h *harness, ex *example) {
		d := world.Delegations()[0]
		c, _ := ms.NewRegistrationDefinitionsClient(h.cred, h.opts)
		filter := "managedByTenantId eq '" + d.ManagingTenantID + "'"
		got, wire := firstPage(h, c.NewListPager("subscriptions/"+d.SubscriptionID, &ms.RegistrationDefinitionsClientListOptions{Filter: &filter}))
		if len(got.Value) != 1 {
			t.Errorf("definitions managed by the managing tenant: %d, want 1", len(got.Value))
		}
		checkBoth(t, ex, ex.body("200"), got, wire, "value[].plan", "value[].properties.eligibleAuthorizations",
			"value[].properties.authorizations[].delegatedRoleDefinitionIds")
		other := "managedByTenantId eq '00000000-0000-0000-0000-000000000001'"
		none, _ := firstPage(h, c.NewListPager("subscriptions/"+d.SubscriptionID, &ms.RegistrationDefinitionsClientListOptions{Filter: &other}))
		if len(none.Value) != 0 {
			t.Errorf("filter on another tenant returned %d definitions", len(none.Value))
		}
	}

	scenarios["subscriptions/GetSubscriptions.json"] = func(t *testing.T, h *harness, ex *example) {
		c, _ := subs.NewClient(h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(nil))
		checkBoth(t, ex, ex.body("200"), got, wire, "nextLink")
		delegated := 0
		for _, s := range got.Value {
			if *s.TenantID != world.ManagingApp.TenantID {
				delegated++
				if len(s.ManagedByTenants) == 0 {
					t.Errorf("delegated subscription %s lacks managedByTenants", *s.DisplayName)
				}
			}
		}
		if delegated != 3 {
			t.Errorf("delegated subscriptions visible to the managing app: %d, want 3", delegated)
		}
	}

	g := "resourcegraph/"
	graph := func(h *harness, q rg.QueryRequest) (rg.ClientResourcesResponse, []byte) {
		c, _ := rg.NewClient(h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (rg.ClientResourcesResponse, error) { return c.Resources(ctx, q, nil) })
		return got, wire
	}
	query := func(h *harness, ex *example) rg.QueryRequest {
		q := decodeInto[rg.QueryRequest](h.t, ex.param("query"))
		q.Subscriptions = []*string{&h.sub}
		return q
	}
	scenarios[g+"ResourcesBasicQuery.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire := graph(h, query(h, ex))
		if *got.Count != 3 {
			t.Errorf("count %d, want 3 (limit 3)", *got.Count)
		}
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	// Quirk: the example's $skipToken is opaque text from another service instance; the replay pages
	// with a token the emulator issued, and the name filter matches the seeded resources.
	scenarios[g+"ResourcesNextPageQuery.json"] = func(t *testing.T, h *harness, ex *example) {
		q := query(h, ex)
		q.Query = ptr(strings.Replace(*q.Query, "'test'", "'contoso'", 1))
		q.Options = &rg.QueryRequestOptions{Top: ptr(int32(1))}
		first, _ := graph(h, q)
		if first.SkipToken == nil {
			t.Fatal("first page has no $skipToken")
		}
		q.Options = &rg.QueryRequestOptions{SkipToken: first.SkipToken, Top: ptr(int32(1))}
		got, wire := graph(h, q)
		checkBoth(t, ex, ex.body("200"), got, wire)
		if a, b := first.Data.([]any)[0], got.Data.([]any)[0]; a.(map[string]any)["id"] == b.(map[string]any)["id"] {
			t.Error("second page repeats the first")
		}
	}
	scenarios[g+"ResourcesPropertiesQuery.json"] = func(t *testing.T, h *harness, ex *example) {
		for i, os := range []string{"Linux", "Windows", "Windows"} {
			vm := "/subscriptions/" + h.sub + "/resourceGroups/" + h.rg + "/providers/Microsoft.Compute/virtualMachines/vm" + string(rune('1'+i))
			b, _ := json.Marshal(map[string]any{"type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
				"properties": map[string]any{"storageProfile": map[string]any{"osDisk": map[string]any{"osType": os}}}})
			must(t, h.e.SeedResource(vm, b))
		}
		got, wire := graph(h, query(h, ex))
		checkBoth(t, ex, ex.body("200"), got, wire)
		if *got.TotalRecords != 2 {
			t.Errorf("groups %d, want 2 (Linux, Windows)", *got.TotalRecords)
		}
	}
}
