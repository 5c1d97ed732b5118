package world

// Analytics rules of the Sentinel workspaces. Every Sentinel workspace runs the shipped rules of
// internal/content (Facts' differences aside: a missing rule is not deployed, a disabled one is deployed but
// off, a changed threshold differs from the shipped one), the Fusion rule, and a Microsoft incident creation
// rule per product that feeds it (ProductsIn).

// Ids (template names) of the built-in rules.
var (
	// RuleFusion is Azure's Fusion template ("Advanced Multistage Attack Detection"); the deployed rule is
	// named FusionRuleName, as Sentinel names it.
	RuleFusion = "f71aba3d-28fb-450b-b192-4e76a83015c8"

	RuleIncidentsIdentityProtection = GUID("rule:incidents:identity-protection")
	RuleIncidentsDefenderEndpoint   = GUID("rule:incidents:defender-endpoint")
	RuleIncidentsDefenderCloud      = GUID("rule:incidents:defender-cloud")
	RuleIncidentsDefenderOffice     = GUID("rule:incidents:defender-office")
)

// FusionRuleName is the resource name of the Fusion rule in every Sentinel workspace.
const FusionRuleName = "BuiltInFusion"

// Rule kinds of the built-in rules.
const (
	KindFusion                   = "Fusion"
	KindIncidentCreation         = "MicrosoftSecurityIncidentCreation"
	FusionDisplayName            = "Advanced Multistage Attack Detection"
	incidentCreationDisplayStart = "Create incidents based on "
)

// BuiltInRule is a rule a Sentinel workspace has besides the shipped ones.
type BuiltInRule struct {
	ID          string // template id (alertRuleTemplateName)
	Kind        string // KindFusion or KindIncidentCreation
	DisplayName string
	Product     string // KindIncidentCreation: the product filter (world.Product*)
}

// BuiltInRules returns the built-in rules of a Sentinel workspace: Fusion, then one incident creation rule
// per product feeding it, in ProductsIn order.
func BuiltInRules(workspace string) []BuiltInRule {
	ws, ok := WorkspaceByName(workspace)
	if !ok || !ws.Sentinel {
		return nil
	}
	out := []BuiltInRule{{ID: RuleFusion, Kind: KindFusion, DisplayName: FusionDisplayName}}
	for _, p := range ProductsIn(workspace) {
		out = append(out, BuiltInRule{ID: ProductRule(p), Kind: KindIncidentCreation, Product: p,
			DisplayName: incidentCreationDisplayStart + p + " alerts"})
	}
	return out
}

// RuleDeployed reports whether a shipped rule is deployed in a Sentinel workspace (every one is, except a
// missing rule).
func (f Facts) RuleDeployed(workspace, ruleID string) bool {
	ws, ok := WorkspaceByName(workspace)
	return ok && ws.Sentinel && !f.Has(workspace, DiffMissingRule, ruleID)
}

// RuleEnabled reports whether a shipped rule is deployed and enabled in a workspace.
func (f Facts) RuleEnabled(workspace, ruleID string) bool {
	return f.RuleDeployed(workspace, ruleID) && !f.Has(workspace, DiffDisabledRule, ruleID)
}

// RuleThreshold is a shipped rule's trigger threshold in a workspace: the shipped one unless changed.
func (f Facts) RuleThreshold(workspace, ruleID string, shipped int) int {
	for _, d := range f.DiffsIn(workspace) {
		if d.Kind == DiffChangedThreshold && d.Rule == ruleID {
			return d.Threshold
		}
	}
	return shipped
}
