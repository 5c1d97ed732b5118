package tenancy_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

func TestDiscoveryFindsWhatEachIdentityMaySee(t *testing.T) {
	f := newFixture(t, emulator.Options{}, mssp())
	adatum := tenantFault(t, f.e, world.Adatum, "")
	wss, err := f.r.Workspaces(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	want := visibleTo(world.Woodgrove, world.Contoso, world.Fabrikam, world.Northwind, world.Litware)
	if got := aliases(wss); !slices.Equal(got, want) {
		t.Fatalf("workspaces\n got %v\nwant %v", got, want)
	}
	if f.e.Faults().Hits(adatum) != 0 {
		t.Errorf("%d requests reached Adatum", f.e.Faults().Hits(adatum))
	}
	managing := world.MustTenant(world.Woodgrove).ID
	litware := world.MustTenant(world.Litware).ID
	for _, w := range wss {
		ww := world.MustWorkspace(w.Name)
		if w.CustomerID != ww.CustomerID || !strings.EqualFold(w.ResourceID, ww.ResourceID) || w.Location != ww.Location ||
			w.RetentionDays != ww.RetentionDays || w.SKU != ww.SKU || !w.Sentinel || w.TenantID != ww.TenantID {
			t.Errorf("%s: %+v, world has %+v", w.Alias, *w, ww)
		}
		wantCred, wantVia := managing, tenancy.AccessLighthouse
		switch ww.TenantAlias {
		case world.Woodgrove:
			wantVia = tenancy.AccessOwn
		case world.Litware:
			wantCred, wantVia = litware, tenancy.AccessDirect
		}
		if w.CredTenantID != wantCred || w.AccessVia != wantVia {
			t.Errorf("%s: reached through %s (%s), want %s (%s)", w.Alias, w.CredTenantID, w.AccessVia, wantCred, wantVia)
		}
	}
	ts, err := f.r.Tenants(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]tenancy.Tenant{}
	for _, tn := range ts {
		got[tn.Alias] = tn
	}
	for alias, want := range map[string]struct {
		via string
		n   int
	}{world.Woodgrove: {tenancy.AccessOwn, 1}, world.Contoso: {tenancy.AccessLighthouse, 2}, world.Fabrikam: {tenancy.AccessLighthouse, 1},
		world.Northwind: {tenancy.AccessLighthouse, 1}, world.Litware: {tenancy.AccessDirect, 1}} {
		tn, ok := got[alias]
		if !ok || tn.AccessVia != want.via || tn.Workspaces != want.n || !tn.Allowed || tn.Name != world.MustTenant(alias).Name {
			t.Errorf("tenant %s: %+v, want access %s and %d workspaces", alias, tn, want.via, want.n)
		}
	}
	if len(ts) != 5 {
		t.Errorf("tenants: %v", ts)
	}
}

func TestDiscoveryThroughTheDirectTenantsOwnAppOnly(t *testing.T) {
	cfg := mssp()
	cfg.Credential = config.AzureCredential{Type: config.CredClientSecret, TenantID: world.LitwareApp.TenantID,
		ClientID: world.LitwareApp.ClientID, SecretEnv: "LITWARE_SECRET"}
	cfg.Tenants = nil
	f := newFixture(t, emulator.Options{}, cfg)
	wss, err := f.r.Workspaces(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := aliases(wss); !slices.Equal(got, visibleTo(world.Litware)) || wss[0].AccessVia != tenancy.AccessOwn {
		t.Fatalf("Litware's app sees %v", got)
	}
}

// Each identity of the world on its own, as the only credential: discovery finds exactly the
// Sentinel workspaces that identity may see (its home tenant's, and those delegated to its tenant
// through Lighthouse), and reaches no other tenant's resources.
func TestDiscoveryPerIdentity(t *testing.T) {
	delegated := []string{world.Contoso, world.Fabrikam, world.Northwind}
	for _, c := range []struct {
		id     world.Identity
		secret string
		home   string
		sees   []string
	}{
		{world.ManagingApp, "WOODGROVE_SECRET", world.Woodgrove, delegated},
		{world.ReadOnlyApp, "READONLY_SECRET", world.Woodgrove, delegated}, // reader roles suffice to discover
		{world.LitwareApp, "LITWARE_SECRET", world.Litware, nil},
		{world.AdatumApp, "ADATUM_SECRET", world.Adatum, nil},
	} {
		t.Run(c.id.DisplayName, func(t *testing.T) {
			cfg := mssp()
			cfg.Credential = config.AzureCredential{Type: config.CredClientSecret, TenantID: c.id.TenantID, ClientID: c.id.ClientID, SecretEnv: c.secret}
			cfg.Credentials, cfg.Tenants = nil, nil
			e := startEmulator(t, emulator.Options{})
			var others []string
			for _, tn := range world.Tenants() {
				if tn.Alias != c.home && !slices.Contains(c.sees, tn.Alias) {
					others = append(others, tenantFault(t, e, tn.Alias, "arm"))
				}
			}
			f := newFixtureOn(t, e, cfg)
			wss, err := f.r.Workspaces(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := aliases(wss), visibleTo(append([]string{c.home}, c.sees...)...); !slices.Equal(got, want) {
				t.Errorf("workspaces\n got %v\nwant %v", got, want)
			}
			for _, w := range wss {
				via := tenancy.AccessLighthouse
				if w.TenantAlias == c.home {
					via = tenancy.AccessOwn
				}
				if w.AccessVia != via || w.CredTenantID != c.id.TenantID {
					t.Errorf("%s reached %s through %s, want %s through %s", w.Alias, w.AccessVia, w.CredTenantID, via, c.id.TenantID)
				}
			}
			if st := f.r.Status(); len(st.Warnings) > 0 {
				t.Errorf("warnings: %v", st.Warnings)
			}
			for _, id := range others {
				if h := f.e.Faults().Hits(id); h > 0 {
					t.Errorf("%d requests addressed a tenant %s may not see", h, c.id.DisplayName)
				}
			}
		})
	}
}

// Resource Graph's SecurityInsights solution only suggests Sentinel: onboardingStates decides. A
// workspace with the solution but not onboarded (a half-removed Sentinel) is not addressable; with
// confirm_onboarding off, the solution is taken at its word.
func TestOnboardingStateConfirmsSentinel(t *testing.T) {
	prod := world.MustWorkspace(world.WSContosoProd)
	for _, confirm := range []bool{true, false} {
		e := startEmulator(t, emulator.Options{})
		id := world.WorkspaceResourceID(prod.SubscriptionID, prod.ResourceGroup, "contoso-half")
		for rid, doc := range map[string]string{
			id: `{"type":"Microsoft.OperationalInsights/workspaces","location":"westeurope","properties":{"customerId":"` + world.GUID("half") + `","retentionInDays":30,"sku":{"name":"PerGB2018"}}}`,
			"/subscriptions/" + prod.SubscriptionID + "/resourceGroups/" + prod.ResourceGroup + "/providers/Microsoft.OperationsManagement/solutions/SecurityInsights(contoso-half)": `{"type":"Microsoft.OperationsManagement/solutions","location":"westeurope","properties":{"workspaceResourceId":"` + id + `"}}`,
		} {
			if err := e.SeedResource(rid, []byte(doc)); err != nil {
				t.Fatal(err)
			}
		}
		cfg := mssp()
		cfg.Discovery.ConfirmOnboard = confirm
		f := newFixtureOn(t, e, cfg)
		_, err := f.r.Resolve(ctx(t), "contoso/contoso-half")
		switch {
		case confirm && !isResolveError(err, tenancy.NotSentinel):
			t.Errorf("confirmed: a workspace without an onboarding state resolved: %v", err)
		case !confirm && err != nil:
			t.Errorf("not confirmed: %v", err)
		}
		onboard := 0
		for _, r := range f.wire.requests() {
			if strings.HasSuffix(r, "/onboardingStates/default") {
				onboard++
			}
		}
		if want := map[bool]int{true: 7, false: 0}[confirm]; onboard != want {
			t.Errorf("confirm %v: %d onboarding checks, want %d (one per candidate)", confirm, onboard, want)
		}
	}
}

func TestNonSentinelWorkspaceIsNeverAddressed(t *testing.T) {
	f := newFixture(t, emulator.Options{}, mssp())
	_, err := f.r.Resolve(ctx(t), world.WSNorthwindOps)
	if !isResolveError(err, tenancy.NotSentinel) || !strings.Contains(err.Error(), "without Microsoft Sentinel") {
		t.Fatalf("northwind-ops: %v", err)
	}
	cfg := mssp()
	cfg.Discovery.IncludeNonSentinel = true
	g := newFixture(t, emulator.Options{}, cfg)
	wss, _ := g.r.Workspaces(ctx(t))
	i := slices.IndexFunc(wss, func(w *tenancy.Workspace) bool { return w.Name == world.WSNorthwindOps })
	if i < 0 || wss[i].Sentinel {
		t.Fatalf("include_non_sentinel: %v", aliases(wss))
	}
	if _, err := g.r.Resolve(ctx(t), "northwind/northwind-ops"); !isResolveError(err, tenancy.NotSentinel) {
		t.Errorf("listed non-Sentinel workspace resolved: %v", err)
	}
	sel, _ := g.r.Select(ctx(t), tenancy.Selector{All: true})
	if slices.ContainsFunc(sel, func(w *tenancy.Workspace) bool { return !w.Sentinel }) {
		t.Errorf("Select all returned a non-Sentinel workspace")
	}
}

func TestResolveByEveryKindOfReference(t *testing.T) {
	f := newFixture(t, emulator.Options{}, mssp())
	ws := world.MustWorkspace(world.WSContosoDev)
	for _, ref := range []string{"contoso/contoso-dev", "CONTOSO/Contoso-Dev", "contoso-dev", ws.CustomerID, strings.ToUpper(ws.CustomerID),
		ws.ResourceID, strings.ToLower(ws.ResourceID) + "/", "Contoso/contoso-dev", ws.TenantID + "/contoso-dev", "  contoso-dev "} {
		got, err := f.r.Resolve(ctx(t), ref)
		if err != nil || got.Alias != "contoso/contoso-dev" {
			t.Errorf("Resolve(%q) = %v, %v", ref, got, err)
		}
	}
	_, err := f.r.Resolve(ctx(t), "contso-prod")
	if !isResolveError(err, tenancy.Unknown) || !contains(err.Error(), "did you mean contoso/contoso-prod", "list_workspaces") {
		t.Errorf("typo: %v", err)
	}
	_, err = f.r.Resolve(ctx(t), "zzzzzzzz")
	if !isResolveError(err, tenancy.Unknown) || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("nothing close: %v", err)
	}
	_, err = f.r.Resolve(ctx(t), world.MustWorkspace(world.WSAdatumSentinel).ResourceID)
	if !isResolveError(err, tenancy.Unknown) {
		t.Errorf("adatum's workspace: %v", err)
	}

	tn, err := f.r.ResolveTenant(ctx(t), "Northwind Traders")
	if err != nil || tn.Alias != world.Northwind {
		t.Errorf("tenant by name: %v %v", tn, err)
	}
	for _, ref := range []string{"fabrikam", world.MustTenant(world.Fabrikam).ID, "fabrikam.onmicrosoft.com", "FABRIKAM"} {
		if tn, err := f.r.ResolveTenant(ctx(t), ref); err != nil || tn.Alias != world.Fabrikam {
			t.Errorf("ResolveTenant(%q) = %v, %v", ref, tn, err)
		}
	}
	if _, err := f.r.ResolveTenant(ctx(t), "fabrikan"); !isResolveError(err, tenancy.Unknown) || !strings.Contains(err.Error(), "did you mean fabrikam") {
		t.Errorf("tenant typo: %v", err)
	}
}

func TestAmbiguousName(t *testing.T) {
	e := startEmulator(t, emulator.Options{})
	fab := world.MustWorkspace(world.WSFabrikamSentinel)
	seedWorkspace(t, e, fab.SubscriptionID, fab.ResourceGroup, world.WSContosoProd)
	f := newFixtureOn(t, e, mssp())
	_, err := f.r.Resolve(ctx(t), world.WSContosoProd)
	if !isResolveError(err, tenancy.Ambiguous) || !contains(err.Error(), "contoso/contoso-prod", "fabrikam/contoso-prod") {
		t.Fatalf("ambiguous: %v", err)
	}
	if w, err := f.r.Resolve(ctx(t), "fabrikam/contoso-prod"); err != nil || w.TenantAlias != world.Fabrikam {
		t.Errorf("by alias: %v %v", w, err)
	}
}

func TestAliasesFromConfig(t *testing.T) {
	cfg := mssp()
	prod := world.MustWorkspace(world.WSContosoProd)
	cfg.Tenants = append(cfg.Tenants, config.AzureTenant{ID: prod.TenantID, Alias: "cts", Name: "Contoso Ltd",
		Workspaces: []config.AzureWorkspace{{ResourceID: prod.ResourceID, Alias: "prod"}}})
	f := newFixture(t, emulator.Options{}, cfg)
	w, err := f.r.Resolve(ctx(t), "cts/prod")
	if err != nil || w.ResourceID != prod.ResourceID || w.TenantName != "Contoso Ltd" || !w.Pinned {
		t.Fatalf("configured alias: %+v %v", w, err)
	}
	if w, err := f.r.Resolve(ctx(t), "cts/contoso-dev"); err != nil || w.Name != world.WSContosoDev {
		t.Errorf("derived alias under the configured tenant alias: %v %v", w, err)
	}
	// The workspace's own name still works under the tenant's alias and name.
	for _, ref := range []string{"cts/contoso-prod", "Contoso Ltd/contoso-prod", prod.TenantID + "/contoso-prod", prod.ResourceID, prod.CustomerID} {
		if w, err := f.r.Resolve(ctx(t), ref); err != nil || w.Alias != "cts/prod" {
			t.Errorf("Resolve(%q) = %v, %v", ref, w, err)
		}
	}
}

func TestAllowListRefusesBeforeAnyAzureCall(t *testing.T) {
	litware := world.MustTenant(world.Litware).ID
	cfg := mssp()
	cfg.AllowedTenants = []string{"contoso", litware}
	f := newFixture(t, emulator.Options{}, cfg)
	counters := map[string]string{}
	for _, a := range []string{world.Fabrikam, world.Northwind, world.Adatum} {
		counters[a] = tenantFault(t, f.e, a, "")
	}
	// Woodgrove's app signs in to Woodgrove, but nothing may be asked about Woodgrove's resources.
	counters["woodgrove arm"] = tenantFault(t, f.e, world.Woodgrove, "arm")
	counters["woodgrove query"] = tenantFault(t, f.e, world.Woodgrove, "query")
	wss, err := f.r.Workspaces(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aliases(wss), visibleTo(world.Contoso, world.Litware); !slices.Equal(got, want) {
		t.Errorf("allowed workspaces %v, want %v", got, want)
	}
	ts, _ := f.r.Tenants(ctx(t))
	for _, tn := range ts {
		if tn.Allowed != (tn.Alias == world.Contoso || tn.Alias == world.Litware) {
			t.Errorf("tenant %s allowed = %v", tn.Alias, tn.Allowed)
		}
	}
	before := f.wire.count()
	for _, ref := range []string{"fabrikam/fabrikam-sentinel", world.MustWorkspace(world.WSFabrikamSentinel).ResourceID, "northwind/anything"} {
		_, err := f.r.Resolve(ctx(t), ref)
		if !isResolveError(err, tenancy.NotAllowed) || !contains(err.Error(), "not in the allow-list", "nothing was called") {
			t.Errorf("Resolve(%q): %v", ref, err)
		}
	}
	if _, err := f.r.ResolveTenant(ctx(t), "fabrikam"); !isResolveError(err, tenancy.NotAllowed) {
		t.Errorf("ResolveTenant(fabrikam): %v", err)
	}
	if _, err := f.r.Select(ctx(t), tenancy.Selector{Tenant: "northwind"}); !isResolveError(err, tenancy.NotAllowed) {
		t.Errorf("Select(tenant northwind): %v", err)
	}
	if n := f.wire.count() - before; n != 0 {
		t.Errorf("refusals made %d requests: %v", n, f.wire.requests()[before:])
	}
	for a, id := range counters {
		if h := f.e.Faults().Hits(id); h != 0 {
			t.Errorf("%d requests addressed %s's resources", h, a)
		}
	}
	if f.r.TenantAllowed(world.MustTenant(world.Fabrikam).ID) || !f.r.TenantAllowed(world.MustTenant(world.Contoso).ID) {
		t.Error("TenantAllowed disagrees with the allow-list")
	}
}

func TestAllowListOfIDsRefusesWithoutDiscovery(t *testing.T) {
	cfg := mssp()
	cfg.AllowedTenants = []string{world.MustTenant(world.Contoso).ID}
	f := newFixture(t, emulator.Options{}, cfg)
	adatum := world.MustTenant(world.Adatum).ID
	if _, err := f.r.ResolveTenant(ctx(t), adatum); !isResolveError(err, tenancy.NotAllowed) {
		t.Errorf("tenant id outside the allow-list: %v", err)
	}
	if _, err := f.r.Resolve(ctx(t), adatum+"/adatum-sentinel"); !isResolveError(err, tenancy.NotAllowed) {
		t.Errorf("workspace under a tenant id outside the allow-list: %v", err)
	}
	// Litware is pinned: its alias and id are known without discovery.
	if _, err := f.r.Resolve(ctx(t), world.MustTenant(world.Litware).ID+"/litware-sentinel"); !isResolveError(err, tenancy.NotAllowed) {
		t.Errorf("pinned tenant outside the allow-list: %v", err)
	}
	if n := f.wire.count(); n != 0 {
		t.Errorf("%d requests: %v", n, f.wire.requests())
	}
}

func TestDiscoveryIsCachedAndSingleFlight(t *testing.T) {
	f := newFixture(t, emulator.Options{}, mssp())
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.r.Resolve(ctx(t), "contoso/contoso-prod"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	subsLists := func() int {
		n := 0
		for _, r := range f.wire.requests() {
			if r == "GET /subscriptions" {
				n++
			}
		}
		return n
	}
	if n := subsLists(); n != 2 {
		t.Errorf("subscriptions listed %d times; want once per identity (default, Litware)", n)
	}
	// Within the TTL nothing is asked again; after it, the stale view answers at once and a
	// refresh runs in the background.
	f.now.Advance(10 * time.Minute)
	if _, err := f.r.Resolve(ctx(t), "fabrikam-sentinel"); err != nil || subsLists() != 2 {
		t.Fatalf("within the TTL: %v, %d listings", err, subsLists())
	}
	f.now.Advance(10 * time.Minute)
	if _, err := f.r.Resolve(ctx(t), "fabrikam-sentinel"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for (subsLists() < 4 || f.r.Status().Refreshing) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := f.r.Status(); subsLists() != 4 || !st.Discovered || !st.DiscoveredAt.Equal(f.now.Now()) {
		t.Errorf("after the TTL: %d listings, status %+v", subsLists(), st)
	}
}

func TestRefreshReportsChanges(t *testing.T) {
	f := newFixture(t, emulator.Options{}, mssp())
	first, err := f.r.Refresh(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(first.WorkspacesAdded) != 6 || first.Tenants != 5 || len(first.WorkspacesRemoved) != 0 {
		t.Errorf("first refresh: %+v", first)
	}
	prod := world.MustWorkspace(world.WSContosoProd)
	seedWorkspace(t, f.e, prod.SubscriptionID, prod.ResourceGroup, "contoso-new")
	ch, err := f.r.Refresh(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.WorkspacesAdded, []string{"contoso/contoso-new"}) || len(ch.WorkspacesRemoved)+len(ch.TenantsAdded) != 0 || ch.Workspaces != 7 {
		t.Errorf("second refresh: %+v", ch)
	}
	if w, err := f.r.Resolve(ctx(t), "contoso-new"); err != nil || w.RetentionDays != 60 {
		t.Errorf("new workspace: %v %v", w, err)
	}
}

func TestDiscoveryFallsBackWithoutResourceGraph(t *testing.T) {
	f := newFixture(t, emulator.Options{}, mssp())
	if _, err := f.e.Faults().Add(emulator.Fault{Route: "graph", Status: 500}); err != nil {
		t.Fatal(err)
	}
	ch, err := f.r.Refresh(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	wss, _ := f.r.Workspaces(ctx(t))
	if got, want := aliases(wss), visibleTo(world.Woodgrove, world.Contoso, world.Fabrikam, world.Northwind, world.Litware); !slices.Equal(got, want) {
		t.Errorf("workspaces without Resource Graph: %v, want %v", got, want)
	}
	if !slices.ContainsFunc(ch.Warnings, func(s string) bool { return strings.Contains(s, "Resource Graph failed") }) {
		t.Errorf("warnings: %v", ch.Warnings)
	}
}

func TestFailedIdentityKeepsWhatWasKnown(t *testing.T) {
	f := newFixture(t, emulator.Options{}, mssp())
	if _, err := f.r.Refresh(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Faults().Add(emulator.Fault{Route: "/subscriptions", Method: "GET", Status: 403}); err != nil {
		t.Fatal(err)
	}
	ch, err := f.r.Refresh(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.WorkspacesRemoved) != 0 || ch.Workspaces != 6 || len(ch.Warnings) < 2 {
		t.Errorf("refresh with failing identities: %+v", ch)
	}
}

func TestPinnedWorkspacesWithoutDiscovery(t *testing.T) {
	cfg := mssp()
	cfg.Discovery.Enabled = false
	prod := world.MustWorkspace(world.WSContosoProd)
	lit := world.MustWorkspace(world.WSLitwareSentinel)
	cfg.Tenants = []config.AzureTenant{
		{ID: prod.TenantID, Alias: "contoso", Workspaces: []config.AzureWorkspace{{ResourceID: prod.ResourceID, Alias: "prod"}}},
		{ID: lit.TenantID, Alias: "litware", Credential: "litware", Workspaces: []config.AzureWorkspace{{ResourceID: lit.ResourceID, CustomerID: lit.CustomerID}}},
	}
	f := newFixture(t, emulator.Options{}, cfg)
	wss, err := f.r.Workspaces(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := aliases(wss); !slices.Equal(got, []string{"contoso/prod", "litware/litware-sentinel"}) {
		t.Fatalf("pinned: %v", got)
	}
	for _, w := range wss {
		ww := world.MustWorkspace(w.Name)
		if w.CustomerID != ww.CustomerID || w.Location != ww.Location || !w.Sentinel {
			t.Errorf("%s read from ARM: %+v", w.Alias, *w)
		}
	}
	if wss[1].CredTenantID != lit.TenantID || wss[1].AccessVia != tenancy.AccessDirect {
		t.Errorf("litware access: %+v", *wss[1])
	}
	for _, r := range f.wire.requests() {
		if strings.Contains(r, "ResourceGraph") || r == "GET /subscriptions" {
			t.Errorf("discovery off, yet %s", r)
		}
	}
}

func TestSelect(t *testing.T) {
	f := newFixture(t, emulator.Options{}, mssp())
	all, err := f.r.Select(ctx(t), tenancy.Selector{Workspaces: []string{"all"}})
	if err != nil || len(all) != 6 {
		t.Fatalf("all: %v %v", aliases(all), err)
	}
	byTenant, err := f.r.Select(ctx(t), tenancy.Selector{Tenant: "contoso"})
	if err != nil || !slices.Equal(aliases(byTenant), []string{"contoso/contoso-dev", "contoso/contoso-prod"}) {
		t.Errorf("tenant: %v %v", aliases(byTenant), err)
	}
	named, err := f.r.Select(ctx(t), tenancy.Selector{Workspaces: []string{"fabrikam-sentinel", "contoso/contoso-dev", "Fabrikam/fabrikam-sentinel"}})
	if err != nil || !slices.Equal(aliases(named), []string{"contoso/contoso-dev", "fabrikam/fabrikam-sentinel"}) {
		t.Errorf("named: %v %v", aliases(named), err)
	}
	if _, err := f.r.Select(ctx(t), tenancy.Selector{Workspaces: []string{"fabrikam-sentinel"}, Tenant: "contoso"}); err == nil || !strings.Contains(err.Error(), "belongs to tenant fabrikam") {
		t.Errorf("named outside the tenant: %v", err)
	}
	if _, err := f.r.Select(ctx(t), tenancy.Selector{}); err == nil || !strings.Contains(err.Error(), "no workspaces selected") {
		t.Errorf("empty selector: %v", err)
	}
	if _, err := f.r.Select(ctx(t), tenancy.Selector{Workspaces: []string{"nope"}}); !isResolveError(err, tenancy.Unknown) {
		t.Errorf("unknown: %v", err)
	}
}
