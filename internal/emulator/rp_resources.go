package emulator

import (
	"net/http"
	"strings"
)

// Microsoft.Resources: subscriptions (with managedByTenants derived from Lighthouse), tenants and
// resource groups.

func init() {
	addRoute("subscriptions", "GET", func(c *call) { c.e.listSubscriptions(c) })
	addScopedRoute("subscriptions/*", func(c *call) { c.e.getSubscription(c) })
	addRoute("tenants", "GET", func(c *call) { c.e.listTenants(c) })
	addScopedRoute("subscriptions/*/resourcegroups", func(c *call) {
		_, st, _ := c.e.state()
		c.page(c.inBelowScopes(st.list(c.resourceID())), -1)
	})
	addType("subscriptions/*/resourcegroups/*", &rtype{armType: "Microsoft.Resources/resourceGroups", paged: true,
		get: true, put: true, patch: true, tracked: true, etag: etagNone,
		build: func(c *call, id string, old, d doc) *apiError {
			ensureProps(d)["provisioningState"] = "Succeeded"
			delete(d, "systemData")
			return nil
		},
	})
}

func (e *Emulator) subscriptionDoc(s *subscription) doc {
	mbt := []any{}
	for _, t := range e.managedByTenants(s.ID) {
		mbt = append(mbt, map[string]any{"tenantId": t})
	}
	tags := map[string]any{}
	for k, v := range s.Tags {
		tags[k] = v
	}
	state := s.State
	if state == "" {
		state = "Enabled"
	}
	return doc{
		"id": "/subscriptions/" + s.ID, "subscriptionId": s.ID, "tenantId": s.TenantID, "displayName": s.DisplayName,
		"state": state, "authorizationSource": "RoleBased", "managedByTenants": mbt, "tags": tags,
		"subscriptionPolicies": map[string]any{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
	}
}

func (e *Emulator) listSubscriptions(c *call) {
	_, st, _ := e.state()
	var out []doc
	for _, s := range st.subscriptions() {
		if e.subscriptionVisible(c.user, s) {
			out = append(out, e.subscriptionDoc(s))
		}
	}
	c.page(out, -1)
}

func (e *Emulator) getSubscription(c *call) {
	_, st, _ := e.state()
	s, _ := st.subscription(c.segs[1]) // existence and access checked by serveARM
	c.ok(http.StatusOK, e.subscriptionDoc(s))
}

// listTenants answers GET /tenants: the caller's home tenant plus the tenants whose subscriptions are
// delegated to it (tenantCategory ProjectedBy).
func (e *Emulator) listTenants(c *call) {
	w, st, _ := e.state()
	seen := map[string]bool{}
	var out []doc
	addT := func(id, category string) {
		if seen[strings.ToLower(id)] {
			return
		}
		seen[strings.ToLower(id)] = true
		d := doc{"id": "/tenants/" + id, "tenantId": id, "tenantCategory": category}
		if t, ok := w.tenant(id); ok {
			d["displayName"] = t.Name
			d["defaultDomain"] = t.Domain
			d["domains"] = []string{t.Domain}
			d["tenantType"] = "AAD"
			d["countryCode"] = "US"
		}
		out = append(out, d)
	}
	addT(c.user.TenantID, "Home")
	for _, s := range st.subscriptions() {
		if !strings.EqualFold(s.TenantID, c.user.TenantID) && e.subscriptionVisible(c.user, s) {
			addT(s.TenantID, "ProjectedBy")
		}
	}
	c.page(out, -1)
}
