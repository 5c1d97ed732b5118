package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// The content commands run what the drift and backup toolsets do, for cron jobs and CI: the same
// collection, comparison, plans and writes (internal/snapshot), the same fan-out over workspaces, the
// configured tenant allow-list. They exit with exitFindings when there is something to act on
// (differences, or changes a plan would make), so a pipeline can fail on drift.

// exitFindings is the exit code of drift with differences, and of restore/deploy plans that would
// change something (without --yes).
const exitFindings = 3

// findingsError carries the exit code of a command that ran and found something.
type findingsError struct{ msg string }

func (f findingsError) Error() string { return f.msg }

func init() {
	commandHelp["drift"] = `Usage: sentinel-mcp drift (--baseline WORKSPACE | --baseline-dir DIR) [--workspaces all] [flags]

Compares the content of workspaces (analytics rules and their settings, automation rules, watchlists
and items, tables and retention, workbooks, functions, DCRs, data connectors, Sentinel settings) with
a baseline workspace or an export folder, and prints each difference.
Exit codes: 0 no differences, 3 differences found, 1 a workspace could not be compared (the others
are reported), 2 usage.

  sentinel-mcp drift --baseline woodgrove/soc-central --workspaces all
  sentinel-mcp drift --baseline-dir ./exports/soc-central --tenant contoso --ignore data_connector --json

  --baseline WORKSPACE    the reference workspace (alias, name, customer id or resource id)
  --baseline-dir DIR      or: an export folder (sentinel-mcp export writes one)
  --workspaces LIST       workspaces to compare, comma-separated, or all (default: all)
  --tenant TENANT         only this tenant's workspaces
  --kinds LIST            only these kinds (analytics_rule, automation_rule, watchlist, ...)
  --ignore LIST           kind, kind:name-pattern or field:path-pattern entries to ignore
  --json                  print the report as JSON
`
	commandHelp["export"] = `Usage: sentinel-mcp export (--workspace WORKSPACE | --workspaces LIST | --tenant TENANT) --dir DIR [--overwrite] [flags]

Writes a workspace's content to DIR as YAML files with a manifest (one file per item, stable names and
formatting; secrets are never exported). A folder that is not empty is only written into with
--overwrite, which replaces the previous export's files and removes those no longer part of it.
With --workspaces or --tenant, every workspace is exported concurrently to DIR/<tenant>/<workspace>
(a nightly backup of every customer); one that fails is reported and the others are still exported.
Exit codes: 0 exported, 1 a workspace (or a kind of its content) could not be exported, 2 usage.

  sentinel-mcp export --workspaces all --dir ./backups --overwrite

  --workspace WORKSPACE   the workspace to export
  --workspaces LIST       or: several workspaces, comma-separated, or all
  --tenant TENANT         or: every workspace of a tenant
  --dir DIR               the folder to write (created if needed)
  --kinds LIST            only these kinds
  --overwrite             replace an earlier export in DIR (in each workspace's folder)
`
	commandHelp["restore"] = `Usage: sentinel-mcp restore --workspace WORKSPACE (--from-dir DIR | --source-workspace WORKSPACE) [--yes] [flags]

Plans restoring content into a workspace (what is created, updated, unchanged or skipped, and why)
and prints the plan; with --yes it then writes it. Nothing is deleted; a second run changes nothing.
Exit codes: 0 nothing to change (or all written), 3 changes planned but not applied (no --yes),
1 an item failed, 2 usage.

  --workspace WORKSPACE          the target
  --from-dir DIR                 an export folder
  --source-workspace WORKSPACE   or: a workspace whose content is copied
  --kinds LIST, --names LIST     what to restore (names: patterns of titles, keys or names)
  --yes                          apply the plan
`
	commandHelp["deploy"] = `Usage: sentinel-mcp deploy (--from-dir DIR | --source-workspace WORKSPACE) --workspaces LIST [--yes] [flags]

Plans deploying content (by default analytics rules and watchlists) to many workspaces and tenants,
prints the plan per target and, with --yes, applies it. A target that fails is reported and the others
are still deployed.
Exit codes: 0 nothing to change (or all written), 3 changes planned but not applied (no --yes),
1 a target or an item failed, 2 usage.

  --from-dir DIR                 an export folder
  --source-workspace WORKSPACE   or: a workspace whose content is deployed
  --workspaces LIST              targets, comma-separated, or all
  --tenant TENANT                or: every workspace of a tenant
  --kinds LIST, --names LIST, --tags LIST   what to deploy
  --yes                          apply the plans
`
}

// contentEnv is what a content command runs with.
type contentEnv struct {
	cfg    *config.Config
	logger *slog.Logger
	emu    *emulator.Emulator
	reg    *tenancy.Registry
	az     *azure.Provider
}

func (e *contentEnv) Close() {
	if e.emu != nil {
		e.emu.HTTPClient().CloseIdleConnections() // an idle client connection would hold the shutdown
		_ = e.emu.Close()
	}
}

func (e *contentEnv) fanOut(progress func(done, total int, last string)) fanout.Options {
	fo := e.reg.FanOut()
	return fanout.Options{Concurrency: fo.Concurrency, PerTargetTimeout: fo.PerWorkspaceTimeout, Progress: progress}
}

func (e *contentEnv) progress(what string) func(done, total int, last string) {
	return func(done, total int, last string) { e.logger.Debug(what, "workspace", last, "done", done, "of", total) }
}

func openContentEnv(ctx context.Context, cfg *config.Config, stderr io.Writer) (*contentEnv, error) {
	e := &contentEnv{cfg: cfg, logger: newLogger(cfg, stderr)}
	if cfg.Emulator.Enabled {
		emu, err := startEmulator(cfg, e.logger)
		if err != nil {
			return nil, err
		}
		e.emu = emu
	}
	deps := &toolkit.Deps{Config: cfg, Logger: e.logger}
	if _, err := connectAzure(ctx, cfg, e.emu, deps, e.logger); err != nil {
		e.Close()
		return nil, err
	}
	e.reg, e.az = deps.Registry, deps.Azure
	return e, nil
}

// listFlag is a comma-separated list flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func kindsFlag(l listFlag) ([]snapshot.Kind, error) {
	if len(l) == 0 {
		return nil, nil
	}
	ks, err := snapshot.ParseKinds(l)
	if err != nil {
		return nil, usageError{fmt.Errorf("--kinds: %v", err)}
	}
	return ks, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func runDrift(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var baseline, baselineDir, tenant string
	var workspaces, kinds, ignore listFlag
	var asJSON bool
	cfg, err := parseFlags("drift", args, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&baseline, "baseline", "", "")
		fs.StringVar(&baselineDir, "baseline-dir", "", "")
		fs.Var(&workspaces, "workspaces", "")
		fs.StringVar(&tenant, "tenant", "", "")
		fs.Var(&kinds, "kinds", "")
		fs.Var(&ignore, "ignore", "")
		fs.BoolVar(&asJSON, "json", false, "")
	})
	if err != nil {
		return err
	}
	if (baseline == "") == (baselineDir == "") {
		return usageError{errors.New("give --baseline (a workspace) or --baseline-dir (an export folder)")}
	}
	ks, err := kindsFlag(kinds)
	if err != nil {
		return err
	}
	ig, err := snapshot.ParseIgnore(ignore)
	if err != nil {
		return usageError{fmt.Errorf("--ignore: %v", err)}
	}
	e, err := openContentEnv(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer e.Close()
	var baseWS *tenancy.Workspace
	if baseline != "" {
		if baseWS, err = e.reg.Resolve(ctx, baseline); err != nil {
			return usageError{err}
		}
	}
	if len(workspaces) == 0 && tenant == "" {
		workspaces = listFlag{"all"}
	}
	targets, notOnboarded, err := snapshot.Targets(ctx, e.reg, workspaces, tenant)
	if err != nil {
		return usageError{err}
	}
	others := tenancy.Without(targets, baseWS)
	if len(others) == 0 {
		return usageError{errors.New("the selection holds only the baseline: name other workspaces")}
	}
	var base *snapshot.Snapshot
	if baseWS == nil {
		if base, err = snapshot.ReadDir(baselineDir, "."); err != nil {
			return fmt.Errorf("reading the baseline: %w", err)
		}
	} else if base, err = snapshot.Collect(ctx, e.az, baseWS, snapshot.CollectOptions{Kinds: ks}); err != nil {
		return fmt.Errorf("reading the baseline %s: %w", baseWS.Alias, err)
	}
	rep := snapshot.RunDrift(ctx, e.az, base, others, snapshot.DriftOptions{Kinds: ks, Ignore: ig, NotOnboarded: notOnboarded,
		FanOut: e.fanOut(e.progress("compared"))})
	if asJSON {
		if err := writeJSON(stdout, struct {
			*snapshot.DriftReport
			Differences int `json:"differences"`
		}{rep, rep.Differences()}); err != nil {
			return err
		}
	} else {
		text, _ := rep.Render(0)
		fmt.Fprintln(stdout, text)
	}
	switch {
	case len(rep.Failed) > 0:
		// The others are reported above; a workspace that could not be compared fails the run (README).
		return fmt.Errorf("%d difference(s) found; %d of %d workspace(s) could not be compared", rep.Differences(), len(rep.Failed),
			len(rep.Failed)+len(rep.Workspaces))
	case rep.Differences() > 0:
		return findingsError{fmt.Sprintf("%d difference(s) found", rep.Differences())}
	}
	return nil
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var workspace, dir, tenant string
	var kinds, workspaces listFlag
	var overwrite bool
	cfg, err := parseFlags("export", args, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&workspace, "workspace", "", "")
		fs.Var(&workspaces, "workspaces", "")
		fs.StringVar(&tenant, "tenant", "", "")
		fs.StringVar(&dir, "dir", "", "")
		fs.Var(&kinds, "kinds", "")
		fs.BoolVar(&overwrite, "overwrite", false, "")
	})
	if err != nil {
		return err
	}
	many := len(workspaces) > 0 || tenant != ""
	if workspace == "" && !many || dir == "" {
		return usageError{errors.New("give --workspace (or --workspaces, --tenant) and --dir")}
	}
	if workspace != "" && many {
		return usageError{errors.New("give --workspace or --workspaces/--tenant, not both")}
	}
	ks, err := kindsFlag(kinds)
	if err != nil {
		return err
	}
	e, err := openContentEnv(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer e.Close()
	if many {
		return e.exportMany(ctx, workspaces, tenant, dir, ks, overwrite, stdout)
	}
	ws, err := e.reg.Resolve(ctx, workspace)
	if err != nil {
		return usageError{err}
	}
	snap, err := snapshot.Collect(ctx, e.az, ws, snapshot.CollectOptions{Kinds: ks, Progress: func(msg string) { e.logger.Debug(msg) }})
	if err != nil {
		return err
	}
	res, err := snapshot.WriteDir(dir, ".", snap, snapshot.WriteOptions{Overwrite: overwrite})
	if errors.Is(err, snapshot.ErrExists) {
		return usageError{fmt.Errorf("%s: %v", dir, strings.Replace(err.Error(), "pass overwrite", "pass --overwrite", 1))}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Exported %d item(s) of %s to %s: %d file(s) new, %d changed, %d unchanged, %d removed.\n",
		len(snap.Items), ws.Alias, dir, len(res.Written), len(res.Changed), res.Unchanged, len(res.Removed))
	for _, n := range snap.Notes {
		fmt.Fprintln(stdout, "Not exported: "+n)
	}
	if len(snap.Incomplete) > 0 {
		for _, k := range snap.Incomplete {
			fmt.Fprintf(stdout, "NOT in the export (could not be read): %s: %s\n", k.Kind.Plural(), k.Error)
		}
		return fmt.Errorf("%d kind(s) could not be read: the export is incomplete", len(snap.Incomplete))
	}
	return nil
}

// exportMany exports several workspaces, each to dir/<tenant>/<workspace>.
func (e *contentEnv) exportMany(ctx context.Context, workspaces []string, tenant, dir string, kinds []snapshot.Kind, overwrite bool, stdout io.Writer) error {
	wss, err := e.reg.Select(ctx, tenancy.Selector{Workspaces: workspaces, Tenant: tenant})
	if err != nil {
		return usageError{err}
	}
	if len(wss) == 0 {
		return errors.New("no Sentinel workspaces selected")
	}
	results := snapshot.ExportMany(ctx, e.az, wss, dir, "", snapshot.CollectOptions{Kinds: kinds}, snapshot.WriteOptions{Overwrite: overwrite},
		e.fanOut(e.progress("exported")))
	failed := 0
	fmt.Fprintf(stdout, "Export of %d workspace(s) to %s:\n", len(results), dir)
	for _, r := range results {
		switch {
		case r.Error != "":
			failed++
			fmt.Fprintf(stdout, "\n%s: FAILED, not exported: %s\n", r.Workspace, strings.Replace(r.Error, "pass overwrite", "pass --overwrite", 1))
			continue
		case len(r.Incomplete) > 0:
			failed++
		}
		w := r.Write
		fmt.Fprintf(stdout, "\n%s: %d item(s) to %s: %d file(s) new, %d changed, %d unchanged, %d removed.\n", r.Workspace, r.Items, r.Dir,
			len(w.Written), len(w.Changed), w.Unchanged, len(w.Removed))
		for _, n := range r.Notes {
			fmt.Fprintln(stdout, "  Not exported: "+n)
		}
		for _, k := range r.Incomplete {
			fmt.Fprintf(stdout, "  NOT in the export (could not be read): %s: %s\n", k.Kind.Plural(), k.Error)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d workspace(s) could not be exported completely", failed, len(results))
	}
	return nil
}

// source reads the content a restore or deploy takes: a folder or a workspace.
func (e *contentEnv) source(ctx context.Context, dir, workspace string, kinds []snapshot.Kind) (*snapshot.Snapshot, *tenancy.Workspace, error) {
	switch {
	case (dir == "") == (workspace == ""):
		return nil, nil, usageError{errors.New("give --from-dir (an export folder) or --source-workspace")}
	case dir != "":
		snap, err := snapshot.ReadDir(dir, ".")
		if err != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", dir, err)
		}
		return snap, nil, nil
	}
	ws, err := e.reg.Resolve(ctx, workspace)
	if err != nil {
		return nil, nil, usageError{err}
	}
	snap, err := snapshot.Collect(ctx, e.az, ws, snapshot.CollectOptions{Kinds: kinds})
	if err != nil {
		return nil, nil, fmt.Errorf("reading the source %s: %w", ws.Alias, err)
	}
	return snap, ws, nil
}

// auditCLI records the writes of a restore or deploy command in the audit log.
func (e *contentEnv) auditCLI(cmd string, args []string, targets []*tenancy.Workspace, changes *audit.Changes, failed bool, dur time.Duration) error {
	path, err := e.cfg.AuditPath()
	if err != nil {
		return err
	}
	log := audit.New(path)
	defer log.Close()
	var id [8]byte
	_, _ = rand.Read(id[:])
	argv, _ := json.Marshal(map[string]any{"argv": args})
	r := &audit.Record{Phase: audit.PhaseResult, CorrelationID: "cli-" + hex.EncodeToString(id[:]), Client: "sentinel-mcp " + cmd,
		Tool: cmd, Toolset: "cli", Write: true, Destructive: true, Arguments: audit.Redact(argv), Outcome: audit.OutcomeOK,
		DurationMS: float64(dur.Microseconds()) / 1000, Changes: changes.List()}
	if failed {
		r.Outcome = audit.OutcomeError
	}
	for _, ws := range targets {
		r.Tenants = append(r.Tenants, ws.TenantID)
		r.Workspaces = append(r.Workspaces, ws.Alias)
	}
	return log.Write(r)
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var workspace, fromDir, sourceWS string
	var kinds, names listFlag
	var yes bool
	cfg, err := parseFlags("restore", args, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&workspace, "workspace", "", "")
		fs.StringVar(&fromDir, "from-dir", "", "")
		fs.StringVar(&sourceWS, "source-workspace", "", "")
		fs.Var(&kinds, "kinds", "")
		fs.Var(&names, "names", "")
		fs.BoolVar(&yes, "yes", false, "")
	})
	if err != nil {
		return err
	}
	if workspace == "" {
		return usageError{errors.New("give --workspace, the workspace to restore into")}
	}
	ks, err := kindsFlag(kinds)
	if err != nil {
		return err
	}
	e, err := openContentEnv(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer e.Close()
	ws, err := e.reg.Resolve(ctx, workspace)
	if err != nil {
		return usageError{err}
	}
	src, _, err := e.source(ctx, fromDir, sourceWS, ks)
	if err != nil {
		return err
	}
	f := snapshot.Filter{Kinds: ks, Names: names}
	if len(f.Select(src.Items)) == 0 {
		return usageError{fmt.Errorf("nothing in %s matches the kinds and names given", src.Source)}
	}
	plan, err := snapshot.PlanRestore(ctx, e.az, src, ws, snapshot.PlanOptions{Filter: f})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, plan.Text(0))
	if !plan.Changes() {
		return nil
	}
	if !yes {
		return findingsError{"changes planned, not applied: run again with --yes to apply them"}
	}
	start := time.Now()
	actx, changes := audit.WithChanges(ctx)
	results := plan.Apply(actx, nil)
	tr := snapshot.NewTargetResult(ws, results, nil)
	fmt.Fprintln(stdout, "\n"+snapshot.ResultsText(ws.Alias, results, 0))
	if err := e.auditCLI("restore", args, []*tenancy.Workspace{ws}, changes, tr.Failed > 0, time.Since(start)); err != nil {
		return fmt.Errorf("the restore was applied but its audit record could not be written: %w", err)
	}
	if tr.Failed > 0 {
		return fmt.Errorf("%d item(s) failed", tr.Failed)
	}
	return nil
}

func runDeploy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var fromDir, sourceWS, tenant string
	var workspaces, kinds, names, tags listFlag
	var yes bool
	cfg, err := parseFlags("deploy", args, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&fromDir, "from-dir", "", "")
		fs.StringVar(&sourceWS, "source-workspace", "", "")
		fs.Var(&workspaces, "workspaces", "")
		fs.StringVar(&tenant, "tenant", "", "")
		fs.Var(&kinds, "kinds", "")
		fs.Var(&names, "names", "")
		fs.Var(&tags, "tags", "")
		fs.BoolVar(&yes, "yes", false, "")
	})
	if err != nil {
		return err
	}
	if len(workspaces) == 0 && tenant == "" {
		return usageError{errors.New("give --workspaces (or all) or --tenant: the targets")}
	}
	ks, err := kindsFlag(kinds)
	if err != nil {
		return err
	}
	if ks == nil {
		ks = []snapshot.Kind{snapshot.KindAnalyticsRule, snapshot.KindWatchlist}
	}
	e, err := openContentEnv(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer e.Close()
	src, srcWS, err := e.source(ctx, fromDir, sourceWS, ks)
	if err != nil {
		return err
	}
	f := snapshot.Filter{Kinds: ks, Names: names, Tags: tags}
	if len(f.Select(src.Items)) == 0 {
		return usageError{fmt.Errorf("nothing in %s matches the kinds, names and tags given", src.Source)}
	}
	all, err := e.reg.Select(ctx, tenancy.Selector{Workspaces: workspaces, Tenant: tenant})
	if err != nil {
		return usageError{err}
	}
	targets := tenancy.Without(all, srcWS)
	if len(targets) == 0 {
		return usageError{errors.New("the selection holds only the source workspace")}
	}
	plans := snapshot.PlanMany(ctx, e.az, src, targets, snapshot.PlanOptions{Filter: f}, e.fanOut(e.progress("planned")))
	changes, failedPlans := false, 0
	fmt.Fprintf(stdout, "Deploy from %s to %d workspace(s):\n", src.Source, len(plans))
	for _, tp := range plans {
		if tp.Err != nil {
			failedPlans++
			fmt.Fprintf(stdout, "\n%s: FAILED, not deployed: %v\n", tp.Workspace.Alias, tp.Err)
			continue
		}
		changes = changes || tp.Plan.Changes()
		fmt.Fprintln(stdout, "\n"+tp.Plan.Text(0))
	}
	if !changes {
		if failedPlans > 0 {
			return fmt.Errorf("%d target(s) could not be planned", failedPlans)
		}
		return nil
	}
	if !yes {
		return findingsError{"changes planned, not applied: run again with --yes to apply them"}
	}
	start := time.Now()
	actx, rec := audit.WithChanges(ctx)
	results := snapshot.ApplyMany(actx, plans, e.fanOut(e.progress("deployed")))
	failed := 0
	fmt.Fprintln(stdout, "\nResults:")
	for _, r := range results {
		if r.Error != "" {
			failed++
			fmt.Fprintf(stdout, "\n%s: FAILED, nothing deployed: %s\n", r.Workspace, r.Error)
			continue
		}
		if r.Failed > 0 {
			failed++
		}
		fmt.Fprintln(stdout, "\n"+snapshot.ResultsText(r.Workspace, r.Items, 0))
	}
	if err := e.auditCLI("deploy", args, targets, rec, failed > 0, time.Since(start)); err != nil {
		return fmt.Errorf("the deploy was applied but its audit record could not be written: %w", err)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d target(s) failed", failed, len(results))
	}
	return nil
}
