// Package seed builds the emulator's deterministic multi-tenant SOC world from internal/emulator/world: the
// directory (tenants, apps), subscriptions, and every ARM resource as the JSON document a GET returns
// (workspaces, Lighthouse, Resource Graph solutions, Sentinel content, incidents, Insights resources), plus
// log tables generated on demand.
//
// Build is cheap (no log data) so the emulator can start fast; World.Logs generates one workspace's tables,
// which is the expensive part, and is deterministic from (Seed, Now truncated to the hour, workspace) so the
// emulator can call it lazily on first query and cache the result.
package seed

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// Options control the generated world. The zero value gives the demo world at the current hour.
type Options struct {
	Seed  int64     // background noise; default 1. Planted stories and differences never depend on it.
	Now   time.Time // data clock; truncated to the hour. Zero means time.Now().
	Days  int       // days of log history; default 7
	Scale float64   // log volume multiplier; 1.0 = demo size (about 120k rows over the named workspaces)
	// Rows, if > 0, is the approximate total of log rows over all workspaces (benchmarks); it overrides
	// Scale. Below the structural floor (rule health records, heartbeats at their longest interval,
	// indicators: about 3,300 rows per Sentinel workspace) the world has that floor.
	Rows         int
	ExtraTenants int // synthetic Lighthouse-delegated customers, one small Sentinel workspace each
}

func (o Options) normalized() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Hour)
	if o.Days <= 0 {
		o.Days = 7
	}
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.Rows < 0 {
		o.Rows = 0
	}
	if o.ExtraTenants < 0 {
		o.ExtraTenants = 0
	}
	return o
}

// Resource is one ARM resource: its full id and its JSON body exactly as a GET returns it.
//
// Besides real ARM paths, incidents carry their alerts and entities as child documents
// `{incident}/alerts/{systemAlertId}` (kind SecurityAlert) and `{incident}/entities/{entityId}` (kind Account,
// Host, Ip, ...), which the emulator returns from POST `{incident}/alerts` and POST `{incident}/entities`.
// Comments are at their real path `{incident}/comments/{commentId}`, watchlist items at
// `{watchlist}/watchlistItems/{itemId}`.
type Resource struct {
	ID   string
	Body json.RawMessage
}

// World is the seeded world. It is immutable once built and safe for concurrent use.
type World struct {
	Options       Options // normalized (Now truncated to the hour, defaults applied)
	Tenants       []world.Tenant
	Identities    []world.Identity
	Subscriptions []world.Subscription
	Workspaces    []world.Workspace // named workspaces first, then the synthetic ones
	Delegations   []world.Lighthouse
	Resources     []Resource // in a stable order: parents before children
	// Deferred are the workspaces' contents (Sentinel content, incidents, tables, saved searches), built on
	// demand: a Deferred's resources are not in Resources (see Deferred).
	Deferred []Deferred
	Facts    world.Facts

	vol struct { // the log volume scale, computed on first use (see volume)
		once  sync.Once
		scale float64
	}
}

// Build builds the world's directory, subscriptions and ARM resources. It generates no log data.
func Build(opts Options) *World {
	opts = opts.normalized()
	w := &World{
		Options:       opts,
		Tenants:       world.Tenants(),
		Identities:    world.Identities(),
		Subscriptions: world.Subscriptions(),
		Workspaces:    world.Workspaces(),
		Delegations:   world.Delegations(),
		Facts:         world.SeededFacts(),
	}
	for n := 1; n <= opts.ExtraTenants; n++ {
		w.Tenants = append(w.Tenants, world.ExtraTenant(n))
		w.Subscriptions = append(w.Subscriptions, world.ExtraSubscription(n))
		w.Workspaces = append(w.Workspaces, world.ExtraWorkspace(n))
		w.Delegations = append(w.Delegations, world.ExtraDelegation(n))
	}
	b := &builder{w: w, now: opts.Now, out: &w.Resources}
	b.tenancy()
	for _, ws := range w.Workspaces {
		b.workspace(ws)
	}
	return w
}

// Workspace returns a workspace of the world by name, alias, customer id or resource id.
func (w *World) Workspace(ref string) (world.Workspace, bool) {
	for _, ws := range w.Workspaces {
		if strings.EqualFold(ws.Name, ref) || strings.EqualFold(ws.Alias(), ref) ||
			strings.EqualFold(ws.CustomerID, ref) || strings.EqualFold(ws.ResourceID, ref) {
			return ws, true
		}
	}
	return world.Workspace{}, false
}

// Tenant returns a tenant of the world by id or alias.
func (w *World) Tenant(ref string) (world.Tenant, bool) {
	for _, t := range w.Tenants {
		if strings.EqualFold(t.ID, ref) || strings.EqualFold(t.Alias, ref) {
			return t, true
		}
	}
	return world.Tenant{}, false
}

// Resource returns the resource with an id (case-insensitive), building the Deferred group it is in; for
// tests.
func (w *World) Resource(id string) (Resource, bool) {
	l := strings.ToLower(id)
	for _, r := range w.Resources {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	for _, d := range w.Deferred {
		if strings.HasPrefix(l, strings.ToLower(d.Prefix)) {
			for _, r := range d.Build() {
				if strings.EqualFold(r.ID, id) {
					return r, true
				}
			}
		}
	}
	return Resource{}, false
}

// AllResources returns Resources followed by every Deferred group's resources (expensive; for tests).
func (w *World) AllResources() []Resource {
	out := append([]Resource(nil), w.Resources...)
	for _, d := range w.Deferred {
		out = append(out, d.Build()...)
	}
	return out
}

// ResourcesUnder returns the resources whose id starts with prefix (case-insensitive) and whose type (the
// segment before the last name) equals collection, e.g. ResourcesUnder(ws.ResourceID, "alertRules"),
// building the Deferred groups that may hold some.
func (w *World) ResourcesUnder(prefix, collection string) []Resource {
	p := strings.ToLower(prefix)
	var out []Resource
	all := w.Resources
	for _, d := range w.Deferred {
		dp := strings.ToLower(d.Prefix)
		if strings.HasPrefix(dp, p) || strings.HasPrefix(p, dp) {
			all = append(append([]Resource(nil), all...), d.Build()...)
		}
	}
	for _, r := range all {
		id := strings.ToLower(r.ID)
		if !strings.HasPrefix(id, p) {
			continue
		}
		parts := strings.Split(id, "/")
		if len(parts) >= 2 && strings.EqualFold(parts[len(parts)-2], collection) {
			out = append(out, r)
		}
	}
	return out
}

// builder accumulates resources into out (World.Resources, or a Deferred group's).
type builder struct {
	w   *World
	now time.Time
	out *[]Resource
}

// add records a resource. The body gets id, name (the id's last segment) and type unless already set; maps
// are encoded with sorted keys, so output is byte-for-byte deterministic.
func (b *builder) add(id, typ string, body map[string]any) {
	if _, ok := body["id"]; !ok {
		body["id"] = id
	}
	if _, ok := body["name"]; !ok {
		body["name"] = id[strings.LastIndex(id, "/")+1:]
	}
	if _, ok := body["type"]; !ok && typ != "" {
		body["type"] = typ
	}
	raw, err := json.Marshal(body)
	if err != nil {
		panic("seed: resource " + id + ": " + err.Error()) // only JSON-safe values are built here
	}
	*b.out = append(*b.out, Resource{ID: id, Body: raw})
}

// ts formats a time the way ARM does (RFC 3339 with fractional seconds when present, UTC).
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// sortedKeys returns a map's keys in order (stable output when iterating maps).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
