package incidents

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// The tests run the toolset through the MCP protocol against the emulator (toolsettest). Each test
// works in workspaces of its own, created in the world's subscriptions before the first call (so
// discovery finds them), and seeds the incidents it needs with fixed numbers, times and owners:
// assertions are exact and do not depend on the incidents the world seeds elsewhere.

var toolset = toolsettest.Toolset{Toolset: inventory.Toolset{Name: Name, Description: "Incidents.", Default: true}, Tools: Tools}

type env struct {
	*toolsettest.Env
	now time.Time
}

func start(t testing.TB, o toolsettest.Options) *env {
	t.Helper()
	o.Toolsets = append(o.Toolsets, toolset)
	configure := o.Configure
	o.Configure = func(c *config.Config) {
		// Tests call faster than an analyst: the rate limits are the server's business (its own tests).
		c.Limits.Rate, c.Limits.TenantRate = 0, 0
		if configure != nil {
			configure(c)
		}
	}
	e := toolsettest.Start(t, o)
	return &env{Env: e, now: e.Deps.Now().UTC().Truncate(time.Second)}
}

// testWS is a Sentinel workspace created for a test.
type testWS struct {
	Alias, ResourceID, TenantAlias string
}

// workspace creates a Sentinel workspace (with its solution and onboarding state) in the
// subscription of a world workspace (by name), as if created in the portal.
func (e *env) workspace(near, name string) testWS {
	e.T.Helper()
	base := world.MustWorkspace(near)
	id := world.WorkspaceResourceID(base.SubscriptionID, base.ResourceGroup, name)
	e.seed(id, map[string]any{"type": "Microsoft.OperationalInsights/workspaces", "location": base.Location,
		"properties": map[string]any{"customerId": world.GUID("test-ws:" + id), "retentionInDays": 90, "sku": map[string]any{"name": "PerGB2018"}}})
	e.seed("/subscriptions/"+base.SubscriptionID+"/resourceGroups/"+base.ResourceGroup+"/providers/Microsoft.OperationsManagement/solutions/SecurityInsights("+name+")",
		map[string]any{"type": "Microsoft.OperationsManagement/solutions", "location": base.Location,
			"properties": map[string]any{"workspaceResourceId": id}})
	e.seed(id+"/providers/Microsoft.SecurityInsights/onboardingStates/default",
		map[string]any{"type": "Microsoft.SecurityInsights/onboardingStates", "properties": map[string]any{"customerManagedKey": false}})
	return testWS{Alias: base.TenantAlias + "/" + name, ResourceID: id, TenantAlias: base.TenantAlias}
}

func (e *env) seed(id string, v any) {
	e.T.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.T.Fatal(err)
	}
	if err := e.Emulator.SeedResource(id, b); err != nil {
		e.T.Fatal(err)
	}
}

// inc describes a seeded incident.
type inc struct {
	Number   int64
	Title    string
	Severity string
	Status   string
	Owner    string // e-mail/UPN, or ""
	Labels   []string
	Age      time.Duration // created this long before now
	Modified time.Duration // last modified this long before now (default: Age)
	Class    string        // classification of a closed incident
	Reason   string
	Desc     string
}

func incidentID(ws testWS, n int64) string {
	return ws.ResourceID + "/providers/Microsoft.SecurityInsights/incidents/" + world.GUID(fmt.Sprintf("incident:%s:%d", ws.ResourceID, n))
}

func (e *env) incident(ws testWS, i inc) string {
	e.T.Helper()
	if i.Severity == "" {
		i.Severity = "Medium"
	}
	if i.Status == "" {
		i.Status = "New"
	}
	if i.Title == "" {
		i.Title = fmt.Sprintf("Test incident %d", i.Number)
	}
	if i.Modified == 0 {
		i.Modified = i.Age
	}
	id := incidentID(ws, i.Number)
	labels := []any{}
	for _, l := range i.Labels {
		labels = append(labels, map[string]any{"labelName": l, "labelType": "User"})
	}
	owner := map[string]any{"objectId": nil, "email": nil, "userPrincipalName": nil, "assignedTo": nil}
	if i.Owner != "" {
		owner = map[string]any{"objectId": world.GUID("user:" + i.Owner), "email": i.Owner, "userPrincipalName": i.Owner,
			"assignedTo": strings.Split(i.Owner, "@")[0], "ownerType": "User"}
	}
	p := map[string]any{"title": i.Title, "description": i.Desc, "severity": i.Severity, "status": i.Status, "owner": owner,
		"labels": labels, "incidentNumber": i.Number, "createdTimeUtc": stamp(e.now.Add(-i.Age)),
		"lastModifiedTimeUtc": stamp(e.now.Add(-i.Modified)), "firstActivityTimeUtc": stamp(e.now.Add(-i.Age - time.Hour)),
		"lastActivityTimeUtc": stamp(e.now.Add(-i.Age - 10*time.Minute)), "providerName": "Azure Sentinel",
		"incidentUrl":            "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident" + id,
		"relatedAnalyticRuleIds": []any{}, "futureProperty": map[string]any{"kept": true}}
	if i.Class != "" {
		p["classification"], p["classificationReason"] = i.Class, i.Reason
	}
	e.seed(id, map[string]any{"type": "Microsoft.SecurityInsights/incidents", "properties": p})
	return id
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// list calls list_incidents and returns the structured output, the incident numbers listed (in
// order) and the text.
func (e *env) list(args map[string]any) (listOut, []int64, string) {
	e.T.Helper()
	args["format"] = "json"
	r := e.CallOK("list_incidents", args)
	var out listOut
	r.Decode(&out)
	return out, jsonNumbers(e.T, r.Text), r.Text
}

// jsonNumbers reads the "number" column of a JSON-format list inside its fence.
func jsonNumbers(t testing.TB, text string) []int64 {
	t.Helper()
	start := strings.Index(text, `{"columns":`)
	if start < 0 {
		return nil
	}
	end := strings.Index(text[start:], "]]}")
	if end < 0 {
		if strings.Contains(text[start:], `"rows":[]}`) {
			return nil
		}
		t.Fatalf("no end of the JSON table in %s", text)
	}
	var tbl struct {
		Columns []struct{ Name string }
		Rows    [][]any
	}
	if err := json.Unmarshal([]byte(text[start:start+end+3]), &tbl); err != nil {
		t.Fatalf("JSON table: %v in %s", err, text)
	}
	col := -1
	for i, c := range tbl.Columns {
		if c.Name == "number" {
			col = i
		}
	}
	var ns []int64
	for _, r := range tbl.Rows {
		ns = append(ns, int64(r[col].(float64)))
	}
	return ns
}

// assertClean fails when s holds a character that hides or disguises text.
func assertClean(t testing.TB, what, s string) {
	t.Helper()
	for i, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || unicode.Is(unicode.Cf, r) ||
			(r >= 0xE0000 && r <= 0xE007F) || r == 0x1b {
			t.Errorf("%s holds %U at %d: %q", what, r, i, s[max(0, i-20):min(len(s), i+20)])
			return
		}
	}
}

var _ = emulator.Fault{}
