package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
)

// Microsoft.Insights: workbooks (category required on lists, GUID names, canFetchContent, the legacy
// 2015-05-01 shape the pinned armapplicationinsights module speaks), data collection rules, endpoints and
// rule associations (extension resources on any scope).

const (
	workbookType = "Microsoft.Insights/workbooks"
	dcrType      = "Microsoft.Insights/dataCollectionRules"
	dceType      = "Microsoft.Insights/dataCollectionEndpoints"
	dcraType     = "Microsoft.Insights/dataCollectionRuleAssociations"
)

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func init() {
	rg := "subscriptions/*/resourcegroups/*/providers/microsoft.insights/"
	addScopedRoute("subscriptions/*/providers/microsoft.insights/workbooks", func(c *call) { c.e.listWorkbooks(c, true) })
	addRoute(rg+"workbooks", "GET", func(c *call) { c.e.listWorkbooks(c, false) })
	addType(rg+"workbooks/*", &rtype{armType: workbookType, paged: true, get: true, put: true, patch: true, del: true, tracked: true,
		build: buildWorkbook, view: viewWorkbook, deleteStatus: func(c *call) int {
			if legacyWorkbookAPI(c) {
				return http.StatusNoContent // the 2015-05-01 API documents 201/204 for a delete
			}
			return http.StatusOK
		}})

	addScopedRoute("subscriptions/*/providers/microsoft.insights/datacollectionrules", func(c *call) { c.e.listBySubscription(c, dcrType) })
	addType(rg+"datacollectionrules/*", &rtype{armType: dcrType, paged: true, get: true, put: true, patch: true, del: true, tracked: true, build: buildDCR})
	addRoute(rg+"datacollectionrules/*/associations", "GET", func(c *call) { c.e.listAssociations(c, "dataCollectionRuleId") })

	addScopedRoute("subscriptions/*/providers/microsoft.insights/datacollectionendpoints", func(c *call) { c.e.listBySubscription(c, dceType) })
	addType(rg+"datacollectionendpoints/*", &rtype{armType: dceType, paged: true, get: true, put: true, patch: true, del: true, tracked: true, build: buildDCE})
	addRoute(rg+"datacollectionendpoints/*/associations", "GET", func(c *call) { c.e.listAssociations(c, "dataCollectionEndpointId") })

	addRoute("**/providers/microsoft.insights/datacollectionruleassociations", "GET", func(c *call) {
		_, st, _ := c.e.state()
		c.page(st.list(c.resourceID()), -1)
	})
	addType("**/providers/microsoft.insights/datacollectionruleassociations/*", &rtype{armType: dcraType, paged: true, get: true, put: true, del: true, build: buildDCRA})
}

func (e *Emulator) listBySubscription(c *call, armType string) {
	_, st, _ := e.state()
	c.page(c.inBelowScopes(st.scan("/subscriptions/"+c.segs[1]+"/", armType)), -1)
}

func legacyWorkbookAPI(c *call) bool { return c.q("api-version") == "2015-05-01" }

func buildWorkbook(c *call, id string, old, d doc) *apiError {
	name := lastSeg(id)
	if !guidRE.MatchString(name) {
		return badRequest("InvalidResourceName", "The workbook name '%s' is invalid: workbook resource names must be GUIDs.", name)
	}
	p := ensureProps(d)
	if legacyWorkbookAPI(c) { // 2015-05-01: properties.name, sharedTypeKind, sourceResourceId
		if v, ok := p["name"]; ok {
			p["displayName"] = v
			delete(p, "name")
		}
		if v, ok := p["sourceResourceId"]; ok {
			p["sourceId"] = v
			delete(p, "sourceResourceId")
		}
		if v := str(p["sharedTypeKind"]); v != "" && str(d["kind"]) == "" {
			d["kind"] = v
		}
		delete(p, "sharedTypeKind")
		delete(p, "workbookId")
	}
	if c.r.Method == http.MethodPut {
		for _, f := range []string{"displayName", "serializedData", "category"} {
			if str(p[f]) == "" {
				return badRequest("InvalidPayload", "The workbook property '%s' is required.", f)
			}
		}
	}
	if src := c.q("sourceId"); src != "" && str(p["sourceId"]) == "" {
		p["sourceId"] = src
	}
	if str(d["kind"]) == "" {
		d["kind"] = "shared"
	}
	if _, ok := d["tags"]; !ok {
		d["tags"] = map[string]any{}
	}
	if str(p["version"]) == "" {
		p["version"] = "Notebook/1.0"
	}
	if _, ok := p["storageUri"]; !ok {
		p["storageUri"] = nil
	}
	p["userId"] = c.user.ObjectID
	p["timeModified"] = c.stamp()
	p["revision"] = strings.ReplaceAll(newGUID(), "-", "")
	return nil
}

// viewWorkbook hides serializedData in lists unless canFetchContent=true, and renders the legacy shape
// for api-version 2015-05-01.
func viewWorkbook(c *call, d doc, inList bool) doc {
	v := cloneShallow(d)
	p := cloneShallow(props(d))
	if inList && !strings.EqualFold(c.q("canFetchContent"), "true") {
		delete(p, "serializedData")
	}
	if legacyWorkbookAPI(c) {
		p["name"] = p["displayName"]
		delete(p, "displayName")
		p["sharedTypeKind"] = d["kind"]
		p["workbookId"] = d["name"]
		if s, ok := p["sourceId"]; ok {
			p["sourceResourceId"] = s
			delete(p, "sourceId")
		}
		for _, k := range []string{"revision", "storageUri", "description"} {
			delete(p, k)
		}
		delete(v, "systemData")
		delete(v, "etag")
	}
	v["properties"] = p
	return v
}

func (e *Emulator) listWorkbooks(c *call, bySubscription bool) {
	cat := c.q("category")
	if cat == "" {
		c.fail(badRequest("InvalidParameter", "The 'category' query parameter is required (workbook, sentinel, TSG, performance, retention)."))
		return
	}
	_, st, _ := e.state()
	var items []doc
	if bySubscription {
		items = c.inBelowScopes(st.scan("/subscriptions/"+c.segs[1]+"/", workbookType))
	} else {
		items = st.list(c.resourceID())
	}
	src := c.q("sourceId")
	tags := c.q("tags")
	var out []doc
	for _, d := range items {
		p := props(d)
		if !strings.EqualFold(str(p["category"]), cat) {
			continue
		}
		if src != "" && !strings.EqualFold(str(p["sourceId"]), src) {
			continue
		}
		if tags != "" && !workbookHasTags(p, tags) {
			continue
		}
		out = append(out, viewWorkbook(c, d, true))
	}
	c.page(nonNil(out), -1)
}

func workbookHasTags(p map[string]any, tags string) bool {
	have := map[string]bool{}
	if ts, ok := p["tags"].([]any); ok {
		for _, t := range ts {
			have[strings.ToLower(toStr(t))] = true
		}
	}
	for _, t := range strings.Split(tags, ",") {
		if !have[strings.ToLower(strings.TrimSpace(t))] {
			return false
		}
	}
	return true
}

// immutableID derives a stable "dcr-<32 hex>" style id from the resource id.
func immutableID(prefix, id string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(id)))
	return prefix + "-" + hex.EncodeToString(sum[:16])
}

func buildDCR(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	var op map[string]any
	if old != nil {
		op = props(old)
	}
	keepFrom(op, p, "immutableId")
	if op == nil {
		p["immutableId"] = immutableID("dcr", id)
	}
	dests, _ := p["destinations"].(map[string]any)
	names := map[string]bool{}
	for kind, list := range dests {
		arr, _ := list.([]any)
		for _, x := range arr {
			m, _ := x.(map[string]any)
			if m == nil {
				continue
			}
			names[str(m["name"])] = true
			if kind == "logAnalytics" {
				wsID := str(m["workspaceResourceId"])
				if ws, ok := c.e.findWorkspace(wsID); ok {
					m["workspaceId"] = props(ws)["customerId"]
				} else if _, has := m["workspaceId"]; !has {
					m["workspaceId"] = deterministicGUID(wsID)
				}
			}
		}
		if m, ok := list.(map[string]any); ok { // azureMonitorMetrics is a single object
			names[str(m["name"])] = true
		}
	}
	flows, _ := p["dataFlows"].([]any)
	for _, f := range flows {
		m, _ := f.(map[string]any)
		ds, _ := m["destinations"].([]any)
		for _, dn := range ds {
			if !names[toStr(dn)] {
				return badRequest("InvalidPayload", "Data collection rule is invalid: the data flow destination '%s' is not defined in 'destinations'.", toStr(dn))
			}
		}
	}
	p["provisioningState"] = "Succeeded"
	return nil
}

func deterministicGUID(s string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(s)))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func buildDCE(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	var op map[string]any
	if old != nil {
		op = props(old)
	}
	keepFrom(op, p, "immutableId")
	if op == nil {
		p["immutableId"] = immutableID("dce", id)
	}
	loc := strings.ToLower(strings.ReplaceAll(str(d["location"]), " ", ""))
	host := strings.ToLower(lastSeg(id)) + "-" + str(p["immutableId"])[4:8]
	p["configurationAccess"] = map[string]any{"endpoint": "https://" + host + "." + loc + "-1.handler.control.monitor.azure.com"}
	p["logsIngestion"] = map[string]any{"endpoint": "https://" + host + "." + loc + "-1.ingest.monitor.azure.com"}
	p["metricsIngestion"] = map[string]any{"endpoint": "https://" + host + "." + loc + "-1.metrics.ingest.monitor.azure.com"}
	if _, ok := p["networkAcls"]; !ok {
		p["networkAcls"] = map[string]any{"publicNetworkAccess": "Enabled"}
	}
	p["provisioningState"] = "Succeeded"
	return nil
}

func buildDCRA(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	rule, ep := str(p["dataCollectionRuleId"]), str(p["dataCollectionEndpointId"])
	if (rule == "") == (ep == "") {
		return badRequest("InvalidPayload", "A data collection rule association must reference exactly one of dataCollectionRuleId or dataCollectionEndpointId.")
	}
	if ep != "" && !strings.EqualFold(lastSeg(id), "configurationAccessEndpoint") {
		return badRequest("InvalidPayload", "An association with a data collection endpoint must be named 'configurationAccessEndpoint'.")
	}
	_, st, _ := c.e.state()
	target := rule + ep
	if !st.exists(target) {
		return badRequest("InvalidPayload", "The referenced resource '%s' does not exist.", target)
	}
	return nil
}

// listAssociations lists the associations that reference a DCR or DCE.
func (e *Emulator) listAssociations(c *call, field string) {
	_, st, _ := e.state()
	target := collectionPathOf(c.resourceID())
	if !st.exists(target) {
		c.fail(notFound(target))
		return
	}
	var out []doc
	for _, a := range st.scan("/", dcraType) {
		if strings.EqualFold(str(props(a)[field]), target) {
			out = append(out, a)
		}
	}
	c.page(nonNil(out), -1)
}
