package dcr_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/dcr"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

var (
	toolset = toolsettest.Toolset{Toolset: inventory.Toolset{Name: dcr.Name, Description: "Data collection."}, Tools: dcr.Tools}
	prodWS  = world.MustWorkspace(world.WSContosoProd)
	prod    = prodWS.Alias()
)

const auditTable = `{"properties":{"plan":"Analytics","schema":{"name":"FirewallAudit_CL","tableType":"CustomLog","tableSubType":"DataCollectionRuleBased",
	"columns":[{"name":"TimeGenerated","type":"dateTime"},{"name":"Action","type":"string"},{"name":"SrcIp","type":"string"},
	{"name":"Bytes","type":"long"},{"name":"Kb","type":"long"},{"name":"Raw","type":"dynamic"}],
	"standardColumns":[{"name":"TenantId","type":"guid"}]}}}`

func start(t *testing.T, o toolsettest.Options) *toolsettest.Env {
	o.Toolsets = append(o.Toolsets, toolset)
	o.Configure = func(c *config.Config) { c.Limits.TenantRate = 0 }
	env := toolsettest.Start(t, o)
	if err := env.Emulator.SeedResource(prodWS.ResourceID+"/tables/FirewallAudit_CL", []byte(auditTable)); err != nil {
		t.Fatal(err)
	}
	return env
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

const transform = "source | where Action != 'noise' | extend Kb = Bytes / 1024"

func firewallRule(extra map[string]any) map[string]any {
	args := map[string]any{"workspace": prod, "name": "dcr-firewall", "description": "Firewall audit via the Logs Ingestion API", "kind": "Direct",
		"streams": []any{map[string]any{"stream": "Custom-FirewallAudit", "columns": []any{
			map[string]any{"name": "TimeGenerated", "type": "datetime"}, map[string]any{"name": "Action", "type": "string"},
			map[string]any{"name": "SrcIp", "type": "string"}, map[string]any{"name": "Bytes", "type": "long"},
			map[string]any{"name": "Raw", "type": "dynamic"}}}},
		"flows": []any{map[string]any{"streams": []string{"Custom-FirewallAudit"}, "output_stream": "Custom-FirewallAudit_CL", "transform_kql": transform}}}
	for k, v := range extra {
		if v == nil {
			delete(args, k)
		} else {
			args[k] = v
		}
	}
	return args
}

type ruleOut struct {
	Name       string
	Streams    []string
	Flows      int
	Transforms int
	Etag       string
	DataFlows  []struct {
		Streams      []string
		TransformKql string `json:"transform_kql"`
	} `json:"data_flows"`
}

type testOut struct {
	Records int
	OK      bool
	Issues  []struct {
		Record  int
		Column  string
		Problem string
		Fatal   bool
	}
	Flows []struct {
		Table    string
		Rows     int
		Columns  []string
		Errors   []string
		Warnings []string
	}
}

func TestCreateRuleAndDryRun(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	var created ruleOut
	env.CallOK("create_data_collection_rule", firewallRule(nil)).Decode(&created)
	if created.Name != "dcr-firewall" || created.Transforms != 1 || !slices.Equal(created.Streams, []string{"Custom-FirewallAudit"}) {
		t.Fatalf("created %+v", created)
	}
	res := env.CallOK("list_data_collection_rules", map[string]any{"workspace": prod})
	if !strings.Contains(res.Text, "dcr-firewall") {
		t.Errorf("list:\n%s", res.Text)
	}
	var got ruleOut
	res = env.CallOK("get_data_collection_rule", map[string]any{"workspace": prod, "rule": "dcr-firewall"})
	res.Decode(&got)
	if len(got.DataFlows) != 1 || got.DataFlows[0].TransformKql != transform || !strings.Contains(res.Text, "Bytes:long") {
		t.Errorf("get %+v\n%s", got, res.Text)
	}

	// A good record goes through; the transformation adds Kb.
	var out testOut
	res = env.CallOK("test_dcr_ingestion", map[string]any{"workspace": prod, "rule": "dcr-firewall",
		"records": `[{"TimeGenerated":"2025-03-01T10:00:00Z","Action":"deny","SrcIp":"203.0.113.7","Bytes":4096,"Raw":{"rule":42}},
		             {"TimeGenerated":"2025-03-01T10:00:01Z","Action":"noise","SrcIp":"10.0.0.1","Bytes":1}]`})
	res.Decode(&out)
	if !out.OK || out.Records != 2 || len(out.Flows) != 1 || out.Flows[0].Rows != 1 || out.Flows[0].Table != "FirewallAudit_CL" ||
		!slices.Contains(out.Flows[0].Columns, "Kb:long") || len(out.Flows[0].Warnings) != 0 {
		t.Errorf("dry run %+v\n%s", out, res.Text)
	}
	if !strings.Contains(res.Text, "203.0.113.7") || !strings.Contains(res.Text, "| 4 |") {
		t.Errorf("output rows:\n%s", res.Text)
	}
	// The answer ends with what would happen, and says which records the transformation drops.
	if !strings.Contains(res.Text, "1 row(s) out (the transformation drops 1 of the 2 records)") ||
		!strings.Contains(res.Text, "Verdict: the records would be ingested: 1 of 2 into FirewallAudit_CL.") {
		t.Errorf("verdict:\n%s", res.Text)
	}
	res = env.CallOK("test_dcr_ingestion", map[string]any{"workspace": prod, "rule": "dcr-firewall",
		"records": `{"TimeGenerated":"2025-03-01T10:00:01Z","Action":"noise","SrcIp":"10.0.0.1","Bytes":1}`})
	if !strings.Contains(res.Text, "Verdict: nothing would be ingested: the transformation drops every record") {
		t.Errorf("all dropped:\n%s", res.Text)
	}

	// Records that do not match the declaration say so, per record and column.
	res = env.CallOK("test_dcr_ingestion", map[string]any{"workspace": prod, "rule": "dcr-firewall",
		"records": `{"TimeGenerated":"yesterday","action":"deny","Bytes":"lots","Port":443}`})
	res.Decode(&out)
	problems := map[string]string{}
	for _, is := range out.Issues {
		problems[is.Column] = is.Problem
	}
	if out.OK || !strings.Contains(res.Text, "Verdict: these records would not be ingested as they are") || !strings.Contains(problems["TimeGenerated"], "not a datetime") || !strings.Contains(problems["Bytes"], "where the stream declares long") ||
		!strings.Contains(problems["action"], "the declaration has Action") || !strings.Contains(problems["Port"], "Azure drops it") {
		t.Errorf("issues %+v", out.Issues)
	}

	// A candidate transformation can be tried without writing anything.
	n := env.RequestCount()
	for _, c := range []struct{ kql, want string }{
		{"source | summarize count() by Action", "summarize is not supported in transformations"},
		{"source | project Action, SrcIp", "no TimeGenerated column"},
		{"source | extend Country = geo(SrcIp)", "geo"},
		{"source | extend Extra = 1", "output column Extra is not a column of FirewallAudit_CL: Azure drops it"},
	} {
		res = env.CallOK("test_dcr_ingestion", map[string]any{"workspace": prod, "rule": "dcr-firewall", "transform_kql": c.kql,
			"records": `{"TimeGenerated":"2025-03-01T10:00:00Z","Action":"deny","SrcIp":"1.2.3.4","Bytes":1}`})
		if !strings.Contains(res.Text, c.want) {
			t.Errorf("%s: %s\nwant %q", c.kql, res.Text, c.want)
		}
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("dry runs wrote %v", w)
	}
	if msg := env.CallError("test_dcr_ingestion", map[string]any{"workspace": prod, "rule": "dcr-firewall", "records": "[1,2]"}); !strings.Contains(msg, "record 0 is not a JSON object") {
		t.Errorf("bad records: %s", msg)
	}
}

func TestInvalidTransformationsAreRejectedBeforeAnyWrite(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	n := env.RequestCount()
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"flows": []any{map[string]any{"streams": []string{"Custom-FirewallAudit"}, "output_stream": "Custom-FirewallAudit_CL", "transform_kql": "source | where"}}}, "expected a predicate"},
		{map[string]any{"flows": []any{map[string]any{"streams": []string{"Custom-FirewallAudit"}, "output_stream": "Custom-Missing_CL"}}}, "Missing_CL does not exist"},
		{map[string]any{"flows": []any{map[string]any{"streams": []string{"Custom-Nope"}, "output_stream": "Custom-FirewallAudit_CL"}}}, "neither declared"},
		{map[string]any{"flows": []any{map[string]any{"streams": []string{"Custom-FirewallAudit"}}}}, "must name a custom table"},
		{map[string]any{"streams": []any{map[string]any{"stream": "FirewallAudit", "columns": []any{map[string]any{"name": "a", "type": "string"}}}}}, "Custom-<name>"},
		{map[string]any{"streams": []any{map[string]any{"stream": "Custom-X", "columns": []any{map[string]any{"name": "a", "type": "guid"}}}}}, "not a stream column type"},
		{map[string]any{"data_sources": `{"syslog":[{"name":"s","streams":["Microsoft-Syslog"],"facilityNames":["authz"],"logLevels":["*"]}]}`}, `"authz" is not a syslog facility`},
		{map[string]any{"data_sources": `{"syslog":[{"name":"s","streams":["Microsoft-Syslog"],"facilityNames":["auth"],"logLevels":["*"]}]}`}, "no data flow takes"},
	} {
		if msg := env.CallError("create_data_collection_rule", firewallRule(c.args)); !strings.Contains(msg, c.want) {
			t.Errorf("%v: %s\nwant %q", c.args, msg, c.want)
		}
	}
	if w := writes(env, n); len(w) != 0 {
		t.Fatalf("invalid rules wrote %v", w)
	}
	env.CallOK("create_data_collection_rule", firewallRule(nil))
	n = env.RequestCount()
	for _, c := range []struct{ kql, want string }{
		{"source | where Action ==", "line 1, column"},
		{"source | where Actoin == 'deny'", "Actoin"},
		{"source | summarize count()", "summarize is not supported"},
		{"source | join (SigninLogs) on $left.SrcIp == $right.IPAddress", "SigninLogs"},
		{"source | take 5", "take is not supported"},
		{"", "empty"},
	} {
		if msg := env.CallError("update_dcr_transformation", map[string]any{"workspace": prod, "rule": "dcr-firewall", "transform_kql": c.kql}); !strings.Contains(msg, c.want) || !strings.Contains(msg, "nothing was changed") {
			t.Errorf("%q: %s\nwant %q", c.kql, msg, c.want)
		}
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("invalid transformations wrote %v", w)
	}
}

func TestUpdateTransformationConflict(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	var created ruleOut
	env.CallOK("create_data_collection_rule", firewallRule(nil)).Decode(&created)
	var first ruleOut
	env.CallOK("update_dcr_transformation", map[string]any{"workspace": prod, "rule": "dcr-firewall", "flow": 0,
		"transform_kql": "source | where Action == 'deny'"}).Decode(&first)
	if first.Etag == "" || first.Etag == created.Etag {
		t.Fatalf("etags %q %q", created.Etag, first.Etag)
	}
	// An update based on the rule as first read (stale etag) is refused and changes nothing.
	msg := env.CallError("update_dcr_transformation", map[string]any{"workspace": prod, "rule": "dcr-firewall", "etag": created.Etag,
		"transform_kql": "source | where Action == 'allow'"})
	if !strings.Contains(msg, "changed by someone else") {
		t.Errorf("conflict: %s", msg)
	}
	var got ruleOut
	env.CallOK("get_data_collection_rule", map[string]any{"workspace": prod, "rule": "dcr-firewall"}).Decode(&got)
	if got.DataFlows[0].TransformKql != "source | where Action == 'deny'" {
		t.Errorf("after conflict: %q", got.DataFlows[0].TransformKql)
	}
	var audited int
	for _, r := range env.AuditRecords() {
		audited += len(r.Changes)
	}
	if audited != 2 {
		t.Errorf("audit changes %d, want 2 (create, update)", audited)
	}
}

func TestAddDataSource(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	env.CallOK("create_data_collection_rule", firewallRule(nil))
	n := env.RequestCount()
	for _, c := range []struct{ kind, src, want string }{
		{"syslog", `{"name":"auth","streams":["Microsoft-Syslog"],"facilityNames":["auth"],"logLevels":["Loud"]}`, `"Loud" is not a syslog log level`},
		{"syslog", `{"name":"auth","streams":["Microsoft-Syslog"],"logLevels":["*"]}`, "needs facilityNames"},
		{"windowsEventLogs", `{"name":"sec","streams":["Microsoft-SecurityEvent"]}`, "needs xPathQueries"},
		{"syslog", `{"name":"auth","streams":[],"facilityNames":["auth"],"logLevels":["*"]}`, "needs streams"},
		{"syslog", `not json`, "not a JSON object"},
	} {
		if msg := env.CallError("add_dcr_data_source", map[string]any{"workspace": prod, "rule": "dcr-firewall", "kind": c.kind, "source": c.src}); !strings.Contains(msg, c.want) {
			t.Errorf("%s: %s\nwant %q", c.src, msg, c.want)
		}
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("invalid sources wrote %v", w)
	}
	var out ruleOut
	res := env.CallOK("add_dcr_data_source", map[string]any{"workspace": prod, "rule": "dcr-firewall", "kind": "syslog",
		"source": `{"name":"auth","streams":["Microsoft-Syslog"],"facilityNames":["auth","authpriv"],"logLevels":["Warning","Error"]}`})
	res.Decode(&out)
	if out.Flows != 2 || !strings.Contains(res.Text, "Added a data flow sending Microsoft-Syslog") {
		t.Errorf("added %+v\n%s", out, res.Text)
	}
	if msg := env.CallError("add_dcr_data_source", map[string]any{"workspace": prod, "rule": "dcr-firewall", "kind": "syslog",
		"source": `{"name":"auth","streams":["Microsoft-Syslog"],"facilityNames":["cron"],"logLevels":["*"]}`}); !strings.Contains(msg, "already has a syslog data source named auth") {
		t.Errorf("duplicate: %s", msg)
	}
	// The original flow and its transformation are untouched.
	var got ruleOut
	env.CallOK("get_data_collection_rule", map[string]any{"workspace": prod, "rule": "dcr-firewall"}).Decode(&got)
	if got.DataFlows[0].TransformKql != transform || !slices.Equal(got.DataFlows[1].Streams, []string{"Microsoft-Syslog"}) {
		t.Errorf("flows %+v", got.DataFlows)
	}
	// A transformation on a built-in stream is checked against that table's schema.
	if msg := env.CallError("update_dcr_transformation", map[string]any{"workspace": prod, "rule": "dcr-firewall", "flow": 1,
		"transform_kql": "source | where SeverityLevell == 'err'"}); !strings.Contains(msg, "SeverityLevell") {
		t.Errorf("syslog transform: %s", msg)
	}
	env.CallOK("update_dcr_transformation", map[string]any{"workspace": prod, "rule": "dcr-firewall", "flow": 1,
		"transform_kql": "source | where SeverityLevel != 'info'"})
}

func TestEndpointsAndAssociations(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	var ep struct {
		Name          string
		LogsIngestion string `json:"logs_ingestion"`
		ID            string
		Rules         []string
	}
	env.CallOK("create_data_collection_endpoint", map[string]any{"workspace": prod, "name": "dce-ingest"}).Decode(&ep)
	if !strings.HasPrefix(ep.LogsIngestion, "https://") {
		t.Fatalf("endpoint %+v", ep)
	}
	if res := env.CallOK("list_data_collection_endpoints", map[string]any{"workspace": prod}); !strings.Contains(res.Text, "dce-ingest") {
		t.Errorf("list endpoints:\n%s", res.Text)
	}
	var rule ruleOut
	env.CallOK("create_data_collection_rule", firewallRule(map[string]any{"endpoint": "dce-ingest", "kind": nil})).Decode(&rule)
	env.CallOK("get_data_collection_endpoint", map[string]any{"workspace": prod, "endpoint": ep.ID}).Decode(&ep)
	if !slices.Equal(ep.Rules, []string{prodWS.ResourceGroup + "/dcr-firewall"}) {
		t.Errorf("rules using the endpoint: %v", ep.Rules)
	}

	// Associate the rule with a server, as Azure Monitor Agent onboarding does.
	arm, err := env.Provider.ARM("")
	if err != nil {
		t.Fatal(err)
	}
	vm := "/subscriptions/" + prodWS.SubscriptionID + "/resourceGroups/" + prodWS.ResourceGroup + "/providers/Microsoft.Compute/virtualMachines/fw-collector"
	dcrID := "/subscriptions/" + prodWS.SubscriptionID + "/resourceGroups/" + prodWS.ResourceGroup + "/providers/Microsoft.Insights/dataCollectionRules/dcr-firewall"
	if _, err := arm.Put(context.Background(), vm+"/providers/Microsoft.Insights/dataCollectionRuleAssociations/fw-assoc",
		map[string]any{"properties": map[string]any{"dataCollectionRuleId": dcrID}}, nil); err != nil {
		t.Fatal(err)
	}
	res := env.CallOK("list_dcr_associations", map[string]any{"workspace": prod, "rule": dcrID})
	if !strings.Contains(res.Text, "fw-collector") {
		t.Errorf("associations:\n%s", res.Text)
	}
	// Another subscription's rule is refused without a request.
	if msg := env.CallError("list_dcr_associations", map[string]any{"workspace": prod, "rule": strings.Replace(dcrID, prodWS.SubscriptionID, world.MustWorkspace(world.WSFabrikamSentinel).SubscriptionID, 1)}); !strings.Contains(msg, "not in the subscription of workspace") {
		t.Errorf("foreign rule: %s", msg)
	}

	var p inventory.Pending
	env.CallOK("delete_data_collection_endpoint", map[string]any{"workspace": prod, "endpoint": "dce-ingest"}).Decode(&p)
	if !strings.Contains(p.Plan, "1 rule(s) use it") {
		t.Errorf("endpoint plan: %s", p.Plan)
	}
	env.CallOK("delete_data_collection_rule", map[string]any{"workspace": prod, "rule": "dcr-firewall"}).Decode(&p)
	if !strings.Contains(p.Plan, "1 associated resource(s)") || !strings.Contains(p.Plan, "FirewallAudit_CL") {
		t.Errorf("rule plan: %s", p.Plan)
	}
	env.CallOK("delete_data_collection_rule", map[string]any{"workspace": prod, "rule": "dcr-firewall", inventory.ConfirmTokenArg: p.ConfirmToken})
	if msg := env.CallError("get_data_collection_rule", map[string]any{"workspace": prod, "rule": "dcr-firewall"}); !strings.Contains(msg, "not found") {
		t.Errorf("after delete: %s", msg)
	}
	env.CallOK("delete_data_collection_endpoint", map[string]any{"workspace": prod, "endpoint": "dce-ingest"}).Decode(&p)
	if !strings.Contains(p.Plan, "no data collection rule uses it") {
		t.Errorf("endpoint plan after the rule is gone: %s", p.Plan)
	}
	env.CallOK("delete_data_collection_endpoint", map[string]any{"workspace": prod, "endpoint": "dce-ingest", inventory.ConfirmTokenArg: p.ConfirmToken})
	if msg := env.CallError("get_data_collection_endpoint", map[string]any{"workspace": prod, "endpoint": "dce-ingest"}); !strings.Contains(msg, "not found") {
		t.Errorf("endpoint after delete: %s", msg)
	}
	changes := 0
	for _, r := range env.AuditRecords() {
		changes += len(r.Changes)
	}
	if changes != 4 { // endpoint and rule created, then deleted
		t.Errorf("audit changes %d, want 4", changes)
	}
}

func TestReadOnlyHidesWrites(t *testing.T) {
	env := start(t, toolsettest.Options{})
	want := []string{"get_data_collection_endpoint", "get_data_collection_rule", "list_data_collection_endpoints", "list_data_collection_rules",
		"list_dcr_associations", "test_dcr_ingestion"}
	if got := env.ToolNames(); !slices.Equal(got, want) {
		t.Errorf("read-only tools %v, want %v", got, want)
	}
}
