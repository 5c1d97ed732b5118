package compliance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/posture/posturetest"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/compliance"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// offset moves the emulator's clock (to create an incident in the past).
var offset *atomic.Int64

var toolset = toolsettest.Toolset{Toolset: inventory.Toolset{Name: compliance.Name, Description: "Compliance."}, Tools: compliance.Tools}

type result struct {
	ID       string `json:"check"`
	Status   string `json:"status"`
	Severity string `json:"severity"`
	Evidence string `json:"evidence"`
}

type runOut struct {
	Policy struct {
		Name   string `json:"name"`
		Source string `json:"source"`
		Checks int    `json:"checks"`
	} `json:"policy"`
	Compliant  int `json:"compliant_workspaces"`
	Workspaces []struct {
		Workspace string   `json:"workspace"`
		Compliant bool     `json:"compliant"`
		Failing   []string `json:"failing_checks"`
	} `json:"workspaces"`
	Failed []struct{ Workspace, Error string } `json:"failed"`
}

// results decodes the json format: every check of every workspace with its evidence.
func results(t *testing.T, text string) map[string]map[string]result {
	t.Helper()
	var doc struct {
		Results struct {
			Columns []struct{ Name string } `json:"columns"`
			Rows    [][]any                 `json:"rows"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("json format: %v\n%s", err, text)
	}
	idx := map[string]int{}
	for i, c := range doc.Results.Columns {
		idx[c.Name] = i
	}
	out := map[string]map[string]result{}
	for _, r := range doc.Results.Rows {
		ws := fmt.Sprint(r[idx["workspace"]])
		if out[ws] == nil {
			out[ws] = map[string]result{}
		}
		id := fmt.Sprint(r[idx["check"]])
		out[ws][id] = result{ID: id, Status: fmt.Sprint(r[idx["status"]]), Severity: fmt.Sprint(r[idx["severity"]]), Evidence: fmt.Sprint(r[idx["evidence"]])}
	}
	return out
}

func TestCompliance(t *testing.T) {
	dir := t.TempDir()
	now := posturetest.Now()
	offset = &atomic.Int64{}
	env := posturetest.Start(t, toolsettest.Options{Toolsets: []toolsettest.Toolset{toolset},
		Emulator:  emulator.Options{Now: func() time.Time { return now.Add(time.Duration(offset.Load())) }},
		Configure: func(c *config.Config) { c.Compliance.PolicyDir = dir }})
	t.Run("the default policy fails the seeded differences with evidence and passes the baseline", func(t *testing.T) { seeded(t, env) })
	t.Run("policy files stay in the policy directory", func(t *testing.T) { policyFiles(t, env, dir) })
	t.Run("inline policies and check selection", func(t *testing.T) { inline(t, env) })
	t.Run("formats", func(t *testing.T) { formats(t, env) })
	t.Run("report escapes attacker-controlled text", func(t *testing.T) { reportEscapes(t, env) })
	t.Run("MITRE coverage thresholds", func(t *testing.T) { mitre(t, env) })
	t.Run("progress per workspace", func(t *testing.T) { progress(t, env) })
	t.Run("partial results when a tenant fails", func(t *testing.T) { partial(t, env) })
}

// mitre fails a coverage threshold the rules cannot meet and a tactic no enabled rule covers, with the
// counts seen as evidence, and passes the thresholds they meet.
func mitre(t *testing.T, env *toolsettest.Env) {
	ws := world.MustWorkspace(world.WSSocCentral).Alias()
	yaml := "name: coverage\nchecks:\n" +
		"  - id: wide\n    title: Wide\n    type: mitreCoverage\n    severity: Medium\n    minTactics: 14\n    minTechniques: 200\n" +
		"  - id: recon\n    title: Recon\n    type: mitreCoverage\n    severity: Low\n    requiredTactics: [InhibitResponseFunction, InitialAccess]\n" +
		"  - id: some\n    title: Some\n    type: mitreCoverage\n    severity: Low\n    minTactics: 3\n    minTechniques: 3\n"
	all := results(t, env.CallOK("run_compliance_check", map[string]any{"policy_yaml": yaml, "workspaces": []string{ws}, "format": "json"}).Text)[ws]
	if r := all["wide"]; r.Status != "fail" || !strings.Contains(r.Evidence, "tactics covered (minimum 14)") || !strings.Contains(r.Evidence, "techniques (minimum 200)") {
		t.Errorf("wide coverage: %+v", r)
	}
	if r := all["recon"]; r.Status != "fail" || !strings.Contains(r.Evidence, "required tactics without an enabled rule: InhibitResponseFunction") {
		t.Errorf("required tactic: %+v", r)
	}
	if r := all["some"]; r.Status != "pass" {
		t.Errorf("modest coverage: %+v", r)
	}
}

func progress(t *testing.T, env *toolsettest.Env) {
	res, msgs := posturetest.CallWithProgress(t, env, "run_compliance_check", map[string]any{"workspaces": []string{"all"}})
	if res.IsError {
		t.Fatalf("run_compliance_check: %v", res.Content)
	}
	wss, _ := env.Registry.Workspaces(context.Background())
	if len(msgs) != len(wss) || !strings.Contains(msgs[len(msgs)-1], fmt.Sprintf("(%d of %d)", len(wss), len(wss))) {
		t.Errorf("want one progress notification per workspace (%d), got %q", len(wss), msgs)
	}
}

func seeded(t *testing.T, env *toolsettest.Env) {
	facts := world.SeededFacts()
	res := env.CallOK("run_compliance_check", map[string]any{"format": "json"})
	all := results(t, res.Text)
	alias := func(ws string) string { return world.MustWorkspace(ws).Alias() }
	p := content.DefaultPolicy()
	retentionCheck := ""
	for _, c := range p.Checks {
		if c.Type == content.CheckMinRetention {
			retentionCheck = c.ID
		}
	}
	for _, d := range facts.Diff(world.DiffShortRetention) {
		r := all[alias(d.Workspace)][retentionCheck]
		if r.Status != "fail" || !strings.Contains(r.Evidence, fmt.Sprintf("workspace retention %d days", d.RetentionDays)) {
			t.Errorf("short retention of %s: %+v", d.Workspace, r)
		}
	}
	rulesCheck := "required-rules"
	for _, d := range append(facts.Diff(world.DiffDisabledRule), facts.Diff(world.DiffMissingRule)...) {
		r := all[alias(d.Workspace)][rulesCheck]
		rule, _ := content.RuleByID(d.Rule)
		required := false
		if c, ok := p.Check(rulesCheck); ok {
			for _, pr := range c.Rules {
				required = required || pr.ID == d.Rule
			}
		}
		if !required {
			continue
		}
		word := map[string]string{world.DiffDisabledRule: "disabled", world.DiffMissingRule: "missing"}[d.Kind]
		if r.Status != "fail" || !strings.Contains(r.Evidence, "1 "+word+": "+rule.Name) {
			t.Errorf("%s rule %q in %s: %+v", word, rule.Name, d.Workspace, r)
		}
	}
	for _, d := range facts.Diff(world.DiffUEBADisabled) {
		if r := all[alias(d.Workspace)]["ueba"]; r.Status != "fail" || !strings.Contains(r.Evidence, "UEBA off") {
			t.Errorf("UEBA disabled in %s: %+v", d.Workspace, r)
		}
	}
	base := all[alias(facts.Baseline)]
	if len(base) != len(p.Checks) {
		t.Fatalf("the baseline has %d results, want %d", len(base), len(p.Checks))
	}
	for id, r := range base {
		if r.Status != "pass" || r.Evidence == "" {
			t.Errorf("the baseline %s fails %s: %+v", facts.Baseline, id, r)
		}
	}
	if !strings.Contains(base["mitre-coverage"].Evidence, "all 6 required tactics covered") {
		t.Errorf("coverage evidence: %s", base["mitre-coverage"].Evidence)
	}

	// The default text: a matrix and the failed checks with their evidence.
	res = env.CallOK("run_compliance_check", map[string]any{})
	var out runOut
	res.Decode(&out)
	if out.Policy.Source != "built-in" || out.Policy.Checks != len(p.Checks) {
		t.Errorf("policy: %+v", out.Policy)
	}
	for _, w := range out.Workspaces {
		if w.Workspace == alias(facts.Baseline) && (!w.Compliant || len(w.Failing) != 0) {
			t.Errorf("baseline: %+v", w)
		}
		if w.Workspace == alias(world.WSContosoDev) && (w.Compliant || !contains(w.Failing, retentionCheck)) {
			t.Errorf("contoso-dev: %+v", w)
		}
	}
	for _, want := range []string{"Checks that did not pass", "| " + alias(world.WSContosoDev) + " | " + retentionCheck + " | High | fail | workspace retention 30 days"} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, res.Text)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func policyFiles(t *testing.T, env *toolsettest.Env, dir string) {
	strict := "name: strict\nversion: 2\nchecks:\n  - id: retention-365\n    title: One year of retention\n    type: minRetention\n    severity: High\n    minDays: 365\n"
	if err := os.WriteFile(filepath.Join(dir, "strict.yaml"), []byte(strict), 0o600); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(filepath.Dir(dir), "outside.yaml")
	os.WriteFile(outside, []byte(strict), 0o600)
	os.Symlink(outside, filepath.Join(dir, "link.yaml"))

	res := env.CallOK("run_compliance_check", map[string]any{"policy": "strict.yaml", "workspaces": []string{world.MustWorkspace(world.WSSocCentral).Alias()}})
	var out runOut
	res.Decode(&out)
	if out.Policy.Name != "strict" || out.Policy.Source != "strict.yaml" || out.Compliant != 0 {
		t.Errorf("strict policy: %+v", out)
	}
	for ref, want := range map[string]string{
		"../outside.yaml": "inside the policy directory",
		outside:           "inside the policy directory",
		"link.yaml":       "outside the policy directory",
		"nope.yaml":       "not found in the policy directory (available: link.yaml, strict.yaml)",
		"strict.txt":      "end in .yaml, .yml or .json",
	} {
		if msg := env.CallError("run_compliance_check", map[string]any{"policy": ref}); !strings.Contains(msg, want) {
			t.Errorf("policy %q: %s (want %q)", ref, msg, want)
		}
	}
	res = env.CallOK("get_compliance_policy", map[string]any{"policy": "strict.yaml"})
	if !strings.Contains(res.Text, "minDays: 365") || !strings.Contains(res.Text, "strict.yaml") {
		t.Errorf("get_compliance_policy strict.yaml:\n%s", res.Text)
	}
	res = env.CallOK("get_compliance_policy", map[string]any{})
	if !strings.Contains(res.Text, string(content.DefaultPolicyYAML()[:40])) {
		t.Errorf("get_compliance_policy (built-in):\n%s", res.Text)
	}
}

func inline(t *testing.T, env *toolsettest.Env) {
	ws := world.MustWorkspace(world.WSContosoDev).Alias()
	yaml := "name: inline\nversion: 1\nchecks:\n  - id: r\n    title: Retention\n    type: minRetention\n    severity: Low\n    minDays: 20\n"
	res := env.CallOK("run_compliance_check", map[string]any{"policy_yaml": yaml, "workspaces": []string{ws}})
	var out runOut
	res.Decode(&out)
	if out.Policy.Source != "inline" || out.Compliant != 1 {
		t.Errorf("inline policy on %s: %+v", ws, out)
	}
	for _, c := range []struct{ yaml, want string }{
		{"name: x\nchecks:\n  - id: r\n    title: R\n    type: minRetention\n    severity: Low\n    minDay: 20\n", "field minDay not found"},
		{"name: x\nchecks:\n  - id: r\n    title: R\n    type: retention\n    severity: Low\n", `unknown type "retention"`},
		{"checks: [", "policy YAML"},
	} {
		if msg := env.CallError("run_compliance_check", map[string]any{"policy_yaml": c.yaml}); !strings.Contains(msg, "policy_yaml") || !strings.Contains(msg, c.want) {
			t.Errorf("policy_yaml %q: %s (want %q)", c.yaml, msg, c.want)
		}
	}
	res = env.CallOK("run_compliance_check", map[string]any{"checks": []string{"ueba"}, "workspaces": []string{ws}})
	out = runOut{}
	res.Decode(&out)
	if out.Policy.Checks != 1 {
		t.Errorf("checks filter: %+v", out.Policy)
	}
	if msg := env.CallError("run_compliance_check", map[string]any{"checks": []string{"nope"}}); !strings.Contains(msg, "retention, required-rules") {
		t.Errorf("unknown check: %s", msg)
	}
}

func formats(t *testing.T, env *toolsettest.Env) {
	ws := world.MustWorkspace(world.WSNorthwindSentinel).Alias()
	res := env.CallOK("run_compliance_check", map[string]any{"format": "markdown", "workspaces": []string{ws}})
	if !strings.Contains(res.Text, "## Compliance") || !strings.Contains(res.Text, "**FAIL**") {
		t.Errorf("markdown:\n%s", res.Text)
	}
	res = env.CallOK("run_compliance_check", map[string]any{"format": "html", "workspaces": []string{ws}})
	er, ok := res.Content[len(res.Content)-1].(*mcp.EmbeddedResource)
	if !ok || er.Resource.MIMEType != "text/html" {
		t.Fatalf("html: %#v", res.Content)
	}
	doc := posturetest.CheckHTML(t, er.Resource.Text)
	if cells := posturetest.Text(doc, "c-fail"); len(cells) == 0 {
		t.Error("the HTML matrix shows no failed check for northwind")
	}
}

func partial(t *testing.T, env *toolsettest.Env) {
	broken := world.MustWorkspace(world.WSFabrikamSentinel)
	// Its UEBA settings cannot be read: that check is an error with the reason, the others still count.
	id, _ := env.Emulator.Faults().Add(emulator.Fault{Route: "/subscriptions/*/**/settings/*", Tenant: broken.TenantID, Status: 500})
	res := env.CallOK("run_compliance_check", map[string]any{"format": "json"})
	all := results(t, res.Text)
	if r := all[broken.Alias()]["ueba"]; r.Status != "error" || !strings.Contains(r.Evidence, "500") {
		t.Errorf("ueba of %s with its settings failing: %+v", broken.Alias(), r)
	}
	if r := all[broken.Alias()]["required-rules"]; r.Status != "pass" {
		t.Errorf("required-rules of %s should still be evaluated: %+v", broken.Alias(), r)
	}
	env.Emulator.Faults().Remove(id)
	// Nothing can be read: the workspace is reported as not checked, the others are.
	id, _ = env.Emulator.Faults().Add(emulator.Fault{Route: "arm", Tenant: broken.TenantID, Status: 500})
	res = env.CallOK("run_compliance_check", map[string]any{})
	var out runOut
	res.Decode(&out)
	if len(out.Failed) != 1 || out.Failed[0].Workspace != broken.Alias() || len(out.Workspaces) == 0 {
		t.Errorf("want %s failed and the others checked: %+v", broken.Alias(), out)
	}
	if !strings.Contains(res.Text, "could not be checked") {
		t.Errorf("text:\n%s", res.Text)
	}
	env.Emulator.Faults().Remove(id)
}

// hostile is an incident title written by an attacker: markup, a table break, a link, a terminal
// escape and a BiDi override.
const hostile = "</td><script>alert(1)</script><img src=x onerror=alert(2)> | **bold** [link](https://evil.example) \x1b[31mred\u202etxt"

func reportEscapes(t *testing.T, env *toolsettest.Env) {
	// The oldest open high-severity incident, so that the report lists it first.
	ctx := context.Background()
	ws, _ := env.Registry.Resolve(ctx, world.MustWorkspace(world.WSLitwareSentinel).Alias())
	c, _ := sentinel.New(env.Provider, ws)
	offset.Store(int64(-30 * 24 * time.Hour))
	_, err := c.PutIncident(ctx, &sentinel.Incident{Properties: sentinel.IncidentProperties{Title: hostile,
		Severity: sentinel.SeverityHigh, Status: sentinel.StatusNew}})
	offset.Store(0)
	if err != nil {
		t.Fatal(err)
	}
	res := env.CallOK("generate_soc_report", map[string]any{"format": "html", "title": "Woodgrove <b>monthly</b>"})
	if len(res.Content) != 2 {
		t.Fatalf("want a summary and an embedded resource, got %d contents", len(res.Content))
	}
	er, ok := res.Content[1].(*mcp.EmbeddedResource)
	if !ok || er.Resource.MIMEType != "text/html" || !strings.HasPrefix(er.Resource.URI, "sentinel-mcp://reports/") {
		t.Fatalf("second content: %#v", res.Content[1])
	}
	page := er.Resource.Text
	doc := posturetest.CheckHTML(t, page)
	// The page as a client receives it renders: hostile text neither breaks the layout nor blanks it.
	posturetest.Screenshot(t, []byte(page), "soc-report")
	for _, bad := range []string{"\x1b", "\u202e"} {
		if strings.Contains(page, bad) {
			t.Errorf("the HTML report contains %q", bad)
		}
	}
	found := false
	for _, cell := range posturetest.Text(doc, "title") {
		found = found || strings.Contains(cell, "<script>alert(1)</script>")
	}
	if !found {
		t.Error("the hostile incident title is not shown as text in the open incidents table")
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "Woodgrove &lt;b&gt;monthly&lt;/b&gt;", "Content-Security-Policy",
		"Ingestion per tenant", "Incidents per tenant", "Open high-severity incidents", "Compliance"} {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
	var out struct {
		Format string `json:"format"`
		Bytes  int    `json:"bytes"`
		URI    string `json:"uri"`
	}
	res.Decode(&out)
	if out.Format != "html" || out.Bytes != len(page) || out.URI != er.Resource.URI {
		t.Errorf("structured output %+v", out)
	}

	res = env.CallOK("generate_soc_report", map[string]any{"workspaces": []string{ws.Alias}})
	md := res.Text
	for _, bad := range []string{"<script", "<img", "[link](", "\x1b", "\u202e", "| **bold**"} {
		if strings.Contains(md, bad) {
			t.Errorf("the Markdown report contains %q", bad)
		}
	}
	if !strings.Contains(md, `&lt;script&gt;alert(1)&lt;/script&gt;`) || !strings.Contains(md, `\[link\]`) || !strings.Contains(md, `\| \*\*bold\*\*`) {
		t.Errorf("the hostile title is not escaped as expected in:\n%s", md)
	}
}

// With discovery listing workspaces without Sentinel (include_non_sentinel), a tenant's compliance
// check fails them on every check, saying why.
func TestComplianceFailsWorkspacesWithoutSentinel(t *testing.T) {
	env := posturetest.Start(t, toolsettest.Options{Toolsets: []toolsettest.Toolset{toolset},
		Configure: func(c *config.Config) { c.Azure.Discovery.IncludeNonSentinel = true }})
	d := world.SeededFacts().Diff(world.DiffNotOnboarded)[0]
	ws := world.MustWorkspace(d.Workspace)
	all := results(t, env.CallOK("run_compliance_check", map[string]any{"format": "json", "tenant": ws.TenantAlias}).Text)
	if len(all[ws.Alias()]) != len(content.DefaultPolicy().Checks) {
		t.Fatalf("%s: %+v", ws.Alias(), all)
	}
	for id, r := range all[ws.Alias()] {
		if r.Status != "fail" || !strings.Contains(r.Evidence, "not onboarded") {
			t.Errorf("%s %s: %+v", ws.Alias(), id, r)
		}
	}
	if len(all) < 2 {
		t.Errorf("the tenant's Sentinel workspace is missing: %v", all)
	}
}
