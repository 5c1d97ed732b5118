package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// The tools below exist only to exercise the middleware through the protocol; the real inventory is
// tested in internal/toolsets/all.

// staticTenancy is a fixed set of tenants and workspaces with an allow-list.
type staticTenancy struct {
	workspaces map[string]Target // by alias
	allowed    map[string]bool   // tenant ids
	resolves   atomic.Int64
}

func newStaticTenancy() *staticTenancy {
	return &staticTenancy{
		workspaces: map[string]Target{
			"contoso/contoso-prod":   {TenantID: "t-contoso", TenantName: "Contoso", Workspace: "contoso/contoso-prod", ResourceID: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/contoso-prod"},
			"fabrikam/fabrikam-main": {TenantID: "t-fabrikam", TenantName: "Fabrikam", Workspace: "fabrikam/fabrikam-main"},
			"adatum/adatum-sentinel": {TenantID: "t-adatum", TenantName: "Adatum", Workspace: "adatum/adatum-sentinel"},
		},
		allowed: map[string]bool{"t-contoso": true, "t-fabrikam": true},
	}
}

func (s *staticTenancy) ResolveWorkspace(_ context.Context, ref string) (Target, error) {
	s.resolves.Add(1)
	if t, ok := s.workspaces[ref]; ok {
		return t, nil
	}
	names := make([]string, 0, len(s.workspaces))
	for k := range s.workspaces {
		names = append(names, k)
	}
	return Target{}, fmt.Errorf("unknown workspace %q (did you mean %q?)", ref, inventory.Closest(ref, names))
}

func (s *staticTenancy) ResolveTenant(_ context.Context, ref string) (Target, error) {
	for _, t := range s.workspaces {
		if strings.EqualFold(t.TenantName, ref) || t.TenantID == ref {
			return Target{TenantID: t.TenantID, TenantName: t.TenantName}, nil
		}
	}
	return Target{}, fmt.Errorf("unknown tenant %q", ref)
}

func (s *staticTenancy) TenantAllowed(id string) bool { return s.allowed[id] }

// ResolveQuery resolves the literal workspace("...") references of a query (the production policy,
// ids only and the other cross-resource functions refused, is tenancy's and tested there).
func (s *staticTenancy) ResolveQuery(ctx context.Context, q string) ([]Target, error) {
	var out []Target
	for _, r := range syntax.CrossRefs(q) {
		if r.Func != "workspace" || !r.Literal {
			return nil, fmt.Errorf("the query calls %s() and this server does not send that", r.Func)
		}
		t, err := s.ResolveWorkspace(ctx, r.Arg)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

type wsIn struct {
	toolkit.WorkspaceArg
	Note   string `json:"note,omitempty" jsonschema:"A note."`
	Secret string `json:"client_secret,omitempty" jsonschema:"Never logged."`
}

type wsOut struct {
	Workspace string `json:"workspace"`
	Note      string `json:"note,omitempty"`
}

type tenantIn struct {
	toolkit.TenantArg
	toolkit.WorkspacesArg
}

// testEnv counts handler invocations so tests can prove a refused call never reached its handler.
type testEnv struct {
	calls sync.Map // tool name -> *atomic.Int64
}

func (e *testEnv) hit(name string) {
	v, _ := e.calls.LoadOrStore(name, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (e *testEnv) count(name string) int64 {
	v, ok := e.calls.Load(name)
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

func (e *testEnv) tools() []inventory.Tool {
	ro := inventory.ReadOnly | inventory.Idempotent | inventory.OpenWorld
	return []inventory.Tool{
		inventory.New("alpha", mcp.Tool{Name: "get_echo", Description: "Echo.", Annotations: inventory.Annotations("Echo", ro)},
			func(ctx context.Context, _ *mcp.CallToolRequest, in wsIn) (*mcp.CallToolResult, wsOut, error) {
				e.hit("get_echo")
				return nil, wsOut{Workspace: in.Workspace, Note: in.Note}, nil
			}),
		inventory.New("alpha", mcp.Tool{Name: "list_scope", Description: "Scope.", Annotations: inventory.Annotations("Scope", ro)},
			func(ctx context.Context, _ *mcp.CallToolRequest, in tenantIn) (*mcp.CallToolResult, any, error) {
				e.hit("list_scope")
				return toolkit.Text("scope ok"), nil, nil
			}),
		inventory.New("alpha", mcp.Tool{Name: "cause_panic", Description: "Panics.", Annotations: inventory.Annotations("Panic", ro)},
			func(ctx context.Context, _ *mcp.CallToolRequest, in struct{}) (*mcp.CallToolResult, any, error) {
				e.hit("cause_panic")
				var m map[string]int
				m["boom"]++ // nil map write: a genuine runtime panic
				return nil, nil, nil
			}),
		inventory.New("alpha", mcp.Tool{Name: "wait_long", Description: "Waits.", Annotations: inventory.Annotations("Wait", ro)},
			func(ctx context.Context, _ *mcp.CallToolRequest, in struct {
				IgnoreContext bool `json:"ignore_context,omitempty" jsonschema:"Ignore cancellation."`
			}) (*mcp.CallToolResult, any, error) {
				e.hit("wait_long")
				if in.IgnoreContext {
					time.Sleep(time.Second)
					return toolkit.Text("late"), nil, nil
				}
				select {
				case <-ctx.Done():
					return nil, nil, fmt.Errorf("query cancelled: %w", ctx.Err())
				case <-time.After(3 * time.Second):
					return toolkit.Text("late"), nil, nil
				}
			}),
		inventory.New("beta", mcp.Tool{Name: "update_thing", Description: "Update.", Annotations: inventory.Annotations("Update", inventory.Idempotent|inventory.OpenWorld)},
			func(ctx context.Context, _ *mcp.CallToolRequest, in wsIn) (*mcp.CallToolResult, wsOut, error) {
				e.hit("update_thing")
				audit.RecordChange(ctx, map[string]any{"note": "old"}, map[string]any{"note": in.Note})
				return nil, wsOut{Workspace: in.Workspace, Note: in.Note}, nil
			}),
		inventory.New("beta", mcp.Tool{Name: "delete_thing", Description: "Delete.", Annotations: inventory.Annotations("Delete thing", inventory.Destructive|inventory.OpenWorld)},
			func(ctx context.Context, _ *mcp.CallToolRequest, in wsIn) (*mcp.CallToolResult, wsOut, error) {
				e.hit("delete_thing")
				audit.RecordChange(ctx, map[string]any{"name": in.Note}, nil)
				return nil, wsOut{Workspace: in.Workspace, Note: "deleted " + in.Note}, nil
			}, inventory.Plan(func(_ context.Context, in wsIn) (string, error) {
				return "Would delete the thing named " + in.Note + ".", nil
			})),
	}
}

var testToolsets = []inventory.Toolset{
	{Name: "alpha", Description: "Reading things.", Default: true},
	{Name: "beta", Description: "Changing things."},
}

type fixture struct {
	t       testing.TB
	env     *testEnv
	srv     *Server
	cfg     *config.Config
	audit   string
	clock   *fakeClock
	tenancy *staticTenancy
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

type fixtureOpts struct {
	filter    inventory.Filter
	configure func(*config.Config)
	auditPath string
	noClock   bool
	// extraTools are registered (toolset "alpha") next to the fixture's tools.
	extraTools []inventory.Tool
}

func newFixture(t testing.TB, o fixtureOpts) *fixture {
	t.Helper()
	f := &fixture{t: t, env: &testEnv{}, cfg: config.Default(), tenancy: newStaticTenancy(), clock: &fakeClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}}
	if o.configure != nil {
		o.configure(f.cfg)
	}
	if o.filter.Toolsets == nil {
		o.filter.Toolsets = []string{"all"}
	}
	inv, err := inventory.NewBuilder(testToolsets, append(f.env.tools(), o.extraTools...)).Build(o.filter)
	if err != nil {
		t.Fatal(err)
	}
	f.audit = o.auditPath
	if f.audit == "" {
		f.audit = filepath.Join(t.TempDir(), "audit.jsonl")
	}
	now := f.clock.Now
	if o.noClock {
		now = time.Now
	}
	log := audit.New(f.audit)
	t.Cleanup(func() { log.Close() })
	f.srv, err = New(Options{Config: f.cfg, Inventory: inv, Audit: log, Tenancy: f.tenancy, Version: "test", Now: now,
		CheatSheet: func() string { return "# KQL cheat sheet\n| where ...\n" },
		Schemas:    testSchemas{}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

type testSchemas struct{}

func (testSchemas) TableNames() []string { return []string{"SigninLogs"} }
func (testSchemas) TableSchema(name string) (string, bool) {
	if name != "SigninLogs" {
		return "", false
	}
	return "# SigninLogs\n| TimeGenerated | datetime |\n", true
}

// connect opens a client session; opts may set an elicitation handler; version "" is the latest.
func (f *fixture) connect(copts *mcp.ClientOptions, version string) *mcp.ClientSession {
	f.t.Helper()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := f.srv.MCP().Connect(context.Background(), st, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1.2"}, copts).Connect(context.Background(), ct, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { cs.Close(); ss.Close() })
	return cs
}

func callTool(t *testing.T, cs *mcp.ClientSession, name string, args any) (*mcp.CallToolResult, string) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error: %v", name, err)
	}
	return res, text(res)
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func (f *fixture) records() []audit.Record {
	f.t.Helper()
	file, err := os.Open(f.audit)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	defer file.Close()
	var out []audit.Record
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			f.t.Fatalf("bad audit line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}
