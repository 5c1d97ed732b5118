package query

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// sprayQuery finds password-spray sources: every story of the kind, in whichever workspace it is.
const sprayQuery = `SigninLogs | where ResultType == "50126" | summarize Failures = count(), Users = dcount(UserPrincipalName) by IPAddress | where Users >= 10`

func TestFanOutOverAllTenantsAttributesEveryRow(t *testing.T) {
	env := start(t, nil)
	res := env.CallOK("run_kql_query_across_workspaces", map[string]any{"workspaces": []string{"all"}, "query": sprayQuery, "format": "json"})
	var out acrossOut
	res.Decode(&out)
	// Every Sentinel workspace of every allowed tenant (Litware through its own credential), not
	// the workspace that is not onboarded to Sentinel.
	var want []string
	for _, w := range world.Workspaces() {
		if w.Sentinel && w.TenantAlias != world.Adatum {
			want = append(want, w.Alias())
		}
	}
	slices.Sort(want)
	var got []string
	for _, s := range out.Workspaces {
		got = append(got, s.Workspace)
		if s.Status != "ok" || s.Error != "" {
			t.Errorf("%s: %+v", s.Workspace, s)
		}
	}
	if !slices.Equal(got, want) || out.Mode != ModeFanout || out.Failed != 0 {
		t.Errorf("workspaces %v (mode %s), want %v", got, out.Mode, want)
	}
	rows := jsonRows(t, res.Text)
	stories := world.SeededFacts().StoriesOf(world.StoryPasswordSpray)
	if len(rows) != len(stories) {
		t.Fatalf("rows %v, want one per spray story %v", rows, stories)
	}
	for _, s := range stories {
		w, _ := world.WorkspaceByName(s.Workspace)
		found := false
		for _, r := range rows {
			if r["IPAddress"] == s.IP {
				found = true
				if r["Workspace"] != w.Alias() || r["TenantName"] != world.MustTenant(w.TenantAlias).Name || num(t, r["Failures"]) != int64(s.Count) {
					t.Errorf("spray from %s: row %v, want workspace %s, %d failures", s.IP, r, w.Alias(), s.Count)
				}
			}
		}
		if !found {
			t.Errorf("spray from %s in %s not found: %v", s.IP, s.Workspace, rows)
		}
	}
	if !strings.Contains(res.Text, `{"columns":[{"name":"TenantName","type":"string"},{"name":"Workspace","type":"string"},{"name":"IPAddress"`) {
		t.Errorf("attribution columns are not first:\n%s", res.Text)
	}
	// The workspaces with a spray have their own status line; the others share one.
	status := res.Text[strings.LastIndex(res.Text, "\nWorkspaces:"):]
	empty := status[strings.Index(status, "\n- ok without rows: "):]
	for _, a := range want {
		sprayed := slices.ContainsFunc(stories, func(s world.Story) bool { return world.MustWorkspace(s.Workspace).Alias() == a })
		if sprayed && !strings.Contains(status, "\n- "+a+": ok, 1 row") || !sprayed && !strings.Contains(empty, a) {
			t.Errorf("status of %s:\n%s", a, status)
		}
	}

	// One tenant; the allow-list is applied by the selection.
	res = env.CallOK("run_kql_query_across_workspaces", map[string]any{"tenant": world.Contoso, "query": "SigninLogs | count"})
	res.Decode(&out)
	if len(out.Workspaces) != 2 || out.Workspaces[0].Workspace != alias(t, world.WSContosoDev) || out.Workspaces[1].Workspace != alias(t, world.WSContosoProd) {
		t.Errorf("tenant contoso: %+v", out.Workspaces)
	}
	// Without workspace, workspaces or tenant: every workspace, as with ["all"]; workspace names one.
	env.CallOK("run_kql_query_across_workspaces", map[string]any{"query": "SigninLogs | count"}).Decode(&out)
	if len(out.Workspaces) != len(want) {
		t.Errorf("no selection: %+v", out.Workspaces)
	}
	env.CallOK("run_kql_query_across_workspaces", map[string]any{"workspace": world.WSContosoProd, "query": "SigninLogs | count"}).Decode(&out)
	if len(out.Workspaces) != 1 || out.Workspaces[0].Workspace != alias(t, world.WSContosoProd) {
		t.Errorf("workspace: %+v", out.Workspaces)
	}
	msg := env.CallError("run_kql_query_across_workspaces", map[string]any{"workspaces": []string{"all"}, "query": "SigninLogs | wher x"})
	if !strings.Contains(msg, "refused the query on all 6 workspaces") || !strings.Contains(msg, "line [1,13]") {
		t.Errorf("bad query everywhere: %s", msg)
	}
}

func TestAllowListNarrowsAll(t *testing.T) {
	env := start(t, func(c *config.Config) { c.Azure.AllowedTenants = []string{world.Contoso, world.Litware} })
	var out acrossOut
	env.CallOK("run_kql_query_across_workspaces", map[string]any{"workspaces": []string{"*"}, "query": "SigninLogs | count"}).Decode(&out)
	var got []string
	for _, s := range out.Workspaces {
		got = append(got, s.Workspace)
	}
	want := []string{alias(t, world.WSContosoDev), alias(t, world.WSContosoProd), alias(t, world.WSLitwareSentinel)}
	if !slices.Equal(got, want) {
		t.Errorf("workspaces %v, want %v", got, want)
	}
	msg := env.CallError("run_kql_query_across_workspaces", map[string]any{"workspaces": []string{alias(t, world.WSFabrikamSentinel)}, "query": "SigninLogs | count"})
	if !strings.Contains(strings.ToLower(msg), "allow") {
		t.Errorf("workspace outside the allow-list: %s", msg)
	}
}

func TestNativeCrossWorkspaceMode(t *testing.T) {
	// Without the direct tenant every workspace is reached with Woodgrove's credential; with two
	// queries at a time, auto prefers one cross-workspace query.
	env := toolsettestStartNoDirect(t, func(c *config.Config) { c.Azure.FanOut.Concurrency = 2 })
	byTenant := "SigninLogs | summarize SignIns = count() by TenantId"
	before := queryRequests(env)
	res := env.CallOK("run_kql_query_across_workspaces", map[string]any{"workspaces": []string{"all"}, "query": byTenant, "format": "json"})
	var out acrossOut
	res.Decode(&out)
	if out.Mode != ModeNative || queryRequests(env)-before != 1 || len(out.Workspaces) != 5 || !strings.Contains(res.Text, "mode native (auto: the 5 workspaces share one credential, so one cross-workspace query replaces 5; 1 request)") {
		t.Fatalf("mode %s after %d requests: %s", out.Mode, queryRequests(env)-before, res.Text)
	}
	rows := jsonRows(t, res.Text)
	if len(rows) != 5 {
		t.Fatalf("rows = %v", rows)
	}
	for _, r := range rows {
		w, ok := world.WorkspaceByName(strings.SplitN(str(r["Workspace"]), "/", 2)[1])
		if !ok || w.CustomerID != r["TenantId"] || num(t, r["SignIns"]) == 0 {
			t.Errorf("row %v is not attributed to its workspace", r)
		}
	}
	for _, s := range out.Workspaces {
		if s.Status != "ok" || s.Rows != 1 {
			t.Errorf("status %+v", s)
		}
	}

	// A result without TenantId cannot be attributed: auto runs the query per workspace instead...
	before = queryRequests(env)
	res = env.CallOK("run_kql_query_across_workspaces", map[string]any{"workspaces": []string{"all"}, "query": "SigninLogs | summarize SignIns = count()"})
	res.Decode(&out)
	if out.Mode != ModeFanout || queryRequests(env)-before != 6 || out.Result.TotalRows != 5 || !strings.Contains(res.Text, "no TenantId column to attribute rows") {
		t.Errorf("auto fallback: mode %s, %d requests: %s", out.Mode, queryRequests(env)-before, res.Text)
	}
	// ...while native, when asked for, keeps the union's single row and says it names no workspace.
	res = env.CallOK("run_kql_query_across_workspaces", map[string]any{"workspaces": []string{"all"}, "query": "SigninLogs | summarize SignIns = count()", "mode": "native"})
	res.Decode(&out)
	if out.Mode != ModeNative || out.Result.TotalRows != 1 || !strings.Contains(res.Text, "1 row name no workspace") {
		t.Errorf("native without TenantId: %s", res.Text)
	}
	// Fan-out when asked for.
	res = env.CallOK("run_kql_query_across_workspaces", map[string]any{"workspaces": []string{"all"}, "query": byTenant, "mode": "fanout"})
	res.Decode(&out)
	if out.Mode != ModeFanout || out.Result.TotalRows != 5 {
		t.Errorf("fanout: %+v", out)
	}
	if msg := env.CallError("run_kql_query_across_workspaces", map[string]any{"workspaces": []string{"all"}, "query": byTenant, "mode": "parallel"}); !strings.Contains(msg, "mode") {
		t.Errorf("bad mode: %s", msg)
	}
}

func TestOneFailingWorkspaceDoesNotHideTheOthers(t *testing.T) {
	env := startWith(t, toolsettest.Options{
		Emulator:  emulator.Options{Days: 1},
		Configure: func(c *config.Config) { c.Azure.FanOut.PerWorkspaceTimeout = 2 * time.Second },
	})
	// The emulator generates a workspace's logs on its first query (slow under the race detector):
	// do that, outside the per-workspace time limit, before timing anything.
	for _, w := range world.Workspaces() {
		if w.Sentinel && w.TenantAlias != world.Adatum {
			env.CallOK("run_kql_query", map[string]any{"workspace": w.Alias(), "query": "SigninLogs | count"})
		}
	}
	if _, err := env.Emulator.Faults().Add(emulator.Fault{Route: "query", Tenant: world.Fabrikam, Status: 403}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Emulator.Faults().Add(emulator.Fault{Route: "query", Tenant: world.Northwind, Latency: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := env.CallOK("run_kql_query_across_workspaces", map[string]any{"workspaces": []string{"all"}, "query": sprayQuery})
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("the slow workspace held the call for %s", d) // the per-workspace timeout is 2s
	}
	var out acrossOut
	res.Decode(&out)
	st := map[string]wsStatus{}
	for _, s := range out.Workspaces {
		st[s.Workspace] = s
	}
	if s := st[alias(t, world.WSFabrikamSentinel)]; s.Status != "error" || !strings.Contains(s.Error, "403") {
		t.Errorf("fabrikam: %+v", s)
	}
	if s := st[alias(t, world.WSNorthwindSentinel)]; s.Status != "error" || !strings.Contains(s.Error, "timed out") {
		t.Errorf("northwind: %+v", s)
	}
	if s := st[alias(t, world.WSContosoProd)]; s.Status != "ok" || s.Rows != 1 {
		t.Errorf("contoso: %+v", s)
	}
	if out.Failed != 2 || !strings.Contains(res.Text, "4 ok, 2 failed") || !strings.Contains(res.Text, "198.51.100.21") {
		t.Errorf("answer:\n%s", res.Text)
	}
	// Nothing answered: a tool error naming each workspace's failure.
	env.Emulator.Faults().Clear()
	if _, err := env.Emulator.Faults().Add(emulator.Fault{Route: "query", Status: 403}); err != nil {
		t.Fatal(err)
	}
	msg := env.CallError("run_kql_query_across_workspaces", map[string]any{"tenant": world.Contoso, "query": sprayQuery})
	if !strings.Contains(msg, "the query failed on every workspace: "+alias(t, world.WSContosoDev)+": ") || !strings.Contains(msg, alias(t, world.WSContosoProd)+": ") {
		t.Errorf("all failed: %s", msg)
	}
}

func TestSchemasThatDifferAreMerged(t *testing.T) {
	env := start(t, nil)
	// pivot makes a column per result code a workspace has: the workspaces' schemas differ.
	q := `SigninLogs | where ResultType in ("0", "50053", "50074", "50126") | summarize n = count() by ResultType | evaluate pivot(ResultType, sum(n))`
	res := env.CallOK("run_kql_query_across_workspaces", map[string]any{"workspaces": []string{"all"}, "query": q, "format": "json"})
	var out acrossOut
	res.Decode(&out)
	merged := jsonRows(t, res.Text)
	want := []string{colTenant, colWorkspace}
	missing := 0
	for _, s := range out.Workspaces {
		r := env.CallOK("run_kql_query", map[string]any{"workspace": s.Workspace, "query": q, "format": "json"})
		var one runOut
		r.Decode(&one)
		rows := jsonRows(t, r.Text)
		body := fenced(t, r.Text)
		var doc struct{ Columns []struct{ Name string } }
		if err := json.NewDecoder(strings.NewReader(body)).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		for _, c := range doc.Columns {
			if !slices.Contains(want, c.Name) {
				want = append(want, c.Name)
			}
		}
		var m map[string]any
		for _, x := range merged {
			if x[colWorkspace] == s.Workspace {
				m = x
			}
		}
		if len(rows) != 1 || m == nil {
			t.Fatalf("%s: rows %v, merged %v", s.Workspace, rows, m)
		}
		for k, v := range m {
			if k == colTenant || k == colWorkspace {
				continue
			}
			if got, ok := rows[0][k]; !ok {
				missing++
				if v != nil {
					t.Errorf("%s has no column %s but the merged row has %v", s.Workspace, k, v)
				}
			} else if str(got) != str(v) {
				t.Errorf("%s.%s: %v, merged %v", s.Workspace, k, got, v)
			}
		}
	}
	var got []string
	var doc struct{ Columns []struct{ Name string } }
	if err := json.Unmarshal([]byte(fenced(t, res.Text)), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Columns {
		got = append(got, c.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("merged columns %v, want %v", got, want)
	}
	if missing == 0 {
		t.Fatal("every workspace had every column: the data no longer exercises the merge")
	}
}

func TestFanOutReportsProgressAndStopsWhenCancelled(t *testing.T) {
	env := start(t, nil)
	var mu sync.Mutex
	var notes []*mcp.ProgressNotificationParams
	cs := connect(t, env, &mcp.ClientOptions{ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
		mu.Lock()
		notes = append(notes, r.Params)
		mu.Unlock()
	}})
	params := &mcp.CallToolParams{Name: "run_kql_query_across_workspaces", Arguments: map[string]any{"workspaces": []string{"all"}, "query": "SigninLogs | count"}}
	params.SetProgressToken("hunt-1")
	res, err := cs.CallTool(context.Background(), params)
	if err != nil || res.IsError {
		t.Fatalf("%v %v", err, res)
	}
	time.Sleep(50 * time.Millisecond) // notifications are delivered asynchronously
	mu.Lock()
	if len(notes) != 6 || notes[5].Progress != 6 || notes[5].Total != 6 || notes[0].ProgressToken != "hunt-1" || !strings.Contains(notes[0].Message, "done (1 of 6)") {
		t.Errorf("progress notifications: %d, last %+v", len(notes), notes[len(notes)-1])
	}
	mu.Unlock()
	// Without a progress token, no notifications.
	if res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: params.Name, Arguments: params.Arguments}); err != nil || res.IsError {
		t.Fatalf("%v %v", err, res)
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	if len(notes) != 6 {
		t.Errorf("%d notifications after a call that asked for none", len(notes)-6)
	}
	mu.Unlock()

	// A cancelled call returns promptly although workspaces are slow, and the session goes on.
	if _, err := env.Emulator.Faults().Add(emulator.Fault{Route: "query", Latency: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	before := queryRequests(env)
	begin := time.Now()
	_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "run_kql_query_across_workspaces", Arguments: map[string]any{"workspaces": []string{"all"}, "query": "SigninLogs | count"}})
	if err == nil || time.Since(begin) > 5*time.Second {
		t.Errorf("cancelled call: err %v after %s", err, time.Since(begin))
	}
	// Five queries were in flight (azure.fanout.concurrency); the sixth workspace is never started.
	time.Sleep(300 * time.Millisecond)
	if n := queryRequests(env) - before; n != 5 {
		t.Errorf("%d queries sent by the cancelled call, want the 5 in flight", n)
	}
	env.Emulator.Faults().Clear()
	if r := env.CallOK("validate_kql", map[string]any{"query": "SigninLogs | take 1"}); !strings.HasPrefix(r.Text, "Valid") {
		t.Errorf("session after cancel: %s", r.Text)
	}
}

// A cross-workspace query that fails for another reason than the query (here Contoso's workspaces
// refuse the server) is run again per workspace in auto mode: the other tenants' rows are kept and
// only the failing workspaces are errors.
func TestNativeFailureFallsBackPerWorkspace(t *testing.T) {
	env := toolsettestStartNoDirect(t, func(c *config.Config) { c.Azure.FanOut.Concurrency = 2 })
	byTenant := "SigninLogs | summarize SignIns = count() by TenantId"
	env.CallOK("run_kql_query_across_workspaces", map[string]any{"query": byTenant}) // discovery, logs
	if _, err := env.Emulator.Faults().Add(emulator.Fault{Route: "query", Tenant: world.Contoso, Status: 403}); err != nil {
		t.Fatal(err)
	}
	before := queryRequests(env)
	res := env.CallOK("run_kql_query_across_workspaces", map[string]any{"query": byTenant, "format": "json"})
	var out acrossOut
	res.Decode(&out)
	if out.Mode != ModeNative || queryRequests(env)-before != 6 || !strings.Contains(res.Text, "that query failed, so 5 workspaces ran one by one") {
		t.Fatalf("mode %s after %d requests:\n%s", out.Mode, queryRequests(env)-before, res.Text)
	}
	for _, s := range out.Workspaces {
		contoso := strings.HasPrefix(s.Workspace, world.Contoso+"/")
		if contoso && (s.Status != "error" || !strings.Contains(s.Error, "403")) || !contoso && (s.Status != "ok" || s.Rows != 1) {
			t.Errorf("%+v", s)
		}
	}
	if rows := jsonRows(t, res.Text); out.Failed != 2 || len(rows) != 3 {
		t.Errorf("%d failed, rows %v", out.Failed, rows)
	}
	// A query Log Analytics refuses is not run again per workspace: it would be refused everywhere.
	env.Emulator.Faults().Clear()
	before = queryRequests(env)
	msg := env.CallError("run_kql_query_across_workspaces", map[string]any{"query": "SigninLogs | wher x"})
	if n := queryRequests(env) - before; n != 1 || !strings.Contains(msg, "refused the query") {
		t.Errorf("bad query: %d requests: %s", n, msg)
	}
}

// Through the protocol, a hunt over 26 workspaces of 25 tenants, with latency on every query and a
// burst of throttling, answers for every workspace, never has more queries in flight than
// azure.fanout.concurrency, and retries every throttled query after its Retry-After.
func TestFanOutOverManyTenantsThroughTheProtocol(t *testing.T) {
	env := startWith(t, toolsettest.Options{Emulator: emulator.Options{ExtraTenants: 20, Days: 1, Scale: 0.05}})
	args := map[string]any{"query": "SigninLogs | summarize SignIns = count()", "mode": "fanout"}
	var out acrossOut
	env.CallOK("run_kql_query_across_workspaces", args).Decode(&out) // discovery and the logs of every workspace
	n := len(out.Workspaces)
	if n != 26 {
		t.Fatalf("%d workspaces", n)
	}
	throttle, err := env.Emulator.Faults().Add(emulator.Fault{Route: "query", Status: 429, RetryAfter: 20 * time.Millisecond, Times: 8})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Emulator.Faults().Add(emulator.Fault{Route: "query", Latency: 30 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	env.ResetQueryPeak()
	before := queryRequests(env)
	env.CallOK("run_kql_query_across_workspaces", args).Decode(&out)
	if out.Failed != 0 || len(out.Workspaces) != n || out.Result.TotalRows != n || out.Result.Truncated {
		t.Errorf("%d failed of %d, %d rows: %+v", out.Failed, len(out.Workspaces), out.Result.TotalRows, out.Workspaces)
	}
	for _, s := range out.Workspaces {
		if s.Status != "ok" || s.Rows != 1 {
			t.Errorf("%+v", s)
		}
	}
	if h := env.Emulator.Faults().Hits(throttle); h != 8 || queryRequests(env)-before != n+8 {
		t.Errorf("%d throttled, %d query requests for %d workspaces", h, queryRequests(env)-before, n)
	}
	if p, bound := env.QueryPeak(), env.Config.Azure.FanOut.Concurrency; p > bound || p < 2 {
		t.Errorf("peak of %d queries in flight, bound %d", p, bound)
	}
}
