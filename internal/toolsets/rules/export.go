package rules

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Export formats.
const (
	formatYAML = "yaml" // the Azure-Sentinel repository format (one document per rule)
	formatARM  = "arm"  // the ARM deployment template the Sentinel portal exports
)

type exportIn struct {
	toolkit.WorkspaceArg
	Format string   `json:"format,omitempty" jsonschema:"yaml (Azure-Sentinel; Scheduled and NRT) or arm (portal export; all kinds)."`
	Rules  []string `json:"rules,omitempty" jsonschema:"Names or display names; default all."`
}

type exported struct {
	Name   string `json:"name"`
	Reason string `json:"reason,omitempty"`
}

type exportOut struct {
	Workspace string     `json:"workspace"`
	Format    string     `json:"format"`
	Exported  []string   `json:"exported"`
	Skipped   []exported `json:"skipped,omitempty"`
	Remaining []string   `json:"remaining,omitempty" jsonschema:"did not fit: pass as rules"`
}

func exportRules(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "export_analytics_rules",
		Description: "Export analytics rules as Azure-Sentinel YAML (for git) or the portal's ARM template; large exports come in parts. import_analytics_rules reads both.",
		Annotations: inventory.Annotations("Export analytics rules", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in exportIn) (*mcp.CallToolResult, exportOut, error) {
		if in.Format == "" {
			in.Format = formatYAML
		}
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, exportOut{}, err
		}
		all, err := t.listAll(ctx)
		if err != nil {
			return nil, exportOut{}, err
		}
		rules := all
		if len(in.Rules) > 0 {
			rules = nil
			for _, ref := range in.Rules {
				r, err := matchRule(all, strings.TrimSpace(ref), t.ws.Alias)
				if err != nil {
					return nil, exportOut{}, err
				}
				rules = append(rules, r)
			}
		}
		out := exportOut{Workspace: t.ws.Alias, Format: in.Format, Exported: []string{}}
		var docs [][]byte
		if in.Format == formatYAML {
			docs, err = t.yamlDocs(ctx, rules, &out)
		} else {
			docs, err = armDocs(rules)
		}
		if err != nil {
			return nil, exportOut{}, err
		}
		text := pack(docs, rules, in.Format, d.Budget().MaxBytes, &out)
		// The summary comes first, in a block of its own: the export after it is copied as it is.
		res := toolkit.Text(text)
		return toolkit.WithHeading(res, exportNote(out, t.ws, rules)), out, nil
	}, inventory.Enum("format", formatYAML, formatARM), inventory.Default("format", formatYAML))
}

// yamlDocs converts each rule to a YAML document (nil for the rules that cannot be expressed, which are
// added to out.Skipped). The authoring parts come from the rule's metadata record, else from its template.
func (t *target) yamlDocs(ctx context.Context, rules []*sentinel.AlertRule, out *exportOut) ([][]byte, error) {
	md, err := t.c.AlertRulesMetadata(ctx)
	if err != nil {
		return nil, toolkit.Unavailable("reading the rules' metadata in "+t.ws.Alias, err, "")
	}
	var templates map[string]*sentinel.AlertRuleTemplate
	docs := make([][]byte, len(rules))
	for i, r := range rules {
		if !r.HasQuery() {
			out.Skipped = append(out.Skipped, exported{Name: r.Name,
				Reason: fmt.Sprintf("a %s rule has no YAML form (export it with format arm)", r.Kind)})
			continue
		}
		cr, err := content.RuleFromAlertRule(r.Kind, r.Name, r.Properties)
		if cr == nil {
			out.Skipped = append(out.Skipped, exported{Name: r.Name, Reason: err.Error()})
			continue
		}
		if m := md[strings.ToLower(r.Name)]; m != nil {
			cr.ApplyMetadata(m.Properties)
		} else if tn := r.TemplateName(); tn != "" {
			if templates == nil {
				if templates, err = t.templatesByName(ctx); err != nil {
					return nil, err
				}
			}
			if tp := templates[strings.ToLower(tn)]; tp != nil {
				_ = fromJSON(tp.Properties["requiredDataConnectors"], &cr.RequiredDataConnectors)
			}
		}
		if err := cr.Validate(); err != nil {
			out.Skipped = append(out.Skipped, exported{Name: r.Name, Reason: err.Error()})
			continue
		}
		raw, err := cr.Encode()
		if err != nil {
			out.Skipped = append(out.Skipped, exported{Name: r.Name, Reason: err.Error()})
			continue
		}
		docs[i] = raw
	}
	return docs, nil
}

func (t *target) templatesByName(ctx context.Context) (map[string]*sentinel.AlertRuleTemplate, error) {
	tpls, err := t.c.AlertRuleTemplates(ctx)
	if err != nil {
		return nil, toolkit.Unavailable("listing the rule templates of "+t.ws.Alias, err, "")
	}
	m := make(map[string]*sentinel.AlertRuleTemplate, len(tpls))
	for _, tp := range tpls {
		m[strings.ToLower(tp.Name)] = tp
	}
	return m, nil
}

// The portal's export: a deployment template with a workspace parameter and one resource per rule.
const (
	armSchema     = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
	armRuleType   = "Microsoft.OperationalInsights/workspaces/providers/alertRules"
	armAPIVersion = "2025-12-01"
)

type armTemplate struct {
	Schema         string          `json:"$schema"`
	ContentVersion string          `json:"contentVersion"`
	Parameters     map[string]any  `json:"parameters"`
	Resources      []armResource   `json:"resources"`
	Outputs        json.RawMessage `json:"outputs,omitempty"`
}

type armResource struct {
	ID         string         `json:"id,omitempty"`
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Kind       string         `json:"kind,omitempty"`
	APIVersion string         `json:"apiVersion,omitempty"`
	Properties map[string]any `json:"properties"`
}

func armResourceOf(r *sentinel.AlertRule) armResource {
	return armResource{
		ID:         "[concat(resourceId('Microsoft.OperationalInsights/workspaces/providers', parameters('workspace'), 'Microsoft.SecurityInsights'),'/alertRules/" + r.Name + "')]",
		Name:       "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/" + r.Name + "')]",
		Type:       armRuleType,
		Kind:       r.Kind,
		APIVersion: armAPIVersion,
		Properties: escapeARM(r.WritableProperties()).(map[string]any),
	}
}

// armDocs encodes each rule as a template resource (indented as in the template).
func armDocs(rules []*sentinel.AlertRule) ([][]byte, error) {
	docs := make([][]byte, len(rules))
	for i, r := range rules {
		raw, err := encodeIndented(armResourceOf(r), "    ")
		if err != nil {
			return nil, err
		}
		docs[i] = raw
	}
	return docs, nil
}

func armTemplateText(resources [][]byte) string {
	var b strings.Builder
	b.WriteString("{\n  \"$schema\": \"" + armSchema + "\",\n  \"contentVersion\": \"1.0.0.0\",\n")
	b.WriteString("  \"parameters\": {\n    \"workspace\": {\n      \"type\": \"String\"\n    }\n  },\n  \"resources\": [")
	for i, r := range resources {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n    ")
		b.Write(r)
	}
	if len(resources) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("]\n}\n")
	return b.String()
}

// pack joins the documents that fit in maxBytes (the configured result budget, minus room for the note),
// recording the rules exported and those left for a next call.
func pack(docs [][]byte, rules []*sentinel.AlertRule, format string, maxBytes int, out *exportOut) string {
	if maxBytes <= 0 {
		maxBytes = 32 << 10
	}
	room := maxBytes - 600
	var kept [][]byte
	size := 200 // the ARM template's frame
	for i, doc := range docs {
		if doc == nil {
			continue
		}
		if size+len(doc)+8 > room {
			if len(kept) == 0 {
				out.Skipped = append(out.Skipped, exported{Name: rules[i].Name,
					Reason: fmt.Sprintf("larger (%d bytes) than the result size limit (limits.max_bytes)", len(doc))})
				continue
			}
			out.Remaining = append(out.Remaining, rules[i].Name)
			continue
		}
		size += len(doc) + 8
		kept = append(kept, doc)
		out.Exported = append(out.Exported, rules[i].Name)
	}
	if format == formatARM {
		return armTemplateText(kept)
	}
	return string(bytes.Join(kept, []byte("---\n")))
}

func exportNote(out exportOut, ws *tenancy.Workspace, rules []*sentinel.AlertRule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Exported %d rule(s) of %s as %s.", len(out.Exported), toolkit.WorkspaceName(ws), out.Format)
	if out.Format == formatYAML {
		// Azure-Sentinel YAML has no enabled state: an import would turn these on.
		exported := map[string]bool{}
		for _, n := range out.Exported {
			exported[n] = true
		}
		var off []string
		for _, r := range rules {
			if exported[r.Name] && !r.Enabled() {
				off = append(off, fmt.Sprintf("%q", r.DisplayName()))
			}
		}
		if len(off) > 0 {
			fmt.Fprintf(&b, "\nDisabled in %s, which YAML cannot say (import them with enabled false to keep them off): %s.", ws.Alias, strings.Join(off, ", "))
		}
	}
	// One line per reason: four incident creation rules need not say the same thing four times.
	var reasons []string
	byReason := map[string][]string{}
	for _, s := range out.Skipped {
		if byReason[s.Reason] == nil {
			reasons = append(reasons, s.Reason)
		}
		byReason[s.Reason] = append(byReason[s.Reason], s.Name)
	}
	for _, r := range reasons {
		fmt.Fprintf(&b, "\nSkipped %s: %s", strings.Join(byReason[r], ", "), r)
	}
	if len(out.Remaining) > 0 {
		fmt.Fprintf(&b, "\n%d more rule(s) did not fit in this result: call export_analytics_rules again with rules=%s",
			len(out.Remaining), jsonString(out.Remaining))
	}
	return b.String()
}

// escapeARM escapes string values that ARM would read as template expressions ("[...]"): a leading "["
// is doubled, as the portal's export does.
func escapeARM(v any) any {
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(x, "[") {
			return "[" + x
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = escapeARM(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = escapeARM(e)
		}
		return x
	}
	return v
}

func encodeIndented(v any, prefix string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func fromJSON(v, dst any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, dst)
}
