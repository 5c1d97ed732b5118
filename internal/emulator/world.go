package emulator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/seed"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// worldState is what the emulator needs from the seeded world, independent of how the seed package
// models it: directory objects (tenants, apps), subscriptions, the ARM documents, and a lazy log source.
type worldState struct {
	tenants   []*tenantRec
	apps      []*appRec
	subs      []*subscription
	resources []seedDoc
	// deferred are groups of documents stored on first access (the workspaces' contents).
	deferred []deferredDocs
	// logs returns the log tables of a workspace (by ARM resource id); expensive, called once per workspace.
	logs func(workspaceResourceID string) map[string]*data.Table
	// identities are the apps in the world's own type, for Emulator.Identities.
	identities []world.Identity
}

type tenantRec struct {
	ID     string
	Name   string // display name ("Contoso")
	Alias  string // short alias ("contoso")
	Domain string // "contoso.onmicrosoft.com"
}

type appRec struct {
	TenantID    string
	ClientID    string
	Secret      string
	ObjectID    string // service principal object id: the "oid" claim and the principal in Lighthouse authorizations
	DisplayName string
	Role        string // what the identity is for (e.g. "managing", "direct"); informational
}

type seedDoc struct {
	ID   string
	Body []byte // JSON document as a GET returns it
}

// deferredDocs is a group of seeded documents whose ids all start with prefix (ending with "/") and whose
// types are types; load builds them.
type deferredDocs struct {
	prefix   string
	types    []string
	topLevel bool // top-level resources of a resource group, which Resource Graph lists
	load     func() []seedDoc
}

func (w *worldState) tenant(ref string) (*tenantRec, bool) {
	for _, t := range w.tenants {
		if strings.EqualFold(t.ID, ref) || strings.EqualFold(t.Alias, ref) || strings.EqualFold(t.Domain, ref) {
			return t, true
		}
	}
	return nil, false
}

func (w *worldState) tenantName(id string) string {
	if t, ok := w.tenant(id); ok {
		return t.Name
	}
	return ""
}

func (w *worldState) app(tenantID, clientID string) (*appRec, bool) {
	for _, a := range w.apps {
		if strings.EqualFold(a.TenantID, tenantID) && strings.EqualFold(a.ClientID, clientID) {
			return a, true
		}
	}
	return nil, false
}

// loadWorld fills an empty store from the seeded world: subscriptions, resource groups implied by the
// resource ids, and the ARM documents.
func (e *Emulator) loadWorld(w *worldState) error {
	st := e.store
	for _, s := range w.subs {
		st.addSubscription(s)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	rgs := map[string]bool{}
	for _, r := range w.resources {
		d, err := decodeDoc(r.Body)
		if err != nil {
			return fmt.Errorf("emulator: seeded resource %s: %w", r.ID, err)
		}
		id := r.ID
		if id == "" {
			id = str(d["id"])
		}
		sg := strings.Split(strings.Trim(id, "/"), "/")
		ix := parseARM(sg, segs(id))
		if ix.rg != "" {
			rgID := "/subscriptions/" + ix.subID + "/resourceGroups/" + ix.rg
			if !rgs[strings.ToLower(rgID)] {
				rgs[strings.ToLower(rgID)] = true
				if _, exists := st.byID[strings.ToLower(rgID)]; !exists {
					loc := str(d["location"])
					if loc == "" {
						loc = "westeurope"
					}
					st.putLocked(rgID, resourceGroupDoc(rgID, ix.rg, loc))
				}
			}
		}
		st.seededLocked(id, d)
		st.putLocked(id, d)
	}
	st.seeded = st.seededLocked
	for _, g := range w.deferred {
		st.deferGroup(g.prefix, g.types, g.topLevel, g.load)
	}
	return nil
}

// seededLocked completes a seeded document before it is stored: an etag and systemData when the seed gave
// none, and the workspace's incident counter past a seeded incident's number. The caller holds the lock.
func (st *store) seededLocked(id string, d doc) {
	if str(d["etag"]) == "" && !strings.EqualFold(str(d["type"]), "Microsoft.OperationalInsights/workspaces") {
		d["etag"] = st.nextEtagLocked()
	}
	if _, ok := d["systemData"]; !ok {
		d["systemData"] = seededSystemData
	}
	if strings.EqualFold(str(d["type"]), "Microsoft.SecurityInsights/incidents") {
		if n, err := numberOf(props(d)["incidentNumber"]); err == nil {
			key := "incidents:" + strings.ToLower(workspaceOf(id))
			if int64(n) > st.counters[key] {
				st.counters[key] = int64(n)
			}
		}
	}
}

// seededSystemData marks resources that came with the world (created by the tenant's own tooling).
var seededSystemData = map[string]any{"createdBy": "sentinel-mcp-seed", "createdByType": "Application",
	"createdAt": "2025-01-01T00:00:00Z", "lastModifiedBy": "sentinel-mcp-seed", "lastModifiedByType": "Application",
	"lastModifiedAt": "2025-01-01T00:00:00Z"}

func resourceGroupDoc(id, name, location string) doc {
	return doc{"id": id, "name": name, "type": "Microsoft.Resources/resourceGroups", "location": location,
		"properties": map[string]any{"provisioningState": "Succeeded"}}
}

// workspaceOf returns the workspace resource id an id is under ("" when it is not).
func workspaceOf(id string) string {
	l := strings.ToLower(id)
	const marker = "/providers/microsoft.operationalinsights/workspaces/"
	i := strings.Index(l, marker)
	if i < 0 {
		return ""
	}
	rest := id[i+len(marker):]
	if j := strings.Index(rest, "/"); j >= 0 {
		rest = rest[:j]
	}
	return id[:i+len(marker)] + rest
}

func numberOf(v any) (float64, error) {
	switch n := v.(type) {
	case json.Number:
		return n.Float64()
	case float64:
		return n, nil
	case int:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case string:
		return strconv.ParseFloat(n, 64)
	}
	return 0, fmt.Errorf("not a number")
}

func itoa(n int) string { return strconv.Itoa(n) }

// buildWorld produces the world the emulator serves: the seeded world, or a test fixture.
func (e *Emulator) buildWorld() (*worldState, error) {
	if e.opts.fixture != nil {
		return e.opts.fixture(), nil
	}
	sw := seed.Build(seed.Options{Seed: e.opts.Seed, Now: e.opts.Now(), Days: e.opts.Days, Scale: e.opts.Scale,
		Rows: e.opts.Rows, ExtraTenants: e.opts.ExtraTenants})
	return fromSeed(sw), nil
}

// fromSeed adapts the seed package's world.
func fromSeed(sw *seed.World) *worldState {
	w := &worldState{logs: sw.Logs, identities: sw.Identities}
	for _, t := range sw.Tenants {
		w.tenants = append(w.tenants, &tenantRec{ID: t.ID, Name: t.Name, Alias: t.Alias, Domain: t.Domain})
	}
	for _, a := range sw.Identities {
		w.apps = append(w.apps, &appRec{TenantID: a.TenantID, ClientID: a.ClientID, Secret: a.Secret,
			ObjectID: a.ObjectID, DisplayName: a.DisplayName, Role: a.Role})
	}
	for _, s := range sw.Subscriptions {
		w.subs = append(w.subs, &subscription{ID: s.ID, TenantID: s.TenantID, DisplayName: s.Name, State: "Enabled"})
	}
	for _, r := range sw.Resources {
		w.resources = append(w.resources, seedDoc{ID: r.ID, Body: r.Body})
	}
	for _, d := range sw.Deferred {
		build := d.Build
		w.deferred = append(w.deferred, deferredDocs{prefix: d.Prefix, types: d.Types, topLevel: d.TopLevel, load: func() []seedDoc {
			rs := build()
			out := make([]seedDoc, len(rs))
			for i, r := range rs {
				out[i] = seedDoc{ID: r.ID, Body: r.Body}
			}
			return out
		}})
	}
	return w
}

// Identities returns the apps the emulator accepts: tenant, client id, secret, object id and role.
func (e *Emulator) Identities() []world.Identity {
	w, _, err := e.state()
	if err != nil {
		return nil
	}
	if w.identities != nil {
		return append([]world.Identity(nil), w.identities...)
	}
	out := make([]world.Identity, 0, len(w.apps))
	for _, a := range w.apps {
		out = append(out, world.Identity{TenantID: a.TenantID, ClientID: a.ClientID, Secret: a.Secret,
			ObjectID: a.ObjectID, DisplayName: a.DisplayName, Role: a.Role})
	}
	return out
}
