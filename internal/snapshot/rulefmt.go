package snapshot

import (
	"fmt"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
)

// File formats of an item in an export.
const (
	// FormatResource is the normalized resource document as YAML (every kind).
	FormatResource = "resource"
	// FormatSentinelYAML is the Azure-Sentinel repository's rule format (analytics rules whose
	// conversion is exact; the enabled state is kept in the manifest, the format has no such field).
	FormatSentinelYAML = "sentinel-yaml"
)

// sentinelYAML returns an analytics rule in the Azure-Sentinel YAML format when converting it back
// gives exactly its document; otherwise (other kinds of rule, custom rules, settings the format cannot
// say) ok is false and the rule is written as a resource document, which loses nothing.
func sentinelYAML(it *Item) (b []byte, ok bool) {
	kind := str(it.Doc, "kind")
	if it.Kind != KindAnalyticsRule || (kind != content.KindScheduled && kind != content.KindNRT) {
		return nil, false
	}
	props := it.Properties()
	if props == nil {
		return nil, false
	}
	r, err := content.RuleFromAlertRule(kind, it.Name, cloneMap(props))
	if err != nil {
		return nil, false
	}
	b, err = r.Encode()
	if err != nil {
		return nil, false
	}
	enabled, _ := props["enabled"].(bool)
	doc, err := ruleDocFromYAML(b, enabled)
	if err != nil || !Equal(doc, it.Doc) {
		return nil, false
	}
	return b, true
}

// ruleDocFromYAML reads an Azure-Sentinel YAML rule into the document a deployment of it has.
func ruleDocFromYAML(b []byte, enabled bool) (map[string]any, error) {
	r, err := content.ParseRule(b)
	if err != nil {
		return nil, err
	}
	props, err := r.AlertRuleProperties(enabled)
	if err != nil {
		return nil, err
	}
	doc, err := baseDoc(map[string]any{"kind": r.Kind, "properties": props}, sentinel.AlertRuleReadOnly...)
	if err != nil {
		return nil, fmt.Errorf("rule %q: %v", r.Name, err)
	}
	return doc, nil
}
