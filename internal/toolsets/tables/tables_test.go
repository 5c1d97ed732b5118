package tables_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/tables"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

var (
	toolset = toolsettest.Toolset{Toolset: inventory.Toolset{Name: tables.Name, Description: "Tables."}, Tools: tables.Tools}
	prodWS  = world.MustWorkspace(world.WSContosoProd)
	prod    = prodWS.Alias()
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
	env := toolsettest.Start(t, o)
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

func confirmed(t *testing.T, env *toolsettest.Env, name string, args map[string]any, want string) *toolsettest.Result {
	t.Helper()
	var p inventory.Pending
	env.CallOK(name, args).Decode(&p)
	if !p.ConfirmationRequired || !strings.Contains(p.Plan, want) {
		t.Fatalf("%s plan %q, want it to mention %q", name, p.Plan, want)
	}
	args[inventory.ConfirmTokenArg] = p.ConfirmToken
	defer delete(args, inventory.ConfirmTokenArg)
	return env.Call(name, args)
}

// callWithProgress calls a tool from a second client that asks for progress notifications, and
// returns the result and the notification messages.
func callWithProgress(t *testing.T, env *toolsettest.Env, name string, args map[string]any) (*mcp.CallToolResult, []string) {
	t.Helper()
	var mu sync.Mutex
	var msgs []string
	client := mcp.NewClient(&mcp.Implementation{Name: "progress", Version: "1"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			msgs = append(msgs, r.Params.Message)
			mu.Unlock()
		}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := env.Server.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	params := &mcp.CallToolParams{Name: name, Arguments: args}
	params.SetProgressToken("progress-1")
	res, err := cs.CallTool(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	// Notifications are delivered asynchronously: give the last ones a moment.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(msgs)
		mu.Unlock()
		if n >= 2 {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return res, slices.Clone(msgs)
}

type info struct {
	Name, Type, Plan   string
	RetentionDays      int `json:"retention_days"`
	TotalRetentionDays int `json:"total_retention_days"`
}

var auditCols = []map[string]any{{"name": "Action", "type": "string"}, {"name": "Bytes", "type": "long"}, {"name": "Details", "type": "dynamic"}}

func TestListTablesAndSchema(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	env.CallOK("create_custom_table", map[string]any{"workspace": prod, "table": "FirewallAudit_CL", "columns": auditCols})
	var list struct {
		Count  int
		ByPlan map[string]int `json:"by_plan"`
	}
	res := env.CallOK("list_table_settings", map[string]any{"workspace": prod})
	res.Decode(&list)
	// The Microsoft tables of the workspace (the emulator knows a few dozen) and the custom one.
	if list.Count < 20 || !strings.Contains(res.Text, "| FirewallAudit_CL | custom | Analytics | 90 | 90 |") || !strings.Contains(res.Text, "| SecurityEvent | Microsoft |") {
		t.Errorf("list (%+v):\n%s", list, res.Text)
	}
	res = env.CallOK("list_table_settings", map[string]any{"workspace": prod, "type": "custom"})
	res.Decode(&list)
	if list.Count < 1 || !strings.Contains(res.Text, "FirewallAudit_CL") || strings.Contains(res.Text, "| Microsoft |") {
		t.Errorf("custom only: %+v\n%s", list, res.Text)
	}

	var sch struct {
		info
		Columns []struct {
			Name, Type string
			Standard   bool
		}
	}
	env.CallOK("get_table", map[string]any{"workspace": prod, "table": "FirewallAudit_CL"}).Decode(&sch)
	var names []string
	for _, c := range sch.Columns {
		if !c.Standard {
			names = append(names, c.Name+":"+c.Type)
		}
	}
	if !slices.Equal(names, []string{"TimeGenerated:dateTime", "Action:string", "Bytes:long", "Details:dynamic"}) {
		t.Errorf("custom columns %v", names)
	}
	res = env.CallOK("get_table", map[string]any{"workspace": prod, "table": "SecurityEvent"})
	res.Decode(&sch)
	if sch.Type != "Microsoft" || len(sch.Columns) < 200 || !strings.Contains(res.Text, "\nEventID int") || !strings.Contains(res.Text, "\nTargetUserSid string") {
		t.Errorf("SecurityEvent schema: %+v", sch.info)
	}
	if msg := env.CallError("get_table", map[string]any{"workspace": prod, "table": "SecurityEvents"}); !strings.Contains(msg, "did you mean SecurityEvent?") {
		t.Errorf("typo: %s", msg)
	}
}

func TestCreateCustomTableValidatesBeforeWriting(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	n := env.RequestCount()
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"table": "FirewallAudit", "columns": auditCols}, "end in _CL (with that case): use FirewallAudit_CL"},
		{map[string]any{"table": "1Bad_CL", "columns": auditCols}, "not a table name"},
		{map[string]any{"table": "A_CL", "columns": []map[string]any{{"name": "When", "type": "timestamp"}}}, `"timestamp" is not a column type`},
		{map[string]any{"table": "A_CL", "columns": []map[string]any{{"name": "x", "type": "string"}, {"name": "X", "type": "long"}}}, "declared twice"},
		{map[string]any{"table": "A_CL", "columns": []map[string]any{{"name": "TenantId", "type": "string"}}}, "reserved"},
		{map[string]any{"table": "A_CL", "columns": []map[string]any{{"name": "TimeGenerated", "type": "string"}}}, "TimeGenerated must be of type dateTime"},
		{map[string]any{"table": "A_CL", "columns": auditCols, "plan": "Basic", "retention_days": 60}, "fixed interactive retention of 30 days"},
		{map[string]any{"table": "A_CL", "columns": auditCols, "retention_days": 800}, "retention_days"},
		{map[string]any{"table": "A_CL", "columns": auditCols, "retention_days": 90, "total_retention_days": 30}, "shorter than the interactive retention"},
	} {
		c.args["workspace"] = prod
		if msg := env.CallError("create_custom_table", c.args); !strings.Contains(msg, c.want) {
			t.Errorf("%v: %s\nwant %q", c.args, msg, c.want)
		}
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("invalid creations wrote: %v", w)
	}
}

func TestLongRunningCreateReportsProgress(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true, Emulator: emulator.Options{AsyncDelay: 300 * time.Millisecond}})
	res, msgs := callWithProgress(t, env, "create_custom_table", map[string]any{"workspace": prod, "table": "VpnSessions_CL",
		"columns": auditCols, "plan": "Auxiliary", "total_retention_days": 365})
	if res.IsError {
		t.Fatalf("create: %v", res.Content)
	}
	if len(msgs) < 2 || !strings.Contains(strings.Join(msgs, "\n"), "creating table VpnSessions_CL: Succeeded") {
		t.Errorf("progress notifications: %q", msgs)
	}
	var out info
	b, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(b, &out)
	if out.Plan != "Auxiliary" || out.RetentionDays != 30 || out.TotalRetentionDays != 365 {
		t.Errorf("created %+v", out)
	}
	// A second creation is refused: the table exists.
	if msg := env.CallError("create_custom_table", map[string]any{"workspace": prod, "table": "VpnSessions_CL", "columns": auditCols}); !strings.Contains(msg, "already exists") {
		t.Errorf("second create: %s", msg)
	}
	// The Auxiliary plan cannot be left, and this is said before asking Azure.
	n := env.RequestCount()
	if msg := env.CallError("set_table_plan", map[string]any{"workspace": prod, "table": "VpnSessions_CL", "plan": "Analytics"}); !strings.Contains(msg, "only when a table is created") {
		t.Errorf("auxiliary switch: %s", msg)
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("refused switch wrote: %v", w)
	}
}

func TestLongRunningWaitIsBoundedByTheCallTimeout(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true, Emulator: emulator.Options{AsyncDelay: 20 * time.Second},
		Configure: func(c *config.Config) { c.Limits.CallTimeout = 1500 * time.Millisecond }})
	began := time.Now()
	msg := env.CallError("create_custom_table", map[string]any{"workspace": prod, "table": "Slow_CL", "columns": auditCols})
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the call took %s", took)
	}
	if !strings.Contains(msg, "still running") {
		t.Errorf("timeout: %s", msg)
	}
}

func TestDeleteRefusesMicrosoftTables(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	n := env.RequestCount()
	// Refused at once, without a confirmation to give: the plan already knows Azure would refuse.
	msg := env.CallError("delete_custom_table", map[string]any{"workspace": prod, "table": "SecurityEvent"})
	if !strings.Contains(msg, "SecurityEvent is a Microsoft table") || !strings.Contains(msg, "cannot be deleted") ||
		!strings.Contains(msg, "set_table_retention") || strings.Contains(msg, "confirm_token") {
		t.Errorf("delete SecurityEvent: %s", msg)
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("refused delete wrote: %v", w)
	}
	env.CallOK("create_custom_table", map[string]any{"workspace": prod, "table": "Old_CL", "columns": auditCols})
	res := confirmed(t, env, "delete_custom_table", map[string]any{"workspace": prod, "table": "Old_CL"}, "with all its data (up to 90 days of records)")
	if res.IsError {
		t.Fatalf("delete: %s", res.Text)
	}
	if msg := env.CallError("get_table", map[string]any{"workspace": prod, "table": "Old_CL"}); !strings.Contains(msg, "not found") {
		t.Errorf("after delete: %s", msg)
	}
}

func TestSetTablePlan(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	var out info
	res := env.CallOK("set_table_plan", map[string]any{"workspace": prod, "table": "Syslog", "plan": "Basic"})
	res.Decode(&out)
	if out.Plan != "Basic" || out.RetentionDays != 30 {
		t.Errorf("Syslog: %+v", out)
	}
	// The seeded rules that read Syslog stop detecting: the answer names them.
	var readers []string
	for _, r := range content.Rules() {
		if strings.Contains(r.Query, "Syslog") && world.SeededFacts().RuleEnabled(prodWS.Name, r.ID) {
			readers = append(readers, r.Name)
		}
	}
	if len(readers) == 0 || !strings.Contains(res.Text, fmt.Sprintf("Warning: %d enabled analytics rule(s) of %s query Syslog", len(readers), prod)) {
		t.Errorf("readers %v:\n%s", readers, res.Text)
	}
	for _, r := range readers {
		if !strings.Contains(res.Text, fmt.Sprintf("%q", r)) {
			t.Errorf("rule %q not named:\n%s", r, res.Text)
		}
	}
	// Azure refuses the Basic plan on a table that does not support it, and says why.
	if msg := env.CallError("set_table_plan", map[string]any{"workspace": prod, "table": "SecurityEvent", "plan": "Basic"}); !strings.Contains(msg, "Azure refused") || !strings.Contains(msg, "does not support the Basic plan. Nothing was changed") || strings.Contains(msg, "..") {
		t.Errorf("SecurityEvent Basic: %s", msg)
	}
	n := env.RequestCount()
	res = env.CallOK("set_table_plan", map[string]any{"workspace": prod, "table": "Syslog", "plan": "Basic"})
	if !strings.Contains(res.Text, "already on the Basic plan") || len(writes(env, n)) != 0 {
		t.Errorf("no-op: %s %v", res.Text, writes(env, n))
	}
}

func TestSetTableRetention(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	n := env.RequestCount()
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"retention_days": 2}, "out of range"},
		{map[string]any{"total_retention_days": 30}, "shorter than the interactive retention"},
		{map[string]any{}, "give retention_days, total_retention_days or both"},
	} {
		c.args["workspace"], c.args["table"] = prod, "SigninLogs"
		if msg := env.CallError("set_table_retention", c.args); !strings.Contains(msg, c.want) || !strings.Contains(msg, "Nothing was changed") {
			t.Errorf("%v: %s, want %q", c.args, msg, c.want)
		}
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("invalid retention wrote: %v", w)
	}
	var out info
	// The total retention follows the interactive one while it is the default.
	confirmed(t, env, "set_table_retention", map[string]any{"workspace": prod, "table": "AuditLogs", "retention_days": 120},
		"interactive 90 -> 120 days, total 90 -> 120 days. No data is removed").Decode(&out)
	if out.RetentionDays != 120 || out.TotalRetentionDays != 120 {
		t.Errorf("AuditLogs: %+v", out)
	}
	confirmed(t, env, "set_table_retention", map[string]any{"workspace": prod, "table": "SigninLogs", "retention_days": 180, "total_retention_days": 730},
		"No data is removed").Decode(&out)
	if out.RetentionDays != 180 || out.TotalRetentionDays != 730 {
		t.Errorf("extended: %+v", out)
	}
	confirmed(t, env, "set_table_retention", map[string]any{"workspace": prod, "table": "SigninLogs", "total_retention_days": 365},
		"Records older than 365 days will be DELETED").Decode(&out)
	if out.TotalRetentionDays != 365 {
		t.Errorf("shortened: %+v", out)
	}
	confirmed(t, env, "set_table_retention", map[string]any{"workspace": prod, "table": "SigninLogs", "retention_days": 30},
		"move to long-term retention").Decode(&out)
	if out.RetentionDays != 30 || out.TotalRetentionDays != 365 {
		t.Errorf("interactive shortened: %+v", out)
	}
	changes := 0
	for _, r := range env.AuditRecords() {
		changes += len(r.Changes)
	}
	if changes != 4 {
		t.Errorf("audit changes %d, want 4", changes)
	}
	// The first change's record holds the table's retention before and after.
	for _, r := range env.AuditRecords() {
		if r.Tool != "set_table_retention" || len(r.Changes) == 0 {
			continue
		}
		var before, after struct {
			Name       string
			Properties struct{ RetentionInDays, TotalRetentionInDays int }
		}
		if json.Unmarshal(r.Changes[0].Before, &before) != nil || json.Unmarshal(r.Changes[0].After, &after) != nil ||
			before.Name != "AuditLogs" || before.Properties.RetentionInDays != 90 || after.Properties.RetentionInDays != 120 ||
			after.Properties.TotalRetentionInDays != 120 {
			t.Errorf("audit before/after: %s -> %s", r.Changes[0].Before, r.Changes[0].After)
		}
		break
	}
}

func TestReadOnlyHidesWrites(t *testing.T) {
	env := start(t, toolsettest.Options{})
	if got, want := env.ToolNames(), []string{"get_table", "list_table_settings"}; !slices.Equal(got, want) {
		t.Errorf("read-only tools %v, want %v", got, want)
	}
}

// Every table write is a long-running operation: a plan switch and a deletion wait for theirs too,
// with progress, and the deleted table's definition is in the audit log.
func TestLongRunningPlanSwitchAndDeleteReportProgress(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true, Emulator: emulator.Options{AsyncDelay: 200 * time.Millisecond}})
	res, msgs := callWithProgress(t, env, "set_table_plan", map[string]any{"workspace": prod, "table": "Syslog", "plan": "Basic"})
	if res.IsError || !strings.Contains(strings.Join(msgs, "\n"), "setting the plan of Syslog: Succeeded") {
		t.Errorf("plan switch: %v, progress %q", res.Content, msgs)
	}
	env.CallOK("create_custom_table", map[string]any{"workspace": prod, "table": "Gone_CL", "columns": auditCols})
	args := map[string]any{"workspace": prod, "table": "Gone_CL"}
	var p inventory.Pending
	env.CallOK("delete_custom_table", args).Decode(&p)
	args[inventory.ConfirmTokenArg] = p.ConfirmToken
	res, msgs = callWithProgress(t, env, "delete_custom_table", args)
	if res.IsError || !strings.Contains(strings.Join(msgs, "\n"), "deleting table Gone_CL: Succeeded") {
		t.Errorf("delete: %v, progress %q", res.Content, msgs)
	}
	if msg := env.CallError("get_table", map[string]any{"workspace": prod, "table": "Gone_CL"}); !strings.Contains(msg, "not found") {
		t.Errorf("after delete: %s", msg)
	}
	var deleted string
	for _, r := range env.AuditRecords() {
		for _, c := range r.Changes {
			if r.Tool == "delete_custom_table" && string(c.After) == "null" {
				deleted = string(c.Before)
			}
		}
	}
	if !strings.Contains(deleted, "Gone_CL") || !strings.Contains(deleted, "Details") {
		t.Errorf("audit before-image of the deleted table: %s", deleted)
	}
}
