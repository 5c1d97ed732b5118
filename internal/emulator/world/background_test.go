package world

import (
	"net/netip"
	"strings"
	"testing"
)

func TestBackgroundIncidents(t *testing.T) {
	f := SeededFacts()
	hostile := 0
	for _, ws := range Workspaces() {
		all := f.AllIncidentsIn(ws.Name)
		if !ws.Sentinel {
			if len(all) != 0 {
				t.Errorf("%s is not onboarded but has %d incidents", ws.Name, len(all))
			}
			continue
		}
		story := map[string]bool{}
		for _, s := range f.StoriesIn(ws.Name) {
			story[s.Account] = true
		}
		products := map[string]bool{}
		for _, p := range ProductsIn(ws.Name) {
			products[p] = true
		}
		status := map[string]int{}
		for _, inc := range f.BackgroundIncidentsIn(ws.Name) {
			status[inc.Status]++
			if inc.Product == nil || !products[inc.Product.Product] || len(inc.Alerts) != 1 || inc.Alerts[0].Ago != inc.CreatedAgo {
				t.Errorf("%s #%d: product %+v, alerts %+v", ws.Name, inc.Number, inc.Product, inc.Alerts)
				continue
			}
			if inc.Severity != inc.Product.Severity || len(inc.Entities) == 0 {
				t.Errorf("%s #%d: severity %s, entities %v", ws.Name, inc.Number, inc.Severity, inc.Entities)
			}
			if inc.CreatedAgo <= 0 || inc.CreatedAgo > BackgroundWindow || inc.ModifiedAgo > inc.CreatedAgo || inc.ModifiedAgo <= 0 ||
				inc.FirstActivityAgo < inc.LastActivityAgo || inc.LastActivityAgo < inc.CreatedAgo {
				t.Errorf("%s #%d: created %v modified %v activity %v..%v", ws.Name, inc.Number, inc.CreatedAgo, inc.ModifiedAgo,
					inc.FirstActivityAgo, inc.LastActivityAgo)
			}
			if (inc.Status == "Closed") != (inc.Classification != "") || (inc.Status == "Active" && inc.Owner == nil) ||
				(inc.Status == "New" && (inc.Owner != nil || len(inc.Comments) > 0)) || (inc.ClosedBy != "" && inc.Owner != nil) {
				t.Errorf("%s #%d: status %s classification %q owner %v closed by %q", ws.Name, inc.Number, inc.Status,
					inc.Classification, inc.Owner, inc.ClosedBy)
			}
			if inc.Product.Product == ProductDefenderEndpoint && inc.Severity == "High" && inc.Owner != AnalystRavi {
				t.Errorf("%s #%d: the automation assigns high severity Defender incidents to Ravi, owner %v", ws.Name, inc.Number, inc.Owner)
			}
			for _, e := range inc.Entities {
				if (e.Kind == EntityAccount || e.Kind == EntityMailbox) && (story[e.Value] || !strings.HasSuffix(e.Value, "@"+MustTenant(ws.TenantAlias).Mail)) {
					t.Errorf("%s #%d: account %s is a story account or another tenant's", ws.Name, inc.Number, e.Value)
				}
				if e.Kind == EntityIP {
					a := netip.MustParseAddr(e.Value)
					if a.IsPrivate() || strings.HasPrefix(e.Value, "192.0.2.") || strings.HasPrefix(e.Value, "198.51.100.") || strings.HasPrefix(e.Value, "203.0.113.") {
						t.Errorf("%s #%d: address %s is private or a documentation address (the stories')", ws.Name, inc.Number, e.Value)
					}
				}
			}
			for _, c := range inc.Comments {
				if c.Ago != inc.ModifiedAgo || c.Author == nil || c.Message == "" || !guidRE.MatchString(c.ID) {
					t.Errorf("%s #%d: comment %+v", ws.Name, inc.Number, c)
				}
			}
			if inc.Hostile {
				hostile++
				if !strings.Contains(inc.Description, HostileSubject) || len(inc.Comments) != 1 || inc.Comments[0].Message != HostileComment ||
					!inc.Comments[0].Author.IsApp() {
					t.Errorf("%s #%d: hostile incident without the planted text", ws.Name, inc.Number)
				}
			}
		}
		if status["New"] == 0 || status["Active"] == 0 || status["Closed"] == 0 {
			t.Errorf("%s: background statuses %v, want some of each", ws.Name, status)
		}
	}
	if hostile != 1 || len(f.HostileIncidents()) != 1 || f.HostileIncidents()[0].Workspace != WSContosoProd {
		t.Errorf("%d hostile incidents, want one in %s", hostile, WSContosoProd)
	}
	// contoso-prod is the big one: several pages of 50.
	if n := len(f.AllIncidentsIn(WSContosoProd)); n <= 100 || n > 150 {
		t.Errorf("contoso-prod has %d incidents, want between 101 and 150", n)
	}
	byStatus, bySeverity := f.IncidentCounts(WSContosoProd)
	total := 0
	for _, n := range byStatus {
		total += n
	}
	if total != len(f.AllIncidentsIn(WSContosoProd)) || bySeverity[""] != 0 || bySeverity["High"] == 0 {
		t.Errorf("counts %v %v", byStatus, bySeverity)
	}
}

func TestSyntheticIncidentsAreDerived(t *testing.T) {
	f := SeededFacts()
	a, b := f.AllIncidentsIn(ExtraWorkspace(3).Name), f.AllIncidentsIn(ExtraWorkspace(3).Name)
	if len(a) != syntheticSpec.count || len(b) != len(a) || a[0].Name != b[0].Name || a[0].Number != 1 {
		t.Fatalf("synthetic incidents: %d, %+v", len(a), a)
	}
	if c := f.AllIncidentsIn(ExtraWorkspace(4).Name); c[0].Name == a[0].Name {
		t.Error("two synthetic customers share an incident")
	}
	for _, inc := range a {
		if inc.CreatedAgo > BackgroundWindow || inc.Product == nil {
			t.Errorf("synthetic incident %+v", inc)
		}
	}
}

func TestPeopleAndHosts(t *testing.T) {
	if f, l := PersonName(0); f != "Adele" || l != "Vance" {
		t.Errorf("PersonName(0) = %s %s", f, l)
	}
	if got := DisplayNameOf("alex.wilber2@contoso.com"); got != "Alex Wilber" {
		t.Errorf("DisplayNameOf = %q", got)
	}
	if got := Workstation(Contoso, 7); got != "CONTOSO-WKS-007" {
		t.Errorf("Workstation = %q", got)
	}
	if got := Workstation(ExtraTenantAlias(7), 2); got != "C07-WKS-002" {
		t.Errorf("synthetic Workstation = %q", got)
	}
}
