package robustness

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/server"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/all"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// everyToolset is the whole registry of internal/toolsets/all in the form toolsettest takes: the first
// entry builds every tool, the others only contribute their metadata.
func everyToolset() []toolsettest.Toolset {
	var out []toolsettest.Toolset
	for i, ts := range all.Toolsets() {
		tools := func(*toolkit.Deps) []inventory.Tool { return nil }
		if i == 0 {
			tools = all.Tools
		}
		out = append(out, toolsettest.Toolset{Toolset: ts, Tools: tools})
	}
	return out
}

// startAll starts the server with every toolset and writes enabled. Rate limits are off: the tests
// send hundreds of calls, and the limiters have their own tests in internal/server.
func startAll(t testing.TB, o toolsettest.Options) *toolsettest.Env {
	t.Helper()
	return startEvery(t, o, true)
}

// startEvery is startAll with writes enabled or not.
func startEvery(t testing.TB, o toolsettest.Options, writes bool) *toolsettest.Env {
	t.Helper()
	o.Toolsets = everyToolset()
	o.Writes = writes
	configure := o.Configure
	o.Configure = func(c *config.Config) {
		c.Limits.Rate, c.Limits.TenantRate = 0, 0
		if configure != nil {
			configure(c)
		}
	}
	return toolsettest.Start(t, o)
}

// listedTool is a tool as the client sees it, with its input schema decoded.
type listedTool struct {
	Name   string
	Def    *mcp.Tool
	Schema *jsonschema.Schema
}

func (lt listedTool) write() bool {
	return lt.Def.Annotations == nil || !lt.Def.Annotations.ReadOnlyHint
}

func (lt listedTool) destructive() bool {
	a := lt.Def.Annotations
	return lt.write() && (a == nil || a.DestructiveHint == nil || *a.DestructiveHint)
}

// listTools returns every tool the server lists, sorted by name.
func listTools(t testing.TB, env *toolsettest.Env) []listedTool {
	t.Helper()
	var out []listedTool
	for tl, err := range env.Session.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(tl.InputSchema)
		if err != nil {
			t.Fatal(err)
		}
		var s jsonschema.Schema
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: input schema: %v", tl.Name, err)
		}
		out = append(out, listedTool{Name: tl.Name, Def: tl, Schema: &s})
	}
	slices.SortFunc(out, func(a, b listedTool) int { return strings.Compare(a.Name, b.Name) })
	if len(out) < 10 {
		t.Fatalf("only %d tools listed: the inventory did not load", len(out))
	}
	return out
}

// addressingKind mirrors the server's naming convention for workspace and tenant arguments
// (internal/server/targets.go): the tests must find every argument the middleware resolves.
func addressingKind(name string) string {
	switch {
	case name == "workspace" || strings.HasSuffix(name, "_workspace"):
		return "workspace"
	case name == "workspaces" || strings.HasSuffix(name, "_workspaces"):
		return "workspaces"
	case name == "tenant" || strings.HasSuffix(name, "_tenant"):
		return "tenant"
	}
	return ""
}

// addressingArgs lists a tool's addressing arguments, sorted.
func addressingArgs(s *jsonschema.Schema) []string {
	var out []string
	for name := range s.Properties {
		if addressingKind(name) != "" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// call calls a tool with a deadline; a protocol error is returned, not fatal.
func call(env *toolsettest.Env, name string, args any) (*mcp.CallToolResult, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res, err := env.Session.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return nil, "", err
	}
	return res, resultText(res), nil
}

func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// correlationID is the id the server puts in every result's _meta (the audit records carry it).
func correlationID(res *mcp.CallToolResult) string {
	if res == nil || res.Meta == nil {
		return ""
	}
	id, _ := res.Meta[server.MetaCorrelationID].(string)
	return id
}

// auditIndex groups the audit records by correlation id.
type auditIndex map[string][]audit.Record

func indexAudit(records []audit.Record) auditIndex {
	idx := auditIndex{}
	for _, r := range records {
		idx[r.CorrelationID] = append(idx[r.CorrelationID], r)
	}
	return idx
}

// phase returns the record of one phase of a call.
func (idx auditIndex) phase(id, phase string) (audit.Record, bool) {
	for _, r := range idx[id] {
		if r.Phase == phase {
			return r, true
		}
	}
	return audit.Record{}, false
}

// tenantCounter counts the requests that reach the emulator for what a tenant owns (its sign-ins,
// its subscriptions' resources, its workspaces' queries), with a fault that delays by a nanosecond
// and then serves normally. Install counters after any fault meant to fire: the emulator applies
// the first matching fault only.
type tenantCounter struct {
	emu *emulator.Emulator
	ids map[string]string // tenant alias -> fault id
}

func countTenants(t testing.TB, emu *emulator.Emulator, aliases ...string) *tenantCounter {
	t.Helper()
	c := &tenantCounter{emu: emu, ids: map[string]string{}}
	for _, a := range aliases {
		id, err := emu.Faults().Add(emulator.Fault{Tenant: world.MustTenant(a).ID, Latency: time.Nanosecond})
		if err != nil {
			t.Fatal(err)
		}
		c.ids[a] = id
	}
	return c
}

// hits returns the requests per counted tenant so far.
func (c *tenantCounter) hits() map[string]int {
	out := map[string]int{}
	for a, id := range c.ids {
		out[a] = c.emu.Faults().Hits(id)
	}
	return out
}

// total is the sum of hits.
func (c *tenantCounter) total() int {
	n := 0
	for _, v := range c.hits() {
		n += v
	}
	return n
}

// methodCounter counts requests of one method (and route) at the emulator, the same way.
func countMethod(t testing.TB, emu *emulator.Emulator, method, route string) string {
	t.Helper()
	id, err := emu.Faults().Add(emulator.Fault{Method: method, Route: route, Latency: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// short cuts s for a failure message.
func short(s string) string {
	if len(s) > 300 {
		return fmt.Sprintf("%s… (%d bytes)", s[:300], len(s))
	}
	return s
}
