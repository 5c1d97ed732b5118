// Package compliance is the compliance and reporting toolset: run_compliance_check evaluates a policy
// (the built-in SOC baseline of internal/content, a file of the configured policy directory, or inline
// YAML) on Sentinel workspaces across tenants, with a pass or fail per check and the evidence it looked
// at; get_compliance_policy shows a policy so that a model can explain it or write a variant;
// generate_soc_report renders health and compliance as a report an MSSP can send (Markdown, or a
// self-contained HTML page as an embedded resource).
//
// The evaluation is internal/posture (shared with the CLI's `compliance` and `report` commands).
package compliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/posture"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/report"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "compliance"

// Tools returns the toolset's tools. It only builds values: d's clients may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{runCheck(d), getPolicy(d), generateReport(d)}
}

var errNoAzure = errors.New("no Azure access is configured: configure azure.credential (see README, Configuration) or run with --emulator")

// MaxHTMLBytes bounds the HTML page a tool call returns.
const MaxHTMLBytes = 4 << 20

type runIn struct {
	toolkit.WorkspacesArg
	toolkit.TenantArg
	Policy     string   `json:"policy,omitempty" jsonschema:"Policy file name in the configured policy directory (compliance.policy_dir); default: the configured policy, else the built-in baseline."`
	PolicyYAML string   `json:"policy_yaml,omitempty" jsonschema:"A policy given inline as YAML (the format of get_compliance_policy); overrides policy."`
	Checks     []string `json:"checks,omitempty" jsonschema:"Only these check ids of the policy."`
	Format     string   `json:"format,omitempty" jsonschema:"text (default: results per workspace and the failed checks with evidence), markdown, html (embedded resource) or json (every check with its evidence)."`
	Limit      int      `json:"limit,omitempty" jsonschema:"Maximum rows of each table."`
}

type workspaceResult struct {
	Workspace string   `json:"workspace"`
	Tenant    string   `json:"tenant"`
	Passed    int      `json:"passed"`
	Failed    int      `json:"failed"`
	Errors    int      `json:"errors"`
	Compliant bool     `json:"compliant"`
	Failing   []string `json:"failing_checks"`
}

type runOut struct {
	Policy     posture.PolicyRef `json:"policy"`
	CheckedAt  string            `json:"checked_at"`
	Compliant  int               `json:"compliant_workspaces"`
	Workspaces []workspaceResult `json:"workspaces"`
	Failed     []posture.Failure `json:"failed,omitempty"`
	Result     render.Result     `json:"result"`
}

func runCheck(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name: "run_compliance_check",
		Description: "Check Sentinel workspaces (default all) against a compliance policy (built-in SOC baseline, a policy file, or inline YAML): " +
			"retention, required rules enabled, required connectors, MITRE coverage, UEBA, open incident age. Pass/fail per check with evidence.",
		Annotations: inventory.Annotations("Run a compliance check", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in runIn) (*mcp.CallToolResult, runOut, error) {
		p, from, err := policyOf(d, in.Policy, in.PolicyYAML)
		if err != nil {
			return nil, runOut{}, err
		}
		if len(in.Checks) > 0 {
			if p, err = only(p, in.Checks); err != nil {
				return nil, runOut{}, err
			}
		}
		rep, err := assess(ctx, d, req, in.Workspaces, in.Tenant, posture.Request{Policy: p, PolicyFrom: from, Charts: strings.EqualFold(in.Format, "html")})
		if err != nil {
			return nil, runOut{}, err
		}
		out := runOut{Policy: *rep.Policy, CheckedAt: rep.GeneratedAt.Format(time.RFC3339), Workspaces: []workspaceResult{}}
		out.Policy.Name, out.Policy.Source = textsafe.Line(out.Policy.Name), textsafe.Line(out.Policy.Source)
		for _, f := range rep.Failed {
			out.Failed = append(out.Failed, posture.Failure{Workspace: f.Workspace, Tenant: f.Tenant, Error: textsafe.Line(f.Error)})
		}
		for _, w := range rep.Workspaces {
			c := w.Compliance
			wr := workspaceResult{Workspace: w.Workspace.Alias, Tenant: w.Workspace.Tenant, Passed: c.Passed, Failed: c.Failed, Errors: c.Errors,
				Compliant: c.Compliant(), Failing: []string{}}
			for _, ch := range c.Checks {
				if ch.Status != posture.Pass {
					wr.Failing = append(wr.Failing, textsafe.Line(ch.ID))
				}
			}
			if wr.Compliant {
				out.Compliant++
			}
			out.Workspaces = append(out.Workspaces, wr)
		}
		summary := fmt.Sprintf("Policy %q (%s, %d checks) on %d workspace(s), %s: %d compliant, %s.", out.Policy.Name, out.Policy.Source,
			out.Policy.Checks, len(rep.Workspaces)+len(rep.Failed), rep.GeneratedAt.Format("2006-01-02 15:04 UTC"), out.Compliant, checksText(rep))
		budget := d.Budget().Limit(in.Limit)
		switch strings.ToLower(in.Format) {
		case "html":
			return htmlResult(rep, summary, out)
		case "markdown":
			md := report.Markdown(rep, report.Options{Title: "Compliance: " + p.Name, NoCharts: true})
			text, cut := render.Truncate(md, budget.MaxBytes-200)
			out.Result = render.Result{Format: "markdown", Rows: len(rep.Workspaces), TotalRows: len(rep.Workspaces), Truncated: cut}
			if cut {
				text += "\n\n[truncated: name fewer workspaces or checks, or use format html]"
			}
			return toolkit.Text(text), out, nil
		case "json":
			rr := render.Render(allChecks(rep), render.FormatJSON, budget)
			out.Result = rr
			doc := map[string]json.RawMessage{"results": json.RawMessage(rr.Text)}
			doc["summary"], _ = json.Marshal(summary)
			if len(out.Failed) > 0 {
				doc["failed"], _ = json.Marshal(out.Failed)
			}
			if rr.Truncated {
				doc["truncated"], _ = json.Marshal(rr.Footer())
			}
			b, _ := json.Marshal(doc)
			return toolkit.Text(string(b)), out, nil
		}
		var b strings.Builder
		b.WriteString(summary + "\n")
		matrix := budget
		matrix.MaxBytes = budget.MaxBytes / 3
		mr := render.Render(matrixTable(rep), render.FormatTable, matrix)
		b.WriteString(strings.TrimRight(mr.TextWithFooter(), "\n"))
		fb := budget
		fb.MaxBytes = max(1024, budget.MaxBytes-b.Len()-600)
		ft := failuresTable(rep)
		if len(ft.Rows) > 0 {
			fr := render.Render(ft, render.FormatTable, fb)
			b.WriteString("\n\nChecks that did not pass, with the evidence seen:\n")
			b.WriteString(strings.TrimRight(fr.TextWithFooter(), "\n"))
			mr.Truncated = mr.Truncated || fr.Truncated
			mr.Rows, mr.TotalRows = mr.Rows+fr.Rows, mr.TotalRows+fr.TotalRows
		} else if len(rep.Workspaces) > 0 {
			b.WriteString("\n\nEvery check passed. The evidence of each is in format json.")
		}
		if len(out.Failed) > 0 {
			fmt.Fprintf(&b, "\n\n%d workspace(s) could not be checked (left out above):", len(out.Failed))
			for _, f := range out.Failed {
				fmt.Fprintf(&b, "\n- %s: %s", f.Workspace, f.Error)
			}
		}
		out.Result = mr
		return toolkit.Text(b.String()), out, nil
	}, inventory.Enum("format", "text", "markdown", "html", "json"), inventory.MaxLength("policy_yaml", posture.MaxPolicyBytes),
		inventory.Range("limit", 1, 1000))
}

func policyOf(d *toolkit.Deps, name, inline string) (*content.Policy, string, error) {
	dir, fallback := "", ""
	if d != nil && d.Config != nil {
		dir, fallback = d.Config.Compliance.PolicyDir, d.Config.Compliance.Policy
	}
	p, from, err := posture.ResolvePolicy(name, inline, dir, fallback)
	if err != nil {
		arg := "policy"
		if strings.TrimSpace(inline) != "" {
			arg = "policy_yaml"
		}
		return nil, "", toolkit.ArgError(arg, "%v", err)
	}
	return p, from, nil
}

// only keeps the named checks of a policy.
func only(p *content.Policy, ids []string) (*content.Policy, error) {
	keep := *p
	keep.Checks = nil
	for _, id := range ids {
		c, ok := p.Check(strings.TrimSpace(id))
		if !ok {
			var have []string
			for _, c := range p.Checks {
				have = append(have, c.ID)
			}
			return nil, toolkit.ArgError("checks", "%q is not a check of policy %q: its checks are %s", id, p.Name, strings.Join(have, ", "))
		}
		keep.Checks = append(keep.Checks, c)
	}
	return &keep, nil
}

func assess(ctx context.Context, d *toolkit.Deps, req *mcp.CallToolRequest, workspaces []string, tenant string, r posture.Request) (*posture.Report, error) {
	if d == nil || d.Registry == nil || d.Azure == nil {
		return nil, errNoAzure
	}
	if len(workspaces) == 0 && tenant == "" {
		workspaces = []string{"all"}
	}
	// All workspaces (or a tenant's) include those discovery lists without Sentinel
	// (azure.discovery.include_non_sentinel): they are reported as not onboarded.
	wss, notOnboarded, err := snapshot.Targets(ctx, d.Registry, workspaces, tenant)
	if err != nil {
		return nil, err
	}
	wss = append(wss, notOnboarded...)
	if len(wss) == 0 {
		return nil, errors.New("no Sentinel workspaces to check: list_workspaces shows the workspaces you may address")
	}
	if d.Config != nil {
		r.Thresholds = posture.ThresholdsFrom(d.Config.Health)
	}
	prog := toolkit.NewProgress(req)
	r.Progress = func(done, total int, last string) {
		prog.Step(ctx, done, total, fmt.Sprintf("checked %s (%d of %d)", last, done, total))
	}
	rep := posture.Run(ctx, posture.Deps{Provider: d.Azure, FanOut: d.Registry.FanOut(), Now: d.Clock}, wss, r)
	if len(rep.Workspaces) == 0 && len(rep.Failed) > 0 {
		var msgs []string
		for _, f := range rep.Failed {
			msgs = append(msgs, f.Workspace+": "+textsafe.Line(f.Error))
		}
		return nil, toolkit.Unavailable(fmt.Sprintf("checking %d workspace(s)", len(rep.Failed)), errors.New(strings.Join(msgs, "; ")),
			"retry in a minute; if it persists, check access with list_workspaces")
	}
	return rep, nil
}

func checksText(rep *posture.Report) string {
	passed, failed, errs, _ := rep.ComplianceCounts()
	s := fmt.Sprintf("%d of %d checks passed", passed, passed+failed+errs)
	if errs > 0 {
		s += fmt.Sprintf(", %d could not be evaluated", errs)
	}
	return s
}

// matrixTable is one row per workspace: the status of each check.
func matrixTable(rep *posture.Report) *render.Table {
	t := &render.Table{Columns: []render.Column{{Name: "workspace"}}}
	var ids []string
	if len(rep.Workspaces) > 0 {
		for _, c := range rep.Workspaces[0].Compliance.Checks {
			ids = append(ids, c.ID)
			t.Columns = append(t.Columns, render.Column{Name: textsafe.Line(c.ID)})
		}
	}
	t.Columns = append(t.Columns, render.Column{Name: "result"})
	for _, w := range rep.Workspaces {
		row := []any{w.Workspace.Alias}
		for _, c := range w.Compliance.Checks {
			row = append(row, c.Status)
		}
		t.Rows = append(t.Rows, append(row, w.Compliance.Summary))
	}
	return t
}

// failuresTable lists the checks that did not pass, most severe first, with their evidence.
func failuresTable(rep *posture.Report) *render.Table {
	t := &render.Table{Columns: []render.Column{{Name: "workspace"}, {Name: "check"}, {Name: "severity"}, {Name: "status"}, {Name: "evidence"}}}
	for _, sev := range []string{"High", "Medium", "Low", "Informational"} {
		for _, w := range rep.Workspaces {
			for _, c := range w.Compliance.Checks {
				if c.Status != posture.Pass && c.Severity == sev {
					t.Rows = append(t.Rows, []any{w.Workspace.Alias, textsafe.Line(c.ID), c.Severity, c.Status, textsafe.Line(c.Evidence)})
				}
			}
		}
	}
	return t
}

// allChecks is every check of every workspace with its evidence.
func allChecks(rep *posture.Report) *render.Table {
	t := &render.Table{Columns: []render.Column{{Name: "workspace"}, {Name: "tenant"}, {Name: "check"}, {Name: "title"}, {Name: "severity"},
		{Name: "status"}, {Name: "evidence"}}}
	for _, w := range rep.Workspaces {
		for _, c := range w.Compliance.Checks {
			t.Rows = append(t.Rows, []any{w.Workspace.Alias, w.Workspace.Tenant, textsafe.Line(c.ID), textsafe.Line(c.Title), c.Severity, c.Status,
				textsafe.Line(c.Evidence)})
		}
	}
	return t
}

func htmlResult(rep *posture.Report, summary string, out runOut) (*mcp.CallToolResult, runOut, error) {
	page, err := report.HTML(rep, report.Options{Title: "Compliance report"})
	if err != nil {
		return nil, runOut{}, err
	}
	if len(page) > MaxHTMLBytes {
		return nil, runOut{}, fmt.Errorf("the HTML report is %d bytes, over the %d-byte limit of a tool result: name fewer workspaces, or use `sentinel-mcp compliance --format html --out report.html`", len(page), MaxHTMLBytes)
	}
	uri := "sentinel-mcp://reports/compliance-" + rep.GeneratedAt.Format("20060102T150405Z") + ".html"
	out.Result = render.Result{Format: "html", Rows: len(rep.Workspaces), TotalRows: len(rep.Workspaces)}
	return &mcp.CallToolResult{Content: []mcp.Content{
		&mcp.TextContent{Text: summary + fmt.Sprintf(" The report is the embedded resource %s (self-contained HTML, %d bytes).", uri, len(page))},
		&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: uri, MIMEType: "text/html", Text: string(page)}},
	}}, out, nil
}

type policyIn struct {
	Policy string `json:"policy,omitempty" jsonschema:"A file name in the configured policy directory; default: the configured policy, else the built-in baseline."`
}

type policyOut struct {
	Name   string   `json:"name"`
	Source string   `json:"source"`
	Checks []string `json:"checks"`
}

func getPolicy(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_compliance_policy",
		Description: "Show a compliance policy as YAML (default: the built-in SOC baseline) and list the policy files of the configured policy directory; edit it and pass it to run_compliance_check as policy_yaml.",
		Annotations: inventory.Annotations("Show a compliance policy", inventory.ReadOnly|inventory.Idempotent),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in policyIn) (*mcp.CallToolResult, policyOut, error) {
		p, from, err := policyOf(d, in.Policy, "")
		if err != nil {
			return nil, policyOut{}, err
		}
		out := policyOut{Name: textsafe.Line(p.Name), Source: textsafe.Line(from), Checks: []string{}}
		for _, c := range p.Checks {
			out.Checks = append(out.Checks, textsafe.Line(c.ID))
		}
		var text string
		if from == posture.BuiltinPolicy {
			text = string(content.DefaultPolicyYAML())
		} else {
			raw, err := posture.PolicyFileYAML(d.Config.Compliance.PolicyDir, from)
			if err != nil {
				return nil, policyOut{}, err
			}
			text = textsafe.Text(raw)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Policy %q (%s), %d checks:\n\n```yaml\n%s\n```\n", out.Name, out.Source, len(p.Checks), strings.TrimRight(text, "\n"))
		if d.Config != nil && d.Config.Compliance.PolicyDir != "" {
			if files := posture.PolicyFiles(d.Config.Compliance.PolicyDir); len(files) > 0 {
				fmt.Fprintf(&b, "\nPolicy files in the policy directory: %s.", strings.Join(textsafe.Strings(files), ", "))
			}
		} else {
			b.WriteString("\nNo policy directory is configured (compliance.policy_dir): use the built-in policy or pass a policy inline as policy_yaml.")
		}
		return toolkit.Text(b.String()), out, nil
	}, inventory.MaxLength("policy", 255))
}
