package report_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	noCharts := report.Markdown(rep, report.Options{NoCharts: true})
	if strings.Contains(noCharts, "## Ingestion per tenant") {
		t.Error("NoCharts still has the chart tables")
	}
}

// chromium finds a headless browser: $CHROMIUM, else chromium or chromium-browser on PATH.
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshot renders the page in headless Chromium and checks the image is a rendered report: the
// right size, not blank (pixel variance), the dark masthead above a light page. CI=true makes
// Chromium required; elsewhere the test skips without it. SCREENSHOT_DIR keeps the PNG.
func screenshot(t *testing.T, page []byte) {
	bin := chromium()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("headless Chromium is required in CI (.ci/run installs the Debian package chromium); set CHROMIUM to its path")
		}
		t.Skip("no chromium on PATH (apt-get install chromium, or set CHROMIUM)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "report.html")
	if err := os.WriteFile(in, page, 0o600); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "report.png")
	const width, height = 1280, 2400
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1280,2400", "file://"+in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out)
	}
	if d := os.Getenv("SCREENSHOT_DIR"); d != "" {
		_ = os.WriteFile(filepath.Join(d, "report.png"), raw, 0o644)
	}
	if len(raw) < 50<<10 {
		t.Errorf("the screenshot is only %d bytes: the page did not render", len(raw))
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), width, height)
	}
	mean, variance, colors := stats(img)
	if variance < 200 || colors < 64 {
		t.Errorf("the screenshot looks blank: luminance mean %.0f, variance %.0f, %d distinct colors", mean, variance, colors)
	}
	// The masthead is dark navy, the page below it light: the stylesheet was applied.
	if l := lum(img, 20, 20); l > 80 {
		t.Errorf("masthead luminance %.0f: the header is not dark", l)
	}
	if l := lum(img, 8, 600); l < 200 {
		t.Errorf("page background luminance %.0f: the page is not light", l)
	}
}

func lum(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 257
}

func stats(img image.Image) (mean, variance float64, colors int) {
	b := img.Bounds()
	seen := map[uint32]bool{}
	var sum, sq, n float64
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
			l := lum(img, x, y)
			sum, sq, n = sum+l, sq+l*l, n+1
		}
	}
	mean = sum / n
	return mean, sq/n - mean*mean, len(seen)
}
