package seed

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// Microsoft.Insights resources of the named Sentinel workspaces, in their resource group: Sentinel workbooks,
// the data collection endpoint and rules that feed the agent-based and custom tables, and the rules'
// associations with the machines. They are top-level resources (Resource Graph lists them): TopLevel
// deferred groups.

const (
	workbookType = "Microsoft.Insights/workbooks"
	dcrType      = "Microsoft.Insights/dataCollectionRules"
	dceType      = "Microsoft.Insights/dataCollectionEndpoints"
	dcraType     = "Microsoft.Insights/dataCollectionRuleAssociations"
)

func rgPath(ws world.Workspace) string {
	return "/subscriptions/" + ws.SubscriptionID + "/resourceGroups/" + ws.ResourceGroup
}

// vmID is the Azure VM id of one of a workspace's servers (as the population names it).
func vmID(ws world.Workspace, server string) string {
	return rgPath(ws) + "/providers/Microsoft.Compute/virtualMachines/" + strings.ToLower(server)
}

func (b *builder) insights(ws world.Workspace) {
	if ws.Synthetic || !ws.Sentinel {
		return
	}
	rg := rgPath(ws)
	b.deferredGroup(ws, rg+"/providers/Microsoft.Insights", []string{workbookType, dcrType, dceType}, true, func(c *builder) {
		c.workbooks(ws)
		c.dataCollection(ws)
	})
	b.deferredGroup(ws, rg+"/providers/Microsoft.Compute/virtualMachines", []string{dcraType}, true, func(c *builder) {
		c.associations(ws)
	})
}

func (b *builder) workbooks(ws world.Workspace) {
	saved := b.contentDeployed().Add(time.Hour)
	queries := map[string][][2]string{
		world.Workbooks[0]: {
			{"Open incidents by severity", "SecurityIncident\n| summarize arg_max(TimeGenerated, *) by IncidentNumber\n| where Status != \"Closed\"\n| summarize Incidents = count() by Severity"},
			{"Alerts by product", "SecurityAlert\n| summarize Alerts = count() by ProductName, bin(TimeGenerated, 1d)"},
			{"Analytics rule health", "SentinelHealth\n| where SentinelResourceType == \"Analytics Rule\"\n| summarize Runs = count(), Failures = countif(Status == \"Failure\") by SentinelResourceName"},
		},
		world.Workbooks[1]: {
			{"Sign-in failures by reason", "SigninLogs\n| where ResultType != \"0\"\n| summarize Failures = count() by ResultDescription"},
			{"Sign-ins by country", "SigninLogs\n| summarize SignIns = count() by Country = tostring(LocationDetails.countryOrRegion)"},
		},
	}
	for i, name := range world.Workbooks {
		items := []any{map[string]any{"type": 1, "name": "title", "content": map[string]any{"json": "## " + name +
			"\nMaintained by Woodgrove SOC. Time range follows the workbook parameter."}}}
		for _, q := range queries[name] {
			items = append(items, map[string]any{"type": 3, "name": q[0], "content": map[string]any{"version": "KqlItem/1.0",
				"title": q[0], "query": q[1], "size": 1, "queryType": 0, "resourceType": "microsoft.operationalinsights/workspaces",
				"timeContext": map[string]any{"durationMs": 604800000}}})
		}
		serialized, _ := json.Marshal(map[string]any{"version": "Notebook/1.0", "items": items, "isLocked": false,
			"fallbackResourceIds": []any{ws.ResourceID}, "fromTemplateId": "sentinel-UserWorkbook"})
		id := rgPath(ws) + "/providers/Microsoft.Insights/workbooks/" + world.WorkbookName(ws.Name, name)
		at := saved.Add(time.Duration(i) * time.Minute)
		rev := sha256.Sum256(serialized)
		b.add(id, workbookType, map[string]any{"location": ws.Location, "kind": "shared", "etag": etag(id),
			"tags": map[string]any{"hidden-title": name},
			"properties": map[string]any{"displayName": name, "serializedData": string(serialized), "version": "Notebook/1.0",
				"category": "sentinel", "sourceId": strings.ToLower(ws.ResourceID), "timeModified": ts(at),
				"userId": world.AnalystAmelia.ObjectID, "revision": hex.EncodeToString(rev[:16]), "storageUri": nil,
				"description": "Woodgrove SOC standard workbook.", "tags": []any{}},
			"systemData": analystSystemData(world.AnalystAmelia, at, at)})
	}
}

func (b *builder) dataCollection(ws world.Workspace) {
	rg := rgPath(ws)
	at := b.contentDeployed().Add(-3 * time.Hour)
	sd := analystSystemData(contentPipeline, at, at)
	loc := strings.ToLower(ws.Location)
	dceName := world.DataCollectionEndpointName(ws.Name)
	dceID := rg + "/providers/Microsoft.Insights/dataCollectionEndpoints/" + dceName
	dceImmutable := immutableID("dce", dceID)
	host := strings.ToLower(dceName) + "-" + dceImmutable[4:8]
	b.add(dceID, dceType, map[string]any{"location": ws.Location, "tags": map[string]any{}, "etag": etag(dceID),
		"properties": map[string]any{"immutableId": dceImmutable, "description": "Logs ingestion endpoint of " + ws.Name + ".",
			"configurationAccess": map[string]any{"endpoint": "https://" + host + "." + loc + "-1.handler.control.monitor.azure.com"},
			"logsIngestion":       map[string]any{"endpoint": "https://" + host + "." + loc + "-1.ingest.monitor.azure.com"},
			"metricsIngestion":    map[string]any{"endpoint": "https://" + host + "." + loc + "-1.metrics.ingest.monitor.azure.com"},
			"networkAcls":         map[string]any{"publicNetworkAccess": "Enabled"}, "provisioningState": "Succeeded"},
		"systemData": sd})
	dest := "la-" + ws.Name
	destinations := map[string]any{"logAnalytics": []any{map[string]any{"workspaceResourceId": ws.ResourceID,
		"workspaceId": ws.CustomerID, "name": dest}}}
	dcr := func(purpose, kind, description string, p map[string]any) string {
		id := rg + "/providers/Microsoft.Insights/dataCollectionRules/" + world.DataCollectionRuleName(ws.Name, purpose)
		p["immutableId"] = immutableID("dcr", id)
		p["description"] = description
		p["destinations"] = destinations
		p["provisioningState"] = "Succeeded"
		doc := map[string]any{"location": ws.Location, "tags": map[string]any{"owner": "soc"}, "etag": etag(id), "properties": p,
			"systemData": sd}
		if kind != "" {
			doc["kind"] = kind
		}
		b.add(id, dcrType, doc)
		return id
	}
	dcr("windows-security", "Windows", "Windows security events (common set plus process creation) from the servers.",
		map[string]any{
			"dataSources": map[string]any{"windowsEventLogs": []any{map[string]any{"name": "securityEvents",
				"streams": []any{"Microsoft-SecurityEvent"}, "xPathQueries": []any{
					"Security!*[System[(EventID=4624 or EventID=4625 or EventID=4634 or EventID=4672 or EventID=4688 or EventID=4720 or EventID=4728 or EventID=4732 or EventID=4756 or EventID=1102)]]"}}}},
			"dataFlows": []any{map[string]any{"streams": []any{"Microsoft-SecurityEvent"}, "destinations": []any{dest}}}})
	dcr("syslog-cef", "Linux", "Syslog and CEF from the Linux collector (perimeter firewall, DNS).",
		map[string]any{
			"dataSources": map[string]any{"syslog": []any{
				map[string]any{"name": "cefFirewall", "streams": []any{"Microsoft-CommonSecurityLog"}, "facilityNames": []any{"local4"},
					"logLevels": []any{"Info", "Notice", "Warning", "Error", "Critical", "Alert", "Emergency"}},
				map[string]any{"name": "syslogBase", "streams": []any{"Microsoft-Syslog"}, "facilityNames": []any{"auth", "authpriv", "daemon", "syslog"},
					"logLevels": []any{"Warning", "Error", "Critical", "Alert", "Emergency"}}}},
			"dataFlows": []any{map[string]any{"streams": []any{"Microsoft-CommonSecurityLog"}, "destinations": []any{dest}},
				map[string]any{"streams": []any{"Microsoft-Syslog"}, "destinations": []any{dest}}}})
	stream := "Custom-" + world.CustomTable
	cols := []any{}
	if t, ok := schema.Lookup(world.CustomTable); ok {
		for _, c := range t.VisibleColumns() {
			if c.Name == "TenantId" || c.Name == "Type" {
				continue
			}
			name, typ := c.Name, schema.ARMColumnType(c.Type)
			if name == "TimeGenerated" { // the VPN concentrator sends its own time, which the transformation renames
				name = "EventTime"
			}
			cols = append(cols, map[string]any{"name": name, "type": typ})
		}
	}
	dcr("legacyvpn", "", "Legacy VPN sessions sent by the concentrator's forwarder through the Logs ingestion API.",
		map[string]any{"dataCollectionEndpointId": dceID,
			"streamDeclarations": map[string]any{stream: map[string]any{"columns": cols}},
			"dataFlows": []any{map[string]any{"streams": []any{stream}, "destinations": []any{dest},
				"transformKql": "source\n| extend TimeGenerated = EventTime\n| project-away EventTime\n| where isnotempty(SessionId)",
				"outputStream": stream}}})
}

// associations attach the Windows and syslog rules to the domain controller and the Linux collector.
func (b *builder) associations(ws world.Workspace) {
	rg := rgPath(ws)
	at := b.contentDeployed().Add(-3 * time.Hour)
	sd := analystSystemData(contentPipeline, at, at)
	windows := rg + "/providers/Microsoft.Insights/dataCollectionRules/" + world.DataCollectionRuleName(ws.Name, "windows-security")
	syslog := rg + "/providers/Microsoft.Insights/dataCollectionRules/" + world.DataCollectionRuleName(ws.Name, "syslog-cef")
	assoc := func(vm, name string, p map[string]any) {
		id := vm + "/providers/Microsoft.Insights/dataCollectionRuleAssociations/" + name
		b.add(id, dcraType, map[string]any{"etag": etag(id), "properties": p, "systemData": sd})
	}
	assoc(vmID(ws, world.ServerDC), "dcra-"+ws.Name+"-windows-security", map[string]any{"dataCollectionRuleId": windows,
		"description": "Security events of the domain controller."})
	assoc(vmID(ws, "srv-lnx-01"), "dcra-"+ws.Name+"-syslog-cef", map[string]any{"dataCollectionRuleId": syslog,
		"description": "The Linux syslog and CEF collector."})
}

// immutableID derives the "dcr-<32 hex>" style immutable id of a data collection rule or endpoint (the same
// derivation the emulator uses for created ones).
func immutableID(prefix, id string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(id)))
	return prefix + "-" + hex.EncodeToString(sum[:16])
}
