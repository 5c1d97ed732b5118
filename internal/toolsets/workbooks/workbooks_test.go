package workbooks_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/workbooks"
)

var (
	toolset    = toolsettest.Toolset{Toolset: inventory.Toolset{Name: workbooks.Name, Description: "Workbooks."}, Tools: workbooks.Tools}
	prodWS     = world.MustWorkspace(world.WSContosoProd)
	fabrikamWS = world.MustWorkspace(world.WSFabrikamSentinel)
	prod       = prodWS.Alias()
	fabrikam   = fabrikamWS.Alias()
)

func start(t *testing.T, o toolsettest.Options) *toolsettest.Env {
	o.Toolsets = append(o.Toolsets, toolset)
	configure := o.Configure
	o.Configure = func(c *config.Config) {
		c.Limits.TenantRate = 0
		if configure != nil {
			configure(c)
		}
	}
	return toolsettest.Start(t, o)
}

func writes(env *toolsettest.Env, from int) []string {
	var out []string
	for _, r := range env.Requests()[from:] {
		if m, _, _ := strings.Cut(r, " "); m == "PUT" || m == "PATCH" || m == "DELETE" {
			out = append(out, r)
		}
	}
	return out
}

// gallery is a small Notebook/1.0 template pointing at contoso-prod, as a gallery export would.
func gallery(t *testing.T) string {
	nb := map[string]any{"version": "Notebook/1.0", "fallbackResourceIds": []string{prodWS.ResourceID}, "items": []any{
		map[string]any{"type": 1, "content": map[string]any{"json": "## Sign-ins"}},
		map[string]any{"type": 9, "content": map[string]any{"parameters": []any{}}},
		map[string]any{"type": 12, "content": map[string]any{"items": []any{
			map[string]any{"type": 3, "content": map[string]any{"query": "SigninLogs | summarize count() by ResultType"}},
			map[string]any{"type": 3, "content": map[string]any{"query": "AuditLogs | take 10"}},
		}}},
	}}
	b, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type info struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Category    string
	Summary     struct {
		Items, Queries, Parameters int
		Tables                     []string
	}
	Notes []string
}

func TestWorkbookLifecycle(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	var created info
	env.CallOK("import_workbook", map[string]any{"workspace": prod, "content": gallery(t), "display_name": "Identity overview"}).Decode(&created)
	if created.ID == "" || created.Category != "sentinel" || created.Summary.Items != 5 || created.Summary.Queries != 2 ||
		!slices.Equal(created.Summary.Tables, []string{"AuditLogs", "SigninLogs"}) {
		t.Fatalf("imported %+v", created)
	}
	res := env.CallOK("list_workbooks", map[string]any{"workspace": prod})
	if !strings.Contains(res.Text, "Identity overview") || !strings.Contains(res.Text, created.ID) {
		t.Errorf("list:\n%s", res.Text)
	}
	var got info
	env.CallOK("get_workbook", map[string]any{"workspace": prod, "workbook": "Identity overview"}).Decode(&got)
	if got.ID != created.ID || got.Summary.Queries != 2 {
		t.Errorf("get %+v", got)
	}

	// Export, then import the export into another customer: the default workspace follows.
	res = env.CallOK("export_workbook", map[string]any{"workspace": prod, "workbook": created.ID})
	var exp workbooks.Export
	if err := json.Unmarshal([]byte(res.Content[0].(*mcp.TextContent).Text), &exp); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, res.Text)
	}
	if exp.DisplayName != "Identity overview" || !strings.Contains(string(exp.SerializedData), "SigninLogs") {
		t.Errorf("export %+v", exp)
	}
	var copied info
	env.CallOK("import_workbook", map[string]any{"workspace": fabrikam, "content": res.Content[0].(*mcp.TextContent).Text}).Decode(&copied)
	if len(copied.Notes) != 1 || !strings.Contains(copied.Notes[0], fabrikamWS.ResourceID) {
		t.Errorf("copy notes %v", copied.Notes)
	}
	res = env.CallOK("export_workbook", map[string]any{"workspace": fabrikam, "workbook": copied.ID})
	if !strings.Contains(res.Text, fabrikamWS.ResourceID) || strings.Contains(res.Text, prodWS.ResourceID) {
		t.Errorf("the copy still points at the source workspace:\n%s", res.Text)
	}
	// The same name again is refused.
	n := env.RequestCount()
	if msg := env.CallError("import_workbook", map[string]any{"workspace": fabrikam, "source_workspace": prod, "source_workbook": "Identity overview"}); !strings.Contains(msg, "already has a sentinel workbook named") {
		t.Errorf("duplicate: %s", msg)
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("refused import wrote %v", w)
	}
	env.CallOK("import_workbook", map[string]any{"workspace": fabrikam, "source_workspace": prod, "source_workbook": "Identity overview", "display_name": "Identity (copy)"})

	var p inventory.Pending
	env.CallOK("delete_workbook", map[string]any{"workspace": prod, "workbook": created.ID}).Decode(&p)
	if !strings.Contains(p.Plan, `Deletes workbook "Identity overview"`) || !strings.Contains(p.Plan, "2 queries") {
		t.Errorf("plan: %s", p.Plan)
	}
	env.CallOK("delete_workbook", map[string]any{"workspace": prod, "workbook": created.ID, inventory.ConfirmTokenArg: p.ConfirmToken})
	if msg := env.CallError("get_workbook", map[string]any{"workspace": prod, "workbook": created.ID}); !strings.Contains(msg, "not found") {
		t.Errorf("after delete: %s", msg)
	}
}

func TestExportInParts(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true, Configure: func(c *config.Config) { c.Limits.MaxBytes = 1536 }})
	big := map[string]any{"version": "Notebook/1.0", "items": []any{}}
	for i := range 40 {
		big["items"] = append(big["items"].([]any), map[string]any{"type": 3, "content": map[string]any{"query": "SecurityEvent | where EventID == 4625 | summarize count() by Account // é step " + string(rune('A'+i%26))}})
	}
	b, _ := json.Marshal(big)
	var created info
	env.CallOK("import_workbook", map[string]any{"workspace": prod, "content": string(b), "display_name": "Big"}).Decode(&created)
	var whole strings.Builder
	parts := 0
	for part := 1; ; part++ {
		var out struct{ Part, Parts int }
		res := env.CallOK("export_workbook", map[string]any{"workspace": prod, "workbook": "Big", "part": part})
		res.Decode(&out)
		whole.WriteString(res.Content[0].(*mcp.TextContent).Text)
		parts = out.Parts
		if part >= out.Parts {
			break
		}
	}
	if parts < 3 {
		t.Errorf("%d parts", parts)
	}
	var exp workbooks.Export
	if err := json.Unmarshal([]byte(whole.String()), &exp); err != nil {
		t.Fatalf("the parts do not make the export: %v", err)
	}
	if !strings.Contains(string(exp.SerializedData), "step N") {
		t.Errorf("export content %s", exp.SerializedData)
	}
	if msg := env.CallError("export_workbook", map[string]any{"workspace": prod, "workbook": "Big", "part": parts + 1}); !strings.Contains(msg, "part(s)") {
		t.Errorf("part out of range: %s", msg)
	}
}

func TestImportRefusesBadContent(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	n := env.RequestCount()
	for _, c := range []struct{ content, want string }{
		{"not json", "not a JSON object"},
		{`{"version":"Notebook/1.0"}`, "neither an export_workbook export"},
		{`{"serializedData":"{\"items\":[]}","displayName":"x"}`, `needs "version": "Notebook/1.0"`},
		{`{"resources":[{"type":"Microsoft.Insights/workbooks","properties":{"displayName":"x","serializedData":"[parameters('data')]"}}]}`, "ARM expression"},
		{`{"resources":[]}`, "0 workbook resources"},
	} {
		if msg := env.CallError("import_workbook", map[string]any{"workspace": prod, "content": c.content}); !strings.Contains(msg, c.want) {
			t.Errorf("%s: %s\nwant %q", c.content, msg, c.want)
		}
	}
	if msg := env.CallError("import_workbook", map[string]any{"workspace": prod, "content": `{"version":"Notebook/1.0","items":[]}`}); !strings.Contains(msg, "give display_name") {
		t.Errorf("no name: %s", msg)
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("bad imports wrote %v", w)
	}
	// An ARM template with a parameterised name imports with display_name given.
	arm := `{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","resources":[{"type":"microsoft.insights/workbooks",
		"properties":{"displayName":"[parameters('workbookDisplayName')]","category":"sentinel","serializedData":"{\"version\":\"Notebook/1.0\",\"items\":[{\"type\":3,\"content\":{\"query\":\"Syslog | take 5\"}}]}"}}]}`
	var out info
	env.CallOK("import_workbook", map[string]any{"workspace": prod, "content": arm, "display_name": "Syslog"}).Decode(&out)
	if out.Summary.Queries != 1 || out.DisplayName != "Syslog" {
		t.Errorf("ARM import %+v", out)
	}
}

func TestReadOnlyHidesWrites(t *testing.T) {
	env := start(t, toolsettest.Options{})
	if got, want := env.ToolNames(), []string{"export_workbook", "get_workbook", "list_workbooks"}; !slices.Equal(got, want) {
		t.Errorf("read-only tools %v, want %v", got, want)
	}
}
