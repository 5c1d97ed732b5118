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

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
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
	want := map[snapshot.Kind]int{snapshot.KindWorkspace: 1, snapshot.KindTable: 1, snapshot.KindWatchlist: 1, snapshot.KindSavedSearch: 2,
		snapshot.KindAnalyticsRule: 3, snapshot.KindAutomationRule: 1, snapshot.KindWorkbook: 1, snapshot.KindDCR: 1, snapshot.KindDataConnector: 2}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: %d items, want %d", k, counts[k], n)
		}
	}
	for _, it := range s.Items {
		js := compactJSON(t, it.Doc)
		for _, id := range []string{ws.ResourceID, ws.CustomerID, ws.SubscriptionID, ws.TenantID} {
			if strings.Contains(strings.ToLower(js), strings.ToLower(id)) {
				t.Errorf("%s %q still names the workspace (%s): %s", it.Kind, it.Title, id, js)
			}
		}
		for _, k := range []string{`"etag"`, `"systemData"`, `"lastModifiedUtc"`, `"createdTimeUtc"`, `"watchlistId"`, `"immutableId"`} {
			if strings.Contains(js, k) {
				t.Errorf("%s %q keeps the server-owned %s", it.Kind, it.Title, k)
			}
		}
		if it.Kind == snapshot.KindDataConnector && it.Key == c.SecretConnector {
			if len(it.Redacted) == 0 || strings.Contains(js, "correct horse") {
				t.Errorf("the TAXII connector's password was not redacted: %v %s", it.Redacted, js)
			}
		}
	}
	if len(s.Notes) == 0 || !strings.Contains(strings.Join(s.Notes, "\n"), "properties.password") {
		t.Errorf("no note on the redacted secret: %v", s.Notes)
	}
	var custom *snapshot.Item
	for _, it := range s.Of(snapshot.KindAnalyticsRule) {
		if it.Title == c.CustomRule {
			custom = it
		}
	}
	if custom == nil || !strings.Contains(custom.Properties()["query"].(string), snapshot.PlaceholderWorkspaceID) {
		t.Fatalf("the custom rule's query should name %s: %+v", snapshot.PlaceholderWorkspaceID, custom)
	}
	wl := s.Of(snapshot.KindWatchlist)[0]
	if len(wl.Rows) != len(c.WatchlistKeys) || wl.Rows[0]["Hostname"] != c.WatchlistKeys[0] {
		t.Errorf("watchlist rows (sorted by Hostname): %v", wl.Rows)
	}
}

// Export of A, restore into an empty B (another tenant, another region), then A and B compare equal
// but for what a restore never writes, and a second restore changes nothing.
func TestExportRestoreRoundTrip(t *testing.T) {
	env := start(t)
	src, c := source(t, env)
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
	ruleFiles, _ := filepath.Glob(filepath.Join(root, "woodgrove/soc-central/analytics-rules/*.yaml"))
	sentinelFormat := 0
	for _, f := range ruleFiles {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "requiredDataConnectors:") {
			sentinelFormat++
		}
	}
	if len(ruleFiles) != 3 || sentinelFormat != 2 {
		t.Errorf("%d rule files, %d in the Azure-Sentinel format (want 3 and 2: the custom rule is a resource document)", len(ruleFiles), sentinelFormat)
	}

	back, err := snapshot.ReadDir(root, "woodgrove/soc-central")
	if err != nil {
		t.Fatal(err)
	}
	if d := snapshot.Compare(snap, back, snapshot.DiffOptions{}); len(d.Findings) > 0 || len(d.NotCompared) > 0 {
		t.Fatalf("the export does not read back to what was collected:\n%s", strings.Join(d.Lines(), "\n"))
	}

	dst := resolve(t, env, world.ExtraWorkspace(2).Alias())
	plan, err := snapshot.PlanRestore(ctx(t), env.Provider, back, dst, snapshot.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	counts := plan.Counts()
	// Everything is created but the workspace settings and the two connectors (never restored).
	if counts[snapshot.ActCreate] != len(snap.Items)-3 || counts[snapshot.ActSkip] != 3 {
		t.Fatalf("plan into an empty workspace: %v\n%s", counts, plan.Text(0))
	}
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
	// The DCR in another region: the location placeholder took the target's region.
	for _, it := range after.Of(snapshot.KindDCR) {
		if it.Doc["location"] != snapshot.PlaceholderLocation {
			t.Errorf("restored DCR location %v, want the target's region", it.Doc["location"])
		}
	}
	_ = c
}

func compactJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
