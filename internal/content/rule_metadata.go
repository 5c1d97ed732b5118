package content

import "strings"

// A deployed alert rule has no place for the authoring parts of the YAML format: requiredDataConnectors,
// the metadata block (source, author, support, categories), and the content id and version when the rule
// was not deployed from a template. Sentinel keeps such provenance in a metadata resource
// (Microsoft.SecurityInsights/metadata, kind AnalyticsRule, parentId = the rule's resource id), as content
// hub and repository deployments do; MetadataProperties and ApplyMetadata convert between the two, so that
// a rule imported from YAML exports to the same YAML.

// MetadataKindAnalyticsRule is the metadata kind of an analytics rule.
const MetadataKindAnalyticsRule = "AnalyticsRule"

// MetadataProperties renders the YAML-only parts of r as the properties of a metadata resource describing
// the deployed rule parentID (its full resource id).
func (r *Rule) MetadataProperties(parentID string) map[string]any {
	p := map[string]any{
		"kind":      MetadataKindAnalyticsRule,
		"parentId":  parentID,
		"contentId": r.ID,
		"version":   r.Version,
	}
	if len(r.RequiredDataConnectors) > 0 {
		var criteria []any
		for _, c := range r.RequiredDataConnectors {
			var types []any
			for _, t := range c.DataTypes {
				types = append(types, map[string]any{"kind": "DataType", "contentId": t})
			}
			dep := map[string]any{"kind": "DataConnector", "contentId": c.ConnectorID}
			if len(types) > 0 {
				dep["operator"], dep["criteria"] = "AND", types
			}
			criteria = append(criteria, dep)
		}
		p["dependencies"] = map[string]any{"operator": "AND", "criteria": criteria}
	}
	if m := r.Metadata; m != nil {
		for key, v := range map[string]map[string]string{"source": m.Source, "author": m.Author, "support": m.Support} {
			if len(v) > 0 {
				p[key] = toJSONValue(v)
			}
		}
		if len(m.Categories) > 0 {
			p["categories"] = toJSONValue(m.Categories)
		}
	}
	return p
}

// ApplyMetadata sets the YAML-only parts of r from the properties of the rule's metadata resource (the
// inverse of MetadataProperties). Properties it does not know are ignored.
func (r *Rule) ApplyMetadata(props map[string]any) {
	if id, _ := props["contentId"].(string); guidRE.MatchString(id) {
		r.ID = id
	}
	if v, _ := props["version"].(string); v != "" {
		r.Version = v
	}
	if deps, ok := props["dependencies"].(map[string]any); ok {
		r.RequiredDataConnectors = []DataConnectorRef{}
		for _, c := range anySlice(deps["criteria"]) {
			cm, _ := c.(map[string]any)
			if !strings.EqualFold(str(cm["kind"]), "DataConnector") {
				continue
			}
			ref := DataConnectorRef{ConnectorID: str(cm["contentId"]), DataTypes: []string{}}
			for _, t := range anySlice(cm["criteria"]) {
				if tm, _ := t.(map[string]any); strings.EqualFold(str(tm["kind"]), "DataType") {
					ref.DataTypes = append(ref.DataTypes, str(tm["contentId"]))
				}
			}
			r.RequiredDataConnectors = append(r.RequiredDataConnectors, ref)
		}
	}
	var m RuleMetadata
	_ = fromJSONValue(props["source"], &m.Source)
	_ = fromJSONValue(props["author"], &m.Author)
	_ = fromJSONValue(props["support"], &m.Support)
	_ = fromJSONValue(props["categories"], &m.Categories)
	if len(m.Source) > 0 || len(m.Author) > 0 || len(m.Support) > 0 || len(m.Categories) > 0 {
		r.Metadata = &m
	}
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
