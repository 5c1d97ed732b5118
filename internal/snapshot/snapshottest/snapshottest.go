// Package snapshottest prepares workspaces of the emulator's seeded world, through the real API, for
// tests of export, restore, drift and deploy:
//
//	c, err := snapshottest.Populate(ctx, provider, ws) // content the seeded world does not have
//	err = snapshottest.Clear(ctx, provider, ws)        // an empty restore target
//
// Populate adds one of each kind the seeded world lacks: a custom analytics rule and an automation
// rule that names it, a watchlist with rows, a saved search and a function, a custom table, a
// workbook, a data collection rule sending to the workspace, and a data connector holding a secret.
package snapshottest

import (
	"context"
	"fmt"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// Content names what Populate created.
type Content struct {
	CustomRule      string // display name of a custom Scheduled rule (its query names the workspace's id)
	AutomationRule  string // display name; its condition names the custom rule
	Watchlist       string // alias
	WatchlistTitle  string
	WatchlistKeys   []string // search key values of its rows
	SavedSearch     string   // display name
	Function        string   // function alias
	Table           string
	Workbook        string // display name
	DCR             string
	SecretConnector string // kind of the connector holding a secret
}

// Populate adds content of every kind to ws, next to what the seeded world has (names that the world
// does not use). Names are fixed, so populating two workspaces gives the same content (with each
// workspace's own identifiers inside); the data collection rule, a resource of the resource group,
// which workspaces may share, has the workspace's name in its own.
func Populate(ctx context.Context, p *azure.Provider, ws *tenancy.Workspace) (*Content, error) {
	c, err := sentinel.New(p, ws)
	if err != nil {
		return nil, err
	}
	out := &Content{}
	out.CustomRule = "Custom: failed logons"
	ruleName := sentinel.NewName()
	custom := map[string]any{
		"displayName": out.CustomRule, "description": "Hand-written rule.", "severity": "Medium", "enabled": true,
		"query":          "SecurityEvent\n| where EventID == 4625\n| where Computer has '" + ws.CustomerID + "'\n| summarize count() by Account",
		"queryFrequency": "PT1H", "queryPeriod": "PT1H", "triggerOperator": "GreaterThan", "triggerThreshold": 10,
		"suppressionDuration": "PT5H", "suppressionEnabled": false, "tactics": []any{"CredentialAccess"}, "techniques": []any{"T1110"},
	}
	if _, err := c.PutAlertRule(ctx, &sentinel.AlertRule{Name: ruleName, Kind: "Scheduled", Properties: custom}, true); err != nil {
		return nil, fmt.Errorf("custom rule: %w", err)
	}

	out.AutomationRule = "Tag failed logon incidents"
	auto := &sentinel.AutomationRule{Name: sentinel.NewName(), Properties: map[string]any{
		"displayName": out.AutomationRule, "order": 50,
		"triggeringLogic": map[string]any{"isEnabled": true, "triggersOn": "Incidents", "triggersWhen": "Created",
			"conditions": []any{map[string]any{"conditionType": "Property", "conditionProperties": map[string]any{
				"propertyName": "IncidentRelatedAnalyticRuleIds", "operator": "Contains",
				"propertyValues": []any{sentinel.AlertRuleID(ws.ResourceID, ruleName)}}}}},
		"actions": []any{map[string]any{"order": 1, "actionType": "ModifyProperties", "actionConfiguration": map[string]any{
			"labels": []any{map[string]any{"labelName": "failed-logons"}}}}},
	}}
	if _, err := c.PutAutomationRule(ctx, auto, true); err != nil {
		return nil, fmt.Errorf("automation rule: %w", err)
	}

	out.Watchlist, out.WatchlistTitle = "CrownJewels", "Crown jewels"
	out.WatchlistKeys = []string{"SRV-HSM-01", "SRV-PKI-01", "SRV-PKI-02"}
	csv := "Hostname,Owner,Tier\nSRV-PKI-01,identity team,0\nSRV-HSM-01,infra,0\nSRV-PKI-02,\"pki, identity\",1\n"
	wl := &sentinel.Watchlist{Envelope: sentinel.Envelope{Name: out.Watchlist}, Properties: sentinel.WatchlistProperties{
		DisplayName: out.WatchlistTitle, Provider: "Woodgrove SOC", Source: "jewels.csv", ItemsSearchKey: "Hostname",
		Description: "Servers whose keys sign everything.", Labels: []string{"assets", "tier0"}, ContentType: sentinel.WatchlistContentTypeCSV,
		RawContent: csv}}
	if _, err := c.CreateWatchlist(ctx, wl); err != nil {
		return nil, fmt.Errorf("watchlist: %w", err)
	}

	out.SavedSearch, out.Function = "Failed sign-ins by user (test)", "FailedSigninsTest"
	for _, s := range []*sentinel.SavedSearch{
		{Envelope: sentinel.Envelope{Name: "test-failed-signins-by-user"}, Properties: sentinel.SavedSearchProperties{Category: "Hunting Queries",
			DisplayName: out.SavedSearch, Query: "SigninLogs\n| where ResultType != 0\n| summarize count() by UserPrincipalName", Version: 2,
			Tags: []sentinel.SavedSearchTag{{Name: "tactics", Value: "CredentialAccess"}}}},
		{Envelope: sentinel.Envelope{Name: "test-fn-failed-signins"}, Properties: sentinel.SavedSearchProperties{Category: "Functions",
			DisplayName: "Failed sign-ins (test)", Query: "SigninLogs | where ResultType != 0 | where TimeGenerated > ago(lookback)",
			FunctionAlias: out.Function, FunctionParameters: "lookback:timespan=1d", Version: 2}},
	} {
		if _, err := c.CreateSavedSearch(ctx, s); err != nil {
			return nil, fmt.Errorf("saved search %s: %w", s.Properties.DisplayName, err)
		}
	}

	out.Table = "VpnSessions_CL"
	plan, ret, total := sentinel.PlanAnalytics, 60, 365
	desc := "VPN sessions from the new concentrator."
	if _, err := c.CreateTable(ctx, out.Table, sentinel.TableUpdate{Plan: &plan, RetentionInDays: &ret, TotalRetentionInDays: &total, Description: &desc,
		Columns: []sentinel.TableColumn{{Name: "TimeGenerated", Type: "dateTime"}, {Name: "UserName", Type: "string", Description: "Who connected."},
			{Name: "SrcIP", Type: "string"}, {Name: "BytesIn", Type: "long"}}}); err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}

	out.Workbook = "SOC overview (test)"
	wb := &sentinel.Workbook{Tags: map[string]string{"hidden-title": out.Workbook}, Properties: sentinel.WorkbookProperties{
		DisplayName: out.Workbook, Category: sentinel.WorkbookCategorySentinel, Description: "Incidents and rules at a glance.",
		SerializedData: `{"version":"Notebook/1.0","items":[{"type":3,"content":{"query":"SecurityIncident | summarize count() by Severity","crossComponentResources":["` +
			ws.ResourceID + `"]}}],"fallbackResourceIds":["` + ws.ResourceID + `"]}`}}
	if _, err := c.CreateWorkbook(ctx, wb); err != nil {
		return nil, fmt.Errorf("workbook: %w", err)
	}

	out.DCR = "dcr-" + ws.Name + "-vpn-sessions"
	dcr := &sentinel.DataCollectionRule{Location: ws.Location, Kind: "Direct", Properties: sentinel.DCRProperties{
		Description: "VPN sessions into " + out.Table,
		StreamDeclarations: map[string]sentinel.StreamDeclaration{"Custom-VpnSessions": {Columns: []sentinel.StreamColumn{
			{Name: "TimeGenerated", Type: "datetime"}, {Name: "UserName", Type: "string"}, {Name: "SrcIP", Type: "string"}, {Name: "BytesIn", Type: "long"}}}},
		Destinations: sentinel.DCRDestinations{LogAnalytics: []sentinel.LogAnalyticsDestination{{Name: "la-" + ws.Name, WorkspaceResourceID: ws.ResourceID}}},
		DataFlows: []sentinel.DataFlow{{Streams: []string{"Custom-VpnSessions"}, Destinations: []string{"la-" + ws.Name},
			TransformKql: "source | extend BytesIn = tolong(BytesIn)", OutputStream: "Custom-" + out.Table}},
	}}
	if _, err := c.PutDataCollectionRule(ctx, sentinel.InsightsID{ResourceGroup: ws.ResourceGroup, Kind: sentinel.KindDCR, Name: out.DCR}, dcr, true); err != nil {
		return nil, fmt.Errorf("dcr: %w", err)
	}

	out.SecretConnector = "ThreatIntelligenceTaxii"
	taxii := map[string]any{"kind": "ThreatIntelligenceTaxii", "properties": map[string]any{"tenantId": ws.TenantID, "workspaceId": ws.CustomerID,
		"friendlyName": "Partner feed", "taxiiServer": "https://taxii.example.org/api", "collectionId": "42",
		"userName": "feed-reader", "password": "correct horse battery staple", "pollingFrequency": "OnceAnHour",
		"dataTypes": map[string]any{"taxiiClient": map[string]any{"state": "Enabled"}}}}
	if _, err := c.ARM().Put(ctx, c.Path("dataConnectors", sentinel.NewName()), taxii, nil); err != nil {
		return nil, fmt.Errorf("data connector: %w", err)
	}
	return out, nil
}

// Clear deletes the content a restore writes (analytics and automation rules, watchlists, saved
// searches, the workspace's workbooks and data collection rules, custom tables, Sentinel settings but
// Anomalies and EyesOn), so that ws is an empty target. Data connectors stay.
func Clear(ctx context.Context, p *azure.Provider, ws *tenancy.Workspace) error {
	c, err := sentinel.New(p, ws)
	if err != nil {
		return err
	}
	rules, err := c.AlertRules(ctx)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if err := c.DeleteAlertRule(ctx, r.Name, ""); err != nil {
			return err
		}
	}
	autos, err := c.AutomationRules(ctx)
	if err != nil {
		return err
	}
	for _, a := range autos {
		if err := c.DeleteAutomationRule(ctx, a.Name, ""); err != nil {
			return err
		}
	}
	wls, _, err := c.AllWatchlists(ctx, 0)
	if err != nil {
		return err
	}
	for _, w := range wls {
		if err := c.DeleteWatchlist(ctx, w.Name, ""); err != nil {
			return err
		}
	}
	ss, err := c.SavedSearches(ctx)
	if err != nil {
		return err
	}
	for _, s := range ss {
		if err := c.DeleteSavedSearch(ctx, s.Name); err != nil {
			return err
		}
	}
	wbs, _, err := c.Workbooks(ctx, sentinel.WorkbookCategorySentinel, false, 0)
	if err != nil {
		return err
	}
	for _, w := range wbs {
		if err := c.DeleteWorkbook(ctx, w.ResourceGroup(), w.Name, ""); err != nil {
			return err
		}
	}
	dcrs, _, err := c.DataCollectionRules(ctx, 0)
	if err != nil {
		return err
	}
	for _, d := range dcrs {
		if d.SendsTo(ws.ResourceID) {
			if err := c.DeleteInsights(ctx, sentinel.InsightsID{ResourceGroup: d.ResourceGroup(), Kind: sentinel.KindDCR, Name: d.Name}, sentinel.KindDCR, ""); err != nil {
				return err
			}
		}
	}
	tables, err := c.Tables(ctx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if t.Kind() == "custom" {
			if err := c.DeleteTable(ctx, t.Name); err != nil {
				return err
			}
		}
	}
	for _, name := range []string{"EntityAnalytics", "Ueba"} {
		if err := c.Delete(ctx, c.Path("settings", name), ""); err != nil && !azure.IsNotFound(err) {
			return fmt.Errorf("setting %s: %w", name, err)
		}
	}
	return nil
}
