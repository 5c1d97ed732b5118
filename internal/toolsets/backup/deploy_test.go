package backup_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
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
