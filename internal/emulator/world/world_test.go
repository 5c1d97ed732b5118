package world

import (
	"regexp"
	"testing"
	"time"
)

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestGUIDIsStableUUIDv5(t *testing.T) {
	a, b := GUID("tenant:contoso"), GUID("tenant:contoso")
	if a != b {
		t.Fatalf("GUID not stable: %s vs %s", a, b)
	}
	if !guidRE.MatchString(a) {
		t.Fatalf("GUID %q is not a lower-case UUIDv5", a)
	}
	if GUID("tenant:fabrikam") == a {
		t.Fatal("different names gave the same GUID")
	}
}

func TestIdentifiersAreUnique(t *testing.T) {
	seen := map[string]string{}
	check := func(kind, v string) {
		t.Helper()
		if v == "" {
			t.Fatalf("%s is empty", kind)
		}
		if prev, ok := seen[v]; ok {
			t.Fatalf("%s %s collides with %s", kind, v, prev)
		}
		seen[v] = kind
	}
	for _, tn := range Tenants() {
		check("tenant "+tn.Alias, tn.ID)
	}
	for _, s := range Subscriptions() {
		check("subscription "+s.Name, s.ID)
	}
	for _, w := range Workspaces() {
		check("workspace "+w.Name, w.CustomerID)
		check("workspace id "+w.Name, w.ResourceID)
	}
	for _, a := range Identities() {
		check("app "+a.DisplayName, a.ClientID)
		check("sp "+a.DisplayName, a.ObjectID)
	}
	for n := 1; n <= 50; n++ {
		check("extra tenant", ExtraTenant(n).ID)
		check("extra workspace", ExtraWorkspace(n).CustomerID)
		check("extra sub", ExtraSubscription(n).ID)
	}
}

func TestWorldMatchesArchitectureTable(t *testing.T) {
	want := map[string][]string{
		Woodgrove: {WSSocCentral}, Contoso: {WSContosoProd, WSContosoDev}, Fabrikam: {WSFabrikamSentinel},
		Northwind: {WSNorthwindSentinel, WSNorthwindOps}, Litware: {WSLitwareSentinel}, Adatum: {WSAdatumSentinel},
	}
	got := map[string][]string{}
	for _, w := range Workspaces() {
		got[w.TenantAlias] = append(got[w.TenantAlias], w.Name)
		if w.TenantID != MustTenant(w.TenantAlias).ID {
			t.Errorf("%s: tenant id mismatch", w.Name)
		}
	}
	for k, v := range want {
		if len(got[k]) != len(v) {
			t.Fatalf("tenant %s workspaces = %v, want %v", k, got[k], v)
		}
		for i := range v {
			if got[k][i] != v[i] {
				t.Fatalf("tenant %s workspaces = %v, want %v", k, got[k], v)
			}
		}
	}
	if MustWorkspace(WSNorthwindOps).Sentinel {
		t.Error("northwind-ops must not be onboarded to Sentinel")
	}
	delegated := map[string]bool{}
	for _, d := range Delegations() {
		delegated[d.CustomerTenantID] = true
		if d.ManagingTenantID != MustTenant(Woodgrove).ID {
			t.Errorf("delegation of %s is not to Woodgrove", d.CustomerTenantID)
		}
	}
	for _, tn := range Tenants() {
		if delegated[tn.ID] != (tn.Role == RoleDelegated) {
			t.Errorf("tenant %s role %s, delegated=%v", tn.Alias, tn.Role, delegated[tn.ID])
		}
	}
	if ManagingApp.TenantID != MustTenant(Woodgrove).ID || LitwareApp.TenantID != MustTenant(Litware).ID {
		t.Error("apps are not in their tenants")
	}
}

func TestLookups(t *testing.T) {
	w := MustWorkspace(WSContosoDev)
	for _, ref := range []string{"contoso-dev", "CONTOSO/contoso-dev", w.CustomerID, w.ResourceID} {
		if got, ok := WorkspaceByName(ref); !ok || got.Name != WSContosoDev {
			t.Errorf("WorkspaceByName(%q) = %v, %v", ref, got.Name, ok)
		}
	}
	x := ExtraWorkspace(7)
	for _, ref := range []string{"customer-07-sentinel", "customer-07/customer-07-sentinel", x.ResourceID} {
		if got, ok := WorkspaceByName(ref); !ok || got.CustomerID != x.CustomerID {
			t.Errorf("synthetic WorkspaceByName(%q) = %v, %v", ref, got.Name, ok)
		}
	}
	if tn, ok := TenantByAlias("customer-12"); !ok || tn.Name != "Customer 12" {
		t.Errorf("TenantByAlias(customer-12) = %v %v", tn, ok)
	}
	if _, ok := TenantByAlias("customer-1"); ok {
		t.Error("customer-1 is not a valid alias")
	}
}

func TestFactsReferToWorld(t *testing.T) {
	f := SeededFacts()
	if _, ok := WorkspaceByName(f.Baseline); !ok {
		t.Fatalf("baseline %s unknown", f.Baseline)
	}
	for _, s := range f.Stories {
		w, ok := WorkspaceByName(s.Workspace)
		if !ok || !w.Sentinel {
			t.Errorf("story %s in %s: not a Sentinel workspace", s.Kind, s.Workspace)
		}
		// Rules look back a day; the hunts' tests run on two days of logs.
		if s.Ago <= 0 || s.Detected() && s.Ago > 23*time.Hour || s.Ago > 47*time.Hour {
			t.Errorf("story %s in %s starts %v ago", s.Kind, s.Workspace, s.Ago)
		}
		if s.Ago < s.Duration {
			t.Errorf("story %s in %s ends after Now", s.Kind, s.Workspace)
		}
		if len(s.Tables) == 0 || s.Detected() && s.Account == "" || s.Account == "" && s.IP == "" {
			t.Errorf("story %s in %s is incomplete", s.Kind, s.Workspace)
		}
	}
	for _, d := range f.Differences {
		if _, ok := WorkspaceByName(d.Workspace); !ok {
			t.Errorf("difference %s in unknown workspace %s", d.Kind, d.Workspace)
		}
	}
	if got := f.Diff(DiffShortRetention); len(got) != 1 || MustWorkspace(got[0].Workspace).RetentionDays != got[0].RetentionDays {
		t.Errorf("short retention fact does not match the workspace: %+v", got)
	}
	if got := f.Diff(DiffNotOnboarded); len(got) != 1 || MustWorkspace(got[0].Workspace).Sentinel {
		t.Errorf("not-onboarded fact does not match the workspace: %+v", got)
	}
}

func TestIncidentsFollowStories(t *testing.T) {
	f := SeededFacts()
	detected := 0
	for _, s := range f.Stories {
		if _, ok := f.IncidentOf(s); ok != s.Detected() {
			t.Errorf("story %s in %s (detected %v) has an incident: %v", s.Kind, s.Workspace, s.Detected(), ok)
		}
		if s.Detected() {
			detected++
		}
	}
	if len(f.Incidents) != detected {
		t.Fatalf("%d incidents for %d detected stories", len(f.Incidents), detected)
	}
	names := map[string]bool{}
	last := map[string]int{}
	for _, s := range f.Stories {
		if !s.Detected() {
			continue
		}
		inc, ok := f.IncidentOf(s)
		if !ok {
			t.Fatalf("story %s in %s has no incident", s.Kind, s.Workspace)
		}
		if len(inc.Alerts) != len(s.Rules) {
			t.Errorf("incident of %s/%s has %d alerts for %d rules", s.Workspace, s.Kind, len(inc.Alerts), len(s.Rules))
		}
		for _, a := range inc.Alerts {
			// an alert comes after the story started and before Now
			if a.Ago <= 0 || a.Ago >= s.Ago || !guidRE.MatchString(a.ID) {
				t.Errorf("%s/%s: alert %+v outside (Now-%v, Now)", s.Workspace, s.Kind, a, s.Ago)
			}
		}
		if inc.CreatedAgo != inc.Alerts[0].Ago || inc.ModifiedAgo > inc.CreatedAgo || inc.ModifiedAgo <= 0 {
			t.Errorf("%s/%s: created %v modified %v", s.Workspace, s.Kind, inc.CreatedAgo, inc.ModifiedAgo)
		}
		if (inc.Status == "Closed") != (inc.Classification != "") || (inc.Status != "New") != (inc.Owner != nil) {
			t.Errorf("%s/%s: status %s classification %q owner %v", s.Workspace, s.Kind, inc.Status, inc.Classification, inc.Owner)
		}
		if names[inc.Name] {
			t.Errorf("duplicate incident name %s", inc.Name)
		}
		names[inc.Name] = true
	}
	for _, ws := range Workspaces() {
		prevAgo := time.Duration(1 << 62)
		for _, inc := range f.AllIncidentsIn(ws.Name) {
			if inc.Number != last[inc.Workspace]+1 || inc.CreatedAgo > prevAgo {
				t.Errorf("%s: incident number %d (created %v ago) after %d (%v ago)", inc.Workspace, inc.Number,
					inc.CreatedAgo, last[inc.Workspace], prevAgo)
			}
			last[inc.Workspace], prevAgo = inc.Number, inc.CreatedAgo
			if names[inc.Name] && inc.Story.Kind == "" {
				t.Errorf("duplicate incident name %s", inc.Name)
			}
			names[inc.Name] = true
		}
	}
}
