package query

import (
	"slices"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

func TestValidateKQLOffline(t *testing.T) {
	env := start(t, nil)
	before := len(env.Requests())
	var out validateOut
	res := env.CallOK("validate_kql", map[string]any{"query": "SigninLogs\n| where UserPrincipalNme == 'x'\n| project UserPrincipalName"})
	res.Decode(&out)
	if out.Valid || len(out.Diagnostics) != 1 {
		t.Fatalf("out = %+v", out)
	}
	d := out.Diagnostics[0]
	if d.Severity != "error" || d.Line != 2 || d.Column != 9 || !strings.Contains(d.Message+d.Hint, "did you mean 'UserPrincipalName'") {
		t.Errorf("diagnostic = %+v", d)
	}
	if !strings.Contains(res.Text, "Invalid: 1 error, 0 warnings:\n- error line 2, column 9:") || !strings.Contains(res.Text, "\n    | where UserPrincipalNme == 'x'\n            ^") {
		t.Errorf("text:\n%s", res.Text)
	}
	env.CallOK("validate_kql", map[string]any{"query": "SigninLogs | summarize count() by bin(TimeGenerated, 1h) | take 5"}).Decode(&out)
	if !out.Valid || len(out.Diagnostics) != 0 {
		t.Errorf("valid query: %+v", out)
	}
	// A custom table the catalog does not know is a warning: the query may still be right.
	res = env.CallOK("validate_kql", map[string]any{"query": "MyApp_CL | take 5"})
	res.Decode(&out)
	if !out.Valid || len(out.Diagnostics) != 1 || out.Diagnostics[0].Severity != "warning" || !strings.HasPrefix(res.Text, "Valid, with 1 warning:") {
		t.Errorf("custom table: %+v\n%s", out, res.Text)
	}
	// A table one typo away from a known one is an error with the name to use.
	res = env.CallOK("validate_kql", map[string]any{"query": "SigninLogs | take 1;\nSigninLog | take 5"})
	res.Decode(&out)
	if out.Valid || len(out.Diagnostics) != 1 || out.Diagnostics[0].Line != 2 || out.Diagnostics[0].Column != 1 ||
		!strings.Contains(res.Text, "error line 2, column 1: unknown table 'SigninLog' (did you mean 'SigninLogs'?)") {
		t.Errorf("table typo: %+v\n%s", out, res.Text)
	}
	env.CallOK("validate_kql", map[string]any{"query": "SigninLogs | take 1;\n.drop table SigninLogs"}).Decode(&out)
	if out.Valid || out.Diagnostics[0].Line != 2 || !strings.Contains(out.Diagnostics[0].Message, "control commands are not allowed") {
		t.Errorf("control command: %+v", out)
	}
	env.CallOK("validate_kql", map[string]any{"query": "SigninLogs | where (a == 1"}).Decode(&out)
	if out.Valid || out.Diagnostics[0].Line != 1 {
		t.Errorf("syntax error: %+v", out)
	}
	if n := len(env.Requests()) - before; n != 0 {
		t.Errorf("validate_kql sent %d requests: %v", n, env.Requests()[before:])
	}
}

func TestTableSchemas(t *testing.T) {
	env := start(t, nil)
	var out schemaOut
	res := env.CallOK("get_table_schema", map[string]any{"table": "SigninLogs"})
	res.Decode(&out)
	st, _ := schema.Lookup("SigninLogs")
	if out.Source != "built-in" || len(out.Columns) != len(st.VisibleColumns()) || !slices.Contains(out.Columns, schemaCol{Name: "UserPrincipalName", Type: "string"}) {
		t.Errorf("built-in: %+v", out)
	}
	if !strings.Contains(res.Text, "| UserPrincipalName | string |") {
		t.Errorf("text:\n%s", res.Text)
	}
	// From the workspace: its custom table, read with getschema.
	ws := alias(t, world.WSContosoProd)
	res = env.CallOK("get_table_schema", map[string]any{"workspace": ws, "table": world.CustomTable})
	res.Decode(&out)
	if out.Source != "workspace" || out.Workspace != ws || out.Tenant != "Contoso" || !slices.Contains(out.Columns, schemaCol{Name: "BytesSent", Type: "long"}) {
		t.Errorf("custom table: %+v", out)
	}
	if !strings.HasPrefix(res.Text, world.CustomTable+" (schema of "+ws+" (tenant Contoso), ") {
		t.Errorf("the answer does not name its workspace and tenant:\n%s", res.Text)
	}
	msg := env.CallError("get_table_schema", map[string]any{"table": "signinlogs"})
	if !strings.Contains(msg, "did you mean SigninLogs?") {
		t.Errorf("case: %s", msg)
	}
	// A hostile table name is a quoted identifier: it can only be a missing table.
	msg = env.CallError("get_table_schema", map[string]any{"workspace": ws, "table": "SigninLogs | take 1; .drop table X"})
	if !strings.Contains(msg, `has no table "SigninLogs | take 1; .drop table X"`) {
		t.Errorf("hostile name: %s", msg)
	}
	// When the workspace cannot be read, a known table's built-in schema, with a note saying so.
	if _, err := env.Emulator.Faults().Add(emulator.Fault{Route: "query", Tenant: world.Contoso, Status: 403}); err != nil {
		t.Fatal(err)
	}
	res = env.CallOK("get_table_schema", map[string]any{"workspace": ws, "table": "SigninLogs"})
	res.Decode(&out)
	if out.Source != "built-in" || out.Tenant != "Contoso" || !strings.Contains(out.Note, "Reading the schema from "+ws+" failed") || !strings.Contains(res.Text, out.Note) ||
		!strings.HasPrefix(res.Text, "SigninLogs (built-in schema, for "+ws+" (tenant Contoso), ") {
		t.Errorf("unreadable workspace: %+v", out)
	}
	if msg := env.CallError("get_table_schema", map[string]any{"workspace": ws, "table": world.CustomTable + "x"}); !strings.Contains(msg, "403") {
		t.Errorf("unknown table, unreadable workspace: %s", msg)
	}
}

func TestListTables(t *testing.T) {
	env := startWith(t, toolsettest.Options{}) // a week of logs

	var out listTablesOut
	res := env.CallOK("list_tables", map[string]any{"workspace": alias(t, world.WSContosoProd)})
	res.Decode(&out)
	if out.Workspace != alias(t, world.WSContosoProd) || out.Tenant != "Contoso" {
		t.Errorf("list_tables names %q of %q", out.Workspace, out.Tenant)
	}
	names := map[string]tableRow{}
	for _, r := range out.Tables {
		names[r.Name] = r
	}
	for _, want := range []string{"SigninLogs", "SecurityEvent", "OfficeActivity", world.CustomTable} {
		r, ok := names[want]
		if !ok || r.IngestedMB == nil || *r.IngestedMB <= 0 {
			t.Errorf("%s: %+v", want, r)
		}
	}
	if !strings.Contains(res.Text, "| SigninLogs | ") || !strings.Contains(res.Text, "Interactive user sign-ins") {
		t.Errorf("text:\n%s", res.Text)
	}
	// Fabrikam's Office 365 connector has been silent for days: no OfficeActivity in the last day,
	// exact counts over the last day (an hour can hold no sign-in at night in the tenant's time zone),
	// and the name filter.
	silent := world.SeededFacts().Diff(world.DiffSilentConnector)[0]
	env.CallOK("list_tables", map[string]any{"workspace": alias(t, silent.Workspace), "timespan": "24h"}).Decode(&out)
	for _, r := range out.Tables {
		if r.Name == silent.Table {
			t.Errorf("%s listed for the last 24h in %s", silent.Table, silent.Workspace)
		}
	}
	env.CallOK("list_tables", map[string]any{"workspace": alias(t, silent.Workspace), "counts": true, "timespan": "24h", "name": "signin"}).Decode(&out)
	if len(out.Tables) == 0 {
		t.Fatal("no sign-in table in the last day")
	}
	for _, r := range out.Tables {
		if !strings.Contains(strings.ToLower(r.Name), "signin") || r.Rows == nil || *r.Rows <= 0 || r.LastTimeGenerated == "" {
			t.Errorf("counted: %+v", r)
		}
	}
}
