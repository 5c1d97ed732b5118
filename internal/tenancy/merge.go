package tenancy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
)

// snapshot is one immutable view of the tenancy: tenants (allowed or not), the addressable
// workspaces, and what is known but not addressable (workspaces without Sentinel), for messages.
type snapshot struct {
	at         time.Time
	tenants    []*Tenant    // sorted by alias
	workspaces []*Workspace // addressable (Sentinel, or any with include_non_sentinel), sorted by alias
	others     []*Workspace // Log Analytics workspaces without Sentinel (not addressable)
	subTenant  map[string]string
	warnings   []string
}

func (s *snapshot) tenantByID(id string) *Tenant {
	for _, t := range s.tenants {
		if strings.EqualFold(t.ID, id) {
			return t
		}
	}
	return nil
}

// allowedWorkspaces returns the workspaces of allowed tenants, of tenantID only when set; with
// sentinelOnly, only those onboarded to Sentinel (what tools may address).
func (s *snapshot) allowedWorkspaces(tenantID string, sentinelOnly bool) []*Workspace {
	var out []*Workspace
	for _, w := range s.workspaces {
		t := s.tenantByID(w.TenantID)
		if t == nil || !t.Allowed || (tenantID != "" && !strings.EqualFold(w.TenantID, tenantID)) || (sentinelOnly && !w.Sentinel) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// merge combines what the identities discovered with the pinned tenants and workspaces.
// When an identity failed, what the previous snapshot knew through it is kept, so a transient
// failure does not make a customer's workspaces disappear.
func (r *Registry) merge(ctx context.Context, results []*found, failed []identity, warnings []string, prev *snapshot) (*snapshot, error) {
	s := &snapshot{at: r.now(), subTenant: map[string]string{}}
	tenants := map[string]*Tenant{} // lower id
	info := map[string]tenantInfo{}
	getT := func(id string) *Tenant {
		k := strings.ToLower(id)
		if t, ok := tenants[k]; ok {
			return t
		}
		t := &Tenant{ID: id}
		tenants[k] = t
		return t
	}
	wsByID := map[string]*Workspace{}
	var order []string
	addWS := func(w *Workspace, direct bool) {
		k := strings.ToLower(w.ResourceID)
		if old, ok := wsByID[k]; ok && !(direct && old.AccessVia != AccessDirect) {
			return
		}
		if _, ok := wsByID[k]; !ok {
			order = append(order, k)
		}
		wsByID[k] = w
	}
	// Direct identities first, so a tenant that is both delegated and configured with its own
	// credential is reached directly, as configured.
	slices.SortStableFunc(results, func(a, b *found) int {
		return boolCmp(a.id.pinned == nil, b.id.pinned == nil)
	})
	for _, f := range results {
		warnings = append(warnings, f.warnings...)
		for k, ti := range f.tenants {
			if old, ok := info[k]; !ok || old.Name == "" {
				info[k] = ti
			}
		}
		for _, sub := range f.subs {
			s.subTenant[strings.ToLower(sub.ID)] = sub.TenantID
			t := getT(sub.TenantID)
			t.Subscriptions++
			if t.AccessVia == "" {
				t.CredTenantID, t.AccessVia = f.access(sub.TenantID)
			}
		}
		if t := getT(f.home); t.AccessVia == "" {
			t.CredTenantID, t.AccessVia = f.access(f.home)
		}
		for _, w := range f.workspace {
			addWS(w, f.id.pinned != nil)
		}
	}
	if prev != nil {
		for _, id := range failed {
			kept := 0
			through := func(via, cred string) bool {
				if id.pinned == nil {
					return via != AccessDirect
				}
				return via == AccessDirect && strings.EqualFold(cred, id.pinned.ID)
			}
			for _, pt := range prev.tenants {
				if through(pt.AccessVia, pt.CredTenantID) {
					t := getT(pt.ID)
					if t.AccessVia == "" {
						t.CredTenantID, t.AccessVia, t.Subscriptions = pt.CredTenantID, pt.AccessVia, pt.Subscriptions
					}
					if _, ok := info[strings.ToLower(pt.ID)]; !ok {
						info[strings.ToLower(pt.ID)] = tenantInfo{ID: pt.ID, Name: pt.Name, Domain: pt.Domain}
					}
				}
			}
			for _, w := range prev.workspaces {
				if through(w.AccessVia, w.CredTenantID) && !w.Pinned {
					if _, ok := wsByID[strings.ToLower(w.ResourceID)]; !ok {
						cp := *w
						addWS(&cp, false)
						kept++
					}
				}
			}
			if kept > 0 {
				warnings = append(warnings, fmt.Sprintf("kept %d workspaces found through %s by the previous discovery", kept, id.label))
			}
		}
	}
	// Pinned tenants: their own credential makes them direct.
	for i := range r.cfg.Tenants {
		pt := &r.cfg.Tenants[i]
		t := getT(pt.ID)
		t.Pinned = true
		if pt.Credential != "" {
			t.CredTenantID, t.AccessVia = pt.ID, AccessDirect
		} else if t.AccessVia == "" {
			t.CredTenantID, t.AccessVia = r.p.DefaultTenantID(), AccessLighthouse
		}
	}
	for k, t := range tenants {
		ti := info[k]
		t.Name = r.tenantName(t.ID, ti.Name)
		t.Domain = ti.Domain
		if t.Name == "" {
			t.Name = firstNonEmpty(t.Domain, t.ID)
		}
		t.Allowed = r.allowedTenant(t.ID, ti)
	}
	r.assignTenantAliases(tenants)

	pinned, pinWarn := r.pinnedWorkspaces(ctx, tenants, wsByID)
	warnings = append(warnings, pinWarn...)
	for _, w := range pinned {
		k := strings.ToLower(w.ResourceID)
		if _, ok := wsByID[k]; !ok {
			order = append(order, k)
		}
		wsByID[k] = w
	}
	only := map[string]bool{}
	for _, pt := range r.cfg.Tenants {
		if pt.WorkspacesOnly {
			only[strings.ToLower(pt.ID)] = true
		}
	}
	for _, k := range order {
		w := wsByID[k]
		t := tenants[strings.ToLower(w.TenantID)]
		if t == nil {
			t = getT(w.TenantID)
			t.Name, t.Alias, t.Allowed = w.TenantID, deriveAlias("", "", w.TenantID), r.allowedTenant(w.TenantID, tenantInfo{})
		}
		if only[strings.ToLower(w.TenantID)] && !w.Pinned {
			continue
		}
		if !w.Sentinel && !r.cfg.Discovery.IncludeNonSentinel {
			s.others = append(s.others, w)
			continue
		}
		w.TenantName, w.TenantAlias = t.Name, t.Alias
		if w.CredTenantID == "" && w.AccessVia == "" {
			w.CredTenantID, w.AccessVia = t.CredTenantID, t.AccessVia
		}
		s.workspaces = append(s.workspaces, w)
	}
	for _, w := range s.others {
		if t := tenants[strings.ToLower(w.TenantID)]; t != nil {
			w.TenantName, w.TenantAlias = t.Name, t.Alias
			w.Alias = t.Alias + "/" + strings.ToLower(w.Name)
		}
	}
	assignWorkspaceAliases(s.workspaces, r.cfg.Tenants)
	for _, w := range s.workspaces {
		if t := tenants[strings.ToLower(w.TenantID)]; t != nil && t.Allowed && w.Sentinel {
			t.Workspaces++
		}
	}
	for _, t := range tenants {
		s.tenants = append(s.tenants, t)
	}
	slices.SortFunc(s.tenants, func(a, b *Tenant) int { return strings.Compare(a.Alias, b.Alias) })
	slices.SortFunc(s.workspaces, func(a, b *Workspace) int { return strings.Compare(a.Alias, b.Alias) })
	s.warnings = warnings
	return s, nil
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// pinnedWorkspaces builds the workspaces listed in azure.tenants[].workspaces: the discovered entry
// with the configured alias, or, when discovery did not find it (discovery off, workspaces_only, a
// workspace hidden from Resource Graph), an entry read from ARM (when the tenant is allowed; a
// tenant outside the allow-list is never called).
func (r *Registry) pinnedWorkspaces(ctx context.Context, tenants map[string]*Tenant, discovered map[string]*Workspace) ([]*Workspace, []string) {
	type job struct {
		pt *config.AzureTenant
		pw config.AzureWorkspace
		ws *Workspace
	}
	var jobs []*job
	var out []*Workspace
	for i := range r.cfg.Tenants {
		pt := &r.cfg.Tenants[i]
		t := tenants[strings.ToLower(pt.ID)]
		for _, pw := range pt.Workspaces {
			k := strings.ToLower(pw.ResourceID)
			if d, ok := discovered[k]; ok {
				cp := *d
				cp.Pinned = true
				if pw.CustomerID != "" {
					cp.CustomerID = pw.CustomerID
				}
				out = append(out, &cp)
				continue
			}
			sub, rg, name := parseWorkspaceID(pw.ResourceID)
			ws := &Workspace{TenantID: pt.ID, SubscriptionID: sub, ResourceGroup: rg, Name: name, ResourceID: pw.ResourceID,
				CustomerID: pw.CustomerID, CredTenantID: t.CredTenantID, AccessVia: t.AccessVia, Sentinel: true, Pinned: true}
			out = append(out, ws)
			if t.Allowed {
				jobs = append(jobs, &job{pt: pt, pw: pw, ws: ws})
			}
		}
	}
	outs := fanout.Run(ctx, jobs, fanout.Options{Concurrency: r.cfg.FanOut.Concurrency, PerTargetTimeout: r.cfg.FanOut.PerWorkspaceTimeout},
		func(ctx context.Context, j *job) (struct{}, error) { return struct{}{}, r.readWorkspace(ctx, j.ws) })
	var warnings []string
	for _, o := range outs {
		if o.Err != nil {
			warnings = append(warnings, fmt.Sprintf("reading pinned workspace %s: %v", o.Target.pw.ResourceID, o.Err))
		}
	}
	return out, warnings
}

// readWorkspace fills a pinned workspace from ARM: customer id, location, retention, SKU and,
// when configured, the Sentinel onboarding state.
func (r *Registry) readWorkspace(ctx context.Context, ws *Workspace) error {
	arm, err := r.p.ARM(ws.CredTenantID)
	if err != nil {
		return err
	}
	var d struct {
		Location   string `json:"location"`
		Properties struct {
			CustomerID string          `json:"customerId"`
			Retention  json.RawMessage `json:"retentionInDays"`
			SKU        struct {
				Name string `json:"name"`
			} `json:"sku"`
		} `json:"properties"`
	}
	if _, err := arm.GetJSON(ctx, ws.ResourceID, &d); err != nil {
		return err
	}
	if ws.CustomerID == "" {
		ws.CustomerID = d.Properties.CustomerID
	}
	ws.Location, ws.SKU, ws.RetentionDays = d.Location, d.Properties.SKU.Name, intOf(d.Properties.Retention)
	if r.cfg.Discovery.ConfirmOnboard {
		_, err := arm.Do(ctx, azure.Request{Method: http.MethodGet, Path: ws.ResourceID + "/providers/Microsoft.SecurityInsights/onboardingStates/default"})
		switch {
		case azure.IsNotFound(err):
			ws.Sentinel = false
		case err != nil:
			return fmt.Errorf("checking Sentinel onboarding: %w", err)
		}
	}
	return nil
}

func parseWorkspaceID(id string) (sub, rg, name string) {
	p := strings.Split(strings.Trim(id, "/"), "/")
	if len(p) == 8 {
		return p[1], p[3], p[7]
	}
	return "", "", id
}

// assignTenantAliases gives every tenant a unique alias: the configured one, else derived from its
// default domain ("contoso.onmicrosoft.com" -> "contoso"), its name, or its id; a clash gets "-2".
func (r *Registry) assignTenantAliases(tenants map[string]*Tenant) {
	used := map[string]bool{}
	var rest []*Tenant
	for _, t := range tenants {
		for _, pt := range r.cfg.Tenants {
			if strings.EqualFold(pt.ID, t.ID) && pt.Alias != "" {
				t.Alias = strings.ToLower(pt.Alias)
			}
		}
		if t.Alias != "" {
			used[t.Alias] = true
		} else {
			rest = append(rest, t)
		}
	}
	slices.SortFunc(rest, func(a, b *Tenant) int { return strings.Compare(strings.ToLower(a.ID), strings.ToLower(b.ID)) })
	for _, t := range rest {
		base := deriveAlias(t.Domain, t.Name, t.ID)
		a := base
		for n := 2; used[a]; n++ {
			a = base + "-" + strconv.Itoa(n)
		}
		t.Alias, used[a] = a, true
	}
}

// deriveAlias makes a tenant alias from its default domain, else its name, else its id.
func deriveAlias(domain, name, id string) string {
	if domain != "" {
		label, _, _ := strings.Cut(strings.ToLower(domain), ".")
		if a := slug(label); a != "" {
			return a
		}
	}
	if a := slug(name); a != "" && !config.IsGUID(name) {
		return a
	}
	if len(id) >= 8 {
		return "tenant-" + strings.ToLower(id[:8])
	}
	return "tenant-" + strings.ToLower(id)
}

// slug lower-cases s and turns runs of other characters than letters and digits into "-".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// assignWorkspaceAliases sets "tenant/workspace" aliases: the configured alias (prefixed with the
// tenant alias unless it has a slash), else the lower-case workspace name; a clash within a tenant
// gets the resource group appended ("contoso/sentinel.rg-prod").
func assignWorkspaceAliases(wss []*Workspace, pinned []config.AzureTenant) {
	configured := map[string]string{}
	for _, pt := range pinned {
		for _, pw := range pt.Workspaces {
			if pw.Alias != "" {
				configured[strings.ToLower(pw.ResourceID)] = pw.Alias
			}
		}
	}
	count := map[string]int{}
	for _, w := range wss {
		w.Alias = ""
		if a, ok := configured[strings.ToLower(w.ResourceID)]; ok {
			if !strings.Contains(a, "/") {
				a = w.TenantAlias + "/" + a
			}
			w.Alias = strings.ToLower(a)
			continue
		}
		count[w.TenantAlias+"/"+strings.ToLower(w.Name)]++
	}
	used := map[string]bool{}
	for _, w := range wss {
		if w.Alias != "" {
			used[w.Alias] = true
		}
	}
	for _, w := range wss {
		if w.Alias != "" {
			continue
		}
		a := w.TenantAlias + "/" + strings.ToLower(w.Name)
		if count[a] > 1 || used[a] {
			a += "." + strings.ToLower(w.ResourceGroup)
		}
		for n := 2; used[a]; n++ {
			a = fmt.Sprintf("%s-%d", strings.TrimSuffix(a, fmt.Sprintf("-%d", n-1)), n)
		}
		w.Alias, used[a] = a, true
	}
}
