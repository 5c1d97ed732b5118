package report_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/posture"
	"github.com/sentinel-mcp/sentinel-mcp/internal/posture/posturetest"
	"github.com/sentinel-mcp/sentinel-mcp/internal/report"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	tenancytools "github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// The report is rendered from a real assessment of the emulator's seeded world (posturetest), so the
// tests see the shapes production sees: several tenants, failed and passed checks, findings.

func assessWorld(t *testing.T) *posture.Report {
	t.Helper()
	env := posturetest.Start(t, toolsettest.Options{Toolsets: []toolsettest.Toolset{
		{Toolset: inventory.Toolset{Name: "tenancy"}, Tools: tenancytools.Tools}}})
	ctx := context.Background()
	wss, err := env.Registry.Select(ctx, tenancy.Selector{All: true})
	if err != nil {
		t.Fatal(err)
	}
	return posture.Run(ctx, posture.Deps{Provider: env.Provider, FanOut: env.Registry.FanOut(), Now: env.Deps.Clock}, wss,
		posture.Request{Health: true, Mode: posture.Detailed, Policy: content.DefaultPolicy(), PolicyFrom: posture.BuiltinPolicy, Charts: true})
}

func TestReport(t *testing.T) {
	rep := assessWorld(t)
	page, err := report.HTML(rep, report.Options{Title: "Woodgrove SOC: monthly report", Product: "sentinel-mcp test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("HTML structure", func(t *testing.T) { structure(t, rep, page) })
	t.Run("Markdown", func(t *testing.T) { markdown(t, rep) })
	t.Run("renders in headless Chromium", func(t *testing.T) { screenshot(t, page) })
}

func structure(t *testing.T, rep *posture.Report, page []byte) {
	if len(page) > 300<<10 {
		t.Errorf("the page is %d bytes for %d workspaces", len(page), len(rep.Workspaces))
	}
	doc := posturetest.CheckHTML(t, string(page))
	var h2 []string
	svgs, series, bars := 0, 0, 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "h2":
				if n.FirstChild != nil {
					h2 = append(h2, n.FirstChild.Data)
				}
			case "svg":
				if attr(n, "class") == "chart" {
					svgs++
				}
			case "path":
				if strings.Contains(attr(n, "class"), "series") && !strings.Contains(attr(n, "class"), "dashed") {
					series++
				}
			case "rect":
				if attr(n, "fill") != "" && attr(n, "width") != "10" && attr(n, "width") != "12" {
					bars++
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, want := range []string{"Ingestion per tenant", "Incidents per tenant", "Workspace health", "Health findings", "Compliance"} {
		if !contains(h2, want) {
			t.Errorf("no %q section: %q", want, h2)
		}
	}
	tenants := len(rep.Tenants())
	if svgs != 2 || series != tenants {
		t.Errorf("charts: %d svg, %d ingestion lines for %d tenants", svgs, series, tenants)
	}
	if bars == 0 {
		t.Error("the incident chart has no bars (the seeded stories raised incidents)")
	}
	legend := posturetest.Text(doc, "legend")
	for _, ten := range rep.Tenants() {
		if !contains(legend, ten) {
			t.Errorf("tenant %s is not in a chart legend: %q", ten, legend)
		}
	}
	// The health table comes first: its status pills are the first ones, one per workspace.
	pills := posturetest.Text(doc, "pill")
	if len(pills) < len(rep.Workspaces) {
		t.Fatalf("%d status pills for %d workspaces", len(pills), len(rep.Workspaces))
	}
	statuses := map[string]int{}
	for _, p := range pills[:len(rep.Workspaces)] {
		statuses[p]++
	}
	counts := rep.StatusCounts()
	for _, st := range []posture.Status{posture.Healthy, posture.Degraded, posture.Unhealthy} {
		if statuses[string(st)] != counts[st] {
			t.Errorf("health table pills %v, counts %v", statuses, counts)
		}
	}
	cells := len(posturetest.Text(doc, "c-pass")) + len(posturetest.Text(doc, "c-fail")) + len(posturetest.Text(doc, "c-error"))
	if want := len(rep.Workspaces) * len(content.DefaultPolicy().Checks); cells != want {
		t.Errorf("compliance matrix has %d cells, want %d", cells, want)
	}
	if v := posturetest.Text(doc, "value"); len(v) != 4 {
		t.Errorf("want 4 summary cards (health, compliance, incidents, ingestion), got %q", v)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func markdown(t *testing.T, rep *posture.Report) {
	md := report.Markdown(rep, report.Options{})
	for _, want := range []string{"# SOC health and compliance report", "## Workspace health", "## Compliance", "### Failed checks",
		"## Ingestion per tenant (MB/day)", "## Incidents per tenant", world.MustWorkspace(world.WSContosoDev).Alias()} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	// Every table row has as many cells as its header.
	var cols int
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("table row with %d separators under a %d-column header: %s", n, cols, line)
		}
	}
	// Each workspace's last complete day of ingestion, against its median, in the health table.
	for _, w := range rep.Workspaces {
		m := w.Health.Metrics
		if want := fmt.Sprintf("(%+.0f%%) |", m.TrendPct); len(m.DailyMB) > 1 && m.MedianDailyMB > 0 && !strings.Contains(md, want) {
			t.Errorf("the health table lacks %s's last day %q", w.Workspace.Alias, want)
		}
	}
	noCharts := report.Markdown(rep, report.Options{NoCharts: true})
	if strings.Contains(noCharts, "## Ingestion per tenant") {
		t.Error("NoCharts still has the chart tables")
	}
}

// screenshot renders the page in headless Chromium (posturetest.Screenshot checks the image is a
// rendered report).
func screenshot(t *testing.T, page []byte) { posturetest.Screenshot(t, page, "report") }
