package tenancy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
)

// allowList is azure.allowed_tenants: tenant ids, aliases, domains or names, case-insensitive.
type allowList map[string]bool

func newAllowList(entries []string) allowList {
	a := allowList{}
	for _, e := range entries {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			a[e] = true
		}
	}
	return a
}

func (a allowList) empty() bool { return len(a) == 0 }

// allows reports whether any of a tenant's names is listed (an empty list allows every tenant).
func (a allowList) allows(names ...string) bool {
	if a.empty() {
		return true
	}
	for _, n := range names {
		if n != "" && a[strings.ToLower(n)] {
			return true
		}
	}
	return false
}

// onlyIDs reports whether every entry is a tenant id, so that any other id is known to be refused.
func (a allowList) onlyIDs() bool {
	for e := range a {
		if !config.IsGUID(e) {
			return false
		}
	}
	return !a.empty()
}

// allowedTenant applies the allow-list to a tenant by id, configured alias, derived alias, domain
// and name.
func (r *Registry) allowedTenant(id string, ti tenantInfo) bool {
	if r.allow.empty() {
		return true
	}
	names := []string{id, ti.Domain, r.tenantName(id, ti.Name), deriveAlias(ti.Domain, r.tenantName(id, ti.Name), id)}
	for _, pt := range r.cfg.Tenants {
		if strings.EqualFold(pt.ID, id) {
			names = append(names, pt.Alias, pt.Name)
		}
	}
	return r.allow.allows(names...)
}

// TenantAllowed reports whether a tenant (by id) may be addressed. It uses what is known without
// calling Azure: the allow-list, the pinned tenants and the last discovery.
func (r *Registry) TenantAllowed(tenantID string) bool {
	if r.allow.empty() {
		return true
	}
	r.mu.Lock()
	snap := r.snap
	r.mu.Unlock()
	if snap != nil {
		if t := snap.tenantByID(tenantID); t != nil {
			return t.Allowed
		}
	}
	return r.allowedTenant(tenantID, tenantInfo{})
}

// Kinds of resolution failure.
const (
	Unknown     = "unknown"      // nothing of that name is known
	Ambiguous   = "ambiguous"    // several workspaces match (a bare name)
	NotAllowed  = "not_allowed"  // its tenant is outside azure.allowed_tenants
	NotSentinel = "not_sentinel" // a Log Analytics workspace without Microsoft Sentinel
)

// ResolveError says why a reference did not resolve, with the closest valid names.
type ResolveError struct {
	Kind        string
	What        string // "workspace" or "tenant"
	Ref         string
	Suggestions []string
	Tenant      string // NotAllowed: the tenant's name and id
}

func (e *ResolveError) Error() string {
	switch e.Kind {
	case Ambiguous:
		return fmt.Sprintf("%s %q is ambiguous: it matches %s. Use one of these aliases", e.What, e.Ref, strings.Join(e.Suggestions, ", "))
	case NotAllowed:
		const tail = "which is not in the allow-list of this server (azure.allowed_tenants): nothing was called. Use list_tenants to see the tenants you may address"
		if e.What == "tenant" {
			if e.Tenant == "" || strings.EqualFold(e.Tenant, e.Ref) {
				return fmt.Sprintf("tenant %q is not in the allow-list of this server (azure.allowed_tenants): nothing was called. Use list_tenants to see the tenants you may address", e.Ref)
			}
			return fmt.Sprintf("tenant %q is %s, %s", e.Ref, e.Tenant, tail)
		}
		return fmt.Sprintf("workspace %q belongs to tenant %s, %s", e.Ref, e.Tenant, tail)
	case NotSentinel:
		return fmt.Sprintf("workspace %q is a Log Analytics workspace without Microsoft Sentinel, so Sentinel tools cannot address it. list_workspaces shows the Sentinel workspaces", e.Ref)
	}
	list := "list_workspaces"
	if e.What == "tenant" {
		list = "list_tenants"
	}
	msg := fmt.Sprintf("unknown %s %q", e.What, e.Ref)
	if len(e.Suggestions) > 0 {
		msg += ": did you mean " + orList(e.Suggestions) + "?"
	} else {
		msg += "."
	}
	return msg + " " + list + " shows every " + e.What + " you may address (refresh_discovery looks again in Azure)"
}

func orList(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Resolve finds the workspace ref names: its alias ("contoso/contoso-prod"), its name (when
// unique), "tenant/name" with the tenant's alias, name or id (also when the workspace has a
// configured alias), its customer id (GUID) or its resource id, all case-insensitive. A workspace of a tenant outside the allow-list is refused (NotAllowed)
// without any Azure call against that tenant.
func (r *Registry) Resolve(ctx context.Context, ref string) (*Workspace, error) {
	ref = strings.TrimSpace(ref)
	if err := r.precheckWorkspace(ref); err != nil {
		return nil, err
	}
	s, err := r.current(ctx)
	if err != nil {
		return nil, err
	}
	ws, err := r.resolveIn(s, ref)
	if re, ok := err.(*ResolveError); ok && re.Kind == Unknown {
		// A refresh running now (the snapshot is older than the TTL) may know it.
		if ns := r.refreshed(ctx); ns != nil {
			return r.resolveIn(ns, ref)
		}
	}
	return ws, err
}

// precheckWorkspace refuses, before any discovery, references that can only be to a tenant the
// allow-list excludes: pinned workspaces and "tenant/..." prefixes of such tenants.
func (r *Registry) precheckWorkspace(ref string) error {
	if r.allow.empty() || ref == "" {
		return nil
	}
	l := strings.ToLower(ref)
	for _, pt := range r.cfg.Tenants {
		if r.allowedTenant(pt.ID, tenantInfo{}) {
			continue
		}
		who := tenantLabel(firstNonEmpty(pt.Name, pt.Alias), pt.ID)
		if prefix, _, ok := strings.Cut(l, "/"); ok && !strings.HasPrefix(l, "/") && (strings.EqualFold(prefix, pt.Alias) || strings.EqualFold(prefix, pt.ID)) {
			return &ResolveError{Kind: NotAllowed, What: "workspace", Ref: ref, Tenant: who}
		}
		for _, pw := range pt.Workspaces {
			if strings.EqualFold(pw.ResourceID, strings.TrimSuffix(ref, "/")) || (pw.CustomerID != "" && strings.EqualFold(pw.CustomerID, ref)) {
				return &ResolveError{Kind: NotAllowed, What: "workspace", Ref: ref, Tenant: who}
			}
		}
	}
	if prefix, _, ok := strings.Cut(l, "/"); ok && config.IsGUID(prefix) && r.allow.onlyIDs() && !r.allow[prefix] {
		return &ResolveError{Kind: NotAllowed, What: "workspace", Ref: ref, Tenant: prefix}
	}
	return nil
}

func tenantLabel(name, id string) string {
	if name == "" || strings.EqualFold(name, id) {
		return id
	}
	return name + " (" + id + ")"
}

func (r *Registry) resolveIn(s *snapshot, ref string) (*Workspace, error) {
	if ref == "" {
		return nil, &ResolveError{Kind: Unknown, What: "workspace", Ref: ref, Suggestions: firstAliases(s.allowedWorkspaces("", true), 3)}
	}
	l := strings.ToLower(strings.TrimSuffix(ref, "/"))
	match := func(wss []*Workspace) []*Workspace {
		var hits []*Workspace
		add := func(w *Workspace) {
			if !slices.Contains(hits, w) {
				hits = append(hits, w)
			}
		}
		for _, w := range wss {
			if w.Alias == l || strings.EqualFold(w.CustomerID, l) || strings.EqualFold(w.ResourceID, l) {
				return []*Workspace{w}
			}
		}
		prefix, name, hasSlash := strings.Cut(l, "/")
		for _, w := range wss {
			switch {
			case !hasSlash && strings.EqualFold(w.Name, l):
				add(w)
			case hasSlash && strings.EqualFold(w.Name, name) && (strings.EqualFold(w.TenantAlias, prefix) || strings.EqualFold(w.TenantName, prefix) || strings.EqualFold(w.TenantID, prefix)):
				add(w)
			}
		}
		return hits
	}
	hits := match(s.workspaces)
	switch {
	case len(hits) == 1:
		w := hits[0]
		if t := s.tenantByID(w.TenantID); t == nil || !t.Allowed {
			return nil, &ResolveError{Kind: NotAllowed, What: "workspace", Ref: ref, Tenant: tenantLabel(w.TenantName, w.TenantID)}
		}
		if !w.Sentinel {
			return nil, &ResolveError{Kind: NotSentinel, What: "workspace", Ref: w.Alias}
		}
		return w, nil
	case len(hits) > 1:
		var aliases []string
		for _, w := range hits {
			aliases = append(aliases, w.Alias)
		}
		return nil, &ResolveError{Kind: Ambiguous, What: "workspace", Ref: ref, Suggestions: aliases}
	}
	if t := s.tenantOfRef(l); t != nil && !t.Allowed {
		return nil, &ResolveError{Kind: NotAllowed, What: "workspace", Ref: ref, Tenant: tenantLabel(t.Name, t.ID)}
	}
	if others := match(s.others); len(others) > 0 {
		return nil, &ResolveError{Kind: NotSentinel, What: "workspace", Ref: others[0].Alias}
	}
	return nil, &ResolveError{Kind: Unknown, What: "workspace", Ref: ref, Suggestions: suggest(ref, s.allowedWorkspaces("", true))}
}

// tenantOfRef finds the tenant a workspace reference points into without naming a known
// workspace: a "tenant/..." prefix, or the subscription of a resource id.
func (s *snapshot) tenantOfRef(l string) *Tenant {
	if strings.HasPrefix(l, "/subscriptions/") {
		p := strings.Split(strings.Trim(l, "/"), "/")
		if len(p) > 1 {
			if tid, ok := s.subTenant[p[1]]; ok {
				return s.tenantByID(tid)
			}
		}
		return nil
	}
	prefix, _, ok := strings.Cut(l, "/")
	if !ok {
		return nil
	}
	for _, t := range s.tenants {
		if prefix == t.Alias || strings.EqualFold(prefix, t.ID) || strings.EqualFold(prefix, t.Name) || (t.Domain != "" && strings.EqualFold(prefix, t.Domain)) {
			return t
		}
	}
	return nil
}

// ResolveTenant finds a tenant by alias, id, default domain or name (case-insensitive). A tenant
// outside the allow-list is refused; when the allow-list holds only tenant ids, another id is
// refused before any discovery.
func (r *Registry) ResolveTenant(ctx context.Context, ref string) (*Tenant, error) {
	ref = strings.TrimSpace(ref)
	if !r.allow.empty() && ref != "" {
		for _, pt := range r.cfg.Tenants {
			if (strings.EqualFold(pt.ID, ref) || strings.EqualFold(pt.Alias, ref)) && !r.allowedTenant(pt.ID, tenantInfo{}) {
				return nil, &ResolveError{Kind: NotAllowed, What: "tenant", Ref: ref, Tenant: tenantLabel(firstNonEmpty(pt.Name, pt.Alias), pt.ID)}
			}
		}
		if config.IsGUID(ref) && r.allow.onlyIDs() && !r.allow[strings.ToLower(ref)] {
			return nil, &ResolveError{Kind: NotAllowed, What: "tenant", Ref: ref, Tenant: ref}
		}
	}
	s, err := r.current(ctx)
	if err != nil {
		return nil, err
	}
	t, err := resolveTenantIn(s, ref)
	if re, ok := err.(*ResolveError); ok && re.Kind == Unknown {
		if ns := r.refreshed(ctx); ns != nil {
			t, err = resolveTenantIn(ns, ref)
		}
	}
	return t, err
}

func resolveTenantIn(s *snapshot, ref string) (*Tenant, error) {
	var hit *Tenant
	for _, t := range s.tenants {
		if strings.EqualFold(t.Alias, ref) || strings.EqualFold(t.ID, ref) || (t.Domain != "" && strings.EqualFold(t.Domain, ref)) || strings.EqualFold(t.Name, ref) {
			hit = t
			break
		}
	}
	if hit == nil {
		var names []string
		for _, t := range s.tenants {
			if t.Allowed {
				names = append(names, t.Alias)
			}
		}
		return nil, &ResolveError{Kind: Unknown, What: "tenant", Ref: ref, Suggestions: closest(ref, names, 3)}
	}
	if !hit.Allowed {
		return nil, &ResolveError{Kind: NotAllowed, What: "tenant", Ref: ref, Tenant: tenantLabel(hit.Name, hit.ID)}
	}
	cp := *hit
	return &cp, nil
}

// Selector chooses workspaces: named ones (each as for Resolve), every workspace of a tenant, or
// all ("all" or "*" among Workspaces, or All). Tenant narrows All and names.
type Selector struct {
	Workspaces []string
	Tenant     string
	All        bool
}

// Select returns the selected workspaces of allowed tenants, deduplicated and sorted by alias.
func (r *Registry) Select(ctx context.Context, sel Selector) ([]*Workspace, error) {
	all := sel.All
	var refs []string
	for _, w := range sel.Workspaces {
		switch strings.ToLower(strings.TrimSpace(w)) {
		case "all", "*":
			all = true
		case "":
		default:
			refs = append(refs, w)
		}
	}
	tenantRef := strings.TrimSpace(sel.Tenant)
	if strings.EqualFold(tenantRef, "all") || tenantRef == "*" {
		tenantRef, all = "", all || len(refs) == 0
	}
	var tenant *Tenant
	if tenantRef != "" {
		t, err := r.ResolveTenant(ctx, tenantRef)
		if err != nil {
			return nil, err
		}
		tenant = t
	}
	if !all && len(refs) == 0 && tenant == nil {
		return nil, fmt.Errorf("no workspaces selected: name workspaces (aliases from list_workspaces), a tenant, or [\"all\"]")
	}
	s, err := r.current(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Workspace
	if all || len(refs) == 0 {
		tid := ""
		if tenant != nil {
			tid = tenant.ID
		}
		out = s.allowedWorkspaces(tid, true)
	}
	for _, ref := range refs {
		w, err := r.Resolve(ctx, ref)
		if err != nil {
			return nil, err
		}
		if tenant != nil && !strings.EqualFold(w.TenantID, tenant.ID) {
			return nil, fmt.Errorf("workspace %s belongs to tenant %s, not %s", w.Alias, w.TenantAlias, tenant.Alias)
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b *Workspace) int { return strings.Compare(a.Alias, b.Alias) })
	return out, nil
}

func firstAliases(wss []*Workspace, n int) []string {
	var out []string
	for _, w := range wss {
		if len(out) == n {
			break
		}
		out = append(out, w.Alias)
	}
	return out
}

// suggest returns up to 3 aliases closest to ref (compared with aliases and bare names).
func suggest(ref string, wss []*Workspace) []string {
	type cand struct {
		alias string
		d     int
	}
	l := strings.ToLower(ref)
	var cs []cand
	for _, w := range wss {
		d := min(distance(l, w.Alias), distance(l, strings.ToLower(w.Name)))
		if strings.Contains(w.Alias, l) && len(l) >= 3 {
			d = min(d, 1)
		}
		if d <= max(2, len(l)/3) {
			cs = append(cs, cand{w.Alias, d})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.d - b.d })
	var out []string
	for _, c := range cs {
		if len(out) == 3 {
			break
		}
		out = append(out, c.alias)
	}
	return out
}

// closest returns up to n names within a small edit distance of ref.
func closest(ref string, names []string, n int) []string {
	l := strings.ToLower(ref)
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, name := range names {
		if d := distance(l, strings.ToLower(name)); d <= max(2, len(l)/3) {
			cs = append(cs, cand{name, d})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.d - b.d })
	var out []string
	for _, c := range cs {
		if len(out) == n {
			break
		}
		out = append(out, c.name)
	}
	return out
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
