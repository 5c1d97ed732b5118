package snapshot

import (
	"context"
	"strings"
)

// References between a workspace's items and to the workspace itself that are not plain resource ids.

// nameToken replaces every occurrence of the workspace's name in s that stands as a word of its own
// (delimited by anything but a letter or digit) by ${workspaceName}: resources of the resource group
// (data collection rules and endpoints) and their inner names are named after the workspace they
// serve, and the same rule of two workspaces then compares equal (and a restore names its copy after
// the target).
func nameToken(s, ws string) string {
	if ws == "" || len(s) < len(ws) {
		return s
	}
	ls, lw := strings.ToLower(s), strings.ToLower(ws)
	if len(ls) != len(s) || !strings.Contains(ls, lw) {
		return s
	}
	word := func(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' }
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(ls[i:], lw)
		if j < 0 {
			break
		}
		start, end := i+j, i+j+len(lw)
		if (start == 0 || !word(s[start-1])) && (end == len(s) || !word(s[end])) {
			b.WriteString(s[i:start] + PlaceholderWorkspaceName)
		} else {
			b.WriteString(s[i:end])
		}
		i = end
	}
	b.WriteString(s[i:])
	return b.String()
}

// ruleRefPrefix starts the resource id of an analytics rule of the workspace, once rewritten.
const ruleRefPrefix = PlaceholderWorkspaceResourceID + "/providers/Microsoft.SecurityInsights/alertRules/"

// linkRules replaces, in the items' documents, the resource ids of the workspace's own analytics rules
// (automation rules name the rules their conditions apply to) by ${analyticsRule:<key>}: the rule's
// resource name differs between workspaces, its key does not, and a restore points the reference at
// the target's copy of the rule.
func (r *reader) linkRules(ctx context.Context, snap *Snapshot) {
	keys := map[string]string{}
	for _, it := range snap.Of(KindAnalyticsRule) {
		keys[strings.ToLower(it.Name)] = it.Key
	}
	if len(keys) == 0 && contains(snap.Kinds, KindAutomationRule) && !contains(snap.Kinds, KindAnalyticsRule) {
		if rules, err := r.c.AlertRules(ctx); err == nil {
			for _, ar := range rules {
				keys[strings.ToLower(ar.Name)] = ruleKey(ar.TemplateName(), ar.DisplayName(), ar.Name)
			}
		}
	}
	if len(keys) == 0 {
		return
	}
	for _, it := range snap.Items {
		if it.Kind == KindAnalyticsRule {
			continue
		}
		it.Doc = mapStrings(it.Doc, func(s string) string { return rewriteRuleRefs(s, keys) }).(map[string]any)
	}
}

// RulePlaceholder is the placeholder for the resource id of the workspace's analytics rule with key k.
func RulePlaceholder(k string) string { return "${analyticsRule:" + k + "}" }

func rewriteRuleRefs(s string, keys map[string]string) string {
	if !strings.Contains(s, ruleRefPrefix) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, ruleRefPrefix)
		if i < 0 {
			break
		}
		rest := s[i+len(ruleRefPrefix):]
		n := 0
		for n < len(rest) && (rest[n] == '-' || rest[n] == '_' || rest[n] == '.' || rest[n] >= '0' && rest[n] <= '9' || rest[n] >= 'a' && rest[n] <= 'z' || rest[n] >= 'A' && rest[n] <= 'Z') {
			n++
		}
		key, ok := keys[strings.ToLower(rest[:n])]
		if !ok || strings.ContainsAny(key, "{}") {
			b.WriteString(s[:i+len(ruleRefPrefix)])
			s = rest
			continue
		}
		b.WriteString(s[:i] + RulePlaceholder(key))
		s = rest[n:]
	}
	b.WriteString(s)
	return b.String()
}
