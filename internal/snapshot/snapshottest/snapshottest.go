// Package snapshottest puts representative content of every kind into a workspace through the real
// API (the emulator in tests), for tests of export, restore, drift and deploy:
//
//	c, err := snapshottest.Populate(ctx, provider, ws)
//
// One of everything: two shipped analytics rules (one disabled) and a custom one, an automation
// rule, a watchlist with rows, a saved search and a function, a custom table, a workbook, a data
// collection rule sending to the workspace, and two data connectors (one holding a secret).
package snapshottest

import (
	"context"
	"fmt"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// Content names what Populate created.
type Content struct {
	Rules           []string // analytics rule display names (shipped rule, disabled shipped rule, custom)
	DisabledRule    string
	CustomRule      string
	AutomationRule  string
	Watchlist       string   // alias
	WatchlistKeys   []string // search key values of its rows
	SavedSearch     string   // display name
	Function        string   // function alias
	Table           string
	Workbook        string // display name
	DCR             string
	Connectors      []string // kinds
	SecretConnector string   // kind of the connector holding a secret
}

// Populate creates the content in ws. Names are fixed, so populating two workspaces gives the same
// content (with each workspace's own identifiers inside), but for the data collection rule: it is a
// resource of the resource group, which workspaces may share, so its name has the workspace's.
func Populate(ctx context.Context, p *azure.Provider, ws *tenancy.Workspace) (*Content, error) {
	c, err := sentinel.New(p, ws)
	if err != nil {
		return nil, err
	}
	arm := c.ARM()
	out := &Content{}
	rules := content.Rules()
	if len(rules) < 2 {
		return nil, fmt.Errorf("snapshottest: the product ships %d rules", len(rules))
	}
	for i, r := range rules[:2] {
		props, err := r.AlertRuleProperties(i == 0)
		if err != nil {
			return nil, err
		}
		if _, err := c.PutAlertRule(ctx, &sentinel.AlertRule{Name: sentinel.NewName(), Kind: r.Kind, Properties: props}, true); err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.Name, err)
		}
		out.Rules = append(out.Rules, r.Name)
		if i == 1 {
			out.DisabledRule = r.Name
		}
	}
	// The query names the workspace's own customer id, so its export holds a placeholder.
	out.CustomRule = "Custom: failed logons"
	custom := map[string]any{
		"displayName": out.CustomRule, "description": "Hand-written rule.", "severity": "Medium", "enabled": true,
		"query":          "SecurityEvent\n| where EventID == 4625\n| where Computer has '" + ws.CustomerID + "'\n| summarize count() by Account",
		"queryFrequency": "PT1H", "queryPeriod": "PT1H", "triggerOperator": "GreaterThan", "triggerThreshold": 10,
		"suppressionDuration": "PT5H", "suppressionEnabled": false, "tactics": []any{"CredentialAccess"}, "techniques": []any{"T1110"},
	}
	if _, err := c.PutAlertRule(ctx, &sentinel.AlertRule{Name: sentinel.NewName(), Kind: "Scheduled", Properties: custom}, true); err != nil {
		return nil, fmt.Errorf("custom rule: %w", err)
	}
	out.Rules = append(out.Rules, out.CustomRule)

	out.AutomationRule = "Assign high severity incidents"
	auto := &sentinel.AutomationRule{Name: sentinel.NewName(), Properties: map[string]any{
		"displayName": out.AutomationRule, "order": 1,
		"triggeringLogic": map[string]any{"isEnabled": true, "triggersOn": "Incidents", "triggersWhen": "Created",
			"conditions": []any{map[string]any{"conditionType": "Property", "conditionProperties": map[string]any{
				"propertyName": "IncidentSeverity", "operator": "Equals", "propertyValues": []any{"High"}}}}},
		"actions": []any{map[string]any{"order": 1, "actionType": "ModifyProperties", "actionConfiguration": map[string]any{
			"owner": map[string]any{"objectId": "0b6a6c2e-8d8f-4f0e-9f46-5a1f5c3e6b01", "email": "soc@woodgrove.com"}}}},
	}}
	if _, err := c.PutAutomationRule(ctx, auto, true); err != nil {
		return nil, fmt.Errorf("automation rule: %w", err)
	}

	out.Watchlist = "HighValueAssets"
	out.WatchlistKeys = []string{"SRV-BACKUP-01", "SRV-DC-01", "SRV-SQL-02"}
	csv := "Hostname,Owner,Tier\nSRV-DC-01,identity team,0\nSRV-BACKUP-01,infra,1\nSRV-SQL-02,\"data, analytics\",1\n"
	wl := &sentinel.Watchlist{Envelope: sentinel.Envelope{Name: out.Watchlist}, Properties: sentinel.WatchlistProperties{
		DisplayName: "High value assets", Provider: "Woodgrove SOC", Source: "assets.csv", ItemsSearchKey: "Hostname",
		Description: "Servers whose compromise is critical.", Labels: []string{"assets", "tier0"}, ContentType: sentinel.WatchlistContentTypeCSV,
		RawContent: csv}}
	if _, err := c.CreateWatchlist(ctx, wl); err != nil {
		return nil, fmt.Errorf("watchlist: %w", err)
	}

	out.SavedSearch, out.Function = "Failed sign-ins by user", "FailedSignins"
	for _, s := range []*sentinel.SavedSearch{
		{Envelope: sentinel.Envelope{Name: "failed-signins-by-user"}, Properties: sentinel.SavedSearchProperties{Category: "Hunting Queries",
			DisplayName: out.SavedSearch, Query: "SigninLogs\n| where ResultType != 0\n| summarize count() by UserPrincipalName", Version: 2,
			Tags: []sentinel.SavedSearchTag{{Name: "tactics", Value: "CredentialAccess"}}}},
		{Envelope: sentinel.Envelope{Name: "fn-failed-signins"}, Properties: sentinel.SavedSearchProperties{Category: "Functions",
			DisplayName: "Failed sign-ins", Query: "SigninLogs | where ResultType != 0 | where TimeGenerated > ago(lookback)",
			FunctionAlias: out.Function, FunctionParameters: "lookback:timespan=1d", Version: 2}},
	} {
		if _, err := c.CreateSavedSearch(ctx, s); err != nil {
			return nil, fmt.Errorf("saved search %s: %w", s.Properties.DisplayName, err)
		}
	}

	out.Table = "VpnSessions_CL"
	plan, ret, total := sentinel.PlanAnalytics, 60, 365
	desc := "VPN sessions from the legacy concentrator."
	if _, err := c.CreateTable(ctx, out.Table, sentinel.TableUpdate{Plan: &plan, RetentionInDays: &ret, TotalRetentionInDays: &total, Description: &desc,
		Columns: []sentinel.TableColumn{{Name: "TimeGenerated", Type: "dateTime"}, {Name: "UserName", Type: "string", Description: "Who connected."},
			{Name: "SrcIP", Type: "string"}, {Name: "BytesIn", Type: "long"}}}); err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}

	out.Workbook = "SOC overview"
	wb := &sentinel.Workbook{Tags: map[string]string{"hidden-title": out.Workbook}, Properties: sentinel.WorkbookProperties{
		DisplayName: out.Workbook, Category: sentinel.WorkbookCategorySentinel, Description: "Incidents and rules at a glance.",
		SerializedData: `{"version":"Notebook/1.0","items":[{"type":3,"content":{"query":"SecurityIncident | summarize count() by Severity","crossComponentResources":["` +
			ws.ResourceID + `"]}}],"fallbackResourceIds":["` + ws.ResourceID + `"]}`}}
	if _, err := c.CreateWorkbook(ctx, wb); err != nil {
		return nil, fmt.Errorf("workbook: %w", err)
	}

	out.DCR = "dcr-vpn-" + ws.Name
	dcr := &sentinel.DataCollectionRule{Location: ws.Location, Kind: "Direct", Properties: sentinel.DCRProperties{
		Description: "VPN sessions into " + out.Table,
		StreamDeclarations: map[string]sentinel.StreamDeclaration{"Custom-VpnSessions": {Columns: []sentinel.StreamColumn{
			{Name: "TimeGenerated", Type: "datetime"}, {Name: "UserName", Type: "string"}, {Name: "SrcIP", Type: "string"}, {Name: "BytesIn", Type: "long"}}}},
		Destinations: sentinel.DCRDestinations{LogAnalytics: []sentinel.LogAnalyticsDestination{{Name: "la", WorkspaceResourceID: ws.ResourceID}}},
		DataFlows: []sentinel.DataFlow{{Streams: []string{"Custom-VpnSessions"}, Destinations: []string{"la"},
			TransformKql: "source | extend BytesIn = tolong(BytesIn)", OutputStream: "Custom-" + out.Table}},
	}}
	if _, err := c.PutDataCollectionRule(ctx, sentinel.InsightsID{ResourceGroup: ws.ResourceGroup, Kind: sentinel.KindDCR, Name: out.DCR}, dcr, true); err != nil {
		return nil, fmt.Errorf("dcr: %w", err)
	}

	out.Connectors = []string{"Office365", "ThreatIntelligenceTaxii"}
	out.SecretConnector = "ThreatIntelligenceTaxii"
	for _, dc := range []map[string]any{
		{"kind": "Office365", "properties": map[string]any{"tenantId": ws.TenantID, "dataTypes": map[string]any{
			"exchange": map[string]any{"state": "Enabled"}, "sharePoint": map[string]any{"state": "Enabled"}, "teams": map[string]any{"state": "Disabled"}}}},
		{"kind": "ThreatIntelligenceTaxii", "properties": map[string]any{"tenantId": ws.TenantID, "workspaceId": ws.CustomerID,
			"friendlyName": "Partner feed", "taxiiServer": "https://taxii.example.org/api", "collectionId": "42",
			"userName": "feed-reader", "password": "correct horse battery staple", "pollingFrequency": "OnceAnHour",
			"dataTypes": map[string]any{"taxiiClient": map[string]any{"state": "Enabled"}}}},
	} {
		path := c.Path("dataConnectors", sentinel.NewName())
		if _, err := arm.Put(ctx, path, dc, nil); err != nil {
			return nil, fmt.Errorf("data connector %v: %w", dc["kind"], err)
		}
	}
	return out, nil
}
