package robustness

import (
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/all"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// TestWriteToolsInReadOnlyModeSayWhy calls every write tool of the inventory by name on a server
// without writes: each call is a tool error (not the protocol's "unknown tool") that says the tool
// exists and how writes are enabled; nothing runs (no write request reaches the emulator, no intent
// record) and the refusal is audited.
func TestWriteToolsInReadOnlyModeSayWhy(t *testing.T) {
	env := startEvery(t, toolsettest.Options{}, false)
	own := world.MustWorkspace(world.WSContosoProd)
	var writes []string
	for _, m := range []string{"PUT", "PATCH", "DELETE", "POST"} {
		writes = append(writes, countMethod(t, env.Emulator, m, "arm"))
	}
	listed := map[string]bool{}
	for _, lt := range listTools(t, env) {
		listed[lt.Name] = true
	}
	tools := all.Tools(&toolkit.Deps{Config: config.Default()})
	type sent struct{ tool, id string }
	var calls []sent
	for i := range tools {
		tl := &tools[i]
		if !tl.Write() {
			continue
		}
		if listed[tl.Name()] {
			t.Fatalf("%s is listed on a read-only server", tl.Name())
		}
		lt := listedTool{Name: tl.Name(), Def: tl.Def, Schema: tl.Def.InputSchema.(*jsonschema.Schema)}
		args, err := minimalArgs(lt, addrFor(lt, map[string]any{"workspace": own.Alias(), "workspaces": []any{own.Alias()}, "tenant": own.TenantAlias}))
		if err != nil {
			t.Fatal(err)
		}
		res, text, err := call(env, tl.Name(), args)
		if err != nil {
			t.Fatalf("%s: protocol error %v, want a tool error that says why", tl.Name(), err)
		}
		if !res.IsError || !strings.Contains(text, tl.Name()+" exists") || !strings.Contains(text, "--enable-writes") {
			t.Errorf("%s: isError=%v %s", tl.Name(), res.IsError, short(text))
		}
		calls = append(calls, sent{tl.Name(), correlationID(res)})
	}
	if len(calls) < 20 {
		t.Fatalf("only %d write tools", len(calls))
	}
	for _, id := range writes {
		if n := env.Emulator.Faults().Hits(id); n != 0 {
			t.Errorf("%d write requests reached the emulator", n)
		}
	}
	idx := indexAudit(env.AuditRecords())
	for _, c := range calls {
		rec, ok := idx.phase(c.id, audit.PhaseResult)
		if !ok || rec.Outcome != audit.OutcomeRefused || rec.Tool != c.tool || !rec.Write {
			t.Errorf("%s: audit record %+v", c.tool, rec)
		}
		if _, ran := idx.phase(c.id, audit.PhaseIntent); ran {
			t.Errorf("%s: an intent record", c.tool)
		}
	}
}
