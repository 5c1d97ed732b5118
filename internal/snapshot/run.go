package snapshot

import (
	"context"
	"fmt"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
)

// Multi-workspace runs, shared by the MCP tools and the CLI: every workspace goes through the fan-out
// executor (bounded concurrency, a timeout per workspace), and a workspace that fails is reported
// with its error while the others' results stand.

// Failure is a workspace a run could not complete.
type Failure struct {
	Workspace string `json:"workspace"`
	Tenant    string `json:"tenant,omitempty"`
	Error     string `json:"error"`
}

// WorkspaceDrift is the drift of one workspace.
type WorkspaceDrift struct {
	Workspace   string      `json:"workspace"`
	Tenant      string      `json:"tenant"`
	Differences int         `json:"differences"`
	Findings    []Finding   `json:"findings"`
	Shown       int         `json:"shown"` // findings listed (the result budget may cut the list)
	NotCompared []KindError `json:"not_compared,omitempty"`
	Ignored     int         `json:"ignored,omitempty"`
}

// DriftReport is the drift of many workspaces against one baseline.
type DriftReport struct {
	Baseline   string           `json:"baseline"`
	Workspaces []WorkspaceDrift `json:"workspaces"`
	Failed     []Failure        `json:"failed,omitempty"`
	Truncated  bool             `json:"truncated,omitempty"`
}

// Differences is the total number of findings.
func (r *DriftReport) Differences() int {
	n := 0
	for _, w := range r.Workspaces {
		n += w.Differences
	}
	return n
}

// DriftOptions control RunDrift.
type DriftOptions struct {
	Kinds  []Kind
	Ignore *Ignore
	// NotOnboarded are workspaces of the selection that are not onboarded to Microsoft Sentinel: each is
	// reported as one difference (Sentinel itself is missing), nothing else is read.
	NotOnboarded []*tenancy.Workspace
	FanOut       fanout.Options
	Progress     func(done, total int, last string)
}

// NotOnboardedKey is the key of the finding that a workspace is not onboarded to Sentinel.
const NotOnboardedKey = "sentinel"

// Targets selects the Sentinel workspaces to compare (Registry.Select) and, when the selection is not a
// list of workspaces (all of them, or a tenant's), the selected tenants' workspaces that are not
// onboarded to Sentinel.
func Targets(ctx context.Context, reg *tenancy.Registry, workspaces []string, tenant string) (wss, notOnboarded []*tenancy.Workspace, err error) {
	wss, err = reg.Select(ctx, tenancy.Selector{Workspaces: workspaces, Tenant: tenant})
	if err != nil {
		return nil, nil, err
	}
	byList := false
	for _, w := range workspaces {
		if n := strings.ToLower(strings.TrimSpace(w)); n != "all" && n != "*" && n != "" {
			byList = true
		}
	}
	if byList {
		return wss, nil, nil
	}
	tid := ""
	if t := strings.TrimSpace(tenant); t != "" && !strings.EqualFold(t, "all") && t != "*" {
		tt, err := reg.ResolveTenant(ctx, t)
		if err != nil {
			return nil, nil, err
		}
		tid = tt.ID
	}
	all, err := reg.Workspaces(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range all {
		if !w.Sentinel && (tid == "" || strings.EqualFold(w.TenantID, tid)) {
			notOnboarded = append(notOnboarded, w)
		}
	}
	return wss, notOnboarded, nil
}

// RunDrift compares every target workspace with the baseline snapshot.
func RunDrift(ctx context.Context, p *azure.Provider, base *Snapshot, targets []*tenancy.Workspace, o DriftOptions) *DriftReport {
	fo := o.FanOut
	fo.Progress = o.Progress
	kinds := o.Kinds
	if len(kinds) == 0 && base.Source.Dir != "" {
		kinds = base.Kinds // an export holds only the kinds it was made with
	}
	outs := fanout.Run(ctx, targets, fo, func(ctx context.Context, ws *tenancy.Workspace) (*Drift, error) {
		snap, err := Collect(ctx, p, ws, CollectOptions{Kinds: kinds})
		if err != nil {
			return nil, err
		}
		return Compare(base, snap, DiffOptions{Ignore: o.Ignore, Kinds: kinds}), nil
	})
	rep := &DriftReport{Baseline: base.Source.String()}
	for _, ws := range o.NotOnboarded {
		if o.Ignore.kind(KindWorkspace) {
			break
		}
		rep.Workspaces = append(rep.Workspaces, WorkspaceDrift{Workspace: ws.Alias, Tenant: ws.TenantName, Differences: 1, Shown: 1,
			Findings: []Finding{{Kind: KindWorkspace, Key: NotOnboardedKey, Title: "Microsoft Sentinel", Change: Missing}}})
	}
	for _, out := range outs {
		ws := out.Target
		if out.Err != nil {
			rep.Failed = append(rep.Failed, Failure{Workspace: ws.Alias, Tenant: ws.TenantName, Error: failureText(out.Err)})
			continue
		}
		d := out.Value
		rep.Workspaces = append(rep.Workspaces, WorkspaceDrift{Workspace: ws.Alias, Tenant: ws.TenantName, Differences: len(d.Findings),
			Findings: d.Findings, Shown: len(d.Findings), NotCompared: d.NotCompared, Ignored: d.Ignored})
	}
	return rep
}

func failureText(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if strings.Contains(s, "context deadline exceeded") {
		s += " (the workspace did not answer in time)"
	}
	return s
}

// Render writes the report for people within maxBytes (<= 0: no limit) and returns the text and the
// report as shown (findings that did not fit are left out of it, and Truncated is set).
func (r *DriftReport) Render(maxBytes int) (string, *DriftReport) {
	var b strings.Builder
	withDiffs := 0
	for _, w := range r.Workspaces {
		if w.Differences > 0 {
			withDiffs++
		}
	}
	fmt.Fprintf(&b, "Drift against %s: %d workspace(s) compared, %d with differences (%d in all)", r.Baseline, len(r.Workspaces), withDiffs, r.Differences())
	if len(r.Failed) > 0 {
		fmt.Fprintf(&b, ", %d could not be compared", len(r.Failed))
	}
	b.WriteString(".")
	// The failures and the per-workspace headlines always fit first: a cut list must not hide a
	// workspace.
	var tail strings.Builder
	for _, f := range r.Failed {
		fmt.Fprintf(&tail, "\nFAILED %s: %s", f.Workspace, f.Error)
	}
	shown := &DriftReport{Baseline: r.Baseline, Failed: r.Failed}
	budget := maxBytes
	if budget > 0 {
		budget -= b.Len() + tail.Len() + 200
		for _, w := range r.Workspaces {
			budget -= len(headline(w)) + 2
		}
	}
	for _, w := range r.Workspaces {
		sw := w
		sw.Findings, sw.Shown = nil, 0
		b.WriteString("\n\n" + headline(w))
		for _, f := range w.Findings {
			lines := f.Lines()
			text := "\n  " + strings.Join(lines, "\n  ")
			if maxBytes > 0 && len(text) > budget {
				shown.Truncated = true
				break
			}
			budget -= len(text)
			b.WriteString(text)
			sw.Findings = append(sw.Findings, f)
			sw.Shown++
		}
		if sw.Shown < w.Differences {
			fmt.Fprintf(&b, "\n  ... %d more difference(s) not shown", w.Differences-sw.Shown)
		}
		for _, e := range w.NotCompared {
			fmt.Fprintf(&b, "\n  not compared: %s (%s)", e.Kind.Plural(), e.Error)
		}
		shown.Workspaces = append(shown.Workspaces, sw)
	}
	b.WriteString(tail.String())
	if shown.Truncated {
		b.WriteString("\n\nThe list was cut to fit the result size: narrow it with workspaces, kinds or ignore.")
	}
	return b.String(), shown
}

func headline(w WorkspaceDrift) string {
	s := fmt.Sprintf("%s (%s): ", w.Workspace, w.Tenant)
	if w.Differences == 0 {
		s += "no differences"
	} else {
		s += fmt.Sprintf("%d difference(s)", w.Differences)
	}
	if w.Ignored > 0 {
		s += fmt.Sprintf(", %d ignored", w.Ignored)
	}
	return s
}

// TargetPlan is the plan (or the failure to make one) for one target of a deploy.
type TargetPlan struct {
	Workspace *tenancy.Workspace
	Plan      *Plan
	Err       error
}

// PlanMany plans a restore of src into every target, through the fan-out executor.
func PlanMany(ctx context.Context, p *azure.Provider, src *Snapshot, targets []*tenancy.Workspace, o PlanOptions, fo fanout.Options) []TargetPlan {
	outs := fanout.Run(ctx, targets, fo, func(ctx context.Context, ws *tenancy.Workspace) (*Plan, error) {
		return PlanRestore(ctx, p, src, ws, o)
	})
	res := make([]TargetPlan, len(outs))
	for i, out := range outs {
		res[i] = TargetPlan{Workspace: out.Target, Plan: out.Value, Err: out.Err}
	}
	return res
}

// TargetResult is what applying a plan did in one target.
type TargetResult struct {
	Workspace string       `json:"workspace"`
	Tenant    string       `json:"tenant"`
	Written   int          `json:"written"`
	Failed    int          `json:"failed"`
	Unchanged int          `json:"unchanged"`
	Skipped   int          `json:"skipped"`
	Items     []ItemResult `json:"items,omitempty"`
	Error     string       `json:"error,omitempty"` // the target could not be planned or reached at all
}

// ApplyMany applies the plans (those that could be made) through the fan-out executor.
func ApplyMany(ctx context.Context, plans []TargetPlan, fo fanout.Options) []TargetResult {
	outs := fanout.Run(ctx, plans, fo, func(ctx context.Context, tp TargetPlan) ([]ItemResult, error) {
		if tp.Err != nil {
			return nil, tp.Err
		}
		return tp.Plan.Apply(ctx, nil), nil
	})
	res := make([]TargetResult, len(outs))
	for i, out := range outs {
		ws := plans[i].Workspace
		r := TargetResult{Workspace: ws.Alias, Tenant: ws.TenantName}
		if out.Err != nil {
			r.Error = failureText(out.Err)
		}
		r.Items = out.Value
		r.count()
		res[i] = r
	}
	return res
}

func (r *TargetResult) count() {
	r.Written, r.Failed, r.Unchanged, r.Skipped = 0, 0, 0, 0
	for _, it := range r.Items {
		switch it.Status {
		case StatusDone:
			r.Written++
		case StatusFailed:
			r.Failed++
		case StatusUnchanged:
			r.Unchanged++
		case StatusSkipped:
			r.Skipped++
		}
	}
}

// NewTargetResult summarizes the results of one target.
func NewTargetResult(ws *tenancy.Workspace, items []ItemResult, err error) TargetResult {
	r := TargetResult{Workspace: ws.Alias, Tenant: ws.TenantName, Items: items}
	if err != nil {
		r.Error = failureText(err)
	}
	r.count()
	return r
}

// String is the fan-out label of a target plan (its workspace).
func (tp TargetPlan) String() string { return tp.Workspace.Alias }

// ExportResult is the export of one workspace by ExportMany.
type ExportResult struct {
	Workspace  string       `json:"workspace"`
	Tenant     string       `json:"tenant"`
	Dir        string       `json:"dir"` // under the root: tenant/workspace
	Items      int          `json:"items"`
	Write      *WriteResult `json:"files,omitempty"`
	Incomplete []KindError  `json:"incomplete,omitempty"`
	Notes      []string     `json:"notes,omitempty"`
	Error      string       `json:"error,omitempty"` // nothing was exported
}

// ExportDir is the folder of a workspace in a multi-workspace export: under/tenant/workspace.
func ExportDir(under string, ws *tenancy.Workspace) string {
	if under == "" || under == "." {
		return ws.TenantAlias + "/" + ws.Name
	}
	return under + "/" + ws.TenantAlias + "/" + ws.Name
}

// ExportMany exports every workspace to its own folder (ExportDir) under root, through the fan-out
// executor: a workspace that cannot be read or written is reported with its error and the others are
// still exported. under is a folder relative to root, checked by CleanRel ("" for root itself).
func ExportMany(ctx context.Context, p *azure.Provider, wss []*tenancy.Workspace, root, under string, co CollectOptions, wo WriteOptions, fo fanout.Options) []ExportResult {
	outs := fanout.Run(ctx, wss, fo, func(ctx context.Context, ws *tenancy.Workspace) (ExportResult, error) {
		r := ExportResult{Workspace: ws.Alias, Tenant: ws.TenantName, Dir: ExportDir(under, ws)}
		snap, err := Collect(ctx, p, ws, co)
		if err != nil {
			return r, err
		}
		res, err := WriteDir(root, r.Dir, snap, wo)
		if err != nil {
			return r, err
		}
		r.Items, r.Write, r.Incomplete, r.Notes = len(snap.Items), res, snap.Incomplete, snap.Notes
		return r, nil
	})
	out := make([]ExportResult, len(outs))
	for i, o := range outs {
		r := o.Value
		if o.Err != nil {
			r = ExportResult{Workspace: o.Target.Alias, Tenant: o.Target.TenantName, Dir: ExportDir(under, o.Target), Error: failureText(o.Err)}
		}
		out[i] = r
	}
	return out
}
