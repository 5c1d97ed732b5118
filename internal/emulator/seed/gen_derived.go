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

// storyEntities are the entities an alert about a story maps (as the rules' entity mappings do).
func (g *genCtx) storyEntities(s world.Story) []any {
	var out []any
	add := func(e map[string]any) {
		e["$id"] = itoa(int64(len(out) + 2))
		out = append(out, e)
	}
	local, suffix, _ := strings.Cut(s.Account, "@")
	u := g.pop.user(s.Account)
	add(map[string]any{"Type": "account", "Name": local, "UPNSuffix": suffix, "AadUserId": u.ObjectID,
		"DisplayName": u.Display})
	if s.Host != "" {
		h := g.pop.hostNamed(s.Host)
		add(map[string]any{"Type": "host", "HostName": h.Name, "DnsDomain": g.pop.domain, "OSFamily": "Windows"})
	}
	ips := s.IPs
	if len(ips) == 0 && s.IP != "" {
		ips = []string{s.IP}
	}
	for _, ip := range ips {
		add(map[string]any{"Type": "ip", "Address": ip})
	}
	return out
}

// storyWindow is when a story's records happen.
func storyWindow(s world.Story, now time.Time) (time.Time, time.Time) {
	start := s.Start(now)
	end := start.Add(s.Duration)
	if s.Kind == world.StoryPasswordSpray {
		end = end.Add(world.SpraySuccessAfter)
	}
	return start, end
}

func genSecurityAlert(g *genCtx, _ int) *frame {
	incs := g.facts.IncidentsIn(g.ws.Name)
	f := g.newFrame("SecurityAlert", 2*len(incs))
	for k, v := range map[string]any{"ProductName": "Azure Sentinel", "ProviderName": "ASI Scheduled Alerts", "VendorName": "Microsoft",
		"SourceSystem": "Detection", "Status": "New", "IsIncident": false, "WorkspaceResourceGroup": g.ws.ResourceGroup,
		"WorkspaceSubscriptionId": g.ws.SubscriptionID, "ConfidenceLevel": "", "ExtendedLinks": "", "RemediationSteps": "",
		"ResourceId": "", "SourceComputerId": ""} {
		f.setConst(k, v)
	}
	cols := map[string]*colBuf{}
	for _, name := range []string{"TimeGenerated", "AlertName", "DisplayName", "AlertSeverity", "AlertType", "CompromisedEntity",
		"Description", "StartTime", "EndTime", "ProcessingEndTime", "Entities", "ExtendedProperties", "ProductComponentName",
		"SystemAlertId", "VendorOriginalId", "Tactics", "Techniques", "SubTechniques", "AlertLink"} {
		cols[name] = f.col(name)
	}
	for _, inc := range incs {
		s := inc.Story
		entities := jsonString(g.storyEntities(s))
		first, last := storyWindow(s, g.now)
		for _, a := range inc.Alerts {
			r := ruleByID(a.Rule)
			at := g.now.Add(-a.Ago)
			component := "Scheduled Alerts"
			if r.Kind == "NRT" {
				component = "NRT Alerts"
			}
			end := last
			if end.After(at) { // an alert covers the events up to its run
				end = at
			}
			props := map[string]any{"Analytic Rule Ids": jsonString([]any{world.AlertRuleName(g.ws.Name, r.ID)}),
				"Analytic Rule Name": r.Name, "Event Grouping": "SingleAlert", "ProcessedBySentinel": "True",
				"Data Sources": jsonString(anyStrings(s.Tables)), "Query Period": r.QueryPeriod, "Query": "",
				"Search Query Results Overall Count": "1", "Alert generation status": "Full alert created"}
			cols["TimeGenerated"].t(at)
			cols["AlertName"].s(r.Name)
			cols["DisplayName"].s(r.Name)
			cols["AlertSeverity"].s(r.Severity)
			cols["AlertType"].s(g.ws.CustomerID + "_" + world.AlertRuleName(g.ws.Name, r.ID))
			compromised := s.Account
			if s.Host != "" {
				compromised = strings.ToLower(s.Host) + "." + g.pop.domain
			}
			cols["CompromisedEntity"].s(compromised)
			cols["Description"].s(strings.TrimSpace(r.Description))
			cols["StartTime"].t(first)
			cols["EndTime"].t(end)
			cols["ProcessingEndTime"].t(at.Add(40 * time.Second))
			cols["Entities"].s(entities)
			cols["ExtendedProperties"].s(jsonString(props))
			cols["ProductComponentName"].s(component)
			cols["SystemAlertId"].s(a.ID)
			cols["VendorOriginalId"].s(world.GUID("vendor-alert:" + a.ID))
			cols["Tactics"].s(strings.Join(r.Tactics, ", "))
			cols["Techniques"].s(jsonString(anyStrings(parentTechniques(r.RelevantTechniques))))
			cols["SubTechniques"].s(jsonString(anyStrings(subTechniques(r.RelevantTechniques))))
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

var severityRank = map[string]int{"Informational": 0, "Low": 1, "Medium": 2, "High": 3}

// genSecurityIncident writes a record each time an incident was created or changed: creation by its first
// alert, a further alert joining it, and the analyst's triage (assignment, closing).
func genSecurityIncident(g *genCtx, _ int) *frame {
	incs := g.facts.IncidentsIn(g.ws.Name)
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
	unassigned := map[string]any{"objectId": nil, "email": nil, "assignedTo": nil, "userPrincipalName": nil}
	for _, inc := range incs {
		s := inc.Story
		first, last := storyWindow(s, g.now)
		created := inc.Created(g.now)
		r0 := ruleByID(inc.Alerts[0].Rule)
		severity, ruleIDs, tactics := r0.Severity, []any{}, []any{}
		seenTactic := map[string]bool{}
		for _, a := range inc.Alerts {
			r := ruleByID(a.Rule)
			if severityRank[r.Severity] > severityRank[severity] {
				severity = r.Severity
			}
			ruleIDs = append(ruleIDs, world.AlertRuleName(g.ws.Name, r.ID))
			for _, t := range r.Tactics {
				if !seenTactic[t] {
					seenTactic[t] = true
					tactics = append(tactics, t)
				}
			}
		}
		url := "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident" + g.ws.ResourceID +
			"/providers/Microsoft.SecurityInsights/Incidents/" + inc.Name
		row := func(at time.Time, status string, alerts int, owner map[string]any, by string, closed bool) {
			alertIDs := []any{}
			for _, a := range inc.Alerts[:alerts] {
				alertIDs = append(alertIDs, a.ID)
			}
			comments := []any{}
			if closed && inc.ClassificationComment != "" {
				comments = append(comments, map[string]any{"message": inc.ClassificationComment,
					"createdTimeUtc": at, "author": map[string]any{"email": inc.Owner.UPN, "name": inc.Owner.Name}})
			}
			cols["TimeGenerated"].t(at)
			cols["IncidentName"].s(inc.Name)
			cols["IncidentNumber"].i(int64(inc.Number))
			cols["Title"].s(r0.Name)
			cols["Description"].s(strings.TrimSpace(r0.Description))
			cols["Severity"].s(severity)
			cols["Status"].s(status)
			if closed {
				cols["Classification"].s(inc.Classification)
				cols["ClassificationReason"].s(inc.ClassificationReason)
				cols["ClassificationComment"].s(inc.ClassificationComment)
				cols["ClosedTime"].t(at)
			}
			cols["CreatedTime"].t(created)
			cols["FirstActivityTime"].t(first)
			cols["LastActivityTime"].t(last)
			cols["FirstModifiedTime"].t(created)
			cols["LastModifiedTime"].t(at)
			cols["ModifiedBy"].s(by)
			cols["Owner"].d(owner)
			cols["ProviderIncidentId"].s(itoa(int64(inc.Number)))
			cols["RelatedAnalyticRuleIds"].d(ruleIDs[:alerts])
			cols["IncidentUrl"].s(url)
			cols["AlertIds"].d(alertIDs)
			cols["BookmarkIds"].d([]any{})
			cols["Comments"].d(comments)
			cols["Labels"].d([]any{})
			cols["Tasks"].d([]any{})
			cols["AdditionalData"].d(map[string]any{"alertsCount": int64(alerts), "bookmarksCount": int64(0),
				"commentsCount": int64(len(comments)), "alertProductNames": []any{"Azure Sentinel"}, "tactics": tactics})
			f.end()
		}
		row(created, "New", 1, unassigned, "Incident created from alert", false)
		for k := 1; k < len(inc.Alerts); k++ {
			row(g.now.Add(-inc.Alerts[k].Ago), "New", k+1, unassigned, "Alert added to incident", false)
		}
		if inc.Owner != nil {
			owner := map[string]any{"objectId": inc.Owner.ObjectID, "email": inc.Owner.UPN, "assignedTo": inc.Owner.Name,
				"userPrincipalName": inc.Owner.UPN}
			row(inc.Modified(g.now), inc.Status, len(inc.Alerts), owner, inc.Owner.UPN, inc.Status == "Closed")
		}
	}
	return f
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

// connectorKinds are the data connectors feeding a workspace's tables, sorted.
func connectorKinds(ws world.Workspace, f world.Facts) []string {
	seen := map[string]bool{}
	for i := range generators {
		tg := &generators[i]
		if !tg.applies(ws, f) {
			continue
		}
		if t, ok := schema.Lookup(tg.name); ok && t.Connector != "" {
			seen[t.Connector] = true
		}
	}
	return sortedKeys(seen)
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
	// Connectors report their status once (a status change), at the start of the window. A silent
	// connector reports nothing: the data just stops, which only freshness checks notice.
	for _, kind := range connectorKinds(g.ws, g.facts) {
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
				"QueryEndTimeUTC": at, "TriggerOperator": "GreaterThan", "TriggerThreshold": int64(r.Threshold())}
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
