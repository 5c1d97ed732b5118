package backup

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// maxListed caps the per-item results in a structured output.
const maxListed = 200

type restoreIn struct {
	toolkit.WorkspaceArg
	FromDir         string   `json:"from_dir,omitempty" jsonschema:"Export folder to restore, relative to the export root (list_exports shows them)."`
	SourceWorkspace string   `json:"source_workspace,omitempty" jsonschema:"Or: a workspace whose current content is copied (instead of from_dir)."`
	Kinds           []string `json:"kinds,omitempty" jsonschema:"Only these kinds: analytics_rule, automation_rule, watchlist, workbook, saved_search, table, dcr, setting (default: all; data connectors and workspace settings are never restored)."`
	Names           []string `json:"names,omitempty" jsonschema:"Only items whose name, title or key matches one of these patterns (case-insensitive, * and ? wildcards)."`
}

type restoreOut struct {
	Tenant    string                `json:"tenant"`
	Workspace string                `json:"workspace"`
	Source    string                `json:"source"`
	Written   int                   `json:"written"`
	Failed    int                   `json:"failed"`
	Unchanged int                   `json:"unchanged"`
	Skipped   int                   `json:"skipped"`
	Items     []snapshot.ItemResult `json:"items" jsonschema:"written, failed and skipped items (failures first)"`
	More      bool                  `json:"more_items,omitempty"`
	Kept      []string              `json:"kept,omitempty" jsonschema:"items of the workspace that the source does not have: left as they are"`
}

func (in restoreIn) filter() (snapshot.Filter, error) {
	kinds, err := kindsArg(in.Kinds)
	return snapshot.Filter{Kinds: kinds, Names: in.Names}, err
}

// planRestore reads the source and the target and makes the plan (read-only).
func planRestore(ctx context.Context, d *toolkit.Deps, in restoreIn, progress func(string)) (*snapshot.Plan, *tenancy.Workspace, error) {
	if err := ready(d); err != nil {
		return nil, nil, err
	}
	f, err := in.filter()
	if err != nil {
		return nil, nil, err
	}
	ws, err := d.Registry.Resolve(ctx, in.Workspace)
	if err != nil {
		return nil, nil, err
	}
	src, _, err := source(ctx, d, in.FromDir, in.SourceWorkspace, f.Kinds)
	if err != nil {
		return nil, nil, err
	}
	if len(f.Select(src.Items)) == 0 {
		return nil, nil, toolkit.ArgError("names", "nothing in %s matches the kinds and names given (%d items in all)", src.Source, len(src.Items))
	}
	p, err := snapshot.PlanRestore(ctx, d.Azure, src, ws, snapshot.PlanOptions{Filter: f, Progress: progress})
	if err != nil {
		return nil, nil, toolkit.Unavailable("reading the current content of "+ws.Alias, err, "")
	}
	return p, ws, nil
}

func restoreWorkspace(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name: "restore_workspace",
		Description: "Restore content into a workspace from an export folder or another workspace: shows a plan (create, update, unchanged, skipped and why) " +
			"for confirmation, then writes it. Items match by name, template or title; nothing is deleted; a second run changes nothing.",
		Annotations: inventory.Annotations("Restore a workspace", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in restoreIn) (*mcp.CallToolResult, restoreOut, error) {
		progress := toolkit.NewProgress(req)
		p, ws, err := planRestore(ctx, d, in, func(msg string) { progress.Notify(ctx, msg) })
		if err != nil {
			return nil, restoreOut{}, err
		}
		results := p.Apply(ctx, func(done, total int, msg string) { progress.Step(ctx, done, total, msg) })
		tr := snapshot.NewTargetResult(ws, results, nil)
		out := restoreOut{Tenant: ws.TenantName, Workspace: ws.Alias, Source: p.Source.String(), Written: tr.Written, Failed: tr.Failed,
			Unchanged: tr.Unchanged, Skipped: tr.Skipped, Kept: p.Kept}
		out.Items, out.More = resultItems(results, maxListed)
		text := "Restore from " + p.Source.String() + " into " + snapshot.ResultsText(ws.Alias, results, 40)
		if len(p.Kept) > 0 {
			text += fmt.Sprintf("\nKept as they are (not in the source): %d item(s).", len(p.Kept))
		}
		if tr.Failed > 0 {
			text += "\nThe failed items were not written; the others were. Fix the cause and restore again: what is already done stays unchanged."
		}
		return toolkit.Text(text), out, nil
	}, inventory.Plan(func(ctx context.Context, in restoreIn) (string, error) {
		p, _, err := planRestore(ctx, d, in, nil)
		if err != nil {
			return "", err
		}
		return p.Text(40), nil
	}))
}

type deployIn struct {
	toolkit.WorkspacesArg
	toolkit.TenantArg
	FromDir         string   `json:"from_dir,omitempty" jsonschema:"Export folder with the content to deploy, relative to the export root (list_exports)."`
	SourceWorkspace string   `json:"source_workspace,omitempty" jsonschema:"Or: a workspace whose content is deployed (instead of from_dir)."`
	Kinds           []string `json:"kinds,omitempty" jsonschema:"Kinds to deploy (default analytics_rule and watchlist; also automation_rule, saved_search, workbook, table, dcr, setting)."`
	Names           []string `json:"names,omitempty" jsonschema:"Only items whose name, title or key matches one of these patterns (case-insensitive, * and ? wildcards)."`
	Tags            []string `json:"tags,omitempty" jsonschema:"Only items with one of these tags: watchlist labels, saved search and workbook tags, rule tactics and techniques."`
}

type deployOut struct {
	Source  string                  `json:"source"`
	Targets []snapshot.TargetResult `json:"targets"`
	Written int                     `json:"written"`
	Failed  int                     `json:"failed" jsonschema:"items that failed, in all targets"`
	// FailedTargets are the workspaces that could not be planned or reached at all.
	FailedTargets []string `json:"failed_targets,omitempty"`
}

func (in deployIn) filter() (snapshot.Filter, error) {
	kinds, err := kindsArg(in.Kinds)
	if len(in.Kinds) == 0 {
		kinds = []snapshot.Kind{snapshot.KindAnalyticsRule, snapshot.KindWatchlist}
	}
	return snapshot.Filter{Kinds: kinds, Names: in.Names, Tags: in.Tags}, err
}

// planDeploy reads the source and plans every target (read-only).
func planDeploy(ctx context.Context, d *toolkit.Deps, in deployIn, progress *toolkit.Progress) (*snapshot.Snapshot, []snapshot.TargetPlan, error) {
	if err := ready(d); err != nil {
		return nil, nil, err
	}
	f, err := in.filter()
	if err != nil {
		return nil, nil, err
	}
	src, srcWS, err := source(ctx, d, in.FromDir, in.SourceWorkspace, f.Kinds)
	if err != nil {
		return nil, nil, err
	}
	if n := len(f.Select(src.Items)); n == 0 {
		return nil, nil, toolkit.ArgError("names", "nothing in %s matches the kinds, names and tags given (%d items in all)", src.Source, len(src.Items))
	}
	if len(in.Workspaces) == 0 && in.Tenant == "" {
		return nil, nil, toolkit.ArgError("workspaces", "name the target workspaces (aliases from list_workspaces), a tenant, or [\"all\"]")
	}
	all, err := d.Registry.Select(ctx, tenancy.Selector{Workspaces: in.Workspaces, Tenant: in.Tenant})
	if err != nil {
		return nil, nil, err
	}
	targets := tenancy.Without(all, srcWS)
	if len(targets) == 0 {
		return nil, nil, toolkit.ArgError("workspaces", "selects only the source workspace: name the workspaces to deploy to")
	}
	sortedTargets(targets)
	var step func(done, total int, last string)
	if progress != nil {
		step = func(done, total int, last string) {
			progress.Step(ctx, done, total, fmt.Sprintf("planned %s (%d of %d)", last, done, total))
		}
	}
	plans := snapshot.PlanMany(ctx, d.Azure, src, targets, snapshot.PlanOptions{Filter: f}, fanOut(d, step))
	return src, plans, nil
}

func deployText(src *snapshot.Snapshot, plans []snapshot.TargetPlan, budget int) string {
	var b strings.Builder
	ok := 0
	for _, tp := range plans {
		if tp.Err == nil {
			ok++
		}
	}
	fmt.Fprintf(&b, "Deploy from %s to %d workspace(s)", src.Source, len(plans))
	if ok < len(plans) {
		fmt.Fprintf(&b, " (%d could not be planned and would not be written)", len(plans)-ok)
	}
	b.WriteString(":")
	lines := 40
	if len(plans) > 4 {
		lines = max(3, 160/len(plans))
	}
	for _, tp := range plans {
		if tp.Err != nil {
			fmt.Fprintf(&b, "\n\n%s: FAILED, not deployed: %v", tp.Workspace.Alias, tp.Err)
			continue
		}
		text := tp.Plan.Text(lines)
		if b.Len()+len(text) > budget {
			fmt.Fprintf(&b, "\n\n%s: %d to create, %d to update (details cut to fit)", tp.Workspace.Alias, tp.Plan.Counts()[snapshot.ActCreate], tp.Plan.Counts()[snapshot.ActUpdate])
			continue
		}
		b.WriteString("\n\n" + strings.Replace(text, "Restore from "+src.Source.String()+" into ", "", 1))
	}
	return b.String()
}

func deployContent(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name: "deploy_content",
		Description: "Deploy analytics rules and watchlists (or other kinds), selected by name, kind or tag, from an export folder or a source workspace to many workspaces and tenants: " +
			"a plan per target for confirmation, then the writes, with results per target.",
		Annotations: inventory.Annotations("Deploy content to workspaces", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in deployIn) (*mcp.CallToolResult, deployOut, error) {
		progress := toolkit.NewProgress(req)
		src, plans, err := planDeploy(ctx, d, in, progress)
		if err != nil {
			return nil, deployOut{}, err
		}
		step := func(done, total int, last string) {
			progress.Step(ctx, done, total, fmt.Sprintf("deployed to %s (%d of %d)", last, done, total))
		}
		results := snapshot.ApplyMany(ctx, plans, fanOut(d, step))
		out := deployOut{Source: src.Source.String()}
		var b strings.Builder
		fmt.Fprintf(&b, "Deploy from %s to %d workspace(s):", src.Source, len(results))
		per := max(3, 120/max(1, len(results)))
		for _, r := range results {
			out.Written += r.Written
			out.Failed += r.Failed
			if r.Error != "" {
				out.FailedTargets = append(out.FailedTargets, r.Workspace)
				fmt.Fprintf(&b, "\n\n%s: FAILED, nothing deployed: %s", r.Workspace, r.Error)
			} else {
				b.WriteString("\n\n" + snapshot.ResultsText(r.Workspace, r.Items, per))
			}
			r.Items, _ = resultItems(r.Items, max(10, maxListed/max(1, len(results))))
			out.Targets = append(out.Targets, r)
		}
		if len(out.FailedTargets) > 0 {
			fmt.Fprintf(&b, "\n\n%d of %d workspace(s) failed: deploy again to them once the cause is fixed (the others are done and stay unchanged).",
				len(out.FailedTargets), len(results))
		}
		text, _ := cutText(b.String(), maxBytes(d))
		return toolkit.Text(text), out, nil
	}, inventory.Plan(func(ctx context.Context, in deployIn) (string, error) {
		src, plans, err := planDeploy(ctx, d, in, nil)
		if err != nil {
			return "", err
		}
		return deployText(src, plans, maxBytes(d)/2), nil
	}))
}

// cutText keeps s within n bytes (on a line boundary), saying so.
func cutText(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	cut := s[:n-120]
	if i := strings.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i]
	}
	return cut + "\n... (cut to fit the result size; the structured result has every target's counts)", true
}
