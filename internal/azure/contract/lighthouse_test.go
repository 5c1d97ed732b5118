package contract

import (
	"net/http"
	"strings"
	"testing"
	"time"

	oi "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/operationalinsights/armoperationalinsights/v2"
	subs "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"
	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// customerLRO sends a Lighthouse write as the customer's app and waits until the delegation has taken
// effect (PUT: provisioningState Succeeded) or is gone (DELETE).
func (h *harness) customerLRO(app world.Identity, method, path string, body any) {
	h.t.Helper()
	c := *h
	c.cred = h.credential(app)
	st, b := c.rawARM(method, path, "2022-10-01", body)
	if st != http.StatusOK && st != http.StatusCreated && st != http.StatusAccepted {
		h.t.Fatalf("%s %s: %d %s", method, path, st, b)
	}
	for i := 0; i < 100; i++ {
		st, b = c.rawARM(http.MethodGet, path, "2022-10-01", nil)
		if method == http.MethodDelete && st == http.StatusNotFound {
			return
		}
		if method != http.MethodDelete && strings.Contains(string(b), `"provisioningState":"Succeeded"`) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatalf("%s %s did not complete: %d %s", method, path, st, b)
}

// delegate makes the customer app's tenant delegate scope to the managing app (Microsoft Sentinel
// Contributor) and returns the assignment's id.
func (h *harness) delegate(customer world.Identity, scope, name string) string {
	h.t.Helper()
	def := scope + "/providers/Microsoft.ManagedServices/registrationDefinitions/" + world.GUID(name+"-offer")
	asg := scope + "/providers/Microsoft.ManagedServices/registrationAssignments/" + world.GUID(name+"-assignment")
	h.customerLRO(customer, http.MethodPut, def, map[string]any{"properties": map[string]any{"registrationDefinitionName": "Woodgrove SOC (" + name + ")",
		"managedByTenantId": world.ManagingApp.TenantID, "authorizations": []any{map[string]any{"principalId": world.ManagingApp.ObjectID,
			"principalIdDisplayName": "sentinel-mcp", "roleDefinitionId": "ab8e14d6-4a74-4a29-9ba8-549422addade"}}}})
	h.customerLRO(customer, http.MethodPut, asg, map[string]any{"properties": map[string]any{"registrationDefinitionId": def}})
	return asg
}

// Delegations are data: when a customer assigns a registration definition to the managing tenant, the
// managing app gains the customer's subscription; when the customer deletes the assignment it loses it.
func TestLighthouseDelegationGrantsAndRevokesAccess(t *testing.T) {
	h := newHarness(t, emulatorOptions())
	lit := world.MustWorkspace(world.WSLitwareSentinel)
	readLitware := func() error {
		c, err := si.NewIncidentsClient(lit.SubscriptionID, h.cred, h.opts)
		must(t, err)
		_, err = c.NewListPager(lit.ResourceGroup, lit.Name, nil).NextPage(h.ctx())
		return err
	}
	responseError(t, readLitware(), http.StatusForbidden, "AuthorizationFailed")

	asg := h.delegate(world.LitwareApp, "/subscriptions/"+lit.SubscriptionID, "subscription")

	if err := readLitware(); err != nil {
		t.Fatalf("after the delegation: %v", err)
	}
	sc, _ := subs.NewClient(h.cred, h.opts)
	got, err := sc.Get(h.ctx(), lit.SubscriptionID, nil)
	must(t, err)
	if len(got.ManagedByTenants) != 1 || *got.ManagedByTenants[0].TenantID != world.ManagingApp.TenantID || *got.TenantID != world.LitwareApp.TenantID {
		t.Errorf("delegated subscription: tenant %v, managedByTenants %v", got.TenantID, got.ManagedByTenants)
	}
	// Delegations are the customer's to manage: the managing app cannot delete the assignment.
	if st, b := h.rawARM(http.MethodDelete, asg, "2022-10-01", nil); st != http.StatusForbidden || !strings.Contains(string(b), "AuthorizationFailed") {
		t.Errorf("managing tenant deleting the customer's assignment: %d %s", st, b)
	}

	h.customerLRO(world.LitwareApp, http.MethodDelete, asg, nil)
	responseError(t, readLitware(), http.StatusForbidden, "AuthorizationFailed")
	if _, err := sc.Get(h.ctx(), lit.SubscriptionID, nil); err == nil {
		t.Error("the revoked subscription is still readable")
	}
}

// A delegation of one resource group: the managing app reads that group's resources, sees the
// subscription (GET and list) and, in the subscription's resource groups, only the delegated one; the
// customer's other groups stay out of reach, in ARM and in Resource Graph.
func TestLighthouseResourceGroupDelegation(t *testing.T) {
	h := newHarness(t, emulatorOptions())
	lit := world.MustWorkspace(world.WSLitwareSentinel)
	sub := "/subscriptions/" + lit.SubscriptionID
	customer := *h
	customer.cred = h.credential(world.LitwareApp)
	if st, b := customer.rawARM(http.MethodPut, sub+"/resourceGroups/rg-private", "2021-04-01", map[string]any{"location": "westeurope"}); st != http.StatusCreated {
		t.Fatalf("customer resource group: %d %s", st, b)
	}
	h.delegate(world.LitwareApp, sub+"/resourceGroups/"+lit.ResourceGroup, "resource-group")

	ic, err := si.NewIncidentsClient(lit.SubscriptionID, h.cred, h.opts)
	must(t, err)
	if _, err := ic.NewListPager(lit.ResourceGroup, lit.Name, nil).NextPage(h.ctx()); err != nil {
		t.Errorf("incidents of the delegated group: %v", err)
	}
	sc, _ := subs.NewClient(h.cred, h.opts)
	if got, err := sc.Get(h.ctx(), lit.SubscriptionID, nil); err != nil || len(got.ManagedByTenants) != 1 {
		t.Errorf("subscription of a delegated group: %v %+v", err, got)
	}
	st, b := h.rawARM(http.MethodGet, sub+"/resourcegroups", "2021-04-01", nil)
	if st != http.StatusOK || !strings.Contains(string(b), `"name":"`+lit.ResourceGroup+`"`) || strings.Contains(string(b), "rg-private") {
		t.Errorf("resource groups seen through a group delegation: %d %s", st, b)
	}
	if st, b := h.rawARM(http.MethodGet, sub+"/resourceGroups/rg-private", "2021-04-01", nil); st != http.StatusForbidden || !strings.Contains(string(b), "AuthorizationFailed") {
		t.Errorf("an undelegated group: %d %s", st, b)
	}
	if st, b := customer.rawARM(http.MethodGet, sub+"/resourcegroups", "2021-04-01", nil); st != http.StatusOK || !strings.Contains(string(b), "rg-private") {
		t.Errorf("the customer's own listing: %d %s", st, b)
	}
	// Subscription-wide lists show what lies in the delegated group only.
	wc, _ := oi.NewWorkspacesClient(lit.SubscriptionID, h.cred, h.opts)
	ws, err := wc.NewListPager(nil).NextPage(h.ctx())
	if err != nil || len(ws.Value) != 1 || *ws.Value[0].Name != lit.Name {
		t.Errorf("workspaces of the subscription through a group delegation: %v %+v", err, ws.Value)
	}
	// Writes above the delegated scope stay refused.
	if st, _ := h.rawARM(http.MethodPut, sub+"/resourceGroups/rg-new", "2021-04-01", map[string]any{"location": "westeurope"}); st != http.StatusForbidden {
		t.Errorf("creating a group through a group delegation: %d", st)
	}
}
