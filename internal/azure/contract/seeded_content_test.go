package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	mon "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"
	oi "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/operationalinsights/armoperationalinsights/v2"
	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/seed"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// TestSeededContent lists the other seeded collections of every workspace through the SDK and compares
// them with the facts: automation rules, watchlists and their items (northwind's differing list), data
// connectors, product settings (UEBA), bookmarks, tables (retention), saved searches and functions.
func TestSeededContent(t *testing.T) {
	s := newSeededHarness(t)
	sw := seed.Build(seed.Options{Now: s.now})
	for _, ws := range world.Workspaces() {
		t.Run(ws.Name, func(t *testing.T) {
			cred := s.credFor(ws)
			sub, rgName, name := ws.SubscriptionID, ws.ResourceGroup, ws.Name

			tc, _ := oi.NewTablesClient(sub, cred, s.opts)
			tables, _ := pages(t, tc.NewListByWorkspacePager(rgName, name, nil),
				func(p oi.TablesClientListByWorkspaceResponse) []*oi.Table { return p.Value })
			listed := map[string]bool{}
			for _, tb := range tables {
				listed[*tb.Name] = true
			}
			for _, tn := range sw.Tables(name) {
				if !listed[tn] {
					t.Errorf("table %s has logs but is not listed", tn)
				}
			}
			for _, tb := range tables {
				ret, total, _, _ := world.TableRetention(name, *tb.Name)
				p := tb.Properties
				if int(*p.RetentionInDays) != ret || int(*p.TotalRetentionInDays) != total || int(*p.ArchiveRetentionInDays) != total-ret ||
					*p.Plan != oi.TablePlanEnumAnalytics || p.Schema == nil || len(p.Schema.StandardColumns)+len(p.Schema.Columns) == 0 {
					t.Errorf("table %s: retention %d/%d archive %d plan %s", *tb.Name, *p.RetentionInDays, *p.TotalRetentionInDays,
						*p.ArchiveRetentionInDays, *p.Plan)
				}
				if *tb.Name == world.CustomTable && (*p.Schema.TableType != oi.TableTypeEnumCustomLog || len(p.Schema.Columns) == 0) {
					t.Errorf("custom table %s: %+v", *tb.Name, p.Schema)
				}
			}
			if hasData := slices.Contains(sw.Tables(name), world.CustomTable); listed[world.CustomTable] != hasData {
				t.Errorf("custom table listed %v, has data %v", listed[world.CustomTable], hasData)
			}
			if ws.RetentionDays != world.DefaultRetentionDays && len(tables) > 0 && int(*tables[0].Properties.RetentionInDays) != ws.RetentionDays {
				t.Errorf("short retention not visible in the tables")
			}

			sc, _ := oi.NewSavedSearchesClient(sub, cred, s.opts)
			searches, err := sc.ListByWorkspace(s.ctx(), rgName, name, nil)
			must(t, err)
			functions := 0
			for _, ss := range searches.Value {
				if a := ss.Properties.FunctionAlias; a != nil {
					functions++
					if *a != world.VPNSessionsFunction.Alias || *ss.Properties.FunctionParameters != world.VPNSessionsFunction.Parameters {
						t.Errorf("function %s(%s)", *a, *ss.Properties.FunctionParameters)
					}
				}
			}
			hasVPN := slices.Contains(sw.Tables(name), world.CustomTable)
			if (functions == 1) != (ws.Sentinel && hasVPN) || len(searches.Value) == 0 {
				t.Errorf("%d saved searches, %d functions", len(searches.Value), functions)
			}
			if !ws.Sentinel {
				return
			}

			ac, _ := si.NewAutomationRulesClient(sub, cred, s.opts)
			autos, _ := pages(t, ac.NewListPager(rgName, name, nil), func(p si.AutomationRulesClientListResponse) []*si.AutomationRule { return p.Value })
			if len(autos) != len(world.AutomationRules) {
				t.Errorf("%d automation rules, facts %d", len(autos), len(world.AutomationRules))
			}
			for i, a := range autos {
				if *a.Properties.DisplayName != world.AutomationRules[i] || len(a.Properties.Actions) == 0 || *a.Name != world.AutomationRuleName(name, world.AutomationRules[i]) {
					t.Errorf("automation rule %d: %s", i, *a.Properties.DisplayName)
				}
			}

			wc, _ := si.NewWatchlistsClient(sub, cred, s.opts)
			wic, _ := si.NewWatchlistItemsClient(sub, cred, s.opts)
			lists, _ := pages(t, wc.NewListPager(rgName, name, nil), func(p si.WatchlistsClientListResponse) []*si.Watchlist { return p.Value })
			if len(lists) != len(s.f.Watchlists) {
				t.Errorf("%d watchlists, facts %v", len(lists), s.f.Watchlists)
			}
			for _, alias := range s.f.Watchlists {
				spec, _ := world.Watchlist(alias)
				items, _ := pages(t, wic.NewListPager(rgName, name, alias, nil),
					func(p si.WatchlistItemsClientListResponse) []*si.WatchlistItem { return p.Value })
				want := map[string]world.WatchlistItem{}
				for _, it := range s.f.WatchlistItems(name, alias) {
					want[it.Key] = it
				}
				if len(items) != len(want) {
					t.Errorf("watchlist %s: %d items, facts %d", alias, len(items), len(want))
				}
				for _, it := range items {
					kv := it.Properties.ItemsKeyValue.(map[string]any)
					w, ok := want[kv[spec.SearchKey].(string)]
					if !ok {
						t.Errorf("watchlist %s: unexpected item %v", alias, kv)
						continue
					}
					for k, v := range w.Values {
						if kv[k] != v {
							t.Errorf("watchlist %s item %s: %s = %v, facts %s", alias, w.Key, k, kv[k], v)
						}
					}
				}
			}

			dc, _ := si.NewDataConnectorsClient(sub, cred, s.opts)
			conns, _ := pages(t, dc.NewListPager(rgName, name, nil),
				func(p si.DataConnectorsClientListResponse) []si.DataConnectorClassification { return p.Value })
			kinds := []string{}
			for _, c := range conns {
				kinds = append(kinds, string(*c.GetDataConnector().Kind))
			}
			sort.Strings(kinds)
			if strings.Join(kinds, ",") != strings.Join(world.ConnectorsIn(name), ",") {
				t.Errorf("connectors %v, facts %v", kinds, world.ConnectorsIn(name))
			}

			pc, _ := si.NewProductSettingsClient(sub, cred, s.opts)
			settings, _ := pages(t, pc.NewListPager(rgName, name, nil),
				func(p si.ProductSettingsClientListResponse) []si.SettingsClassification { return p.Value })
			ueba := false
			for _, st := range settings {
				if u, ok := st.(*si.Ueba); ok && len(u.Properties.DataSources) > 0 {
					ueba = true
				}
			}
			if ueba == s.f.Has(name, world.DiffUEBADisabled, "") {
				t.Errorf("UEBA on = %v, facts say disabled = %v", ueba, s.f.Has(name, world.DiffUEBADisabled, ""))
			}

			bc, _ := si.NewBookmarksClient(sub, cred, s.opts)
			bms, _ := pages(t, bc.NewListPager(rgName, name, nil), func(p si.BookmarksClientListResponse) []*si.Bookmark { return p.Value })
			if len(bms) != len(s.f.BookmarksIn(name)) {
				t.Errorf("%d bookmarks, facts %d", len(bms), len(s.f.BookmarksIn(name)))
			}
			for _, bm := range s.f.BookmarksIn(name) {
				if bm.Incident == "" {
					continue
				}
				ic, _ := si.NewIncidentsClient(sub, cred, s.opts)
				rel, err := ic.ListBookmarks(s.ctx(), rgName, name, bm.Incident, nil)
				must(t, err)
				if len(rel.Value) != 1 || *rel.Value[0].Name != bm.Name {
					t.Errorf("incident %s bookmarks %+v, facts %s", bm.Incident, rel.Value, bm.Name)
				}
			}
		})
	}
}

// TestSeededInsights reads the workbooks, data collection rules, endpoint and associations of the named
// Sentinel workspaces.
func TestSeededInsights(t *testing.T) {
	s := newSeededHarness(t)
	for _, ws := range sentinelWorkspaces() {
		t.Run(ws.Name, func(t *testing.T) {
			cred := s.credFor(ws)
			h := *s.harness
			h.cred = cred
			path := "/subscriptions/" + ws.SubscriptionID + "/resourceGroups/" + ws.ResourceGroup +
				"/providers/Microsoft.Insights/workbooks?category=sentinel&canFetchContent=true&sourceId=" + url.QueryEscape(ws.ResourceID)
			status, body := h.rawARM(http.MethodGet, path, "2023-06-01", nil)
			var wbs struct {
				Value []struct {
					Name       string
					Properties struct{ DisplayName, SerializedData, SourceID string }
				}
			}
			must(t, json.Unmarshal(body, &wbs))
			if status != 200 || len(wbs.Value) != len(world.Workbooks) {
				t.Fatalf("workbooks: %d, %d listed", status, len(wbs.Value))
			}
			for i, wb := range wbs.Value {
				var nb map[string]any
				if wb.Name != world.WorkbookName(ws.Name, world.Workbooks[i]) || wb.Properties.DisplayName != world.Workbooks[i] ||
					json.Unmarshal([]byte(wb.Properties.SerializedData), &nb) != nil || nb["version"] != "Notebook/1.0" {
					t.Errorf("workbook %d: %s %q", i, wb.Name, wb.Properties.DisplayName)
				}
			}
			rc, _ := mon.NewDataCollectionRulesClient(ws.SubscriptionID, cred, s.opts)
			rules, _ := pages(t, rc.NewListByResourceGroupPager(ws.ResourceGroup, nil),
				func(p mon.DataCollectionRulesClientListByResourceGroupResponse) []*mon.DataCollectionRuleResource {
					return p.Value
				})
			mine := map[string]*mon.DataCollectionRuleResource{}
			for _, r := range rules {
				mine[*r.Name] = r
			}
			for _, purpose := range world.DataCollectionRules {
				r, ok := mine[world.DataCollectionRuleName(ws.Name, purpose)]
				if !ok {
					t.Errorf("data collection rule %s missing", purpose)
					continue
				}
				dest := r.Properties.Destinations.LogAnalytics
				if len(dest) != 1 || !strings.EqualFold(*dest[0].WorkspaceResourceID, ws.ResourceID) || *dest[0].WorkspaceID != ws.CustomerID {
					t.Errorf("rule %s sends to %+v", purpose, dest)
				}
				if purpose == "legacyvpn" && (r.Properties.DataCollectionEndpointID == nil || r.Properties.DataFlows[0].TransformKql == nil) {
					t.Errorf("the custom table's rule has no endpoint or transformation")
				}
			}
			ec, _ := mon.NewDataCollectionEndpointsClient(ws.SubscriptionID, cred, s.opts)
			if _, err := ec.Get(s.ctx(), ws.ResourceGroup, world.DataCollectionEndpointName(ws.Name), nil); err != nil {
				t.Errorf("endpoint: %v", err)
			}
			ac, _ := mon.NewDataCollectionRuleAssociationsClient(ws.SubscriptionID, cred, s.opts)
			byRule, _ := pages(t, ac.NewListByRulePager(ws.ResourceGroup, world.DataCollectionRuleName(ws.Name, "windows-security"), nil),
				func(p mon.DataCollectionRuleAssociationsClientListByRuleResponse) []*mon.DataCollectionRuleAssociationProxyOnlyResource {
					return p.Value
				})
			if len(byRule) != 1 {
				t.Errorf("%d associations of the Windows rule", len(byRule))
			}
		})
	}
}

// TestSeededDifferencesThroughTheAPI compares each seeded difference's workspace with the baseline through
// the SDK, from the Difference facts alone.
func TestSeededDifferencesThroughTheAPI(t *testing.T) {
	s := newSeededHarness(t)
	base := world.MustWorkspace(s.f.Baseline)
	rules := func(ws world.Workspace) map[string]si.AlertRuleClassification {
		c, _ := si.NewAlertRulesClient(ws.SubscriptionID, s.credFor(ws), s.opts)
		all, _ := pages(t, c.NewListPager(ws.ResourceGroup, ws.Name, nil),
			func(p si.AlertRulesClientListResponse) []si.AlertRuleClassification { return p.Value })
		out := map[string]si.AlertRuleClassification{}
		for _, r := range all {
			if x, ok := r.(*si.ScheduledAlertRule); ok {
				out[*x.Properties.AlertRuleTemplateName] = x
			}
		}
		return out
	}
	items := func(ws world.Workspace, alias string) map[string]map[string]any {
		c, _ := si.NewWatchlistItemsClient(ws.SubscriptionID, s.credFor(ws), s.opts)
		all, _ := pages(t, c.NewListPager(ws.ResourceGroup, ws.Name, alias, nil),
			func(p si.WatchlistItemsClientListResponse) []*si.WatchlistItem { return p.Value })
		spec, _ := world.Watchlist(alias)
		out := map[string]map[string]any{}
		for _, it := range all {
			kv := it.Properties.ItemsKeyValue.(map[string]any)
			out[kv[spec.SearchKey].(string)] = kv
		}
		return out
	}
	baseRules := rules(base)
	for _, d := range s.f.Differences {
		ws := world.MustWorkspace(d.Workspace)
		switch d.Kind {
		case world.DiffDisabledRule:
			r := rules(ws)[d.Rule].(*si.ScheduledAlertRule)
			if *r.Properties.Enabled || !*baseRules[d.Rule].(*si.ScheduledAlertRule).Properties.Enabled {
				t.Errorf("%s: rule %s enabled %v (baseline %v)", d.Workspace, d.Rule, *r.Properties.Enabled, true)
			}
		case world.DiffChangedThreshold:
			r := rules(ws)[d.Rule].(*si.ScheduledAlertRule)
			b := baseRules[d.Rule].(*si.ScheduledAlertRule)
			if int(*r.Properties.TriggerThreshold) != d.Threshold || int(*b.Properties.TriggerThreshold) != d.BaselineThreshold {
				t.Errorf("%s: threshold %d (baseline %d), facts %d (%d)", d.Workspace, *r.Properties.TriggerThreshold,
					*b.Properties.TriggerThreshold, d.Threshold, d.BaselineThreshold)
			}
		case world.DiffMissingRule:
			if _, ok := rules(ws)[d.Rule]; ok {
				t.Errorf("%s: rule %s is deployed", d.Workspace, d.Rule)
			}
			if _, ok := baseRules[d.Rule]; !ok {
				t.Errorf("baseline lacks rule %s", d.Rule)
			}
		case world.DiffWatchlist:
			got, want := items(ws, d.Watchlist), items(base, d.Watchlist)
			for _, k := range d.MissingItems {
				if _, ok := got[k]; ok || want[k] == nil {
					t.Errorf("%s: item %s of %s should be missing (and in the baseline)", d.Workspace, k, d.Watchlist)
				}
			}
			for _, k := range d.ExtraItems {
				if _, ok := got[k]; !ok || want[k] != nil {
					t.Errorf("%s: item %s of %s should be extra", d.Workspace, k, d.Watchlist)
				}
			}
			for _, k := range d.ChangedItems {
				if got[k] == nil || want[k] == nil || fmt.Sprint(got[k]) == fmt.Sprint(want[k]) {
					t.Errorf("%s: item %s of %s should differ: %v vs %v", d.Workspace, k, d.Watchlist, got[k], want[k])
				}
			}
		case world.DiffShortRetention:
			tc, _ := oi.NewTablesClient(ws.SubscriptionID, s.credFor(ws), s.opts)
			tb, err := tc.Get(s.ctx(), ws.ResourceGroup, ws.Name, "SigninLogs", nil)
			must(t, err)
			if int(*tb.Properties.RetentionInDays) != d.RetentionDays || !*tb.Properties.RetentionInDaysAsDefault {
				t.Errorf("%s: SigninLogs retention %d, facts %d", d.Workspace, *tb.Properties.RetentionInDays, d.RetentionDays)
			}
		case world.DiffUEBADisabled:
			pc, _ := si.NewProductSettingsClient(ws.SubscriptionID, s.credFor(ws), s.opts)
			if _, err := pc.Get(s.ctx(), ws.ResourceGroup, ws.Name, "Ueba", nil); err == nil {
				t.Errorf("%s: the Ueba setting exists", d.Workspace)
			}
			bc, _ := si.NewProductSettingsClient(base.SubscriptionID, s.cred, s.opts)
			if _, err := bc.Get(s.ctx(), base.ResourceGroup, base.Name, "Ueba", nil); err != nil {
				t.Errorf("baseline Ueba setting: %v", err)
			}
		case world.DiffNotOnboarded:
			oc, _ := si.NewSentinelOnboardingStatesClient(ws.SubscriptionID, s.credFor(ws), s.opts)
			if _, err := oc.Get(s.ctx(), ws.ResourceGroup, ws.Name, "default", nil); err == nil {
				t.Errorf("%s: onboarded", d.Workspace)
			}
		case world.DiffSilentConnector:
			dc, _ := si.NewDataConnectorsClient(ws.SubscriptionID, s.credFor(ws), s.opts)
			if _, err := dc.Get(s.ctx(), ws.ResourceGroup, ws.Name, world.DataConnectorName(ws.Name, d.Connector), nil); err != nil {
				t.Errorf("%s: the silent %s connector is not connected: %v", d.Workspace, d.Connector, err)
			}
		}
	}
}
