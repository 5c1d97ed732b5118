package seed

import (
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// Log Analytics content of every workspace: its custom tables and saved searches.

const (
	tableType       = "Microsoft.OperationalInsights/workspaces/tables"
	savedSearchType = "Microsoft.OperationalInsights/savedSearches"
)

// Tables returns the names of the tables that have logs in a workspace (by name, alias or id), sorted: the
// set World.Logs generates. The ARM tables list holds them all (the Microsoft ones, which every workspace
// has, and the custom ones the world created).
func (w *World) Tables(workspace string) []string {
	ws, ok := w.Workspace(workspace)
	if !ok {
		return nil
	}
	var out []string
	for i := range generators {
		if generators[i].applies(ws, w.Facts) {
			out = append(out, generators[i].name)
		}
	}
	return sortedKeys(setOf(out))
}

func setOf(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// workspaceContent defers the custom tables and saved searches of any workspace (Sentinel or not).
func (b *builder) workspaceContent(ws world.Workspace) {
	b.deferred(ws, ws.ResourceID+"/tables", []string{tableType}, func(c *builder) { c.tables(ws) })
	b.deferred(ws, ws.ResourceID+"/savedSearches", []string{savedSearchType}, func(c *builder) { c.savedSearches(ws) })
}

// tables stores the custom tables that have data (the emulator serves the Microsoft tables from their
// schemas, with the workspace's retention, until one is changed).
func (b *builder) tables(ws world.Workspace) {
	created := b.now.Add(-200 * 24 * time.Hour) // the legacy VPN moved to the Logs ingestion API
	for _, name := range b.w.Tables(ws.Name) {
		t, ok := schema.Lookup(name)
		if !ok || !t.IsCustom() {
			continue
		}
		doc := t.ARMResource(ws.ResourceID, schema.Retention{RetentionInDays: -1, WorkspaceRetention: ws.RetentionDays})
		doc["properties"].(map[string]any)["lastPlanModifiedDate"] = ts(created)
		doc["systemData"] = analystSystemData(contentPipeline, created, created)
		b.add(doc["id"].(string), tableType, doc)
	}
}

func (b *builder) savedSearches(ws world.Workspace) {
	base := ws.ResourceID + "/savedSearches/"
	at := b.contentDeployed()
	weak := "W/\"datetime'" + strings.ReplaceAll(ts(at), ":", "%3A") + "'\""
	add := func(name string, p map[string]any) {
		b.add(base+name, savedSearchType, map[string]any{"etag": weak, "properties": p,
			"systemData": analystSystemData(contentPipeline, at, at)})
	}
	if !ws.Sentinel {
		add(world.SavedSearchName("search", "missing-heartbeats"), map[string]any{"category": "Log Management", "version": 2,
			"displayName": "Servers without a heartbeat for 15 minutes",
			"query":       "Heartbeat\n| summarize LastHeartbeat = max(TimeGenerated) by Computer\n| where LastHeartbeat < ago(15m)"})
		add(world.SavedSearchName("search", "iis-errors"), map[string]any{"category": "Log Management", "version": 2,
			"displayName": "IIS server errors by site",
			"query":       "W3CIISLog\n| where scStatus >= 500\n| summarize Errors = count() by sSiteName, bin(TimeGenerated, 1h)"})
		return
	}
	for _, h := range content.Hunts() {
		tags := []any{map[string]any{"name": "description", "value": strings.TrimSpace(h.Description)},
			map[string]any{"name": "tactics", "value": strings.Join(h.Tactics, ",")},
			map[string]any{"name": "techniques", "value": strings.Join(h.RelevantTechniques, ",")}}
		add(world.SavedSearchName("hunt", h.ID), map[string]any{"category": "Hunting Queries", "displayName": h.Name, "version": 2,
			"query": strings.TrimRight(h.Query, "\n"), "tags": tags})
	}
	if setOf(b.w.Tables(ws.Name))[world.CustomTable] {
		fn := world.VPNSessionsFunction
		add(world.SavedSearchName("function", fn.Alias), map[string]any{"category": fn.Category, "displayName": fn.DisplayName,
			"version": 2, "functionAlias": fn.Alias, "functionParameters": fn.Parameters, "query": vpnSessionsQuery,
			"tags": []any{map[string]any{"name": "Parser", "value": fn.Table}}})
	}
}

// vpnSessionsQuery turns LegacyVPN_CL's start and end records into one row per session.
const vpnSessionsQuery = `LegacyVPN_CL
| where isnull(starttime) or TimeGenerated >= starttime
| where isnull(endtime) or TimeGenerated < endtime
| where EventType in ("SessionStart", "SessionEnd")
| summarize Start = minif(TimeGenerated, EventType == "SessionStart"), End = maxif(TimeGenerated, EventType == "SessionEnd"),
    BytesSent = sum(BytesSent), BytesReceived = sum(BytesReceived)
    by SessionId, UserName, SourceIP, Country, Gateway, AssignedIP`
