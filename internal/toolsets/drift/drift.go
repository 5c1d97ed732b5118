// Package drift is the toolset that compares the content of workspaces (analytics rules and their
// settings, automation rules, watchlists, tables and retention, data connectors, ...) with a
// baseline: another workspace or an export folder. It is read-only.
package drift

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "drift"

// Tools returns the toolset's tools. It only builds values: Deps may hold nil clients.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{detectDrift(d)}
}

type driftIn struct {
	BaselineWorkspace string `json:"baseline_workspace,omitempty" jsonschema:"The reference workspace (alias, name, customer id or resource id). Give this or baseline_dir."`
	BaselineDir       string `json:"baseline_dir,omitempty" jsonschema:"An export folder to compare against instead, relative to the export root (list_exports shows them)."`
	toolkit.WorkspacesArg
	toolkit.TenantArg
	Kinds  []string `json:"kinds,omitempty" jsonschema:"Only these kinds: analytics_rule, automation_rule, watchlist, workbook, saved_search, table, dcr, setting, data_connector, workspace (default: all)."`
	Ignore []string `json:"ignore,omitempty" jsonschema:"Differences to ignore: a kind (data_connector), kind:name pattern (analytics_rule:Test*), field:path pattern (field:description, analytics_rule.field:severity)."`
}

type driftOut struct {
	snapshot.DriftReport
	Differences int `json:"differences"`
}

func detectDrift(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name: "detect_drift",
		Description: "Compare workspaces' content with a baseline workspace or export folder: analytics rules (missing, extra, enabled, query, threshold, schedule), " +
			"automation rules, watchlists and their items, tables and retention, workbooks, functions, DCRs, data connectors. Lists each difference per workspace.",
		Annotations: inventory.Annotations("Detect configuration drift", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in driftIn) (*mcp.CallToolResult, driftOut, error) {
		if d.Registry == nil || d.Azure == nil {
			return nil, driftOut{}, errors.New("no Azure access is configured: configure azure.credential or run with --emulator")
		}
		kinds, err := snapshot.ParseKinds(in.Kinds)
		if err != nil {
			return nil, driftOut{}, toolkit.ArgError("kinds", "%v", err)
		}
		if len(in.Kinds) == 0 {
			kinds = nil
		}
		ig, err := snapshot.ParseIgnore(in.Ignore)
		if err != nil {
			return nil, driftOut{}, toolkit.ArgError("ignore", "%v", err)
		}
		switch {
		case in.BaselineWorkspace != "" && in.BaselineDir != "":
			return nil, driftOut{}, toolkit.ArgError("baseline_dir", "give either baseline_workspace or baseline_dir, not both")
		case in.BaselineWorkspace == "" && in.BaselineDir == "":
			return nil, driftOut{}, toolkit.ArgError("baseline_workspace", "is required (or baseline_dir): the workspace or export folder the others are compared with")
		}
		progress := toolkit.NewProgress(req)
		sel := in.Workspaces
		if len(sel) == 0 && in.Tenant == "" {
			sel = []string{"all"}
		}
		targets, notOnboarded, err := snapshot.Targets(ctx, d.Registry, sel, in.Tenant)
		if err != nil {
			return nil, driftOut{}, err
		}
		// The selection is checked before the baseline is read: a bad call fails fast.
		var baseWS *tenancy.Workspace
		if in.BaselineWorkspace != "" && in.BaselineDir == "" {
			if baseWS, err = d.Registry.Resolve(ctx, in.BaselineWorkspace); err != nil {
				return nil, driftOut{}, err
			}
		}
		others := tenancy.Without(targets, baseWS)
		if len(others) == 0 {
			return nil, driftOut{}, toolkit.ArgError("workspaces", "selects only the baseline itself: name the workspaces to compare with it (or [\"all\"])")
		}
		base, err := baseline(ctx, d, in, baseWS, kinds)
		if err != nil {
			return nil, driftOut{}, err
		}
		fo := d.Registry.FanOut()
		rep := snapshot.RunDrift(ctx, d.Azure, base, others, snapshot.DriftOptions{Kinds: kinds, Ignore: ig, NotOnboarded: notOnboarded,
			FanOut: fanout.Options{Concurrency: fo.Concurrency, PerTargetTimeout: fo.PerWorkspaceTimeout},
			Progress: func(done, total int, last string) {
				progress.Step(ctx, done, total, fmt.Sprintf("compared %s (%d of %d)", last, done, total))
			}})
		if len(rep.Workspaces) == 0 && len(rep.Failed) > 0 {
			var msgs []string
			for _, f := range rep.Failed {
				msgs = append(msgs, f.Workspace+": "+f.Error)
			}
			return nil, driftOut{}, fmt.Errorf("no workspace could be compared:\n%s", strings.Join(msgs, "\n"))
		}
		budget := d.Budget().MaxBytes
		if budget <= 0 {
			budget = render.DefaultMaxBytes
		}
		text, shown := rep.Render(budget)
		return toolkit.Text(text), driftOut{DriftReport: *shown, Differences: rep.Differences()}, nil
	})
}

// baseline reads the reference: a workspace's content or an export folder.
func baseline(ctx context.Context, d *toolkit.Deps, in driftIn, ws *tenancy.Workspace, kinds []snapshot.Kind) (*snapshot.Snapshot, error) {
	if ws != nil {
		snap, err := snapshot.Collect(ctx, d.Azure, ws, snapshot.CollectOptions{Kinds: kinds})
		if err != nil {
			return nil, toolkit.Unavailable("reading the baseline "+ws.Alias, err, "")
		}
		return snap, nil
	}
	root, err := d.Config.BackupDir()
	if err != nil {
		return nil, err
	}
	snap, err := snapshot.ReadDir(root, in.BaselineDir)
	if err != nil {
		return nil, toolkit.ArgError("baseline_dir", "%v", err)
	}
	return snap, nil
}
