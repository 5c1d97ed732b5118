package world

import (
	"slices"
	"sync"
	"time"
)

// Attack story kinds planted in the logs.
const (
	StoryPasswordSpray     = "password-spray"
	StoryImpossibleTravel  = "impossible-travel"
	StoryEncodedPowerShell = "encoded-powershell"
	StoryMassDownload      = "mass-download"

	// Stories no shipped rule detects (their Rules are empty and they raise no incident): the shipped hunts
	// find them. Each follows one of the detected stories above.
	StoryInboxForwarding = "inbox-forwarding"      // the sprayed account forwards mail outside
	StoryRoleAssignment  = "azure-role-assignment" // the account taken over tries to make itself Owner
	StoryDNSBeacon       = "dns-beacon"            // the encoded PowerShell's implant beacons to a rare domain
	StoryFirewallProbe   = "firewall-probe"        // the spray source probes the firewall first
	StoryVPNForeignLogin = "vpn-foreign-login"     // the legacy VPN, without MFA, let the travel attacker in first
)

// Ids of the shipped analytics rules (internal/content) that the seeded differences and stories refer to.
// They are GUID("rule:<slug>"); the content tests check the YAML files carry exactly these ids.
var (
	RulePasswordSpray         = GUID("rule:password-spray")
	RuleImpossibleTravel      = GUID("rule:impossible-travel")
	RuleEncodedPowerShell     = GUID("rule:encoded-powershell-securityevent")
	RuleEncodedPowerShellMDE  = GUID("rule:encoded-powershell-mde")
	RuleMassDownload          = GUID("rule:mass-download")
	RuleBruteForceWindows     = GUID("rule:brute-force-windows")
	RulePrivilegedGroupChange = GUID("rule:privileged-group-change")
	RulePortScan              = GUID("rule:firewall-port-scan")
	RuleThreatIntelIPMatch    = GUID("rule:ti-ip-signin-match")
)

// Story is one planted attack: where it is, when, and the values a detection or hunt finds.
type Story struct {
	Kind      string
	Workspace string   // workspace name
	Tables    []string // tables holding its records
	Rules     []string // shipped rule ids that detect it; none for the stories only hunts find
	// Ago is the start of the story before Now truncated to the hour; Duration its length.
	Ago      time.Duration
	Duration time.Duration
	Account  string // UPN of the compromised/acting account (password spray: the account that succeeded)
	// IP is the attacker address: the spray source, the impossible-travel second location, the mass
	// download's client, or the encoded PowerShell's second-stage server (one campaign hits both tenants);
	// for the DNS beacon, the address its domain resolves to (that server).
	IP        string
	IPs       []string // impossible travel: both source IPs, in order
	Countries []string // ISO country codes of the source IPs, in order
	Host      string   // encoded PowerShell: the device name
	// Count: password spray: failed sign-ins; mass download: files downloaded; firewall probe: denied
	// connections; DNS beacon: lookups; role assignment: denied attempts.
	Count int
	Users int // password spray: distinct targeted users
	Ports int // firewall probe: distinct destination ports tried
	// Target: inbox forwarding: the outside address mail goes to; role assignment: the role it tried to
	// assign; DNS beacon: the domain looked up.
	Target string
}

// Detected reports whether shipped rules detect the story (and so an incident was raised for it).
func (s Story) Detected() bool { return len(s.Rules) > 0 }

// PowerShellStageIP serves the second stage of the encoded PowerShell campaign (both tenants' stories).
const PowerShellStageIP = "203.0.113.69"

// Attacker addresses are in the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), which
// the generated background traffic never uses, and each one's country is the one the KQL engine's
// geo_info_from_ip_address stand-in gives it, so enrichment in queries agrees with LocationDetails.

// Start returns the story start for a data clock now.
func (s Story) Start(now time.Time) time.Time { return now.UTC().Truncate(time.Hour).Add(-s.Ago) }

// Difference kinds seeded between workspaces (relative to the baseline workspace).
const (
	DiffDisabledRule     = "disabled-rule"
	DiffShortRetention   = "short-retention"
	DiffChangedThreshold = "changed-threshold"
	DiffSilentConnector  = "silent-connector"
	DiffMissingRule      = "missing-rule"
	DiffWatchlist        = "differing-watchlist"
	DiffNotOnboarded     = "not-onboarded"
	DiffFailingRule      = "failing-rule"
	DiffIngestionAnomaly = "ingestion-anomaly"
	DiffUEBADisabled     = "ueba-disabled"
)

// Difference is one seeded particularity of a workspace.
type Difference struct {
	Kind      string
	Workspace string
	Rule      string // rule id (disabled, changed threshold, missing, failing)
	// Changed threshold: baseline and seeded trigger thresholds.
	BaselineThreshold, Threshold int
	// Short retention: the workspace retention in days (baseline DefaultRetentionDays).
	RetentionDays int
	// Silent connector: connector kind, its table, and how long the table has had no records.
	Connector string
	Table     string // also the ingestion anomaly's table
	Silent    time.Duration
	// Differing watchlist: alias and the item keys that are missing, extra or changed against the baseline.
	Watchlist                string
	MissingItems, ExtraItems []string
	ChangedItems             []string
	// Failing rule: the SentinelHealth failure description, and how long the rule has been failing (every
	// run since Now-Since fails; earlier runs succeeded).
	Reason string
	Since  time.Duration
	// Ingestion anomaly: the day (days before Now's day) whose volume is multiplied by Factor.
	DaysAgo int
	Factor  float64
}

// Facts documents what was planted where. Tests assert against it rather than repeating literals.
type Facts struct {
	Baseline    string // the workspace others are compared with
	Stories     []Story
	Differences []Difference
	// Watchlists seeded in every Sentinel workspace, identical everywhere (except Differences) but for the
	// PerTenant ones, which list each tenant's own people (see Watchlist, WatchlistItems).
	Watchlists []string
	// CustomTable is the custom log table present in every Sentinel workspace.
	CustomTable string
	// Incidents raised by the stories, in workspace order then incident number (see incidents.go).
	Incidents []Incident
	// BackgroundIncidents are the named workspaces' other incidents (Microsoft products' alerts, see
	// background.go), in workspace order then number. AllIncidentsIn merges both.
	BackgroundIncidents []Incident
	// Bookmarks saved by the analysts (see bookmarks.go).
	Bookmarks []Bookmark
}

// Watchlist aliases.
const (
	WatchlistHighValueAssets = "HighValueAssets"
	WatchlistVIPUsers        = "VIPUsers"
	WatchlistTrustedIPs      = "TrustedIPRanges"
)

// CustomTable is the custom (_CL) table of every Sentinel workspace.
const CustomTable = "LegacyVPN_CL"

// SeededFacts returns the facts of the seeded world. They do not depend on Options.Seed: the seed varies the
// background noise, never what was planted.
//
// The facts are computed once per process; each call returns its own copy of the top-level slices, but the
// slices inside their elements (a story's Tables, an incident's Alerts...) are shared: do not modify them.
func SeededFacts() Facts {
	f := seededFacts()
	f.Stories = slices.Clone(f.Stories)
	f.Differences = slices.Clone(f.Differences)
	f.Watchlists = slices.Clone(f.Watchlists)
	f.Incidents = slices.Clone(f.Incidents)
	f.BackgroundIncidents = slices.Clone(f.BackgroundIncidents)
	f.Bookmarks = slices.Clone(f.Bookmarks)
	return f
}

var seededFacts = sync.OnceValue(func() Facts {
	f := Facts{
		Baseline:    WSSocCentral,
		Watchlists:  []string{WatchlistHighValueAssets, WatchlistVIPUsers, WatchlistTrustedIPs},
		CustomTable: CustomTable,
		Stories: []Story{
			{Kind: StoryPasswordSpray, Workspace: WSContosoProd, Tables: []string{"SigninLogs"},
				Rules: []string{RulePasswordSpray}, Ago: 5 * time.Hour, Duration: 50 * time.Minute,
				Account: "adele.vance@contoso.com", IP: "198.51.100.21", Countries: []string{"NL"}, Count: 54, Users: 36},
			{Kind: StoryPasswordSpray, Workspace: WSLitwareSentinel, Tables: []string{"SigninLogs"},
				Rules: []string{RulePasswordSpray}, Ago: 14 * time.Hour, Duration: 40 * time.Minute,
				Account: "lidia.holloway@litware.com", IP: "203.0.113.32", Countries: []string{"RU"}, Count: 41, Users: 27},
			{Kind: StoryImpossibleTravel, Workspace: WSFabrikamSentinel, Tables: []string{"SigninLogs"},
				Rules: []string{RuleImpossibleTravel}, Ago: 9 * time.Hour, Duration: 35 * time.Minute,
				Account: "megan.bowen@fabrikam.com", IP: "203.0.113.22",
				IPs: []string{"198.51.100.42", "203.0.113.22"}, Countries: []string{"DE", "BR"}},
			{Kind: StoryImpossibleTravel, Workspace: WSLitwareSentinel, Tables: []string{"SigninLogs"},
				Rules: []string{RuleImpossibleTravel}, Ago: 20 * time.Hour, Duration: 40 * time.Minute,
				Account: "alex.wilber@litware.com", IP: "192.0.2.58",
				IPs: []string{"198.51.100.62", "192.0.2.58"}, Countries: []string{"US", "AU"}},
			{Kind: StoryEncodedPowerShell, Workspace: WSContosoProd, Tables: []string{"SecurityEvent", "DeviceProcessEvents", "DeviceNetworkEvents", "CommonSecurityLog"},
				Rules: []string{RuleEncodedPowerShell, RuleEncodedPowerShellMDE}, Ago: 3 * time.Hour, Duration: 10 * time.Minute,
				Account: "pradeep.gupta@contoso.com", Host: "CONTOSO-WKS-017", IP: PowerShellStageIP, Countries: []string{"RU"}},
			{Kind: StoryEncodedPowerShell, Workspace: WSNorthwindSentinel, Tables: []string{"SecurityEvent", "DeviceProcessEvents", "DeviceNetworkEvents", "CommonSecurityLog"},
				Rules: []string{RuleEncodedPowerShell, RuleEncodedPowerShellMDE}, Ago: 7 * time.Hour, Duration: 10 * time.Minute,
				Account: "nestor.wilke@northwind.com", Host: "NW-FIN-PC08", IP: PowerShellStageIP, Countries: []string{"RU"}},
			{Kind: StoryMassDownload, Workspace: WSLitwareSentinel, Tables: []string{"OfficeActivity"},
				Rules: []string{RuleMassDownload}, Ago: 2 * time.Hour, Duration: 40 * time.Minute,
				Account: "diego.siciliani@litware.com", IP: "192.0.2.140", Countries: []string{"US"}, Count: 420},
			{Kind: StoryMassDownload, Workspace: WSContosoDev, Tables: []string{"OfficeActivity"},
				Rules: []string{RuleMassDownload}, Ago: 10 * time.Hour, Duration: 30 * time.Minute,
				Account: "isaiah.langer@contoso.com", IP: "198.51.100.87", Countries: []string{"US"}, Count: 260},
			// After the spray's success (at +53m) and before the SOC reset the password (about +85m), the
			// attacker adds a forwarding rule from Outlook (UpdateInboxRules, which the forwarding rule's
			// cmdlet list does not cover).
			{Kind: StoryInboxForwarding, Workspace: WSContosoProd, Tables: []string{"OfficeActivity"},
				Ago: 5*time.Hour - 62*time.Minute, Duration: time.Minute, Account: "adele.vance@contoso.com",
				IP: "198.51.100.21", Countries: []string{"NL"}, Target: "adele.vance.archive@mail-relay.example"},
			// After the impossible travel's second sign-in (at +35m), Owner on the subscription is denied.
			{Kind: StoryRoleAssignment, Workspace: WSFabrikamSentinel, Tables: []string{"AzureActivity"},
				Ago: 9*time.Hour - 50*time.Minute, Duration: 6 * time.Minute, Account: "megan.bowen@fabrikam.com",
				IP: "203.0.113.22", Countries: []string{"BR"}, Count: 3, Target: "Owner"},
			// The implant the encoded PowerShell installs resolves its beacon domain every 15 minutes, to the
			// campaign's server.
			{Kind: StoryDNSBeacon, Workspace: WSContosoProd, Tables: []string{"DnsEvents"},
				Ago: 3*time.Hour - 8*time.Minute, Duration: 2*time.Hour + 45*time.Minute, Account: "pradeep.gupta@contoso.com",
				Host: "CONTOSO-WKS-017", IP: PowerShellStageIP, Countries: []string{"RU"}, Count: 12,
				Target: "update-office365-cdn.net"},
			// Before spraying Litware, its source probes the firewall's remote access ports.
			{Kind: StoryFirewallProbe, Workspace: WSLitwareSentinel, Tables: []string{"CommonSecurityLog"},
				Ago: 16 * time.Hour, Duration: 96 * time.Minute, IP: "203.0.113.32", Countries: []string{"RU"},
				Count: 96, Ports: 8},
			// The day before the travel, the same exit node opens a legacy VPN session with Megan's password.
			// It is older than the foreign-country rule's last day, so only the hunt shows it now.
			{Kind: StoryVPNForeignLogin, Workspace: WSFabrikamSentinel, Tables: []string{CustomTable},
				Ago: 34 * time.Hour, Duration: 95 * time.Minute, Account: "megan.bowen@fabrikam.com",
				IP: "203.0.113.22", Countries: []string{"BR"}},
		},
		Differences: []Difference{
			{Kind: DiffDisabledRule, Workspace: WSContosoDev, Rule: RuleBruteForceWindows},
			{Kind: DiffShortRetention, Workspace: WSContosoDev, RetentionDays: 30},
			{Kind: DiffChangedThreshold, Workspace: WSContosoDev, Rule: RulePortScan, BaselineThreshold: 0, Threshold: 5},
			{Kind: DiffSilentConnector, Workspace: WSFabrikamSentinel, Connector: "Office365", Table: "OfficeActivity",
				Silent: 72 * time.Hour},
			{Kind: DiffMissingRule, Workspace: WSNorthwindSentinel, Rule: RuleMassDownload},
			{Kind: DiffWatchlist, Workspace: WSNorthwindSentinel, Watchlist: WatchlistHighValueAssets,
				MissingItems: []string{"SRV-BACKUP-01"}, ExtraItems: []string{"NW-LEGACY-FS"}, ChangedItems: []string{"SRV-DC-01"}},
			{Kind: DiffNotOnboarded, Workspace: WSNorthwindOps},
			{Kind: DiffFailingRule, Workspace: WSContosoProd, Rule: RuleThreatIntelIPMatch,
				Reason: "The query of the analytics rule exceeded the allowed execution time and was cancelled.",
				Since:  30 * time.Hour},
			{Kind: DiffIngestionAnomaly, Workspace: WSNorthwindSentinel, Table: "CommonSecurityLog", DaysAgo: 2, Factor: 8},
			{Kind: DiffUEBADisabled, Workspace: WSFabrikamSentinel},
			{Kind: DiffUEBADisabled, Workspace: WSNorthwindSentinel},
		},
	}
	f.Incidents, f.BackgroundIncidents = seededIncidents(f.Stories)
	f.Bookmarks = seededBookmarks(f)
	return f
})

// StoriesIn returns the stories planted in a workspace.
func (f Facts) StoriesIn(workspace string) []Story {
	var out []Story
	for _, s := range f.Stories {
		if s.Workspace == workspace {
			out = append(out, s)
		}
	}
	return out
}

// StoriesOf returns the stories of a kind.
func (f Facts) StoriesOf(kind string) []Story {
	var out []Story
	for _, s := range f.Stories {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

// Diff returns the differences of a kind.
func (f Facts) Diff(kind string) []Difference {
	var out []Difference
	for _, d := range f.Differences {
		if d.Kind == kind {
			out = append(out, d)
		}
	}
	return out
}

// DiffsIn returns the differences seeded in a workspace.
func (f Facts) DiffsIn(workspace string) []Difference {
	var out []Difference
	for _, d := range f.Differences {
		if d.Workspace == workspace {
			out = append(out, d)
		}
	}
	return out
}

// Has reports whether a workspace has a difference of a kind (and, when rule is not empty, for that rule).
func (f Facts) Has(workspace, kind, rule string) bool {
	for _, d := range f.Differences {
		if d.Workspace == workspace && d.Kind == kind && (rule == "" || d.Rule == rule) {
			return true
		}
	}
	return false
}

// AlertRuleName is the resource name (GUID) of a shipped rule deployed in a workspace: Sentinel gives every
// deployed rule its own id, so the same content rule has a different name in each workspace.
// The Fusion rule is named FusionRuleName everywhere.
func AlertRuleName(workspace, ruleID string) string {
	if ruleID == RuleFusion {
		return FusionRuleName
	}
	return GUID("alertrule:" + workspace + "/" + ruleID)
}

// DataConnectorName is the resource name (GUID) of a data connector of a kind (Office365,
// AzureActiveDirectory, ...) in a workspace.
func DataConnectorName(workspace, kind string) string {
	return GUID("dataconnector:" + workspace + "/" + kind)
}
