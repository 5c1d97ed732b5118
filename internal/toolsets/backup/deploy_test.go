package backup_test

import (
	"context"
	"strings"
	"testing"

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

// Deploy rules and watchlists to four workspaces in four tenants, one of which fails at Azure: the
// plan and the results say so, the others are deployed, and a second deploy once the tenant is back
// completes it without touching the rest.
func TestDeployAcrossTenantsWithOneFailing(t *testing.T) {
	env := start(t, envOptions{writes: true, extra: 3})
	c := populate(t, env, socCentral)
	if _, err := env.Registry.Workspaces(context.Background()); err != nil { // discovery before the fault
		t.Fatal(err)
	}
	broken := world.ExtraWorkspace(2).Alias()
	id, err := env.Emulator.Faults().Add(emulator.Fault{Route: "arm", Tenant: world.ExtraTenant(2).ID, Status: 500})
	if err != nil {
		t.Fatal(err)
	}
	targets := []string{world.ExtraWorkspace(1).Alias(), broken, world.ExtraWorkspace(3).Alias(), prod}
	args := map[string]any{"source_workspace": socCentral, "workspaces": targets}
	res := confirmed(t, env, "deploy_content", args, "Deploy from "+socCentral+" to 4 workspace(s) (1 could not be planned",
		broken+": FAILED", world.ExtraWorkspace(1).Alias()+": 4 to create", prod+": 4 to create", `create watchlist "High value assets" with 3 rows`)
	var out deployOut
	res.Decode(&out)
	if len(out.Targets) != 4 || out.Written != 12 || out.Failed != 0 || len(out.FailedTargets) != 1 || out.FailedTargets[0] != broken {
		t.Fatalf("deploy: %+v\n%s", out, res.Text)
	}
	for _, tr := range out.Targets {
		if tr.Workspace == broken && (tr.Error == "" || tr.Written != 0) {
			t.Errorf("the failing target: %+v", tr)
		}
	}
	if !strings.Contains(res.Text, broken+": FAILED, nothing deployed") || !strings.Contains(res.Text, "1 of 4 workspace(s) failed") {
		t.Errorf("result text:\n%s", res.Text)
	}
	var d driftOut
	env.CallOK("detect_drift", map[string]any{"baseline_workspace": socCentral, "workspaces": targets, "kinds": []string{"analytics_rule", "watchlist"}}).Decode(&d)
	if d.Differences != 0 || len(d.Workspaces) != 3 || len(d.Failed) != 1 || d.Failed[0].Workspace != broken {
		t.Fatalf("drift after the deploy: %+v", d)
	}

	env.Emulator.Faults().Remove(id)
	args["names"] = []string{"*"} // the same selection, other arguments: a fresh confirmation token
	res = confirmed(t, env, "deploy_content", args, broken+": 4 to create", world.ExtraWorkspace(1).Alias()+": 0 to create, 0 to update (overwritten), 4 unchanged")
	var second deployOut
	res.Decode(&second)
	if second.Written != 4 || len(second.FailedTargets) != 0 {
		t.Fatalf("second deploy: %+v\n%s", second, res.Text)
	}

	// Selection by tag and kind: only the watchlist labelled tier0.
	res = confirmed(t, env, "deploy_content", map[string]any{"source_workspace": socCentral, "workspaces": []string{world.MustWorkspace(world.WSContosoDev).Alias()},
		"kinds": []string{"watchlist", "analytics_rule"}, "tags": []string{"TIER0"}}, "1 to create", `create watchlist "High value assets"`)
	var byTag deployOut
	res.Decode(&byTag)
	if byTag.Written != 1 {
		t.Errorf("deploy by tag: %+v", byTag)
	}
	if msg := confirmed(t, env, "deploy_content", map[string]any{"source_workspace": socCentral, "workspaces": []string{prod}, "names": []string{c.CustomRule + "x"}},
		"could not be prepared"); !msg.IsError || !strings.Contains(msg.Text, "nothing in") {
		t.Errorf("no match: %s", msg.Text)
	}
	if msg := confirmed(t, env, "deploy_content", map[string]any{"source_workspace": socCentral, "workspaces": []string{socCentral}}, "could not be prepared"); !msg.IsError ||
		!strings.Contains(msg.Text, "only the source workspace") {
		t.Errorf("deploy to itself: %s", msg.Text)
	}
}
