package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

const (
	fxWoodgrove = "7a1c0f00-0000-4000-8000-00000000a001"
	fxClient    = "c1000000-0000-4000-8000-00000000a001"
	fxSOC       = "a0000000-0000-4000-8000-00000000a001" // soc-central customer id
	fxContoso   = "a0000000-0000-4000-8000-00000000c001" // contoso-prod customer id
	fxAdatum    = "a0000000-0000-4000-8000-00000000d001" // not delegated to Woodgrove
)

var fxNow = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

// signins builds a SigninLogs table with the given users, one row an hour
// back from fxNow.
func signins(t *testing.T, tenant string, users ...string) *data.Table {
	st, _ := schema.Lookup("SigninLogs")
	s := st.Schema()
	b := data.NewTableBuilderSchema(s, len(users))
	for i, u := range users {
		row := make([]data.Value, len(s.Columns))
		for j, c := range s.Columns {
			row[j] = data.NullValue(c.Type)
			switch c.Name {
			case "TimeGenerated":
				row[j] = data.TimeValue(fxNow.Add(-time.Duration(i+1) * time.Hour))
			case "UserPrincipalName":
				row[j] = data.StringValue(u)
			case "ResultType":
				row[j] = data.StringValue([]string{"0", "50126"}[i%2])
			case "TenantId":
				row[j] = data.StringValue(tenant)
			case "_ResourceId":
				row[j] = data.StringValue("/subscriptions/x/resourcegroups/y/providers/microsoft.aadiam/tenants/" + tenant)
			}
		}
		if err := b.AppendValues(row); err != nil {
			t.Fatal(err)
		}
	}
	return b.Build()
}

func startQueryEmu(t *testing.T, maxRows int) (*Emulator, string) {
	t.Helper()
	e := startEmu(t, Options{Now: func() time.Time { return fxNow }, queryMaxRows: maxRows, fixture: func() *worldState {
		w := fixtureWorld()
		w.logs = func(wsID string) map[string]*data.Table {
			switch {
			case strings.HasSuffix(wsID, "/soc-central"):
				return map[string]*data.Table{"SigninLogs": signins(t, fxSOC, "ana@woodgrove.com")}
			case strings.HasSuffix(wsID, "/contoso-prod"):
				return map[string]*data.Table{"SigninLogs": signins(t, fxContoso, "alice@contoso.com", "bob@contoso.com", "alice@contoso.com")}
			}
			return nil
		}
		return w
	}})
	return e, token(t, e, fxWoodgrove, fxClient, "woodgrove-secret", logsScope)
}

func query(t *testing.T, e *Emulator, tok, ws string, body map[string]any, hdr ...string) resp {
	t.Helper()
	return do(t, e, tok, http.MethodPost, "/v1/workspaces/"+ws+"/query", body, hdr...)
}

// table returns the columns ("name:type") and rows of the first result table.
func table(t *testing.T, r resp) ([]string, [][]any) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	tables, _ := r.body["tables"].([]any)
	if len(tables) == 0 {
		t.Fatalf("no tables: %s", r.raw)
	}
	tb := tables[0].(map[string]any)
	if tb["name"] != "PrimaryResult" {
		t.Errorf("table name %v", tb["name"])
	}
	var cols []string
	for _, c := range tb["columns"].([]any) {
		m := c.(map[string]any)
		cols = append(cols, m["name"].(string)+":"+m["type"].(string))
	}
	var rows [][]any
	for _, r := range tb["rows"].([]any) {
		rows = append(rows, r.([]any))
	}
	return cols, rows
}

func TestQueryRunsKQL(t *testing.T) {
	e, tok := startQueryEmu(t, 0)
	r := query(t, e, tok, fxContoso, map[string]any{"query": "SigninLogs | summarize n = count() by UserPrincipalName | order by n desc"})
	cols, rows := table(t, r)
	if strings.Join(cols, ",") != "UserPrincipalName:string,n:long" || len(rows) != 2 || rows[0][0] != "alice@contoso.com" || rows[0][1] != 2.0 {
		t.Fatalf("got %v %v", cols, rows)
	}
	// Known tables without generated rows exist, empty; hidden columns stay hidden.
	cols, rows = table(t, query(t, e, tok, fxContoso, map[string]any{"query": "SecurityEvent | take 5"}))
	if len(rows) != 0 || len(cols) < 10 {
		t.Fatalf("SecurityEvent: %v %v", cols, rows)
	}
	for _, c := range cols {
		if strings.HasPrefix(c, "_ResourceId") || strings.HasPrefix(c, "_BilledSize") {
			t.Errorf("hidden column %s shown", c)
		}
	}
	// The timespan applies to each table's time column.
	_, rows = table(t, query(t, e, tok, fxContoso, map[string]any{"query": "SigninLogs | count", "timespan": "PT2H30M"}))
	if rows[0][0] != 2.0 {
		t.Errorf("timespan PT2H30M: %v rows, want 2", rows[0][0])
	}
	_, rows = table(t, query(t, e, tok, fxContoso, map[string]any{"query": "print now(), ago(1d)"}))
	if rows[0][0] != "2026-01-10T12:00:00Z" || rows[0][1] != "2026-01-09T12:00:00Z" {
		t.Errorf("now/ago follow the emulator clock: %v", rows[0])
	}
}

func TestQueryCrossWorkspace(t *testing.T) {
	e, tok := startQueryEmu(t, 0)
	_, rows := table(t, query(t, e, tok, fxSOC, map[string]any{"query": "SigninLogs | summarize count() by TenantId | order by TenantId asc", "workspaces": []string{fxContoso}}))
	if len(rows) != 2 || rows[0][0] != fxSOC || rows[1][0] != fxContoso || rows[1][1] != 3.0 {
		t.Fatalf("workspaces[]: %v", rows)
	}
	_, rows = table(t, query(t, e, tok, fxSOC, map[string]any{"query": "union SigninLogs, workspace('contoso-prod').SigninLogs | count"}))
	if rows[0][0] != 4.0 {
		t.Fatalf("workspace(): %v", rows)
	}
	r := query(t, e, tok, fxSOC, map[string]any{"query": "workspace('" + fxAdatum + "').SigninLogs | count"})
	if r.status != 400 || !strings.Contains(r.raw, "Failed to resolve workspace") {
		t.Fatalf("an undelegated workspace must not resolve: %d %s", r.status, r.raw)
	}
}

func TestQueryErrorsLikeAzure(t *testing.T) {
	e, tok := startQueryEmu(t, 0)
	inner := func(r resp) (map[string]any, map[string]any) {
		er, _ := r.body["error"].(map[string]any)
		if r.status != 400 || er["code"] != "BadArgumentError" || er["message"] != "The request had some invalid properties" || er["correlationId"] == nil {
			t.Fatalf("envelope: %d %s", r.status, r.raw)
		}
		i1, _ := er["innererror"].(map[string]any)
		i2, _ := i1["innererror"].(map[string]any)
		return i1, i2
	}
	i1, i2 := inner(query(t, e, tok, fxContoso, map[string]any{"query": "completely invalid syntax"}))
	if i1["code"] != "SyntaxError" || i1["message"] != "A recognition error occurred in the query." || i2["code"] != "SYN0002" ||
		i2["message"] != "Query could not be parsed at 'invalid' on line [1,11]" || i2["line"] != 1.0 || i2["pos"] != 11.0 || i2["token"] != "invalid" {
		t.Errorf("syntax error: %v / %v", i1, i2)
	}
	i1, i2 = inner(query(t, e, tok, fxContoso, map[string]any{"query": "NotARealTable | take 10"}))
	if i1["code"] != "SemanticError" || i1["message"] != "A semantic error occurred." || i2["code"] != "SEM0100" ||
		i2["message"] != "'take' operator: Failed to resolve table or column expression named 'NotARealTable'" {
		t.Errorf("unknown table: %v / %v", i1, i2)
	}
	_, i2 = inner(query(t, e, tok, fxContoso, map[string]any{"query": "SigninLogs | where UserPrincipalNme == 'x'"}))
	if i2["code"] != "SEM0100" || !strings.Contains(i2["message"].(string), "did you mean 'UserPrincipalName'") {
		t.Errorf("unknown column: %v", i2)
	}
}

func TestQueryTruncationIsPartialError(t *testing.T) {
	e, tok := startQueryEmu(t, 5)
	r := query(t, e, tok, fxContoso, map[string]any{"query": "range x from 1 to 20 step 1"})
	_, rows := table(t, r)
	er, _ := r.body["error"].(map[string]any)
	if len(rows) != 5 || er["code"] != "PartialError" {
		t.Fatalf("rows %d, error %v", len(rows), er)
	}
	b, _ := json.Marshal(er)
	if !strings.Contains(string(b), "E_QUERY_RESULT_SET_TOO_LARGE") {
		t.Errorf("partial error detail: %s", b)
	}
}

func TestQueryFunctionsAndWatchlists(t *testing.T) {
	e, tok := startQueryEmu(t, 0)
	arm := token(t, e, fxWoodgrove, fxClient, "woodgrove-secret", armScope)
	ws := "/subscriptions/5b000000-0000-4000-8000-00000000c001/resourceGroups/contoso-rg/providers/Microsoft.OperationalInsights/workspaces/contoso-prod"
	r := do(t, e, arm, http.MethodPut, ws+"/savedSearches/failed?api-version=2020-08-01", map[string]any{"properties": map[string]any{
		"category": "Functions", "displayName": "Failed sign-ins", "functionAlias": "FailedSignins",
		"functionParameters": "user:string = ''", "query": "SigninLogs | where ResultType != '0' | where isempty(user) or UserPrincipalName == user"}})
	if r.status >= 300 {
		t.Fatalf("saved search: %d %s", r.status, r.raw)
	}
	_, rows := table(t, query(t, e, tok, fxContoso, map[string]any{"query": "FailedSignins | count"}))
	if rows[0][0] != 1.0 {
		t.Errorf("stored function without arguments: %v", rows)
	}
	_, rows = table(t, query(t, e, tok, fxContoso, map[string]any{"query": "FailedSignins('nobody') | count"}))
	if rows[0][0] != 0.0 {
		t.Errorf("stored function with an argument: %v", rows)
	}
	r = do(t, e, arm, http.MethodPut, ws+"/providers/Microsoft.SecurityInsights/watchlists/vip?api-version=2025-09-01", map[string]any{"properties": map[string]any{
		"displayName": "VIP", "provider": "Microsoft", "itemsSearchKey": "Upn", "source": "Local", "contentType": "text/csv",
		"rawContent": "Upn,Level\r\nalice@contoso.com,1\r\ncarol@contoso.com,2\r\n"}})
	if r.status >= 300 {
		t.Fatalf("watchlist: %d %s", r.status, r.raw)
	}
	cols, rows := table(t, query(t, e, tok, fxContoso, map[string]any{"query": "SigninLogs | join kind=inner (_GetWatchlist('vip') | project SearchKey, VipLevel = Level) on $left.UserPrincipalName == $right.SearchKey | distinct UserPrincipalName, VipLevel"}))
	if len(rows) != 1 || rows[0][0] != "alice@contoso.com" || rows[0][1] != "1" {
		t.Errorf("_GetWatchlist join: %v %v", cols, rows)
	}
	cols, _ = table(t, query(t, e, tok, fxContoso, map[string]any{"query": "_GetWatchlist('vip')"}))
	if strings.Join(cols, ",") != "_DTItemId:string,LastUpdatedTimeUTC:datetime,SearchKey:string,WatchlistItem:dynamic,Level:string,Upn:string" {
		t.Errorf("_GetWatchlist columns: %v", cols)
	}
}

func TestQueryRender(t *testing.T) {
	e, tok := startQueryEmu(t, 0)
	r := query(t, e, tok, fxContoso, map[string]any{"query": "SigninLogs | summarize count() by bin(TimeGenerated, 1h) | render timechart"}, "Prefer", "include-render=true")
	rd, _ := r.body["render"].(map[string]any)
	if r.status != 200 || rd["visualization"] != "timechart" {
		t.Fatalf("render: %d %s", r.status, r.raw)
	}
}
