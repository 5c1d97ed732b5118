package drift_test

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
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

func start(t *testing.T, configure func(*config.Config)) *toolsettest.Env {
	t.Helper()
	return toolsettest.Start(t, toolsettest.Options{
		Toolsets: []toolsettest.Toolset{{Toolset: inventory.Toolset{Name: drift.Name}, Tools: drift.Tools}},
		Emulator: emulator.Options{ExtraTenants: 2, PageSize: 4},
		Configure: func(c *config.Config) {
			c.Backup.Dir = t.TempDir()
			c.Limits.Rate, c.Limits.TenantRate = 0, 0
			if configure != nil {
				configure(c)
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

// seeded puts the same content in the baseline and contoso-prod, then changes contoso-prod the way
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
		case r.Enabled() && r.TemplateName() != "":
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
		case "SRV-BACKUP-01":
			if err := sc.DeleteWatchlistItem(ctx, c.Watchlist, it.Name, ""); err != nil {
				t.Fatal(err)
			}
		case "SRV-DC-01":
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
		if err := sc.DeleteAutomationRule(ctx, a.Name, ""); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestDriftListsExactlyTheDifferences(t *testing.T) {
	env := start(t, nil)
	c := seeded(t, env)
	if _, err := env.Registry.Workspaces(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Emulator.Faults().Add(emulator.Fault{Route: "arm", Tenant: world.ExtraTenant(2).ID, Status: 503}); err != nil {
		t.Fatal(err)
	}
	res := env.CallOK("detect_drift", map[string]any{"baseline_workspace": socCentral, "workspaces": []string{prod, empty, broken}, "ignore": []string{"dcr"}})
	var o out
	res.Decode(&o)
	p := o.of(prod)
	var got []string
	for _, f := range p.Findings {
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
		got = append(got, s)
	}
	sort.Strings(got)
	shipped := c.Rules[0] // enabled in the baseline
	want := []string{
		"analytics_rule " + c.CustomRule + " changed query(diff) triggerThreshold=10>25",
		"analytics_rule " + shipped + " changed enabled=true>false",
		"analytics_rule Local tuning rule extra",
		"automation_rule " + c.AutomationRule + " missing",
		"table " + c.Table + " changed retentionInDays=60>30",
		"watchlist High value assets changed rows-SRV-BACKUP-01 rows~SRV-DC-01 rows+",
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings of %s:\n%s\nwant:\n%s\ntext:\n%s", prod, strings.Join(got, "\n"), strings.Join(want, "\n"), res.Text)
	}
	if e := o.of(empty); e.Differences != 11 {
		t.Errorf("%s (empty) has %d differences, want every item but the equal workspace settings and the ignored DCR: %+v", empty, e.Differences, e)
	}
	if len(o.Failed) != 1 || o.Failed[0].Workspace != broken || !strings.Contains(o.Failed[0].Error, "503") {
		t.Errorf("the failing tenant: %+v", o.Failed)
	}
	for _, s := range []string{
		"Drift against " + socCentral + ": 2 workspace(s) compared, 2 with differences (17 in all), 1 could not be compared.",
		prod + " (Contoso): 6 difference(s)",
		`analytics rule "` + shipped + `": changed`, "    enabled: true -> false",
		"      - | where EventID == 4625", "      + | where EventID in (4625, 4771)",
		"    rows missing: SRV-BACKUP-01", "FAILED " + broken,
	} {
		if !strings.Contains(res.Text, s) {
			t.Errorf("text lacks %q:\n%s", s, res.Text)
		}
	}
	if o.Differences != 17 || o.Baseline != socCentral {
		t.Errorf("totals: %+v", o)
	}

	// Ignore lists: a kind, items by name, fields.
	var ig out
	env.CallOK("detect_drift", map[string]any{"baseline_workspace": socCentral, "workspaces": []string{prod},
		"ignore": []string{"dcr", "watchlist", "analytics_rule:local*", "field:triggerThreshold", "table.field:retention*"}}).Decode(&ig)
	if w := ig.of(prod); w.Differences != 3 || w.Ignored != 3 {
		t.Errorf("with ignores: %d differences, %d ignored: %+v", w.Differences, w.Ignored, w.Findings)
	}
	// Kinds narrow what is read and compared.
	var rulesOnly out
	env.CallOK("detect_drift", map[string]any{"baseline_workspace": socCentral, "workspaces": []string{prod}, "kinds": []string{"rules"}}).Decode(&rulesOnly)
	if w := rulesOnly.of(prod); w.Differences != 3 {
		t.Errorf("rules only: %+v", w)
	}
}

func TestDriftAgainstAnExportAndBadArguments(t *testing.T) {
	env := start(t, nil)
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
	if string(a) != string(b) || fromDir.Differences != 8 {
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
	env := start(t, func(c *config.Config) { c.Limits.MaxBytes = 1500 })
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
	if !o.Truncated || o.Differences != 20 || o.of(empty).Shown >= o.of(empty).Differences {
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
