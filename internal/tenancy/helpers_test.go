package tenancy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

var secrets = map[string]string{
	"WOODGROVE_SECRET": world.ManagingApp.Secret,
	"READONLY_SECRET":  world.ReadOnlyApp.Secret,
	"LITWARE_SECRET":   world.LitwareApp.Secret,
	"ADATUM_SECRET":    world.AdatumApp.Secret,
}

func lookup(k string) (string, bool) { v, ok := secrets[k]; return v, ok }

// mssp is the configuration of the Woodgrove MSSP: its app as the default identity (Lighthouse to
// Contoso, Fabrikam, Northwind), Litware reached directly with Litware's own app.
func mssp() config.Azure {
	cfg := config.Default().Azure
	cfg.Credential = config.AzureCredential{Type: config.CredClientSecret, TenantID: world.ManagingApp.TenantID,
		ClientID: world.ManagingApp.ClientID, SecretEnv: "WOODGROVE_SECRET"}
	cfg.Credentials = map[string]config.AzureCredential{
		"litware": {Type: config.CredClientSecret, ClientID: world.LitwareApp.ClientID, SecretEnv: "LITWARE_SECRET"},
	}
	cfg.Tenants = []config.AzureTenant{{ID: world.MustTenant(world.Litware).ID, Credential: "litware"}}
	cfg.Retry = config.AzureRetry{MaxRetries: 8, Delay: 10 * time.Millisecond, MaxDelay: 2 * time.Second,
		MaxTotal: 20 * time.Second, RequestTimeout: 10 * time.Second}
	return cfg
}

// wire counts the requests reaching the emulator and their peak concurrency, per path filter.
type wire struct {
	next  http.RoundTripper
	mu    sync.Mutex
	reqs  []string
	match func(*http.Request) bool
	cur   atomic.Int64
	peak  atomic.Int64
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.reqs = append(w.reqs, r.Method+" "+r.URL.Path)
	m := w.match
	w.mu.Unlock()
	if m != nil && m(r) {
		n := w.cur.Add(1)
		defer w.cur.Add(-1)
		for p := w.peak.Load(); n > p && !w.peak.CompareAndSwap(p, n); p = w.peak.Load() {
		}
	}
	return w.next.RoundTrip(r)
}

func (w *wire) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.reqs)
}

func (w *wire) requests() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.reqs)
}

func (w *wire) watch(m func(*http.Request) bool) {
	w.mu.Lock()
	w.match = m
	w.mu.Unlock()
	w.peak.Store(0)
}

type fixture struct {
	e    *emulator.Emulator
	p    *azure.Provider
	r    *tenancy.Registry
	wire *wire
	now  *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func startEmulator(t testing.TB, o emulator.Options) *emulator.Emulator {
	t.Helper()
	if o.AsyncDelay == 0 {
		o.AsyncDelay = 20 * time.Millisecond
	}
	e, err := emulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	// Close the client side first: a dialled but unused connection would hold the server shutdown.
	t.Cleanup(func() { e.HTTPClient().CloseIdleConnections(); _ = e.Close() })
	return e
}

func newFixture(t testing.TB, o emulator.Options, cfg config.Azure) *fixture {
	t.Helper()
	return newFixtureOn(t, startEmulator(t, o), cfg)
}

func newFixtureOn(t testing.TB, e *emulator.Emulator, cfg config.Azure) *fixture {
	t.Helper()
	w := &wire{next: e.HTTPClient().Transport}
	p, err := azure.NewProvider(cfg, azure.Options{Emulator: &azure.Emulator{URL: e.URL(), Client: e.HTTPClient()},
		HTTPClient: &http.Client{Transport: w}, LookupEnv: lookup})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	r, err := tenancy.New(cfg, p, tenancy.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{e: e, p: p, r: r, wire: w, now: c}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func aliases(wss []*tenancy.Workspace) []string {
	var out []string
	for _, w := range wss {
		out = append(out, w.Alias)
	}
	slices.Sort(out)
	return out
}

// visibleTo lists the aliases of the world's Sentinel workspaces in the given tenants.
func visibleTo(tenantAliases ...string) []string {
	var out []string
	for _, w := range world.Workspaces() {
		if w.Sentinel && slices.Contains(tenantAliases, w.TenantAlias) {
			out = append(out, w.Alias())
		}
	}
	slices.Sort(out)
	return out
}

// tenantFault counts (with a 1ns latency fault) the requests addressing a tenant (its resources,
// or its sign-in endpoint) on a route ("" any, "arm", "query", "login").
func tenantFault(t testing.TB, e *emulator.Emulator, tenant, route string) string {
	t.Helper()
	id, err := e.Faults().Add(emulator.Fault{Tenant: tenant, Route: route, Latency: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// seedWorkspace stores a Sentinel workspace (with its solution and onboarding state) in a
// subscription of the world, as if created in the portal.
func seedWorkspace(t testing.TB, e *emulator.Emulator, subID, rg, name string) string {
	t.Helper()
	id := world.WorkspaceResourceID(subID, rg, name)
	put := func(id string, v map[string]any) {
		b, _ := json.Marshal(v)
		if err := e.SeedResource(id, b); err != nil {
			t.Fatal(err)
		}
	}
	put(id, map[string]any{"type": "Microsoft.OperationalInsights/workspaces", "location": "westeurope",
		"properties": map[string]any{"customerId": world.GUID("seeded:" + id), "retentionInDays": 60, "sku": map[string]any{"name": "PerGB2018"}}})
	put("/subscriptions/"+subID+"/resourceGroups/"+rg+"/providers/Microsoft.OperationsManagement/solutions/SecurityInsights("+name+")",
		map[string]any{"type": "Microsoft.OperationsManagement/solutions", "location": "westeurope",
			"properties": map[string]any{"workspaceResourceId": id}})
	put(id+"/providers/Microsoft.SecurityInsights/onboardingStates/default",
		map[string]any{"type": "Microsoft.SecurityInsights/onboardingStates", "properties": map[string]any{"customerManagedKey": false}})
	return id
}

func isResolveError(err error, kind string) bool {
	re, ok := err.(*tenancy.ResolveError)
	return ok && re.Kind == kind
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
