package emulator

import (
	"net/http"
	"sort"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// serveMetadata answers GET/POST /v1/workspaces/{id}/metadata from the schemas of the tables the
// workspace has (its log tables and its stored ARM table resources) plus the functions saved in the
// workspace.
func (e *Emulator) serveMetadata(c *call, ws doc) {
	if c.r.Method != http.MethodGet && c.r.Method != http.MethodPost {
		c.fail(errf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested method '%s' is not allowed; use GET or POST.", c.r.Method))
		return
	}
	tables := e.workspaceSchemas(ws)
	id := str(props(ws)["customerId"])
	body := schema.Metadata(tables, schema.MetadataWorkspace{ID: id, ResourceID: str(ws["id"]), Name: str(ws["name"]),
		Region: strings.ToLower(strings.ReplaceAll(str(ws["location"]), " ", ""))})
	_, st, _ := e.state()
	fns := []any{}
	for _, s := range st.list(str(ws["id"]) + "/savedSearches") {
		p := props(s)
		alias := str(p["functionAlias"])
		if alias == "" {
			continue
		}
		fns = append(fns, map[string]any{"id": str(s["name"]), "name": alias, "displayName": str(p["displayName"]),
			"body": str(p["query"]), "parameters": str(p["functionParameters"]), "category": str(p["category"]),
			"related": map[string]any{"workspaces": []any{id}}})
	}
	body["functions"] = fns
	if sols, ok := body["solutions"].([]any); ok {
		for _, x := range sols {
			if m, ok := x.(map[string]any); ok && m["displayName"] == nil {
				m["displayName"] = m["name"]
			}
		}
	}
	body["resourceTypes"] = []any{}
	body["applications"] = []any{}
	body["queries"] = []any{}
	body["permissions"] = []any{map[string]any{"workspace": map[string]any{"resourceId": str(ws["id"])}}}
	c.ok(http.StatusOK, body)
}

// workspaceSchemas returns the table schemas of a workspace, sorted by name.
func (e *Emulator) workspaceSchemas(ws doc) []*schema.Table {
	_, st, _ := e.state()
	seen := map[string]bool{}
	var out []*schema.Table
	add := func(t *schema.Table) {
		if t != nil && !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, t)
		}
	}
	// The tables with data, and the stored ones (custom tables, Microsoft tables someone changed).
	for name := range e.workspaceLogs(str(ws["id"])) {
		if t, ok := schema.Lookup(name); ok {
			add(t)
		}
	}
	for _, d := range st.list(str(ws["id"]) + "/tables") {
		name := str(d["name"])
		if t, ok := schema.Lookup(name); ok {
			add(t)
			continue
		}
		add(customSchemaFromARM(d))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// customSchemaFromARM rebuilds the schema of a custom table from its ARM document.
func customSchemaFromARM(d doc) *schema.Table {
	sch, _ := props(d)["schema"].(map[string]any)
	cols, _ := sch["columns"].([]any)
	var sc []schema.Column
	for _, x := range cols {
		m, _ := x.(map[string]any)
		t, ok := schema.ParseARMColumnType(str(m["type"]))
		if !ok || str(m["name"]) == "" {
			continue
		}
		sc = append(sc, schema.Column{Name: str(m["name"]), Type: t, Description: str(m["description"])})
	}
	t, err := schema.NewCustomTable(str(d["name"]), str(sch["description"]), sc)
	if err != nil {
		return nil
	}
	return t
}
