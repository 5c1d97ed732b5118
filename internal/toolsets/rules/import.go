package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type importIn struct {
	toolkit.WorkspaceArg
	Content string `json:"content" jsonschema:"Rules as Azure-Sentinel YAML (one or more documents separated by ---) or an ARM template as the portal exports it."`
	Enabled *bool  `json:"enabled,omitempty" jsonschema:"State of the imported rules (default: new rules enabled, existing ones keep their state)."`
}

// Import actions.
const (
	actCreate    = "create"
	actUpdate    = "update"
	actUnchanged = "unchanged"
)

type importItem struct {
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name"`
	Kind        string   `json:"kind"`
	Action      string   `json:"action" jsonschema:"create, update or unchanged"`
	Changed     []string `json:"changed,omitempty"`

	rule     *sentinel.AlertRule // what is written
	existing *sentinel.AlertRule
	metadata map[string]any // provenance record (YAML), nil for ARM
	mdSame   bool
}

type importOut struct {
	Tenant    string        `json:"tenant"`
	Workspace string        `json:"workspace"`
	Format    string        `json:"format"`
	Created   int           `json:"created"`
	Updated   int           `json:"updated"`
	Unchanged int           `json:"unchanged"`
	Rules     []*importItem `json:"rules"`
	Warnings  []string      `json:"warnings,omitempty"`
}

func importRules(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name: "import_analytics_rules",
		Description: "Import analytics rules from Azure-Sentinel YAML or a portal ARM template into a workspace: queries are validated, " +
			"a plan shows what is created, updated or unchanged (matched by id, template or display name), then it is applied on confirmation.",
		Annotations: inventory.Annotations("Import analytics rules", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in importIn) (*mcp.CallToolResult, importOut, error) {
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return nil, importOut{}, err
		}
		p, err := t.planImport(ctx, in)
		if err != nil {
			return nil, importOut{}, err
		}
		out := importOut{Tenant: t.ws.TenantName, Workspace: t.ws.Alias, Format: p.format, Rules: p.items, Warnings: p.warnings}
		for i, it := range p.items {
			if it.Action == actUnchanged && it.mdSame {
				out.Unchanged++
				continue
			}
			if err := t.applyItem(ctx, it); err != nil {
				return nil, importOut{}, partialImport(p.items, i, err)
			}
			switch it.Action {
			case actCreate:
				out.Created++
			case actUpdate:
				out.Updated++
			default:
				out.Unchanged++
			}
		}
		res := toolkit.Text(fmt.Sprintf("Imported into %s: %d created, %d updated, %d unchanged.", t.ws.Alias, out.Created, out.Updated, out.Unchanged))
		return res, out, nil
	}, inventory.MaxLength("content", 1<<20), inventory.Plan(func(ctx context.Context, in importIn) (string, error) {
		t, err := workspace(ctx, d, in.Workspace)
		if err != nil {
			return "", err
		}
		p, err := t.planImport(ctx, in)
		if err != nil {
			return "", err
		}
		return p.describe(t.ws.Alias), nil
	}))
}

type importPlan struct {
	format   string
	items    []*importItem
	warnings []string
}

func (p *importPlan) describe(alias string) string {
	counts := map[string]int{}
	for _, it := range p.items {
		a := it.Action
		if a == actUnchanged && !it.mdSame {
			a = "metadata"
		}
		counts[a]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Would import %d rule(s) (%s) into %s: %d to create, %d to update (overwriting their properties), %d unchanged.",
		len(p.items), p.format, alias, counts[actCreate], counts[actUpdate], counts[actUnchanged]+counts["metadata"])
	for _, it := range p.items {
		fmt.Fprintf(&b, "\n- %s %q (%s, name %s)", it.Action, it.DisplayName, it.Kind, it.Name)
		if len(it.Changed) > 0 {
			fmt.Fprintf(&b, ": %s", strings.Join(it.Changed, ", "))
		}
	}
	for _, w := range p.warnings {
		b.WriteString("\nNote: " + w)
	}
	return b.String()
}

// planImport parses and validates the text (every query through the KQL checker) and decides, against
// the workspace's current rules, what each rule would do. It only reads.
func (t *target) planImport(ctx context.Context, in importIn) (*importPlan, error) {
	text := strings.TrimSpace(in.Content)
	if text == "" {
		return nil, toolkit.ArgError("content", "is empty: pass Azure-Sentinel YAML or an ARM template (export_analytics_rules writes both)")
	}
	p := &importPlan{}
	var desired []*importItem
	var err error
	if strings.HasPrefix(text, "{") || strings.HasPrefix(text, "[") {
		p.format = formatARM
		desired, err = parseARMRules(text, &p.warnings)
	} else {
		p.format = formatYAML
		desired, err = parseYAMLRules(text, &p.warnings)
	}
	if err != nil {
		return nil, err
	}
	seen := map[string]string{}
	var bad []string
	for _, it := range desired {
		if prev, dup := seen[strings.ToLower(it.Name)]; dup {
			return nil, toolkit.ArgError("content", "rules %q and %q have the same id %s", prev, it.DisplayName, it.Name)
		}
		seen[strings.ToLower(it.Name)] = it.DisplayName
		if it.rule.HasQuery() {
			if _, err := checkRuleQuery(fmt.Sprintf("rule %q", it.DisplayName), it.rule.Query()); err != nil {
				bad = append(bad, err.Error())
			} else if _, err := t.reg.QueryWorkspaces(ctx, it.rule.Query()); err != nil {
				// The server checks the workspaces named in query arguments; these queries come in the text.
				bad = append(bad, fmt.Sprintf("rule %q: %v", it.DisplayName, err))
			}
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("nothing was imported: %d rule(s) have an invalid query:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	existing, err := t.listAll(ctx)
	if err != nil {
		return nil, err
	}
	var md map[string]*sentinel.AlertRuleMetadata
	var templates map[string]*sentinel.AlertRuleTemplate
	if p.format == formatYAML {
		if md, err = t.c.AlertRulesMetadata(ctx); err != nil {
			return nil, toolkit.Unavailable("reading the rules' metadata in "+t.ws.Alias, err, "")
		}
		if templates, err = t.templatesByName(ctx); err != nil {
			return nil, err
		}
	}
	for _, it := range desired {
		cur, err := matchExisting(existing, it)
		if err != nil {
			return nil, err
		}
		props := it.rule.Properties
		if p.format == formatYAML {
			// The YAML id names the template the rule comes from when the workspace has that template.
			if tp := templates[strings.ToLower(it.Name)]; tp == nil {
				props["alertRuleTemplateName"] = nil
			}
		}
		if in.Enabled != nil {
			props["enabled"] = *in.Enabled
		}
		if cur == nil {
			it.Action = actCreate
			if in.Enabled == nil && p.format == formatYAML {
				props["enabled"] = true
			}
		} else {
			if !strings.EqualFold(cur.Kind, it.Kind) {
				return nil, fmt.Errorf("rule %q is a %s rule in the text but the workspace's rule %s is %s: Sentinel cannot change a rule's kind; delete it first or change the id",
					it.DisplayName, it.Kind, cur.Name, cur.Kind)
			}
			it.existing, it.Name, it.rule.Name = cur, cur.Name, cur.Name
			it.rule.Etag = cur.Etag
			if in.Enabled == nil {
				props["enabled"] = cur.Enabled()
			}
			if tn := cur.TemplateName(); tn != "" && props["alertRuleTemplateName"] == nil {
				props["alertRuleTemplateName"] = tn
			}
			it.Changed = changedProps(cur.WritableProperties(), props)
			it.Action = actUpdate
			if len(it.Changed) == 0 {
				it.Action = actUnchanged
			}
		}
		it.mdSame = true
		if it.metadata != nil {
			it.metadata["parentId"] = sentinel.AlertRuleID(t.ws.ResourceID, it.Name)
			cur := md[strings.ToLower(it.Name)]
			it.mdSame = cur != nil && len(changedProps(cur.Properties, it.metadata)) == 0
		}
		p.items = append(p.items, it)
	}
	return p, nil
}

// matchExisting finds the workspace rule an imported rule stands for: same name, else created from the
// template of that id, else the same display name.
func matchExisting(existing []*sentinel.AlertRule, it *importItem) (*sentinel.AlertRule, error) {
	for _, r := range existing {
		if strings.EqualFold(r.Name, it.Name) {
			return r, nil
		}
	}
	for _, pass := range []func(*sentinel.AlertRule) bool{
		func(r *sentinel.AlertRule) bool {
			return it.metadata != nil && strings.EqualFold(r.TemplateName(), it.Name)
		},
		func(r *sentinel.AlertRule) bool {
			return strings.EqualFold(strings.TrimSpace(r.DisplayName()), strings.TrimSpace(it.DisplayName))
		},
	} {
		var hits []*sentinel.AlertRule
		for _, r := range existing {
			if pass(r) {
				hits = append(hits, r)
			}
		}
		if len(hits) == 1 {
			return hits[0], nil
		}
		if len(hits) > 1 {
			var names []string
			for _, h := range hits {
				names = append(names, h.Name)
			}
			return nil, fmt.Errorf("rule %q matches %d rules of the workspace (%s): give it the id of the one to update, or delete the duplicates",
				it.DisplayName, len(hits), strings.Join(names, ", "))
		}
	}
	return nil, nil
}

// changedProps lists the properties whose values differ (a missing property equals null).
func changedProps(cur, want map[string]any) []string {
	a, b := jsonValue(cur).(map[string]any), jsonValue(want).(map[string]any)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (t *target) applyItem(ctx context.Context, it *importItem) error {
	if it.Action != actUnchanged {
		written, err := t.c.PutAlertRule(ctx, it.rule, it.Action == actCreate)
		if err != nil {
			if it.Action == actCreate && isPrecondition(err) {
				return fmt.Errorf("a rule named %s was created in the meantime: nothing was overwritten; plan the import again", it.Name)
			}
			return writeError(fmt.Sprintf("writing rule %q", it.DisplayName), err)
		}
		var before any
		if it.existing != nil {
			before = it.existing
		}
		audit.RecordChange(ctx, before, written)
	}
	if it.metadata != nil && !it.mdSame {
		if err := t.c.PutAlertRuleMetadata(ctx, it.Name, it.metadata); err != nil {
			return toolkit.Unavailable(fmt.Sprintf("writing the metadata (data connectors, source) of rule %q", it.DisplayName), err,
				"the rule itself was written; import again to retry")
		}
		audit.RecordChange(ctx, nil, map[string]any{"metadata": sentinel.AlertRuleMetadataName(it.Name), "properties": it.metadata})
	}
	return nil
}

func partialImport(items []*importItem, failed int, err error) error {
	var done, rest []string
	for i, it := range items {
		switch {
		case i < failed && (it.Action != actUnchanged || !it.mdSame):
			done = append(done, fmt.Sprintf("%s %q", it.Action, it.DisplayName))
		case i > failed:
			rest = append(rest, fmt.Sprintf("%q", it.DisplayName))
		}
	}
	msg := fmt.Sprintf("import stopped at rule %q: %v", items[failed].DisplayName, err)
	if len(done) > 0 {
		msg += ". Done before it: " + strings.Join(done, "; ")
	} else {
		msg += ". Nothing was written before it"
	}
	if len(rest) > 0 {
		msg += ". Not attempted: " + strings.Join(rest, ", ")
	}
	return errors.New(msg)
}

// parseYAMLRules reads Azure-Sentinel YAML into the rules to write (ids as names) with their metadata.
func parseYAMLRules(text string, warnings *[]string) ([]*importItem, error) {
	rules, err := content.ParseRules([]byte(text))
	if err != nil {
		return nil, toolkit.ArgError("content", "%v", err)
	}
	var out []*importItem
	for _, r := range rules {
		props, err := r.AlertRuleProperties(true)
		if err != nil {
			return nil, toolkit.ArgError("content", "%v", err)
		}
		if len(r.Extra) > 0 || r.Status != "" {
			keys := sortedKeys(r.Extra)
			if r.Status != "" {
				keys = append(keys, "status")
			}
			*warnings = append(*warnings, fmt.Sprintf("rule %q: %s not deployed (Sentinel rules have no such properties)", r.Name, strings.Join(keys, ", ")))
		}
		out = append(out, &importItem{Name: r.ID, DisplayName: r.Name, Kind: r.Kind,
			rule: &sentinel.AlertRule{Name: r.ID, Kind: r.Kind, Properties: props}, metadata: r.MetadataProperties("")})
	}
	return out, nil
}

// parseARMRules reads a deployment template (or an ARM list body {"value": [...]}) into the rules to write.
func parseARMRules(text string, warnings *[]string) ([]*importItem, error) {
	var doc struct {
		Resources []json.RawMessage `json:"resources"`
		Value     []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return nil, toolkit.ArgError("content", "is not valid JSON (%v): pass an ARM template as export_analytics_rules writes it, or YAML", err)
	}
	items := append(doc.Resources, doc.Value...)
	if len(items) == 0 {
		return nil, toolkit.ArgError("content", "the template has no resources")
	}
	var out []*importItem
	for i, raw := range items {
		var res armResource
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, toolkit.ArgError("content", "resource %d: %v", i+1, err)
		}
		if !strings.HasSuffix(strings.ToLower(res.Type), "/alertrules") {
			*warnings = append(*warnings, fmt.Sprintf("resource %d (%s) is not an analytics rule: ignored", i+1, res.Type))
			continue
		}
		name, err := armResourceName(res.Name)
		if err != nil {
			return nil, toolkit.ArgError("content", "resource %d: %v", i+1, err)
		}
		if res.Kind == "" {
			return nil, toolkit.ArgError("content", "resource %d (%s) has no kind", i+1, name)
		}
		props, err := unescapeARM(res.Properties, "properties")
		if err != nil {
			return nil, toolkit.ArgError("content", "resource %d (%s): %v", i+1, name, err)
		}
		pm, _ := props.(map[string]any)
		if pm == nil {
			return nil, toolkit.ArgError("content", "resource %d (%s) has no properties", i+1, name)
		}
		rule := &sentinel.AlertRule{Name: name, Kind: res.Kind, Properties: pm}
		rule.Properties = rule.WritableProperties()
		out = append(out, &importItem{Name: name, DisplayName: rule.DisplayName(), Kind: res.Kind, rule: rule})
	}
	if len(out) == 0 {
		return nil, toolkit.ArgError("content", "the template has no analytics rules (resources of type %s)", armRuleType)
	}
	return out, nil
}

// armResourceName extracts the rule name from a template resource name: "[concat(parameters('workspace'),
// '/Microsoft.SecurityInsights/<name>')]", "<workspace>/Microsoft.SecurityInsights/<name>" or "<name>".
func armResourceName(s string) (string, error) {
	name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "]"), ")")
	name = strings.TrimSuffix(name, "'")
	name = name[strings.LastIndex(name, "/")+1:]
	if !looksLikeName(name) || strings.ContainsAny(name, "[]()',") {
		return "", fmt.Errorf("the resource name %q is an ARM expression that cannot be evaluated here: use the form the portal exports, [concat(parameters('workspace'),'/Microsoft.SecurityInsights/<rule id>')]", s)
	}
	return name, nil
}

// unescapeARM undoes escapeARM ("[[" -> "[") and refuses template expressions, which only a deployment
// can evaluate.
func unescapeARM(v any, path string) (any, error) {
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(x, "[[") {
			return x[1:], nil
		}
		if strings.HasPrefix(x, "[") && strings.HasSuffix(x, "]") {
			return nil, fmt.Errorf("%s is an ARM template expression (%s), which import cannot evaluate: replace it by its value", path, x)
		}
		return x, nil
	case map[string]any:
		for k, e := range x {
			u, err := unescapeARM(e, path+"."+k)
			if err != nil {
				return nil, err
			}
			x[k] = u
		}
		return x, nil
	case []any:
		for i, e := range x {
			u, err := unescapeARM(e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			x[i] = u
		}
		return x, nil
	}
	return v, nil
}
