package seed

import (
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// Which workspaces a table is generated in.
const (
	scopeFull      = 1 << iota // Sentinel workspace of a named tenant
	scopeSynthetic             // small Sentinel workspace of a synthetic customer
	scopeOps                   // plain Log Analytics workspace (not onboarded to Sentinel)

	scopeSentinel = scopeFull | scopeSynthetic
	scopeAll      = scopeSentinel | scopeOps
)

// tableGen generates one table.
type tableGen struct {
	name string
	// perDay is the background volume of a named Sentinel workspace at Scale 1 (rows a day); 0 for tables
	// whose volume is structural (Heartbeat per agent, SentinelHealth per rule run) or derived.
	perDay float64
	scopes int
	// diurnal is how much the volume follows people's working hours and weekdays: 1 for tables written by
	// people's activity (sign-ins, mail), near 0 for machines (syslog), in between for network traffic.
	diurnal float64
	// perEvent is the rows one background event writes (a start and an end record: 2); the generator
	// spreads n/perEvent events.
	perEvent int
	gen      func(g *genCtx, n int) *frame
	// when, if set, further restricts the workspaces (UEBA turned off, a table only some tenants have).
	when func(ws world.Workspace, f world.Facts) bool
}

// generators in generation order: the derived tables (alerts, incidents, health, Usage) come after the
// tables they describe, Usage last because it measures all the others.
var generators []tableGen

func init() {
	ueba := func(ws world.Workspace, f world.Facts) bool { return !f.Has(ws.Name, world.DiffUEBADisabled, "") }
	devops := func(ws world.Workspace, _ world.Facts) bool {
		return ws.Name == world.WSSocCentral || ws.Name == world.WSContosoProd
	}
	generators = []tableGen{
		{"SigninLogs", 90, scopeSentinel, 1, 1, genSigninLogs, nil},
		{"AADNonInteractiveUserSignInLogs", 60, scopeFull, 0.8, 1, genNonInteractive, nil},
		{"AuditLogs", 12, scopeSentinel, 1, 1, genAuditLogs, nil},
		{"IdentityLogonEvents", 12, scopeFull, 1, 1, genIdentityLogonEvents, nil},
		{"BehaviorAnalytics", 8, scopeFull, 1, 1, genBehaviorAnalytics, ueba},
		{"SecurityEvent", 100, scopeSentinel, 0.6, 1, genSecurityEvent, nil},
		{"DeviceProcessEvents", 50, scopeSentinel, 0.9, 1, genDeviceProcessEvents, nil},
		{"DeviceNetworkEvents", 30, scopeFull, 0.9, 1, genDeviceNetworkEvents, nil},
		{"DeviceLogonEvents", 12, scopeFull, 1, 1, genDeviceLogonEvents, nil},
		{"DeviceFileEvents", 20, scopeFull, 1, 1, genDeviceFileEvents, nil},
		{"OfficeActivity", 60, scopeSentinel, 1, 1, genOfficeActivity, nil},
		{"EmailEvents", 30, scopeFull, 0.9, 1, genEmailEvents, nil},
		{"CommonSecurityLog", 70, scopeSentinel, 0.5, 1, genCommonSecurityLog, nil},
		{"DnsEvents", 30, scopeFull, 0.7, 1, genDnsEvents, nil},
		{world.CustomTable, 8, scopeFull, 1, 2, genLegacyVPN, nil},
		{"Syslog", 30, scopeAll, 0.1, 1, genSyslog, nil},
		{"W3CIISLog", 30, scopeFull | scopeOps, 0.7, 1, genW3CIISLog, nil},
		{"Heartbeat", 0, scopeAll, 0, 1, genHeartbeat, nil},
		{"AzureActivity", 14, scopeAll, 1, 2, genAzureActivity, nil},
		{"AzureDiagnostics", 10, scopeFull | scopeOps, 0.3, 1, genAzureDiagnostics, nil},
		{"AzureDevOpsAuditing", 6, scopeFull, 1, 1, genAzureDevOps, devops},
		{"ThreatIntelligenceIndicator", 0, scopeSentinel, 0, 1, genThreatIntel, nil},
		{"SecurityAlert", 0, scopeSentinel, 0, 1, genSecurityAlert, nil},
		{"SecurityIncident", 0, scopeSentinel, 0, 1, genSecurityIncident, nil},
		{"SentinelHealth", 0, scopeSentinel, 0, 1, genSentinelHealth, nil},
		{"Usage", 0, scopeAll, 0, 1, genUsage, nil},
	}
}

func scopeOf(ws world.Workspace) int {
	switch {
	case !ws.Sentinel:
		return scopeOps
	case ws.Synthetic:
		return scopeSynthetic
	}
	return scopeFull
}

// weight scales a workspace's background volume against a named Sentinel workspace: synthetic customers
// are small, the operations workspace sees only its servers.
func weight(ws world.Workspace) float64 {
	switch scopeOf(ws) {
	case scopeSynthetic:
		return 0.25
	case scopeOps:
		return 0.5
	}
	return 1
}

// applies reports whether a table is generated in a workspace.
func (tg *tableGen) applies(ws world.Workspace, f world.Facts) bool {
	return tg.scopes&scopeOf(ws) != 0 && (tg.when == nil || tg.when(ws, f))
}

// genCtx is what the generators of one workspace share.
type genCtx struct {
	w       *World
	ws      world.Workspace
	pop     *population
	facts   world.Facts
	now     time.Time // Options.Now (truncated to the hour): the end of the data
	start   time.Time // now - Days
	days    int
	scale   float64 // global volume scale (Options.Scale or the one Options.Rows gives)
	wscale  float64 // scale * weight(ws)
	cur     *tableGen
	r       *rand.Rand
	stories []world.Story
	quiet   map[string][][2]time.Time // story account -> windows without background activity
	tables  map[string]*data.Table    // generated so far (derived tables read them)
	ips     ipPool                    // public addresses for per-row sources
}

// Logs generates the log tables of a workspace (by ARM resource id, customer id, alias or name;
// case-insensitive), keyed by table name. It is deterministic from (Options.Seed, Options.Now truncated to
// the hour, workspace) and independent of calls for other workspaces, so the emulator may call it lazily
// and concurrently. A Sentinel workspace gets every emulated table; a workspace not onboarded to Sentinel
// gets the tables of a plain Log Analytics workspace (Heartbeat, Syslog, AzureActivity, AzureDiagnostics,
// W3CIISLog, Usage); an unknown workspace gets nil.
func (w *World) Logs(workspaceResourceID string) map[string]*data.Table {
	ws, ok := w.Workspace(workspaceResourceID)
	if !ok {
		return nil
	}
	g := w.newGenCtx(ws)
	for i := range generators {
		tg := &generators[i]
		if !tg.applies(ws, w.Facts) {
			continue
		}
		g.cur = tg
		g.r = rngFor(w.Options.Seed, "logs", ws.Name, tg.name, g.now.Format(time.RFC3339))
		n := int(math.Round(tg.perDay * float64(g.days) * g.wscale))
		g.tables[tg.name] = tg.gen(g, n).build()
	}
	return g.tables
}

func (w *World) newGenCtx(ws world.Workspace) *genCtx {
	scale := w.volume()
	g := &genCtx{w: w, ws: ws, facts: w.Facts, now: w.Options.Now, days: w.Options.Days, scale: scale,
		wscale: scale * weight(ws), tables: map[string]*data.Table{}, quiet: map[string][][2]time.Time{}}
	g.pop = newPopulation(ws, scale, w.Facts)
	g.start = g.now.Add(-time.Duration(g.days) * 24 * time.Hour)
	g.stories = w.Facts.StoriesIn(ws.Name)
	for _, s := range g.stories {
		if !s.Detected() { // the hunt-only stories need no quiet: nothing counts the account's activity
			continue
		}
		start := s.Start(g.now)
		g.quiet[s.Account] = append(g.quiet[s.Account], [2]time.Time{start.Add(-time.Hour), start.Add(s.Duration + 2*time.Hour)})
	}
	g.ips = newIPPool(rngFor(0, "ip-pool", ws.Name), 24)
	return g
}

// newFrame starts a table of the workspace with the standard columns set: TenantId is the workspace id
// (as in Log Analytics), Type the table name, _SubscriptionId and _ResourceId those of the workspace
// unless a generator makes them per-row, _IsBillable from the table's billing.
func (g *genCtx) newFrame(name string, capacity int) *frame {
	t, ok := schema.Lookup(name)
	if !ok {
		panic("seed: no schema for table " + name)
	}
	f := newFrame(t, capacity)
	f.setConst("TenantId", g.ws.CustomerID)
	f.setConst("Type", name)
	f.setConst("_IsBillable", boolText(billable(name, g.ws)))
	f.setConst("_SubscriptionId", g.ws.SubscriptionID)
	f.setConst("_ResourceId", strings.ToLower(g.ws.ResourceID))
	return f
}

// billable reports whether a table's ingestion is billed. Log Analytics does not bill AzureActivity,
// Heartbeat and Usage; a Sentinel workspace does not bill Office 365 audit logs, alerts, incidents and its
// own health records (Sentinel's free data sources).
func billable(table string, ws world.Workspace) bool {
	switch table {
	case "AzureActivity", "Heartbeat", "Usage":
		return false
	case "OfficeActivity", "SecurityAlert", "SecurityIncident", "SentinelHealth":
		return !ws.Sentinel
	}
	return true
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// quietAt reports whether a story account must have no background activity at ts: around its story, so
// the story's records are the only ones in that hour and detections find exactly what world.Facts says.
func (g *genCtx) quietAt(upn string, ts time.Time) bool {
	for _, w := range g.quiet[upn] {
		if !ts.Before(w[0]) && ts.Before(w[1]) {
			return true
		}
	}
	return false
}

// someone picks a person for background activity at ts: some people are much more active than others,
// and story accounts are replaced around their stories.
func (g *genCtx) someone(ts time.Time) *user {
	users := g.pop.users
	u := users[int(float64(len(users))*g.r.Float64()*g.r.Float64())]
	for k := 1; g.quietAt(u.UPN, ts); k++ {
		u = users[(len(users)/2+k)%len(users)]
	}
	return u
}

// storiesOf returns the stories of a kind planted in this workspace.
func (g *genCtx) storiesOf(kind string) []world.Story {
	var out []world.Story
	for _, s := range g.stories {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

// recentCutoff is the start of the window in which background records never match a shipped rule:
// rules look back at most a day (the threat intelligence rule's 14 days apply to indicators, which the
// background never uses), so rare-but-legitimate admin events that rules flag (a Conditional Access
// change, a role assignment, a delivered phish) only happen before it. Detections run at Now then find
// only the planted stories.
func (g *genCtx) recentCutoff() time.Time { return g.now.Add(-26 * time.Hour) }
