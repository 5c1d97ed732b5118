package drift_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot/snapshottest"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/drift"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

var (
	socCentral = world.MustWorkspace(world.WSSocCentral).Alias()
	prod       = world.MustWorkspace(world.WSContosoProd).Alias()
	empty      = world.ExtraWorkspace(1).Alias()
	broken     = world.ExtraWorkspace(2).Alias()
)

type opts struct {
	extra     int
	configure func(*config.Config)
}

func start(t *testing.T, o opts) *toolsettest.Env {
	t.Helper()
	return toolsettest.Start(t, toolsettest.Options{
		Toolsets: []toolsettest.Toolset{{Toolset: inventory.Toolset{Name: drift.Name}, Tools: drift.Tools}},
		Emulator: emulator.Options{ExtraTenants: o.extra, PageSize: 4},
		Configure: func(c *config.Config) {
			c.Backup.Dir = t.TempDir()
			c.Limits.Rate, c.Limits.TenantRate = 0, 0
			if o.configure != nil {
				o.configure(c)
			}
		},
	})
}

func workspace(t *testing.T, env *toolsettest.Env, alias string) *tenancy.Workspace {
	t.Helper()
	ws, err := env.Registry.Resolve(context.Background(), alias)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

type out struct {
	Differences int                       `json:"differences"`
	Baseline    string                    `json:"baseline"`
	Workspaces  []snapshot.WorkspaceDrift `json:"workspaces"`
	Failed      []snapshot.Failure        `json:"failed"`
	Truncated   bool                      `json:"truncated"`
}

func (o out) of(alias string) snapshot.WorkspaceDrift {
	for _, w := range o.Workspaces {
		if w.Workspace == alias {
			return w
		}
	}
	return snapshot.WorkspaceDrift{Differences: -1}
}

// finding renders a finding as one comparable line: kind, title, change and its changed fields
// (path=baseline>target, or path(diff) for multi-line text), or its watchlist rows.
func finding(f snapshot.Finding) string {
	s := string(f.Kind) + " " + f.Title + " " + string(f.Change)
	for _, fd := range f.Fields {
		if fd.Diff != "" {
			s += " " + fd.Path + "(diff)"
		} else {
			s += " " + fd.Path + "=" + fd.Baseline + ">" + fd.Target
		}
	}
	if f.Rows != nil {
		s += " rows-" + strings.Join(f.Rows.Missing, ",") + " rows~" + strings.Join(f.Rows.Changed, ",") + " rows+" + strings.Join(f.Rows.Extra, ",")
	}
	return s
}

func findings(w snapshot.WorkspaceDrift) []string {
	var got []string
	for _, f := range w.Findings {
		got = append(got, finding(f))
	}
	sort.Strings(got)
	return got
}

// expected derives, from the world's facts, what drift must report for a seeded workspace against the
// baseline: its seeded differences of content, and what differs by design (each tenant's own VIP list,
// the incident creation rules and connectors of the products whose alerts reach it).
func expected(t *testing.T, ws string) []string {
	t.Helper()
	facts := world.SeededFacts()
	base := facts.Baseline
	w := world.MustWorkspace(ws)
	var out []string
	if !w.Sentinel {
		return []string{"workspace Microsoft Sentinel missing"}
	}
	for _, d := range facts.DiffsIn(ws) {
		switch d.Kind {
		case world.DiffDisabledRule:
			out = append(out, "analytics_rule "+ruleTitle(t, d.Rule)+" changed enabled=true>false")
		case world.DiffChangedThreshold:
			out = append(out, fmt.Sprintf("analytics_rule %s changed triggerThreshold=%d>%d", ruleTitle(t, d.Rule), d.BaselineThreshold, d.Threshold))
		case world.DiffMissingRule:
			out = append(out, "analytics_rule "+ruleTitle(t, d.Rule)+" missing")
		case world.DiffShortRetention:
			out = append(out, fmt.Sprintf("workspace workspace settings changed retentionInDays=%d>%d", world.MustWorkspace(base).RetentionDays, d.RetentionDays))
		case world.DiffWatchlist:
			spec, _ := world.Watchlist(d.Watchlist)
			out = append(out, "watchlist "+spec.DisplayName+" changed rows-"+strings.Join(d.MissingItems, ",")+" rows~"+strings.Join(d.ChangedItems, ",")+
				" rows+"+strings.Join(d.ExtraItems, ","))
		case world.DiffUEBADisabled:
			out = append(out, "setting EntityAnalytics missing", "setting Ueba missing")
		}
	}
	if w.TenantAlias != world.MustWorkspace(base).TenantAlias {
		spec, _ := world.Watchlist(world.WatchlistVIPUsers)
		var missing, extra []string
		for _, it := range facts.WatchlistItems(base, spec.Alias) {
			missing = append(missing, it.Key)
		}
		for _, it := range facts.WatchlistItems(ws, spec.Alias) {
			extra = append(extra, it.Key)
		}
		sort.Strings(missing)
		sort.Strings(extra)
		out = append(out, "watchlist "+spec.DisplayName+" changed rows-"+strings.Join(missing, ",")+" rows~ rows+"+strings.Join(extra, ","))
	}
	titles := func(ws string) []string {
		var ts []string
		for _, r := range world.BuiltInRules(ws) {
			ts = append(ts, r.DisplayName)
		}
		return ts
	}
	out = append(out, setDiff("analytics_rule", titles(base), titles(ws))...)
	out = append(out, setDiff("data_connector", world.ConnectorsIn(base), world.ConnectorsIn(ws))...)
	sort.Strings(out)
	return out
}

func setDiff(kind string, base, other []string) []string {
	var out []string
	for _, b := range base {
		if !slices.Contains(other, b) {
			out = append(out, kind+" "+b+" missing")
		}
	}
	for _, o := range other {
		if !slices.Contains(base, o) {
			out = append(out, kind+" "+o+" extra")
		}
	}
	return out
}

func ruleTitle(t *testing.T, id string) string {
	r, ok := content.RuleByID(id)
	if !ok {
		t.Fatalf("no shipped rule %s", id)
	}
	return r.Name
}

// Drift of every seeded workspace against the baseline lists exactly the seeded differences of content
// (and what differs by design), workspace by workspace; the workspace that is not onboarded to
// Sentinel is reported as such. (Silent connectors, failing rules and ingestion anomalies are about
// data, not configuration: the health tools report them.)
func TestDriftListsExactlyTheSeededDifferences(t *testing.T) {
	ops := world.MustWorkspace(world.WSNorthwindOps)
	// Discovery lists workspaces that are not onboarded to Sentinel (northwind-ops) only when asked to.
	env := start(t, opts{configure: func(c *config.Config) { c.Azure.Discovery.IncludeNonSentinel = true }})
	res := env.CallOK("detect_drift", map[string]any{"baseline_workspace": socCentral})
	var o out
	res.Decode(&o)
	seen := 0
	for _, w := range world.Workspaces() {
		if w.Name == world.SeededFacts().Baseline || w.TenantAlias == world.Adatum {
			continue // the baseline itself; Adatum is not reachable
		}
		seen++
		got, want := findings(o.of(w.Alias())), expected(t, w.Name)
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got: %s\nwant: %s", w.Alias(), strings.Join(got, "\n      "), strings.Join(want, "\n      "))
		}
	}
	if len(o.Workspaces) != seen || len(o.Failed) != 0 {
		t.Errorf("%d workspaces compared, %d failed; want %d", len(o.Workspaces), len(o.Failed), seen)
	}
	for _, s := range []string{"Drift against " + socCentral + ": ", ops.Alias() + " (Northwind Traders): 1 difference(s)",
		"not onboarded to Microsoft Sentinel", "    enabled: true -> false", "    retentionInDays: 90 -> 30", "    rows missing: SRV-BACKUP-01",
		`Sentinel setting "Ueba": missing`} {
		if !strings.Contains(res.Text, s) {
			t.Errorf("text lacks %q:\n%s", s, res.Text)
		}
	}
}

// seeded adds the same content to the baseline and contoso-prod, then changes contoso-prod the way
// customers' workspaces drift: a rule disabled, another's threshold and query changed, a rule added,
// a watchlist row removed and one changed, a table's retention shortened, an automation rule deleted.
func seeded(t *testing.T, env *toolsettest.Env) *snapshottest.Content {
	t.Helper()
	ctx := context.Background()
	var c *snapshottest.Content
	for _, alias := range []string{socCentral, prod} {
		var err error
		if c, err = snapshottest.Populate(ctx, env.Provider, workspace(t, env, alias)); err != nil {
			t.Fatal(err)
		}
	}
	ws := workspace(t, env, prod)
	sc, _ := sentinel.New(env.Provider, ws)
	rules, err := sc.AlertRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		switch {
		case r.TemplateName() == world.RulePasswordSpray:
			r.Properties["enabled"] = false
		case r.DisplayName() == c.CustomRule:
			r.Properties["triggerThreshold"] = 25
			r.Properties["query"] = strings.Replace(r.Query(), "EventID == 4625", "EventID in (4625, 4771)", 1)
		default:
			continue
		}
		if _, err := sc.PutAlertRule(ctx, r, false); err != nil {
			t.Fatal(err)
		}
	}
	extra := &sentinel.AlertRule{Name: sentinel.NewName(), Kind: "NRT", Properties: map[string]any{"displayName": "Local tuning rule", "enabled": true,
		"severity": "Low", "query": "SigninLogs | take 1", "suppressionDuration": "PT1H", "suppressionEnabled": false}}
	if _, err := sc.PutAlertRule(ctx, extra, true); err != nil {
		t.Fatal(err)
	}
	items, _, err := sc.AllWatchlistItems(ctx, c.Watchlist, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		switch it.Properties.ItemsKeyValue["Hostname"] {
		case c.WatchlistKeys[0]:
			if err := sc.DeleteWatchlistItem(ctx, c.Watchlist, it.Name, ""); err != nil {
				t.Fatal(err)
			}
		case c.WatchlistKeys[1]:
			kv := it.Properties.ItemsKeyValue
			kv["Owner"] = "someone else"
			if _, err := sc.PutWatchlistItem(ctx, c.Watchlist, it.Name, kv, it.Etag); err != nil {
				t.Fatal(err)
			}
		}
	}
	ret := 30
	if _, err := sc.UpdateTable(ctx, c.Table, sentinel.TableUpdate{RetentionInDays: &ret}); err != nil {
		t.Fatal(err)
	}
	autos, _ := sc.AutomationRules(ctx)
	for _, a := range autos {
		if a.DisplayName() == c.AutomationRule {
			if err := sc.DeleteAutomationRule(ctx, a.Name, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c
}

// natural are the differences contoso-prod has by design (its tenant's own VIP list).
var natural = []string{"watchlist:" + world.WatchlistVIPUsers}

func TestDriftFindsChangesAndFailures(t *testing.T) {
	env := start(t, opts{extra: 2})
	c := seeded(t, env)
	if _, err := env.Registry.Workspaces(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Emulator.Faults().Add(emulator.Fault{Route: "arm", Tenant: world.ExtraTenant(2).ID, Status: 503}); err != nil {
		t.Fatal(err)
	}
	res := env.CallOK("detect_drift", map[string]any{"baseline_workspace": socCentral, "workspaces": []string{prod, empty, broken}, "ignore": natural})
	var o out
	res.Decode(&o)
	want := []string{
		"analytics_rule " + c.CustomRule + " changed query(diff) triggerThreshold=10>25",
		"analytics_rule " + ruleTitle(t, world.RulePasswordSpray) + " changed enabled=true>false",
		"analytics_rule Local tuning rule extra",
		"automation_rule " + c.AutomationRule + " missing",
		"table " + c.Table + " changed retentionInDays=60>30",
		"watchlist " + c.WatchlistTitle + " changed rows-" + c.WatchlistKeys[0] + " rows~" + c.WatchlistKeys[1] + " rows+",
	}
	sort.Strings(want)
	if got := findings(o.of(prod)); !slices.Equal(got, want) {
		t.Errorf("findings of %s:\n%s\nwant:\n%s\ntext:\n%s", prod, strings.Join(got, "\n"), strings.Join(want, "\n"), res.Text)
	}
	if w := o.of(prod); w.Ignored != 1 {
		t.Errorf("ignored %d, want the VIP list", w.Ignored)
	}
	if e := o.of(empty); e.Differences < 5 {
		t.Errorf("%s lacks the populated content but has %d differences", empty, e.Differences)
	}
	if len(o.Failed) != 1 || o.Failed[0].Workspace != broken || !strings.Contains(o.Failed[0].Error, "503") {
		t.Errorf("the failing tenant: %+v", o.Failed)
	}
	for _, s := range []string{
		"Drift against " + socCentral + ": 2 workspace(s) compared, 2 with differences",
		prod + " (Contoso): 6 difference(s), 1 ignored",
		`analytics rule "` + c.CustomRule + `": changed`, "    triggerThreshold: 10 -> 25",
		"      - | where EventID == 4625", "      + | where EventID in (4625, 4771)",
		"    rows missing: " + c.WatchlistKeys[0], "FAILED " + broken,
	} {
		if !strings.Contains(res.Text, s) {
			t.Errorf("text lacks %q:\n%s", s, res.Text)
		}
	}
	if o.Differences != o.of(prod).Differences+o.of(empty).Differences || o.Baseline != socCentral {
		t.Errorf("totals: %+v", o)
	}

	// Ignore lists: a kind, items by name, fields.
	var ig out
	env.CallOK("detect_drift", map[string]any{"baseline_workspace": socCentral, "workspaces": []string{prod},
		"ignore": append([]string{"watchlist", "analytics_rule:local*", "field:triggerThreshold", "table.field:retention*"}, natural...)}).Decode(&ig)
	if w := ig.of(prod); w.Differences != 3 || w.Ignored != 3 {
		t.Errorf("with ignores: %d differences, %d ignored: %v", w.Differences, w.Ignored, findings(w))
	}
	// Kinds narrow what is read and compared.
	var rulesOnly out
	env.CallOK("detect_drift", map[string]any{"baseline_workspace": socCentral, "workspaces": []string{prod}, "kinds": []string{"rules"}}).Decode(&rulesOnly)
	if w := rulesOnly.of(prod); w.Differences != 3 {
		t.Errorf("rules only: %v", findings(w))
	}
}

func TestDriftAgainstAnExportAndBadArguments(t *testing.T) {
	env := start(t, opts{extra: 2})
	seeded(t, env)
	ctx := context.Background()
	snap, err := snapshot.Collect(ctx, env.Provider, workspace(t, env, socCentral), snapshot.CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.WriteDir(env.Config.Backup.Dir, "baseline", snap, snapshot.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	var fromDir, fromWS out
	env.CallOK("detect_drift", map[string]any{"baseline_dir": "baseline", "workspaces": []string{prod}}).Decode(&fromDir)
	env.CallOK("detect_drift", map[string]any{"baseline_workspace": socCentral, "workspaces": []string{prod}}).Decode(&fromWS)
	a, _ := json.Marshal(fromDir.Workspaces)
	b, _ := json.Marshal(fromWS.Workspaces)
	if string(a) != string(b) || fromDir.Differences != 7 {
		t.Errorf("an export and its workspace give other answers (%d vs %d):\n%s\n%s", fromDir.Differences, fromWS.Differences, a, b)
	}
	for want, args := range map[string]map[string]any{
		"is required":            {"workspaces": []string{prod}},
		"not both":               {"baseline_workspace": socCentral, "baseline_dir": "baseline", "workspaces": []string{prod}},
		"only the baseline":      {"baseline_workspace": socCentral, "workspaces": []string{socCentral}},
		"not a kind":             {"baseline_workspace": socCentral, "kinds": []string{"gizmo"}},
		"not a valid pattern":    {"baseline_workspace": socCentral, "ignore": []string{"field:["}},
		"is not an export":       {"baseline_dir": ".", "workspaces": []string{prod}},
		`".." is not accepted`:   {"baseline_dir": "../x", "workspaces": []string{prod}},
		"unknown workspace":      {"baseline_workspace": "contoso/nope", "workspaces": []string{prod}},
		"no workspace could be ": {"baseline_dir": "baseline", "workspaces": []string{broken}},
	} {
		if strings.HasPrefix(want, "no workspace") {
			if _, err := env.Emulator.Faults().Add(emulator.Fault{Route: "arm", Tenant: world.ExtraTenant(2).ID, Status: 500}); err != nil {
				t.Fatal(err)
			}
		}
		if msg := env.CallError("detect_drift", args); !strings.Contains(msg, want) {
			t.Errorf("%v: %s (want %q)", args, msg, want)
		}
	}
}

// A small result budget: every workspace's headline is there, the findings are cut, and it says so;
// with a progress token, each workspace's comparison is notified.
func TestDriftBudgetAndProgress(t *testing.T) {
	env := start(t, opts{extra: 1, configure: func(c *config.Config) { c.Limits.MaxBytes = 1500 }})
	seeded(t, env)
	res, msgs := callWithProgress(t, env, "detect_drift", map[string]any{"baseline_workspace": socCentral, "workspaces": []string{prod, empty}})
	if res.IsError {
		t.Fatalf("%v", res.Content)
	}
	text := res.Content[0].(*mcp.TextContent).Text
	if len(text) > 1500 || !strings.Contains(text, prod+" (Contoso)") || !strings.Contains(text, empty+" (Customer 01)") ||
		!strings.Contains(text, "more difference(s) not shown") || !strings.Contains(text, "narrow it with") {
		t.Errorf("budgeted text (%d bytes):\n%s", len(text), text)
	}
	b, _ := json.Marshal(res.StructuredContent)
	var o out
	_ = json.Unmarshal(b, &o)
	if !o.Truncated || o.of(empty).Shown >= o.of(empty).Differences || o.Differences != o.of(prod).Differences+o.of(empty).Differences {
		t.Errorf("structured: truncated %v, %d differences, shown %d of %d", o.Truncated, o.Differences, o.of(empty).Shown, o.of(empty).Differences)
	}
	if len(msgs) < 2 || !strings.Contains(strings.Join(msgs, "\n"), "(2 of 2)") {
		t.Errorf("progress: %q", msgs)
	}
}

// callWithProgress calls a tool from a second client that asks for progress notifications.
func callWithProgress(t *testing.T, env *toolsettest.Env, name string, args map[string]any) (*mcp.CallToolResult, []string) {
	t.Helper()
	var mu sync.Mutex
	var msgs []string
	client := mcp.NewClient(&mcp.Implementation{Name: "progress", Version: "1"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			msgs = append(msgs, r.Params.Message)
			mu.Unlock()
		}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := env.Server.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	params := &mcp.CallToolParams{Name: name, Arguments: args}
	params.SetProgressToken("progress-1")
	res, err := cs.CallTool(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(msgs)
		mu.Unlock()
		if n >= 2 {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return res, slices.Clone(msgs)
}
