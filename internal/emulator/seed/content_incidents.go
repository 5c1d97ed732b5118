package seed

import (
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// Incidents as ARM documents, with their alerts, entities and comments as child documents (see Resource),
// built from world.Facts like the SecurityIncident and SecurityAlert rows (alerts.go).

const (
	incidentType = "Microsoft.SecurityInsights/incidents"
	commentType  = "Microsoft.SecurityInsights/incidents/comments"
	entityType   = "Microsoft.SecurityInsights/Entities"
)

func (b *builder) incidents(ws world.Workspace) {
	for _, inc := range b.w.Facts.AllIncidentsIn(ws.Name) {
		b.incident(ws, inc)
	}
}

func (b *builder) incident(ws world.Workspace, inc world.Incident) {
	base := sentinelBase(ws)
	id := base + "/incidents/" + inc.Name
	created, modified := inc.Created(b.now), inc.Modified(b.now)
	alerts := alertsOf(ws, inc, b.now)
	ruleIDs := []any{}
	for _, n := range incidentRuleNames(ws, inc, len(inc.Alerts)) {
		ruleIDs = append(ruleIDs, base+"/alertRules/"+n.(string))
	}
	techniques, seen := []any{}, map[string]bool{}
	for _, a := range alerts {
		for _, t := range a.Techniques {
			if !seen[t] {
				seen[t] = true
				techniques = append(techniques, t)
			}
		}
	}
	bookmarks := b.w.Facts.BookmarksOf(inc)
	p := map[string]any{
		"title":                  incidentTitle(inc),
		"description":            incidentDescription(inc),
		"severity":               inc.Severity,
		"status":                 inc.Status,
		"owner":                  armOwner(inc.Owner),
		"labels":                 incidentLabels(inc),
		"firstActivityTimeUtc":   ts(b.now.Add(-inc.FirstActivityAgo)),
		"lastActivityTimeUtc":    ts(b.now.Add(-inc.LastActivityAgo)),
		"createdTimeUtc":         ts(created),
		"lastModifiedTimeUtc":    ts(modified),
		"incidentNumber":         inc.Number,
		"incidentUrl":            "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident" + id,
		"providerName":           "Azure Sentinel",
		"providerIncidentId":     itoa(int64(inc.Number)),
		"relatedAnalyticRuleIds": ruleIDs,
		// The emulator recomputes the counts, products and tactics from the child documents on every read.
		"additionalData": map[string]any{"alertsCount": len(inc.Alerts), "bookmarksCount": len(bookmarks),
			"commentsCount": len(inc.Comments), "alertProductNames": []any{alerts[0].Product},
			"tactics": incidentTactics(alerts), "techniques": techniques},
	}
	if inc.Status == "Closed" {
		p["classification"], p["classificationReason"] = inc.Classification, inc.ClassificationReason
		p["classificationComment"] = inc.ClassificationComment
	}
	modifiedBy, modifiedByType := "Microsoft Sentinel", "Application"
	switch {
	case inc.ClosedBy != "" || (inc.AssignedBy != "" && inc.ModifiedAgo == inc.CreatedAgo-world.AutomationDelay):
		modifiedBy = "Automation rule"
	case inc.Owner != nil && inc.ModifiedAgo != inc.CreatedAgo:
		modifiedBy, modifiedByType = inc.Owner.UPN, "User"
	}
	b.add(id, incidentType, map[string]any{"etag": etag(id), "properties": p,
		"systemData": systemData(created, "Microsoft Sentinel", "Application", modified, modifiedBy, modifiedByType)})

	status := "New"
	if inc.Status == "Closed" {
		status = "Resolved"
	}
	for _, a := range alerts {
		ap := map[string]any{
			"systemAlertId":     a.ID,
			"alertDisplayName":  a.Name,
			"friendlyName":      a.Name,
			"alertType":         a.AlertType,
			"compromisedEntity": a.Compromised,
			"confidenceLevel":   "Unknown",
			"description":       a.Description,
			"severity":          a.Severity,
			"status":            status,
			"productName":       a.Product,
			"vendorName":        "Microsoft",
			"providerAlertId":   a.VendorOriginalID,
			"tactics":           anyStrings(a.Tactics),
			"startTimeUtc":      ts(a.Start),
			"endTimeUtc":        ts(a.End),
			"timeGenerated":     ts(a.At),
			"processingEndTime": ts(a.At.Add(40 * time.Second)),
			"remediationSteps":  []any{},
			"alertLink":         "",
			"resourceIdentifiers": []any{map[string]any{"type": "LogAnalytics", "workspaceId": ws.CustomerID,
				"subscriptionId": ws.SubscriptionID, "resourceGroup": ws.ResourceGroup}},
			"additionalData": map[string]any{"ProcessedBySentinel": "True", "Analytic Rule Ids": jsonString([]any{a.RuleName}),
				"AlertMessageEnqueueTime": ts(a.At.Add(44 * time.Second))},
		}
		if a.Component != "" {
			ap["productComponentName"] = a.Component
		}
		if a.Rule != nil {
			ap["additionalData"].(map[string]any)["Analytic Rule Name"] = a.Rule.Name
		}
		b.add(id+"/alerts/"+a.ID, entityType, map[string]any{"id": base + "/Entities/" + a.ID, "name": a.ID,
			"kind": "SecurityAlert", "properties": ap})
	}

	hostEntity := ""
	for _, e := range inc.Entities {
		eid := world.GUID("entity:" + inc.Name + "/" + e.Kind + "/" + e.Value)
		ep := entityProperties(ws, e)
		if e.Kind == world.EntityHost {
			hostEntity = base + "/Entities/" + eid
		}
		if e.Kind == world.EntityProcess && hostEntity != "" {
			ep["hostEntityId"] = hostEntity
		}
		b.add(id+"/entities/"+eid, entityType, map[string]any{"id": base + "/Entities/" + eid, "name": eid,
			"kind": e.Kind, "properties": ep})
	}

	for _, c := range inc.Comments {
		at := b.now.Add(-c.Ago)
		cid := id + "/comments/" + c.ID
		b.add(cid, commentType, map[string]any{"etag": etag(cid), "properties": map[string]any{
			"message": c.Message, "createdTimeUtc": ts(at), "lastModifiedTimeUtc": ts(at),
			"author": map[string]any{"objectId": c.Author.ObjectID, "name": c.Author.Name, "email": nilIfEmpty(c.Author.UPN),
				"userPrincipalName": nilIfEmpty(c.Author.UPN)}},
			"systemData": analystSystemData(c.Author, at, at)})
	}
}

// armOwner is an incident's owner as the API returns it.
func armOwner(a *world.Analyst) map[string]any {
	if a == nil {
		return map[string]any{"objectId": nil, "email": nil, "assignedTo": nil, "userPrincipalName": nil, "ownerType": "Unknown"}
	}
	return map[string]any{"objectId": a.ObjectID, "email": a.UPN, "assignedTo": a.Name, "userPrincipalName": a.UPN,
		"ownerType": "User"}
}

// entityProperties renders an entity's properties as the Sentinel API does for its kind.
func entityProperties(ws world.Workspace, e world.Entity) map[string]any {
	t, _ := world.TenantByAlias(ws.TenantAlias)
	netbios := strings.ToUpper(strings.SplitN(t.Mail, ".", 2)[0])
	switch e.Kind {
	case world.EntityAccount:
		local, suffix, _ := strings.Cut(e.Value, "@")
		return map[string]any{"friendlyName": local, "accountName": local, "upnSuffix": suffix, "displayName": world.DisplayNameOf(e.Value),
			"aadUserId": world.UserObjectID(e.Value), "aadTenantId": t.ID, "ntDomain": netbios, "isDomainJoined": true,
			"additionalData": map[string]any{}}
	case world.EntityHost:
		return map[string]any{"friendlyName": e.Value, "hostName": e.Value, "netBiosName": e.Value, "dnsDomain": dnsDomain(ws),
			"ntDomain": netbios, "osFamily": osFamily(e.Value), "isDomainJoined": true, "additionalData": map[string]any{}}
	case world.EntityIP:
		return map[string]any{"friendlyName": e.Value, "address": e.Value, "additionalData": map[string]any{}}
	case world.EntityFile:
		return map[string]any{"friendlyName": e.Value, "fileName": e.Value, "directory": e.Detail, "additionalData": map[string]any{}}
	case world.EntityFileHash:
		return map[string]any{"friendlyName": e.Value, "algorithm": e.Detail, "hashValue": e.Value, "additionalData": map[string]any{}}
	case world.EntityURL:
		return map[string]any{"friendlyName": e.Value, "url": e.Value, "additionalData": map[string]any{}}
	case world.EntityMailbox:
		return map[string]any{"friendlyName": e.Value, "mailboxPrimaryAddress": e.Value, "upn": e.Value,
			"displayName": world.DisplayNameOf(e.Value), "additionalData": map[string]any{}}
	case world.EntityProcess:
		image, _, _ := strings.Cut(e.Value, " ")
		return map[string]any{"friendlyName": image, "commandLine": e.Value, "processId": itoa(int64(4000 + len(e.Value)*37%3000)),
			"additionalData": map[string]any{}}
	}
	return map[string]any{"friendlyName": e.Value}
}
