package compliance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/posture"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/report"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type reportIn struct {
	toolkit.WorkspacesArg
	toolkit.TenantArg
	Format       string `json:"format,omitempty" jsonschema:"markdown (default) or html: a self-contained page (inline CSS and SVG charts) returned as an embedded resource."`
	Title        string `json:"title,omitempty" jsonschema:"Report title, e.g. the customer's name."`
	NoCompliance bool   `json:"no_compliance,omitempty" jsonschema:"Leave out the compliance checks."`
	Policy       string `json:"policy,omitempty" jsonschema:"Compliance policy: a file name in the configured policy directory; default the configured policy, else the built-in baseline."`
	PolicyYAML   string `json:"policy_yaml,omitempty" jsonschema:"A compliance policy given inline as YAML (the format of get_compliance_policy); overrides policy."`
}

type reportOut struct {
	Format      string            `json:"format"`
	Title       string            `json:"title"`
	GeneratedAt string            `json:"generated_at"`
	Workspaces  int               `json:"workspaces"`
	Counts      map[string]int    `json:"counts"`
	Policy      string            `json:"policy,omitempty"`
	Compliant   int               `json:"compliant_workspaces"`
	Bytes       int               `json:"bytes"`
	URI         string            `json:"uri,omitempty"`
	Truncated   bool              `json:"truncated"`
	Failed      []posture.Failure `json:"failed,omitempty"`
}

func generateReport(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name: "generate_soc_report",
		Description: "Build a SOC report over workspaces (default all) to send to a customer: health, compliance against a policy, " +
			"ingestion per tenant over time, incidents per tenant by severity, open high-severity incidents. Markdown, or HTML as an embedded resource.",
		Annotations: inventory.Annotations("Generate a SOC report", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in reportIn) (*mcp.CallToolResult, reportOut, error) {
		r := posture.Request{Health: true, Mode: posture.Detailed, Charts: true}
		if !in.NoCompliance {
			dir, fallback := "", ""
			if d.Config != nil {
				dir, fallback = d.Config.Compliance.PolicyDir, d.Config.Compliance.Policy
			}
			p, from, err := posture.ResolvePolicy(in.Policy, in.PolicyYAML, dir, fallback)
			if err != nil {
				return nil, reportOut{}, toolkit.ArgError("policy", "%v", err)
			}
			r.Policy, r.PolicyFrom = p, from
		} else if in.Policy != "" || in.PolicyYAML != "" {
			return nil, reportOut{}, toolkit.ArgError("no_compliance", "a policy was given with no_compliance: drop one of them")
		}
		rep, err := assess(ctx, d, req, in.Workspaces, in.Tenant, r)
		if err != nil {
			return nil, reportOut{}, err
		}
		opts := report.Options{Title: in.Title, Product: "sentinel-mcp"}
		out := reportOut{Format: "markdown", Title: textsafe.Line(in.Title), GeneratedAt: rep.GeneratedAt.Format(time.RFC3339),
			Workspaces: len(rep.Workspaces) + len(rep.Failed), Counts: map[string]int{}, Failed: cleanFailures(rep.Failed)}
		if out.Title == "" {
			out.Title = "SOC health and compliance report"
		}
		for st, n := range rep.StatusCounts() {
			out.Counts[string(st)] = n
		}
		if rep.Policy != nil {
			out.Policy = textsafe.Line(rep.Policy.Name)
			_, _, _, out.Compliant = rep.ComplianceCounts()
		}
		if strings.EqualFold(in.Format, "html") {
			page, err := report.HTML(rep, opts)
			if err != nil {
				return nil, reportOut{}, err
			}
			if len(page) > MaxHTMLBytes {
				return nil, reportOut{}, fmt.Errorf("the HTML report is %d bytes, over the %d-byte limit of a tool result: name fewer workspaces, or write it with `sentinel-mcp report --format html --out report.html`", len(page), MaxHTMLBytes)
			}
			out.Format, out.Bytes = "html", len(page)
			out.URI = "sentinel-mcp://reports/soc-report-" + rep.GeneratedAt.Format("20060102T150405Z") + ".html"
			summary := fmt.Sprintf("SOC report (HTML, %d bytes) over %d workspace(s): %s. The page is self-contained (no script, no external resource); save the embedded resource %s as a .html file to view or send it.",
				len(page), out.Workspaces, healthText(rep), out.URI)
			return &mcp.CallToolResult{Content: []mcp.Content{
				&mcp.TextContent{Text: summary},
				&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: out.URI, MIMEType: "text/html", Text: string(page)}},
			}}, out, nil
		}
		text, rr := markdownWithin(d, rep, opts)
		out.Bytes, out.Truncated = len(text), rr.Truncated
		return toolkit.Text(text), out, nil
	}, inventory.Enum("format", "markdown", "html"), inventory.MaxLength("policy_yaml", posture.MaxPolicyBytes), inventory.MaxLength("title", 200))
}

// markdownWithin renders the report as Markdown cut to the result budget.
func markdownWithin(d *toolkit.Deps, rep *posture.Report, opts ...report.Options) (string, render.Result) {
	o := report.Options{NoCharts: true}
	if len(opts) > 0 {
		o = opts[0]
	}
	md := report.Markdown(rep, o)
	limit := d.Budget().Limit(0).MaxBytes
	text, cut := render.Truncate(md, limit-200)
	rr := render.Result{Format: "markdown", Rows: len(rep.Workspaces), TotalRows: len(rep.Workspaces)}
	if cut {
		text += "\n\n[truncated: the report is longer than the result budget. Name fewer workspaces, ask for format html, or write the full report with `sentinel-mcp report --out report.md`.]"
		rr.Truncated, rr.Reason = true, "bytes"
		rr.Advice = "Name fewer workspaces or use the html format."
	}
	return text, rr
}

func cleanFailures(fs []posture.Failure) []posture.Failure {
	out := make([]posture.Failure, len(fs))
	for i, f := range fs {
		out[i] = posture.Failure{Workspace: f.Workspace, Tenant: f.Tenant, Error: textsafe.Line(f.Error)}
	}
	return out
}

func healthText(rep *posture.Report) string {
	c := rep.StatusCounts()
	s := fmt.Sprintf("%d healthy, %d degraded, %d unhealthy", c[posture.Healthy], c[posture.Degraded], c[posture.Unhealthy])
	if c[posture.Unknown] > 0 {
		s += fmt.Sprintf(", %d unknown", c[posture.Unknown])
	}
	return s
}
