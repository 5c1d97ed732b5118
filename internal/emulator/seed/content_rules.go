package seed

import (
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// Analytics rules, their templates and their provenance (metadata). Woodgrove deploys the shipped rules
// into every Sentinel workspace from its content repository with its own app; the Fusion rule and the
// Microsoft incident creation rules came with onboarding. Facts' differences change what the baseline
// has: a missing rule is not deployed, a disabled one was turned off by an analyst, a changed threshold was
// edited by the customer's admin.

const (
	alertRuleType = "Microsoft.SecurityInsights/alertRules"
	templateType  = "Microsoft.SecurityInsights/AlertRuleTemplates"
	metadataType  = "Microsoft.SecurityInsights/metadata"
)

// contentDeployed is when Woodgrove last deployed its content repository (all shipped rules at once), and
// onboarded when the workspace was onboarded to Sentinel (built-in rules).
func (b *builder) contentDeployed() time.Time {
	return b.now.Truncate(24*time.Hour).AddDate(0, 0, -21).Add(9 * time.Hour)
}
func (b *builder) onboarded() time.Time {
	return b.now.Truncate(24*time.Hour).AddDate(0, 0, -300).Add(10 * time.Hour)
}

// contentPipeline is the identity the content repository deploys with (Woodgrove's app, through Lighthouse).
var contentPipeline = &world.Analyst{Name: world.ManagingApp.DisplayName, ObjectID: world.ManagingApp.ObjectID}

// customerAdmin is the customer's own administrator (an account of the customer tenant).
func customerAdmin(ws world.Workspace) *world.Analyst {
	t := world.MustTenant(ws.TenantAlias)
	upn := "secadmin@" + t.Mail
	return &world.Analyst{Name: "Security Admin", UPN: upn, ObjectID: world.UserObjectID(upn)}
}

func (b *builder) alertRules(ws world.Workspace) {
	base := sentinelBase(ws) + "/alertRules/"
	f := b.w.Facts
	onboarded := b.onboarded()
	for _, r := range world.BuiltInRules(ws.Name) {
		id := base + world.AlertRuleName(ws.Name, r.ID)
		p := map[string]any{"displayName": r.DisplayName, "enabled": true, "alertRuleTemplateName": r.ID,
			"lastModifiedUtc": ts(onboarded)}
		if r.Kind == world.KindFusion {
			p["description"] = fusionDescription
			p["severity"], p["tactics"], p["techniques"], p["subTechniques"] = "High", anyStrings(fusionTactics), []any{}, []any{}
		} else {
			p["description"] = "Create incidents based on all alerts generated in " + r.Product + "."
			p["productFilter"], p["severitiesFilter"], p["displayNamesFilter"] = r.Product, nil, nil
		}
		b.add(id, alertRuleType, map[string]any{"kind": r.Kind, "etag": etag(id), "properties": p,
			"systemData": systemData(onboarded, "Microsoft Sentinel", "Application", onboarded, "Microsoft Sentinel", "Application")})
	}
	deployed := b.contentDeployed()
	for i, r := range shippedRules() {
		if !f.RuleDeployed(ws.Name, r.ID) {
			continue
		}
		enabled := f.RuleEnabled(ws.Name, r.ID)
		p, err := r.AlertRuleProperties(enabled)
		if err != nil {
			panic("seed: shipped rule " + r.Name + ": " + err.Error()) // the content tests validate every rule
		}
		created := deployed.Add(time.Duration(i) * 7 * time.Second)
		modified, by := created, contentPipeline
		if r.Kind == content.KindScheduled {
			if th := f.RuleThreshold(ws.Name, r.ID, r.Threshold()); th != r.Threshold() {
				p["triggerThreshold"] = th
				modified, by = b.now.Add(-9*24*time.Hour-3*time.Hour), customerAdmin(ws)
			}
		}
		if !enabled {
			modified, by = b.now.Add(-6*24*time.Hour-5*time.Hour), world.AnalystAmelia
		}
		p["lastModifiedUtc"] = ts(modified)
		id := alertRuleID(ws, r.ID)
		b.add(id, alertRuleType, map[string]any{"kind": r.Kind, "etag": etag(id), "properties": p,
			"systemData": systemData(created, contentPipeline.ObjectID, "Application", modified, sdName(by), sdType(by))})
	}
}

func sdName(a *world.Analyst) string {
	if a.IsApp() {
		return a.ObjectID
	}
	return a.UPN
}

func sdType(a *world.Analyst) string {
	if a.IsApp() {
		return "Application"
	}
	return "User"
}

var fusionTactics = []string{"Collection", "CommandAndControl", "CredentialAccess", "DefenseEvasion", "Discovery", "Execution",
	"Exfiltration", "Impact", "InitialAccess", "LateralMovement", "Persistence", "PrivilegeEscalation"}

const fusionDescription = "Microsoft Sentinel uses Fusion, a correlation engine based on scalable machine learning algorithms, " +
	"to automatically detect multistage attacks by identifying combinations of anomalous behaviors and suspicious activities " +
	"that are observed at various stages of the kill chain."

// alertRuleTemplates are the templates the workspace offers: the shipped rules (Woodgrove's content
// repository is registered as a content source), Fusion, and the incident creation rules of every product.
func (b *builder) alertRuleTemplates(ws world.Workspace) {
	base := sentinelBase(ws) + "/alertRuleTemplates/"
	f := b.w.Facts
	released := b.now.Truncate(24*time.Hour).AddDate(0, -6, 0)
	fusion := map[string]any{"displayName": world.FusionDisplayName, "description": fusionDescription, "severity": "High",
		"tactics": anyStrings(fusionTactics), "techniques": []any{}, "status": "Available", "alertRulesCreatedByTemplateCount": 1,
		"createdDateUTC": released.Format("2006-01-02T15:04:05Z"), "lastUpdatedDateUTC": released.Format("2006-01-02T15:04:05Z"),
		"requiredDataConnectors": []any{}}
	b.add(base+world.RuleFusion, templateType, map[string]any{"kind": world.KindFusion, "properties": fusion})
	deployed := map[string]bool{}
	for _, r := range world.BuiltInRules(ws.Name) {
		deployed[r.ID] = true
	}
	for _, product := range []string{world.ProductIdentityProtection, world.ProductDefenderEndpoint, world.ProductDefenderCloud,
		world.ProductDefenderOffice} {
		id := world.ProductRule(product)
		count := 0
		if deployed[id] {
			count = 1
		}
		b.add(base+id, templateType, map[string]any{"kind": world.KindIncidentCreation, "properties": map[string]any{
			"displayName": "Create incidents based on " + product + " alerts", "productFilter": product,
			"description":                      "Create incidents based on all alerts generated in " + product + ".",
			"status":                           "Available",
			"alertRulesCreatedByTemplateCount": count,
			"createdDateUTC":                   released.Format("2006-01-02T15:04:05Z"),
			"lastUpdatedDateUTC":               released.Format("2006-01-02T15:04:05Z"),
			"requiredDataConnectors": []any{map[string]any{"connectorId": world.ProductConnector(product),
				"dataTypes": []any{"SecurityAlert"}}}}})
	}
	for _, r := range shippedRules() {
		p, err := r.TemplateProperties(released)
		if err != nil {
			panic("seed: shipped rule " + r.Name + ": " + err.Error())
		}
		if f.RuleDeployed(ws.Name, r.ID) {
			p["alertRulesCreatedByTemplateCount"] = 1
		}
		b.add(base+r.ID, templateType, map[string]any{"kind": r.Kind, "properties": p})
	}
}

// contentMetadata records the YAML-only parts of each deployed shipped rule (its content id, version and
// required data connectors) as the content repository deployment does (content.Rule.MetadataProperties),
// so a deployed rule exports back to its shipped YAML.
func (b *builder) contentMetadata(ws world.Workspace) {
	base := sentinelBase(ws) + "/metadata/"
	deployed := b.contentDeployed()
	for _, r := range shippedRules() {
		if !b.w.Facts.RuleDeployed(ws.Name, r.ID) {
			continue
		}
		name := "analyticsrule-" + world.AlertRuleName(ws.Name, r.ID)
		b.add(base+name, metadataType, map[string]any{"etag": etag(base + name), "properties": r.MetadataProperties(alertRuleID(ws, r.ID)),
			"systemData": systemData(deployed, contentPipeline.ObjectID, "Application", deployed, contentPipeline.ObjectID, "Application")})
	}
}
