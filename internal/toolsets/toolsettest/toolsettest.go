// Package toolsettest runs toolsets for tests the way production does: an emulator, the real Azure
// provider and tenancy registry pointed at it, the inventory of the toolsets under test, the server
// with its middleware and a temporary audit log, and an MCP client connected over the in-memory
// transport.
//
//	env := toolsettest.Start(t, toolsettest.Options{Toolsets: []toolsettest.Toolset{
//		{Toolset: inventory.Toolset{Name: "incidents", Default: true}, Tools: incidents.Tools}}})
//	res := env.Call("list_incidents", map[string]any{"workspace": "contoso/contoso-prod"})
//	var out listOut
//	res.Decode(&out)                      // structured output (fails the test on an error result)
//	msg := env.CallError("list_incidents", map[string]any{"workspace": "nope"}) // error text
//
// The default identity is Woodgrove's app (world.ManagingApp: Lighthouse to Contoso, Fabrikam and
// Northwind) and Litware is a direct tenant with its own app, as with `sentinel-mcp stdio --emulator`.
package toolsettest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/server"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/bind"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Toolset is a toolset under test: its metadata and its Tools function.
type Toolset struct {
	inventory.Toolset
	Tools func(*toolkit.Deps) []inventory.Tool
}

// Options configure Start. The zero value is not useful: name at least one toolset.
type Options struct {
	Toolsets []Toolset
	// Writes enables write tools (they are hidden otherwise, as in production).
	Writes bool
	// Emulator options; AsyncDelay defaults to 20ms so long-running operations finish quickly.
	Emulator emulator.Options
	// Configure adjusts the configuration after the emulator identities are set (allow-list,
	// limits, discovery, fan-out...).
	Configure func(*config.Config)
	// Identity replaces the default identity (e.g. world.ReadOnlyApp); Litware stays direct unless
	// NoDirectTenant.
	Identity       *world.Identity
	NoDirectTenant bool
	// Logger receives the server's and the Azure layer's logs (default: discarded).
	Logger *slog.Logger
}

// Env is a running server over the emulator and a client connected to it.
type Env struct {
	T        testing.TB
	Emulator *emulator.Emulator
	Config   *config.Config
	Provider *azure.Provider
	Registry *tenancy.Registry
	Deps     *toolkit.Deps
	Server   *server.Server
	Session  *mcp.ClientSession
	// AuditPath is the audit log of the session (JSON lines).
	AuditPath string
	wire      *wire
}

// Start starts everything and registers cleanups with t.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	eo := o.Emulator
	if eo.AsyncDelay == 0 {
		eo.AsyncDelay = 20 * time.Millisecond
	}
	if eo.Now == nil {
		eo.Now = Clock()
	}
	emu, err := emulator.New(eo)
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	// The client side first: an unused connection it holds would hold the server's shutdown.
	t.Cleanup(func() { emu.HTTPClient().CloseIdleConnections(); _ = emu.Close() })

	cfg := config.Default()
	cfg.Azure = EmulatorAzure(cfg.Azure, o.Identity, !o.NoDirectTenant)
	// Fast retries: injected faults carry short Retry-After values.
	cfg.Azure.Retry = config.AzureRetry{MaxRetries: 4, Delay: 10 * time.Millisecond, MaxDelay: 2 * time.Second,
		MaxTotal: 20 * time.Second, RequestTimeout: 10 * time.Second}
	cfg.EnableWrites = o.Writes
	if o.Configure != nil {
		o.Configure(cfg)
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &wire{next: emu.HTTPClient().Transport}
	p, err := azure.NewProvider(cfg.Azure, azure.Options{Logger: logger, Emulator: &azure.Emulator{URL: emu.URL(), Client: emu.HTTPClient()},
		HTTPClient: &http.Client{Transport: w}})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := tenancy.New(cfg.Azure, p, tenancy.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	// The tools and the emulator's data share one clock, so "the last hour" means the same to both.
	deps := &toolkit.Deps{Config: cfg, Logger: logger, Now: eo.Now, Registry: reg, Azure: p}
	var metas []inventory.Toolset
	var tools []inventory.Tool
	for _, ts := range o.Toolsets {
		metas = append(metas, ts.Toolset)
		tools = append(tools, ts.Tools(deps)...)
	}
	inv, err := inventory.NewBuilder(metas, tools).Build(inventory.Filter{Toolsets: []string{"all"}, EnableWrites: o.Writes})
	if err != nil {
		t.Fatal(err)
	}
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	log := audit.New(auditPath)
	t.Cleanup(func() { _ = log.Close() })
	srv, err := server.New(server.Options{Config: cfg, Inventory: inv, Audit: log, Tenancy: bind.Server(reg), Logger: logger,
		Version: "test", Emulator: "emulator"})
	if err != nil {
		t.Fatal(err)
	}
	st, ct := mcp.NewInMemoryTransports()
	ss, err := srv.MCP().Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "toolsettest", Version: "1"}, nil).Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close(); _ = ss.Close() })
	return &Env{T: t, Emulator: emu, Config: cfg, Provider: p, Registry: reg, Deps: deps, Server: srv, Session: cs,
		AuditPath: auditPath, wire: w}
}

// Epoch is where the clock of a test environment starts: a Tuesday afternoon in Europe and morning in
// the Americas, when every seeded tenant is in its working hours. The seeded logs follow working
// hours and weekdays in each tenant's time zone, so a test that ran on the wall clock would see
// different data at night or at a weekend (a sign-in in the last hour, say) and fail on the hour CI
// happens to run.
var Epoch = time.Date(2026, time.November, 24, 14, 30, 0, 0, time.UTC)

// Clock returns a clock that starts at Epoch and then advances with the wall clock (timeouts, TTLs
// and long-running operations still see time pass).
func Clock() func() time.Time {
	start := time.Now()
	return func() time.Time { return Epoch.Add(time.Since(start)) }
}

// EmulatorAzure is base with the emulator's identities: identity (default world.ManagingApp) as
// the default identity and, when direct, Litware pinned with its own app. The secrets are the
// emulator's public ones, inline.
func EmulatorAzure(base config.Azure, identity *world.Identity, direct bool) config.Azure {
	id := world.ManagingApp
	if identity != nil {
		id = *identity
	}
	base.Credential = config.AzureCredential{Type: config.CredClientSecret, TenantID: id.TenantID, ClientID: id.ClientID, ClientSecret: id.Secret}
	if direct {
		base.Credentials = map[string]config.AzureCredential{world.Litware: {Type: config.CredClientSecret,
			TenantID: world.LitwareApp.TenantID, ClientID: world.LitwareApp.ClientID, ClientSecret: world.LitwareApp.Secret}}
		base.Tenants = append(base.Tenants, config.AzureTenant{ID: world.LitwareApp.TenantID, Alias: world.Litware, Credential: world.Litware})
	}
	return base
}

// Result is a tool result with its text.
type Result struct {
	*mcp.CallToolResult
	Text string
	t    testing.TB
	name string
}

// Decode unmarshals the structured output into v. It fails the test on an error result.
func (r *Result) Decode(v any) {
	r.t.Helper()
	if r.IsError {
		r.t.Fatalf("%s failed: %s", r.name, r.Text)
	}
	b, err := json.Marshal(r.StructuredContent)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		r.t.Fatalf("%s: structured output %s: %v", r.name, b, err)
	}
}

// Call calls a tool; a protocol error fails the test, a tool error does not (see Result.IsError).
func (e *Env) Call(name string, args any) *Result {
	e.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := e.Session.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		e.T.Fatalf("%s: protocol error: %v", name, err)
	}
	return &Result{CallToolResult: res, Text: text(res), t: e.T, name: name}
}

// CallOK calls a tool and fails the test on a tool error.
func (e *Env) CallOK(name string, args any) *Result {
	e.T.Helper()
	r := e.Call(name, args)
	if r.IsError {
		e.T.Fatalf("%s(%v) failed: %s", name, args, r.Text)
	}
	return r
}

// CallError calls a tool that must fail and returns its error text.
func (e *Env) CallError(name string, args any) string {
	e.T.Helper()
	r := e.Call(name, args)
	if !r.IsError {
		e.T.Fatalf("%s(%v) succeeded, want an error; it said: %s", name, args, r.Text)
	}
	return r.Text
}

// ToolNames lists the tools the client sees.
func (e *Env) ToolNames() []string {
	e.T.Helper()
	res, err := e.Session.ListTools(context.Background(), nil)
	if err != nil {
		e.T.Fatal(err)
	}
	var out []string
	for _, t := range res.Tools {
		out = append(out, t.Name)
	}
	slices.Sort(out)
	return out
}

// Requests returns every request the provider sent to the emulator ("GET /subscriptions/..."),
// sign-ins included, in order.
func (e *Env) Requests() []string { return e.wire.requests() }

// Queries returns the KQL text of every Log Analytics query the provider sent, retries included, in
// order: what a tool built from its arguments, as Azure receives it.
func (e *Env) Queries() []string { return e.wire.sentQueries() }

// RequestCount is len(Requests()): note it before a call to count that call's requests.
func (e *Env) RequestCount() int { return len(e.wire.requests()) }

// AuditRecords reads the audit log.
func (e *Env) AuditRecords() []audit.Record {
	e.T.Helper()
	f, err := os.Open(e.AuditPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		e.T.Fatal(err)
	}
	defer f.Close()
	var out []audit.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			e.T.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// QueryPeak is the largest number of Log Analytics queries the provider had in flight at once
// since the last ResetQueryPeak: what a fan-out's concurrency bound allows.
func (e *Env) QueryPeak() int { return int(e.wire.peak.Load()) }

// ResetQueryPeak starts a new QueryPeak measurement.
func (e *Env) ResetQueryPeak() { e.wire.peak.Store(0) }

// wire records the requests the provider sends.
type wire struct {
	next     http.RoundTripper
	mu       sync.Mutex
	reqs     []string
	queries  []string // KQL of the Log Analytics queries sent (POST .../query)
	inFlight atomic.Int64
	peak     atomic.Int64 // of queries in flight
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	var query string
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/query") && r.Body != nil && r.GetBody != nil {
		if body, err := r.GetBody(); err == nil {
			var q struct {
				Query string `json:"query"`
			}
			if json.NewDecoder(body).Decode(&q) == nil {
				query = q.Query
			}
			// The Azure pipeline's GetBody seeks its one body back to the start: call it again so the
			// request goes out whole (closing it is the transport's job).
			_, _ = r.GetBody()
		}
	}
	w.mu.Lock()
	w.reqs = append(w.reqs, r.Method+" "+r.URL.Path)
	if query != "" {
		w.queries = append(w.queries, query)
	}
	w.mu.Unlock()
	if query != "" {
		n := w.inFlight.Add(1)
		defer w.inFlight.Add(-1)
		for p := w.peak.Load(); n > p && !w.peak.CompareAndSwap(p, n); p = w.peak.Load() {
		}
	}
	return w.next.RoundTrip(r)
}

func (w *wire) sentQueries() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.queries)
}

func (w *wire) requests() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.reqs)
}
