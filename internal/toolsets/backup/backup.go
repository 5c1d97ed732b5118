// Package backup is the toolset that exports the content of a workspace to a git-friendly folder,
// restores it (into the same or another workspace) and deploys selected content to many workspaces
// and tenants, always with a plan first. Folders live under the configured export root
// (backup.dir); the tools cannot read or write anywhere else.
package backup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
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
const Name = "backup"

// Tools returns the toolset's tools. It only builds values: Deps may hold nil clients.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{listExports(d), exportWorkspace(d), restoreWorkspace(d), deployContent(d)}
}

var errNoAzure = errors.New("no Azure access is configured: configure azure.credential or run with --emulator")

func ready(d *toolkit.Deps) error {
	if d == nil || d.Registry == nil || d.Azure == nil {
		return errNoAzure
	}
	return nil
}

func root(d *toolkit.Deps) (string, error) {
	if d == nil || d.Config == nil {
		return "", errors.New("no export root is configured (backup.dir)")
	}
	return d.Config.BackupDir()
}

func maxBytes(d *toolkit.Deps) int {
	if n := d.Budget().MaxBytes; n > 0 {
		return n
	}
	return render.DefaultMaxBytes
}

func fanOut(d *toolkit.Deps, progress func(done, total int, last string)) fanout.Options {
	fo := d.Registry.FanOut()
	return fanout.Options{Concurrency: fo.Concurrency, PerTargetTimeout: fo.PerWorkspaceTimeout, Progress: progress}
}

func kindsArg(names []string) ([]snapshot.Kind, error) {
	if len(names) == 0 {
		return nil, nil
	}
	ks, err := snapshot.ParseKinds(names)
	if err != nil {
		return nil, toolkit.ArgError("kinds", "%v", err)
	}
	return ks, nil
}

type listIn struct{}

type exportRow struct {
	Dir       string `json:"dir"`
	Workspace string `json:"workspace"`
	Items     int    `json:"items"`
	Kinds     string `json:"kinds"`
}

type listOut struct {
	Root    string        `json:"root"`
	Exports []exportRow   `json:"exports"`
	Result  render.Result `json:"result"`
}

func listExports(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_exports",
		Description: "List the workspace exports in the export root: folder, source workspace, item counts by kind. Folders for restore_workspace, deploy_content and detect_drift.",
		Annotations: inventory.Annotations("List exports", inventory.ReadOnly|inventory.Idempotent),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, _ listIn) (*mcp.CallToolResult, listOut, error) {
		dir, err := root(d)
		if err != nil {
			return nil, listOut{}, err
		}
		infos, err := snapshot.ListExports(dir)
		if err != nil {
			return nil, listOut{}, fmt.Errorf("reading the export root %s: %v", dir, err)
		}
		out := listOut{Root: dir, Exports: []exportRow{}}
		t := &render.Table{Columns: []render.Column{{Name: "dir"}, {Name: "workspace"}, {Name: "items"}, {Name: "kinds"}}}
		for _, in := range infos {
			row := exportRow{Dir: in.Dir, Workspace: in.Source.Workspace, Items: in.Items, Kinds: kindCounts(in.Counts)}
			if in.Error != "" {
				row.Kinds = "unreadable: " + in.Error
			}
			out.Exports = append(out.Exports, row)
			t.Rows = append(t.Rows, []any{row.Dir, row.Workspace, row.Items, row.Kinds})
		}
		if len(infos) == 0 {
			return toolkit.Text(fmt.Sprintf("No exports in %s yet: export_workspace writes one.", dir)), out, nil
		}
		res, rep := d.Table(t, render.FormatTable, 0)
		out.Result = rep
		return res, out, nil
	})
}

func kindCounts(c map[snapshot.Kind]int) string {
	var parts []string
	for _, k := range snapshot.AllKinds() {
		if n := c[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
	}
	return strings.Join(parts, ", ")
}

type exportIn struct {
	Workspace string `json:"workspace,omitempty" jsonschema:"The workspace to export: alias tenant/workspace (e.g. contoso/contoso-prod), name, customer id or resource id. Or workspaces / tenant for several."`
	toolkit.WorkspacesArg
	toolkit.TenantArg
	Dir       string   `json:"dir,omitempty" jsonschema:"Folder under the export root to write (default tenant/workspace, e.g. contoso/contoso-prod). With several workspaces: the folder that gets one tenant/workspace folder each (default the export root)."`
	Kinds     []string `json:"kinds,omitempty" jsonschema:"Only these kinds: analytics_rule, automation_rule, watchlist, workbook, saved_search, table, dcr, setting, data_connector, workspace (default: all)."`
	Overwrite bool     `json:"overwrite,omitempty" jsonschema:"Replace an earlier export in the folder (its files that are no longer part of the export are removed; other files are never touched)."`
}

type exportOut struct {
	Tenant     string               `json:"tenant"`
	Workspace  string               `json:"workspace"`
	Dir        string               `json:"dir"`
	Path       string               `json:"path"`
	Items      int                  `json:"items"`
	Counts     map[string]int       `json:"counts"`
	Written    int                  `json:"files_written"`
	Changed    int                  `json:"files_changed"`
	Unchanged  int                  `json:"files_unchanged"`
	Removed    []string             `json:"files_removed,omitempty"`
	Overwrote  bool                 `json:"overwrote"`
	Redacted   []string             `json:"redacted,omitempty" jsonschema:"secret values left out of the export"`
	Incomplete []snapshot.KindError `json:"incomplete,omitempty" jsonschema:"kinds that could not be read (not in the export)"`
	// Exports are the workspaces of an export of several, each with its folder and files, or its error.
	Exports []snapshot.ExportResult `json:"exports,omitempty"`
	Failed  []string                `json:"failed_workspaces,omitempty" jsonschema:"workspaces of an export of several that could not be exported (completely)"`
}

func exportWorkspace(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name: "export_workspace",
		Description: "Export a workspace's content (analytics rules, automation rules, watchlists with items, workbooks, functions, tables, DCRs, connectors) to a folder " +
			"of YAML files with a manifest, for git and restore; several workspaces each to tenant/workspace. Secrets are never exported. An existing export is only replaced with overwrite.",
		Annotations: inventory.Annotations("Export a workspace", inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in exportIn) (*mcp.CallToolResult, exportOut, error) {
		if err := ready(d); err != nil {
			return nil, exportOut{}, err
		}
		base, err := root(d)
		if err != nil {
			return nil, exportOut{}, err
		}
		kinds, err := kindsArg(in.Kinds)
		if err != nil {
			return nil, exportOut{}, err
		}
		many := len(in.Workspaces) > 0 || in.Tenant != ""
		switch {
		case many && in.Workspace != "":
			return nil, exportOut{}, toolkit.ArgError("workspace", "give workspace (one) or workspaces/tenant (several), not both")
		case !many && strings.TrimSpace(in.Workspace) == "":
			return nil, exportOut{}, toolkit.ArgError("workspace", "is required (or workspaces, or tenant): the workspace to export")
		case many:
			return exportMany(ctx, d, req, in, base, kinds)
		}
		ws, err := d.Registry.Resolve(ctx, in.Workspace)
		if err != nil {
			return nil, exportOut{}, err
		}
		dir := in.Dir
		if strings.TrimSpace(dir) == "" {
			dir = ws.TenantAlias + "/" + ws.Name
		}
		rel, err := snapshot.CleanRel(dir)
		if err != nil {
			return nil, exportOut{}, toolkit.ArgError("dir", "%v", err)
		}
		if rel == "." {
			return nil, exportOut{}, toolkit.ArgError("dir", "name a folder under the export root, e.g. %s/%s", ws.TenantAlias, ws.Name)
		}
		progress := toolkit.NewProgress(req)
		snap, err := snapshot.Collect(ctx, d.Azure, ws, snapshot.CollectOptions{Kinds: kinds, Progress: func(msg string) { progress.Notify(ctx, msg) }})
		if err != nil {
			return nil, exportOut{}, toolkit.Unavailable("reading "+ws.Alias, err, "")
		}
		res, err := snapshot.WriteDir(base, rel, snap, snapshot.WriteOptions{Overwrite: in.Overwrite})
		if errors.Is(err, snapshot.ErrExists) {
			return nil, exportOut{}, toolkit.ArgError("dir", "%v", err)
		}
		if errors.Is(err, snapshot.ErrOutsideRoot) {
			return nil, exportOut{}, toolkit.ArgError("dir", "%v", err)
		}
		if err != nil {
			return nil, exportOut{}, fmt.Errorf("writing the export to %s: %v", filepath.Join(base, rel), err)
		}
		out := exportOut{Tenant: ws.TenantName, Workspace: ws.Alias, Dir: rel, Path: filepath.Join(base, filepath.FromSlash(rel)), Items: len(snap.Items),
			Counts: map[string]int{}, Written: len(res.Written), Changed: len(res.Changed), Unchanged: res.Unchanged, Removed: res.Removed,
			Overwrote: res.Overwrote, Redacted: snap.Notes, Incomplete: snap.Incomplete}
		for k, n := range snap.Counts() {
			out.Counts[string(k)] = n
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Exported %d item(s) of %s to %s (dir %q): %s.", out.Items, ws.Alias, out.Path, rel, kindCounts(snap.Counts()))
		fmt.Fprintf(&b, "\nFiles: %d new, %d changed, %d unchanged", out.Written, out.Changed, out.Unchanged)
		if len(res.Removed) > 0 {
			fmt.Fprintf(&b, ", %d removed (no longer in the workspace)", len(res.Removed))
		}
		b.WriteString(".")
		if res.Overwrote {
			b.WriteString("\nThe folder's previous export was replaced (overwrite).")
		}
		for _, n := range snap.Notes {
			b.WriteString("\nNot exported: " + n)
		}
		for _, e := range snap.Incomplete {
			fmt.Fprintf(&b, "\nNOT in the export (could not be read): %s: %s", e.Kind.Plural(), e.Error)
		}
		return toolkit.Text(b.String()), out, nil
	}, inventory.MaxLength("dir", 240))
}

// exportMany exports several workspaces, each to dir/tenant/workspace, through the fan-out executor.
func exportMany(ctx context.Context, d *toolkit.Deps, req *mcp.CallToolRequest, in exportIn, base string, kinds []snapshot.Kind) (*mcp.CallToolResult, exportOut, error) {
	under, err := snapshot.CleanRel(in.Dir)
	if err != nil {
		return nil, exportOut{}, toolkit.ArgError("dir", "%v", err)
	}
	wss, err := d.Registry.Select(ctx, tenancy.Selector{Workspaces: in.Workspaces, Tenant: in.Tenant})
	if err != nil {
		return nil, exportOut{}, err
	}
	if len(wss) == 0 {
		return nil, exportOut{}, toolkit.ArgError("workspaces", "selects no Sentinel workspace: list_workspaces shows them")
	}
	progress := toolkit.NewProgress(req)
	step := func(done, total int, last string) {
		progress.Step(ctx, done, total, fmt.Sprintf("exported %s (%d of %d)", last, done, total))
	}
	results := snapshot.ExportMany(ctx, d.Azure, wss, base, under, snapshot.CollectOptions{Kinds: kinds},
		snapshot.WriteOptions{Overwrite: in.Overwrite}, fanOut(d, step))
	out := exportOut{Dir: under, Path: filepath.Join(base, filepath.FromSlash(under)), Counts: map[string]int{}, Exports: results}
	var b strings.Builder
	fmt.Fprintf(&b, "Export of %d workspace(s) to %s:", len(results), out.Path)
	for _, r := range results {
		if r.Error != "" {
			out.Failed = append(out.Failed, r.Workspace)
			fmt.Fprintf(&b, "\n- %s: FAILED, not exported: %s", r.Workspace, r.Error)
			continue
		}
		if len(r.Incomplete) > 0 {
			out.Failed = append(out.Failed, r.Workspace)
		}
		w := r.Write
		out.Items += r.Items
		out.Written, out.Changed, out.Unchanged = out.Written+len(w.Written), out.Changed+len(w.Changed), out.Unchanged+w.Unchanged
		out.Overwrote = out.Overwrote || w.Overwrote
		fmt.Fprintf(&b, "\n- %s: %d item(s) to dir %q: %d file(s) new, %d changed, %d unchanged, %d removed", r.Workspace, r.Items, r.Dir,
			len(w.Written), len(w.Changed), w.Unchanged, len(w.Removed))
		for _, e := range r.Incomplete {
			fmt.Fprintf(&b, "\n  NOT in the export (could not be read): %s: %s", e.Kind.Plural(), e.Error)
		}
		out.Redacted = append(out.Redacted, r.Notes...)
	}
	if len(out.Redacted) > 0 {
		fmt.Fprintf(&b, "\nSecret values not exported: %d (listed in the structured result).", len(out.Redacted))
	}
	if len(out.Failed) > 0 {
		fmt.Fprintf(&b, "\n%d of %d workspace(s) could not be exported completely: export them again once the cause is fixed (the others are done).",
			len(out.Failed), len(results))
	}
	hard := 0
	for _, r := range results {
		if r.Error != "" {
			hard++
		}
	}
	if hard == len(results) {
		return nil, exportOut{}, errors.New(b.String())
	}
	text, _ := cutText(b.String(), maxBytes(d))
	return toolkit.Text(text), out, nil
}

// source reads the content to restore or deploy: an export folder or a workspace.
func source(ctx context.Context, d *toolkit.Deps, dir, ws string, kinds []snapshot.Kind) (*snapshot.Snapshot, *tenancy.Workspace, error) {
	switch {
	case dir != "" && ws != "":
		return nil, nil, toolkit.ArgError("from_dir", "give either from_dir or source_workspace, not both")
	case dir != "":
		base, err := root(d)
		if err != nil {
			return nil, nil, err
		}
		snap, err := snapshot.ReadDir(base, dir)
		if err != nil {
			return nil, nil, toolkit.ArgError("from_dir", "%v", err)
		}
		return snap, nil, nil
	case ws != "":
		w, err := d.Registry.Resolve(ctx, ws)
		if err != nil {
			return nil, nil, err
		}
		snap, err := snapshot.Collect(ctx, d.Azure, w, snapshot.CollectOptions{Kinds: kinds})
		if err != nil {
			return nil, nil, toolkit.Unavailable("reading the source "+w.Alias, err, "")
		}
		return snap, w, nil
	}
	return nil, nil, toolkit.ArgError("from_dir", "is required (or source_workspace): the export folder (list_exports) or workspace to take the content from")
}

// resultItems keeps the results worth listing (writes, failures, skips), failures first, at most n.
func resultItems(rs []snapshot.ItemResult, n int) ([]snapshot.ItemResult, bool) {
	var out []snapshot.ItemResult
	for _, r := range rs {
		if r.Status != snapshot.StatusUnchanged {
			out = append(out, r)
		}
	}
	snapshot.SortResults(out)
	if len(out) > n {
		return out[:n], true
	}
	return out, false
}

func sortedTargets(wss []*tenancy.Workspace) {
	sort.SliceStable(wss, func(i, j int) bool { return wss[i].Alias < wss[j].Alias })
}
