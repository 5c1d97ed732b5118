package seed

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func hashAll(rs []Resource) [32]byte {
	h := sha256.New()
	for _, r := range rs {
		h.Write([]byte(r.ID))
		h.Write(r.Body)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// The workspaces' contents come from the facts and the clock, never from the noise seed.
func TestDeferredIsDeterministicAndSeedIndependent(t *testing.T) {
	a := Build(Options{Seed: 1, Now: testNow, ExtraTenants: 2})
	b := Build(Options{Seed: 9, Now: testNow.Add(20 * time.Minute), ExtraTenants: 2})
	if len(a.Deferred) == 0 || len(a.Deferred) != len(b.Deferred) {
		t.Fatalf("%d and %d deferred groups", len(a.Deferred), len(b.Deferred))
	}
	if hashAll(a.AllResources()) != hashAll(b.AllResources()) {
		t.Fatal("the seeded resources depend on the noise seed")
	}
}

func TestDeferredGroupsAreWellFormed(t *testing.T) {
	w := Build(Options{Now: testNow, ExtraTenants: 2})
	seen := map[string]bool{}
	for _, r := range w.Resources {
		seen[strings.ToLower(r.ID)] = true
	}
	for _, d := range w.Deferred {
		ws, ok := w.Workspace(d.Workspace)
		if !ok || !strings.HasPrefix(strings.ToLower(d.Prefix), strings.ToLower(ws.ResourceID)+"/") || !strings.HasSuffix(d.Prefix, "/") {
			t.Errorf("group %s of %s is not below its workspace", d.Prefix, d.Workspace)
		}
		types := map[string]bool{}
		for _, typ := range d.Types {
			types[strings.ToLower(typ)] = true
		}
		for _, r := range d.Build() {
			var doc struct {
				ID, Name, Type string
			}
			if err := json.Unmarshal(r.Body, &doc); err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
			l := strings.ToLower(r.ID)
			if !strings.HasPrefix(l, strings.ToLower(d.Prefix)) || !types[strings.ToLower(doc.Type)] || doc.Name == "" || doc.ID == "" {
				t.Errorf("%s (type %s) does not belong in group %s %v", r.ID, doc.Type, d.Prefix, d.Types)
			}
			if seen[l] {
				t.Errorf("duplicate resource %s", r.ID)
			}
			seen[l] = true
			if parent := l[:strings.LastIndex(l, "/")]; strings.Count(l[len(d.Prefix):], "/") >= 2 {
				if grand := parent[:strings.LastIndex(parent, "/")]; !seen[grand] {
					t.Errorf("%s comes before its parent %s", r.ID, grand)
				}
			}
		}
	}
}

// The ARM incidents and alerts say what the SecurityIncident and SecurityAlert rows say.
func TestIncidentResourcesMatchLogs(t *testing.T) {
	w, logs := demo()
	ix := indexResources(w.AllResources())
	for _, ws := range w.Workspaces {
		if !ws.Sentinel {
			continue
		}
		al := table(t, logs[ws.Name], "SecurityAlert")
		sysID, name, at, ents, prod := al.str("SystemAlertId"), al.str("AlertName"), al.time("TimeGenerated"), al.str("Entities"),
			al.str("ProductName")
		row := map[string]int{}
		for i := 0; i < al.n(); i++ {
			row[sysID(i)] = i
		}
		si := table(t, logs[ws.Name], "SecurityIncident")
		incName, title, status, sev, siTime := si.str("IncidentName"), si.str("Title"), si.str("Status"), si.str("Severity"),
			si.time("TimeGenerated")
		latest := map[string]int{}
		for i := 0; i < si.n(); i++ {
			if j, ok := latest[incName(i)]; !ok || siTime(i).After(siTime(j)) {
				latest[incName(i)] = i
			}
		}
		incidents := ix.under(sentinelBase(ws), "incidents")
		if len(incidents) != len(w.Facts.AllIncidentsIn(ws.Name)) || len(incidents) != len(latest) {
			t.Errorf("%s: %d incident resources, %d in the logs, facts %d", ws.Name, len(incidents), len(latest),
				len(w.Facts.AllIncidentsIn(ws.Name)))
		}
		for _, r := range incidents {
			var inc struct {
				Name       string
				Properties struct {
					Title, Status, Severity, LastModifiedTimeUtc string
					AdditionalData                               struct{ AlertsCount, CommentsCount int }
				}
			}
			must(t, json.Unmarshal(r.Body, &inc))
			i, ok := latest[inc.Name]
			if !ok {
				t.Errorf("%s: incident %s not in SecurityIncident", ws.Name, inc.Name)
				continue
			}
			p := inc.Properties
			if p.Title != title(i) || p.Status != status(i) || p.Severity != sev(i) || p.LastModifiedTimeUtc != ts(siTime(i)) {
				t.Errorf("%s: incident %s is %q %s %s at %s; its last record %q %s %s at %s", ws.Name, inc.Name, p.Title, p.Status,
					p.Severity, p.LastModifiedTimeUtc, title(i), status(i), sev(i), ts(siTime(i)))
			}
			alerts := ix.under(r.ID, "alerts")
			comments := ix.under(r.ID, "comments")
			if len(alerts) != p.AdditionalData.AlertsCount || len(comments) != p.AdditionalData.CommentsCount {
				t.Errorf("%s: incident %s has %d alerts and %d comments, additionalData says %d and %d", ws.Name, inc.Name,
					len(alerts), len(comments), p.AdditionalData.AlertsCount, p.AdditionalData.CommentsCount)
			}
			entities := ix.under(r.ID, "entities")
			for _, a := range alerts {
				var ad struct {
					Kind       string
					Properties struct {
						SystemAlertID    string `json:"systemAlertId"`
						AlertDisplayName string
						TimeGenerated    string
						ProductName      string
					}
				}
				must(t, json.Unmarshal(a.Body, &ad))
				k, ok := row[ad.Properties.SystemAlertID]
				if !ok || ad.Kind != "SecurityAlert" {
					t.Errorf("%s: alert %s (%s) not in SecurityAlert", ws.Name, ad.Properties.SystemAlertID, ad.Kind)
					continue
				}
				var logEnts []any
				must(t, json.Unmarshal([]byte(ents(k)), &logEnts))
				if ad.Properties.AlertDisplayName != name(k) || ad.Properties.TimeGenerated != ts(at(k)) ||
					ad.Properties.ProductName != prod(k) || len(logEnts) != len(entities) {
					t.Errorf("%s: alert %s: %q %s %s with %d entities; its row %q %s %s with %d", ws.Name, ad.Properties.SystemAlertID,
						ad.Properties.AlertDisplayName, ad.Properties.TimeGenerated, ad.Properties.ProductName, len(entities),
						name(k), ts(at(k)), prod(k), len(logEnts))
				}
			}
		}
	}
}

func TestStoryRuleSeveritiesAgreeWithContent(t *testing.T) {
	f := world.SeededFacts()
	for _, inc := range f.Incidents {
		sev := ""
		for _, a := range inc.Alerts {
			if s := ruleByID(a.Rule).Severity; sev == "" || rank(s) > rank(sev) {
				sev = s
			}
		}
		if inc.Severity != sev {
			t.Errorf("%s #%d: facts say %s, the rules %s", inc.Workspace, inc.Number, inc.Severity, sev)
		}
	}
}

func rank(s string) int {
	return map[string]int{"Informational": 0, "Low": 1, "Medium": 2, "High": 3}[s]
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// resourceIndex finds resources by collection path, for tests that look up many.
type resourceIndex map[string][]Resource

func indexResources(rs []Resource) resourceIndex {
	ix := resourceIndex{}
	for _, r := range rs {
		l := strings.ToLower(r.ID)
		col := l[:strings.LastIndex(l, "/")]
		ix[col] = append(ix[col], r)
	}
	return ix
}

// under returns the resources of a collection directly below parent ("incidents" of a Sentinel base).
func (ix resourceIndex) under(parent, collection string) []Resource {
	return ix[strings.ToLower(parent+"/"+collection)]
}
