package contract

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// The seeded world through the SDK: every seeded collection of every Sentinel workspace decodes into the
// SDK's models and holds what world's facts say.

// seededHarness is one emulator for the seeded-world tests, with a credential per tenant: the managing app
// for Woodgrove and the delegated customers, the customers' own apps for Litware and Adatum.
type seededHarness struct {
	*harness
	f   world.Facts
	now time.Time // the data clock, truncated to the hour
}

func newSeededHarness(t *testing.T) *seededHarness {
	now := time.Now().UTC().Truncate(time.Hour)
	opts := emulatorOptions()
	opts.Now = func() time.Time { return now }
	return &seededHarness{harness: newHarness(t, opts), f: world.SeededFacts(), now: now}
}

func (s *seededHarness) credFor(ws world.Workspace) azcore.TokenCredential {
	switch ws.TenantAlias {
	case world.Litware:
		return s.credential(world.LitwareApp)
	case world.Adatum:
		return s.credential(world.AdatumApp)
	}
	return s.cred
}

func sentinelWorkspaces() []world.Workspace {
	var out []world.Workspace
	for _, ws := range world.Workspaces() {
		if ws.Sentinel {
			out = append(out, ws)
		}
	}
	return out
}

// pages lists every page of a pager, returning the items and the number of pages.
func pages[T, I any](t *testing.T, p interface {
	More() bool
	NextPage(context.Context) (T, error)
}, items func(T) []I) ([]I, int) {
	t.Helper()
	var out []I
	n := 0
	for p.More() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		n++
		out = append(out, items(page)...)
	}
	return out, n
}

func TestSeededIncidents(t *testing.T) {
	s := newSeededHarness(t)
	for _, ws := range sentinelWorkspaces() {
		t.Run(ws.Name, func(t *testing.T) {
			c, err := si.NewIncidentsClient(ws.SubscriptionID, s.credFor(ws), s.opts)
			must(t, err)
			got, npages := pages(t, c.NewListPager(ws.ResourceGroup, ws.Name, nil), func(p si.IncidentsClientListResponse) []*si.Incident { return p.Value })
			want := s.f.AllIncidentsIn(ws.Name)
			if len(got) != len(want) {
				t.Fatalf("%d incidents listed, facts have %d", len(got), len(want))
			}
			if wantPages := (len(want) + 49) / 50; npages != wantPages {
				t.Errorf("%d pages of incidents, want %d at page size 50", npages, wantPages)
			}
			byName := map[string]*si.Incident{}
			for _, inc := range got {
				byName[*inc.Name] = inc
			}
			for _, w := range want {
				g := byName[w.Name]
				if g == nil {
					t.Errorf("incident %d (%s) not listed", w.Number, w.Name)
					continue
				}
				p := g.Properties
				if int(*p.IncidentNumber) != w.Number || string(*p.Status) != w.Status || string(*p.Severity) != w.Severity ||
					!p.CreatedTimeUTC.Equal(w.Created(s.now)) || !p.LastModifiedTimeUTC.Equal(w.Modified(s.now)) {
					t.Errorf("incident %d: #%d %s %s created %v modified %v", w.Number, *p.IncidentNumber, *p.Status, *p.Severity,
						p.CreatedTimeUTC, p.LastModifiedTimeUTC)
				}
				if (w.Owner == nil) != (p.Owner.ObjectID == nil) || (w.Owner != nil && *p.Owner.UserPrincipalName != w.Owner.UPN) {
					t.Errorf("incident %d: owner %+v, facts %+v", w.Number, p.Owner, w.Owner)
				}
				if w.Status == "Closed" && (p.Classification == nil || string(*p.Classification) != w.Classification) {
					t.Errorf("incident %d: classification %v, facts %s", w.Number, p.Classification, w.Classification)
				}
				if ad := p.AdditionalData; int(*ad.AlertsCount) != len(w.Alerts) || int(*ad.CommentsCount) != len(w.Comments) ||
					int(*ad.BookmarksCount) != len(s.f.BookmarksOf(w)) || len(ad.AlertProductNames) != 1 || len(p.RelatedAnalyticRuleIDs) == 0 {
					t.Errorf("incident %d: additionalData %+v, rules %v", w.Number, ad, p.RelatedAnalyticRuleIDs)
				}
			}
			// Server-side filters agree with the facts' counts.
			byStatus, bySeverity := s.f.IncidentCounts(ws.Name)
			for status, n := range byStatus {
				f := "properties/status eq '" + status + "'"
				l, _ := pages(t, c.NewListPager(ws.ResourceGroup, ws.Name, &si.IncidentsClientListOptions{Filter: &f}),
					func(p si.IncidentsClientListResponse) []*si.Incident { return p.Value })
				if len(l) != n {
					t.Errorf("%s: %d incidents, facts %d", f, len(l), n)
				}
			}
			if f := "properties/severity eq 'High'"; true {
				l, _ := pages(t, c.NewListPager(ws.ResourceGroup, ws.Name, &si.IncidentsClientListOptions{Filter: &f}),
					func(p si.IncidentsClientListResponse) []*si.Incident { return p.Value })
				if len(l) != bySeverity["High"] {
					t.Errorf("%s: %d incidents, facts %d", f, len(l), bySeverity["High"])
				}
			}
		})
	}
}

// TestSeededIncidentChildren reads the alerts, entities and comments of incidents through the SDK and checks
// them against the incident and the facts: every incident of northwind-sentinel, and contoso-prod's story,
// hostile and every tenth background incident (the same code builds them all).
func TestSeededIncidentChildren(t *testing.T) {
	s := newSeededHarness(t)
	for _, name := range []string{world.WSContosoProd, world.WSNorthwindSentinel} {
		ws := world.MustWorkspace(name)
		c, err := si.NewIncidentsClient(ws.SubscriptionID, s.cred, s.opts)
		must(t, err)
		comments, err := si.NewIncidentCommentsClient(ws.SubscriptionID, s.cred, s.opts)
		must(t, err)
		for k, w := range s.f.AllIncidentsIn(name) {
			if name == world.WSContosoProd && w.Story.Kind == "" && !w.Hostile && k%10 != 0 {
				continue
			}
			inc, err := c.Get(s.ctx(), ws.ResourceGroup, ws.Name, w.Name, nil)
			must(t, err)
			if inc.Etag == nil || *inc.Etag == "" {
				t.Errorf("%s #%d: no etag", name, w.Number)
			}
			alerts, err := c.ListAlerts(s.ctx(), ws.ResourceGroup, ws.Name, w.Name, nil)
			must(t, err)
			if len(alerts.Value) != len(w.Alerts) || int(*inc.Properties.AdditionalData.AlertsCount) != len(alerts.Value) {
				t.Errorf("%s #%d: %d alerts, alertsCount %d, facts %d", name, w.Number, len(alerts.Value),
					*inc.Properties.AdditionalData.AlertsCount, len(w.Alerts))
			}
			for k, a := range alerts.Value {
				if k < len(w.Alerts) && (*a.Properties.SystemAlertID != w.Alerts[k].ID ||
					!a.Properties.TimeGenerated.Equal(s.now.Add(-w.Alerts[k].Ago))) {
					t.Errorf("%s #%d: alert %d is %s at %v, facts %+v", name, w.Number, k, *a.Properties.SystemAlertID,
						a.Properties.TimeGenerated, w.Alerts[k])
				}
			}
			ents, err := c.ListEntities(s.ctx(), ws.ResourceGroup, ws.Name, w.Name, nil)
			must(t, err)
			if len(ents.Entities) != len(w.Entities) {
				t.Errorf("%s #%d: %d entities, facts %d", name, w.Number, len(ents.Entities), len(w.Entities))
			}
			for k, e := range ents.Entities {
				if k < len(w.Entities) && string(*e.GetEntity().Kind) != w.Entities[k].Kind {
					t.Errorf("%s #%d: entity %d of kind %s, facts %+v", name, w.Number, k, *e.GetEntity().Kind, w.Entities[k])
				}
				if acc, ok := e.(*si.AccountEntity); ok && (acc.Properties == nil || acc.Properties.AADUserID == nil) {
					t.Errorf("%s #%d: account entity without aadUserId", name, w.Number)
				}
			}
			cs, _ := pages(t, comments.NewListPager(ws.ResourceGroup, ws.Name, w.Name, nil),
				func(p si.IncidentCommentsClientListResponse) []*si.IncidentComment { return p.Value })
			if len(cs) != len(w.Comments) || int(*inc.Properties.AdditionalData.CommentsCount) != len(cs) {
				t.Errorf("%s #%d: %d comments, facts %d", name, w.Number, len(cs), len(w.Comments))
			}
			for k, cm := range cs {
				if k < len(w.Comments) && *cm.Properties.Message != w.Comments[k].Message {
					t.Errorf("%s #%d: comment %q, facts %q", name, w.Number, *cm.Properties.Message, w.Comments[k].Message)
				}
			}
		}
	}
}

// TestSeededHostileIncident checks the attacker's text reaches the client byte for byte.
func TestSeededHostileIncident(t *testing.T) {
	s := newSeededHarness(t)
	hs := s.f.HostileIncidents()
	if len(hs) == 0 {
		t.Fatal("no hostile incident in the facts")
	}
	for _, w := range hs {
		ws := world.MustWorkspace(w.Workspace)
		c, _ := si.NewIncidentsClient(ws.SubscriptionID, s.cred, s.opts)
		inc, err := c.Get(s.ctx(), ws.ResourceGroup, ws.Name, w.Name, nil)
		must(t, err)
		if !strings.Contains(*inc.Properties.Description, world.HostileSubject) {
			t.Errorf("description %q lacks the planted subject", *inc.Properties.Description)
		}
		cc, _ := si.NewIncidentCommentsClient(ws.SubscriptionID, s.cred, s.opts)
		page, err := cc.NewListPager(ws.ResourceGroup, ws.Name, w.Name, nil).NextPage(s.ctx())
		must(t, err)
		if len(page.Value) != 1 || *page.Value[0].Properties.Message != world.HostileComment {
			t.Errorf("comments %+v lack the planted instructions", page.Value)
		}
	}
}

// TestSeededRules lists the analytics rules, templates and metadata of every Sentinel workspace through the
// SDK: the rule set is the facts', and the seeded differences show.
func TestSeededRules(t *testing.T) {
	s := newSeededHarness(t)
	shippedIDs := []string{world.RulePasswordSpray, world.RuleImpossibleTravel, world.RuleEncodedPowerShell, world.RuleEncodedPowerShellMDE,
		world.RuleMassDownload, world.RuleBruteForceWindows, world.RulePrivilegedGroupChange, world.RulePortScan, world.RuleThreatIntelIPMatch}
	for _, ws := range sentinelWorkspaces() {
		t.Run(ws.Name, func(t *testing.T) {
			cred := s.credFor(ws)
			c, err := si.NewAlertRulesClient(ws.SubscriptionID, cred, s.opts)
			must(t, err)
			rules, _ := pages(t, c.NewListPager(ws.ResourceGroup, ws.Name, nil),
				func(p si.AlertRulesClientListResponse) []si.AlertRuleClassification { return p.Value })
			byTemplate := map[string]si.AlertRuleClassification{}
			kinds := map[si.AlertRuleKind]int{}
			for _, r := range rules {
				kinds[*r.GetAlertRule().Kind]++
				switch x := r.(type) {
				case *si.ScheduledAlertRule:
					byTemplate[*x.Properties.AlertRuleTemplateName] = x
				case *si.NrtAlertRule:
					byTemplate[*x.Properties.AlertRuleTemplateName] = x
				case *si.FusionAlertRule:
					byTemplate[*x.Properties.AlertRuleTemplateName] = x
				case *si.MicrosoftSecurityIncidentCreationAlertRule:
					byTemplate[*x.Properties.AlertRuleTemplateName] = x
				default:
					t.Errorf("rule %s decoded as %T", *r.GetAlertRule().Name, r)
				}
			}
			if kinds[si.AlertRuleKindFusion] != 1 || kinds[si.AlertRuleKindMicrosoftSecurityIncidentCreation] != len(world.ProductsIn(ws.Name)) ||
				kinds[si.AlertRuleKindScheduled] == 0 || kinds[si.AlertRuleKindNRT] == 0 {
				t.Errorf("rule kinds %v", kinds)
			}
			for _, id := range shippedIDs {
				r, ok := byTemplate[id]
				if ok != s.f.RuleDeployed(ws.Name, id) {
					t.Errorf("rule %s deployed=%v, facts %v", id, ok, s.f.RuleDeployed(ws.Name, id))
					continue
				}
				switch x := r.(type) {
				case *si.ScheduledAlertRule:
					if *x.Properties.Enabled != s.f.RuleEnabled(ws.Name, id) || int(*x.Properties.TriggerThreshold) != s.f.RuleThreshold(ws.Name, id, 0) {
						t.Errorf("rule %s: enabled %v threshold %d", *x.Properties.DisplayName, *x.Properties.Enabled, *x.Properties.TriggerThreshold)
					}
				case *si.NrtAlertRule:
					if *x.Properties.Enabled != s.f.RuleEnabled(ws.Name, id) {
						t.Errorf("rule %s: enabled %v", *x.Properties.DisplayName, *x.Properties.Enabled)
					}
				}
			}
			tc, _ := si.NewAlertRuleTemplatesClient(ws.SubscriptionID, cred, s.opts)
			templates, _ := pages(t, tc.NewListPager(ws.ResourceGroup, ws.Name, nil),
				func(p si.AlertRuleTemplatesClientListResponse) []si.AlertRuleTemplateClassification { return p.Value })
			names := map[string]bool{}
			for _, tp := range templates {
				names[*tp.GetAlertRuleTemplate().Name] = true
				if st, ok := tp.(*si.ScheduledAlertRuleTemplate); ok && (st.Properties.Version == nil || st.Properties.Query == nil) {
					t.Errorf("template %s without version or query", *st.Name)
				}
			}
			for id := range byTemplate {
				if !names[id] {
					t.Errorf("rule template %s is not listed", id)
				}
			}
			mc, _ := si.NewMetadataClient(ws.SubscriptionID, cred, s.opts)
			filter := "properties/kind eq 'AnalyticsRule'"
			meta, _ := pages(t, mc.NewListPager(ws.ResourceGroup, ws.Name, &si.MetadataClientListOptions{Filter: &filter}),
				func(p si.MetadataClientListResponse) []*si.MetadataModel { return p.Value })
			if want := kinds[si.AlertRuleKindScheduled] + kinds[si.AlertRuleKindNRT]; len(meta) != want {
				t.Errorf("%d AnalyticsRule metadata for %d deployed shipped rules", len(meta), want)
			}
			for _, m := range meta {
				if m.Properties.ContentID == nil || m.Properties.ParentID == nil || m.Properties.Dependencies == nil {
					t.Errorf("metadata %s without content id, parent or dependencies", *m.Name)
				}
			}
		})
	}
}
