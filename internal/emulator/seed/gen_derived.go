package seed

import (
	"strings"
	"sync"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// Tables Sentinel derives: the alerts and incidents the stories raised (built from world.Facts.Incidents,
// the same values the ARM incidents use), the health records of the rules and connectors, and Usage.

var shippedRules = sync.OnceValue(func() []*content.Rule { return content.Rules() })

func ruleByID(id string) *content.Rule {
	for _, r := range shippedRules() {
		if r.ID == id {
			return r
		}
	}
	panic("seed: unknown shipped rule " + id)
}

// alertRuleID is the ARM id of a shipped rule deployed in a workspace.
func alertRuleID(ws world.Workspace, ruleID string) string {
	return sentinelBase(ws) + "/alertRules/" + world.AlertRuleName(ws.Name, ruleID)
}

func genSecurityAlert(g *genCtx, _ int) *frame {
	incs := g.facts.AllIncidentsIn(g.ws.Name)
	f := g.newFrame("SecurityAlert", 2*len(incs))
	for k, v := range map[string]any{"VendorName": "Microsoft", "SourceSystem": "Detection", "Status": "New", "IsIncident": false,
		"WorkspaceResourceGroup": g.ws.ResourceGroup, "WorkspaceSubscriptionId": g.ws.SubscriptionID, "ConfidenceLevel": "",
		"ExtendedLinks": "", "RemediationSteps": "", "ResourceId": "", "SourceComputerId": ""} {
		f.setConst(k, v)
	}
	cols := map[string]*colBuf{}
	for _, name := range []string{"TimeGenerated", "AlertName", "DisplayName", "AlertSeverity", "AlertType", "CompromisedEntity",
		"Description", "StartTime", "EndTime", "ProcessingEndTime", "Entities", "ExtendedProperties", "ProductName", "ProviderName",
		"ProductComponentName", "SystemAlertId", "VendorOriginalId", "Tactics", "Techniques", "SubTechniques", "AlertLink"} {
		cols[name] = f.col(name)
	}
	for _, inc := range incs {
		entities := jsonString(alertEntities(g.ws, inc.Entities))
		for _, a := range alertsOf(g.ws, inc, g.now) {
			if a.At.Before(g.start) {
				continue
			}
			props := map[string]any{"ProcessedBySentinel": "True", "Analytic Rule Ids": jsonString([]any{a.RuleName})}
			if r := a.Rule; r != nil {
				props["Analytic Rule Name"], props["Event Grouping"], props["Query Period"] = r.Name, "SingleAlert", r.QueryPeriod
				props["Data Sources"], props["Query"] = jsonString(anyStrings(a.Tables)), ""
				props["Search Query Results Overall Count"], props["Alert generation status"] = "1", "Full alert created"
			}
			cols["TimeGenerated"].t(a.At)
			cols["AlertName"].s(a.Name)
			cols["DisplayName"].s(a.Name)
			cols["AlertSeverity"].s(a.Severity)
			cols["AlertType"].s(a.AlertType)
			cols["CompromisedEntity"].s(a.Compromised)
			cols["Description"].s(a.Description)
			cols["StartTime"].t(a.Start)
			cols["EndTime"].t(a.End)
			cols["ProcessingEndTime"].t(a.At.Add(40 * time.Second))
			cols["Entities"].s(entities)
			cols["ExtendedProperties"].s(jsonString(props))
			cols["ProductName"].s(a.Product)
			cols["ProviderName"].s(a.Provider)
			cols["ProductComponentName"].s(a.Component)
			cols["SystemAlertId"].s(a.ID)
			cols["VendorOriginalId"].s(a.VendorOriginalID)
			cols["Tactics"].s(strings.Join(a.Tactics, ", "))
			cols["Techniques"].s(jsonString(anyStrings(a.Techniques)))
			cols["SubTechniques"].s(jsonString(anyStrings(a.SubTechs)))
			cols["AlertLink"].s("")
			f.end()
		}
	}
	return f
}

func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func parentTechniques(ts []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range ts {
		p, _, _ := strings.Cut(t, ".")
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func subTechniques(ts []string) []string {
	var out []string
	for _, t := range ts {
		if strings.Contains(t, ".") {
			out = append(out, t)
		}
	}
	return out
}

// genSecurityIncident writes a record each time an incident was created or changed (incidentChanges).
func genSecurityIncident(g *genCtx, _ int) *frame {
	incs := g.facts.AllIncidentsIn(g.ws.Name)
	f := g.newFrame("SecurityIncident", 3*len(incs))
	f.setConst("ProviderName", "Azure Sentinel")
	f.setConst("SourceSystem", "Azure")
	cols := map[string]*colBuf{}
	for _, name := range []string{"TimeGenerated", "IncidentName", "IncidentNumber", "Title", "Description", "Severity", "Status",
		"Classification", "ClassificationReason", "ClassificationComment", "ClosedTime", "CreatedTime", "FirstActivityTime",
		"LastActivityTime", "FirstModifiedTime", "LastModifiedTime", "ModifiedBy", "Owner", "ProviderIncidentId",
		"RelatedAnalyticRuleIds", "IncidentUrl", "AlertIds", "BookmarkIds", "Comments", "Labels", "Tasks", "AdditionalData"} {
		cols[name] = f.col(name)
	}
	for _, inc := range incs {
		created := inc.Created(g.now)
		alerts := alertsOf(g.ws, inc, g.now)
		url := incidentURL(g.ws, inc)
		labels := incidentLabels(inc)
		bookmarks := g.facts.BookmarksOf(inc)
		for _, ch := range incidentChanges(inc, g.now) {
			if ch.at.Before(g.start) {
				continue
			}
			alertIDs := []any{}
			for _, a := range inc.Alerts[:ch.alerts] {
				alertIDs = append(alertIDs, a.ID)
			}
			comments, bookmarkIDs := []any{}, []any{}
			closed := ch.final && inc.Status == "Closed"
			if ch.final {
				for _, c := range inc.Comments {
					comments = append(comments, map[string]any{"message": c.Message, "createdTimeUtc": g.now.Add(-c.Ago),
						"author": map[string]any{"email": nilIfEmpty(c.Author.UPN), "name": c.Author.Name}})
				}
				for _, b := range bookmarks {
					bookmarkIDs = append(bookmarkIDs, b.Name)
				}
			}
			cols["TimeGenerated"].t(ch.at)
			cols["IncidentName"].s(inc.Name)
			cols["IncidentNumber"].i(int64(inc.Number))
			cols["Title"].s(incidentTitle(inc))
			cols["Description"].s(incidentDescription(inc))
			cols["Severity"].s(inc.Severity)
			cols["Status"].s(ch.status)
			if closed {
				cols["Classification"].s(inc.Classification)
				cols["ClassificationReason"].s(inc.ClassificationReason)
				cols["ClassificationComment"].s(inc.ClassificationComment)
				cols["ClosedTime"].t(ch.at)
			}
			cols["CreatedTime"].t(created)
			cols["FirstActivityTime"].t(g.now.Add(-inc.FirstActivityAgo))
			cols["LastActivityTime"].t(g.now.Add(-inc.LastActivityAgo))
			cols["FirstModifiedTime"].t(created)
			cols["LastModifiedTime"].t(ch.at)
			cols["ModifiedBy"].s(ch.by)
			cols["Owner"].d(ownerOf(ch.owner))
			cols["ProviderIncidentId"].s(itoa(int64(inc.Number)))
			cols["RelatedAnalyticRuleIds"].d(incidentRuleNames(g.ws, inc, ch.alerts))
			cols["IncidentUrl"].s(url)
			cols["AlertIds"].d(alertIDs)
			cols["BookmarkIds"].d(bookmarkIDs)
			cols["Comments"].d(comments)
			cols["Labels"].d(labels)
			cols["Tasks"].d([]any{})
			cols["AdditionalData"].d(map[string]any{"alertsCount": int64(ch.alerts), "bookmarksCount": int64(len(bookmarkIDs)),
				"commentsCount": int64(len(comments)), "alertProductNames": []any{alerts[0].Product},
				"tactics": incidentTactics(alerts[:ch.alerts])})
			f.end()
		}
	}
	return f
}

// ownerOf is an incident's owner as Sentinel records it (all fields null when unassigned).
func ownerOf(a *world.Analyst) map[string]any {
	if a == nil {
		return map[string]any{"objectId": nil, "email": nil, "assignedTo": nil, "userPrincipalName": nil}
	}
	return map[string]any{"objectId": a.ObjectID, "email": a.UPN, "assignedTo": a.Name, "userPrincipalName": a.UPN}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// incidentURL is the portal link of an incident.
func incidentURL(ws world.Workspace, inc world.Incident) string {
	return "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident" + ws.ResourceID +
		"/providers/Microsoft.SecurityInsights/Incidents/" + inc.Name
}

func incidentLabels(inc world.Incident) []any {
	out := []any{}
	for _, l := range inc.Labels {
		out = append(out, map[string]any{"labelName": l, "labelType": "User"})
	}
	return out
}

// deployedRules are the shipped rules running in a workspace: all of them, except a missing rule (never
// deployed) and a disabled one (deployed but not running).
func deployedRules(ws world.Workspace, f world.Facts) []*content.Rule {
	var out []*content.Rule
	for _, r := range shippedRules() {
		if f.Has(ws.Name, world.DiffMissingRule, r.ID) || f.Has(ws.Name, world.DiffDisabledRule, r.ID) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// ruleRuns returns a rule's run times in [start, now): scheduled rules every queryFrequency at
// world.RuleRunOffset past the hour (daily ones at 02:07 UTC); NRT rules run every minute, which the
// health table records once an hour at world.NRTDelay past it (a summary, to keep the table small).
func ruleRuns(r *content.Rule, start, now time.Time) []time.Time {
	step, offset := time.Hour, world.RuleRunOffset
	if r.Kind == "NRT" {
		offset = world.NRTDelay
	} else if d, err := content.ParseDuration(r.QueryFrequency); err == nil && d >= 24*time.Hour {
		step, offset = 24*time.Hour, 2*time.Hour+world.RuleRunOffset
	}
	var out []time.Time
	for t := start.Truncate(step).Add(offset); t.Before(now); t = t.Add(step) {
		if !t.Before(start) {
			out = append(out, t)
		}
	}
	return out
}

func genSentinelHealth(g *genCtx, _ int) *frame {
	rules := deployedRules(g.ws, g.facts)
	f := g.newFrame("SentinelHealth", len(rules)*g.days*24+16)
	f.setConst("WorkspaceId", g.ws.CustomerID)
	f.setConst("SourceSystem", "Azure")
	cols := map[string]*colBuf{}
	for _, name := range []string{"TimeGenerated", "OperationName", "SentinelResourceId", "SentinelResourceName",
		"SentinelResourceType", "SentinelResourceKind", "Status", "Description", "Reason", "RecordId", "ExtendedProperties"} {
		cols[name] = f.col(name)
	}
	emit := func(at time.Time, op, id, name, typ, kind, status, desc, reason string, ext map[string]any) {
		cols["TimeGenerated"].t(at)
		cols["OperationName"].s(op)
		cols["SentinelResourceId"].s(id)
		cols["SentinelResourceName"].s(name)
		cols["SentinelResourceType"].s(typ)
		cols["SentinelResourceKind"].s(kind)
		cols["Status"].s(status)
		cols["Description"].s(desc)
		cols["Reason"].s(reason)
		cols["RecordId"].s(g.guid())
		cols["ExtendedProperties"].d(ext)
		f.end()
	}
	// The data connectors (ARM resources) report their status once (a status change), at the start of the
	// window. A silent connector reports nothing: the data just stops, which only freshness checks notice.
	for _, kind := range world.ConnectorsIn(g.ws.Name) {
		emit(g.start.Add(10*time.Minute), "Data fetch status change", sentinelBase(g.ws)+"/dataConnectors/"+
			world.DataConnectorName(g.ws.Name, kind), kind, "Data connector", kind, "Success", "Data fetch succeeded.", "",
			map[string]any{"DestinationTable": "", "DataConnectorId": world.DataConnectorName(g.ws.Name, kind)})
	}
	alertsAt := map[string]map[time.Time]bool{}
	for _, inc := range g.facts.IncidentsIn(g.ws.Name) {
		for _, a := range inc.Alerts {
			if alertsAt[a.Rule] == nil {
				alertsAt[a.Rule] = map[time.Time]bool{}
			}
			alertsAt[a.Rule][g.now.Add(-a.Ago)] = true
		}
	}
	var failing *world.Difference
	for _, d := range g.facts.DiffsIn(g.ws.Name) {
		if d.Kind == world.DiffFailingRule {
			d := d
			failing = &d
		}
	}
	for _, r := range rules {
		id := alertRuleID(g.ws, r.ID)
		op, kind := "Scheduled analytics rule run", "Scheduled"
		if r.Kind == "NRT" {
			op, kind = "NRT analytics rule run", "NRT"
		}
		period := r.QueryPeriod
		if period == "" {
			period = "1h"
		}
		lookback, _ := content.ParseDuration(period)
		for _, at := range ruleRuns(r, g.start, g.now) {
			ext := map[string]any{"RuleId": world.AlertRuleName(g.ws.Name, r.ID), "QueryStartTimeUTC": at.Add(-lookback),
				"QueryEndTimeUTC": at, "TriggerOperator": "GreaterThan",
				"TriggerThreshold": int64(g.facts.RuleThreshold(g.ws.Name, r.ID, r.Threshold()))}
			if failing != nil && failing.Rule == r.ID && !at.Before(g.now.Add(-failing.Since)) {
				ext["Issues"] = []any{map[string]any{"Code": "QueryTimeout", "Description": failing.Reason}}
				emit(at, op, id, r.Name, "Analytics Rule", kind, "Failure", "The analytics rule failed to run.", failing.Reason, ext)
				continue
			}
			results, alerts := int64(0), int64(0)
			if alertsAt[r.ID][at] {
				results, alerts = 1, 1
			}
			ext["QueryResultAmount"], ext["AlertsGeneratedAmount"] = results, alerts
			emit(at, op, id, r.Name, "Analytics Rule", kind, "Success", "Rule run completed successfully.", "", ext)
		}
	}
	return f
}

// genUsage measures the other tables: one record per table and hour with data, its billed volume in MB
// (10^6 bytes, as Log Analytics counts) summed from the rows' _BilledSize.
func genUsage(g *genCtx, _ int) *frame {
	names := sortedKeys(g.tables)
	f := g.newFrame("Usage", len(names)*g.days*24)
	for k, v := range map[string]any{"QuantityUnit": "MBytes", "SourceSystem": "OMS", "Computer": "", "BatchesOutsideSla": int64(0),
		"BatchesCapped": int64(0), "ResourceUri": strings.ToLower(g.ws.ResourceID), "MeterId": "a4e29a95-5b4c-408b-b737-e17b5bd7ac9d",
		"LinkedMeterId": "00000000-0000-0000-0000-000000000000", "LinkedResourceUri": ""} {
		f.setConst(k, v)
	}
	tg, start, end, dt, qty, billable0, sol, lat, total, within := f.col("TimeGenerated"), f.col("StartTime"), f.col("EndTime"),
		f.col("DataType"), f.col("Quantity"), f.col("IsBillable"), f.col("Solution"), f.col("AvgLatencyInSeconds"),
		f.col("TotalBatches"), f.col("BatchesWithinSla")
	for _, name := range names {
		hours := hourlyVolume(g.tables[name], g.start, g.days)
		isBillable, solution := billable(name, g.ws), solutionOf(name, g.ws)
		for h, v := range hours {
			if v.rows == 0 {
				continue
			}
			at := g.start.Add(time.Duration(h) * time.Hour)
			batches := int64(1 + v.rows/200)
			tg.t(at)
			start.t(at)
			end.t(at.Add(time.Hour))
			dt.s(name)
			qty.r(v.bytes / 1e6)
			billable0.b(isBillable)
			sol.s(solution)
			lat.r(float64(30+g.r.IntN(150)) + g.r.Float64())
			total.i(batches)
			within.i(batches)
			f.end()
		}
	}
	return f
}

// solutionOf is the solution a table's usage is reported under.
func solutionOf(table string, ws world.Workspace) string {
	t, ok := schema.Lookup(table)
	if !ok || len(t.Solutions) == 0 {
		return "LogManagement"
	}
	for _, s := range t.Solutions {
		if s == "SecurityInsights" && ws.Sentinel {
			return s
		}
	}
	for _, s := range t.Solutions {
		if s == "LogManagement" {
			return s
		}
	}
	return t.Solutions[0]
}
