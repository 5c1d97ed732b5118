package emulator

import (
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Access control. A principal reaches its own tenant's subscriptions and the scopes delegated to its
// tenant through Lighthouse registration assignments; both are read from the store on every change, so
// creating or deleting an assignment changes access the way Azure does.

// Built-in role definition ids that limit what a delegated principal may do.
var (
	readOnlyRoles = map[string]bool{
		"acdd72a7-3385-48ef-bd42-f606fba81ae7": true, // Reader
		"8d289c81-5878-46d4-8554-54e1e3d8b5cb": true, // Microsoft Sentinel Reader
		"73c42c96-874c-492b-b04d-ab87d138a893": true, // Log Analytics Reader
		"43d0d8ad-25c7-4714-9337-8ba259a9fe05": true, // Monitoring Reader
	}
	responderRole        = "3e150937-b8fe-4cfb-8069-0eaf05ecd056" // Microsoft Sentinel Responder
	assignmentDeleteRole = "91c1777a-f3dc-4fae-b103-61d183457e46" // Managed Services Registration assignment Delete Role
)

type grant struct {
	scope     string              // lower-cased "/subscriptions/x" or "/subscriptions/x/resourcegroups/y"
	managedBy string              // managing tenant id, lower-cased
	byPrinc   map[string][]string // principal id (lower) -> role ids (lower)
	roles     []string            // all role ids of the definition
}

type grantCache struct {
	mu      sync.Mutex
	version uint64
	grants  []grant
	valid   bool
}

func lastSeg(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

// lighthouseGrants derives the delegations from the registration assignments in the store.
func (e *Emulator) lighthouseGrants() []grant {
	_, st, _ := e.state()
	v := st.currentVersion()
	gc := &e.grantCache
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if gc.valid && gc.version == v {
		return gc.grants
	}
	var out []grant
	for _, a := range st.scan("/subscriptions/", "Microsoft.ManagedServices/registrationAssignments") {
		p := props(a)
		if p == nil {
			continue
		}
		switch strings.ToLower(str(p["provisioningState"])) {
		case "", "succeeded", "deleting": // a delegation holds until its deletion completes
		default:
			continue
		}
		defID := str(p["registrationDefinitionId"])
		def, ok := st.get(defID)
		if !ok {
			// Assignments may name the definition by its id in the same scope only by GUID.
			continue
		}
		dp := props(def)
		g := grant{
			scope:     strings.ToLower(scopeOfExtension(str(a["id"]))),
			managedBy: strings.ToLower(str(dp["managedByTenantId"])),
			byPrinc:   map[string][]string{},
		}
		auths, _ := dp["authorizations"].([]any)
		for _, x := range auths {
			m, _ := x.(map[string]any)
			role := strings.ToLower(lastSeg(str(m["roleDefinitionId"])))
			pid := strings.ToLower(str(m["principalId"]))
			g.byPrinc[pid] = append(g.byPrinc[pid], role)
			g.roles = append(g.roles, role)
		}
		out = append(out, g)
	}
	gc.grants, gc.version, gc.valid = out, v, true
	return out
}

// scopeOfExtension returns the scope an extension resource sits on: the part before "/providers/".
func scopeOfExtension(id string) string {
	l := strings.ToLower(id)
	if i := strings.LastIndex(l, "/providers/"); i >= 0 {
		return id[:i]
	}
	return id
}

// rolesFor returns the delegated roles p holds on path (lower-cased resource path), and whether any
// delegation applies. When no authorization names p's object id, the definition's roles apply to the
// whole managing tenant (seeded worlds may authorise a group the app belongs to).
func (e *Emulator) rolesFor(p *principal, lpath string) ([]string, bool) {
	var roles []string
	found := false
	tid := strings.ToLower(p.TenantID)
	oid := strings.ToLower(p.ObjectID)
	for _, g := range e.lighthouseGrants() {
		if g.managedBy != tid || !(lpath == g.scope || strings.HasPrefix(lpath, g.scope+"/")) {
			continue
		}
		found = true
		if r, ok := g.byPrinc[oid]; ok {
			roles = append(roles, r...)
		} else {
			roles = append(roles, g.roles...)
		}
	}
	return roles, found
}

// permits reports whether the roles allow action ("<Namespace>/<type>/read|write|delete|action").
func permits(roles []string, action string) bool {
	la := strings.ToLower(action)
	read := strings.HasSuffix(la, "/read")
	if !read && strings.HasPrefix(la, "microsoft.managedservices/") {
		// Delegations are managed by the customer tenant; the managing tenant may only remove one, and
		// only with the role made for it in the offer's authorizations (as Lighthouse requires).
		return la == "microsoft.managedservices/registrationassignments/delete" && slices.Contains(roles, assignmentDeleteRole)
	}
	for _, r := range roles {
		switch {
		case readOnlyRoles[r]:
			if read {
				return true
			}
		case r == responderRole:
			if read || strings.HasPrefix(la, "microsoft.securityinsights/incidents/") {
				return true
			}
		case r == assignmentDeleteRole:
			if la == "microsoft.managedservices/registrationassignments/delete" {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// authorize checks that p may perform action on the resource path. The path is under a subscription.
func (e *Emulator) authorize(p *principal, subID, resourcePath, action string) *apiError {
	_, st, _ := e.state()
	sub, ok := st.subscription(subID)
	if !ok {
		return errf(http.StatusNotFound, "SubscriptionNotFound", "The subscription '%s' could not be found.", subID)
	}
	if strings.EqualFold(sub.TenantID, p.TenantID) {
		return nil
	}
	lpath := strings.ToLower(strings.TrimSuffix(resourcePath, "/"))
	if roles, found := e.rolesFor(p, lpath); found && permits(roles, action) {
		return nil
	}
	return authorizationFailed(p, action, resourcePath)
}

func authorizationFailed(p *principal, action, scope string) *apiError {
	return errf(http.StatusForbidden, "AuthorizationFailed",
		"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
		p.AppID, p.ObjectID, action, scope)
}

// readableBelow returns the scopes under lpath (lower-cased, strictly below it) delegated to p with a
// role that reads there: a principal delegated one resource group still reads its subscription and the
// lists above that group, which then show only what lies in the delegated scopes (as ARM filters them).
func (e *Emulator) readableBelow(p *principal, lpath, action string) []string {
	tid := strings.ToLower(p.TenantID)
	oid := strings.ToLower(p.ObjectID)
	base := lpath // a provider list on a scope ("/subscriptions/x/providers/ns/type") lists that scope
	if i := strings.Index(lpath, "/providers/"); i >= 0 {
		base = lpath[:i]
	}
	var out []string
	for _, g := range e.lighthouseGrants() {
		if g.managedBy != tid || !strings.HasPrefix(g.scope, base+"/") {
			continue
		}
		roles, ok := g.byPrinc[oid]
		if !ok {
			roles = g.roles
		}
		if permits(roles, action) {
			out = append(out, g.scope)
		}
	}
	return out
}

// inScopes reports whether id lies in one of the scopes (lower-cased).
func inScopes(id string, scopes []string) bool {
	l := strings.ToLower(id)
	for _, s := range scopes {
		if l == s || strings.HasPrefix(l, s+"/") {
			return true
		}
	}
	return false
}

// subscriptionVisible reports whether sub appears in p's subscription list, and the tenants managing it
// on p's behalf.
func (e *Emulator) subscriptionVisible(p *principal, sub *subscription) bool {
	if strings.EqualFold(sub.TenantID, p.TenantID) {
		return true
	}
	prefix := "/subscriptions/" + strings.ToLower(sub.ID)
	tid := strings.ToLower(p.TenantID)
	for _, g := range e.lighthouseGrants() {
		if g.managedBy == tid && (g.scope == prefix || strings.HasPrefix(g.scope, prefix+"/")) {
			return true
		}
	}
	return false
}

// managedByTenants lists the tenants a subscription is delegated to (the managedByTenants field).
func (e *Emulator) managedByTenants(subID string) []string {
	prefix := "/subscriptions/" + strings.ToLower(subID)
	seen := map[string]bool{}
	var out []string
	for _, g := range e.lighthouseGrants() {
		if (g.scope == prefix || strings.HasPrefix(g.scope, prefix+"/")) && !seen[g.managedBy] && g.managedBy != "" {
			seen[g.managedBy] = true
			out = append(out, g.managedBy)
		}
	}
	return out
}
