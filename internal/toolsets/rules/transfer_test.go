package rules_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

type importOut struct {
	Format                      string
	Created, Updated, Unchanged int
	Rules                       []struct {
		Name, Action string
		Changed      []string
	}
	Warnings []string
}

type exportOut struct {
	Workspace string
	Format    string
	Exported  []string
	Skipped   []struct{ Name, Reason string }
	Remaining []string
}

// shippedYAML is the shipped rule files as they are in the repository, as one YAML stream.
func shippedYAML(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob("../../content/rules/*.yaml")
	if err != nil || len(files) < 15 {
		t.Fatalf("shipped rules: %v %v", files, err)
	}
	var docs []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(raw))
	}
	return strings.Join(docs, "---\n")
}

func exportText(t *testing.T, env *toolsettest.Env, args map[string]any) (string, exportOut) {
	t.Helper()
	res := env.CallOK("export_analytics_rules", args)
	var out exportOut
	res.Decode(&out)
	// The summary first, then the export alone, to be copied as it is.
	if len(res.Content) != 2 || !strings.HasPrefix(res.Content[0].(*mcp.TextContent).Text, "Exported ") {
		t.Fatalf("export answer: %s", res.Text)
	}
	return res.Content[1].(*mcp.TextContent).Text, out
}

// The seeded disabled rule of contoso-dev: YAML cannot carry its state, so the summary says so; the
// rules without a YAML form are skipped with one line per reason.
func TestYAMLExportSaysWhichRulesAreDisabled(t *testing.T) {
	env := start(t, envOptions{readOnly: true})
	disabled := world.SeededFacts().Diff(world.DiffDisabledRule)[0]
	ws := world.MustWorkspace(disabled.Workspace)
	rule := mustRule(t, disabled.Rule)
	res := env.CallOK("export_analytics_rules", map[string]any{"workspace": ws.Alias()})
	summary := res.Content[0].(*mcp.TextContent).Text
	want := "Disabled in " + ws.Alias() + ", which YAML cannot say (import them with enabled false to keep them off): \"" + rule.Name + "\"."
	if !strings.Contains(summary, want) {
		t.Errorf("summary lacks %q:\n%s", want, summary)
	}
	var out exportOut
	res.Decode(&out)
	reasons := map[string]bool{}
	for _, s := range out.Skipped {
		reasons[s.Reason] = true
	}
	if n := strings.Count(summary, "\nSkipped "); len(out.Skipped) < 2 || n != len(reasons) {
		t.Errorf("%d skipped rules, %d reasons, %d lines:\n%s", len(out.Skipped), len(reasons), n, summary)
	}
}

// The Azure-Sentinel files go into a workspace and come back out byte for byte: queries, schedules,
// entity mappings, custom details, alert details, and the authoring parts (requiredDataConnectors) that a
// deployed rule keeps in its metadata record.
func TestYAMLRoundTrip(t *testing.T) {
	env := start(t, envOptions{pageSize: 4})
	clearRules(t, env, world.WSContosoDev)
	ws := alias(world.WSContosoDev)
	text := shippedYAML(t)
	args := map[string]any{"workspace": ws, "content": text}
	n := len(content.Rules())
	res := confirm(t, env, "import_analytics_rules", args, "Would import 20 rule(s) (yaml)", "20 to create")
	var imp importOut
	res.Decode(&imp)
	if imp.Created != n || imp.Updated != 0 || len(imp.Warnings) != 0 {
		t.Fatalf("import: %+v", imp)
	}
	names := make([]string, 0, n)
	for _, r := range content.Rules() {
		names = append(names, r.ID) // the YAML ids are the rules' names: a later import updates them
	}
	got, out := exportText(t, env, map[string]any{"workspace": ws, "rules": names})
	if len(out.Remaining) > 0 { // the 20 rules exceed one result: the rest comes with a second call
		more, out2 := exportText(t, env, map[string]any{"workspace": ws, "rules": out.Remaining})
		got += "---\n" + more
		out.Exported = append(out.Exported, out2.Exported...)
	}
	if len(out.Exported) != n || len(out.Skipped) != 0 {
		t.Fatalf("exported %d rules, skipped %v", len(out.Exported), out.Skipped)
	}
	if got != text {
		t.Fatalf("the YAML round trip is not exact:\n%s", firstDiff(text, got))
	}
	// Importing the same text again changes nothing.
	before := writes(env)
	args["content"] = text + "\n" // other arguments than the first import: a new plan and token
	res = confirm(t, env, "import_analytics_rules", args, "20 unchanged")
	res.Decode(&imp)
	if imp.Unchanged != n || writes(env) != before {
		t.Errorf("re-import: %+v, %d writes", imp, writes(env)-before)
	}
	// A changed threshold is an update of that rule only, keeping its state; the plan names the change.
	scan := mustRule(t, world.RulePortScan)
	scan.TriggerThreshold = new(int)
	*scan.TriggerThreshold = 7
	raw, _ := scan.Encode()
	env.CallOK("disable_analytics_rule", map[string]any{"workspace": ws, "rule": scan.ID})
	res = confirm(t, env, "import_analytics_rules", map[string]any{"workspace": ws, "content": string(raw)}, "update", "triggerThreshold")
	res.Decode(&imp)
	var rule getOut
	env.CallOK("get_analytics_rule", map[string]any{"workspace": ws, "rule": scan.ID}).Decode(&rule)
	if imp.Updated != 1 || rule.Properties["triggerThreshold"] != float64(7) || rule.Properties["enabled"] != false {
		t.Errorf("update by import: %+v %v", imp, rule.Properties)
	}
}

// A rule deployed from a template in the portal (its own GUID, alertRuleTemplateName) exports under the
// template's id with the template's data connectors, and an import of that YAML updates it in place.
func TestYAMLExportOfATemplateRule(t *testing.T) {
	env := start(t, envOptions{})
	ws := alias(world.WSContosoProd)
	spray := mustRule(t, world.RulePasswordSpray)
	seedTemplates(t, env, world.WSContosoProd, spray)
	name := deploy(t, env, world.WSContosoProd, spray)[0]
	got, _ := exportText(t, env, map[string]any{"workspace": ws, "rules": []string{name}})
	want, _ := spray.Encode()
	if got != string(want) {
		t.Fatalf("export of a template rule:\n%s", firstDiff(string(want), got))
	}
	var imp importOut
	confirm(t, env, "import_analytics_rules", map[string]any{"workspace": ws, "content": got}, "unchanged").Decode(&imp)
	if imp.Unchanged != 1 || imp.Rules[0].Name != name {
		t.Errorf("import matched %+v", imp)
	}
}

// The portal's ARM export of every kind: exported from one workspace, imported into another, exported
// again: the same template.
func TestARMRoundTrip(t *testing.T) {
	env := start(t, envOptions{pageSize: 3})
	src, dst := alias(world.WSContosoProd), alias(world.WSLitwareSentinel)
	clearRules(t, env, world.WSContosoProd, world.WSLitwareSentinel)
	deploy(t, env, world.WSContosoProd, content.Rules()[:6]...)
	ws, err := env.Registry.Resolve(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sentinel.New(env.Provider, ws)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]map[string]any{
		"fusion-rule": {"kind": "Fusion", "properties": map[string]any{"alertRuleTemplateName": "f71aba3d-28fb-450b-b192-4e76a83015c8", "enabled": true}},
		"mcas-incidents": {"kind": "MicrosoftSecurityIncidentCreation", "properties": map[string]any{"displayName": "[MCAS] incidents",
			"enabled": true, "productFilter": "Microsoft Cloud App Security", "severitiesFilter": []any{"High"}}},
	} {
		// Through the API, so that Sentinel fills in what a Fusion rule takes from its template.
		props, _ := body["properties"].(map[string]any)
		rule := &sentinel.AlertRule{Name: name, Kind: body["kind"].(string), Properties: props}
		if _, err := c.PutAlertRule(context.Background(), rule, true); err != nil {
			t.Fatal(err)
		}
	}
	first, out := exportText(t, env, map[string]any{"workspace": src, "format": "arm"})
	if len(out.Exported) != 8 || len(out.Remaining) != 0 {
		t.Fatalf("ARM export: %+v", out)
	}
	var tpl struct {
		Schema    string `json:"$schema"`
		Resources []struct {
			Name, Type, Kind string
			Properties       map[string]any
		}
	}
	if err := json.Unmarshal([]byte(first), &tpl); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, first)
	}
	kinds := map[string]int{}
	for _, r := range tpl.Resources {
		kinds[r.Kind]++
		if r.Type != "Microsoft.OperationalInsights/workspaces/providers/alertRules" || !strings.HasPrefix(r.Name, "[concat(parameters('workspace'),") {
			t.Errorf("resource %s %s", r.Type, r.Name)
		}
		if _, ok := r.Properties["lastModifiedUtc"]; ok {
			t.Error("read-only lastModifiedUtc exported")
		}
		if r.Kind == "MicrosoftSecurityIncidentCreation" && r.Properties["displayName"] != "[[MCAS] incidents" {
			t.Errorf("a leading [ is not escaped for ARM: %v", r.Properties["displayName"])
		}
	}
	if kinds["Fusion"] != 1 || kinds["MicrosoftSecurityIncidentCreation"] != 1 || kinds["Scheduled"] == 0 {
		t.Errorf("kinds %v", kinds)
	}
	var imp importOut
	confirm(t, env, "import_analytics_rules", map[string]any{"workspace": dst, "content": first}, "8 to create").Decode(&imp)
	if imp.Created != 8 || imp.Format != "arm" {
		t.Fatalf("ARM import: %+v", imp)
	}
	second, _ := exportText(t, env, map[string]any{"workspace": dst, "format": "arm"})
	if second != first {
		t.Fatalf("the ARM round trip is not exact:\n%s", firstDiff(first, second))
	}
	var mcas getOut
	env.CallOK("get_analytics_rule", map[string]any{"workspace": dst, "rule": "mcas-incidents"}).Decode(&mcas)
	if mcas.Properties["displayName"] != "[MCAS] incidents" {
		t.Errorf("the escaped name was not restored: %v", mcas.Properties["displayName"])
	}
	// A Fusion rule takes everything but its state from its template.
	var off writeOut
	env.CallOK("disable_analytics_rule", map[string]any{"workspace": dst, "rule": "fusion-rule"}).Decode(&off)
	if off.Rule.Enabled || off.Rule.Kind != "Fusion" {
		t.Errorf("disable Fusion: %+v", off.Rule)
	}
	if msg := env.CallError("update_analytics_rule", map[string]any{"workspace": dst, "rule": "fusion-rule", "severity": "Low"}); !strings.Contains(msg, "only its state") {
		t.Errorf("update a Fusion rule's severity: %s", msg)
	}
	// Template expressions cannot be evaluated outside a deployment.
	expr := strings.Replace(first, `"[[MCAS] incidents"`, `"[parameters('ruleName')]"`, 1)
	if msg := env.CallError("import_analytics_rules", map[string]any{"workspace": dst, "content": expr}); !strings.Contains(msg, "ARM template expression") {
		t.Errorf("expression: %s", msg)
	}
}

// One bad query in an import refuses the whole import before anything is written.
func TestImportRefusesAnInvalidQueryBeforeAnyWrite(t *testing.T) {
	env := start(t, envOptions{})
	ws := alias(world.WSFabrikamSentinel)
	good, bad := mustRule(t, world.RuleMassDownload), mustRule(t, world.RuleImpossibleTravel)
	bad.Query = strings.Replace(bad.Query, "SigninLogs", "SignInLog", 1)
	text, err := content.EncodeRules([]*content.Rule{good, bad})
	if err != nil {
		t.Fatal(err)
	}
	before := writes(env)
	msg := env.CallError("import_analytics_rules", map[string]any{"workspace": ws, "content": string(text)})
	for _, want := range []string{"nothing was imported", bad.Name, "unknown table 'SignInLog'", "did you mean 'SigninLogs'?"} {
		if !strings.Contains(msg, want) {
			t.Errorf("import error lacks %q: %s", want, msg)
		}
	}
	if n := writes(env) - before; n != 0 {
		t.Fatalf("%d writes reached Azure", n)
	}
	for text, want := range map[string]string{
		"id: nope\nname: x\n": "not a GUID",
		"{\"resources\": [{\"type\": \"Microsoft.OperationalInsights/workspaces/providers/alertRules\", \"name\": \"[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',parameters('id'))]\", \"kind\": \"Scheduled\", \"properties\": {}}]}": "cannot be evaluated",
		"{not json": "not valid JSON",
	} {
		if msg := env.CallError("import_analytics_rules", map[string]any{"workspace": ws, "content": text}); !strings.Contains(msg, want) {
			t.Errorf("%q: %s", text, msg)
		}
	}
}

// A small result budget: the export comes in parts, each a complete document, none lost.
func TestExportInParts(t *testing.T) {
	env := start(t, envOptions{readOnly: true, configure: func(c *config.Config) { c.Limits.MaxBytes = 6000 }})
	ws := alias(world.WSNorthwindSentinel)
	clearRules(t, env, world.WSNorthwindSentinel)
	names := deploy(t, env, world.WSNorthwindSentinel, content.Rules()[:8]...)
	var all []string
	args := map[string]any{"workspace": ws}
	for part := 0; part < 8; part++ {
		text, out := exportText(t, env, args)
		if len(text) > 6000 || len(out.Exported) == 0 {
			t.Fatalf("part %d: %d bytes, %d rules", part, len(text), len(out.Exported))
		}
		if _, err := content.ParseRules([]byte(text)); err != nil {
			t.Fatalf("part %d is not valid YAML rules: %v", part, err)
		}
		all = append(all, out.Exported...)
		if len(out.Remaining) == 0 {
			break
		}
		args["rules"] = out.Remaining
	}
	slices.Sort(all)
	slices.Sort(names)
	if !slices.Equal(all, names) {
		t.Errorf("exported %v, want %v", all, names)
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n- " + a + "\n+ " + b
		}
	}
	return "(equal)"
}
