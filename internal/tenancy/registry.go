// Package tenancy knows which tenants and Sentinel workspaces the server may address and how to
// reach each: discovery (the subscriptions each configured identity sees, own and delegated through
// Azure Lighthouse; Sentinel workspaces through Resource Graph, confirmed by Sentinel's
// onboardingStates), merged with the tenants and workspaces pinned in the configuration (direct
// tenants with their own credential, aliases), cached for azure.discovery.ttl.
//
// Every tool addresses workspaces through Resolve (alias, name, customer id or resource id) or
// Select (several, a tenant's, or all), which enforce the tenant allow-list: a workspace of a tenant
// outside it is refused without any Azure call against that tenant, and discovery never looks
// inside such a tenant's subscriptions.
package tenancy

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
)

// How a tenant's workspaces are reached.
const (
	AccessLighthouse = "lighthouse" // delegated to the managing tenant; the default identity's token
	AccessDirect     = "direct"     // the tenant's own credential (azure.tenants[].credential)
	AccessOwn        = "own"        // the default identity's home tenant
)

// Tenant is an Entra tenant the server knows of.
type Tenant struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Alias  string `json:"alias"`
	Domain string `json:"domain,omitempty"`
	// AccessVia is AccessLighthouse, AccessDirect or AccessOwn; CredTenantID the tenant whose
	// credential reaches it (azure.Provider.ARM / Logs).
	AccessVia    string `json:"access_via"`
	CredTenantID string `json:"-"`
	Allowed      bool   `json:"allowed"`
	Pinned       bool   `json:"pinned,omitempty"` // listed in azure.tenants
	// Subscriptions and Workspaces count what was found (nothing is looked up in a tenant that is not
	// allowed). Workspaces counts the addressable Sentinel workspaces.
	Subscriptions int `json:"subscriptions"`
	Workspaces    int `json:"workspaces"`
}

// Workspace is an addressable Sentinel workspace. Values handed out by the Registry are shared:
// treat them as read-only.
type Workspace struct {
	TenantID, TenantName, TenantAlias                                     string
	SubscriptionID, ResourceGroup, Name, CustomerID, ResourceID, Location string
	Alias                                                                 string // "contoso/contoso-prod"
	CredTenantID                                                          string // whose credential reaches it
	AccessVia                                                             string // "lighthouse" | "direct" | "own"
	Sentinel                                                              bool
	RetentionDays                                                         int
	SKU                                                                   string
	Pinned                                                                bool // listed in azure.tenants[].workspaces
}

// String is the alias (fanout uses it as the target's label).
func (w *Workspace) String() string { return w.Alias }

// Without returns wss less the workspace ws (a baseline or a source compared or copied to the others);
// a nil ws leaves the selection whole.
func Without(wss []*Workspace, ws *Workspace) []*Workspace {
	var out []*Workspace
	for _, w := range wss {
		if ws == nil || w.ResourceID != ws.ResourceID {
			out = append(out, w)
		}
	}
	return out
}

// Options are what New needs besides the configuration and the provider.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
}

// Registry is the tenancy layer. It is safe for concurrent use. Creating it makes no Azure call:
// the first use discovers, and later uses refresh in the background once the TTL has passed.
type Registry struct {
	cfg   config.Azure
	p     *azure.Provider
	log   *slog.Logger
	now   func() time.Time
	allow allowList

	mu       sync.Mutex
	snap     *snapshot
	inflight *refreshCall
}

type refreshCall struct {
	done chan struct{}
	snap *snapshot
	err  error
	prev *snapshot
}

// discoveryTimeout bounds one discovery run, which runs detached from the call that triggered it
// so that a cancelled tool call does not abort it for everyone else.
const discoveryTimeout = 3 * time.Minute

// New builds the registry over cfg, reaching Azure through p.
func New(cfg config.Azure, p *azure.Provider, o Options) (*Registry, error) {
	if p == nil {
		return nil, fmt.Errorf("tenancy: no Azure provider")
	}
	r := &Registry{cfg: cfg, p: p, log: o.Logger, now: o.Now, allow: newAllowList(cfg.AllowedTenants)}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.cfg.FanOut.Concurrency <= 0 {
		r.cfg.FanOut.Concurrency = 5
	}
	if r.cfg.FanOut.PerWorkspaceTimeout <= 0 {
		r.cfg.FanOut.PerWorkspaceTimeout = time.Minute
	}
	return r, nil
}

// Provider is the Azure provider the registry reaches Azure through.
func (r *Registry) Provider() *azure.Provider { return r.p }

// FanOut is the configured fan-out behaviour (concurrency, per-workspace timeout).
func (r *Registry) FanOut() config.AzureFanOut { return r.cfg.FanOut }

// current returns a snapshot: the cached one (starting a background refresh when it is older than
// the TTL), or, when there is none yet, the result of a discovery it waits for.
func (r *Registry) current(ctx context.Context) (*snapshot, error) {
	r.mu.Lock()
	snap := r.snap
	stale := snap == nil || r.now().Sub(snap.at) >= r.cfg.Discovery.TTL
	var call *refreshCall
	if stale {
		call = r.startLocked()
	}
	r.mu.Unlock()
	if snap != nil {
		return snap, nil
	}
	return r.wait(ctx, call)
}

// startLocked starts a discovery unless one is running, and returns it. r.mu is held.
func (r *Registry) startLocked() *refreshCall {
	if r.inflight != nil {
		return r.inflight
	}
	call := &refreshCall{done: make(chan struct{}), prev: r.snap}
	r.inflight = call
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), discoveryTimeout)
		defer cancel()
		start := r.now()
		snap, err := r.discover(ctx, call.prev)
		r.mu.Lock()
		call.snap, call.err = snap, err
		if err == nil {
			r.snap = snap
		}
		r.inflight = nil
		r.mu.Unlock()
		close(call.done)
		if err != nil {
			r.log.Warn("tenant discovery failed", "err", err)
			return
		}
		r.log.Info("tenants discovered", "tenants", len(snap.tenants), "workspaces", len(snap.workspaces),
			"warnings", len(snap.warnings), "took", r.now().Sub(start).Round(time.Millisecond))
	}()
	return call
}

// wait waits for a discovery. When it fails and an older snapshot exists, that one is used.
func (r *Registry) wait(ctx context.Context, call *refreshCall) (*snapshot, error) {
	select {
	case <-call.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for tenant discovery: %w", ctx.Err())
	}
	if call.err != nil {
		if call.prev != nil {
			return call.prev, nil
		}
		return nil, call.err
	}
	return call.snap, nil
}

// refreshed waits for the refresh running now, if any, and returns its snapshot (nil when none).
func (r *Registry) refreshed(ctx context.Context) *snapshot {
	r.mu.Lock()
	call := r.inflight
	r.mu.Unlock()
	if call == nil {
		return nil
	}
	s, err := r.wait(ctx, call)
	if err != nil {
		return nil
	}
	return s
}

// Changes is what a refresh changed.
type Changes struct {
	TenantsAdded      []string      `json:"tenants_added,omitempty"`
	TenantsRemoved    []string      `json:"tenants_removed,omitempty"`
	WorkspacesAdded   []string      `json:"workspaces_added,omitempty"`
	WorkspacesRemoved []string      `json:"workspaces_removed,omitempty"`
	WorkspacesChanged []string      `json:"workspaces_changed,omitempty"` // "alias: what changed"
	Tenants           int           `json:"tenants"`
	Workspaces        int           `json:"workspaces"`
	Warnings          []string      `json:"warnings,omitempty"`
	DiscoveredAt      time.Time     `json:"discovered_at"`
	Took              time.Duration `json:"-"`
}

// Refresh discovers now (or joins the discovery already running) and reports what changed since
// the previous snapshot.
func (r *Registry) Refresh(ctx context.Context) (*Changes, error) {
	r.mu.Lock()
	call := r.startLocked()
	r.mu.Unlock()
	start := r.now()
	select {
	case <-call.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for tenant discovery: %w", ctx.Err())
	}
	if call.err != nil {
		return nil, call.err
	}
	ch := diff(call.prev, call.snap)
	ch.Took = r.now().Sub(start)
	return ch, nil
}

func diff(prev, next *snapshot) *Changes {
	ch := &Changes{Tenants: len(next.tenants), Workspaces: len(next.workspaces), Warnings: next.warnings, DiscoveredAt: next.at}
	if prev == nil {
		prev = &snapshot{}
	}
	oldT, newT := map[string]*Tenant{}, map[string]*Tenant{}
	for _, t := range prev.tenants {
		oldT[t.ID] = t
	}
	for _, t := range next.tenants {
		newT[t.ID] = t
		if oldT[t.ID] == nil {
			ch.TenantsAdded = append(ch.TenantsAdded, t.Alias)
		}
	}
	for _, t := range prev.tenants {
		if newT[t.ID] == nil {
			ch.TenantsRemoved = append(ch.TenantsRemoved, t.Alias)
		}
	}
	oldW, newW := map[string]*Workspace{}, map[string]*Workspace{}
	for _, w := range prev.workspaces {
		oldW[strings.ToLower(w.ResourceID)] = w
	}
	for _, w := range next.workspaces {
		k := strings.ToLower(w.ResourceID)
		newW[k] = w
		o := oldW[k]
		if o == nil {
			ch.WorkspacesAdded = append(ch.WorkspacesAdded, w.Alias)
			continue
		}
		var what []string
		if o.Alias != w.Alias {
			what = append(what, "alias "+o.Alias+" -> "+w.Alias)
		}
		if o.RetentionDays != w.RetentionDays {
			what = append(what, fmt.Sprintf("retention %d -> %d days", o.RetentionDays, w.RetentionDays))
		}
		if o.SKU != w.SKU {
			what = append(what, "SKU "+o.SKU+" -> "+w.SKU)
		}
		if o.AccessVia != w.AccessVia {
			what = append(what, "access "+o.AccessVia+" -> "+w.AccessVia)
		}
		if o.Location != w.Location {
			what = append(what, "location "+o.Location+" -> "+w.Location)
		}
		if len(what) > 0 {
			ch.WorkspacesChanged = append(ch.WorkspacesChanged, w.Alias+": "+strings.Join(what, ", "))
		}
	}
	for _, w := range prev.workspaces {
		if newW[strings.ToLower(w.ResourceID)] == nil {
			ch.WorkspacesRemoved = append(ch.WorkspacesRemoved, w.Alias)
		}
	}
	for _, s := range [][]string{ch.TenantsAdded, ch.TenantsRemoved, ch.WorkspacesAdded, ch.WorkspacesRemoved, ch.WorkspacesChanged} {
		slices.Sort(s)
	}
	return ch
}

// Status describes the cache without triggering discovery.
type Status struct {
	DiscoveredAt time.Time
	Discovered   bool
	Refreshing   bool
	Warnings     []string // partial failures of the last discovery (one identity, one workspace)
}

// Status reports the state of the cache.
func (r *Registry) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := Status{Refreshing: r.inflight != nil}
	if r.snap != nil {
		st.Discovered, st.DiscoveredAt, st.Warnings = true, r.snap.at, r.snap.warnings
	}
	return st
}

// Tenants returns every known tenant, allowed or not, sorted by alias.
func (r *Registry) Tenants(ctx context.Context) ([]Tenant, error) {
	s, err := r.current(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Tenant, len(s.tenants))
	for i, t := range s.tenants {
		out[i] = *t
	}
	return out, nil
}

// Workspaces returns the workspaces of allowed tenants, sorted by alias: the Sentinel ones, and
// with azure.discovery.include_non_sentinel also the others (Sentinel false; Resolve refuses them).
func (r *Registry) Workspaces(ctx context.Context) ([]*Workspace, error) {
	s, err := r.current(ctx)
	if err != nil {
		return nil, err
	}
	return s.allowedWorkspaces("", false), nil
}
