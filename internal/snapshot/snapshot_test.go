package snapshot_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot/snapshottest"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

func start(t *testing.T) *toolsettest.Env {
	t.Helper()
	return toolsettest.Start(t, toolsettest.Options{Emulator: emulator.Options{ExtraTenants: 2, PageSize: 3}})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func resolve(t *testing.T, env *toolsettest.Env, alias string) *tenancy.Workspace {
	t.Helper()
	ws, err := env.Registry.Resolve(ctx(t), alias)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func source(t *testing.T, env *toolsettest.Env) (*tenancy.Workspace, *snapshottest.Content) {
	t.Helper()
	ws := resolve(t, env, world.MustWorkspace(world.WSSocCentral).Alias())
	c, err := snapshottest.Populate(ctx(t), env.Provider, ws)
	if err != nil {
		t.Fatal(err)
	}
	return ws, c
}

func collect(t *testing.T, env *toolsettest.Env, ws *tenancy.Workspace) *snapshot.Snapshot {
	t.Helper()
	s, err := snapshot.Collect(ctx(t), env.Provider, ws, snapshot.CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Incomplete) > 0 {
		t.Fatalf("incomplete snapshot of %s: %+v", ws.Alias, s.Incomplete)
	}
	return s
}

func TestCollectNormalizesAndRedacts(t *testing.T) {
	env := start(t)
	ws, c := source(t, env)
	s := collect(t, env, ws)
	counts := s.Counts()
	for _, k := range snapshot.AllKinds() {
		if counts[k] == 0 {
			t.Errorf("no %s collected", k)
		}
	}
	if n := len(s.Of(snapshot.KindAnalyticsRule)); n != len(world.BuiltInRules(world.WSSocCentral))+countShipped()+1 {
		t.Errorf("%d analytics rules, want the shipped ones, the built-in ones and the custom one", n)
	}
	var custom, auto, taxii *snapshot.Item
	for _, it := range s.Items {
		js := compactJSON(t, it.Doc)
		for _, id := range []string{ws.ResourceID, ws.CustomerID, ws.SubscriptionID, ws.TenantID} {
			if strings.Contains(strings.ToLower(js), strings.ToLower(id)) {
				t.Errorf("%s %q still names the workspace (%s): %s", it.Kind, it.Title, id, js)
			}
		}
		for _, k := range []string{`"etag"`, `"systemData"`, `"lastModifiedUtc"`, `"createdTimeUtc"`, `"watchlistId"`, `"immutableId"`, `"provisioningState"`} {
			if strings.Contains(js, k) {
				t.Errorf("%s %q keeps the server-owned %s", it.Kind, it.Title, k)
			}
		}
		switch {
		case it.Kind == snapshot.KindAnalyticsRule && it.Title == c.CustomRule:
			custom = it
		case it.Kind == snapshot.KindAutomationRule && it.Title == c.AutomationRule:
			auto = it
		case it.Kind == snapshot.KindDataConnector && it.Key == c.SecretConnector:
			taxii = it
		}
	}
	if custom == nil || !strings.Contains(custom.Properties()["query"].(string), snapshot.PlaceholderWorkspaceID) {
		t.Fatalf("the custom rule's query should name %s: %+v", snapshot.PlaceholderWorkspaceID, custom)
	}
	if auto == nil || !strings.Contains(compactJSON(t, auto.Doc), snapshot.RulePlaceholder(c.CustomRule)) {
		t.Errorf("the automation rule's condition should name the rule by key: %+v", auto)
	}
	if taxii == nil || len(taxii.Redacted) == 0 || strings.Contains(compactJSON(t, taxii.Doc), "correct horse") {
		t.Errorf("the TAXII connector's password was not redacted: %+v", taxii)
	}
	if !strings.Contains(strings.Join(s.Notes, "\n"), "properties.password") {
		t.Errorf("no note on the redacted secret: %v", s.Notes)
	}
	for _, it := range s.Of(snapshot.KindDCR) {
		if !strings.Contains(it.Key, snapshot.PlaceholderWorkspaceName) {
			t.Errorf("DCR %s: key %q does not generalize the workspace name", it.Name, it.Key)
		}
	}
	var wl *snapshot.Item
	for _, it := range s.Of(snapshot.KindWatchlist) {
		if it.Key == c.Watchlist {
			wl = it
		}
	}
	if wl == nil || len(wl.Rows) != len(c.WatchlistKeys) || wl.Rows[0]["Hostname"] != c.WatchlistKeys[0] {
		t.Errorf("watchlist rows (sorted by Hostname): %+v", wl)
	}
}

func countShipped() int {
	n := 0
	for _, r := range content.Rules() {
		if world.SeededFacts().RuleDeployed(world.WSSocCentral, r.ID) {
			n++
		}
	}
	return n
}

// Export of A, restore into an empty B (another tenant, another region), then A and B compare equal
// but for the data connectors (never restored), and a second restore changes nothing.
func TestExportRestoreRoundTrip(t *testing.T) {
	env := start(t)
	src, _ := source(t, env)
	snap := collect(t, env, src)
	root := t.TempDir()
	res, err := snapshot.WriteDir(root, "woodgrove/soc-central", snap, snapshot.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != len(snap.Items)+1 || res.Unchanged != 0 {
		t.Fatalf("first export wrote %d files (%d unchanged) for %d items", len(res.Written), res.Unchanged, len(snap.Items))
	}
	if _, err := snapshot.WriteDir(root, "woodgrove/soc-central", snap, snapshot.WriteOptions{}); !errors.Is(err, snapshot.ErrExists) {
		t.Fatalf("a second export without overwrite: %v", err)
	}
	again, err := snapshot.WriteDir(root, "woodgrove/soc-central", collect(t, env, src), snapshot.WriteOptions{Overwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.Unchanged != len(snap.Items)+1 || len(again.Changed)+len(again.Written)+len(again.Removed) != 0 {
		t.Fatalf("re-export of unchanged content: %+v", again)
	}
	// The shipped rules are files in the Azure-Sentinel format; the others resource documents.
	ruleFiles, _ := filepath.Glob(filepath.Join(root, "woodgrove/soc-central/analytics-rules/*.yaml"))
	sentinelFormat := 0
	for _, f := range ruleFiles {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "requiredDataConnectors:") {
			sentinelFormat++
		}
	}
	if len(ruleFiles) != len(snap.Of(snapshot.KindAnalyticsRule)) || sentinelFormat != countShipped() {
		t.Errorf("%d rule files, %d in the Azure-Sentinel format (want %d shipped rules)", len(ruleFiles), sentinelFormat, countShipped())
	}

	back, err := snapshot.ReadDir(root, "woodgrove/soc-central")
	if err != nil {
		t.Fatal(err)
	}
	if d := snapshot.Compare(snap, back, snapshot.DiffOptions{}); len(d.Findings) > 0 || len(d.NotCompared) > 0 {
		t.Fatalf("the export does not read back to what was collected:\n%s", strings.Join(d.Lines(), "\n"))
	}

	dst := resolve(t, env, world.ExtraWorkspace(2).Alias())
	if err := snapshottest.Clear(ctx(t), env.Provider, dst); err != nil {
		t.Fatal(err)
	}
	plan, err := snapshot.PlanRestore(ctx(t), env.Provider, back, dst, snapshot.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	counts := plan.Counts()
	if counts[snapshot.ActCreate] == 0 || counts[snapshot.ActUpdate] != 0 {
		t.Errorf("plan into an empty workspace: %v\n%s", counts, plan.Text(0))
	}
	for _, it := range plan.Items {
		if it.Action == snapshot.ActSkip && it.Kind != snapshot.KindDataConnector && it.Kind != snapshot.KindWorkspace {
			t.Errorf("skipped %s %q: %s", it.Kind, it.Title, it.Reason)
		}
	}
	t.Logf("plan: %v", counts)
	results := plan.Apply(ctx(t), nil)
	for _, r := range results {
		if r.Status == snapshot.StatusFailed {
			t.Errorf("restore of %s %q failed: %s", r.Kind, r.Title, r.Error)
		}
	}
	after := collect(t, env, dst)
	ig, _ := snapshot.ParseIgnore([]string{"data_connector"})
	d := snapshot.Compare(snap, after, snapshot.DiffOptions{Ignore: ig})
	if len(d.Findings) > 0 {
		t.Fatalf("after the restore, %s differs from %s:\n%s", dst.Alias, src.Alias, strings.Join(d.Lines(), "\n"))
	}
	second, err := snapshot.PlanRestore(ctx(t), env.Provider, back, dst, snapshot.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if second.Changes() {
		t.Fatalf("a second restore would change things:\n%s", second.Text(0))
	}
	// The restored automation rule points at the target's copy of the rule it names.
	dc, _ := sentinel.New(env.Provider, dst)
	autos, _ := dc.AutomationRules(ctx(t))
	rules, _ := dc.AlertRules(ctx(t))
	names := map[string]bool{}
	for _, r := range rules {
		names[sentinel.AlertRuleID(dst.ResourceID, r.Name)] = true
	}
	for _, a := range autos {
		for _, cond := range a.Conditions() {
			for _, v := range anyStrings(cond) {
				if strings.Contains(v, "/alertRules/") && !names[v] {
					t.Errorf("automation rule %q names %s, not a rule of %s", a.DisplayName(), v, dst.Alias)
				}
			}
		}
	}
}

// anyStrings lists the strings in a JSON value tree.
func anyStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case map[string]any:
		var out []string
		for _, e := range x {
			out = append(out, anyStrings(e)...)
		}
		return out
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, anyStrings(e)...)
		}
		return out
	}
	return nil
}

func compactJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A restore into a workspace whose items of every kind were changed updates each of them (with the
// etag read) back to the source's content.
func TestRestoreUpdatesEveryKind(t *testing.T) {
	env := start(t)
	src, c := source(t, env)
	snap := collect(t, env, src)
	dst := resolve(t, env, world.MustWorkspace(world.WSContosoProd).Alias())
	first, err := snapshot.PlanRestore(ctx(t), env.Provider, snap, dst, snapshot.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range first.Apply(ctx(t), nil) {
		if r.Status == snapshot.StatusFailed {
			t.Fatalf("first restore: %s %q: %s", r.Kind, r.Title, r.Error)
		}
	}
	sc, _ := sentinel.New(env.Provider, dst)
	arm := sc.ARM()
	cur := collect(t, env, dst)
	changed := map[snapshot.Kind]bool{}
	for _, it := range cur.Items {
		if changed[it.Kind] {
			continue
		}
		var path string
		var edit func(doc map[string]any)
		switch it.Kind {
		case snapshot.KindWorkbook, snapshot.KindDCR:
			if it.Title != c.Workbook && it.Key != "dcr-${workspaceName}-vpn-sessions" {
				continue
			}
			edit = func(doc map[string]any) { doc["properties"].(map[string]any)["description"] = "edited" }
		case snapshot.KindSavedSearch:
			path, _ = sc.WorkspaceChildPath("savedSearches", it.Name)
			edit = func(doc map[string]any) { doc["properties"].(map[string]any)["query"] = "SigninLogs | take 5" }
		case snapshot.KindAutomationRule:
			path = sc.Path("automationRules", it.Name)
			edit = func(doc map[string]any) { doc["properties"].(map[string]any)["order"] = 99 }
		case snapshot.KindSetting:
			if it.Key != "Ueba" {
				continue
			}
			path = sc.Path("settings", it.Name)
			edit = func(doc map[string]any) { doc["properties"].(map[string]any)["dataSources"] = []any{"SigninLogs"} }
		case snapshot.KindTable:
			if it.Key != c.Table {
				continue
			}
			ret := 45
			if _, err := sc.UpdateTable(ctx(t), it.Name, sentinel.TableUpdate{RetentionInDays: &ret}); err != nil {
				t.Fatal(err)
			}
			changed[it.Kind] = true
			continue
		default:
			continue
		}
		if path == "" {
			wbs, _, _ := sc.Workbooks(ctx(t), sentinel.WorkbookCategorySentinel, true, 0)
			for _, w := range wbs {
				if w.Name == it.Name {
					path = w.ID + "?sourceId=" + dst.ResourceID
				}
			}
			if it.Kind == snapshot.KindDCR {
				path, _ = sc.InsightsPath("", sentinel.KindDCR, it.Name)
			}
		}
		var doc map[string]any
		resp, err := arm.GetJSON(ctx(t), path, &doc)
		if err != nil {
			t.Fatalf("%s %s: %v", it.Kind, path, err)
		}
		edit(doc)
		if _, err := arm.Put(ctx(t), path, doc, &azure.WriteOptions{IfMatch: resp.ETag()}); err != nil {
			t.Fatalf("editing %s %q: %v", it.Kind, it.Title, err)
		}
		changed[it.Kind] = true
	}
	if len(changed) != 6 {
		t.Fatalf("changed %v", changed)
	}
	plan, err := snapshot.PlanRestore(ctx(t), env.Provider, snap, dst, snapshot.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := plan.Counts()[snapshot.ActUpdate]; n != 6 {
		t.Fatalf("%d updates planned, want one per changed kind:\n%s", n, plan.Text(0))
	}
	for _, r := range plan.Apply(ctx(t), nil) {
		if r.Status == snapshot.StatusFailed {
			t.Errorf("update of %s %q failed: %s", r.Kind, r.Title, r.Error)
		}
	}
	again, err := snapshot.PlanRestore(ctx(t), env.Provider, snap, dst, snapshot.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Changes() {
		t.Errorf("after the updates:\n%s", again.Text(0))
	}
}
