package savedsearches_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/savedsearches"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

var (
	toolset = toolsettest.Toolset{Toolset: inventory.Toolset{Name: savedsearches.Name, Description: "Saved searches."}, Tools: savedsearches.Tools}
	prodWS  = world.MustWorkspace(world.WSContosoProd)
	prod    = prodWS.Alias()
)

func start(t *testing.T, o toolsettest.Options) *toolsettest.Env {
	o.Toolsets = append(o.Toolsets, toolset)
	o.Configure = func(c *config.Config) { c.Limits.TenantRate = 0 }
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

type search struct {
	ID            string `json:"id"`
	DisplayName   string `json:"display_name"`
	Category      string
	FunctionAlias string `json:"function_alias"`
	Parameters    string
	Query         string
	Warnings      []string
}

func TestSavedSearchLifecycle(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	var q search
	env.CallOK("create_saved_search", map[string]any{"workspace": prod, "display_name": "Failed sign-ins by user", "category": "Hunting Queries",
		"query": "SigninLogs\n| where ResultType != \"0\"\n| summarize Failures = count() by UserPrincipalName", "tags": map[string]string{"tactics": "CredentialAccess"}}).Decode(&q)
	if q.ID == "" || q.DisplayName != "Failed sign-ins by user" {
		t.Fatalf("created %+v", q)
	}
	var fn search
	res := env.CallOK("create_saved_search", map[string]any{"workspace": prod, "display_name": "Sign-ins of a user", "category": "Functions",
		"function_alias": "UserSignins", "parameters": "user:string, lookback:timespan=1d",
		"query": "SigninLogs | where TimeGenerated > ago(lookback) and UserPrincipalName =~ user"})
	res.Decode(&fn)
	if fn.FunctionAlias != "UserSignins" || !strings.Contains(res.Text, "UserSignins(...)") {
		t.Errorf("function %+v: %s", fn, res.Text)
	}
	// A function calling the workspace's function checks against its declaration.
	env.CallOK("create_saved_search", map[string]any{"workspace": prod, "display_name": "Adele's sign-ins", "category": "Functions",
		"function_alias": "AdeleSignins", "query": "UserSignins('adele.vance@contoso.com') | project TimeGenerated, IPAddress"})
	if msg := env.CallError("create_saved_search", map[string]any{"workspace": prod, "display_name": "Broken", "category": "Functions",
		"query": "UserSignins('adele.vance@contoso.com') | project IPAdress"}); !strings.Contains(msg, "IPAdress") {
		t.Errorf("a column the function does not return: %s", msg)
	}

	var list struct{ Count int }
	res = env.CallOK("list_saved_searches", map[string]any{"workspace": prod, "functions": true})
	res.Decode(&list)
	if list.Count < 2 || !strings.Contains(res.Text, "| UserSignins | user:string, lookback:timespan=1d |") || !strings.Contains(res.Text, "| AdeleSignins |") ||
		strings.Contains(res.Text, "Failed sign-ins by user") {
		t.Errorf("functions (%d):\n%s", list.Count, res.Text)
	}
	var got search
	res = env.CallOK("get_saved_search", map[string]any{"workspace": prod, "saved_search": "Failed sign-ins by user"})
	res.Decode(&got)
	if got.ID != q.ID || !strings.Contains(got.Query, "summarize Failures") || !strings.Contains(res.Text, "summarize Failures") {
		t.Errorf("get %+v", got)
	}

	// The alias is taken: refused before any write.
	n := env.RequestCount()
	if msg := env.CallError("create_saved_search", map[string]any{"workspace": prod, "display_name": "Again", "category": "Functions",
		"function_alias": "UserSignins", "query": "SigninLogs | take 1"}); !strings.Contains(msg, "function UserSignins already exists") {
		t.Errorf("taken alias: %s", msg)
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("refused create wrote %v", w)
	}

	var p inventory.Pending
	env.CallOK("delete_saved_search", map[string]any{"workspace": prod, "saved_search": "UserSignins"}).Decode(&p)
	if !strings.Contains(p.Plan, "It is the function UserSignins") {
		t.Errorf("plan: %s", p.Plan)
	}
	env.CallOK("delete_saved_search", map[string]any{"workspace": prod, "saved_search": "UserSignins", inventory.ConfirmTokenArg: p.ConfirmToken})
	if msg := env.CallError("get_saved_search", map[string]any{"workspace": prod, "saved_search": "UserSignins"}); !strings.Contains(msg, "not found") {
		t.Errorf("after delete: %s", msg)
	}
	changes := 0
	for _, r := range env.AuditRecords() {
		changes += len(r.Changes)
	}
	if changes != 4 {
		t.Errorf("audit changes %d, want 4", changes)
	}
}

func TestInvalidQueriesAreRejectedBeforeAnyWrite(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	// A custom table of the workspace: its columns are checked too.
	env.Emulator.SeedResource(prodWS.ResourceID+"/tables/VpnSessions_CL", []byte(`{"properties":{"plan":"Analytics","schema":{"name":"VpnSessions_CL","tableType":"CustomLog",
		"columns":[{"name":"TimeGenerated","type":"dateTime"},{"name":"User","type":"string"},{"name":"Bytes","type":"long"}]}}}`))
	n := env.RequestCount()
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"query": "SigninLogs | where"}, "line 1, column 19: expected a predicate after 'where'"},
		{map[string]any{"query": "SigninLogs\n| where Foo == 1"}, "line 2, column 9: 'where' operator: Failed to resolve scalar expression named 'Foo'"},
		{map[string]any{"query": "VpnSessions_CL | where Usr == 'x'"}, "named 'Usr'"},
		{map[string]any{"query": "SigninLogs | where UserPrincipalName == usr", "function_alias": "F1", "parameters": "user:string"}, "named 'usr'"},
		{map[string]any{"query": "SigninLogs | take 1", "function_alias": "F2", "parameters": "user"}, "write name:type"},
		{map[string]any{"query": "SigninLogs | take 1", "function_alias": "F3", "parameters": "n:integer"}, `"integer" is not a scalar type`},
		{map[string]any{"query": "SigninLogs | take 1", "function_alias": "F4", "parameters": "a:int=1, b:string"}, "without a default come before"},
		{map[string]any{"query": "SigninLogs | take 1", "parameters": "a:int"}, "only a function has parameters"},
		{map[string]any{"query": "SigninLogs | take 1", "function_alias": "SigninLogs"}, "name of a table"},
		{map[string]any{"query": "SigninLogs | take 1", "function_alias": "my-func"}, "not a KQL name"},
		{map[string]any{"query": "  "}, "the query is empty"},
	} {
		c.args["workspace"], c.args["display_name"], c.args["category"] = prod, "Test", "Tests"
		if msg := env.CallError("create_saved_search", c.args); !strings.Contains(msg, c.want) {
			t.Errorf("%v: %s\nwant %q", c.args["query"], msg, c.want)
		}
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("invalid queries wrote %v", w)
	}
	// Tabular parameters and unknown tables (a warning, not an error).
	var out search
	env.CallOK("create_saved_search", map[string]any{"workspace": prod, "display_name": "Counts", "category": "Functions", "function_alias": "CountBy",
		"parameters": "T:(Account:string), minimum:long=1", "query": "T | summarize n = count() by Account | where n >= minimum"}).Decode(&out)
	env.CallOK("create_saved_search", map[string]any{"workspace": prod, "display_name": "Unknown", "category": "Tests",
		"query": "SomeConnector_CL | take 10"}).Decode(&out)
	if len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], "SomeConnector_CL") {
		t.Errorf("warnings %v", out.Warnings)
	}
}

func TestReadOnlyHidesWrites(t *testing.T) {
	env := start(t, toolsettest.Options{})
	if got, want := env.ToolNames(), []string{"get_saved_search", "list_saved_searches"}; !slices.Equal(got, want) {
		t.Errorf("read-only tools %v, want %v", got, want)
	}
}
