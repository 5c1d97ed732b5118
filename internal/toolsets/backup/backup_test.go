package backup_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot/snapshottest"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/backup"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/drift"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

type envOptions struct {
	writes bool
	extra  int
	root   string
	config func(*config.Config)
}

func start(t *testing.T, o envOptions) *toolsettest.Env {
	t.Helper()
	if o.root == "" {
		o.root = t.TempDir()
	}
	if o.extra == 0 {
		o.extra = 3
	}
	return toolsettest.Start(t, toolsettest.Options{
		Toolsets: []toolsettest.Toolset{
			{Toolset: inventory.Toolset{Name: backup.Name}, Tools: backup.Tools},
			{Toolset: inventory.Toolset{Name: drift.Name}, Tools: drift.Tools},
		},
		Writes:   o.writes,
		Emulator: emulator.Options{ExtraTenants: o.extra, PageSize: 4},
		Configure: func(c *config.Config) {
			c.Backup.Dir = o.root
			c.Limits.TenantRate, c.Limits.Rate = 0, 0 // tests call in quick succession
			if o.config != nil {
				o.config(c)
			}
		},
	})
}

var (
	socCentral = world.MustWorkspace(world.WSSocCentral).Alias()
	prod       = world.MustWorkspace(world.WSContosoProd).Alias()
)

func populate(t *testing.T, env *toolsettest.Env, alias string) *snapshottest.Content {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ws, err := env.Registry.Resolve(ctx, alias)
	if err != nil {
		t.Fatal(err)
	}
	c, err := snapshottest.Populate(ctx, env.Provider, ws)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type pending struct {
	ConfirmationRequired bool   `json:"confirmation_required"`
	Plan                 string `json:"plan"`
	ConfirmToken         string `json:"confirm_token"`
}

// confirmed calls a destructive tool, checks its plan, and calls it again with the token.
func confirmed(t *testing.T, env *toolsettest.Env, name string, args map[string]any, planHas ...string) *toolsettest.Result {
	t.Helper()
	var p pending
	env.CallOK(name, args).Decode(&p)
	if !p.ConfirmationRequired || p.ConfirmToken == "" {
		t.Fatalf("%s ran without asking for confirmation", name)
	}
	for _, want := range planHas {
		if !strings.Contains(p.Plan, want) {
			t.Errorf("%s plan lacks %q:\n%s", name, want, p.Plan)
		}
	}
	with := map[string]any{}
	for k, v := range args {
		with[k] = v
	}
	with[inventory.ConfirmTokenArg] = p.ConfirmToken
	return env.Call(name, with)
}

type exportOut struct {
	Workspace string         `json:"workspace"`
	Dir       string         `json:"dir"`
	Path      string         `json:"path"`
	Items     int            `json:"items"`
	Counts    map[string]int `json:"counts"`
	Written   int            `json:"files_written"`
	Changed   int            `json:"files_changed"`
	Unchanged int            `json:"files_unchanged"`
	Removed   []string       `json:"files_removed"`
	Overwrote bool           `json:"overwrote"`
	Redacted  []string       `json:"redacted"`
}

type restoreOut struct {
	Workspace string                `json:"workspace"`
	Written   int                   `json:"written"`
	Failed    int                   `json:"failed"`
	Unchanged int                   `json:"unchanged"`
	Skipped   int                   `json:"skipped"`
	Items     []snapshot.ItemResult `json:"items"`
}

type driftOut struct {
	Differences int                       `json:"differences"`
	Workspaces  []snapshot.WorkspaceDrift `json:"workspaces"`
	Failed      []snapshot.Failure        `json:"failed"`
	Truncated   bool                      `json:"truncated"`
}

func clear(t *testing.T, env *toolsettest.Env, alias string) {
	t.Helper()
	ws, err := env.Registry.Resolve(context.Background(), alias)
	if err != nil {
		t.Fatal(err)
	}
	if err := snapshottest.Clear(context.Background(), env.Provider, ws); err != nil {
		t.Fatal(err)
	}
}

// Export of A, restore into an emptied B in another tenant, then drift(A, B) is empty and a second
// restore changes nothing; every write is in the audit log.
func TestExportRestoreDrift(t *testing.T) {
	env := start(t, envOptions{writes: true})
	populate(t, env, socCentral)
	var ex exportOut
	env.CallOK("export_workspace", map[string]any{"workspace": socCentral}).Decode(&ex)
	if ex.Dir != "woodgrove/soc-central" || ex.Items < 50 || ex.Written != ex.Items+1 || ex.Counts["analytics_rule"] < 20 {
		t.Fatalf("export: %+v", ex)
	}
	if len(ex.Redacted) != 1 || !strings.Contains(ex.Redacted[0], "password") {
		t.Errorf("the redacted secret is not reported: %v", ex.Redacted)
	}
	files, _ := filepath.Glob(filepath.Join(ex.Path, "data-connectors", "*.yaml"))
	if len(files) != ex.Counts["data_connector"] {
		t.Errorf("%d connector files for %d connectors", len(files), ex.Counts["data_connector"])
	}
	for _, f := range files {
		if raw, _ := os.ReadFile(f); strings.Contains(string(raw), "correct horse") {
			t.Errorf("%s holds the connector's password", f)
		}
	}
	msg := env.CallError("export_workspace", map[string]any{"workspace": socCentral})
	if !strings.Contains(msg, "overwrite") || !strings.Contains(msg, "export of "+socCentral) {
		t.Errorf("second export without overwrite: %s", msg)
	}
	var again exportOut
	env.CallOK("export_workspace", map[string]any{"workspace": socCentral, "overwrite": true}).Decode(&again)
	if !again.Overwrote || again.Unchanged != ex.Items+1 || again.Changed+again.Written != 0 {
		t.Errorf("re-export of unchanged content: %+v", again)
	}
	list := env.CallOK("list_exports", map[string]any{})
	if !strings.Contains(list.Text, "woodgrove/soc-central") || !strings.Contains(list.Text, "analytics_rule ") {
		t.Errorf("list_exports: %s", list.Text)
	}

	target := world.ExtraWorkspace(2).Alias()
	clear(t, env, target)
	args := map[string]any{"workspace": target, "from_dir": "woodgrove/soc-central"}
	res := confirmed(t, env, "restore_workspace", args, "to create, 0 to update", "create 4 watchlists: ", `"Crown jewels" (3 rows)`,
		`"dcr-customer-02-sentinel-vpn-sessions"`, "data connectors: ", "(data connectors are connected in the target itself", "Workspace: "+target)
	var out restoreOut
	res.Decode(&out)
	if out.Written < 50 || out.Failed != 0 || out.Skipped != ex.Counts["data_connector"]+1 {
		t.Fatalf("restore: %+v\n%s", out, res.Text)
	}
	changes := 0
	for _, r := range env.AuditRecords() {
		if r.Tool == "restore_workspace" && r.Phase == "result" {
			changes += len(r.Changes)
		}
	}
	if changes != out.Written {
		t.Errorf("%d changes in the audit log, want %d (one per written item)", changes, out.Written)
	}

	var d driftOut
	env.CallOK("detect_drift", map[string]any{"baseline_workspace": socCentral, "workspaces": []string{target}, "ignore": []string{"data_connector"}}).Decode(&d)
	if d.Differences != 0 || len(d.Workspaces) != 1 {
		t.Fatalf("drift after the restore: %+v", d)
	}
	// The baseline folder gives the same answer as the workspace it was exported from.
	var fromDir driftOut
	r := env.CallOK("detect_drift", map[string]any{"baseline_dir": "woodgrove/soc-central", "workspaces": []string{target}, "ignore": []string{"data_connector"}})
	r.Decode(&fromDir)
	if fromDir.Differences != 0 {
		t.Fatalf("drift against the export: %s", r.Text)
	}

	// The same call again.
	res = confirmed(t, env, "restore_workspace", args, "0 to create, 0 to update (overwritten)")
	var second restoreOut
	res.Decode(&second)
	if second.Written != 0 || second.Unchanged != out.Written+out.Unchanged {
		t.Errorf("second restore: %+v", second)
	}
}

// A restore overwrites what changed in the target (with the etag read), and says which fields.
func TestRestoreUpdatesChangedItems(t *testing.T) {
	env := start(t, envOptions{writes: true})
	c := populate(t, env, socCentral)
	env.CallOK("export_workspace", map[string]any{"workspace": socCentral, "kinds": []string{"analytics_rule", "watchlist"}})
	ctx := context.Background()
	ws, _ := env.Registry.Resolve(ctx, socCentral)
	snap, err := snapshot.Collect(ctx, env.Provider, ws, snapshot.CollectOptions{Kinds: []snapshot.Kind{snapshot.KindAnalyticsRule, snapshot.KindWatchlist}})
	if err != nil {
		t.Fatal(err)
	}
	arm, _ := env.Provider.ARM(ws.CredTenantID)
	// Disable the enabled shipped rule and remove a watchlist row behind the export's back.
	for _, it := range snap.Of(snapshot.KindAnalyticsRule) {
		if it.Properties()["enabled"] == true && it.Properties()["alertRuleTemplateName"] != nil {
			var rule map[string]any
			path := ws.ResourceID + "/providers/Microsoft.SecurityInsights/alertRules/" + it.Name
			if _, err := arm.GetJSON(ctx, path, &rule); err != nil {
				t.Fatal(err)
			}
			rule["properties"].(map[string]any)["enabled"] = false
			if _, err := arm.Put(ctx, path, rule, nil); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	items, err := arm.List(ctx, ws.ResourceID+"/providers/Microsoft.SecurityInsights/watchlists/"+c.Watchlist+"/watchlistItems", nil)
	if err != nil || len(items.Items) != 3 {
		t.Fatalf("items: %v %v", err, items)
	}
	var first struct{ ID string }
	_ = json.Unmarshal(items.Items[0], &first)
	if _, err := arm.Delete(ctx, first.ID, nil); err != nil {
		t.Fatal(err)
	}
	args := map[string]any{"workspace": socCentral, "from_dir": "woodgrove/soc-central"}
	// The plan, then the confirmed call from a client that asks for progress: one notification per write.
	var p pending
	env.CallOK("restore_workspace", args).Decode(&p)
	for _, want := range []string{"0 to create, 2 to update", "fields enabled", "rows: 1 to add, 0 to change, 0 to remove"} {
		if !strings.Contains(p.Plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, p.Plan)
		}
	}
	with := map[string]any{inventory.ConfirmTokenArg: p.ConfirmToken}
	for k, v := range args {
		with[k] = v
	}
	res, msgs := callWithProgress(t, env, "restore_workspace", with, 2)
	var out restoreOut
	raw, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(raw, &out)
	if res.IsError || out.Written != 2 || out.Failed != 0 {
		t.Fatalf("restore: %+v\n%v", out, res.Content)
	}
	if all := strings.Join(msgs, "\n"); !strings.Contains(all, socCentral+": update analytics rule ") || !strings.Contains(all, `update watchlist "`+c.WatchlistTitle+`": done`) {
		t.Errorf("progress of the restore: %q", msgs)
	}
	after, _ := snapshot.Collect(ctx, env.Provider, ws, snapshot.CollectOptions{Kinds: []snapshot.Kind{snapshot.KindAnalyticsRule, snapshot.KindWatchlist}})
	if d := snapshot.Compare(snap, after, snapshot.DiffOptions{}); len(d.Findings) > 0 {
		t.Errorf("not restored: %v", d.Lines())
	}
	// Bad arguments: the call is refused at once with the reason (no plan, no token).
	for want, args := range map[string]map[string]any{
		"nothing in":     {"workspace": socCentral, "from_dir": "woodgrove/soc-central", "names": []string{"nothing*"}},
		"is required":    {"workspace": socCentral},
		"not both":       {"workspace": socCentral, "from_dir": "x", "source_workspace": prod},
		"not an export":  {"workspace": socCentral, "from_dir": "woodgrove"},
		"does not exist": {"workspace": socCentral, "from_dir": "nope/nope"},
		"\"..\" is not":  {"workspace": socCentral, "from_dir": "../etc"},
		"not a kind":     {"workspace": socCentral, "from_dir": "woodgrove/soc-central", "kinds": []string{"gadgets"}},
		"absolute paths": {"workspace": socCentral, "from_dir": "/etc"},
	} {
		if msg := env.CallError("restore_workspace", args); !strings.Contains(msg, want) || !strings.Contains(msg, "Nothing was changed") {
			t.Errorf("%v: %s", args, msg)
		}
	}
}

func TestExportPathSafety(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	env := start(t, envOptions{writes: true, root: root})
	for _, dir := range []string{"../escape", "/tmp/escape", "a/../../escape", `a\..\b`, "~/x", "."} {
		msg := env.CallError("export_workspace", map[string]any{"workspace": socCentral, "dir": dir})
		if !strings.Contains(msg, `argument "dir"`) {
			t.Errorf("dir %q: %s", dir, msg)
		}
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	msg := env.CallError("export_workspace", map[string]any{"workspace": socCentral, "dir": "link/x", "overwrite": true})
	if !strings.Contains(msg, "symbolic link") {
		t.Errorf("through a symlink: %s", msg)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("files written outside the export root: %v", entries)
	}
	if msg := env.CallError("detect_drift", map[string]any{"baseline_dir": "link", "workspaces": []string{prod}}); !strings.Contains(msg, "symbolic link") {
		t.Errorf("drift from a linked folder: %s", msg)
	}
}

func TestReadOnlyModeHidesWrites(t *testing.T) {
	env := start(t, envOptions{})
	names := env.ToolNames()
	for _, n := range []string{"list_exports", "detect_drift"} {
		if !slices.Contains(names, n) {
			t.Errorf("%s is not listed read-only: %v", n, names)
		}
	}
	for _, n := range []string{"export_workspace", "restore_workspace", "deploy_content"} {
		if slices.Contains(names, n) {
			t.Errorf("%s is listed although writes are disabled", n)
		}
	}
}

// With a progress token, an export notifies each kind it has read.
func TestExportReportsProgress(t *testing.T) {
	env := start(t, envOptions{writes: true})
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
	params := &mcp.CallToolParams{Name: "export_workspace", Arguments: map[string]any{"workspace": prod}}
	params.SetProgressToken("p-1")
	res, err := cs.CallTool(ctx, params)
	if err != nil || res.IsError {
		t.Fatalf("export: %v %v", err, res)
	}
	want := len(snapshot.AllKinds())
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(msgs)
		mu.Unlock()
		if n >= want {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(msgs) != want || !strings.Contains(strings.Join(msgs, "\n"), prod+": analytics rules read (") {
		t.Errorf("progress: %q", msgs)
	}
}

// An export of several workspaces in several tenants (a nightly backup): each to tenant/workspace
// under dir, concurrently, with progress per workspace; one whose tenant fails is reported and the
// others are exported; the same call again changes no file. Then a deploy from the baseline's folder.
func TestExportSeveralWorkspaces(t *testing.T) {
	env := start(t, envOptions{writes: true, extra: 2})
	c := populate(t, env, socCentral)
	if _, err := env.Registry.Workspaces(context.Background()); err != nil { // discovery before the fault
		t.Fatal(err)
	}
	broken := world.ExtraWorkspace(2)
	id, err := env.Emulator.Faults().Add(emulator.Fault{Route: "arm", Tenant: world.ExtraTenant(2).ID, Status: 500})
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]any{"workspaces": []string{socCentral, prod, broken.Alias()}, "dir": "nightly", "kinds": []string{"analytics_rule", "watchlist"}}
	res, msgs := callWithProgress(t, env, "export_workspace", args, 3)
	if res.IsError {
		t.Fatalf("export: %v", res.Content)
	}
	var out struct {
		exportOut
		Exports []snapshot.ExportResult `json:"exports"`
		Failed  []string                `json:"failed_workspaces"`
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Exports) != 3 || len(out.Failed) != 1 || out.Failed[0] != broken.Alias() {
		t.Fatalf("exports: %+v", out)
	}
	for _, r := range out.Exports {
		ws := world.MustWorkspace(strings.SplitN(r.Workspace, "/", 2)[1])
		switch {
		case r.Workspace == broken.Alias():
			if !strings.Contains(r.Error, "500") {
				t.Errorf("the failing workspace: %+v", r)
			}
		case r.Error != "" || r.Items == 0 || r.Dir != "nightly/"+ws.TenantAlias+"/"+ws.Name:
			t.Errorf("%s: %+v", r.Workspace, r)
		default:
			if _, err := os.Stat(filepath.Join(out.Path, ws.TenantAlias, ws.Name, snapshot.ManifestFile)); err != nil {
				t.Errorf("%s: %v", r.Workspace, err)
			}
		}
	}
	text := res.Content[0].(*mcp.TextContent).Text
	if !strings.Contains(text, broken.Alias()+": FAILED, not exported") || !strings.Contains(text, "1 of 3 workspace(s) could not be exported") {
		t.Errorf("text:\n%s", text)
	}
	if all := strings.Join(msgs, "\n"); !strings.Contains(all, "exported ") || !strings.Contains(all, "(3 of 3)") {
		t.Errorf("progress: %q", msgs)
	}
	list := env.CallOK("list_exports", map[string]any{})
	if !strings.Contains(list.Text, "nightly/woodgrove/soc-central") || !strings.Contains(list.Text, "nightly/contoso/contoso-prod") {
		t.Errorf("list_exports:\n%s", list.Text)
	}

	env.Emulator.Faults().Remove(id)
	args["workspaces"] = []string{socCentral, prod}
	args["overwrite"] = true
	var again exportOut
	env.CallOK("export_workspace", args).Decode(&again)
	if again.Written+again.Changed != 0 || again.Unchanged == 0 {
		t.Errorf("the same export again: %+v", again)
	}
	for want, args := range map[string]map[string]any{
		"not both":       {"workspace": socCentral, "workspaces": []string{prod}},
		"is required":    {},
		"\"..\" is not":  {"workspaces": []string{"all"}, "dir": "../x"},
		"folder \"night": {"workspaces": []string{socCentral}, "dir": "nightly"}, // an export there already: overwrite needed
	} {
		if msg := env.CallError("export_workspace", args); !strings.Contains(msg, want) {
			t.Errorf("%v: %s (want %q)", args, msg, want)
		}
	}
	t.Run("deploy from the baseline's folder", func(t *testing.T) { deployFromFolder(t, env, c, "nightly/woodgrove/soc-central") })
}
