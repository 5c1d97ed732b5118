package robustness

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// isolationScenario is one server configuration and the references it must refuse.
type isolationScenario struct {
	name    string
	opts    toolsettest.Options
	own     world.Workspace // an addressable workspace, for the other addressing arguments
	foreign []world.Workspace
	counted []string // tenants no request may reach, from the first call to the last
}

func isolationScenarios() []isolationScenario {
	return []isolationScenario{
		{
			// Litware's own app as the only identity: it must never reach Contoso (delegated to
			// Woodgrove, not to Litware) nor Adatum (nobody's).
			name:    "litware-app",
			opts:    toolsettest.Options{Identity: &world.LitwareApp, NoDirectTenant: true},
			own:     world.MustWorkspace(world.WSLitwareSentinel),
			foreign: []world.Workspace{world.MustWorkspace(world.WSContosoProd), world.MustWorkspace(world.WSContosoDev), world.MustWorkspace(world.WSAdatumSentinel)},
			counted: []string{world.Woodgrove, world.Contoso, world.Fabrikam, world.Northwind, world.Adatum},
		},
		{
			// Woodgrove's app reaches Fabrikam and Northwind through Lighthouse, but the allow-list
			// leaves them out; Adatum is reachable by no identity here.
			name: "allow-list",
			opts: toolsettest.Options{Configure: func(c *config.Config) {
				c.Azure.AllowedTenants = []string{world.Woodgrove, world.Contoso, world.Litware}
			}},
			own:     world.MustWorkspace(world.WSContosoProd),
			foreign: []world.Workspace{world.MustWorkspace(world.WSFabrikamSentinel), world.MustWorkspace(world.WSNorthwindSentinel), world.MustWorkspace(world.WSAdatumSentinel)},
			counted: []string{world.Fabrikam, world.Northwind, world.Adatum},
		},
	}
}

// refs are the ways a workspace can be named: alias, resource id, customer id, bare name.
func workspaceRefs(ws []world.Workspace) []string {
	var out []string
	for i, w := range ws {
		out = append(out, w.Alias())
		switch i % 3 {
		case 0:
			out = append(out, w.ResourceID)
		case 1:
			out = append(out, w.CustomerID)
		case 2:
			out = append(out, w.Name, strings.ToUpper(w.Alias()))
		}
	}
	return out
}

func tenantRefs(ws []world.Workspace) []string {
	var out []string
	seen := map[string]bool{}
	for i, w := range ws {
		if seen[w.TenantAlias] {
			continue
		}
		seen[w.TenantAlias] = true
		t := world.MustTenant(w.TenantAlias)
		out = append(out, t.Alias)
		if i%2 == 0 {
			out = append(out, t.ID)
		} else {
			out = append(out, t.Domain)
		}
	}
	return out
}

// TestTenantIsolationMatrix calls every tool that takes a workspace or tenant argument with, in
// each addressing argument in turn, a reference to a tenant it must not reach: the call is refused,
// its handler never runs (no intent record for a write), the refusal is audited, and not one
// request reaches the foreign tenants at the emulator.
func TestTenantIsolationMatrix(t *testing.T) {
	for _, sc := range isolationScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			env := startAll(t, sc.opts)
			counter := countTenants(t, env.Emulator, sc.counted...)
			tools := listTools(t, env)
			own := map[string]any{"workspace": sc.own.Alias(), "workspaces": []any{sc.own.Alias()}, "tenant": sc.own.TenantAlias}
			// Discovery first, so that the matrix measures resolution, not the first discovery.
			env.CallOK("list_workspaces", map[string]any{})

			type sent struct{ tool, arg, ref, id string }
			var calls []sent
			covered := 0
			for _, lt := range tools {
				addrArgs := addressingArgs(lt.Schema)
				if len(addrArgs) == 0 {
					continue
				}
				covered++
				for _, arg := range addrArgs {
					kind := addressingKind(arg)
					base := map[string]any{}
					for _, other := range addrArgs {
						if other != arg && contains(lt.Schema.Required, other) {
							base[other] = own[addressingKind(other)]
						}
					}
					refs := workspaceRefs(sc.foreign)
					if kind == "tenant" {
						refs = tenantRefs(sc.foreign)
					}
					for _, ref := range rotate(refs, covered, refsPerArg) {
						addr := clone(base)
						switch kind {
						case "workspaces":
							addr[arg] = []any{sc.own.Alias(), ref}
						default:
							addr[arg] = ref
						}
						args, err := minimalArgs(lt, addr)
						if err != nil {
							t.Fatal(err)
						}
						before := counter.hits()
						res, text, err := call(env, lt.Name, args)
						if err != nil {
							t.Fatalf("%s(%s=%q): protocol error: %v", lt.Name, arg, ref, err)
						}
						if !res.IsError {
							t.Fatalf("%s(%s=%q) was not refused: %s", lt.Name, arg, ref, short(text))
						}
						if strings.Contains(text, "invalid arguments") {
							t.Fatalf("%s: the arguments built for it are invalid (%s): fix argOverrides in args_test.go", lt.Name, short(text))
						}
						if after := counter.hits(); fmt.Sprint(after) != fmt.Sprint(before) {
							t.Fatalf("%s(%s=%q) sent requests to a foreign tenant: %v before, %v after", lt.Name, arg, ref, before, after)
						}
						calls = append(calls, sent{lt.Name, arg, ref, correlationID(res)})
					}
				}
			}
			if covered < 40 {
				t.Fatalf("only %d tools take a workspace or tenant argument: the matrix did not see the inventory", covered)
			}
			idx := indexAudit(env.AuditRecords())
			for _, c := range calls {
				rec, ok := idx.phase(c.id, audit.PhaseResult)
				if !ok {
					t.Fatalf("%s(%s=%q): no audit record of the refusal (correlation id %q)", c.tool, c.arg, c.ref, c.id)
				}
				if rec.Outcome != audit.OutcomeRefused || rec.Reason == "" {
					t.Fatalf("%s(%s=%q): audit outcome %q (%q), want refused with the reason", c.tool, c.arg, c.ref, rec.Outcome, rec.Reason)
				}
				if _, ran := idx.phase(c.id, audit.PhaseIntent); ran {
					t.Fatalf("%s(%s=%q): an intent record was written: the write got past the tenant check", c.tool, c.arg, c.ref)
				}
			}
			if n := counter.total(); n != 0 {
				t.Fatalf("requests reached foreign tenants during the session: %v", counter.hits())
			}
			t.Logf("%d tools, %d refused calls, 0 requests to %v", covered, len(calls), sc.counted)
		})
	}
}

// refsPerArg is how many foreign references each addressing argument gets; the references rotate
// from one tool to the next, so every form (alias, resource id, customer id, name, tenant id, domain)
// is sent to many tools, and each tool gets several.
const refsPerArg = 4

// rotate returns n items of list starting at offset k (wrapping).
func rotate(list []string, k, n int) []string {
	if n >= len(list) {
		return list
	}
	out := make([]string, n)
	for i := range out {
		out[i] = list[(k+i)%len(list)]
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestKQLCannotReachForeignWorkspaces sends queries that name a foreign workspace inside the KQL
// (workspace("..."), the cross-workspace function Log Analytics resolves with the caller's own
// credential, allow-list or not) through every tool that sends or stores a query.
func TestKQLCannotReachForeignWorkspaces(t *testing.T) {
	sc := isolationScenarios()[1]
	env := startAll(t, sc.opts)
	counter := countTenants(t, env.Emulator, sc.counted...)
	env.CallOK("list_workspaces", map[string]any{})
	own := sc.own.Alias()
	fab := world.MustWorkspace(world.WSFabrikamSentinel)
	queries := []string{
		`workspace("` + fab.Name + `").SigninLogs | take 1`,
		`union SigninLogs, workspace("` + fab.CustomerID + `").SigninLogs | take 1`,
		`workspace('` + fab.ResourceID + `').SecurityEvent | count`,
		`workspace(@"` + fab.Alias() + `").SigninLogs | take 1`,
		"let w = \"x\";\nworkspace // the function, then its argument on the next line\n(\"" + fab.Name + "\").SigninLogs | take 1",
	}
	for _, q := range queries {
		for _, c := range []struct {
			tool string
			args map[string]any
		}{
			{"run_kql_query", map[string]any{"workspace": own, "query": q}},
			{"run_kql_query_across_workspaces", map[string]any{"workspaces": []any{own}, "query": q}},
			{"create_analytics_rule", map[string]any{"workspace": own, "display_name": "x-ws", "query": q, "severity": "Low"}},
			{"create_saved_search", map[string]any{"workspace": own, "display_name": "x-ws", "category": "t", "query": q}},
		} {
			before := counter.total()
			res, text, err := call(env, c.tool, c.args)
			if err != nil {
				t.Fatalf("%s: protocol error: %v", c.tool, err)
			}
			if !res.IsError {
				t.Errorf("%s with %q was not refused: %s", c.tool, q, short(text))
			}
			if counter.total() != before {
				t.Errorf("%s with %q reached a foreign tenant: %v", c.tool, q, counter.hits())
			}
			if !res.IsError && strings.Contains(text, fab.TenantID) {
				t.Errorf("%s with %q returned Fabrikam's data: %s", c.tool, q, short(text))
			}
		}
	}
	// Rules imported from YAML carry their queries inside the text: the import refuses them too.
	for _, q := range queries {
		yaml := "id: 0d3c4a4e-5f7e-4a39-9a43-0b5ad1e7c001\nname: Cross-tenant probe\nseverity: Low\nqueryFrequency: 1h\nqueryPeriod: 1h\n" +
			"triggerOperator: gt\ntriggerThreshold: 0\nquery: |\n  " + strings.ReplaceAll(q, "\n", "\n  ") + "\nkind: Scheduled\nversion: 1.0.0\n"
		args := map[string]any{"workspace": own, "text": yaml}
		res, text, err := call(env, "import_analytics_rules", args)
		if err == nil && !res.IsError {
			var pending struct {
				Token string `json:"confirm_token"`
			}
			b, _ := json.Marshal(res.StructuredContent)
			_ = json.Unmarshal(b, &pending)
			if pending.Token == "" {
				t.Fatalf("import_analytics_rules with %q: neither a plan nor a refusal: %s", q, short(text))
			}
			args["confirm_token"] = pending.Token
			res, text, err = call(env, "import_analytics_rules", args)
		}
		if err != nil || !res.IsError {
			t.Errorf("import_analytics_rules of a rule whose query is %q was not refused: %v %s", q, err, short(text))
		}
	}
	// A workspace the server may address can still be named in the query.
	dev := world.MustWorkspace(world.WSContosoDev)
	for _, ref := range []string{dev.ResourceID, dev.CustomerID} {
		text := env.CallOK("run_kql_query", map[string]any{"workspace": own, "query": `workspace("` + ref + `").SigninLogs | count`}).Text
		if !strings.Contains(text, "1 row") {
			t.Errorf("a query naming an allowed workspace: %s", short(text))
		}
	}
	// By name, it is refused with the exact replacement: another tenant may have a workspace of that name.
	msg := env.CallError("run_kql_query", map[string]any{"workspace": own, "query": `workspace("` + dev.Name + `").SigninLogs | count`})
	if !strings.Contains(msg, `workspace("`+dev.ResourceID+`")`) {
		t.Errorf("refusal of a workspace name: %s", msg)
	}
	msg = env.CallError("run_kql_query", map[string]any{"workspace": own, "query": `workspace("` + fab.Name + `").SigninLogs`})
	if !strings.Contains(msg, `workspace("fabrikam-sentinel")`) || !strings.Contains(msg, "nothing was called") {
		t.Errorf("refusal message: %s", msg)
	}
	msg = env.CallError("run_kql_query", map[string]any{"workspace": own, "query": `arg("").Resources | take 1`})
	if !strings.Contains(msg, "arg()") {
		t.Errorf("refusal message: %s", msg)
	}
}
