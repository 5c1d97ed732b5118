package query

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Modes of run_kql_query_across_workspaces.
const (
	ModeAuto   = "auto"
	ModeFanout = "fanout" // one query per workspace, in parallel (azure.fanout)
	ModeNative = "native" // one Log Analytics cross-workspace query (workspaces[]) per credential
)

// maxNativeWorkspaces is Log Analytics' limit of workspaces in one cross-workspace query.
const maxNativeWorkspaces = 100

type acrossIn struct {
	toolkit.TargetsArg
	Query string `json:"query" jsonschema:"KQL query (read-only)."`
	TimeArgs
	Mode string `json:"mode,omitempty" jsonschema:"auto (default), fanout (a query per workspace) or native (one cross-workspace query)"`
	FormatArg
}

// wsStatus is one workspace's outcome. Status is ok, partial (incomplete data) or error; Rows the
// rows it returned; Truncated that some of them are not shown.
type wsStatus struct {
	Workspace string `json:"workspace"`
	Status    string `json:"status"`
	Rows      int    `json:"rows"`
	Truncated bool   `json:"truncated,omitempty"`
	Error     string `json:"error,omitempty"`
}

type acrossOut struct {
	Mode       string        `json:"mode" jsonschema:"how the query ran: fanout or native"`
	TimeRange  string        `json:"time_range"`
	Workspaces []wsStatus    `json:"workspaces"`
	Failed     int           `json:"failed"`
	Result     render.Result `json:"result"`
}

func runAcross(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "run_kql_query_across_workspaces",
		Description: "Run a read-only KQL query on many workspaces (a list, a tenant, by default all), e.g. to hunt an indicator in every tenant: one table with TenantName and Workspace columns, and each workspace's status.",
		Annotations: inventory.Annotations("Run KQL across workspaces", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in acrossIn) (*mcp.CallToolResult, acrossOut, error) {
		if err := checkQuery("query", in.Query); err != nil {
			return nil, acrossOut{}, err
		}
		f, err := in.format()
		if err != nil {
			return nil, acrossOut{}, err
		}
		tr, err := in.forQuery(d.Clock(), in.Query)
		if err != nil {
			return nil, acrossOut{}, err
		}
		reg, _, err := clients(d)
		if err != nil {
			return nil, acrossOut{}, err
		}
		if named, err := reg.QueryWorkspaces(ctx, in.Query); err != nil {
			return nil, acrossOut{}, toolkit.ArgError("query", "%v", err)
		} else if len(named) > 0 {
			// Sent to every selected workspace, the named one's rows would come back once per
			// workspace, each time attributed to the workspace the query was sent to.
			return nil, acrossOut{}, toolkit.ArgError("query", "the query reads workspace(%q) itself, so its rows would be counted once per selected workspace and attributed to the wrong one; nothing was called. Add %s to workspaces instead and query the tables directly (the Workspace column says where each row comes from)",
				named[0].ResourceID, named[0].Alias)
		}
		wss, err := reg.Select(ctx, in.Selector())
		if err != nil {
			return nil, acrossOut{}, err
		}
		if len(wss) == 0 {
			return nil, acrossOut{}, errors.New("no Sentinel workspace is in scope: list_workspaces shows the workspaces you may address")
		}
		fo := reg.FanOut()
		mode, reason, err := chooseMode(in.Mode, wss, fo.Concurrency)
		if err != nil {
			return nil, acrossOut{}, err
		}
		maxRows := d.Budget().Limit(in.Limit).MaxRows
		x := &execution{d: d, query: in.Query, span: tr.ISO, keep: maxRows,
			opts: fanout.Options{Concurrency: fo.Concurrency, PerTargetTimeout: fo.PerWorkspaceTimeout, Progress: progress(ctx, req)}}
		var runs []wsRun
		if mode == ModeNative {
			runs = x.native(ctx, wss)
			switch {
			case in.Mode == ModeNative:
			case !attributed(runs):
				// Rows that name no workspace would lose the point of the tool: run per workspace.
				mode, reason = ModeFanout, "auto: the cross-workspace result had no TenantId column to attribute rows, so the query ran per workspace"
				runs = x.fanout(ctx, wss)
			default:
				if n := x.retryAlone(ctx, runs); n > 0 {
					reason += fmt.Sprintf("; that query failed, so %s ran one by one", plural(n, "workspace", "workspaces"))
				}
			}
		} else {
			runs = x.fanout(ctx, wss)
		}
		if ctx.Err() != nil {
			return nil, acrossOut{}, fmt.Errorf("the query across %s was cancelled or ran out of time (limits.call_timeout): narrow the selection or the query", plural(len(wss), "workspace", "workspaces"))
		}
		if err := allFailed(runs, in.Query); err != nil {
			return nil, acrossOut{}, err
		}
		return x.answer(runs, mode, reason, tr, f, in.Limit)
	}, append([]inventory.Option{inventory.Enum("mode", ModeAuto, ModeFanout, ModeNative)}, formatOpts...)...)
}

// chooseMode picks how to run. Auto uses one native query when all workspaces are reached with
// the same credential and there are more of them than run at once (fewer requests, less
// throttling); otherwise one query per workspace, which attributes every row and isolates failures.
func chooseMode(mode string, wss []*tenancy.Workspace, concurrency int) (string, string, error) {
	creds := map[string]bool{}
	for _, w := range wss {
		creds[w.CredTenantID] = true
	}
	switch strings.ToLower(strings.TrimSpace(mode)) {
	case "", ModeAuto:
		if len(wss) > max(1, concurrency) && len(creds) == 1 && len(wss) <= maxNativeWorkspaces {
			return ModeNative, fmt.Sprintf("auto: the %d workspaces share one credential, so one cross-workspace query replaces %d", len(wss), len(wss)), nil
		}
		return ModeFanout, "auto: one query per workspace, in parallel", nil
	case ModeFanout:
		return ModeFanout, "requested: one query per workspace", nil
	case ModeNative:
		return ModeNative, fmt.Sprintf("requested: one cross-workspace query per credential (%d)", len(creds)), nil
	}
	return "", "", toolkit.ArgError("mode", "%q is not a mode: use auto, fanout or native", mode)
}

// progress reports completed workspaces when the client asked for progress.
func progress(ctx context.Context, req *mcp.CallToolRequest) func(done, total int, last string) {
	if req == nil || req.Session == nil || req.Params == nil {
		return nil
	}
	tok := req.Params.GetProgressToken()
	if tok == nil {
		return nil
	}
	return func(done, total int, last string) {
		_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: tok,
			Progress: float64(done), Total: float64(total), Message: fmt.Sprintf("%s done (%d of %d)", last, done, total)})
	}
}

// execution is one call's query and settings.
type execution struct {
	d     *toolkit.Deps
	query string
	span  string
	keep  int // rows kept per workspace (the rest only counted)
	opts  fanout.Options
	reqs  int
}

// wsRun is one workspace's outcome.
type wsRun struct {
	ws      *tenancy.Workspace
	part    part
	partial *azure.Error
	err     error
	elapsed time.Duration
	noAttr  bool // native: the result had no TenantId column
}

func (x *execution) fanout(ctx context.Context, wss []*tenancy.Workspace) []wsRun {
	x.reqs += len(wss)
	outs := fanout.Run(ctx, wss, x.opts, func(ctx context.Context, ws *tenancy.Workspace) (*azure.QueryResult, error) {
		logs, err := x.d.Azure.Logs(ws.CredTenantID)
		if err != nil {
			return nil, err
		}
		return logs.Query(ctx, ws.CustomerID, x.query, x.span, nil, nil)
	})
	runs := make([]wsRun, len(outs))
	for i, o := range outs {
		runs[i] = wsRun{ws: o.Target, err: o.Err, elapsed: o.Elapsed}
		if o.Err != nil {
			continue
		}
		runs[i].partial = o.Value.Partial
		runs[i].part = x.partOf(o.Target, o.Value.Primary())
	}
	return runs
}

// retryAlone runs again, one query per workspace, the workspaces whose cross-workspace query failed
// for another reason than the query itself (throttling, an outage, one workspace that cannot be
// read fails the whole request): the others' results need not be lost with them. It returns how
// many it ran.
func (x *execution) retryAlone(ctx context.Context, runs []wsRun) int {
	var again []*tenancy.Workspace
	var at []int
	for i, r := range runs {
		if r.ws == nil || r.err == nil || ctx.Err() != nil {
			continue
		}
		if ae, ok := azure.AsError(r.err); ok && ae.Status == http.StatusBadRequest {
			continue // the query is wrong: it would fail alone too
		}
		again, at = append(again, r.ws), append(at, i)
	}
	if len(again) == 0 {
		return 0
	}
	for j, r := range x.fanout(ctx, again) {
		runs[at[j]] = r
	}
	return len(again)
}

func (x *execution) partOf(ws *tenancy.Workspace, t *azure.Table) part {
	p := part{ws: ws}
	if t == nil {
		return p
	}
	p.cols, p.total = t.Columns, len(t.Rows)
	p.rows = t.Rows[:min(len(t.Rows), x.keep)]
	return p
}

// group is the workspaces one native query covers.
type group []*tenancy.Workspace

func (g group) String() string { return g[0].Alias + fmt.Sprintf(" and %d more", len(g)-1) }

func (x *execution) native(ctx context.Context, wss []*tenancy.Workspace) []wsRun {
	var groups []group
	byCred := map[string]int{}
	for _, w := range wss {
		i, ok := byCred[w.CredTenantID]
		if !ok || len(groups[i]) == maxNativeWorkspaces {
			byCred[w.CredTenantID], i = len(groups), len(groups)
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], w)
	}
	x.reqs += len(groups)
	outs := fanout.Run(ctx, groups, x.opts, func(ctx context.Context, g group) (*azure.QueryResult, error) {
		logs, err := x.d.Azure.Logs(g[0].CredTenantID)
		if err != nil {
			return nil, err
		}
		var extra []string
		for _, w := range g[1:] {
			extra = append(extra, w.CustomerID)
		}
		return logs.Query(ctx, g[0].CustomerID, x.query, x.span, extra, nil)
	})
	index := map[*tenancy.Workspace]int{}
	for i, w := range wss {
		index[w] = i
	}
	runs := make([]wsRun, len(wss))
	var unattributed []wsRun
	for _, o := range outs {
		g := o.Target
		for _, w := range g {
			runs[index[w]] = wsRun{ws: w, err: o.Err, elapsed: o.Elapsed, part: part{ws: w}}
		}
		if o.Err != nil {
			continue
		}
		t := o.Value.Primary()
		for _, w := range g {
			runs[index[w]].partial = o.Value.Partial
			if t != nil {
				runs[index[w]].part.cols = t.Columns
			}
		}
		if t == nil {
			continue
		}
		col := -1
		for i, c := range t.Columns {
			if c.Name == "TenantId" {
				col = i
			}
		}
		byID := map[string]int{}
		for _, w := range g {
			byID[strings.ToLower(w.CustomerID)] = index[w]
		}
		rest := part{cols: t.Columns}
		for _, row := range t.Rows {
			i, ok := -1, false
			switch {
			case len(g) == 1:
				i, ok = index[g[0]], true
			case col >= 0:
				id, _ := row[col].(string)
				i, ok = byID[strings.ToLower(id)]
			}
			p := &rest
			if ok {
				p = &runs[i].part
			}
			p.total++
			if len(p.rows) < x.keep {
				p.rows = append(p.rows, row)
			}
		}
		if rest.total > 0 {
			unattributed = append(unattributed, wsRun{part: rest, noAttr: col < 0})
		}
	}
	return append(runs, unattributed...)
}

// attributed reports whether every row of a native run names its workspace.
func attributed(runs []wsRun) bool {
	for _, r := range runs {
		if r.ws == nil && r.noAttr {
			return false
		}
	}
	return true
}

// allFailed is the tool error when no workspace answered: the query's own error when Log Analytics
// refused it everywhere (so the model sees the line and column), else every workspace's error.
func allFailed(runs []wsRun, q string) error {
	var fails []string
	bad, last := 0, ""
	for _, r := range runs {
		if r.ws == nil {
			continue
		}
		if r.err == nil {
			return nil
		}
		if ae, ok := azure.AsError(r.err); ok && ae.Status == http.StatusBadRequest {
			bad++
		}
		fails, last = append(fails, r.ws.Alias+": "+shortError(r.err)), r.ws.Alias
	}
	if len(fails) == 0 {
		return nil
	}
	if bad == len(fails) {
		where := fmt.Sprintf("all %d workspaces", len(fails))
		if len(fails) == 1 {
			where = last
		}
		return queryFailure(where, q, firstErr(runs))
	}
	if len(fails) > 5 {
		fails = append(fails[:5], fmt.Sprintf("and %d more", len(fails)-5))
	}
	return fmt.Errorf("the query failed on every workspace: %s", strings.Join(fails, "; "))
}

func firstErr(runs []wsRun) error {
	for _, r := range runs {
		if r.err != nil {
			return r.err
		}
	}
	return nil
}

// shortError is a workspace's error as the status table shows it.
func shortError(err error) string {
	msg := err.Error()
	if ae, ok := azure.AsError(err); ok && ae.Status == http.StatusBadRequest {
		msg = codeOf(ae) + ": " + ae.Message
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if cut, ok := render.Truncate(msg, 300); ok {
		msg = cut
	}
	return msg
}
