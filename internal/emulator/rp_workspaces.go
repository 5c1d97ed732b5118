package emulator

import (
	"net/http"
	"strings"
)

// Microsoft.OperationalInsights workspaces (lists are not pageable) and saved searches.

const (
	workspaceType   = "Microsoft.OperationalInsights/workspaces"
	savedSearchType = "Microsoft.OperationalInsights/savedSearches"
)

func init() {
	addScopedRoute("subscriptions/*/providers/microsoft.operationalinsights/workspaces", func(c *call) {
		_, st, _ := c.e.state()
		c.ok(http.StatusOK, doc{"value": nonNil(c.inBelowScopes(st.scan("/subscriptions/"+c.segs[1]+"/", workspaceType)))})
	})
	addType("subscriptions/*/resourcegroups/*/providers/microsoft.operationalinsights/workspaces/*", &rtype{
		armType: workspaceType, get: true, tracked: true, view: viewNoSystemDataIfAbsent,
	})
	addType(workspacePrefix+"savedsearches/*", &rtype{
		armType: savedSearchType, get: true, put: true, del: true, etag: etagWeak, put200: true,
		build: buildSavedSearch, view: viewNoSystemData,
	})
}

func nonNil(ds []doc) []doc {
	if ds == nil {
		return []doc{}
	}
	return ds
}

func viewNoSystemDataIfAbsent(_ *call, d doc, _ bool) doc { return d }

func buildSavedSearch(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	for _, f := range []string{"category", "displayName", "query"} {
		if str(p[f]) == "" {
			return badRequest("BadRequest", "The saved search property '%s' is required.", f)
		}
	}
	if alias := str(p["functionAlias"]); alias != "" && !validIdent(alias) {
		return badRequest("BadRequest", "The function alias '%s' is not a valid identifier.", alias)
	}
	return nil
}

func validIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// workspaceByCustomerID finds a workspace by customer id, ARM resource id or (unique) name.
func (e *Emulator) findWorkspace(ref string) (doc, bool) {
	_, st, _ := e.state()
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "/") {
		return st.get(strings.TrimSuffix(ref, "/"))
	}
	var byName []doc
	for _, d := range st.scan("/subscriptions/", workspaceType) {
		if strings.EqualFold(str(props(d)["customerId"]), ref) {
			return d, true
		}
		if strings.EqualFold(str(d["name"]), ref) {
			byName = append(byName, d)
		}
	}
	if len(byName) == 1 {
		return byName[0], true
	}
	return nil, false
}
