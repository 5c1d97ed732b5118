package seed

import (
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// Automation rules, watchlists, data connectors, product settings and bookmarks of a Sentinel workspace.

const (
	automationRuleType = "Microsoft.SecurityInsights/automationRules"
	watchlistType      = "Microsoft.SecurityInsights/Watchlists"
	watchlistItemType  = "Microsoft.SecurityInsights/Watchlists/WatchlistItems"
	dataConnectorType  = "Microsoft.SecurityInsights/dataConnectors"
	settingType        = "Microsoft.SecurityInsights/settings"
	bookmarkType       = "Microsoft.SecurityInsights/bookmarks"
)

// appInfo is Sentinel's createdBy/updatedBy record for an app (no e-mail, no UPN).
func appInfo(a *world.Analyst) map[string]any {
	return map[string]any{"objectId": a.ObjectID, "name": a.Name, "email": nil, "userPrincipalName": nil}
}

func (b *builder) automationRules(ws world.Workspace) {
	base := sentinelBase(ws)
	created := b.contentDeployed().Add(-30 * time.Minute)
	conditions := map[string][]any{
		world.AutomationAssignDefender: {
			propertyCondition("IncidentSeverity", "Equals", "High"),
			propertyCondition("AlertProductNames", "Contains", world.ProductDefenderEndpoint)},
		world.AutomationCloseScanner: {
			propertyCondition("IncidentTitle", "Contains", "Brute Force"),
			propertyCondition("IPAddress", "StartsWith", strings.TrimSuffix(world.ScannerIP, "10"))},
		world.AutomationTriageTask: {
			propertyCondition("IncidentRelatedAnalyticRuleIds", "Contains", alertRuleID(ws, world.RulePasswordSpray))},
	}
	actions := map[string][]any{
		world.AutomationAssignDefender: {map[string]any{"order": 1, "actionType": "ModifyProperties", "actionConfiguration": map[string]any{
			"owner": armOwner(world.AnalystRavi), "status": "Active"}}},
		world.AutomationCloseScanner: {map[string]any{"order": 1, "actionType": "ModifyProperties", "actionConfiguration": map[string]any{
			"status": "Closed", "classification": "BenignPositive", "classificationReason": "SuspiciousButExpected",
			"classificationComment": world.ScannerCloseComment, "labels": []any{map[string]any{"labelName": "Known benign", "labelType": "User"}}}}},
		world.AutomationTriageTask: {map[string]any{"order": 1, "actionType": "AddIncidentTask", "actionConfiguration": map[string]any{
			"title":       "Reset the password of every account that signed in from the spraying address",
			"description": "Revoke the sessions too, and check the sign-ins of those accounts since the spray for new MFA methods."}}},
	}
	for i, name := range world.AutomationRules {
		id := base + "/automationRules/" + world.AutomationRuleName(ws.Name, name)
		b.add(id, automationRuleType, map[string]any{"etag": etag(id), "properties": map[string]any{
			"displayName": name, "order": i + 1,
			"triggeringLogic": map[string]any{"isEnabled": true, "triggersOn": "Incidents", "triggersWhen": "Created",
				"conditions": conditions[name]},
			"actions":   actions[name],
			"createdBy": appInfo(contentPipeline), "lastModifiedBy": appInfo(contentPipeline),
			"createdTimeUtc": ts(created), "lastModifiedTimeUtc": ts(created),
		}, "systemData": analystSystemData(contentPipeline, created, created)})
	}
}

func propertyCondition(property, operator string, values ...string) map[string]any {
	return map[string]any{"conditionType": "Property", "conditionProperties": map[string]any{
		"propertyName": property, "operator": operator, "propertyValues": anyStrings(values)}}
}

func (b *builder) watchlists(ws world.Workspace) {
	base := sentinelBase(ws) + "/watchlists/"
	created := b.contentDeployed().Add(-2 * time.Hour)
	for _, alias := range b.w.Facts.Watchlists {
		spec, _ := world.Watchlist(alias)
		items := b.w.Facts.WatchlistItems(ws.Name, alias)
		by, updated := contentPipeline, created
		for _, d := range b.w.Facts.DiffsIn(ws.Name) {
			if d.Kind == world.DiffWatchlist && strings.EqualFold(d.Watchlist, alias) {
				by, updated = customerAdmin(ws), b.now.Add(-11*24*time.Hour-2*time.Hour) // the customer edited it
			}
		}
		id := base + alias
		b.add(id, watchlistType, map[string]any{"etag": etag(id), "properties": map[string]any{
			"watchlistId": world.GUID("watchlist:" + ws.Name + "/" + alias), "watchlistAlias": alias, "displayName": spec.DisplayName,
			"description": spec.Description, "provider": "Woodgrove SOC", "source": alias + ".csv", "sourceType": "Local",
			"itemsSearchKey": spec.SearchKey, "contentType": "text/csv", "numberOfLinesToSkip": 0, "watchlistType": "watchlist",
			"labels": []any{"woodgrove-standard"}, "isDeleted": false, "tenantId": ws.TenantID, "uploadStatus": "Complete",
			"provisioningState": "Succeeded", "defaultDuration": "P1000Y",
			"created": ts(created), "updated": ts(updated), "createdBy": appInfo(contentPipeline), "updatedBy": userOrApp(by),
		}, "systemData": systemData(created, sdName(contentPipeline), "Application", updated, sdName(by), sdType(by))})
		for _, it := range items {
			kv := map[string]any{}
			for k, v := range it.Values {
				kv[k] = v
			}
			iid := world.GUID("watchlistitem:" + ws.Name + "/" + alias + "/" + it.Key)
			changedAt, changedBy := created, contentPipeline
			if !equalItem(it, alias) {
				changedAt, changedBy = updated, by
			}
			b.add(id+"/watchlistItems/"+iid, watchlistItemType, map[string]any{"etag": etag(id + "/" + iid), "properties": map[string]any{
				"watchlistItemId": iid, "watchlistItemType": "watchlist-item", "tenantId": ws.TenantID, "isDeleted": false,
				"itemsKeyValue": kv, "entityMapping": map[string]any{},
				"created": ts(changedAt), "updated": ts(changedAt), "createdBy": userOrApp(changedBy), "updatedBy": userOrApp(changedBy),
			}, "systemData": systemData(changedAt, sdName(changedBy), sdType(changedBy), changedAt, sdName(changedBy), sdType(changedBy))})
		}
	}
}

// equalItem reports whether a workspace's item is the baseline's (per-tenant lists always are theirs).
func equalItem(it world.WatchlistItem, alias string) bool {
	for _, x := range world.BaselineWatchlistItems(alias) {
		if x.Key != it.Key {
			continue
		}
		for k, v := range x.Values {
			if it.Values[k] != v {
				return false
			}
		}
		return true
	}
	if spec, _ := world.Watchlist(alias); spec.PerTenant {
		return true
	}
	return false
}

func userOrApp(a *world.Analyst) map[string]any {
	if a.IsApp() {
		return appInfo(a)
	}
	return map[string]any{"objectId": a.ObjectID, "name": a.Name, "email": a.UPN, "userPrincipalName": a.UPN}
}

func (b *builder) dataConnectors(ws world.Workspace) {
	base := sentinelBase(ws) + "/dataConnectors/"
	enabled := map[string]any{"state": "Enabled"}
	connected := b.onboarded().Add(2 * time.Hour)
	for _, kind := range world.ConnectorsIn(ws.Name) {
		p := map[string]any{"tenantId": ws.TenantID}
		switch kind {
		case "Office365":
			p["dataTypes"] = map[string]any{"exchange": enabled, "sharePoint": enabled, "teams": enabled}
		case "MicrosoftThreatProtection":
			p["dataTypes"] = map[string]any{"incidents": enabled, "alerts": enabled}
		case "ThreatIntelligence":
			p["dataTypes"] = map[string]any{"indicators": enabled}
			p["tipLookbackPeriod"] = ts(connected)
		case "AzureSecurityCenter":
			delete(p, "tenantId")
			p["subscriptionId"] = ws.SubscriptionID
			p["dataTypes"] = map[string]any{"alerts": enabled}
		default:
			p["dataTypes"] = map[string]any{"alerts": enabled}
		}
		id := base + world.DataConnectorName(ws.Name, kind)
		b.add(id, dataConnectorType, map[string]any{"kind": kind, "etag": etag(id), "properties": p,
			"systemData": analystSystemData(contentPipeline, connected, connected)})
	}
}

func (b *builder) settings(ws world.Workspace) {
	base := sentinelBase(ws) + "/settings/"
	at := b.onboarded()
	add := func(kind string, p map[string]any) {
		b.add(base+kind, settingType, map[string]any{"kind": kind, "etag": etag(base + kind), "properties": p,
			"systemData": analystSystemData(contentPipeline, at, at)})
	}
	add("Anomalies", map[string]any{"isEnabled": true})
	add("EyesOn", map[string]any{"isEnabled": true})
	if !b.w.Facts.Has(ws.Name, world.DiffUEBADisabled, "") {
		add("EntityAnalytics", map[string]any{"entityProviders": []any{"AzureActiveDirectory"}})
		add("Ueba", map[string]any{"dataSources": []any{"AuditLogs", "AzureActivity", "SecurityEvent", "SigninLogs"}})
	}
}

func (b *builder) bookmarks(ws world.Workspace) {
	base := sentinelBase(ws) + "/bookmarks/"
	incidents := map[string]world.Incident{}
	for _, inc := range b.w.Facts.AllIncidentsIn(ws.Name) {
		incidents[inc.Name] = inc
	}
	for _, bm := range b.w.Facts.BookmarksIn(ws.Name) {
		at, event := b.now.Add(-bm.Ago), b.now.Add(-bm.EventAgo)
		p := map[string]any{"displayName": bm.DisplayName, "query": bm.Query, "notes": bm.Notes, "labels": anyStrings(bm.Labels),
			"queryResult": jsonString(map[string]any{"TimeGenerated": ts(event)}), "eventTime": ts(event),
			"queryStartTime": ts(event.Add(-time.Hour)), "queryEndTime": ts(event.Add(time.Hour)),
			"created": ts(at), "updated": ts(at), "createdBy": userOrApp(bm.Author), "updatedBy": userOrApp(bm.Author)}
		if inc, ok := incidents[bm.Incident]; ok {
			p["incidentInfo"] = map[string]any{"incidentId": inc.Name, "severity": inc.Severity, "title": incidentTitle(inc),
				"relationName": world.GUID("relation:" + bm.Name)}
		}
		id := base + bm.Name
		b.add(id, bookmarkType, map[string]any{"etag": etag(id), "properties": p, "systemData": analystSystemData(bm.Author, at, at)})
	}
}
