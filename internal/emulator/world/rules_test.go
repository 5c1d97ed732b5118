package world

import "testing"

func TestRuleFacts(t *testing.T) {
	f := SeededFacts()
	if !f.RuleDeployed(WSContosoDev, RuleBruteForceWindows) || f.RuleEnabled(WSContosoDev, RuleBruteForceWindows) ||
		!f.RuleEnabled(WSContosoProd, RuleBruteForceWindows) {
		t.Error("the disabled rule is not deployed-and-off in contoso-dev only")
	}
	if f.RuleDeployed(WSNorthwindSentinel, RuleMassDownload) || !f.RuleDeployed(WSSocCentral, RuleMassDownload) {
		t.Error("the missing rule is not missing in northwind-sentinel only")
	}
	if f.RuleDeployed(WSNorthwindOps, RulePortScan) {
		t.Error("a workspace not onboarded to Sentinel has rules")
	}
	if got := f.RuleThreshold(WSContosoDev, RulePortScan, 0); got != 5 || f.RuleThreshold(WSContosoProd, RulePortScan, 0) != 0 {
		t.Errorf("port scan threshold in contoso-dev %d", got)
	}
	rs := BuiltInRules(WSFabrikamSentinel)
	if len(rs) != 1+len(ProductsIn(WSFabrikamSentinel)) || rs[0].Kind != KindFusion || AlertRuleName(WSFabrikamSentinel, rs[0].ID) != FusionRuleName {
		t.Errorf("built-in rules %+v", rs)
	}
	for _, r := range rs[1:] {
		if r.Kind != KindIncidentCreation || ProductRule(r.Product) != r.ID || ProductConnector(r.Product) == "" {
			t.Errorf("incident creation rule %+v", r)
		}
	}
	if BuiltInRules(WSNorthwindOps) != nil {
		t.Error("built-in rules in a workspace not onboarded")
	}
}
