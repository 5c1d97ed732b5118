package snapshot

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// Filter selects items of a snapshot.
type Filter struct {
	Kinds []Kind
	// Names are glob patterns (case-insensitive) matched against an item's title, key and name.
	Names []string
	// Tags match watchlist labels, saved search tags (name or name=value), workbook tags and the MITRE
	// tactics and techniques of analytics rules (case-insensitive, globs allowed).
	Tags []string
}

// Select returns the items the filter selects.
func (f Filter) Select(items []*Item) []*Item {
	want := map[Kind]bool{}
	for _, k := range f.Kinds {
		want[k] = true
	}
	var out []*Item
	for _, it := range items {
		if len(want) > 0 && !want[it.Kind] {
			continue
		}
		if len(f.Names) > 0 && !globAny(f.Names, it.Title, it.Key, it.Name) {
			continue
		}
		if len(f.Tags) > 0 && !globAny(f.Tags, tagsOf(it)...) {
			continue
		}
		out = append(out, it)
	}
	return out
}

func globAny(patterns []string, values ...string) bool {
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		for _, v := range values {
			if ok, _ := path.Match(p, strings.ToLower(v)); ok || p == strings.ToLower(v) {
				return true
			}
		}
	}
	return false
}

// tagsOf lists what Filter.Tags match for an item.
func tagsOf(it *Item) []string {
	p := it.Properties()
	var out []string
	strs := func(v any) {
		for _, x := range anySlice(v) {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	switch it.Kind {
	case KindWatchlist:
		strs(p["labels"])
	case KindAnalyticsRule:
		strs(p["tactics"])
		strs(p["techniques"])
		strs(p["subTechniques"])
	case KindSavedSearch:
		for _, t := range anySlice(p["tags"]) {
			m, _ := t.(map[string]any)
			out = append(out, str(m, "name"), str(m, "name")+"="+str(m, "value"))
		}
	case KindWorkbook:
		strs(p["tags"])
	}
	for k, v := range obj(it.Doc, "tags") {
		out = append(out, k)
		if s, ok := v.(string); ok {
			out = append(out, k+"="+s)
		}
	}
	return out
}

func anySlice(v any) []any { a, _ := v.([]any); return a }

// Actions of a plan item.
type Action string

// Plan actions.
const (
	ActCreate    Action = "create"
	ActUpdate    Action = "update" // overwrites the target's item
	ActUnchanged Action = "unchanged"
	ActSkip      Action = "skip"
)

// PlanItem is what a restore would do with one item of the source.
type PlanItem struct {
	Kind   Kind      `json:"kind"`
	Key    string    `json:"key"`
	Title  string    `json:"title"`
	Name   string    `json:"name,omitempty"` // resource name in the target
	Action Action    `json:"action"`
	Reason string    `json:"reason,omitempty"`
	Fields []string  `json:"fields,omitempty"` // changed fields of an update
	Rows   *RowsDiff `json:"rows,omitempty"`   // watchlist rows an update adds, changes or removes

	src, cur *Item
}

// Plan is what a restore (or a deploy) would do in one workspace.
type Plan struct {
	Source Source     `json:"source"`
	Target string     `json:"target"` // workspace alias
	Tenant string     `json:"tenant"`
	Items  []PlanItem `json:"items"`
	// Kept are the target's items the source does not have: a restore leaves them as they are.
	Kept  []string `json:"kept,omitempty"`
	Notes []string `json:"notes,omitempty"`

	ws    *tenancy.Workspace
	c     *sentinel.Client
	env   Env
	cur   *Snapshot
	rules map[string]string // analytics rule key (lower case) -> resource name in the target, after the plan
}

// Counts returns the number of items per action.
func (p *Plan) Counts() map[Action]int {
	out := map[Action]int{}
	for _, it := range p.Items {
		out[it.Action]++
	}
	return out
}

// Changes reports whether applying the plan writes anything.
func (p *Plan) Changes() bool {
	c := p.Counts()
	return c[ActCreate]+c[ActUpdate] > 0
}

// PlanOptions control PlanRestore.
type PlanOptions struct {
	Filter           Filter
	MaxWatchlistRows int
	Progress         func(msg string)
}

// PlanRestore decides, against the current content of workspace ws, what restoring the source's
// items (those the filter selects) would create, update, leave unchanged or skip, and why. It only
// reads. The plan's Apply does it.
func PlanRestore(ctx context.Context, p *azure.Provider, src *Snapshot, ws *tenancy.Workspace, o PlanOptions) (*Plan, error) {
	items := o.Filter.Select(src.Items)
	pl := &Plan{Source: src.Source, Target: ws.Alias, Tenant: ws.TenantName, ws: ws, env: EnvOf(ws)}
	c, err := sentinel.New(p, ws)
	if err != nil {
		return nil, err
	}
	pl.c = c
	var need []Kind
	for _, k := range normKinds(o.Filter.Kinds) {
		if ok, _ := k.Restorable(); ok && (contains(src.Kinds, k) || len(src.Kinds) == 0) {
			need = append(need, k)
		}
	}
	read := need
	if contains(need, KindAutomationRule) && !contains(need, KindAnalyticsRule) {
		read = append(append([]Kind(nil), need...), KindAnalyticsRule) // to point rule references at the target's rules
	}
	cur := &Snapshot{Source: Source{Workspace: ws.Alias}}
	if len(read) > 0 {
		cur, err = Collect(ctx, p, ws, CollectOptions{Kinds: read, MaxWatchlistRows: o.MaxWatchlistRows, Progress: o.Progress})
		if err != nil {
			return nil, err
		}
	}
	pl.cur = cur
	pl.rules = map[string]string{}
	for _, it := range cur.Of(KindAnalyticsRule) {
		if _, dup := pl.rules[strings.ToLower(it.Key)]; !dup {
			pl.rules[strings.ToLower(it.Key)] = it.Name
		}
	}
	unreadable := map[Kind]string{}
	for _, e := range cur.Incomplete {
		unreadable[e.Kind] = e.Error
	}
	for _, e := range src.Incomplete {
		pl.Notes = append(pl.Notes, fmt.Sprintf("the source's %s could not be read when it was taken (%s): they are not restored", e.Kind.Plural(), e.Error))
	}
	for _, k := range AllKinds() {
		var mine []*Item
		for _, it := range items {
			if it.Kind == k {
				mine = append(mine, it)
			}
		}
		if ok, why := k.Restorable(); !ok {
			for _, it := range mine {
				pl.Items = append(pl.Items, PlanItem{Kind: k, Key: it.Key, Title: it.Title, Action: ActSkip, Reason: why, src: it})
			}
			continue
		}
		if !contains(need, k) || !contains(cur.Kinds, k) {
			continue
		}
		if why, bad := unreadable[k]; bad {
			for _, it := range mine {
				pl.Items = append(pl.Items, PlanItem{Kind: k, Key: it.Key, Title: it.Title, Action: ActSkip,
					Reason: "the target's " + k.Plural() + " could not be read, so nothing is overwritten blindly: " + why, src: it})
			}
			continue
		}
		if err := pl.planKind(ctx, k, mine, cur.Of(k), len(o.Filter.Names)+len(o.Filter.Tags) == 0); err != nil {
			return nil, err
		}
		if k == KindAnalyticsRule { // the rules as they will be once applied
			for _, it := range pl.Items {
				if it.Kind == k && it.Name != "" && (it.Action == ActCreate || it.Action == ActUpdate || it.Action == ActUnchanged) {
					pl.rules[strings.ToLower(it.Key)] = it.Name
				}
			}
		}
	}
	return pl, nil
}

// matchRestore pairs source items with the target's: the same resource name first (a previous restore
// kept the source's names), then as Match does.
func matchRestore(src, cur []*Item) []Pair {
	var out []Pair
	taken := map[*Item]bool{}
	var restSrc []*Item
	for _, s := range src {
		var hit *Item
		for _, c := range cur {
			if !taken[c] && s.Name != "" && strings.EqualFold(c.Name, s.Name) {
				hit = c
				break
			}
		}
		if hit == nil {
			restSrc = append(restSrc, s)
			continue
		}
		taken[hit] = true
		out = append(out, Pair{Base: s, Target: hit})
	}
	var restCur []*Item
	for _, c := range cur {
		if !taken[c] {
			restCur = append(restCur, c)
		}
	}
	return append(out, Match(restSrc, restCur)...)
}

func (pl *Plan) planKind(ctx context.Context, k Kind, src, cur []*Item, reportKept bool) error {
	names := map[string]bool{}
	for _, c := range cur {
		names[strings.ToLower(c.Name)] = true
	}
	for _, pair := range matchRestore(src, cur) {
		s, c := pair.Base, pair.Target
		if s == nil {
			if reportKept {
				pl.Kept = append(pl.Kept, fmt.Sprintf("%s %q", k.Label(), c.Title))
			}
			continue
		}
		it := PlanItem{Kind: k, Key: s.Key, Title: s.Title, src: s, cur: c}
		if len(s.Redacted) > 0 || hasRedacted(s.Doc) {
			it.Action, it.Reason = ActSkip, "it holds secret values that are never exported ("+strings.Join(s.Redacted, ", ")+"): set it up in the target itself"
			pl.Items = append(pl.Items, it)
			continue
		}
		if c == nil && k == KindTable && s.Properties()["schema"] == nil {
			// A Microsoft table's settings: the target has the table with default settings (or not at all).
			c = &Item{Kind: KindTable, Key: s.Key, Name: s.Name, Title: s.Title,
				Doc: map[string]any{"properties": map[string]any{"plan": "Analytics", "retentionInDays": -1, "totalRetentionInDays": -1}}}
			it.cur = c
		}
		if missing := pl.missingRules(s); len(missing) > 0 {
			it.Action, it.Reason = ActSkip, fmt.Sprintf("it refers to analytics rule(s) %s, which %s does not have: restore or deploy them too",
				strings.Join(missing, ", "), pl.Target)
			pl.Items = append(pl.Items, it)
			continue
		}
		if c == nil {
			it.Action, it.Name = ActCreate, pl.createName(s, names)
			names[strings.ToLower(it.Name)] = true
			if why := pl.createBlocked(ctx, s, it.Name); why != "" {
				it.Action, it.Reason = ActSkip, why
			}
			pl.Items = append(pl.Items, it)
			continue
		}
		it.Name = c.Name
		if k == KindAnalyticsRule && !strings.EqualFold(str(s.Doc, "kind"), str(c.Doc, "kind")) {
			it.Action, it.Reason = ActSkip, fmt.Sprintf("the rule is %s in the source but %s in the target, and Sentinel cannot change a rule's kind: delete the target's rule first",
				str(s.Doc, "kind"), str(c.Doc, "kind"))
			pl.Items = append(pl.Items, it)
			continue
		}
		for _, fd := range fieldDiffs("", s.Doc, c.Doc, nil) {
			it.Fields = append(it.Fields, fd.Path)
		}
		if k == KindWatchlist {
			if rd := rowsDiff(s, c); !rd.empty() {
				it.Rows = rd
			}
		}
		it.Action = ActUnchanged
		if len(it.Fields) > 0 || it.Rows != nil {
			it.Action = ActUpdate
		}
		pl.Items = append(pl.Items, it)
	}
	return nil
}

// createName is the resource name an item is created with: the source's when it is free (a second
// restore then finds it by name), a data collection rule's named after the target workspace, a new
// GUID for the kinds Sentinel names so when the source's is taken by another item.
func (pl *Plan) createName(s *Item, taken map[string]bool) string {
	name := s.Name
	if s.Kind == KindDCR && strings.Contains(s.Key, PlaceholderWorkspaceName) {
		name = strings.ReplaceAll(s.Key, PlaceholderWorkspaceName, pl.ws.Name)
	}
	switch s.Kind {
	case KindWatchlist, KindTable, KindSetting, KindDCR:
		return name // the name is the item's identity
	}
	if name == "" || taken[strings.ToLower(name)] {
		return sentinel.NewName()
	}
	return name
}

// missingRules lists the analytics rules an item refers to (${analyticsRule:key}) that the target
// will not have.
func (pl *Plan) missingRules(s *Item) []string {
	var out []string
	for _, k := range ruleRefs(s.Doc) {
		if _, ok := pl.rules[strings.ToLower(k)]; !ok {
			out = append(out, fmt.Sprintf("%q", k))
		}
	}
	return out
}

// ruleRefs lists the keys of the ${analyticsRule:key} placeholders in a document.
func ruleRefs(doc map[string]any) []string {
	var out []string
	mapStrings(clone(doc), func(s string) string {
		for {
			i := strings.Index(s, "${analyticsRule:")
			if i < 0 {
				return s
			}
			s = s[i+len("${analyticsRule:"):]
			j := strings.Index(s, "}")
			if j < 0 {
				return s
			}
			out = append(out, s[:j])
			s = s[j+1:]
		}
	})
	return out
}

// resolveRules replaces ${analyticsRule:key} placeholders by the resource ids of the target's rules.
func (pl *Plan) resolveRules(doc map[string]any) map[string]any {
	return mapStrings(doc, func(s string) string {
		for _, k := range ruleRefs(map[string]any{"s": s}) {
			if name, ok := pl.rules[strings.ToLower(k)]; ok {
				s = strings.ReplaceAll(s, RulePlaceholder(k), strings.TrimSuffix(pl.ws.ResourceID, "/")+sentinel.ProviderPath+"/alertRules/"+name)
			}
		}
		return s
	}).(map[string]any)
}

// createBlocked says why an item cannot be created in the target ("" when it can): a data collection
// rule whose name is taken in the target's resource group by a rule of other workspaces.
func (pl *Plan) createBlocked(ctx context.Context, s *Item, name string) string {
	if s.Kind != KindDCR {
		return ""
	}
	var existing sentinel.DataCollectionRule
	p, err := pl.c.InsightsPath("", sentinel.KindDCR, name)
	if err != nil {
		return err.Error()
	}
	if err := pl.c.Get(ctx, p, &existing); err == nil {
		return fmt.Sprintf("a data collection rule named %s already exists in resource group %s and sends to other workspaces: it is not taken over",
			name, pl.ws.ResourceGroup)
	} else if !azure.IsNotFound(err) {
		return "could not check whether the name is free: " + err.Error()
	}
	return ""
}
