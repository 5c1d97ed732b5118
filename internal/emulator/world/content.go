package world

import (
	"sort"
	"strings"
)

// Facts about the rest of the Sentinel workspaces' content: watchlists, data connectors, automation rules,
// workbooks, saved searches and functions, table retention and data collection rules.

// WatchlistSpec describes a watchlist every Sentinel workspace has.
type WatchlistSpec struct {
	Alias, DisplayName, Description string
	SearchKey                       string   // itemsSearchKey, the first column
	Columns                         []string // CSV columns, SearchKey first
	// PerTenant watchlists list each tenant's own items (its people); the others are Woodgrove's standard
	// lists, identical everywhere but for Differences.
	PerTenant bool
}

// WatchlistItem is one row of a watchlist: its search key value and every column's value.
type WatchlistItem struct {
	Key    string
	Values map[string]string
}

var watchlistSpecs = []WatchlistSpec{
	{Alias: WatchlistHighValueAssets, DisplayName: "High value assets", SearchKey: "Hostname",
		Columns:     []string{"Hostname", "Asset Type", "Criticality", "Owner"},
		Description: "Servers whose compromise would stop the business; alerts on them are raised one severity."},
	{Alias: WatchlistVIPUsers, DisplayName: "VIP users", SearchKey: "User Principal Name",
		Columns:     []string{"User Principal Name", "Title", "Tier"},
		Description: "Executives and their assistants: sign-in and mail alerts about them go to Tier 2.", PerTenant: true},
	{Alias: WatchlistTrustedIPs, DisplayName: "Trusted IP ranges", SearchKey: "IP Range",
		Columns:     []string{"IP Range", "Description", "Owner"},
		Description: "Woodgrove SOC address ranges (scanner, jump hosts, VPN egress) whose activity is expected."},
}

// Watchlist returns the description of a seeded watchlist.
func Watchlist(alias string) (WatchlistSpec, bool) {
	for _, s := range watchlistSpecs {
		if strings.EqualFold(s.Alias, alias) {
			return s, true
		}
	}
	return WatchlistSpec{}, false
}

func item(cols []string, values ...string) WatchlistItem {
	m := make(map[string]string, len(cols))
	for i, c := range cols {
		m[c] = values[i]
	}
	return WatchlistItem{Key: values[0], Values: m}
}

// BaselineWatchlistItems are a standard list's items before any Difference (nil for a PerTenant list).
func BaselineWatchlistItems(alias string) []WatchlistItem { return baselineItems(alias) }

// baselineItems are the standard lists' items.
func baselineItems(alias string) []WatchlistItem {
	s, _ := Watchlist(alias)
	switch alias {
	case WatchlistHighValueAssets:
		return []WatchlistItem{
			item(s.Columns, ServerDC, "Domain controller", "Critical", "IT Infrastructure"),
			item(s.Columns, "SRV-DC-02", "Domain controller", "Critical", "IT Infrastructure"),
			item(s.Columns, ServerFiles, "File server", "High", "IT Infrastructure"),
			item(s.Columns, ServerSQL, "Database server", "Critical", "Finance Applications"),
			item(s.Columns, ServerBackup, "Backup server", "High", "IT Infrastructure"),
			item(s.Columns, ServerWeb, "Web server", "High", "Digital"),
		}
	case WatchlistTrustedIPs:
		return []WatchlistItem{
			item(s.Columns, "20.61.8.0/28", "Woodgrove vulnerability scanner", "Woodgrove SOC"),
			item(s.Columns, "20.61.9.0/27", "Woodgrove SOC jump hosts", "Woodgrove SOC"),
			item(s.Columns, "40.112.64.0/26", "Woodgrove SOC VPN egress", "Woodgrove SOC"),
		}
	}
	return nil
}

// vipPeople are the people of each tenant on its VIP list (PersonUPN indexes) and their titles.
var vipPeople = []struct {
	index       int
	title, tier string
}{{2, "Chief Executive Officer", "1"}, {4, "Chief Financial Officer", "1"}, {9, "General Counsel", "2"}, {13, "Executive Assistant", "2"}}

// WatchlistItems returns the items of a watchlist in a Sentinel workspace, with the workspace's Differences
// applied (a changed item has another Criticality, or Description, than the baseline's).
func (f Facts) WatchlistItems(workspace, alias string) []WatchlistItem {
	ws, ok := WorkspaceByName(workspace)
	spec, known := Watchlist(alias)
	if !ok || !known || !ws.Sentinel {
		return nil
	}
	var items []WatchlistItem
	if spec.PerTenant {
		t := MustTenant(ws.TenantAlias)
		for _, v := range vipPeople {
			items = append(items, item(spec.Columns, PersonUPN(t, v.index), v.title, v.tier))
		}
		return items
	}
	items = baselineItems(alias)
	for _, d := range f.DiffsIn(workspace) {
		if d.Kind != DiffWatchlist || !strings.EqualFold(d.Watchlist, alias) {
			continue
		}
		drop := map[string]bool{}
		for _, k := range d.MissingItems {
			drop[k] = true
		}
		var kept []WatchlistItem
		for _, it := range items {
			if drop[it.Key] {
				continue
			}
			for _, k := range d.ChangedItems {
				if it.Key == k {
					it = changed(spec, it)
				}
			}
			kept = append(kept, it)
		}
		for _, k := range d.ExtraItems {
			vals := make([]string, len(spec.Columns))
			vals[0] = k
			for i := 1; i < len(vals); i++ {
				vals[i] = "Legacy"
			}
			if alias == WatchlistHighValueAssets {
				vals = []string{k, "File server", "Medium", "Northwind IT"}
			}
			kept = append(kept, item(spec.Columns, vals...))
		}
		items = kept
	}
	return items
}

// changed is a baseline item as a customer edited it.
func changed(spec WatchlistSpec, it WatchlistItem) WatchlistItem {
	m := map[string]string{}
	for k, v := range it.Values {
		m[k] = v
	}
	if _, ok := m["Criticality"]; ok {
		m["Criticality"] = "High"
		if it.Values["Criticality"] == "High" {
			m["Criticality"] = "Medium"
		}
	} else {
		m[spec.Columns[len(spec.Columns)-1]] += " (edited)"
	}
	return WatchlistItem{Key: it.Key, Values: m}
}

// ConnectorsIn returns the data connectors (ARM kinds) of a Sentinel workspace, sorted: Entra ID, Office 365,
// Microsoft Defender XDR and threat intelligence everywhere, plus the connectors of the products whose alerts
// it receives. The agent- and DCR-based sources (Windows security events, syslog and CEF, DNS, Azure
// activity) have no data connector resource: their data collection rules and diagnostic settings feed them.
// A silent connector (Differences) is connected but brings no data.
func ConnectorsIn(workspace string) []string {
	ws, ok := WorkspaceByName(workspace)
	if !ok || !ws.Sentinel {
		return nil
	}
	set := map[string]bool{"AzureActiveDirectory": true, "Office365": true, "MicrosoftThreatProtection": true, "ThreatIntelligence": true}
	for _, p := range ProductsIn(workspace) {
		set[ProductConnector(p)] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// AutomationRules are the display names of the automation rules of every Sentinel workspace, in order.
var AutomationRules = []string{AutomationAssignDefender, AutomationCloseScanner, AutomationTriageTask}

// AutomationRuleName is the resource name (a GUID) of an automation rule in a workspace.
func AutomationRuleName(workspace, displayName string) string {
	return GUID("automationrule:" + workspace + "/" + displayName)
}

// ScannerCloseComment is the classification comment the scanner automation rule writes.
const ScannerCloseComment = "Closed by automation: the source is Woodgrove's vulnerability scanner (TrustedIPRanges)."

// Workbooks are the display names of the Sentinel workbooks of every named Sentinel workspace (category
// "sentinel", sourceId the workspace). Synthetic customers have none.
var Workbooks = []string{"Woodgrove SOC overview", "Identity and sign-in activity"}

// WorkbookName is the resource name (a GUID) of a workbook of a workspace.
func WorkbookName(workspace, displayName string) string {
	return GUID("workbook:" + workspace + "/" + displayName)
}

// Function is a KQL function saved in a workspace (a saved search with a functionAlias).
type Function struct {
	Alias, DisplayName, Parameters, Category string
	Table                                    string // the table it reads
}

// VPNSessionsFunction parses the legacy VPN custom table into sessions; it exists where the table has data.
var VPNSessionsFunction = Function{Alias: "VPNSessions", DisplayName: "Legacy VPN sessions (parser)",
	Parameters: "starttime:datetime=datetime(null), endtime:datetime=datetime(null)", Category: "Parsers", Table: CustomTable}

// SavedSearchName is the resource name of a saved search of a workspace: the hunting query's or function's
// id ("hunt-<id>", "function-<alias>") for readability, as the portal's export tools do.
func SavedSearchName(kind, id string) string { return kind + "-" + strings.ToLower(id) }

// TableRetention returns a table's interactive and total retention in a workspace (both the workspace's
// retention, as defaults: the seeded tables keep the defaults; the short-retention difference is the
// workspace's own retention).
func TableRetention(workspace, table string) (retention, total int, retentionDefault, totalDefault bool) {
	ws, ok := WorkspaceByName(workspace)
	if !ok {
		return 0, 0, true, true
	}
	return ws.RetentionDays, ws.RetentionDays, true, true
}

// DataCollectionRuleName is the name of a workspace's data collection rule for a purpose ("windows-security",
// "syslog-cef", "legacyvpn"); its endpoint is DataCollectionEndpointName.
func DataCollectionRuleName(workspace, purpose string) string {
	return "dcr-" + workspace + "-" + purpose
}

// DataCollectionEndpointName is the name of a workspace's data collection endpoint.
func DataCollectionEndpointName(workspace string) string { return "dce-" + workspace }

// DataCollectionRules are the purposes of the data collection rules of every named Sentinel workspace.
var DataCollectionRules = []string{"windows-security", "syslog-cef", "legacyvpn"}
