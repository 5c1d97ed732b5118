package emulator

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// Sentinel incidents: OData list, auto-incremented incidentNumber, read-only fields computed by the
// server, comments, and the POST actions alerts/entities/bookmarks.

const incidentType = "Microsoft.SecurityInsights/incidents"

func init() {
	addType(sentinelPrefix+"incidents/*", &rtype{armType: incidentType, paged: true, get: true, put: true, del: true,
		build: buildIncident, list: listIncidents, view: viewIncident})
	addType(sentinelPrefix+"incidents/*/comments/*", &rtype{armType: "Microsoft.SecurityInsights/incidents/comments", paged: true,
		get: true, put: true, del: true, build: buildComment, list: listODataSimple})
	addRoute(sentinelPrefix+"incidents/*/alerts", "POST", func(c *call) { c.e.incidentChildren(c, "alerts") })
	addRoute(sentinelPrefix+"incidents/*/entities", "POST", func(c *call) { c.e.incidentChildren(c, "entities") })
	addRoute(sentinelPrefix+"incidents/*/bookmarks", "POST", func(c *call) { c.e.incidentChildren(c, "bookmarks") })
	addRoute(sentinelPrefix+"incidents", "GET", func(c *call) { c.e.listIncidentsRoute(c) })
}

var incidentStatuses = map[string]bool{"New": true, "Active": true, "Closed": true}
var classifications = map[string]bool{"Undetermined": true, "TruePositive": true, "BenignPositive": true, "FalsePositive": true}

func buildIncident(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	for _, f := range []string{"title", "severity", "status"} {
		if str(p[f]) == "" {
			return badRequest("BadRequest", "The incident property '%s' is required.", f)
		}
	}
	if !severities[str(p["severity"])] {
		return badRequest("BadRequest", "The severity '%s' is not valid. Valid values: High, Medium, Low, Informational.", str(p["severity"]))
	}
	if !incidentStatuses[str(p["status"])] {
		return badRequest("BadRequest", "The status '%s' is not valid. Valid values: New, Active, Closed.", str(p["status"]))
	}
	if cl := str(p["classification"]); cl != "" && !classifications[cl] {
		return badRequest("BadRequest", "The classification '%s' is not valid. Valid values: Undetermined, TruePositive, BenignPositive, FalsePositive.", cl)
	}
	if str(p["status"]) == "Closed" && str(p["classification"]) == "" {
		return badRequest("BadRequest", "Classification is required when closing an incident.")
	}
	var op map[string]any
	if old != nil {
		op = props(old)
	}
	if op != nil && str(op["status"]) == "Closed" && str(p["status"]) != "Closed" {
		// Reopening: Sentinel drops the closing classification, even when
		// the body (a read-modify-write of the closed incident) still has it.
		for _, f := range []string{"classification", "classificationReason", "classificationComment"} {
			delete(p, f)
		}
	}
	keepFrom(op, p, "incidentNumber", "createdTimeUtc", "relatedAnalyticRuleIds", "incidentUrl", "providerIncidentId")
	if op == nil {
		_, st, _ := c.e.state()
		st.mu.Lock()
		n := st.nextCounterLocked("incidents:" + strings.ToLower(workspaceOf(id)))
		st.mu.Unlock()
		p["incidentNumber"] = n
		p["createdTimeUtc"] = c.stamp()
		p["relatedAnalyticRuleIds"] = []any{}
		p["incidentUrl"] = "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident" + id
		p["providerIncidentId"] = itoa(int(n))
	}
	if _, ok := p["providerName"]; !ok {
		p["providerName"] = "Azure Sentinel"
	}
	if _, ok := p["labels"]; !ok {
		p["labels"] = []any{}
	}
	p["lastModifiedTimeUtc"] = c.stamp()
	delete(p, "additionalData") // computed on read
	return nil
}

// viewIncident computes additionalData from the incident's alerts, comments and bookmarks.
func viewIncident(c *call, d doc, _ bool) doc {
	_, st, _ := c.e.state()
	id := str(d["id"])
	alerts := st.list(id + "/alerts")
	comments := st.list(id + "/comments")
	v := cloneShallow(d)
	p := cloneShallow(props(d))
	ad := map[string]any{}
	if old, ok := props(d)["additionalData"].(map[string]any); ok {
		for k, x := range old {
			ad[k] = x
		}
	}
	ad["commentsCount"] = len(comments)
	if len(alerts) > 0 || ad["alertsCount"] == nil {
		ad["alertsCount"] = len(alerts)
		products := map[string]bool{}
		tactics := map[string]bool{}
		for _, a := range alerts {
			ap := props(a)
			if pn := str(ap["productName"]); pn != "" {
				products[pn] = true
			}
			if ts, ok := ap["tactics"].([]any); ok {
				for _, t := range ts {
					tactics[toStr(t)] = true
				}
			}
		}
		if len(alerts) > 0 {
			ad["alertProductNames"] = sortedSet(products)
			ad["tactics"] = sortedSet(tactics)
		}
	}
	if ad["bookmarksCount"] == nil {
		ad["bookmarksCount"] = 0
	}
	if ad["alertProductNames"] == nil {
		ad["alertProductNames"] = []any{}
	}
	if ad["tactics"] == nil {
		ad["tactics"] = []any{}
	}
	p["additionalData"] = ad
	v["properties"] = p
	return v
}

func sortedSet(m map[string]bool) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}

func cloneShallow(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// listIncidents applies $filter and $orderby; the default order is newest first, as Sentinel lists.
func listIncidents(c *call, items []doc) ([]doc, *apiError) {
	items = append([]doc(nil), items...)
	if ob := c.q("$orderby"); ob != "" {
		if err := sortOData(items, ob); err != nil {
			return nil, err
		}
	} else {
		_ = sortOData(items, "properties/createdTimeUtc desc")
	}
	return filterOData(c, items)
}

func filterOData(c *call, items []doc) ([]doc, *apiError) {
	f := c.q("$filter")
	if f == "" {
		return items, nil
	}
	pred, err := parseODataFilter(f)
	if err != nil {
		return nil, err
	}
	out := []doc{}
	for _, d := range items {
		if pred(d) {
			out = append(out, d)
		}
	}
	return out, nil
}

func listODataSimple(c *call, items []doc) ([]doc, *apiError) {
	items = append([]doc(nil), items...)
	if ob := c.q("$orderby"); ob != "" {
		if err := sortOData(items, ob); err != nil {
			return nil, err
		}
	}
	return filterOData(c, items)
}

// listIncidentsRoute is the incident list: $top (at most 1000) sets the page size, as Sentinel does.
func (e *Emulator) listIncidentsRoute(c *call) {
	parent := c.resourceID()
	if perr := e.requireParent(parent); perr != nil {
		c.fail(perr)
		return
	}
	size := -1
	if t := c.q("$top"); t != "" {
		n := atoiDefault(t, -1)
		if n < 1 || n > 1000 {
			c.fail(badRequest("BadRequest", "The $top value '%s' is not valid: it must be between 1 and 1000.", t))
			return
		}
		size = n
	}
	_, st, _ := e.state()
	items, err := listIncidents(c, st.list(parent))
	if err != nil {
		c.fail(err)
		return
	}
	views := make([]doc, len(items))
	for i, d := range items {
		views[i] = viewIncident(c, d, true)
	}
	c.page(views, size)
}

func buildComment(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	msg := str(p["message"])
	if strings.TrimSpace(msg) == "" {
		return badRequest("BadRequest", "The comment message is required.")
	}
	if len(msg) > 30000 {
		return badRequest("BadRequest", "The comment message exceeds the maximum length of 30000 characters.")
	}
	var op map[string]any
	if old != nil {
		op = props(old)
	}
	keepFrom(op, p, "createdTimeUtc", "author")
	if op == nil {
		p["createdTimeUtc"] = c.stamp()
		p["author"] = map[string]any{"objectId": c.user.ObjectID, "name": c.user.Name, "userPrincipalName": nil, "email": nil}
	}
	p["lastModifiedTimeUtc"] = c.stamp()
	return nil
}

// incidentChildren answers POST {incident}/alerts|entities|bookmarks from the incident's child documents.
func (e *Emulator) incidentChildren(c *call, kind string) {
	_, st, _ := e.state()
	inc := collectionPathOf(c.resourceID())
	if !st.exists(inc) {
		c.fail(notFound(inc))
		return
	}
	switch kind {
	case "alerts":
		c.ok(http.StatusOK, doc{"value": nonNil(st.list(inc + "/alerts"))})
	case "entities":
		ents := nonNil(st.list(inc + "/entities"))
		counts := map[string]int{}
		var order []string
		for _, en := range ents {
			k := str(en["kind"])
			if counts[k] == 0 {
				order = append(order, k)
			}
			counts[k]++
		}
		meta := []any{}
		for _, k := range order {
			meta = append(meta, map[string]any{"entityKind": k, "count": counts[k]})
		}
		c.ok(http.StatusOK, doc{"entities": ents, "metaData": meta})
	case "bookmarks":
		incID := lastSeg(inc)
		var out []doc
		for _, b := range st.list(workspaceOf(inc) + "/providers/Microsoft.SecurityInsights/bookmarks") {
			if info, ok := props(b)["incidentInfo"].(map[string]any); ok && strings.EqualFold(str(info["incidentId"]), incID) {
				out = append(out, b)
			}
		}
		c.ok(http.StatusOK, doc{"value": nonNil(out)})
	}
}

var _ = time.RFC3339
