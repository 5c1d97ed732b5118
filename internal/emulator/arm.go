package emulator

import (
	"net/http"
	"strings"
)

// route is one ARM path pattern with its handler. Patterns are lower-case segment globs (see globSegs):
// "*" is a name, "**" any number of segments (extension resources on arbitrary scopes).
type route struct {
	pattern []string
	methods string // comma-separated; "" = any
	handle  func(c *call)
	scoped  bool // serves callers with belowScopes (filters by them)
}

// rtype describes a resource type served by the generic store handlers (arm_generic.go).
type rtype struct {
	pattern []string // item pattern; the collection pattern is the same minus the last segment
	armType string   // value of "type"
	paged   bool     // list answers with nextLink paging
	get     bool
	put     bool
	patch   bool
	del     bool
	etag    etagStyle
	// tracked resources carry location and tags; PUT requires location.
	tracked bool
	// deleteStatus overrides the 200 of a successful DELETE (legacy workbooks answer 204).
	deleteStatus func(c *call) int
	// put200 answers 200 on create too (saved searches: the API documents no 201).
	put200 bool
	// build validates a PUT/PATCH body and fills read-only properties. old is nil on create. It runs
	// under the write lock and must not write the store itself (use after).
	build func(c *call, id string, old, d doc) *apiError
	// after runs under the write lock after the document is stored (derived resources, counters).
	after func(c *call, id string, old, d doc)
	// beforeDelete may refuse a delete; afterDelete cleans up derived state. Both under the write lock.
	beforeDelete func(c *call, id string, cur doc) *apiError
	// list overrides the collection listing (filters, ordering); items are in creation order.
	list func(c *call, items []doc) ([]doc, *apiError)
	// view renders a stored document for a response (e.g. hiding content unless asked for).
	view func(c *call, d doc, inList bool) doc
	// deleteAsync: DELETE answers 202 with an operation (watchlists) instead of 200.
	deleteAsync string // "" or the status path kind ("watchlistStatuses")
}

type etagStyle int

const (
	etagQuoted etagStyle = iota // "\"0300bf09-0000-0000-0000-5c37296e0000\""
	etagWeak                    // W/"datetime'2026-01-02T03%3A04%3A05.0000000Z'"
	etagNone
)

func segs(p string) []string {
	var out []string
	for _, s := range strings.Split(strings.Trim(strings.ToLower(p), "/"), "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

const sentinelPrefix = "subscriptions/*/resourcegroups/*/providers/microsoft.operationalinsights/workspaces/*/providers/microsoft.securityinsights/"
const workspacePrefix = "subscriptions/*/resourcegroups/*/providers/microsoft.operationalinsights/workspaces/*/"

// armIndex is the parsed structure of an ARM path.
type armIndex struct {
	subID    string
	rg       string
	ns       string   // last provider namespace, as sent
	types    []string // resource types after the last provider, as sent
	nsIndex  int      // index of the namespace segment, -1 when there is no provider
	hasRGSeg bool
}

func parseARM(sg, lsg []string) armIndex {
	ix := armIndex{nsIndex: -1}
	if len(lsg) >= 2 && lsg[0] == "subscriptions" {
		ix.subID = sg[1]
		if len(lsg) >= 4 && lsg[2] == "resourcegroups" {
			ix.rg = sg[3]
			ix.hasRGSeg = true
		} else if len(lsg) == 3 && lsg[2] == "resourcegroups" {
			ix.hasRGSeg = true
		}
	}
	for i := len(lsg) - 2; i >= 0; i-- {
		if lsg[i] == "providers" {
			ix.nsIndex = i + 1
			ix.ns = sg[i+1]
			for j := i + 2; j < len(sg); j += 2 {
				ix.types = append(ix.types, sg[j])
			}
			break
		}
	}
	return ix
}

// providerAction names the RBAC action for a verb on a resource path ("Microsoft.SecurityInsights/incidents/read").
func providerAction(resourcePath, verb string) string {
	sg := strings.Split(strings.Trim(resourcePath, "/"), "/")
	lsg := segs(resourcePath)
	ix := parseARM(sg, lsg)
	if ix.nsIndex < 0 {
		if ix.rg != "" {
			return "Microsoft.Resources/subscriptions/resourceGroups/" + verb
		}
		return "Microsoft.Resources/subscriptions/" + verb
	}
	return ix.ns + "/" + strings.Join(ix.types, "/") + "/" + verb
}

func methodVerb(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead:
		return "read"
	case http.MethodDelete:
		return "delete"
	case http.MethodPost:
		return "action"
	}
	return "write"
}

// serveARM authenticates, validates the api-version, checks the subscription, access and throttling,
// then dispatches to a route or to the generic resource handlers.
func (e *Emulator) serveARM(c *call) {
	e.completeDueOps()
	if c.user = e.authenticate(c); c.user == nil {
		return
	}
	ix := parseARM(c.segs, c.lsegs)
	ns, firstType := "microsoft.resources", ""
	if ix.nsIndex >= 0 {
		ns = ix.ns
		if len(ix.types) > 0 {
			firstType = ix.types[0]
		}
	}
	if err := checkAPIVersion(c.q("api-version"), ns, firstType); err != nil {
		c.fail(err)
		return
	}
	_, st, _ := e.state()
	if ix.subID != "" {
		if _, ok := st.subscription(ix.subID); !ok {
			c.fail(errf(http.StatusNotFound, "SubscriptionNotFound", "The subscription '%s' could not be found.", ix.subID))
			return
		}
		if e.serveOperation(c) {
			return
		}
		resPath := "/" + strings.Join(c.segs, "/")
		action := providerAction(resPath, methodVerb(c.r.Method))
		denied := e.authorize(c.user, ix.subID, resPath, action)
		if denied != nil && c.r.Method == http.MethodGet {
			if below := e.readableBelow(c.user, strings.ToLower(strings.TrimSuffix(resPath, "/")), action); len(below) > 0 {
				c.belowScopes, denied = below, nil
			}
		}
		if denied != nil {
			c.fail(denied)
			return
		}
		if err := e.throttle(c, "subscription", ix.subID); err != nil {
			c.fail(err)
			return
		}
		if ix.rg != "" && !st.exists("/subscriptions/"+ix.subID+"/resourceGroups/"+ix.rg) &&
			!(len(c.lsegs) == 4 && c.r.Method == http.MethodPut) {
			c.fail(errf(http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", ix.rg))
			return
		}
	} else if err := e.throttle(c, "tenant", c.user.TenantID); err != nil {
		c.fail(err)
		return
	}
	for _, rt := range e.routes() {
		if !globSegs(rt.pattern, c.lsegs) {
			continue
		}
		if rt.methods != "" && !strings.Contains(","+rt.methods+",", ","+c.r.Method+",") {
			continue
		}
		if c.belowScopes != nil && !rt.scoped {
			c.fail(authorizationFailed(c.user, providerAction(c.resourceID(), "read"), c.resourceID()))
			return
		}
		rt.handle(c)
		return
	}
	for _, t := range e.rtypes() {
		if globSegs(t.pattern, c.lsegs) {
			if c.belowScopes != nil { // an item above the delegated scopes is not readable
				c.fail(authorizationFailed(c.user, providerAction(c.resourceID(), "read"), c.resourceID()))
				return
			}
			e.serveItem(c, t)
			return
		}
		if globSegs(t.pattern[:len(t.pattern)-1], c.lsegs) {
			e.serveCollection(c, t)
			return
		}
	}
	e.unknownRoute(c, ix)
}

func (e *Emulator) unknownRoute(c *call, ix armIndex) {
	if ix.nsIndex >= 0 && len(ix.types) > 0 {
		c.fail(errf(http.StatusBadRequest, "InvalidResourceType", "The resource type '%s' could not be found in the namespace '%s' for api version '%s'.",
			strings.Join(ix.types, "/"), ix.ns, c.q("api-version")))
		return
	}
	c.fail(errf(http.StatusNotFound, "NotFound", "The requested path '%s' does not exist.", c.r.URL.Path))
}

// notFound is ARM's 404 for a missing resource.
func notFound(id string) *apiError {
	sg := strings.Split(strings.Trim(id, "/"), "/")
	ix := parseARM(sg, segs(id))
	name := lastSeg(id)
	typ := ix.ns
	if ix.nsIndex >= 0 {
		var parts []string
		for j := ix.nsIndex + 1; j+1 < len(sg); j += 2 {
			parts = append(parts, sg[j])
		}
		var names []string
		for j := ix.nsIndex + 2; j < len(sg); j += 2 {
			names = append(names, sg[j])
		}
		typ = ix.ns + "/" + strings.Join(parts, "/")
		name = strings.Join(names, "/")
	}
	if ix.rg != "" {
		return errf(http.StatusNotFound, "ResourceNotFound", "The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", typ, name, ix.rg)
	}
	return errf(http.StatusNotFound, "ResourceNotFound", "The Resource '%s/%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", typ, name)
}

func methodNotAllowed(c *call) {
	c.fail(errf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '%s'.", c.r.Method))
}
