package robustness

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// Faults: storms of throttling, server errors, timeouts and dropped connections at the emulator,
// during the tools that fan out over every workspace and during writes. The server must stay up,
// report every workspace's outcome (never a silently short answer), fail clearly when nothing
// answers, never repeat a write that is not idempotent, and write every audit record.

// storm is a kind of failure, installed on one tenant (or every one).
type storm struct {
	name  string
	fault emulator.Fault
}

var storms = []storm{
	{"503", emulator.Fault{Status: 503}},
	{"500", emulator.Fault{Status: 500}},
	{"429", emulator.Fault{Status: 429, RetryAfter: 10 * time.Millisecond}},
	{"drop", emulator.Fault{Drop: true}},
	{"timeout", emulator.Fault{Latency: 10 * time.Minute}}, // beyond any per-workspace bound (the request is cancelled)
}

// perWorkspaceTimeout bounds one workspace of a fan-out in these tests (the timeout storm exceeds it).
// The emulator's KQL engine and the server share the machine: with every fan-out tool running at
// once on two cores, a healthy workspace's health check takes about 2.5s (alone, 0.5s), and much more
// on a busy machine, so the bound is generous; under -race it is wider still (race_test.go). The call
// timeout leaves room for the two rounds of workspaces (six, five at a time) at the bound.
var perWorkspaceTimeout = 10 * time.Second

func faultEnv(t *testing.T) *toolsettest.Env {
	// A small log volume: the tests are about failures, and generating the logs is slow under -race.
	return startAll(t, toolsettest.Options{Emulator: emulator.Options{Scale: 0.05}, Configure: func(c *config.Config) {
		c.Azure.FanOut.PerWorkspaceTimeout = perWorkspaceTimeout
		c.Limits.CallTimeout = 3 * perWorkspaceTimeout
	}})
}

// install adds f on the ARM and query surfaces, for one tenant ("" every tenant), and returns a
// function that removes it.
func install(t *testing.T, emu *emulator.Emulator, f emulator.Fault, tenant string) func() {
	t.Helper()
	var ids []string
	for _, route := range []string{"arm", "query"} {
		g := f
		g.Route = route
		if tenant != "" {
			g.Tenant = world.MustTenant(tenant).ID
		}
		id, err := emu.Faults().Add(g)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return func() {
		for _, id := range ids {
			emu.Faults().Remove(id)
		}
	}
}

// fanOutArgs are the arguments, besides workspaces: ["all"], that a fan-out tool needs to do real work
// in every workspace (the generic minimal arguments would make each workspace fail alike).
var fanOutArgs = map[string]map[string]any{
	"run_kql_query_across_workspaces": {"query": "SigninLogs | summarize n = count()", "mode": "fanout"},
	"detect_drift":                    {"baseline_workspace": world.MustWorkspace(world.WSSocCentral).Alias()},
}

// fanOutTools are the read-only tools with a workspaces argument: they fan out over every allowed
// workspace with ["all"].
func fanOutTools(t *testing.T, env *toolsettest.Env) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, lt := range listTools(t, env) {
		if lt.write() || lt.Schema.Properties["workspaces"] == nil {
			continue
		}
		args, err := minimalArgs(lt, map[string]any{"workspaces": []any{"all"}})
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range fanOutArgs[lt.Name] {
			args[k] = v
		}
		out[lt.Name] = args
	}
	if len(out) < 3 {
		t.Fatalf("only %d fan-out tools: %v", len(out), out)
	}
	return out
}

func TestFanOutUnderFaultStorms(t *testing.T) {
	env := faultEnv(t)
	failing := world.MustWorkspace(world.WSFabrikamSentinel)
	healthy := world.MustWorkspace(world.WSContosoProd)
	tools := fanOutTools(t, env)
	var ids []string
	// Warm up (discovery, and each workspace's log data, generated on its first query) without the
	// per-workspace timeout.
	for _, w := range world.Workspaces() {
		if w.Sentinel && w.TenantAlias != world.Adatum {
			env.CallOK("run_kql_query", map[string]any{"workspace": w.Alias(), "query": "SigninLogs | count"})
		}
	}
	for name, args := range tools {
		ids = append(ids, correlationID(env.CallOK(name, args).CallToolResult))
	}
	for _, s := range storms {
		// The tools at the same time, under the same storm.
		remove := install(t, env.Emulator, s.fault, world.Fabrikam)
		got := callAll(env, tools)
		remove()
		for _, a := range got {
			if a.err != nil {
				t.Fatalf("%s storm, %s: protocol error: %v", s.name, a.name, a.err)
			}
			ids = append(ids, correlationID(a.res))
			structured, _ := json.Marshal(a.res.StructuredContent)
			// Honest partial result: the failed workspace is named with an error, in the text and in
			// the structured output, and the healthy ones are there (where the output lists workspaces).
			if a.res.IsError {
				t.Errorf("%s storm, %s: one failing tenant failed the whole call (%v): %s", s.name, a.name, a.took, short(a.text))
				continue
			}
			if !strings.Contains(a.text, failing.Alias()) || !strings.Contains(string(structured), failing.Alias()) ||
				!strings.Contains(strings.ToLower(string(structured)), "error") {
				t.Errorf("%s storm, %s: the failure of %s is not reported: %s\n%s", s.name, a.name, failing.Alias(), short(a.text), short(string(structured)))
			}
			if strings.Contains(string(structured), `"workspaces":[`) && !strings.Contains(string(structured), healthy.Alias()) {
				t.Errorf("%s storm, %s: the healthy workspaces are missing: %s", s.name, a.name, short(string(structured)))
			}
			if s.name == "timeout" && a.took > 2*perWorkspaceTimeout+10*time.Second {
				t.Errorf("%s: a slow tenant held the call for %v (per-workspace timeout %v)", a.name, a.took, perWorkspaceTimeout)
			}
		}
	}
	// Every tenant failing: a clear tool error, not an empty success.
	remove := install(t, env.Emulator, emulator.Fault{Status: 503}, "")
	got := callAll(env, tools)
	remove()
	for _, a := range got {
		if a.err != nil {
			t.Fatalf("%s with every tenant failing: protocol error %v", a.name, a.err)
		}
		ids = append(ids, correlationID(a.res))
		if !a.res.IsError {
			t.Errorf("%s with every tenant failing is not an error: %s", a.name, short(a.text))
		}
	}
	// A storm of probabilistic failures everywhere: retried, and whatever is left reported.
	remove = install(t, env.Emulator, emulator.Fault{Status: 503, Probability: 0.3}, "")
	got = append(callAll(env, tools), callAll(env, tools)...)
	remove()
	for _, a := range got {
		if a.err != nil {
			t.Fatalf("%s under a flaky storm: protocol error %v", a.name, a.err)
		}
		ids = append(ids, correlationID(a.res))
		if a.res.IsError && !strings.Contains(a.text, "503") && !strings.Contains(strings.ToLower(a.text), "unavailable") {
			t.Errorf("%s under a flaky storm: %s", a.name, short(a.text))
		}
	}
	// The server is still up, and every call has its audit record.
	env.CallOK("list_workspaces", map[string]any{})
	checkAudit(t, env, ids, false)
}

// answer is the outcome of one call of callAll.
type answer struct {
	name, text string
	res        *mcp.CallToolResult
	err        error
	took       time.Duration
}

// callAll calls every tool at the same time and returns the answers.
func callAll(env *toolsettest.Env, tools map[string]map[string]any) []answer {
	answers := make(chan answer, len(tools))
	for name, args := range tools {
		go func() {
			start := time.Now()
			res, text, err := call(env, name, args)
			answers <- answer{name, text, res, err, time.Since(start)}
		}()
	}
	var got []answer
	for range tools {
		got = append(got, <-answers)
	}
	return got
}

// checkAudit checks that each call has its result record, and an intent record when it is a write.
func checkAudit(t *testing.T, env *toolsettest.Env, ids []string, writes bool) {
	t.Helper()
	idx := indexAudit(env.AuditRecords())
	for _, id := range ids {
		if id == "" {
			t.Errorf("a result without a correlation id")
			continue
		}
		if _, ok := idx.phase(id, audit.PhaseResult); !ok {
			t.Errorf("call %s has no result record", id)
		}
		if _, ok := idx.phase(id, audit.PhaseIntent); writes && !ok {
			t.Errorf("write %s has no intent record", id)
		}
	}
}

// attempts counts the requests of a method to a route at the emulator: the storm's own hits plus
// those that got through (a counting fault installed after the storm).
type attempts struct {
	emu     *emulator.Emulator
	storm   string
	counter string
}

func countAttempts(t *testing.T, emu *emulator.Emulator, f emulator.Fault) *attempts {
	t.Helper()
	id, err := emu.Faults().Add(f)
	if err != nil {
		t.Fatal(err)
	}
	return &attempts{emu: emu, storm: id, counter: countMethod(t, emu, f.Method, f.Route)}
}

// done removes both faults and returns the attempts counted.
func (a *attempts) done() int {
	n := a.emu.Faults().Hits(a.storm) + a.emu.Faults().Hits(a.counter)
	a.emu.Faults().Remove(a.storm)
	a.emu.Faults().Remove(a.counter)
	return n
}

func TestWritesUnderFaults(t *testing.T) {
	env := faultEnv(t)
	ws := world.MustWorkspace(world.WSContosoProd)
	retries := env.Config.Azure.Retry.MaxRetries
	rules := func(name string) int {
		var out struct {
			Result struct {
				TotalRows int `json:"total_rows"`
			} `json:"result"`
		}
		env.CallOK("list_analytics_rules", map[string]any{"workspaces": []any{ws.Alias()}, "search": name}).Decode(&out)
		return out.Result.TotalRows
	}
	var ids []string
	record := func(res *mcp.CallToolResult) { ids = append(ids, correlationID(res)) }

	// PUT is idempotent (a new rule has its name chosen once, with If-None-Match): retried through a
	// short storm, it creates the rule once.
	for _, s := range []storm{storms[0], storms[2], storms[3]} {
		name := "storm-rule-" + s.name
		f := s.fault
		f.Method, f.Route, f.Times = "PUT", "/subscriptions/*/resourceGroups/*/providers/Microsoft.OperationalInsights/workspaces/*/providers/Microsoft.SecurityInsights/alertRules/*", 2
		a := countAttempts(t, env.Emulator, f)
		res := env.Call("create_analytics_rule", map[string]any{"workspace": ws.Alias(), "display_name": name, "query": "SigninLogs | where ResultType != \"0\"", "severity": "Low"})
		n := a.done()
		record(res.CallToolResult)
		if res.IsError {
			t.Errorf("%s storm (2 failures): create_analytics_rule failed: %s", s.name, short(res.Text))
		}
		if n != 3 {
			t.Errorf("%s storm: %d PUT attempts, want 3 (2 failed, 1 through)", s.name, n)
		}
		if n := rules(name); n != 1 {
			t.Errorf("%s storm: %d rules named %s, want 1", s.name, n, name)
		}
	}
	// A PUT that keeps failing: a bounded number of attempts, a clear error, nothing created.
	{
		f := emulator.Fault{Status: 500, Method: "PUT", Route: "/subscriptions/*/resourceGroups/*/providers/Microsoft.OperationalInsights/workspaces/*/providers/Microsoft.SecurityInsights/alertRules/*"}
		a := countAttempts(t, env.Emulator, f)
		res := env.Call("create_analytics_rule", map[string]any{"workspace": ws.Alias(), "display_name": "storm-rule-down", "query": "SigninLogs", "severity": "Low"})
		n := a.done()
		record(res.CallToolResult)
		if !res.IsError || !strings.Contains(res.Text, "500") && !strings.Contains(strings.ToLower(res.Text), "internal") {
			t.Errorf("create_analytics_rule under a permanent 500: isError=%v %s", res.IsError, short(res.Text))
		}
		if n < 1 || n > retries+1 {
			t.Errorf("%d PUT attempts under a permanent 500, want 1 to %d", n, retries+1)
		}
		if n := rules("storm-rule-down"); n != 0 {
			t.Errorf("%d rules created by a failed write", n)
		}
	}
	// PATCH is not idempotent: never repeated, whatever the failure; the error says so.
	env.CallOK("create_custom_table", map[string]any{"workspace": ws.Alias(), "table": "Storm_CL",
		"columns": []any{map[string]any{"name": "TimeGenerated", "type": "datetime"}, map[string]any{"name": "Msg", "type": "string"}}})
	for _, s := range []storm{storms[0], storms[2], storms[3]} {
		f := s.fault
		f.Method, f.Route, f.Times = "PATCH", "/subscriptions/*/resourceGroups/*/providers/Microsoft.OperationalInsights/workspaces/*/tables/*", 1
		a := countAttempts(t, env.Emulator, f)
		res := env.Call("set_table_plan", map[string]any{"workspace": ws.Alias(), "table": "Storm_CL", "plan": "Basic"})
		n := a.done()
		record(res.CallToolResult)
		if n != 1 {
			t.Errorf("%s: %d PATCH attempts, want exactly 1", s.name, n)
		}
		if !res.IsError {
			t.Errorf("%s: set_table_plan succeeded though its only PATCH failed: %s", s.name, short(res.Text))
		}
	}
	// Incidents: an update through a dropped connection, a comment through throttling.
	inc := seedIncident(t, env, ws, 9001)
	{
		f := emulator.Fault{Drop: true, Method: "PUT", Route: "/subscriptions/**/incidents/*", Times: 1}
		a := countAttempts(t, env.Emulator, f)
		res := env.Call("update_incident", map[string]any{"workspace": ws.Alias(), "incident": inc, "severity": "High"})
		n := a.done()
		record(res.CallToolResult)
		if res.IsError || n != 2 {
			t.Errorf("update_incident through a dropped connection: %d attempts, %s", n, short(res.Text))
		}
	}
	{
		f := emulator.Fault{Status: 429, RetryAfter: 10 * time.Millisecond, Method: "PUT", Route: "/subscriptions/**/incidents/*/comments/*", Times: 2}
		a := countAttempts(t, env.Emulator, f)
		res := env.Call("add_incident_comment", map[string]any{"workspace": ws.Alias(), "incident": inc, "message": "storm comment"})
		n := a.done()
		record(res.CallToolResult)
		if res.IsError || n != 3 {
			t.Errorf("add_incident_comment through throttling: %d attempts, %s", n, short(res.Text))
		}
		text := env.CallOK("list_incident_comments", map[string]any{"workspace": ws.Alias(), "incident": inc}).Text
		if n := strings.Count(text, "storm comment"); n != 1 {
			t.Errorf("the comment is there %d times, want once:\n%s", n, short(text))
		}
	}
	{
		f := emulator.Fault{Status: 503, Method: "PUT", Route: "/subscriptions/**/watchlists/*", Times: 2}
		a := countAttempts(t, env.Emulator, f)
		res := env.Call("create_watchlist", map[string]any{"workspace": ws.Alias(), "alias": "storm_list", "search_key": "ip", "csv": "ip,note\n10.0.0.1,a\n10.0.0.2,b\n"})
		n := a.done()
		record(res.CallToolResult)
		if res.IsError || n != 3 {
			t.Errorf("create_watchlist through a 503 storm: %d attempts, %s", n, short(res.Text))
		}
	}
	checkAudit(t, env, ids, true)
}

// seedIncident creates an incident in the emulator (the world's ARM incidents are not relied on) and
// returns its number.
func seedIncident(t *testing.T, env *toolsettest.Env, ws world.Workspace, number int) int {
	t.Helper()
	now := time.Now().UTC()
	id := ws.ResourceID + "/providers/Microsoft.SecurityInsights/incidents/" + world.GUID(fmt.Sprintf("robustness:%s:%d", ws.ResourceID, number))
	b, _ := json.Marshal(map[string]any{"type": "Microsoft.SecurityInsights/incidents", "properties": map[string]any{
		"title": fmt.Sprintf("Storm incident %d", number), "severity": "Medium", "status": "New", "incidentNumber": number,
		"labels": []any{}, "createdTimeUtc": now.Add(-time.Hour).Format(time.RFC3339), "lastModifiedTimeUtc": now.Add(-time.Hour).Format(time.RFC3339),
		"providerName": "Azure Sentinel", "relatedAnalyticRuleIds": []any{}}})
	if err := env.Emulator.SeedResource(id, b); err != nil {
		t.Fatal(err)
	}
	return number
}

// TestConcurrentCallsUnderStormsLoseNoAuditRecord runs reads and writes at the same time through a
// flaky storm: every call gets an answer, and the audit log has a result record for each and an
// intent record for each write, every line whole.
func TestConcurrentCallsUnderStormsLoseNoAuditRecord(t *testing.T) {
	env := faultEnv(t)
	ws := world.MustWorkspace(world.WSContosoProd)
	incs := []int{seedIncident(t, env, ws, 9101), seedIncident(t, env, ws, 9102), seedIncident(t, env, ws, 9103)}
	env.CallOK("list_workspaces", map[string]any{})
	remove := install(t, env.Emulator, emulator.Fault{Status: 503, Probability: 0.2}, "")
	defer remove()
	dropID, err := env.Emulator.Faults().Add(emulator.Fault{Drop: true, Probability: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Emulator.Faults().Remove(dropID)

	const n = 24
	type answer struct {
		id    string
		write bool
		err   error
	}
	answers := make(chan answer, n)
	for i := range n {
		go func() {
			var tool string
			var args map[string]any
			switch i % 4 {
			case 0:
				tool, args = "add_incident_comment", map[string]any{"workspace": ws.Alias(), "incident": incs[i%len(incs)], "message": fmt.Sprintf("concurrent %d", i)}
			case 1:
				tool, args = "update_incident", map[string]any{"workspace": ws.Alias(), "incident": incs[i%len(incs)], "add_labels": []any{fmt.Sprintf("c%d", i)}}
			case 2:
				tool, args = "list_incidents", map[string]any{"limit": 3}
			case 3:
				tool, args = "run_kql_query_across_workspaces", map[string]any{"workspaces": []any{"all"}, "query": "Heartbeat | count"}
			}
			res, _, err := call(env, tool, args)
			if err != nil {
				answers <- answer{err: fmt.Errorf("%s: %v", tool, err)}
				return
			}
			answers <- answer{id: correlationID(res), write: i%4 < 2}
		}()
	}
	var writes, reads []string
	for range n {
		a := <-answers
		if a.err != nil {
			t.Fatalf("protocol error under a storm: %v", a.err)
		}
		if a.write {
			writes = append(writes, a.id)
		} else {
			reads = append(reads, a.id)
		}
	}
	checkAudit(t, env, writes, true)
	checkAudit(t, env, reads, false)
	if recs := env.AuditRecords(); len(recs) < 2*len(writes)+len(reads) {
		t.Errorf("%d audit records for %d writes and %d reads", len(recs), len(writes), len(reads))
	}
}
