package emulator

import (
	"encoding/csv"
	"net/http"
	"strings"
	"time"
)

// Microsoft.SecurityInsights resources other than incidents: alert rules (+actions), templates,
// automation rules, watchlists (+items), data connectors, onboarding states, bookmarks, metadata,
// ML analytics settings and product settings.

func init() {
	si := func(t string) string { return sentinelPrefix + t }
	addType(si("alertrules/*"), &rtype{armType: "Microsoft.SecurityInsights/alertRules", paged: true, get: true, put: true, del: true, build: buildAlertRule})
	addType(si("alertrules/*/actions/*"), &rtype{armType: "Microsoft.SecurityInsights/alertRules/actions", paged: true, get: true, put: true, del: true, build: buildRuleAction})
	addType(si("alertruletemplates/*"), &rtype{armType: "Microsoft.SecurityInsights/AlertRuleTemplates", paged: true, get: true})
	addType(si("automationrules/*"), &rtype{armType: "Microsoft.SecurityInsights/automationRules", paged: true, get: true, put: true, del: true, build: buildAutomationRule})
	addType(si("watchlists/*"), &rtype{armType: "Microsoft.SecurityInsights/Watchlists", paged: true, get: true, put: true, del: true,
		build: buildWatchlist, after: afterWatchlist, deleteAsync: "watchlistStatuses"})
	addType(si("watchlists/*/watchlistitems/*"), &rtype{armType: "Microsoft.SecurityInsights/Watchlists/WatchlistItems", paged: true, get: true, put: true, del: true, build: buildWatchlistItem})
	addType(si("dataconnectors/*"), &rtype{armType: "Microsoft.SecurityInsights/dataConnectors", paged: true, get: true, put: true, del: true, build: requireKind})
	addType(si("onboardingstates/*"), &rtype{armType: "Microsoft.SecurityInsights/onboardingStates", get: true, put: true, del: true, build: buildOnboarding})
	addType(si("bookmarks/*"), &rtype{armType: "Microsoft.SecurityInsights/bookmarks", paged: true, get: true, put: true, del: true, build: buildBookmark})
	addType(si("metadata/*"), &rtype{armType: "Microsoft.SecurityInsights/metadata", paged: true, get: true, put: true, patch: true, del: true,
		build: buildMetadata, list: listMetadata})
	addType(si("securitymlanalyticssettings/*"), &rtype{armType: "Microsoft.SecurityInsights/securityMLAnalyticsSettings", paged: true, get: true, put: true, del: true, build: requireKind})
	addType(si("settings/*"), &rtype{armType: "Microsoft.SecurityInsights/settings", get: true, put: true, del: true, build: buildSetting})
}

// userInfo is how Sentinel records the principal behind a change (an app has no e-mail or UPN).
func (c *call) userInfo() map[string]any {
	return map[string]any{"objectId": c.user.ObjectID, "name": c.user.Name}
}

func (c *call) stamp() string { return c.e.now().Format("2006-01-02T15:04:05.0000000Z") }

func keepFrom(old, d map[string]any, keys ...string) {
	for _, k := range keys {
		if old != nil {
			if v, ok := old[k]; ok {
				d[k] = v
				continue
			}
		}
		delete(d, k)
	}
}

func requireKind(c *call, id string, old, d doc) *apiError {
	if str(d["kind"]) == "" {
		return badRequest("BadRequest", "The 'kind' property is required.")
	}
	return nil
}

var triggerOperators = map[string]bool{"GreaterThan": true, "LessThan": true, "Equal": true, "NotEqual": true}
var severities = map[string]bool{"High": true, "Medium": true, "Low": true, "Informational": true}

func buildAlertRule(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	kind := str(d["kind"])
	missing := func(fields ...string) *apiError {
		for _, f := range fields {
			if v, ok := p[f]; !ok || v == nil || v == "" {
				return badRequest("BadRequest", "The '%s' property is required for alert rules of kind '%s'.", f, kind)
			}
		}
		return nil
	}
	switch kind {
	case "":
		return badRequest("BadRequest", "The 'kind' property is required. Supported kinds: Scheduled, NRT, Fusion, MicrosoftSecurityIncidentCreation.")
	case "Scheduled", "NRT":
		fields := []string{"displayName", "enabled", "query", "severity", "suppressionDuration", "suppressionEnabled"}
		if kind == "Scheduled" {
			fields = append(fields, "queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold")
		}
		if err := missing(fields...); err != nil {
			return err
		}
		if !severities[str(p["severity"])] {
			return badRequest("BadRequest", "The severity '%s' is not valid. Valid values: High, Medium, Low, Informational.", str(p["severity"]))
		}
		if kind == "Scheduled" {
			if !triggerOperators[str(p["triggerOperator"])] {
				return badRequest("BadRequest", "The triggerOperator '%s' is not valid. Valid values: GreaterThan, LessThan, Equal, NotEqual.", str(p["triggerOperator"]))
			}
			freq, err1 := parseISODuration(str(p["queryFrequency"]))
			period, err2 := parseISODuration(str(p["queryPeriod"]))
			if err1 != nil || err2 != nil {
				return badRequest("BadRequest", "queryFrequency and queryPeriod must be ISO 8601 durations (e.g. PT1H, P1D).")
			}
			if freq < 5*time.Minute || freq > 14*24*time.Hour || period < 5*time.Minute || period > 14*24*time.Hour {
				return badRequest("BadRequest", "queryFrequency and queryPeriod must be between 5 minutes and 14 days.")
			}
			if period < freq {
				return badRequest("BadRequest", "The queryPeriod (%s) must be greater than or equal to the queryFrequency (%s).", str(p["queryPeriod"]), str(p["queryFrequency"]))
			}
		}
		if _, ok := p["alertRuleTemplateName"]; !ok {
			p["alertRuleTemplateName"] = nil
		}
	case "Fusion":
		if err := missing("alertRuleTemplateName", "enabled"); err != nil {
			return err
		}
		fillFromTemplate(c, id, p)
	case "MicrosoftSecurityIncidentCreation":
		if err := missing("displayName", "enabled", "productFilter"); err != nil {
			return err
		}
	}
	if old != nil && str(old["kind"]) != "" && str(old["kind"]) != kind {
		return badRequest("BadRequest", "The kind of an existing alert rule cannot be changed from '%s' to '%s'.", str(old["kind"]), kind)
	}
	p["lastModifiedUtc"] = c.e.now().Format(time.RFC3339)
	return nil
}

// fillFromTemplate sets the read-only properties a Fusion rule takes from its template.
func fillFromTemplate(c *call, id string, p map[string]any) {
	_, st, _ := c.e.state()
	ws := workspaceOf(id)
	tpl, ok := st.get(ws + "/providers/Microsoft.SecurityInsights/alertRuleTemplates/" + str(p["alertRuleTemplateName"]))
	defaults := map[string]any{"displayName": "Advanced Multistage Attack Detection", "severity": "High",
		"description": "Microsoft Sentinel correlates alerts and anomalous events across products into high-fidelity multistage incidents.",
		"tactics":     []any{"Collection", "CommandAndControl", "CredentialAccess", "DefenseEvasion", "Discovery", "Execution", "Exfiltration", "Impact", "InitialAccess", "LateralMovement", "Persistence", "PrivilegeEscalation"},
		"techniques":  []any{}}
	for k, v := range defaults {
		if ok {
			if tv, has := props(tpl)[k]; has {
				v = tv
			}
		}
		p[k] = v
	}
}

func buildRuleAction(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	if str(p["logicAppResourceId"]) == "" {
		return badRequest("BadRequest", "The 'logicAppResourceId' property is required.")
	}
	if u := str(p["triggerUri"]); u != "" {
		if i := strings.Index(u, "?"); i >= 0 {
			p["workflowId"] = lastSeg(u[:i])
		}
		delete(p, "triggerUri") // write-only: Sentinel never returns the trigger URI
	}
	return nil
}

func buildAutomationRule(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	if str(p["displayName"]) == "" || p["order"] == nil || p["triggeringLogic"] == nil || p["actions"] == nil {
		return badRequest("BadRequest", "Automation rules require displayName, order, triggeringLogic and actions.")
	}
	if n, err := numberOf(p["order"]); err != nil || n < 1 || n > 1000 {
		return badRequest("BadRequest", "The automation rule order must be between 1 and 1000.")
	}
	if acts, _ := p["actions"].([]any); len(acts) == 0 || len(acts) > 20 {
		return badRequest("BadRequest", "An automation rule needs between 1 and 20 actions.")
	}
	var op map[string]any
	if old != nil {
		op = props(old)
	}
	keepFrom(op, p, "createdBy", "createdTimeUtc")
	if op == nil {
		p["createdBy"] = c.userInfo()
		p["createdTimeUtc"] = c.stamp()
	}
	p["lastModifiedBy"] = c.userInfo()
	p["lastModifiedTimeUtc"] = c.stamp()
	return nil
}

func (c *call) stampCreatedUpdated(old, d doc) {
	p := ensureProps(d)
	var op map[string]any
	if old != nil {
		op = props(old)
	}
	keepFrom(op, p, "created", "createdBy")
	if op == nil {
		p["created"] = c.stamp()
		p["createdBy"] = c.userInfo()
	}
	p["updated"] = c.stamp()
	p["updatedBy"] = c.userInfo()
}

func (c *call) tenantOfID(id string) string {
	_, st, _ := c.e.state()
	if s, ok := st.subscription(parseARM(strings.Split(strings.Trim(id, "/"), "/"), segs(id)).subID); ok {
		return s.TenantID
	}
	return ""
}

func buildWatchlist(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	for _, f := range []string{"displayName", "provider", "itemsSearchKey"} {
		if str(p[f]) == "" {
			return badRequest("BadRequest", "The watchlist property '%s' is required.", f)
		}
	}
	if raw := str(p["rawContent"]); raw != "" {
		items, err := parseWatchlistCSV(raw, p)
		if err != nil {
			return err
		}
		c.pendingItems = items
	}
	delete(p, "rawContent")
	var op map[string]any
	if old != nil {
		op = props(old)
	}
	keepFrom(op, p, "watchlistId")
	if op == nil {
		p["watchlistId"] = newGUID()
	}
	p["watchlistAlias"] = lastSeg(id)
	if _, ok := p["watchlistType"]; !ok {
		p["watchlistType"] = "watchlist"
	}
	if _, ok := p["sourceType"]; !ok {
		p["sourceType"] = "Local"
	}
	p["isDeleted"] = false
	p["tenantId"] = c.tenantOfID(id)
	p["uploadStatus"] = "Complete"
	c.stampCreatedUpdated(old, d)
	return nil
}

// parseWatchlistCSV reads rawContent (after numberOfLinesToSkip lines) into item key/value maps and
// checks the search key is one of the columns.
func parseWatchlistCSV(raw string, p map[string]any) ([]map[string]any, *apiError) {
	skip := 0
	if n, err := numberOf(p["numberOfLinesToSkip"]); err == nil {
		skip = int(n)
	}
	lines := strings.Split(strings.ReplaceAll(raw, "\r\n", "\n"), "\n")
	if skip > len(lines) {
		skip = len(lines)
	}
	r := csv.NewReader(strings.NewReader(strings.Join(lines[skip:], "\n")))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, badRequest("BadRequest", "The watchlist rawContent is not valid CSV with a header line.")
	}
	header := recs[0]
	key := str(p["itemsSearchKey"])
	found := false
	for _, h := range header {
		if h == key {
			found = true
		}
	}
	if !found {
		return nil, badRequest("BadRequest", "The itemsSearchKey '%s' is not a column of the watchlist content (columns: %s).", key, strings.Join(header, ", "))
	}
	var items []map[string]any
	for _, rec := range recs[1:] {
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		kv := map[string]any{}
		for i, h := range header {
			if i < len(rec) {
				kv[h] = rec[i]
			} else {
				kv[h] = ""
			}
		}
		items = append(items, kv)
	}
	return items, nil
}

// afterWatchlist creates the items parsed from rawContent.
func afterWatchlist(c *call, id string, old, d doc) {
	if len(c.pendingItems) == 0 {
		return
	}
	_, st, _ := c.e.state()
	for _, kv := range c.pendingItems {
		itemID := newGUID()
		iid := id + "/watchlistItems/" + itemID
		st.put(iid, doc{"id": iid, "name": itemID, "type": "Microsoft.SecurityInsights/Watchlists/WatchlistItems",
			"etag": c.e.newEtag(st, etagQuoted), "properties": map[string]any{
				"watchlistItemType": "watchlist-item", "watchlistItemId": itemID, "tenantId": c.tenantOfID(id), "isDeleted": false,
				"created": c.stamp(), "updated": c.stamp(), "createdBy": c.userInfo(), "updatedBy": c.userInfo(),
				"itemsKeyValue": kv, "entityMapping": map[string]any{}}})
	}
	c.pendingItems = nil
}

func buildWatchlistItem(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	if _, ok := p["itemsKeyValue"].(map[string]any); !ok {
		return badRequest("BadRequest", "The watchlist item property 'itemsKeyValue' is required.")
	}
	p["watchlistItemType"] = "watchlist-item"
	p["watchlistItemId"] = lastSeg(id)
	p["tenantId"] = c.tenantOfID(id)
	p["isDeleted"] = false
	c.stampCreatedUpdated(old, d)
	return nil
}

func buildOnboarding(c *call, id string, old, d doc) *apiError {
	if !strings.EqualFold(lastSeg(id), "default") {
		return badRequest("BadRequest", "The onboarding state name must be 'default'.")
	}
	p := ensureProps(d)
	if _, ok := p["customerManagedKey"]; !ok {
		p["customerManagedKey"] = false
	}
	return nil
}

func buildBookmark(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	if str(p["displayName"]) == "" || str(p["query"]) == "" {
		return badRequest("BadRequest", "Bookmarks require displayName and query.")
	}
	c.stampCreatedUpdated(old, d)
	return nil
}

func buildMetadata(c *call, id string, old, d doc) *apiError {
	p := ensureProps(d)
	if str(p["kind"]) == "" || str(p["parentId"]) == "" {
		return badRequest("BadRequest", "Metadata requires kind and parentId.")
	}
	return nil
}

func buildSetting(c *call, id string, old, d doc) *apiError {
	name := lastSeg(id)
	switch strings.ToLower(name) {
	case "anomalies", "eyeson", "entityanalytics", "ueba":
	default:
		return badRequest("BadRequest", "The setting '%s' does not exist. Settings: Anomalies, EyesOn, EntityAnalytics, Ueba.", name)
	}
	if old != nil && c.r.Header.Get("If-Match") == "" && c.bodyEtag == "" {
		return badRequest("BadRequest", "Update request should provide ETag.")
	}
	if str(d["kind"]) == "" {
		d["kind"] = name
	}
	p := ensureProps(d)
	if strings.EqualFold(name, "EyesOn") || strings.EqualFold(name, "Anomalies") {
		p["isEnabled"] = true
	}
	return nil
}

// listMetadata supports $filter, $orderby, $top and $skip as the metadata API does.
func listMetadata(c *call, items []doc) ([]doc, *apiError) {
	if ob := c.q("$orderby"); ob != "" {
		items = append([]doc(nil), items...)
		if err := sortOData(items, ob); err != nil {
			return nil, err
		}
	}
	if f := c.q("$filter"); f != "" {
		filt, err := parseODataFilter(f)
		if err != nil {
			return nil, err
		}
		var out []doc
		for _, d := range items {
			if filt(d) {
				out = append(out, d)
			}
		}
		items = out
	}
	if s := c.q("$skip"); s != "" {
		n := atoiDefault(s, 0)
		if n > len(items) {
			n = len(items)
		}
		items = items[n:]
	}
	if t := c.q("$top"); t != "" {
		if n := atoiDefault(t, len(items)); n < len(items) {
			items = items[:n]
		}
	}
	return items, nil
}

var _ = http.StatusOK
