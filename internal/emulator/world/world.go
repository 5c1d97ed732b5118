// Package world holds the fixed identifiers of the emulator's seeded world: tenants, their apps, subscriptions,
// resource groups, Log Analytics workspaces and Lighthouse delegations, plus Facts, which records as data which
// workspace holds which planted attack story and which configuration differences were seeded.
//
// Every identifier is a constant or derived deterministically (UUIDv5 of a fixed namespace and a readable name),
// so tests, docs and the emulator agree on them without sharing state. Tests assert against these values and
// against Facts rather than repeating literals.
package world

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
)

// namespace is the UUIDv5 namespace of every derived identifier ("sentinel-mcp emulator world").
var namespace = [16]byte{0x5e, 0x47, 0x1b, 0x3c, 0x9a, 0x02, 0x4d, 0x61, 0x8f, 0x3e, 0x27, 0xc4, 0x70, 0xb1, 0x0d, 0x5a}

// GUID derives a stable UUIDv5 (lower-case 8-4-4-4-12) from name. The same name always gives the same GUID,
// which is how every identifier of the world, and the seeded resources' names, are made.
func GUID(name string) string {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50 // version 5
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 4122 variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// Tenant roles.
const (
	RoleManaging  = "managing"  // the MSSP tenant whose app is the default identity
	RoleDelegated = "delegated" // a customer delegated to the managing tenant through Lighthouse
	RoleDirect    = "direct"    // a customer reached with its own app and secret
	RoleOutsider  = "outsider"  // neither delegated nor configured: access from the managing app is 403
)

// Tenant is an Entra tenant of the world.
type Tenant struct {
	ID     string // tenant GUID
	Alias  string // short alias used in workspace aliases ("contoso")
	Name   string // display name ("Contoso")
	Domain string // initial domain ("contoso.onmicrosoft.com")
	Mail   string // e-mail domain of its users ("contoso.com")
	Role   string // RoleManaging, RoleDelegated, RoleDirect or RoleOutsider
}

// Identity is an app registration (service principal) the emulator's token endpoint accepts.
type Identity struct {
	TenantID    string
	ClientID    string
	Secret      string
	ObjectID    string // service principal object id: the "oid" claim and the Lighthouse principal
	DisplayName string
	Role        string // "managing", "readonly", "direct", "outsider"
}

// Subscription is an Azure subscription of the world.
type Subscription struct {
	ID               string // GUID
	Name             string // display name ("contoso-prod")
	TenantID         string // home tenant
	ManagedByTenants []string
}

// Workspace is a Log Analytics workspace of the world.
type Workspace struct {
	TenantAlias    string
	TenantID       string
	SubscriptionID string
	ResourceGroup  string
	Name           string
	Location       string
	CustomerID     string // workspace GUID used by the query API
	ResourceID     string // full ARM id
	Sentinel       bool   // onboarded to Microsoft Sentinel
	RetentionDays  int
	SKU            string
	Synthetic      bool // one of Options.ExtraTenants' customers
}

// Alias is "tenant/workspace", the product's default workspace alias.
func (w Workspace) Alias() string { return w.TenantAlias + "/" + w.Name }

// Lighthouse is one delegation: a registration definition and its assignment on a customer subscription.
type Lighthouse struct {
	CustomerTenantID string
	ManagingTenantID string
	SubscriptionID   string
	DefinitionID     string // registrationDefinitions/{DefinitionID}
	AssignmentID     string // registrationAssignments/{AssignmentID}
	OfferName        string
	Authorizations   []Authorization
}

// Authorization grants a principal of the managing tenant a role on the delegated scope.
type Authorization struct {
	PrincipalID            string
	PrincipalIDDisplayName string
	RoleDefinitionID       string
}

// Built-in role definition ids used in Lighthouse authorizations.
const (
	RoleSentinelContributor = "ab8e14d6-4a74-4a29-9ba8-549422addade"
	RoleSentinelResponder   = "3e150937-b8fe-4cfb-8069-0eaf05ecd056"
	RoleSentinelReader      = "8d289c81-5878-46d4-8554-54e1e3d8b5cb"
	RoleLogAnalyticsReader  = "73c42c96-874c-492b-b04d-ab87d138a893"
	RoleReader              = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
)

// Tenant aliases.
const (
	Woodgrove = "woodgrove"
	Contoso   = "contoso"
	Fabrikam  = "fabrikam"
	Northwind = "northwind"
	Litware   = "litware"
	Adatum    = "adatum"
)

// Workspace names.
const (
	WSSocCentral        = "soc-central"
	WSContosoProd       = "contoso-prod"
	WSContosoDev        = "contoso-dev"
	WSFabrikamSentinel  = "fabrikam-sentinel"
	WSNorthwindSentinel = "northwind-sentinel"
	WSNorthwindOps      = "northwind-ops"
	WSLitwareSentinel   = "litware-sentinel"
	WSAdatumSentinel    = "adatum-sentinel"
)

// DefaultRetentionDays is the retention of every workspace that is not seeded otherwise.
const DefaultRetentionDays = 90

func tenant(alias, name, role string) Tenant {
	return Tenant{ID: GUID("tenant:" + alias), Alias: alias, Name: name, Domain: alias + ".onmicrosoft.com",
		Mail: alias + ".com", Role: role}
}

var tenants = []Tenant{
	tenant(Woodgrove, "Woodgrove SOC", RoleManaging),
	tenant(Contoso, "Contoso", RoleDelegated),
	tenant(Fabrikam, "Fabrikam", RoleDelegated),
	tenant(Northwind, "Northwind Traders", RoleDelegated),
	tenant(Litware, "Litware", RoleDirect),
	tenant(Adatum, "Adatum", RoleOutsider),
}

// Tenants returns the six named tenants, the managing tenant first.
func Tenants() []Tenant { return append([]Tenant(nil), tenants...) }

// TenantByAlias returns a named tenant or a synthetic one ("customer-07").
func TenantByAlias(alias string) (Tenant, bool) {
	for _, t := range tenants {
		if t.Alias == alias {
			return t, true
		}
	}
	var n int
	if _, err := fmt.Sscanf(alias, "customer-%02d", &n); err == nil && n > 0 && alias == ExtraTenantAlias(n) {
		return ExtraTenant(n), true
	}
	return Tenant{}, false
}

// MustTenant returns the named tenant; it panics on an unknown alias (a programming error).
func MustTenant(alias string) Tenant {
	t, ok := TenantByAlias(alias)
	if !ok {
		panic("world: unknown tenant " + alias)
	}
	return t
}

func identity(alias, name, role, secret string) Identity {
	return Identity{TenantID: GUID("tenant:" + alias), ClientID: GUID("app:" + alias + ":" + name),
		ObjectID: GUID("sp:" + alias + ":" + name), DisplayName: name, Role: role, Secret: secret}
}

// The apps of the world. Secrets are fixed, emulator-only values (the emulator is the only thing that accepts
// them), so docs and tests can print them.
var (
	// ManagingApp is Woodgrove's app, the product's default identity; Lighthouse grants it Sentinel Contributor.
	ManagingApp = identity(Woodgrove, "sentinel-mcp", "managing", "emulator-woodgrove-sentinel-mcp-secret")
	// ReadOnlyApp is a second Woodgrove app that Lighthouse grants only reader roles.
	ReadOnlyApp = identity(Woodgrove, "sentinel-mcp-readonly", "readonly", "emulator-woodgrove-readonly-secret")
	// LitwareApp is Litware's own app (direct access, no Lighthouse).
	LitwareApp = identity(Litware, "sentinel-mcp-litware", "direct", "emulator-litware-sentinel-mcp-secret")
	// AdatumApp is Adatum's own app; the product is not configured with it.
	AdatumApp = identity(Adatum, "adatum-automation", "outsider", "emulator-adatum-automation-secret")
)

// Identities returns the apps the emulator accepts (synthetic customers have none: they are delegated).
func Identities() []Identity { return []Identity{ManagingApp, ReadOnlyApp, LitwareApp, AdatumApp} }

type wsSpec struct {
	tenant, sub, rg, name, location string
	sentinel                        bool
	retention                       int
}

// subscriptions and workspaces, in a stable order; the differences of Facts (retention, onboarding) are
// applied here because they are identity-level properties of the workspace.
var wsSpecs = []wsSpec{
	{Woodgrove, "woodgrove-soc", "rg-soc", WSSocCentral, "westeurope", true, DefaultRetentionDays},
	{Contoso, "contoso-prod", "rg-sentinel", WSContosoProd, "westeurope", true, DefaultRetentionDays},
	{Contoso, "contoso-prod", "rg-sentinel", WSContosoDev, "westeurope", true, 30},
	{Fabrikam, "fabrikam-main", "rg-security", WSFabrikamSentinel, "northeurope", true, DefaultRetentionDays},
	{Northwind, "northwind-it", "rg-sentinel", WSNorthwindSentinel, "eastus", true, DefaultRetentionDays},
	{Northwind, "northwind-it", "rg-ops", WSNorthwindOps, "eastus", false, 30},
	{Litware, "litware-sec", "rg-litware-sec", WSLitwareSentinel, "eastus2", true, DefaultRetentionDays},
	{Adatum, "adatum-corp", "rg-adatum", WSAdatumSentinel, "uksouth", true, DefaultRetentionDays},
}

var subSpecs = []struct{ tenant, name string }{
	{Woodgrove, "woodgrove-soc"}, {Contoso, "contoso-prod"}, {Fabrikam, "fabrikam-main"},
	{Northwind, "northwind-it"}, {Litware, "litware-sec"}, {Adatum, "adatum-corp"},
}

// SubscriptionID returns the GUID of a subscription by display name.
func SubscriptionID(name string) string { return GUID("subscription:" + name) }

func subscription(tenantAlias, name string) Subscription {
	t := MustTenant(tenantAlias)
	s := Subscription{ID: SubscriptionID(name), Name: name, TenantID: t.ID}
	if t.Role == RoleDelegated {
		s.ManagedByTenants = []string{MustTenant(Woodgrove).ID}
	}
	return s
}

// Subscriptions returns the named tenants' subscriptions.
func Subscriptions() []Subscription {
	out := make([]Subscription, 0, len(subSpecs))
	for _, s := range subSpecs {
		out = append(out, subscription(s.tenant, s.name))
	}
	return out
}

// WorkspaceResourceID builds the ARM id of a workspace.
func WorkspaceResourceID(subscriptionID, resourceGroup, name string) string {
	return "/subscriptions/" + subscriptionID + "/resourceGroups/" + resourceGroup +
		"/providers/Microsoft.OperationalInsights/workspaces/" + name
}

func workspace(s wsSpec, synthetic bool) Workspace {
	t := MustTenant(s.tenant)
	sub := SubscriptionID(s.sub)
	return Workspace{TenantAlias: t.Alias, TenantID: t.ID, SubscriptionID: sub, ResourceGroup: s.rg, Name: s.name,
		Location: s.location, CustomerID: GUID("workspace:" + s.tenant + "/" + s.name),
		ResourceID: WorkspaceResourceID(sub, s.rg, s.name), Sentinel: s.sentinel, RetentionDays: s.retention,
		SKU: "PerGB2018", Synthetic: synthetic}
}

// Workspaces returns the named tenants' eight workspaces in a stable order.
func Workspaces() []Workspace {
	out := make([]Workspace, 0, len(wsSpecs))
	for _, s := range wsSpecs {
		out = append(out, workspace(s, false))
	}
	return out
}

// WorkspaceByName finds a workspace by name, alias ("contoso/contoso-dev"), customer id or resource id
// (case-insensitive). Synthetic workspaces are found by name, alias or resource id only (their number is in
// the name); seed.World.Workspace resolves every reference for the workspaces of a built world.
func WorkspaceByName(ref string) (Workspace, bool) {
	match := func(w Workspace) bool {
		return strings.EqualFold(w.Name, ref) || strings.EqualFold(w.Alias(), ref) ||
			strings.EqualFold(w.CustomerID, ref) || strings.EqualFold(w.ResourceID, ref)
	}
	for _, w := range Workspaces() {
		if match(w) {
			return w, true
		}
	}
	// synthetic workspaces are named customer-NN-sentinel
	name := ref
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		name = ref[i+1:]
	}
	var n int
	if _, err := fmt.Sscanf(name, "customer-%02d-sentinel", &n); err == nil && n > 0 {
		if w := ExtraWorkspace(n); match(w) {
			return w, true
		}
	}
	return Workspace{}, false
}

// MustWorkspace returns a workspace by name; it panics when unknown (a programming error in a test).
func MustWorkspace(name string) Workspace {
	w, ok := WorkspaceByName(name)
	if !ok {
		panic("world: unknown workspace " + name)
	}
	return w
}

// Lighthouse offer and authorizations granted to the managing tenant by each delegated customer.
const OfferName = "Woodgrove SOC managed Sentinel"

func lighthouse(customer Tenant, subID string) Lighthouse {
	mt := MustTenant(Woodgrove)
	return Lighthouse{
		CustomerTenantID: customer.ID, ManagingTenantID: mt.ID, SubscriptionID: subID,
		DefinitionID: GUID("lighthouse-definition:" + customer.Alias),
		AssignmentID: GUID("lighthouse-assignment:" + customer.Alias),
		OfferName:    OfferName,
		Authorizations: []Authorization{
			{PrincipalID: ManagingApp.ObjectID, PrincipalIDDisplayName: ManagingApp.DisplayName, RoleDefinitionID: RoleSentinelContributor},
			{PrincipalID: ManagingApp.ObjectID, PrincipalIDDisplayName: ManagingApp.DisplayName, RoleDefinitionID: RoleLogAnalyticsReader},
			{PrincipalID: ManagingApp.ObjectID, PrincipalIDDisplayName: ManagingApp.DisplayName, RoleDefinitionID: RoleReader},
			{PrincipalID: ReadOnlyApp.ObjectID, PrincipalIDDisplayName: ReadOnlyApp.DisplayName, RoleDefinitionID: RoleSentinelReader},
			{PrincipalID: ReadOnlyApp.ObjectID, PrincipalIDDisplayName: ReadOnlyApp.DisplayName, RoleDefinitionID: RoleReader},
		},
	}
}

// Delegations returns the Lighthouse delegations of the named delegated customers (Contoso, Fabrikam, Northwind).
func Delegations() []Lighthouse {
	var out []Lighthouse
	for _, s := range Subscriptions() {
		t := mustTenantByID(s.TenantID)
		if t.Role == RoleDelegated {
			out = append(out, lighthouse(t, s.ID))
		}
	}
	return out
}

func mustTenantByID(id string) Tenant {
	for _, t := range tenants {
		if t.ID == id {
			return t
		}
	}
	panic("world: unknown tenant id " + id)
}

// ExtraTenantAlias is the alias of synthetic customer n (1-based): "customer-01".
func ExtraTenantAlias(n int) string { return fmt.Sprintf("customer-%02d", n) }

// ExtraTenant is synthetic customer n (1-based), delegated to Woodgrove through Lighthouse.
func ExtraTenant(n int) Tenant {
	a := ExtraTenantAlias(n)
	return tenant(a, fmt.Sprintf("Customer %02d", n), RoleDelegated)
}

// ExtraSubscription is synthetic customer n's subscription.
func ExtraSubscription(n int) Subscription {
	t := ExtraTenant(n)
	name := t.Alias + "-sub"
	return Subscription{ID: SubscriptionID(name), Name: name, TenantID: t.ID, ManagedByTenants: []string{MustTenant(Woodgrove).ID}}
}

var extraLocations = []string{"westeurope", "northeurope", "eastus", "eastus2", "uksouth", "francecentral", "westus2"}

// ExtraWorkspace is synthetic customer n's one small Sentinel workspace ("customer-01-sentinel").
func ExtraWorkspace(n int) Workspace {
	t := ExtraTenant(n)
	s := ExtraSubscription(n)
	name := t.Alias + "-sentinel"
	return Workspace{TenantAlias: t.Alias, TenantID: t.ID, SubscriptionID: s.ID, ResourceGroup: "rg-sentinel",
		Name: name, Location: extraLocations[(n-1)%len(extraLocations)], CustomerID: GUID("workspace:" + t.Alias + "/" + name),
		ResourceID: WorkspaceResourceID(s.ID, "rg-sentinel", name), Sentinel: true, RetentionDays: DefaultRetentionDays,
		SKU: "PerGB2018", Synthetic: true}
}

// ExtraDelegation is synthetic customer n's Lighthouse delegation.
func ExtraDelegation(n int) Lighthouse { return lighthouse(ExtraTenant(n), ExtraSubscription(n).ID) }
