package posture

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
)

// Mode is how much the health check reads and reports.
type Mode string

// Modes. Quick reads what the status needs; detailed also reads per-table retention, and its
// presentations list every finding with its evidence.
const (
	Quick    Mode = "quick"
	Detailed Mode = "detailed"
)

// Deps are what Run needs.
type Deps struct {
	Provider *azure.Provider
	FanOut   config.AzureFanOut
	Now      func() time.Time
}

// Request says what to assess.
type Request struct {
	Health     bool
	Mode       Mode
	Policy     *content.Policy // nil: no compliance evaluation
	PolicyFrom string          // where the policy came from ("built-in", a file name, "inline")
	Charts     bool            // also read what the report's charts need
	Thresholds Thresholds
	// Progress is called after each workspace, from one goroutine at a time.
	Progress func(done, total int, last string)
}

// Report is the outcome over many workspaces: what internal/report renders.
type Report struct {
	GeneratedAt time.Time         `json:"generated_at"`
	Mode        Mode              `json:"mode,omitempty"`
	Policy      *PolicyRef        `json:"policy,omitempty"`
	Workspaces  []WorkspaceResult `json:"workspaces"`
	Failed      []Failure         `json:"failed,omitempty"`
	Thresholds  Thresholds        `json:"-"`
	Charts      bool              `json:"-"` // what the report's charts need was read
}

// HasCharts reports whether the report read what the charts need (Request.Charts).
func (r *Report) HasCharts() bool { return r.Charts }

// PolicyRef names the policy a report evaluated.
type PolicyRef struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	Source  string `json:"source"`
	Checks  int    `json:"checks"`
}

// WorkspaceResult is one workspace's assessment.
type WorkspaceResult struct {
	Workspace  WorkspaceRef  `json:"workspace"`
	Health     *Health       `json:"health,omitempty"`
	Compliance *Compliance   `json:"compliance,omitempty"`
	Elapsed    time.Duration `json:"-"`
	Snapshot   *Snapshot     `json:"-"`
}

// Failure is a workspace that could not be assessed at all.
type Failure struct {
	Workspace string `json:"workspace"`
	Tenant    string `json:"tenant"`
	Error     string `json:"error"`
}

// Parts returns the parts a request reads.
func (r Request) Parts() Part {
	var p Part
	if r.Health {
		p |= HealthQuick
		if r.Mode == Detailed {
			p |= HealthDetailed
		}
	}
	if r.Policy != nil {
		p |= CompliancePart
	}
	if r.Charts {
		p |= ReportCharts
	}
	return p
}

// Run assesses the workspaces with the configured fan-out (concurrency, per-workspace timeout). A
// workspace of which nothing could be read is a Failure; one of which some parts could not be read
// is assessed with what was read, and says what was not.
func Run(ctx context.Context, d Deps, wss []*tenancy.Workspace, req Request) *Report {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	th := req.Thresholds.WithDefaults()
	rep := &Report{GeneratedAt: now().UTC(), Thresholds: th, Workspaces: []WorkspaceResult{}, Charts: req.Charts}
	if req.Health {
		rep.Mode = req.Mode
		if rep.Mode == "" {
			rep.Mode = Quick
		}
	}
	if req.Policy != nil {
		rep.Policy = &PolicyRef{Name: req.Policy.Name, Version: req.Policy.Version, Source: req.PolicyFrom, Checks: len(req.Policy.Checks)}
	}
	parts := req.Parts()
	outs := fanout.Run(ctx, wss, fanout.Options{Concurrency: d.FanOut.Concurrency, PerTargetTimeout: d.FanOut.PerWorkspaceTimeout,
		Progress: req.Progress},
		func(ctx context.Context, ws *tenancy.Workspace) (*Snapshot, error) {
			s := Collect(ctx, d.Provider, ws, parts, now(), th)
			if nothingRead(s) {
				return nil, s.errs[firstPart(s)]
			}
			if err := ctx.Err(); err != nil && len(s.Errors) > 0 {
				return nil, err // the per-workspace time limit cut it short: say so rather than assess half
			}
			return s, nil
		})
	for _, o := range outs {
		if o.Err != nil {
			msg := o.Err.Error()
			// fanout's own timeout error already says so; a deadline from inside the collection does not.
			if !errors.Is(o.Err, fanout.ErrTimeout) && errors.Is(o.Err, context.DeadlineExceeded) {
				msg = "timed out after " + d.FanOut.PerWorkspaceTimeout.String() + " (azure.fanout.per_workspace_timeout): " + msg
			}
			rep.Failed = append(rep.Failed, Failure{Workspace: o.Target.Alias, Tenant: o.Target.TenantAlias, Error: msg})
			continue
		}
		wr := WorkspaceResult{Workspace: o.Value.Workspace, Snapshot: o.Value, Elapsed: o.Elapsed}
		if req.Health {
			wr.Health = AssessHealth(o.Value, th)
		}
		if req.Policy != nil {
			wr.Compliance = EvaluateCompliance(o.Value, req.Policy)
		}
		rep.Workspaces = append(rep.Workspaces, wr)
	}
	sort.SliceStable(rep.Workspaces, func(i, j int) bool { return rep.Workspaces[i].Workspace.Alias < rep.Workspaces[j].Workspace.Alias })
	return rep
}

// nothingRead reports a snapshot of which every part asked for failed.
func nothingRead(s *Snapshot) bool {
	if !s.Onboarded {
		return false
	}
	for _, n := range partNames {
		if s.Parts&n.p != 0 && s.errs[n.p] == nil {
			return false
		}
	}
	return len(s.errs) > 0
}

func firstPart(s *Snapshot) Part {
	for _, n := range partNames {
		if s.errs[n.p] != nil {
			return n.p
		}
	}
	return 0
}

// StatusCounts counts the workspaces per health status (failed workspaces count as unknown).
func (r *Report) StatusCounts() map[Status]int {
	out := map[Status]int{Healthy: 0, Degraded: 0, Unhealthy: 0, Unknown: len(r.Failed)}
	for _, w := range r.Workspaces {
		if w.Health != nil {
			out[w.Health.Status]++
		}
	}
	return out
}

// ComplianceCounts sums the check results over the workspaces.
func (r *Report) ComplianceCounts() (passed, failed, errs, compliant int) {
	for _, w := range r.Workspaces {
		if c := w.Compliance; c != nil {
			passed, failed, errs = passed+c.Passed, failed+c.Failed, errs+c.Errors
			if c.Compliant() {
				compliant++
			}
		}
	}
	return
}

// Tenants lists the tenants of the report (assessed or failed), sorted.
func (r *Report) Tenants() []string {
	seen := map[string]bool{}
	for _, w := range r.Workspaces {
		seen[w.Workspace.Tenant] = true
	}
	for _, f := range r.Failed {
		seen[f.Tenant] = true
	}
	return sortedKeys(seen)
}

// HealthFindings reports whether a workspace is worse than ok allows: failOn is the best status
// that counts as a finding (Degraded: anything but healthy; Unhealthy: only unhealthy or unknown).
func (r *Report) HealthFindings(failOn Status) bool {
	if len(r.Failed) > 0 {
		return true
	}
	for _, w := range r.Workspaces {
		if w.Health == nil {
			continue
		}
		switch w.Health.Status {
		case Unhealthy, Unknown:
			return true
		case Degraded:
			if failOn == Degraded {
				return true
			}
		}
	}
	return false
}

// ComplianceFindings reports a failed or unevaluated check of at least minSeverity (High, Medium,
// Low or Informational; "" means any), or a workspace that could not be assessed.
func (r *Report) ComplianceFindings(minSeverity string) bool {
	if len(r.Failed) > 0 {
		return true
	}
	rank := map[string]int{"High": 0, "Medium": 1, "Low": 2, "Informational": 3, "": 3}
	limit := rank[minSeverity]
	for _, w := range r.Workspaces {
		if w.Compliance == nil {
			continue
		}
		for _, c := range w.Compliance.Checks {
			if c.Status != Pass && rank[c.Severity] <= limit {
				return true
			}
		}
	}
	return false
}
