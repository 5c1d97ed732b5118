package backup_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot/snapshottest"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

type deployOut struct {
	Source        string                  `json:"source"`
	Targets       []snapshot.TargetResult `json:"targets"`
	Written       int                     `json:"written"`
	Failed        int                     `json:"failed"`
	FailedTargets []string                `json:"failed_targets"`
}

func (o deployOut) target(alias string) snapshot.TargetResult {
	for _, t := range o.Targets {
		if t.Workspace == alias {
			return t
		}
	}
	return snapshot.TargetResult{Written: -1}
}

func ruleName(id string) string {
	r, ok := content.RuleByID(id)
	if !ok {
		panic("no shipped rule " + id)
	}
	return r.Name
}

// Deploy selected rules and watchlists from the baseline to four workspaces in four tenants, one of
// which fails at Azure: the plan and the results say so per target, the others get exactly the
// changes their seeded differences call for, and a second deploy once the tenant is back completes it
// without touching the rest.
func TestDeployAcrossTenantsWithOneFailing(t *testing.T) {
	env := start(t, envOptions{writes: true, extra: 2})
	c := populate(t, env, socCentral)
	if _, err := env.Registry.Workspaces(context.Background()); err != nil { // discovery before the fault
		t.Fatal(err)
	}
	facts := world.SeededFacts()
	dev, north := world.MustWorkspace(world.WSContosoDev).Alias(), world.MustWorkspace(world.WSNorthwindSentinel).Alias()
	healthy, broken := world.ExtraWorkspace(1).Alias(), world.ExtraWorkspace(2).Alias()
	id, err := env.Emulator.Faults().Add(emulator.Fault{Route: "arm", Tenant: world.ExtraTenant(2).ID, Status: 500})
	if err != nil {
		t.Fatal(err)
	}
	disabled, threshold, missing := facts.Diff(world.DiffDisabledRule)[0], facts.Diff(world.DiffChangedThreshold)[0], facts.Diff(world.DiffMissingRule)[0]
	hva := facts.Diff(world.DiffWatchlist)[0]
	if disabled.Workspace != world.WSContosoDev || threshold.Workspace != world.WSContosoDev || missing.Workspace != world.WSNorthwindSentinel || hva.Workspace != world.WSNorthwindSentinel {
		t.Fatalf("the seeded differences moved: %+v %+v %+v %+v", disabled, threshold, missing, hva)
	}
	hvaTitle := "High value assets"
	names := []string{ruleName(disabled.Rule), ruleName(threshold.Rule), ruleName(missing.Rule), c.CustomRule, hvaTitle, c.WatchlistTitle}
	targets := []string{dev, north, healthy, broken}
	args := map[string]any{"source_workspace": socCentral, "workspaces": targets, "names": names}
	res := confirmed(t, env, "deploy_content", args, "Deploy from "+socCentral+" to 4 workspace(s) (1 could not be planned",
		broken+": FAILED", dev+": 2 to create, 2 to update", `update analytics rule "`+ruleName(disabled.Rule)+`": fields enabled`,
		`update analytics rule "`+ruleName(threshold.Rule)+`": fields triggerThreshold`, north+": 3 to create, 1 to update",
		`update watchlist "High value assets": rows: 1 to add, 1 to change, 1 to remove`, healthy+": 2 to create, 0 to update")
	var out deployOut
	res.Decode(&out)
	// Everywhere the custom rule and the populated watchlist; in contoso-dev the two changed rules, in
	// northwind the missing rule and its watchlist.
	want := map[string]int{dev: 4, north: 4, healthy: 2}
	for alias, n := range want {
		if got := out.target(alias); got.Written != n || got.Failed != 0 || got.Error != "" {
			t.Errorf("%s: %+v, want %d written", alias, got, n)
		}
	}
	if b := out.target(broken); b.Error == "" || !strings.Contains(b.Error, "500") || b.Written != 0 {
		t.Errorf("the failing target: %+v", b)
	}
	if out.Written != 10 || out.Failed != 0 || len(out.FailedTargets) != 1 || out.FailedTargets[0] != broken {
		t.Errorf("deploy: %+v", out)
	}
	if !strings.Contains(res.Text, broken+": FAILED, nothing deployed") || !strings.Contains(res.Text, "1 of 4 workspace(s) failed") {
		t.Errorf("result text:\n%s", res.Text)
	}

	env.Emulator.Faults().Remove(id)
	res = confirmed(t, env, "deploy_content", args, broken+": 2 to create", dev+": 0 to create, 0 to update (overwritten), 6 unchanged")
	var second deployOut
	res.Decode(&second)
	if second.Written != 2 || len(second.FailedTargets) != 0 || second.target(broken).Written != 2 {
		t.Fatalf("second deploy: %+v\n%s", second, res.Text)
	}

	// Selection by tag and kind: only the watchlist labelled tier0.
	res = confirmed(t, env, "deploy_content", map[string]any{"source_workspace": socCentral, "workspaces": []string{prod},
		"kinds": []string{"watchlist", "analytics_rule"}, "tags": []string{"TIER0"}}, "1 to create", `create 1 watchlist: "`+c.WatchlistTitle+`"`)
	var byTag deployOut
	res.Decode(&byTag)
	if byTag.Written != 1 {
		t.Errorf("deploy by tag: %+v", byTag)
	}
	if msg := env.CallError("deploy_content", map[string]any{"source_workspace": socCentral, "workspaces": []string{prod}, "names": []string{"no such rule"}}); !strings.Contains(msg, "nothing in") {
		t.Errorf("no match: %s", msg)
	}
	if msg := env.CallError("deploy_content", map[string]any{"source_workspace": socCentral, "workspaces": []string{socCentral}}); !strings.Contains(msg, "only the source workspace") {
		t.Errorf("deploy to itself: %s", msg)
	}
}

// deployFromFolder deploys from an export folder (content kept in git) of the populated baseline to
// workspaces of three tenants: a plan per target first, progress per target while it is applied,
// per-target results, and a second deploy that finds nothing to change. (TestExportSeveralWorkspaces
// runs it on the export it made.)
func deployFromFolder(t *testing.T, env *toolsettest.Env, c *snapshottest.Content, dir string) {
	threshold := world.SeededFacts().Diff(world.DiffChangedThreshold)[0]
	dev, one, two := world.MustWorkspace(threshold.Workspace).Alias(), world.ExtraWorkspace(1).Alias(), world.ExtraWorkspace(2).Alias()
	args := map[string]any{"from_dir": dir, "workspaces": []string{dev, one, two},
		"names": []string{ruleName(threshold.Rule), c.CustomRule, c.WatchlistTitle}}
	var p pending
	env.CallOK("deploy_content", args).Decode(&p)
	for _, want := range []string{"Deploy from " + dir + " (export of " + socCentral + ") to 3 workspace(s):",
		dev + ": 2 to create, 1 to update", `update analytics rule "` + ruleName(threshold.Rule) + `": fields triggerThreshold`,
		one + ": ", two + ": ", `create 1 watchlist: "` + c.WatchlistTitle + `"`} {
		if !strings.Contains(p.Plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, p.Plan)
		}
	}
	if !p.ConfirmationRequired || p.ConfirmToken == "" {
		t.Fatalf("deploy_content ran without asking for confirmation: %+v", p)
	}
	with := map[string]any{inventory.ConfirmTokenArg: p.ConfirmToken}
	for k, v := range args {
		with[k] = v
	}
	res, msgs := callWithProgress(t, env, "deploy_content", with, 3)
	if res.IsError {
		t.Fatalf("deploy: %v", res.Content)
	}
	var out deployOut
	raw, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.target(dev); got.Written != 3 || got.Failed != 0 {
		t.Errorf("%s: %+v", dev, got)
	}
	for _, alias := range []string{one, two} {
		if got := out.target(alias); got.Written < 2 || got.Failed != 0 || got.Error != "" {
			t.Errorf("%s: %+v", alias, got)
		}
	}
	if out.Source != dir+" (export of "+socCentral+")" || len(out.FailedTargets) != 0 {
		t.Errorf("deploy: %+v", out)
	}
	if all := strings.Join(msgs, "\n"); !strings.Contains(all, "(3 of 3)") || !strings.Contains(all, "deployed to ") {
		t.Errorf("progress: %q", msgs)
	}

	// Deployed: a second plan has nothing to do anywhere.
	p = pending{}
	env.CallOK("deploy_content", args).Decode(&p)
	for _, alias := range []string{dev, one, two} {
		if !strings.Contains(p.Plan, alias+": 0 to create, 0 to update (overwritten)") {
			t.Errorf("second plan for %s:\n%s", alias, p.Plan)
		}
	}
}

// callWithProgress calls a tool from a second client that asks for progress notifications, and waits
// (briefly) for at least want of them.
func callWithProgress(t *testing.T, env *toolsettest.Env, name string, args map[string]any, want int) (*mcp.CallToolResult, []string) {
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
	params.SetProgressToken("p-1")
	res, err := cs.CallTool(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
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
	return res, slices.Clone(msgs)
}
