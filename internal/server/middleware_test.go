package server

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
)

var writes = inventory.Filter{Toolsets: []string{"all"}, EnableWrites: true}

func TestAuditRecordsEveryCall(t *testing.T) {
	f := newFixture(t, fixtureOpts{filter: writes})
	cs := f.connect(nil, "2025-11-25")

	res, _ := callTool(t, cs, "get_echo", map[string]any{"workspace": "contoso/contoso-prod", "note": "hi", "client_secret": "hunter2"})
	if res.IsError {
		t.Fatal(text(res))
	}
	corr, _ := res.Meta[MetaCorrelationID].(string)
	callTool(t, cs, "update_thing", map[string]any{"workspace": "fabrikam/fabrikam-main", "note": "new"})
	callTool(t, cs, "get_echo", map[string]any{"workspace": "nowhere/none"})
	callTool(t, cs, "get_echo", map[string]any{"workspace": 12})

	recs := f.records()
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5 (read, write intent+result, refused, bad args): %+v", len(recs), recs)
	}
	read := recs[0]
	if read.Phase != audit.PhaseResult || read.Tool != "get_echo" || read.Toolset != "alpha" || read.Write || read.Outcome != audit.OutcomeOK ||
		read.CorrelationID != corr || corr == "" || read.Client != "test-client/1.2" || read.Time.IsZero() ||
		strings.Join(read.Tenants, ",") != "t-contoso" || strings.Join(read.Workspaces, ",") != "contoso/contoso-prod" {
		t.Errorf("read record = %+v", read)
	}
	var args map[string]any
	json.Unmarshal(read.Arguments, &args)
	if args["client_secret"] != audit.Redacted || args["note"] != "hi" {
		t.Errorf("arguments not redacted as expected: %s", read.Arguments)
	}
	intent, result := recs[1], recs[2]
	if intent.Phase != audit.PhaseIntent || !intent.Write || intent.Outcome != "" || intent.CorrelationID != result.CorrelationID {
		t.Errorf("intent record = %+v", intent)
	}
	if result.Phase != audit.PhaseResult || result.Outcome != audit.OutcomeOK || len(result.Changes) != 1 ||
		string(result.Changes[0].Before) != `{"note":"old"}` || string(result.Changes[0].After) != `{"note":"new"}` {
		t.Errorf("write result record = %+v", result)
	}
	if r := recs[3]; r.Outcome != audit.OutcomeRefused || !strings.Contains(r.Reason, `unknown workspace "nowhere/none"`) {
		t.Errorf("refused record = %+v", r)
	}
	if r := recs[4]; r.Outcome != audit.OutcomeError || !strings.Contains(r.Reason, "invalid arguments") || string(r.Arguments) != `{"workspace":12}` {
		t.Errorf("bad-arguments record = %+v", r)
	}
}

func TestWriteRefusedWhenAuditUnwritable(t *testing.T) {
	// A directory where the audit file should be: unwritable for every user, root included.
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, fixtureOpts{filter: writes, auditPath: path})
	cs := f.connect(nil, "2025-11-25")

	res, msg := callTool(t, cs, "update_thing", map[string]any{"workspace": "contoso/contoso-prod", "note": "x"})
	if !res.IsError || !strings.Contains(msg, "write refused: the audit log cannot be written") || !strings.Contains(msg, "Nothing was changed") {
		t.Errorf("write with a broken audit log: isError=%v %q", res.IsError, msg)
	}
	if n := f.env.count("update_thing"); n != 0 {
		t.Fatalf("the write handler ran %d times without an audit record", n)
	}
	// Reads still work (their record is lost and logged, but an analyst is not locked out).
	if res, msg := callTool(t, cs, "get_echo", map[string]any{"workspace": "contoso/contoso-prod"}); res.IsError {
		t.Errorf("read with a broken audit log: %s", msg)
	}
	// Once the path is fixed, writes work again without a restart.
	os.Remove(path)
	if res, msg := callTool(t, cs, "update_thing", map[string]any{"workspace": "contoso/contoso-prod", "note": "x"}); res.IsError {
		t.Errorf("write after fixing the audit log: %s", msg)
	}
	if f.env.count("update_thing") != 1 {
		t.Error("write did not run after the audit log was fixed")
	}
}

func TestPanicBecomesToolError(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	cs := f.connect(nil, "")
	res, msg := callTool(t, cs, "cause_panic", nil)
	if !res.IsError || !strings.Contains(msg, "internal error in cause_panic") || !strings.Contains(msg, "correlation id") {
		t.Errorf("panic result: isError=%v %q", res.IsError, msg)
	}
	// The server is alive and serves the next call.
	if res, msg := callTool(t, cs, "get_echo", map[string]any{"workspace": "contoso/contoso-prod"}); res.IsError {
		t.Errorf("call after panic: %s", msg)
	}
	if recs := f.records(); len(recs) < 1 || recs[0].Outcome != audit.OutcomeError {
		t.Errorf("panic not audited as an error: %+v", recs)
	}
}

func TestGlobalRateLimit(t *testing.T) {
	f := newFixture(t, fixtureOpts{configure: func(c *config.Config) { c.Limits.Rate, c.Limits.RateBurst = 1, 2 }})
	cs := f.connect(nil, "")
	args := map[string]any{"workspace": "contoso/contoso-prod"}
	for i := range 2 {
		if res, msg := callTool(t, cs, "get_echo", args); res.IsError {
			t.Fatalf("call %d within burst refused: %s", i, msg)
		}
	}
	res, msg := callTool(t, cs, "get_echo", args)
	if !res.IsError || !strings.Contains(msg, "rate limit reached for this server") || !strings.Contains(msg, "Retry in 1s") {
		t.Fatalf("third call: isError=%v %q", res.IsError, msg)
	}
	if f.env.count("get_echo") != 2 {
		t.Error("a rate-limited call reached its handler")
	}
	f.clock.Advance(time.Second)
	if res, msg := callTool(t, cs, "get_echo", args); res.IsError {
		t.Errorf("after the refill: %s", msg)
	}
}

func TestPerTenantRateLimit(t *testing.T) {
	f := newFixture(t, fixtureOpts{configure: func(c *config.Config) { c.Limits.TenantRate, c.Limits.TenantRateBurst = 0.5, 1 }})
	cs := f.connect(nil, "")
	if res, msg := callTool(t, cs, "get_echo", map[string]any{"workspace": "contoso/contoso-prod"}); res.IsError {
		t.Fatal(msg)
	}
	res, msg := callTool(t, cs, "get_echo", map[string]any{"workspace": "contoso/contoso-prod"})
	if !res.IsError || !strings.Contains(msg, "rate limit reached for tenant Contoso") || !strings.Contains(msg, "Retry in 2s") {
		t.Errorf("second Contoso call: %q", msg)
	}
	// Another tenant has its own bucket.
	if res, msg := callTool(t, cs, "get_echo", map[string]any{"workspace": "fabrikam/fabrikam-main"}); res.IsError {
		t.Errorf("Fabrikam call: %s", msg)
	}
}

func TestTimeout(t *testing.T) {
	f := newFixture(t, fixtureOpts{noClock: true, configure: func(c *config.Config) { c.Limits.CallTimeout = 100 * time.Millisecond }})
	cs := f.connect(nil, "")
	for _, ignore := range []bool{false, true} {
		start := time.Now()
		res, msg := callTool(t, cs, "wait_long", map[string]any{"ignore_context": ignore})
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("ignore=%v: answered after %s", ignore, el)
		}
		if !res.IsError || !strings.Contains(msg, "wait_long timed out after 100ms") || !strings.Contains(msg, "narrow the request") {
			t.Errorf("ignore=%v: isError=%v %q", ignore, res.IsError, msg)
		}
	}
}

func TestAllowListAndResolution(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	cs := f.connect(nil, "")
	cases := map[string]struct {
		tool string
		args map[string]any
		want string
	}{
		"outside allow-list": {"get_echo", map[string]any{"workspace": "adatum/adatum-sentinel"}, "tenant Adatum (t-adatum) is not in the allow-list"},
		"unknown workspace":  {"get_echo", map[string]any{"workspace": "contoso/contoso-prd"}, `did you mean "contoso/contoso-prod"`},
		"tenant argument":    {"list_scope", map[string]any{"tenant": "Adatum"}, "not in the allow-list"},
		"one bad in a list":  {"list_scope", map[string]any{"workspaces": []string{"contoso/contoso-prod", "adatum/adatum-sentinel"}}, "not in the allow-list"},
		"unknown tenant":     {"list_scope", map[string]any{"tenant": "Initech"}, `unknown tenant "Initech"`},
	}
	for name, c := range cases {
		res, msg := callTool(t, cs, c.tool, c.args)
		if !res.IsError || !strings.Contains(msg, c.want) {
			t.Errorf("%s: isError=%v %q, want %q", name, res.IsError, msg, c.want)
		}
	}
	if f.env.count("get_echo")+f.env.count("list_scope") != 0 {
		t.Fatal("a refused call reached its handler")
	}
	// Allowed targets and the "all" wildcard pass.
	for _, args := range []map[string]any{{"workspaces": []string{"all"}}, {"tenant": "Contoso", "workspaces": []string{"fabrikam/fabrikam-main"}}} {
		if res, msg := callTool(t, cs, "list_scope", args); res.IsError {
			t.Errorf("%v: %s", args, msg)
		}
	}
}

func TestNoTenancyRefusesAddressedCalls(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.srv.opts.Tenancy = nil
	cs := f.connect(nil, "")
	res, msg := callTool(t, cs, "get_echo", map[string]any{"workspace": "contoso/contoso-prod"})
	if !res.IsError || !strings.Contains(msg, "no tenants are configured") {
		t.Errorf("%q", msg)
	}
	if res, msg := callTool(t, cs, "list_scope", map[string]any{}); res.IsError {
		t.Errorf("a call without addressing arguments was refused: %s", msg)
	}
}

func TestConcurrentCallsAreIndependent(t *testing.T) {
	f := newFixture(t, fixtureOpts{filter: writes, configure: func(c *config.Config) { c.Limits.TenantRateBurst = 100 }})
	cs := f.connect(nil, "")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tool := "get_echo"
			if i%2 == 0 {
				tool = "update_thing"
			}
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: map[string]any{"workspace": "contoso/contoso-prod", "note": "n"}})
			if err != nil || res.IsError {
				t.Errorf("%s: %v %v", tool, err, res)
			}
		}()
	}
	wg.Wait()
	if got := len(f.records()); got != 30 { // 10 reads + 10 writes x (intent + result)
		t.Errorf("%d audit records, want 30", got)
	}
}
