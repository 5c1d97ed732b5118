package azure

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// Secrets are handed to the provider through environment variables (never inline), as users should.
const (
	envWoodgrove = "TEST_WOODGROVE_SECRET"
	envLitware   = "TEST_LITWARE_SECRET"
)

var testEnv = map[string]string{envWoodgrove: world.ManagingApp.Secret, envLitware: world.LitwareApp.Secret}

func lookupTestEnv(k string) (string, bool) { v, ok := testEnv[k]; return v, ok }

func startEmu(t testing.TB, o emulator.Options) *emulator.Emulator {
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

// testConfig is the Azure section a Woodgrove MSSP would write: its app as the default identity,
// Litware reached directly with Litware's own app, fast retries.
func testConfig() config.Azure {
	cfg := config.Default().Azure
	cfg.Credential = config.AzureCredential{Type: config.CredClientSecret, TenantID: world.ManagingApp.TenantID,
		ClientID: world.ManagingApp.ClientID, SecretEnv: envWoodgrove}
	cfg.Credentials = map[string]config.AzureCredential{
		"litware": {Type: config.CredClientSecret, ClientID: world.LitwareApp.ClientID, SecretEnv: envLitware},
	}
	cfg.Tenants = []config.AzureTenant{{ID: world.MustTenant(world.Litware).ID, Alias: "litware", Credential: "litware"}}
	cfg.Retry = config.AzureRetry{MaxRetries: 4, Delay: 10 * time.Millisecond, MaxDelay: 2 * time.Second,
		MaxTotal: 10 * time.Second, RequestTimeout: 5 * time.Second}
	return cfg
}

// counting wraps a transport and records requests (method and path) and the peak of concurrent ones.
type counting struct {
	next     http.RoundTripper
	inFlight atomic.Int64
	peak     atomic.Int64
	mu       sync.Mutex
	reqs     []string
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	c.mu.Lock()
	c.reqs = append(c.reqs, r.Method+" "+r.URL.Path)
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *counting) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.reqs...)
}

// armRequests are the requests other than sign-ins.
func (c *counting) armRequests() []string {
	var out []string
	for _, r := range c.requests() {
		if !strings.Contains(r, "/oauth2/") && !strings.Contains(r, "/.well-known/") {
			out = append(out, r)
		}
	}
	return out
}

type env struct {
	e   *emulator.Emulator
	p   *Provider
	cnt *counting
	log *lockedWriter
}

// newEnv starts an emulator and a provider for it; mutate adjusts the configuration.
func newEnv(t testing.TB, o emulator.Options, mutate func(*config.Azure)) *env {
	t.Helper()
	e := startEmu(t, o)
	cfg := testConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	cnt := &counting{next: e.HTTPClient().Transport}
	lw := &lockedWriter{}
	logger := slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := NewProvider(cfg, Options{Logger: logger, Emulator: &Emulator{URL: e.URL(), Client: e.HTTPClient()},
		HTTPClient: &http.Client{Transport: cnt}, LookupEnv: lookupTestEnv})
	if err != nil {
		t.Fatal(err)
	}
	return &env{e: e, p: p, cnt: cnt, log: lw}
}

func (v *env) arm(t testing.TB, tenant string) *ARM {
	t.Helper()
	a, err := v.p.ARM(tenant)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// countFault installs a no-op fault (1ns latency) matching f's route/method/tenant, so Hits counts
// the matching requests the emulator received.
func countFault(t testing.TB, e *emulator.Emulator, f emulator.Fault) string {
	t.Helper()
	f.Latency = time.Nanosecond
	id, err := e.Faults().Add(f)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func addFault(t testing.TB, e *emulator.Emulator, f emulator.Fault) string {
	t.Helper()
	id, err := e.Faults().Add(f)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

type lockedWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

var managing = world.MustTenant(world.Woodgrove).ID
