package seed

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
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
	a := Build(Options{Seed: 1, Now: testNow, ExtraTenants: 1})
	b := Build(Options{Seed: 9, Now: testNow.Add(20 * time.Minute), ExtraTenants: 1})
	if len(a.Deferred) == 0 || len(a.Deferred) != len(b.Deferred) {
		t.Fatalf("%d and %d deferred groups", len(a.Deferred), len(b.Deferred))
	}
	if hashAll(a.AllResources()) != hashAll(b.AllResources()) {
		t.Fatal("the seeded resources depend on the noise seed")
	}
}

func TestDeferredGroupsAreWellFormed(t *testing.T) {
	w := Build(Options{Now: testNow, ExtraTenants: 1})
	seen := map[string]bool{}
	for _, r := range w.Resources {
		seen[strings.ToLower(r.ID)] = true
	}
	for _, d := range w.Deferred {
		ws, ok := w.Workspace(d.Workspace)
		under := ws.ResourceID + "/"
		if d.TopLevel {
			under = rgPath(ws) + "/providers/"
		}
		if !ok || !strings.HasPrefix(strings.ToLower(d.Prefix), strings.ToLower(under)) || !strings.HasSuffix(d.Prefix, "/") {
			t.Errorf("group %s of %s is not below %s", d.Prefix, d.Workspace, under)
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
			if parent := l[:strings.LastIndex(l, "/")]; !d.TopLevel && strings.Count(l[len(d.Prefix):], "/") >= 2 {
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
	ix := demoIndex()
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

// demoIndex indexes every resource of the demo world, built once for the tests that only read them.
var demoIndex = sync.OnceValue(func() resourceIndex {
	w, _ := demo()
	return indexResources(w.AllResources())
})

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

// The deployed rules are those the facts describe, the health records and incidents point at them, and
// the templates cover them.
func TestRulesMatchFactsHealthAndIncidents(t *testing.T) {
	w, logs := demo()
	ix := demoIndex()
	f := w.Facts
	for _, ws := range w.Workspaces {
		if !ws.Sentinel {
			continue
		}
		type rule struct {
			ID, Name, Kind string
			Properties     struct {
				Enabled               bool
				TriggerThreshold      *int
				AlertRuleTemplateName string
				TemplateVersion       string
			}
		}
		rules := map[string]rule{}
		for _, r := range ix.under(sentinelBase(ws), "alertRules") {
			var x rule
			must(t, json.Unmarshal(r.Body, &x))
			rules[strings.ToLower(x.ID)] = x
		}
		want := len(world.BuiltInRules(ws.Name))
		for _, r := range shippedRules() {
			x, ok := rules[strings.ToLower(alertRuleID(ws, r.ID))]
			if ok != f.RuleDeployed(ws.Name, r.ID) {
				t.Errorf("%s: rule %s deployed=%v, facts %v", ws.Name, r.Name, ok, f.RuleDeployed(ws.Name, r.ID))
				continue
			}
			if !ok {
				continue
			}
			want++
			if x.Kind != r.Kind || x.Properties.Enabled != f.RuleEnabled(ws.Name, r.ID) || x.Properties.AlertRuleTemplateName != r.ID ||
				x.Properties.TemplateVersion != r.Version {
				t.Errorf("%s: rule %s: %+v", ws.Name, r.Name, x)
			}
			if r.Kind == "Scheduled" && (x.Properties.TriggerThreshold == nil || *x.Properties.TriggerThreshold != f.RuleThreshold(ws.Name, r.ID, r.Threshold())) {
				t.Errorf("%s: rule %s threshold %v, facts %d", ws.Name, r.Name, x.Properties.TriggerThreshold, f.RuleThreshold(ws.Name, r.ID, r.Threshold()))
			}
		}
		if len(rules) != want {
			t.Errorf("%s: %d rules, want %d", ws.Name, len(rules), want)
		}
		for _, r := range world.BuiltInRules(ws.Name) {
			if x, ok := rules[strings.ToLower(sentinelBase(ws)+"/alertRules/"+world.AlertRuleName(ws.Name, r.ID))]; !ok || x.Kind != r.Kind {
				t.Errorf("%s: built-in rule %s missing", ws.Name, r.DisplayName)
			}
		}
		templates := map[string]bool{}
		for _, r := range ix.under(sentinelBase(ws), "alertRuleTemplates") {
			templates[r.ID[strings.LastIndex(r.ID, "/")+1:]] = true
		}
		for _, x := range rules {
			if !templates[x.Properties.AlertRuleTemplateName] {
				t.Errorf("%s: rule %s has no template %s", ws.Name, x.Name, x.Properties.AlertRuleTemplateName)
			}
		}
		if logs[ws.Name] == nil {
			continue
		}
		h := table(t, logs[ws.Name], "SentinelHealth")
		typ, rid := h.str("SentinelResourceType"), h.str("SentinelResourceId")
		for i := 0; i < h.n(); i++ {
			if typ(i) != "Analytics Rule" {
				continue
			}
			if x, ok := rules[strings.ToLower(rid(i))]; !ok || !x.Properties.Enabled {
				t.Fatalf("%s: SentinelHealth records runs of %s, which is not an enabled rule", ws.Name, rid(i))
			}
		}
		for _, r := range ix.under(sentinelBase(ws), "incidents") {
			var inc struct {
				Properties struct{ RelatedAnalyticRuleIds []string }
			}
			must(t, json.Unmarshal(r.Body, &inc))
			for _, id := range inc.Properties.RelatedAnalyticRuleIds {
				if _, ok := rules[strings.ToLower(id)]; !ok {
					t.Errorf("%s: incident %s refers to rule %s, which does not exist", ws.Name, r.ID, id)
				}
			}
		}
	}
}

// Tables, connectors and health agree with the logs.
func TestTablesAndConnectorsMatchLogs(t *testing.T) {
	w, logs := demo()
	ix := demoIndex()
	connectorTable := map[string]string{"AzureActiveDirectory": "SigninLogs", "Office365": "OfficeActivity",
		"MicrosoftThreatProtection": "DeviceProcessEvents", "ThreatIntelligence": "ThreatIntelligenceIndicator"}
	for _, ws := range w.Workspaces {
		if len(w.Tables(ws.Name)) != len(logs[ws.Name]) {
			t.Errorf("%s: Tables lists %d tables, the logs have %d", ws.Name, len(w.Tables(ws.Name)), len(logs[ws.Name]))
		}
		// The seeded table resources are the custom tables that have logs (the Microsoft ones are built in).
		tables := ix.under(ws.ResourceID, "tables")
		_, hasVPN := logs[ws.Name][world.CustomTable]
		if len(tables) != map[bool]int{true: 1}[hasVPN] || (hasVPN && !strings.HasSuffix(tables[0].ID, "/tables/"+world.CustomTable)) {
			t.Errorf("%s: %d table resources; the custom table has logs: %v", ws.Name, len(tables), hasVPN)
		}
		if !ws.Sentinel {
			continue
		}
		products := map[string]bool{}
		al := table(t, logs[ws.Name], "SecurityAlert")
		prod := al.str("ProductName")
		for i := 0; i < al.n(); i++ {
			products[prod(i)] = true
		}
		connected := map[string]bool{}
		for _, kind := range world.ConnectorsIn(ws.Name) {
			connected[kind] = true
			if tb, ok := connectorTable[kind]; ok && logs[ws.Name][tb] == nil {
				t.Errorf("%s: connector %s but no %s", ws.Name, kind, tb)
			}
			if _, ok := w.Resource(sentinelBase(ws) + "/dataConnectors/" + world.DataConnectorName(ws.Name, kind)); !ok {
				t.Errorf("%s: no resource for connector %s", ws.Name, kind)
			}
		}
		for p := range products {
			if p != "Azure Sentinel" && !connected[world.ProductConnector(p)] {
				t.Errorf("%s: alerts from %s without its connector", ws.Name, p)
			}
		}
		h := table(t, logs[ws.Name], "SentinelHealth")
		typ, kind := h.str("SentinelResourceType"), h.str("SentinelResourceKind")
		reported := map[string]bool{}
		for i := 0; i < h.n(); i++ {
			if typ(i) == "Data connector" {
				reported[kind(i)] = true
			}
		}
		if len(reported) != len(connected) {
			t.Errorf("%s: health of connectors %v, connected %v", ws.Name, reported, connected)
		}
	}
}

// A deployed shipped rule and its metadata convert back to the shipped YAML (what an export does), unless a
// seeded difference changed it.
func TestDeployedRulesExportToShippedYAML(t *testing.T) {
	w, _ := demo()
	ix := demoIndex()
	for _, ws := range w.Workspaces {
		if !ws.Sentinel {
			continue
		}
		for _, r := range shippedRules() {
			if !w.Facts.RuleEnabled(ws.Name, r.ID) || w.Facts.RuleThreshold(ws.Name, r.ID, r.Threshold()) != r.Threshold() {
				continue
			}
			var rule, meta struct {
				Kind       string
				Name       string
				Properties map[string]any
			}
			found := false
			for _, x := range ix.under(sentinelBase(ws), "alertRules") {
				if strings.EqualFold(x.ID, alertRuleID(ws, r.ID)) {
					must(t, json.Unmarshal(x.Body, &rule))
					found = true
				}
			}
			for _, x := range ix.under(sentinelBase(ws), "metadata") {
				if strings.HasSuffix(x.ID, "/analyticsrule-"+world.AlertRuleName(ws.Name, r.ID)) {
					must(t, json.Unmarshal(x.Body, &meta))
				}
			}
			if !found || meta.Properties == nil {
				t.Fatalf("%s: rule %s or its metadata missing", ws.Name, r.Name)
			}
			back, err := content.RuleFromAlertRule(rule.Kind, rule.Name, rule.Properties)
			if err != nil {
				t.Fatalf("%s: %s: %v", ws.Name, r.Name, err)
			}
			back.ApplyMetadata(meta.Properties)
			got, _ := back.Encode()
			want, _ := r.Encode()
			if string(got) != string(want) {
				t.Errorf("%s: rule %s does not export to its shipped YAML:\n%s\n---\n%s", ws.Name, r.Name, got, want)
			}
		}
	}
}
